"""The report's content, computed once and shared by the HTML, JSON and CSV writers.

:func:`build_report` turns alerts plus the records they refer to into a
:class:`Report`: every alert with its order, its term in plain English, its
evidence timeline and its deadlines; every defendant with incidents per London
day for the chart; counts for the summary. All redaction happens here, so the
three formats cannot disagree about what is shown. Nothing here reads the
clock: the generation time is the ``now`` given.

The records themselves are in :mod:`spo_tracker.reports._view_records`; import
them from here.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import Counter
from collections.abc import Iterable, Sequence

import attrs
import pendulum

from spo_tracker._gc import collector_paused
from spo_tracker.domain.alerts import Alert, sort_alerts
from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.redaction import Redactor
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.terms import Term
from spo_tracker.errors import InvalidValueError
from spo_tracker.reports._time import london_day, london_text
from spo_tracker.reports._view_records import (
    CHART_MAX_DAYS,
    CHART_MIN_DAYS,
    DEADLINE_LABELS,
    RECENT_DAYS,
    DayCount,
    Deadline,
    DefendantActivity,
    EvidenceRow,
    OrderFacts,
    Report,
    ReportAlert,
    ReportContext,
    TermFacts,
)

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
        # Every person an order against each defendant protects: text about one of the
        # defendant's cases may name the whereabouts of a person another order protects.
        self._protected: dict[str, set[str]] = {}
        for order in context.orders.values():
            self._protected.setdefault(order.defendant_id, set()).update(order.protected_person_ids)

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
            scope = self._protected.get(source.defendant_id, source.protected_person_ids)
            found = None if term is None else _term_facts(term, self._redactor, scope)
            self._terms[key] = found
        return self._terms[key]

    def _scope(self, alert: Alert) -> frozenset[str]:
        """The persons the alert's text and evidence are scrubbed of: the alert's own, its
        order's, and those of every other order against its defendant."""
        persons = set(alert.protected_person_ids)
        source = None if alert.order_id is None else self._context.orders.get(alert.order_id)
        if source is not None:
            persons.update(source.protected_person_ids)
        persons.update(self._protected.get(alert.defendant_id, ()))
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
            label = DEADLINE_LABELS.get(alert.kind, "Deadline")
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
