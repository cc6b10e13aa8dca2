"""Sign-on days by arithmetic against the day-by-day path and a naive oracle.

The dated checks find the scheduled days of a run of one span by arithmetic
(``_one_span_days``: per weekday a ``range`` stepping by 7, the boundary test on
the first and last candidate days only) and the London days of the sign-ons with
the day memo read inline (``london_days``). These properties compare them with the
plain paths they replace (``_day_by_day``, ``london_day``) over instants around
both 2026 clock changes, exactly at London midnights and a microsecond either
side, with ``since`` and open ends; and the whole rule with a day-by-day oracle
over orders varied mid-day (a schedule changed or kept, a run of two spans),
terms with their own period, ``since`` and grouping (SPA2019 s.1(2)(b), s.8(1)).
"""

from __future__ import annotations

import datetime as dt
import math

import attrs
import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from spo_tracker.detection import ComplianceRecord, DetectionConfig, requirement_alerts
from spo_tracker.detection._clock import day_start_seconds, london_day, london_days
from spo_tracker.detection._requirements import _day_by_day, _one_span_days, _sign_on_days
from spo_tracker.detection.dated import requirement_alerts_from_term_times
from spo_tracker.domain.orders import Order, OrderVersion, VersionCause
from spo_tracker.domain.statutory_time import DayPeriod, as_london_date, start_of_london_day
from spo_tracker.domain.terms import SignOnSchedule, Term
from spo_tracker.storage._types import to_epoch_us
from tests.detection import oracle
from tests.detection.builders import make_order

START = pendulum.Date(2026, 3, 1)  # 29 March and 25 October 2026 are inside the range
US = dt.timedelta(microseconds=1)
WEEKDAYS = st.frozensets(st.integers(0, 6), min_size=1)


@st.composite
def _instants(draw: st.DrawFn) -> float:
    """Epoch seconds on a London day of March-November 2026: at its midnight, a
    microsecond either side, or anywhere in it."""
    start = day_start_seconds(START.toordinal() + draw(st.integers(0, 270)))
    offset = draw(
        st.one_of(
            st.sampled_from((0.0, -1e-6, 1e-6)),
            st.integers(0, 86_399).map(float),
        )
    )
    return start + offset


@given(
    lo=_instants(),
    hi=st.one_of(_instants(), st.just(math.inf)),
    since=st.one_of(_instants(), st.just(-math.inf)),
    at=_instants(),
    weekdays=WEEKDAYS,
)
def test_one_span_days_are_the_day_by_day_days(
    lo: float, hi: float, since: float, at: float, weekdays: frozenset[int]
) -> None:
    """A run of one span: the arithmetic days are exactly the days tested one by one."""
    if not lo < hi:
        lo, hi = hi, lo
    if math.isinf(lo):
        lo = at  # a span always starts at an instant (the making, a variation)
    term = SignOnSchedule(term_id="T1", station="X", weekdays=weekdays)
    run: list[tuple[float, float, Term]] = [(lo, hi, term)]
    slow = _day_by_day(run, since, at)
    assert _one_span_days(lo, hi, weekdays, since, at) == [day for day, _ in slow]
    assert _sign_on_days(run, since, at) == slow


@given(st.lists(_instants(), max_size=30))
def test_london_days_are_the_days_of_each_instant(times: list[float]) -> None:
    """The inline memo gives each instant's London day, as ``london_day`` does."""
    assert london_days(times) == {london_day(t) for t in times}


@st.composite
def _varied_orders(draw: st.DrawFn) -> Order:
    """An order with sign-on term T1, maybe varied mid-day (T1 kept, rescheduled or
    dropped), T1 maybe with its own period."""
    made = start_of_london_day(START.add(days=draw(st.integers(0, 20)))).add(
        minutes=draw(st.integers(0, 1439))
    )
    first = SignOnSchedule(term_id="T1", station="X", weekdays=draw(WEEKDAYS))
    order = make_order(first, made_at=made, duration=None)
    if draw(st.booleans()):
        on = as_london_date(made).add(days=draw(st.integers(1, 60)))
        # On the London day ``on``, which has 23 hours on 29 March 2026.
        decided = min(
            start_of_london_day(on).add(minutes=draw(st.integers(0, 1439))),
            start_of_london_day(on.add(days=1)).subtract(minutes=1),
        )
        choice = draw(st.sampled_from(("kept", "rescheduled", "dropped", "period")))
        terms = (attrs.evolve(first, term_id="T2"),)  # dropped: T1 ends, another term binds
        if choice == "kept":
            terms = (first,)
        elif choice == "rescheduled":  # other days: a run of two spans
            days = draw(WEEKDAYS)
            if days == first.weekdays:
                days = frozenset((d + 1) % 7 for d in days) if len(days) < 7 else frozenset({0})
            terms = (attrs.evolve(first, weekdays=days),)
        elif choice == "period":
            begins = on.add(days=draw(st.integers(0, 10)))
            period = DayPeriod(begins, begins.add(days=draw(st.integers(0, 40))))
            terms = (attrs.evolve(first, period=period),)
        decided_at = decided if draw(st.booleans()) else None
        version = OrderVersion(2, VersionCause.VARIED, on, None, None, terms, decided_at=decided_at)
        order = attrs.evolve(order, versions=(*order.versions, version), revision=2)
    return order


def _terms_binding(order: Order, moments: list[pendulum.DateTime]) -> list[Term] | None:
    """The T1 term binding at each moment, or None if it does not bind at one of them."""
    found = []
    for moment in moments:
        version = oracle.version_in_force(order, moment)
        term = (
            None if version is None else next((t for t in version.terms if t.term_id == "T1"), None)
        )
        if term is None or (term.period is not None and not term.period.contains(moment)):
            return None
        found.append(term)
    return found


@settings(max_examples=200)  # a run of two spans is a fraction of the orders drawn
@given(data=st.data(), group_days=st.integers(1, 7))
def test_missed_days_of_varied_orders_agree_with_a_naive_oracle(
    data: st.DataObject, group_days: int
) -> None:
    """A day is missed when T1 binds all day, every schedule in force that day names its
    weekday, it has ended by ``at``, it is not before ``since``'s day and no sign-on
    falls on it; the light path (by term) gives the same alerts as the records."""
    order = data.draw(_varied_orders())
    at = start_of_london_day(START.add(days=data.draw(st.integers(0, 110)))).add(
        minutes=data.draw(st.integers(0, 1439))
    )
    since = None
    if data.draw(st.booleans()):
        since = start_of_london_day(START.add(days=data.draw(st.integers(0, 110)))).add(
            minutes=data.draw(st.integers(0, 1439))
        )
        if since > at:
            since = at
    signed = [
        start_of_london_day(START.add(days=d)).add(minutes=m)
        for d, m in data.draw(st.lists(st.tuples(st.integers(0, 110), st.integers(0, 1439))))
    ]
    signed_days = {as_london_date(t) for t in signed if t <= at}
    switches = [oracle._starts(v) for v in order.versions[1:]]
    expected: dict[int, int] = {}
    day = as_london_date(order.made_at)
    while start_of_london_day(day.add(days=1)) <= at:
        begins, ends = start_of_london_day(day), start_of_london_day(day.add(days=1))
        inside = [s for s in switches if begins < s < ends]  # a variation decided that day
        terms = _terms_binding(order, [begins, ends - US, *inside])
        scheduled = terms is not None and all(
            isinstance(t, SignOnSchedule) and day.weekday() in t.weekdays for t in terms
        )
        after_since = since is None or day >= as_london_date(since)
        if scheduled and after_since and day not in signed_days:
            window = day.toordinal() // group_days * group_days
            expected[window] = expected.get(window, 0) + 1
        day = day.add(days=1)
    config = DetectionConfig(group_days=group_days)
    records = [ComplianceRecord(f"C{n}", "D1", "O1", "T1", t) for n, t in enumerate(signed)]
    alerts = requirement_alerts([order], records, at, config=config, since=since)
    got = {
        as_london_date(a.window_start).toordinal(): a.count
        for a in alerts
        if a.window_start and a.term_id == "T1"
    }
    assert got == expected
    by_term: dict[tuple[str, str, str], list[int]] = {}
    for record in records:
        by_term.setdefault(("D1", "O1", "T1"), []).append(to_epoch_us(record.at))
    light = requirement_alerts_from_term_times([order], by_term, at, config=config, since=since)
    assert light == alerts


def test_a_schedule_changed_mid_run_keeps_each_schedule_to_its_own_days() -> None:
    """Mondays until a variation decided at 15:00 on Friday 20 March 2026, Fridays and
    Tuesdays after: the Friday of the decision is on both schedules only if on each, so it
    is not a sign-on day (a run of two spans, judged day by day)."""
    first = SignOnSchedule(term_id="T1", station="X", weekdays=frozenset({0}))
    made = start_of_london_day(pendulum.Date(2026, 3, 1)).add(hours=10)
    order = make_order(first, made_at=made, duration=None)
    decided = start_of_london_day(pendulum.Date(2026, 3, 20)).add(hours=15)
    later = attrs.evolve(first, weekdays=frozenset({1, 4}))
    version = OrderVersion(
        2, VersionCause.VARIED, decided.date(), None, None, (later,), decided_at=decided
    )
    order = attrs.evolve(order, versions=(*order.versions, version), revision=2)
    at = start_of_london_day(pendulum.Date(2026, 4, 4))
    alerts = requirement_alerts([order], [], at)
    missed = sorted(as_london_date(a.window_start).isoformat() for a in alerts if a.window_start)
    # Mondays 2, 9 and 16 March; then Tuesday 24, Friday 27, Tuesday 31 March, Friday 3 April.
    assert missed == [
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
        "2026-03-24",
        "2026-03-27",
        "2026-03-31",
        "2026-04-03",
    ]
    assert [a.count for a in alerts] == [1] * 7


def test_a_sign_on_made_before_since_on_since_s_own_day_still_counts() -> None:
    """``since`` at 00:01, a sign-on at 00:00 the same London day: that day is checked and
    was not missed (before, the sign-on was dropped with everything before ``since``, so
    the day was reported missed; found by the property above, 7 December 2026)."""
    made = start_of_london_day(START)
    every_day = SignOnSchedule(term_id="T1", station="X", weekdays=frozenset(range(7)))
    order = make_order(every_day, made_at=made, duration=None)
    at = start_of_london_day(START.add(days=1))
    signed = [ComplianceRecord("C0", "D1", "O1", "T1", made)]
    config = DetectionConfig(group_days=1)
    for since in (made, made.add(minutes=1), at.subtract(microseconds=1)):
        assert requirement_alerts([order], signed, at, config=config, since=since) == []
    missed = requirement_alerts([order], [], at, config=config, since=made.add(minutes=1))
    assert [a.count for a in missed] == [1]
