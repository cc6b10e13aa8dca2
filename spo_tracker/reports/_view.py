"""The report's content, computed once and shared by the HTML, JSON and CSV writers.

:func:`build_report` turns alerts plus the records they refer to into a
:class:`Report`: every alert with its order, its term in plain English, its
evidence timeline and its deadlines; every defendant with incidents per London
day for the chart; counts for the summary. All redaction happens here, so the
three formats cannot disagree about what is shown. Nothing here reads the
clock: the generation time is the ``now`` given.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs
import pendulum

from spo_tracker._gc import collector_paused
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, sort_alerts
from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.redaction import Redactor
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.terms import Term
from spo_tracker.errors import InvalidValueError
from spo_tracker.reports._time import last_day_text, london_date_text, london_day, london_text

__all__ = [
    "CHART_MAX_DAYS",
    "CHART_MIN_DAYS",
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
    "build_report",
]

#: The "at a glance" list holds alerts identified in this many days up to ``now``.
RECENT_DAYS: Final = 14
#: A chart covers at least this many London days, so a one-day spike has context.
CHART_MIN_DAYS: Final = 14
#: ... and at most this many (the latest), so a long history stays legible.
CHART_MAX_DAYS: Final = 120

_DEADLINE_LABELS: Final = {
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


def _order_facts(order: Order) -> OrderFacts:
    period = order.period
    return OrderFacts(
        order_id=order.order_id,
        kind=order.kind.value,
        result_code=order.kind.result_code,
        state=order.state.value,
        court=order.court,
        made_on=order.made_on,
        served_at=order.served_at,
        ends_on=None if period is None else period.last_day,
        appeal_pending=order.appeal_pending,
        replaces_order_id=order.replaces_order_id,
    )


def _find_term(order: Order, term_id: str, version: int) -> Term | None:
    """The term as it stood in ``version`` (or, if a variation added it, where it appears)."""
    chosen = order.versions[version - 1]
    for candidate in (chosen, *reversed(order.versions)):
        for term in candidate.terms:
            if term.term_id == term_id:
                return term
    return None


def _term_facts(term: Term, redactor: Redactor, scope: Iterable[str]) -> TermFacts:
    persons = getattr(term, "persons", ())
    text = term.render(redactor.names(persons))
    return TermFacts(
        term_id=term.term_id,
        code=term.CODE,
        title=term.TITLE,
        section=term.SECTION,
        text=redactor.scrub_wording(text, scope),
        quoted=term.render(),
    )


def _evidence_row(
    incident_id: str, incident: Incident | None, redactor: Redactor, persons: frozenset[str]
) -> EvidenceRow:
    if incident is None:
        return EvidenceRow(incident_id, found=False)
    target = incident.target_person_id
    touched = persons if target is None or target in persons else persons | {target}
    platform = incident.platform
    return EvidenceRow(
        incident_id=incident_id,
        found=True,
        occurred_at=incident.occurred_at,
        occurred_text=london_text(incident.occurred_at),
        # ``_value_`` is the member's value as a plain attribute (``.value`` is a descriptor
        # call in Python; this runs for every evidence incident).
        kind=incident.kind._value_,
        platform=None if platform is None else _platform_label(platform),
        via_third_party=incident.via_third_party,
        summary=redactor.scrub(incident.summary, touched),
    )


@functools.cache
def _platform_label(platform: Platform) -> str:
    return platform.label


def _order_text(alert: Alert, order: tuple[OrderFacts, Deadline | None, str] | None) -> str:
    if order is not None:
        return order[2]
    return "" if alert.order_id is None else f"{alert.order_id} (details not available)"


def _optional_text(at: pendulum.DateTime | None) -> str:
    return "not applicable" if at is None else london_text(at)


class _Builder:
    """Builds report alerts, computing what orders share (facts, terms, ends) once."""

    def __init__(self, context: ReportContext, redactor: Redactor) -> None:
        self._context = context
        self._redactor = redactor
        self._orders: dict[str, tuple[OrderFacts, Deadline | None, str] | None] = {}
        self._terms: dict[tuple[str, str, int], TermFacts | None] = {}
        self._versions: dict[tuple[str, _dt.date], int] = {}
        # Overlapping alerts share evidence: a row depends only on the incident and scope.
        self._evidence: dict[tuple[str, frozenset[str]], EvidenceRow] = {}

    def _evidence_rows(self, alert: Alert, scope: frozenset[str]) -> tuple[EvidenceRow, ...]:
        rows = []
        cache, incidents = self._evidence, self._context.incidents
        for incident_id in alert.evidence_ids:
            row = cache.get((incident_id, scope))
            if row is None:
                incident = incidents.get(incident_id)
                row = _evidence_row(incident_id, incident, self._redactor, scope)
                cache[(incident_id, scope)] = row
            rows.append(row)
        return tuple(rows)

    def _order(self, order_id: str | None) -> tuple[OrderFacts, Deadline | None, str] | None:
        if order_id is None:
            return None
        if order_id not in self._orders:
            source = self._context.orders.get(order_id)
            found = None
            if source is not None:
                end = None
                if source.period is not None:
                    moment = source.period.last_moment
                    end = Deadline.of("Order's fixed period", moment)
                facts = _order_facts(source)
                found = (facts, end, facts.text)
            self._orders[order_id] = found
        return self._orders[order_id]

    def _term(self, alert: Alert) -> TermFacts | None:
        if alert.order_id is None or alert.term_id is None:
            return None
        source = self._context.orders.get(alert.order_id)
        if source is None:
            return None
        # The version in force on the alert's London day; many alerts share a day.
        day = (alert.order_id, london_day(alert.when))
        version = self._versions.get(day)
        if version is None:
            version = self._versions[day] = source.version_at(alert.when).number
        key = (alert.order_id, alert.term_id, version)
        if key not in self._terms:
            term = _find_term(source, alert.term_id, version)
            scope = source.protected_person_ids
            found = None if term is None else _term_facts(term, self._redactor, scope)
            self._terms[key] = found
        return self._terms[key]

    def _scope(self, alert: Alert) -> frozenset[str]:
        persons = set(alert.protected_person_ids)
        source = None if alert.order_id is None else self._context.orders.get(alert.order_id)
        if source is not None:
            persons.update(source.protected_person_ids)
        return frozenset(persons)

    def _scrubbed(self, alert: Alert, scope: frozenset[str]) -> Alert:
        """The alert, with places (and names) scrubbed from its title and explanation (a copy if
        anything was found: the wording names persons by id and zones by label)."""
        title = self._redactor.scrub_wording(alert.title, scope)
        explanation = self._redactor.scrub_wording(alert.explanation, scope)
        if title == alert.title and explanation == alert.explanation:
            return alert
        return attrs.evolve(alert, title=title, explanation=explanation)

    def alert(self, alert: Alert) -> ReportAlert:
        """The report's view of one alert."""
        scope = self._scope(alert)
        alert = self._scrubbed(alert, scope)
        order = self._order(alert.order_id)
        deadlines = []
        if alert.deadline is not None:
            label = _DEADLINE_LABELS.get(alert.kind, "Deadline")
            deadlines.append(Deadline.of(label, alert.deadline))
        end = None if order is None else order[1]
        # A renewal review's deadline is the order's end: one line, not two saying the same.
        if end is not None and all((d.label, d.text) != (end.label, end.text) for d in deadlines):
            deadlines.append(end)
        persons = tuple((p, self._redactor.label(p)) for p in alert.protected_person_ids)
        defendant = self._context.defendants.get(alert.defendant_id)
        name = None if defendant is None else defendant.display_name
        return ReportAlert(
            alert=alert,
            anchor=alert.alert_id,
            defendant_name=name,
            order=None if order is None else order[0],
            term=self._term(alert),
            persons=persons,
            evidence=self._evidence_rows(alert, scope),
            deadlines=tuple(deadlines),
            defendant_label=alert.defendant_id
            if name is None
            else f"{name} ({alert.defendant_id})",
            when_text=london_text(alert.when),
            identified_text=london_text(alert.identified_at),
            breach_text=_optional_text(alert.breach_time),
            first_seen_text=_optional_text(alert.first_seen),
            last_seen_text=_optional_text(alert.last_seen),
            order_text=_order_text(alert, order),
            persons_text="; ".join(label for _, label in persons),
            sections_text="; ".join((alert.section, *alert.related_sections)),
            order_end=end,
        )


def _activity(defendant_id: str, alerts: Sequence[ReportAlert]) -> DefendantActivity:
    times: dict[str, pendulum.DateTime] = {}
    for item in alerts:
        for row in item.evidence:
            if row.occurred_at is not None:
                times[row.incident_id] = row.occurred_at
    counts: Counter[_dt.date] = Counter(london_day(t) for t in times.values())
    first = last = None
    days: tuple[DayCount, ...] = ()
    if counts:
        last = max(counts)
        first = min(
            max(min(counts), last - _dt.timedelta(days=CHART_MAX_DAYS - 1)),
            last - _dt.timedelta(days=CHART_MIN_DAYS - 1),
        )
        days = tuple(DayCount(d, counts[d]) for d in sorted(counts) if d >= first)
    peak = max(days, key=lambda d: (d.count, -d.day.toordinal())) if days else None
    return DefendantActivity(
        defendant_id=defendant_id,
        name=alerts[0].defendant_name,
        alert_anchors=tuple((a.anchor, a.alert.title) for a in alerts),
        first_day=first,
        last_day=last,
        days=days,
        total=len(times),
        peak=peak,
    )


def _timestamp(at: _dt.datetime | None) -> float:
    return 0.0 if at is None else _dt.datetime.timestamp(at)


def _last_activity(alert: Alert) -> pendulum.DateTime:
    return alert.last_seen or alert.identified_at


def _check_now(now: object) -> pendulum.DateTime:
    return ensure_aware(now, field="now").in_timezone("UTC")


def build_report(
    alerts: Iterable[Alert],
    context: ReportContext,
    *,
    now: _dt.datetime,
    include_protected_names: bool = False,
    title: str = "Suspected breaches and warnings: Stalking Protection Orders",
    since: _dt.datetime | None = None,
) -> Report:
    """Build a report's content from alerts and the records they refer to.

    Args:
        alerts: the alerts, in any order (the report sorts them).
        context: orders, defendants, protected persons and evidence incidents by id.
        now: when the report is generated; shown on it and used for "recent" alerts.
        include_protected_names: show protected persons' names (internal use only);
            by default they are replaced by ``Protected person <id>``.
        title: the report's title.
        since: keep only alerts with activity (last seen, else identified) at or after it.

    Raises:
        NaiveDatetimeError: ``now`` or ``since`` has no time zone.
        InvalidValueError: an item of ``alerts`` is not an :class:`Alert`, or the title is empty.
    """
    generated = _check_now(now)
    start = None if since is None else ensure_aware(since, field="since").in_timezone("UTC")
    if not isinstance(title, str) or not title.strip():
        raise InvalidValueError("title", title, "must be non-empty text")
    chosen = []
    for alert in alerts:
        if not isinstance(alert, Alert):
            raise InvalidValueError("alert", alert, "expected an Alert")
        if start is None or _last_activity(alert) >= start:
            chosen.append(alert)
    redactor = Redactor(context.protected_persons, include_names=include_protected_names)
    builder = _Builder(context, redactor)
    with collector_paused():  # many small acyclic objects: see spo_tracker._gc
        items = tuple(builder.alert(a) for a in sort_alerts(chosen))
        defendants = _defendants(items)
    return Report(
        title=title.strip(),
        generated_at=generated,
        since=start,
        include_protected_names=include_protected_names,
        alerts=items,
        defendants=defendants,
        recent=_recent(items, generated),
        ahead=_ahead(items, generated),
    )


def _defendants(items: Sequence[ReportAlert]) -> tuple[DefendantActivity, ...]:
    grouped: dict[str, list[ReportAlert]] = {}
    for item in items:
        grouped.setdefault(item.alert.defendant_id, []).append(item)
    return tuple(_activity(did, group) for did, group in grouped.items())


def _recent(items: Sequence[ReportAlert], now: pendulum.DateTime) -> tuple[ReportAlert, ...]:
    start = now.subtract(days=RECENT_DAYS)
    return tuple(a for a in items if start <= a.alert.identified_at <= now)


def _ahead(items: Sequence[ReportAlert], now: pendulum.DateTime) -> tuple[ReportAlert, ...]:
    coming = [a for a in items if a.alert.deadline is not None and a.alert.deadline > now]
    # Stable: equal deadlines keep report order.
    return tuple(sorted(coming, key=lambda a: _timestamp(a.alert.deadline)))
