"""Dated rules of positive requirements: requirements not met by their due day and
sign-on days missed (breach of an order, SPA2019 s.8(1); the terms are SPA2019
s.1(2)(b)).

Private: import :func:`requirement_alerts` from :mod:`spo_tracker.detection.dated`,
whose rules (taking ``at``, never reading the clock; deterministic alerts) these follow.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, cast

import attrs
import pendulum

from spo_tracker.detection import explain
from spo_tracker.detection._clock import (
    INF,
    day_start,
    day_start_seconds,
    epoch,
    instant,
    london_date_text,
    london_day,
    london_days,
    london_text,
)
from spo_tracker.detection.compiled import version_spans
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.rules import BREACH_SECTION
from spo_tracker.domain.alerts import BREACH_CODE, Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.orders import Order, OrderVersion
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule, Term
from spo_tracker.errors import InvalidValueError

__all__ = [
    "SIGN_ON_ALERT_FORM",
    "ComplianceTime",
    "SettledSignOns",
    "requirement_alerts",
    "requirement_alerts_from_term_times",
    "requirement_alerts_from_times",
]

_REQUIREMENT_RULE: Final = "requirement.positive"
_SIGN_ON_RULE: Final = "requirement.sign_on"


_VersionSpans = list[tuple[float, float, OrderVersion]]


def _term_spans(
    order: Order, term_type: type[Term], versions: _VersionSpans | None = None
) -> dict[str, list[tuple[float, float, Term]]]:
    """Per term id, the epoch-second spans in which a term of that type binds, in time order
    (``versions``: the order's ``version_spans``, if the caller has them already).

    A term that a later version keeps unchanged binds on without a break, so
    the spans of equal terms that meet (a version decided in the middle of a
    day) are joined: a sign-on day bound throughout is then checked. A span in
    which the order was not in force (a discharge quashed on appeal) stays a
    break: the term did not bind then.
    """
    spans: dict[str, list[tuple[float, float, Term]]] = {}
    for lo, hi, version in version_spans(order) if versions is None else versions:
        for term in version.terms:
            if not isinstance(term, term_type):
                continue
            t_lo, t_hi = lo, hi
            if term.period is not None:
                t_lo = max(lo, epoch(term.period.starts_at))
                t_hi = min(hi, epoch(term.period.ends_at))
            if t_lo < t_hi:
                known = spans.setdefault(term.term_id, [])
                if known and known[-1][1] == t_lo and known[-1][2] == term:
                    known[-1] = (known[-1][0], t_hi, term)
                else:
                    known.append((t_lo, t_hi, term))
    return spans


def _met(
    compliance: Mapping[tuple[str, str, str], list[float]], order: Order, term_id: str
) -> list[float]:
    return compliance.get((order.defendant_id, order.order_id, term_id), [])


def _index(
    records: Iterable[ComplianceRecord], at: float
) -> dict[tuple[str, str, str], list[float]]:
    """Compliance times by (defendant, order, term), ignoring facts recorded after ``at``."""
    index: dict[tuple[str, str, str], list[float]] = {}
    for record in records:
        if not isinstance(record, ComplianceRecord):
            raise InvalidValueError("compliance", record, "expected a ComplianceRecord")
        t = epoch(record.at)
        if t <= at:
            index.setdefault((record.defendant_id, record.order_id, record.term_id), []).append(t)
    return index


def _requirement_alert(
    order: Order, term: PositiveRequirement, due_end: float, late: float | None
) -> Alert:
    served = INF if order.served_at is None else epoch(order.served_at)
    pre_service = served >= due_end
    parts = [
        f"Term {term.term_id} ({term.CODE}, {term.TITLE}) of {order.kind.value} order "
        f'{order.order_id} required the defendant "{term.describe()}". No compliance was '
        f"recorded by the end of {london_text(due_end - 1, clock=False)}."
    ]
    if late is not None:
        parts.append(f"It was recorded late, on {london_text(late)} (London time).")
    if pre_service:
        parts.append("The order had not been served by then: the defendant may not have known.")
    parts += [
        f"Suspected offence: breach of a Stalking Protection Order ({BREACH_SECTION}), "
        f"CJS offence code {BREACH_CODE}.",
        explain.REVIEW_NOTE,
    ]
    due = instant(due_end)
    return Alert(
        alert_id=alert_id_for(
            _REQUIREMENT_RULE, order.defendant_id, order.order_id, term.term_id, term.due_on
        ),
        rule_id=_REQUIREMENT_RULE,
        kind=AlertKind.BREACH,
        severity=Severity.MEDIUM,
        defendant_id=order.defendant_id,
        order_id=order.order_id,
        term_id=term.term_id,
        term_code=term.CODE,
        section=BREACH_SECTION,
        related_sections=(term.SECTION,),
        cjs_code=BREACH_CODE,
        title=f"Positive requirement not met by its due date ({term.term_id}), "
        f"order {order.order_id}",
        explanation=" ".join(parts),
        breach_time=due,
        identified_at=due,
        deadline=due,
        pre_service=pre_service,
        appeal_pending=order.appeal_pending,
        protected_person_ids=order.protected_person_ids,
    )


def _positive_failures(
    order: Order,
    met: Mapping[tuple[str, str, str], list[float]],
    at: float,
    versions: _VersionSpans,
) -> list[Alert]:
    out = []
    for term_id, spans in _term_spans(order, PositiveRequirement, versions).items():
        seen_due: set[object] = set()
        # Compliance counts from when the term first bound: a record dated before the order,
        # or before a variation added the requirement, cannot have met it.
        first = spans[0][0]
        times = [t for t in _met(met, order, term_id) if t >= first]
        for lo, hi, found in spans:
            term = cast(PositiveRequirement, found)
            due_end = day_start_seconds(term.due_on.toordinal() + 1)  # the due day's end
            # The requirement binds if the term is in force at the last moment of the due day.
            if term.due_on in seen_due or not (lo < due_end <= hi) or due_end > at:
                continue
            seen_due.add(term.due_on)
            if any(t < due_end for t in times):
                continue
            late = min(times) if times else None
            out.append(_requirement_alert(order, term, due_end, late))
    return out


def _runs(spans: list[tuple[float, float, Term]]) -> list[list[tuple[float, float, Term]]]:
    """The term's spans grouped into runs that follow one another without a break (a version
    decided mid-day that changes the schedule ends one span where the next begins)."""
    runs: list[list[tuple[float, float, Term]]] = []
    for span in spans:
        if runs and runs[-1][-1][1] == span[0]:
            runs[-1].append(span)
        else:
            runs.append([span])
    return runs


def _sign_on_days(
    run: list[tuple[float, float, Term]], since: float, at: float
) -> list[tuple[int, SignOnSchedule]]:
    """London days bound throughout by a run of the term, ended by ``at``, on the schedule of
    every version in force that day, with the schedule in force at the day's end.

    A run of one span (the usual case) by arithmetic (:func:`_one_span_days`); a run of
    more than one (a schedule changed mid-run) day by day (:func:`_day_by_day`).
    """
    if len(run) == 1:
        lo, hi, found = run[0]
        term = cast(SignOnSchedule, found)
        return [(day, term) for day in _one_span_days(lo, hi, term.weekdays, since, at)]
    return _day_by_day(run, since, at)


def _day_by_day(
    run: list[tuple[float, float, Term]], since: float, at: float
) -> list[tuple[int, SignOnSchedule]]:
    """:func:`_sign_on_days` for any run, one day at a time: every day from the day of
    ``max(lo, since)`` to the day of ``min(hi, at)`` is tested (the reference path)."""
    lo, hi = run[0][0], run[-1][1]
    first, last = london_day(max(lo, since)), london_day(min(hi, at))
    days = []
    for day in range(first, last + 1):
        weekday = (day + 6) % 7  # ordinal 1 (1 January 1) was a Monday
        start, end = day_start_seconds(day), day_start_seconds(day + 1)
        if not (lo <= start and end <= hi and end <= at):
            continue
        schedules = [cast(SignOnSchedule, t) for a, b, t in run if a < end and b > start]
        if all(weekday in s.weekdays for s in schedules):
            days.append((day, schedules[-1]))
    return days


def _bound_throughout(day: int, lo: float, hi: float, at: float) -> bool:
    """Whether the London ``day`` lies inside ``[lo, hi]`` and has ended by ``at``."""
    return lo <= day_start_seconds(day) and day_start_seconds(day + 1) <= min(hi, at)


def _one_span_days(
    lo: float, hi: float, weekdays: frozenset[int], since: float, at: float
) -> list[int]:
    """:func:`_sign_on_days` for a run of one span (the usual case), by arithmetic: the
    days on the schedule between the first and last days bound throughout, ascending.

    Only the first and last candidate days need the boundary test: London days start
    later as their ordinal grows, so every day strictly between the day of
    ``max(lo, since)`` and the day of ``min(hi, at)`` starts after ``lo`` and ends by
    ``hi`` and ``at``.
    """
    first, last = london_day(max(lo, since)), london_day(min(hi, at))
    if first <= last and not _bound_throughout(first, lo, hi, at):
        first += 1
    if first <= last and not _bound_throughout(last, lo, hi, at):
        last -= 1
    if first > last:
        return []
    days: list[int] = []
    monday_based = (first + 6) % 7  # ordinal 1 (1 January 1) was a Monday
    for weekday in weekdays:
        days += range(first + (weekday - monday_based) % 7, last + 1, 7)
    days.sort()
    return days


def _missed_days(
    run: list[tuple[float, float, Term]], since: float, at: float, signed: set[int]
) -> list[tuple[int, SignOnSchedule]]:
    """The days of :func:`_sign_on_days` with no sign-on, each with its schedule."""
    if len(run) == 1:
        lo, hi, found = run[0]
        term = cast(SignOnSchedule, found)
        days = _one_span_days(lo, hi, term.weekdays, since, at)
        return [(day, term) for day in days if day not in signed]
    return [(day, term) for day, term in _day_by_day(run, since, at) if day not in signed]


def _sign_on_alert(
    order: Order,
    term: SignOnSchedule,
    missed: list[int],
    bucket_start: int,
    config: DetectionConfig,
    served: float,
) -> Alert:
    pre = [d for d in missed if day_start_seconds(d) < served]
    names = ", ".join([london_date_text(d) for d in missed])
    parts = [
        f"No sign-on was recorded on {explain.plural(len(missed), 'scheduled day')} ({names}) "
        f"under term {term.term_id} ({term.CODE}, {term.TITLE}) of {order.kind.value} order "
        f'{order.order_id}: "{term.describe()}".'
    ]
    if pre:
        parts.append(f"{explain.plural(len(pre), 'day')} fell before the order was served.")
    parts += [
        f"Suspected offence: breach of a Stalking Protection Order ({BREACH_SECTION}), "
        f"CJS offence code {BREACH_CODE}.",
        explain.REVIEW_NOTE,
    ]
    end_of_first = day_start(missed[0] + 1)
    return Alert(
        alert_id=alert_id_for(
            _SIGN_ON_RULE, order.defendant_id, order.order_id, term.term_id, bucket_start
        ),
        rule_id=_SIGN_ON_RULE,
        kind=AlertKind.BREACH,
        severity=Severity.MEDIUM,
        defendant_id=order.defendant_id,
        order_id=order.order_id,
        term_id=term.term_id,
        term_code=term.CODE,
        section=BREACH_SECTION,
        related_sections=(term.SECTION,),
        cjs_code=BREACH_CODE,
        title=f"Sign-on missed ({term.term_id}), order {order.order_id}",
        explanation=" ".join(parts),
        count=len(missed),
        breach_time=end_of_first,
        identified_at=end_of_first,
        window_start=day_start(bucket_start),
        window_end=day_start(bucket_start + config.group_days),
        pre_service=bool(pre),
        appeal_pending=order.appeal_pending,
        protected_person_ids=order.protected_person_ids,
    )


def _judged_at(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="judged_at")


@attrs.frozen
class SettledSignOns:
    """What a nightly run already knows of the sign-on windows (missed sign-on days, a breach
    of the order under SPA2019 s.8(1); the terms are s.1(2)(b)) the previous run judged.

    A window (``config.group_days`` London days) whose last day ended before the London
    day of the previous run's instant was judged whole by that run, which stored its
    alert. Nothing can change such a window's judgement but a sign-on recorded since,
    if compliance records were only added since (the caller checks): a record can
    only take a day off the missed days, so the same number of missed days means the
    same days and the same alert (its wording, times and flags follow from the order,
    the term, the window and those days; the order is the same, or it is among
    ``changed`` and none of its windows is settled). Such a window's alert is not built
    again: it is stored as it would be built.

    When the caller also knows every order that compliance records were added against
    since (``added``), the settled windows of any other order are not even counted
    again: with no record added, nothing can have changed them, so their days are not
    looked at and their stored counts are not read.

    Attributes:
        judged_at: the previous run's instant (a window whose days all ended before its
            London day is settled).
        counts: given the ids of settled windows' alerts, the stored count of each one
            stored (one read for many: ``uow.alerts.stored_counts``).
        added: the ids of the orders compliance records were added against since the
            previous run, if known (``None``: every settled window's count is compared).
        changed: the ids of the orders created or changed since the previous run: none of
            their windows is settled (a change can alter an alert without its count: the
            appeal flag, the service time), every one is built and compared whole.
    """

    judged_at: pendulum.DateTime = attrs.field(converter=_judged_at)
    counts: Callable[[Sequence[str]], Mapping[str, int]]
    added: frozenset[str] | None = None
    changed: frozenset[str] = frozenset()

    def first_open(self, order: Order, config: DetectionConfig) -> float:
        """The instant (epoch seconds) of the first London day of ``order``'s sign-on
        windows that can have changed: the first window not settled if no compliance was
        added against the order (``added`` says so) and it did not change, else the
        beginning of time."""
        if self.added is None or order.order_id in self.added or order.order_id in self.changed:
            return -INF
        before = london_day(epoch(self.judged_at))
        return day_start_seconds(before // config.group_days * config.group_days)


#: The form of a sign-on alert built from given missed days: raise it whenever a release
#: changes what :func:`_sign_on_alert` builds from the same days (wording, times, flags),
#: so that a nightly run does not take a stored alert of the earlier form as settled
#: (tests/casework/test_settled_sign_ons.py pins one alert's dump against it).
SIGN_ON_ALERT_FORM: Final = 1


#: A sign-on window with days missed: the term, the window's first day, the missed days.
_Window = tuple[SignOnSchedule, int, list[int]]


def _sign_on_windows(
    order: Order,
    met: Mapping[tuple[str, str, str], list[float]],
    at: float,
    since: float,
    config: DetectionConfig,
    versions: _VersionSpans,
) -> list[_Window]:
    """The windows of each sign-on term of ``order`` with days missed, in window order
    (those of the days from ``since`` on)."""
    out: list[_Window] = []
    for term_id, spans in _term_spans(order, SignOnSchedule, versions).items():
        times = _met(met, order, term_id)
        # Every sign-on of the days checked, the first one (``since``'s London day) whole:
        # one made that morning, before ``since``, still counts for it.
        cut = since if since == -INF else day_start_seconds(london_day(since))
        signed = london_days(times if since == -INF else [t for t in times if t >= cut])
        buckets: dict[int, tuple[SignOnSchedule, list[int]]] = {}
        for run in _runs(spans):
            for day, term in _missed_days(run, since, at, signed):
                bucket = day // config.group_days
                buckets.setdefault(bucket, (term, []))[1].append(day)
        for bucket, (term, missed) in sorted(buckets.items()):
            out.append((term, bucket * config.group_days, sorted(missed)))
    return out


def _unsettled(
    windows: list[tuple[int, Order, _Window]],
    settled: SettledSignOns,
    config: DetectionConfig,
) -> list[tuple[int, Order, _Window]]:
    """``windows`` without those :class:`SettledSignOns` knows are stored as they are."""
    before = london_day(epoch(settled.judged_at))
    ids: dict[int, str] = {}
    for n, (_, order, (term, first, _)) in enumerate(windows):
        if order.order_id in settled.changed:
            continue  # judged whole: its alerts can differ with the same count
        if first + config.group_days <= before:  # every day ended before that day began
            ids[n] = alert_id_for(
                _SIGN_ON_RULE, order.defendant_id, order.order_id, term.term_id, first
            )
    stored = settled.counts(list(ids.values())) if ids else {}
    return [
        window
        for n, window in enumerate(windows)
        if n not in ids or stored.get(ids[n]) != len(window[2][2])
    ]


def requirement_alerts(
    orders: Iterable[Order],
    compliance: Iterable[ComplianceRecord],
    at: _dt.datetime,
    *,
    config: DetectionConfig | None = None,
    since: _dt.datetime | None = None,
) -> list[Alert]:
    """Positive requirements not met by their due date, and sign-on days missed, as of ``at``.

    A positive requirement fails when no compliance is recorded before the end
    of its due day (London time) and the term binds at that moment (its order in
    force, the version in force containing it, inside its own period). A
    sign-on day is missed when the term binds for the whole London day, the day
    is on the schedule, it has ended by ``at`` and no compliance falls on it;
    missed days are grouped into windows of ``config.group_days``. Facts recorded
    after ``at`` are ignored; ``since`` limits how far back sign-on days are checked.

    Raises:
        NaiveDatetimeError: ``at`` or ``since`` has no time zone.
        InvalidValueError: a record of the wrong type.
    """
    now = epoch(ensure_aware(at, field="at"))
    return _failures(orders, _index(compliance, now), now, config=config, since=since)


#: A compliance record as a light row: defendant, order, term, and when it was met in whole
#: microseconds since 1970-01-01 UTC (the storage's ``compliance_times``).
ComplianceTime = tuple[str, str, str, int]


def requirement_alerts_from_times(
    orders: Iterable[Order],
    compliance: Iterable[ComplianceTime],
    at: _dt.datetime,
    *,
    config: DetectionConfig | None = None,
    since: _dt.datetime | None = None,
) -> list[Alert]:
    """:func:`requirement_alerts` over light rows, not :class:`ComplianceRecord` objects: the
    same alerts, without building a validated record per sign-on (a force's dated checks
    read a million of them; the times are the stored microseconds divided once, exactly
    what :func:`~spo_tracker.domain.statutory_time.epoch` gives for the record's ``at``).

    Raises:
        NaiveDatetimeError: ``at`` or ``since`` has no time zone.
    """
    now = epoch(ensure_aware(at, field="at"))
    met: dict[tuple[str, str, str], list[float]] = {}
    for defendant_id, order_id, term_id, at_us in compliance:
        t = at_us / 1_000_000
        if t <= now:
            met.setdefault((defendant_id, order_id, term_id), []).append(t)
    for times in met.values():
        times.sort()
    return _failures(orders, met, now, config=config, since=since)


def requirement_alerts_from_term_times(
    orders: Iterable[Order],
    compliance: Mapping[tuple[str, str, str], Sequence[int]],
    at: _dt.datetime,
    *,
    config: DetectionConfig | None = None,
    since: _dt.datetime | None = None,
    settled: SettledSignOns | None = None,
) -> list[Alert]:
    """:func:`requirement_alerts_from_times` over the light rows grouped by term: the same
    alerts from ``(defendant_id, order_id, term_id)`` and the instants of its records in
    whole microseconds since 1970-01-01 UTC (the storage's ``times_by_term``: one row per
    term, not per sign-on, is read).

    With ``settled`` (a nightly run's, see :class:`SettledSignOns`), the alert of a
    sign-on window the previous run judged whole and stored with the same number of
    missed days is left out: it is stored exactly as it would be built.

    Raises:
        NaiveDatetimeError: ``at`` or ``since`` has no time zone.
    """
    now = epoch(ensure_aware(at, field="at"))
    met: dict[tuple[str, str, str], list[float]] = {}
    for key, found in compliance.items():
        seconds = [at_us / 1_000_000 for at_us in found]
        seconds.sort()
        del seconds[bisect.bisect_right(seconds, now) :]  # facts recorded after ``at``
        if seconds:
            met[key] = seconds
    return _failures(orders, met, now, config=config, since=since, settled=settled)


def _failures(
    orders: Iterable[Order],
    met: Mapping[tuple[str, str, str], list[float]],
    now: float,
    *,
    config: DetectionConfig | None,
    since: _dt.datetime | None,
    settled: SettledSignOns | None = None,
) -> list[Alert]:
    """Each order's requirement alerts, then its sign-on alerts, order by order."""
    chosen = config or DetectionConfig()
    start = -INF if since is None else epoch(ensure_aware(since, field="since"))
    positive: list[list[Alert]] = []
    windows: list[tuple[int, Order, _Window]] = []
    for n, order in enumerate(orders):
        versions = list(version_spans(order))
        positive.append(_positive_failures(order, met, now, versions))
        begin = start if settled is None else max(start, settled.first_open(order, chosen))
        found = _sign_on_windows(order, met, now, begin, chosen, versions)
        windows += [(n, order, window) for window in found]
    if settled is not None:
        windows = _unsettled(windows, settled, chosen)
    for n, order, (term, first, missed) in windows:
        served = INF if order.served_at is None else epoch(order.served_at)
        positive[n].append(_sign_on_alert(order, term, missed, first, chosen, served))
    return [alert for found in positive for alert in found]
