"""The records of a report's content: what :func:`~spo_tracker.reports._view.build_report`
builds and the HTML, JSON and CSV writers read (already redacted; no clock read).

Private: import them from :mod:`spo_tracker.reports._view` or :mod:`spo_tracker.reports`.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.alerts import Alert, AlertKind, Severity
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.reports._time import last_day_text, london_date_text, london_text

__all__ = [
    "CHART_MAX_DAYS",
    "CHART_MIN_DAYS",
    "DEADLINE_LABELS",
    "RECENT_DAYS",
    "DayCount",
    "Deadline",
    "DefendantActivity",
    "EvidenceRow",
    "OrderFacts",
    "Report",
    "ReportAlert",
    "ReportContext",
    "TermFacts",
]

#: The "at a glance" list holds alerts identified in this many days up to ``now``.
RECENT_DAYS: Final = 14
#: A chart covers at least this many London days, so a one-day spike has context.
CHART_MIN_DAYS: Final = 14
#: ... and at most this many (the latest), so a long history stays legible.
CHART_MAX_DAYS: Final = 120

DEADLINE_LABELS: Final = {
    AlertKind.NOTIFICATION: "Notification deadline",
    AlertKind.DEADLINE_APPROACHING: "Notification deadline",
    AlertKind.RENEWAL_REVIEW: "Order's fixed period",
    AlertKind.INTERIM_ENDING: "Interim order",
}


@attrs.frozen
class ReportContext:
    """The records a report may draw on, by id.

    Only what the alerts refer to is needed: their orders, defendants,
    protected persons and evidence incidents. A missing record is shown as
    not available rather than failing the report.
    """

    orders: Mapping[str, Order] = attrs.field(factory=dict)
    defendants: Mapping[str, Defendant] = attrs.field(factory=dict)
    protected_persons: Mapping[str, ProtectedPerson] = attrs.field(factory=dict)
    incidents: Mapping[str, Incident] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls,
        *,
        orders: Iterable[Order] = (),
        defendants: Iterable[Defendant] = (),
        protected_persons: Iterable[ProtectedPerson] = (),
        incidents: Iterable[Incident] = (),
    ) -> ReportContext:
        """A context from plain collections of records."""
        return cls(
            {o.order_id: o for o in orders},
            {d.defendant_id: d for d in defendants},
            {p.person_id: p for p in protected_persons},
            {i.incident_id: i for i in incidents},
        )


@attrs.frozen
class EvidenceRow:
    """One incident of an alert's evidence timeline (never its location).

    Attributes:
        incident_id: the incident.
        found: whether the incident was available to the report.
        occurred_at: when it happened (UTC), if found.
        occurred_text: the same in London time, for people.
        kind: the incident kind code, if found.
        platform: the platform's name (``Instagram``, ``X (Twitter)``), if any.
        via_third_party: made through another person.
        summary: the free text, scrubbed of protected persons' details.
    """

    incident_id: str
    found: bool
    occurred_at: pendulum.DateTime | None = None
    occurred_text: str = ""
    kind: str | None = None
    platform: str | None = None
    via_third_party: bool = False
    summary: str = ""


@attrs.frozen
class OrderFacts:
    """What a report states about the order an alert concerns (SPA2019 s.6)."""

    order_id: str
    kind: str
    result_code: str
    state: str
    court: str
    made_on: pendulum.Date
    served_at: pendulum.DateTime | None
    ends_on: pendulum.Date | None
    appeal_pending: bool
    replaces_order_id: str | None

    @property
    def ends_text(self) -> str:
        """``last day: Sat 1 Mar 2028 (London)`` or ``until further order`` (SPA2019 s.3(1))."""
        if self.ends_on is None:
            return "until further order"
        return f"last day: {london_date_text(self.ends_on)} (London)"

    @property
    def state_text(self) -> str:
        """``served Fri 9 Jun 2023 07:00 BST``, ``made, not yet served``, ``expired (served ...)``.

        The state once: an order in the ``served`` state is not "served, served".
        """
        if self.served_at is None:
            return f"{self.state}, not yet served"
        served = f"served {london_text(self.served_at)}"
        return served if self.state == "served" else f"{self.state} ({served})"

    @property
    def text(self) -> str:
        """The order in one sentence, for people (SPA2019 s.6(a)-(b))."""
        parts = [
            f"{self.order_id}: {self.kind} order (CJS result code {self.result_code}), made "
            f"{london_date_text(self.made_on)} at {self.court}; {self.ends_text}; "
            f"{self.state_text}"
        ]
        if self.replaces_order_id:
            parts.append(f"replaces interim order {self.replaces_order_id}")
        if self.appeal_pending:
            parts.append("appeal pending")
        return "; ".join(parts)


@attrs.frozen
class TermFacts:
    """The term breached, as the order states it, with names redacted as the report asks."""

    term_id: str
    code: str
    title: str
    section: str
    text: str
    #: The term as a breach explanation quotes it (persons by id, zones by label), so that
    #: the HTML card can link to the term instead of quoting it again; never displayed.
    quoted: str = attrs.field(default="", eq=False, repr=False)

    @property
    def heading(self) -> str:
        """``Term T1 (SPO-P03, Platform ban, SPA2019 s.1(2)(a))``."""
        return f"Term {self.term_id} ({self.code}, {self.title}, {self.section})"


@attrs.frozen
class Deadline:
    """A deadline an alert is about, or the end of the order's fixed period.

    Attributes:
        label: what ends (``Notification deadline``, ``Order's fixed period``).
        at: the instant it ends.
        text: the one wording of every deadline: ``last day: Thu 4 Jun 2026 (London)``.
    """

    label: str
    at: pendulum.DateTime
    text: str

    @classmethod
    def of(cls, label: str, at: pendulum.DateTime) -> Deadline:
        """The deadline ``label`` ending at ``at``, worded by :func:`last_day_text`."""
        return cls(label, at, last_day_text(at))


@attrs.frozen
class ReportAlert:
    """One alert with everything the report shows about it.

    Attributes:
        alert: the alert itself (its fields are reported as they are).
        anchor: the HTML id of the alert's card (the alert id itself).
        defendant_name: the defendant's main name, if known.
        order: the order, if the alert concerns one and it is known.
        term: the term, if the alert concerns one and it is known.
        persons: ``(id, label)`` of each protected person concerned.
        evidence: the evidence timeline, in the order the alert lists it.
        deadlines: the alert's deadline and the order's end, where there are any.
        defendant_label: ``name (id)``, or the id alone when the name is not known.
        when_text: the instant the alert is filed under (:attr:`Alert.when`), London time.
        identified_text: the time identified, London time.
        breach_text: the breach time, London time, or ``not applicable``.
        first_seen_text: the first evidence, London time, or ``not applicable``.
        last_seen_text: the last evidence, London time, or ``not applicable``.
        order_text: the order in one sentence (or that its details are not available).
        persons_text: the labels of the protected persons concerned, joined.
        sections_text: the main section and the related ones, joined.
        order_end: the end of the order's fixed period (also in ``deadlines``), if any.
    """

    alert: Alert
    anchor: str
    defendant_name: str | None
    order: OrderFacts | None
    term: TermFacts | None
    persons: tuple[tuple[str, str], ...]
    evidence: tuple[EvidenceRow, ...]
    deadlines: tuple[Deadline, ...]
    defendant_label: str
    when_text: str
    identified_text: str
    breach_text: str
    first_seen_text: str
    last_seen_text: str
    order_text: str
    persons_text: str
    sections_text: str
    order_end: Deadline | None = None

    @property
    def severity(self) -> str:
        """The severity code (``critical``...)."""
        return self.alert.severity.value

    @property
    def evidence_caption(self) -> str:
        """``Evidence (3 incidents)``."""
        n = len(self.evidence)
        return f"Evidence ({n} incident{'' if n == 1 else 's'})"

    @property
    def deadline_text(self) -> str:
        """The alert's own deadline (``last day: Thu 4 Jun 2026 (London)``), or empty."""
        return "" if self.alert.deadline is None else last_day_text(self.alert.deadline)


@attrs.frozen
class DayCount:
    """Incidents on one London day."""

    day: _dt.date
    count: int


@attrs.frozen
class DefendantActivity:
    """A defendant's alerts and evidence incidents per London day, for the chart.

    The chart covers the London days from ``first_day`` to ``last_day``: the
    last day with evidence and up to :data:`CHART_MAX_DAYS` before it (at least
    :data:`CHART_MIN_DAYS`, so that a one-day spike is seen against quiet days).

    Attributes:
        defendant_id: the defendant.
        name: the main name, if known.
        alert_anchors: ``(anchor, title)`` of the defendant's alerts, in report order.
        first_day: the first charted day (``None`` without any evidence incident).
        last_day: the last charted day.
        days: the charted days that have incidents, oldest first.
        total: distinct evidence incidents across the defendant's alerts.
        peak: the busiest charted day (the earliest, on a tie), if any.
    """

    defendant_id: str
    name: str | None
    alert_anchors: tuple[tuple[str, str], ...]
    first_day: _dt.date | None
    last_day: _dt.date | None
    days: tuple[DayCount, ...]
    total: int
    peak: DayCount | None

    @property
    def span(self) -> int:
        """How many London days the chart covers."""
        if self.first_day is None or self.last_day is None:
            return 0
        return self.last_day.toordinal() - self.first_day.toordinal() + 1

    @property
    def shown(self) -> int:
        """How many of the evidence incidents fall on the charted days."""
        return sum(d.count for d in self.days)


@attrs.frozen
class Report:
    """A breach-alert report, ready for any output format.

    Attributes:
        title: the report's title.
        generated_at: the ``now`` it was generated for (never the wall clock).
        since: only alerts with activity at or after this instant, if given.
        include_protected_names: real names shown (internal use) instead of labels.
        alerts: every alert, most severe first, then earliest (:func:`sort_alerts`).
        defendants: every defendant with an alert, in order of their first alert.
        recent: the alerts identified in the :data:`RECENT_DAYS` days to ``now``, in order.
        ahead: the alerts whose deadline is after ``now``, soonest first.
    """

    title: str
    generated_at: pendulum.DateTime
    since: pendulum.DateTime | None
    include_protected_names: bool
    alerts: tuple[ReportAlert, ...]
    defendants: tuple[DefendantActivity, ...]
    recent: tuple[ReportAlert, ...]
    ahead: tuple[ReportAlert, ...] = ()

    @property
    def by_severity(self) -> list[tuple[str, int]]:
        """``(severity, count)`` for every severity, most severe first."""
        counts = Counter(a.alert.severity for a in self.alerts)
        return [(s.value, counts[s]) for s in sorted(Severity, reverse=True)]

    @property
    def by_kind(self) -> list[tuple[str, int]]:
        """``(kind, count)`` for every alert kind, in the catalogue's order."""
        counts = Counter(a.alert.kind for a in self.alerts)
        return [(k.value, counts[k]) for k in AlertKind]

    @property
    def generated_text(self) -> str:
        """The generation time in London time."""
        return london_text(self.generated_at)
