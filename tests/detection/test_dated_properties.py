"""Dated and pattern rules against naive oracles: requirements, sign-on days, escalation."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection import ComplianceRecord, DetectionConfig, Detector, requirement_alerts
from spo_tracker.domain.orders import Duration, Order, OrderState
from spo_tracker.domain.statutory_time import as_london_date, start_of_london_day
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from tests.detection import oracle
from tests.detection.builders import incident, make_defendant, make_order
from tests.strategies import not_in_force_spans

START = pendulum.Date(2026, 3, 1)
US = dt.timedelta(microseconds=1)


@st.composite
def _orders(draw: st.DrawFn, *terms: object) -> Order:
    """An order made in March 2026 at a drawn time, maybe served late, maybe ended."""
    # Made no later than any requirement is due: one due before the order is refused.
    dues = [t.due_on for t in terms if isinstance(t, PositiveRequirement)]
    last = min((START.add(days=40), *dues))
    made_on = START.add(days=draw(st.integers(0, (last - START).in_days())))
    made = start_of_london_day(made_on).add(minutes=draw(st.integers(0, 24 * 60 - 1)))
    order = make_order(
        *terms,  # type: ignore[arg-type]
        made_at=made,
        duration=draw(st.sampled_from((Duration(years=2), None))),
        served_at=made.add(hours=draw(st.integers(0, 24 * 20))),
    )
    ended = None
    if draw(st.booleans()):
        ended = made.add(hours=draw(st.integers(1, 24 * 90)))
        order = attrs.evolve(order, state=OrderState.DISCHARGED, ended_at=ended)
    # Discharged and restored on appeal: not in force in between (SPA2019 s.7(4)).
    return attrs.evolve(order, not_in_force=draw(not_in_force_spans(made, until=ended)))


def _binds(order: Order, term_id: str, at: pendulum.DateTime) -> object | None:
    """The term with that id if it binds at ``at`` (naively), else None."""
    version = oracle.version_in_force(order, at)
    if version is None:
        return None
    for term in version.terms:
        if term.term_id == term_id and (term.period is None or term.period.contains(at)):
            return term
    return None


@given(data=st.data())
def test_positive_requirements_agree_with_a_naive_oracle(data: st.DataObject) -> None:
    """A requirement fails iff it binds at the end of its due day and nothing was done by then."""
    due = START.add(days=data.draw(st.integers(0, 150)))
    term = PositiveRequirement(
        term_id="T1", requirement="assessment", description="attend", due_on=due
    )
    order = data.draw(_orders(term))
    end = start_of_london_day(due.add(days=1))
    at = end + dt.timedelta(hours=data.draw(st.integers(-48, 24 * 30)))
    offsets = st.one_of(
        st.sampled_from((-US, dt.timedelta(0))),  # the last moment of the day, and midnight
        st.integers(-3 * 1440, 3 * 1440).map(lambda m: dt.timedelta(minutes=m)),
    )
    done = [end + offset for offset in data.draw(st.lists(offsets, max_size=3))]
    records = [ComplianceRecord(f"C{n}", "D1", "O1", "T1", t) for n, t in enumerate(done)]
    # Compliance counts from the first moment the term binds: the making, or the end of a
    # not-in-force span that began at the making.
    first = order.made_at
    for begins, ends in order.not_in_force:
        if begins <= first < ends:
            first = ends
    expected = (
        at >= end
        and _binds(order, "T1", end - US) is not None
        and not any(first <= t < end and t <= at for t in done)
    )
    alerts = requirement_alerts([order], records, at)
    assert len(alerts) == int(expected)
    if alerts:
        assert alerts[0].breach_time == end
        assert alerts[0].pre_service == (order.served_at is None or order.served_at >= end)


@given(
    data=st.data(),
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    group_days=st.integers(1, 7),
)
def test_missed_sign_on_days_agree_with_a_naive_day_by_day_oracle(
    data: st.DataObject, weekdays: frozenset[int], group_days: int
) -> None:
    """Missed days are scheduled London days bound throughout, ended by ``at``, not signed."""
    order = data.draw(_orders(SignOnSchedule(term_id="T1", station="X", weekdays=weekdays)))
    at = start_of_london_day(START.add(days=data.draw(st.integers(0, 120)))).add(
        minutes=data.draw(st.integers(0, 1439))
    )
    signed = [
        start_of_london_day(START.add(days=d)).add(minutes=m)
        for d, m in data.draw(st.lists(st.tuples(st.integers(0, 120), st.integers(0, 1439))))
    ]
    records = [ComplianceRecord(f"C{n}", "D1", "O1", "T1", t) for n, t in enumerate(signed)]
    signed_days = {as_london_date(t) for t in signed if t <= at}
    expected: dict[int, int] = {}
    day = as_london_date(order.made_at)
    while start_of_london_day(day.add(days=1)) <= at:
        begins, ends = start_of_london_day(day), start_of_london_day(day.add(days=1))
        inside = [a for a, _ in order.not_in_force if begins < a < ends]  # a gap opens
        whole = all(_binds(order, "T1", t) for t in (begins, ends - US, *inside))
        if whole and day.weekday() in weekdays and day not in signed_days:
            window = day.toordinal() // group_days * group_days
            expected[window] = expected.get(window, 0) + 1
        day = day.add(days=1)
    config = DetectionConfig(group_days=group_days)
    got = {
        as_london_date(a.window_start).toordinal(): a.count
        for a in requirement_alerts([order], records, at, config=config)
        if a.window_start is not None
    }
    assert got == expected


@given(data=st.data(), threshold=st.integers(1, 6), hours=st.integers(1, 30))
def test_escalation_episodes_agree_with_a_brute_force_oracle(
    data: st.DataObject, threshold: int, hours: int
) -> None:
    """Episodes are the merged windows holding more than the threshold, found by brute force."""
    exact = st.integers(0, 4).map(lambda k: k * hours * 60)  # exactly a window apart
    minutes = data.draw(
        st.lists(st.one_of(exact, st.integers(0, 4 * 24 * 60)), min_size=1, max_size=40)
    )
    base = pendulum.datetime(2026, 3, 28, tz="Europe/London")
    times = [base.add(minutes=m) for m in minutes]
    incidents = [incident(f"I{i}", t) for i, t in enumerate(times)]
    window = dt.timedelta(hours=hours)
    ordered = sorted(zip(times, (f"I{i}" for i in range(len(times))), strict=True))
    hot: list[set[str]] = []
    for start_time, _ in ordered:
        inside = {iid for t, iid in ordered if start_time <= t < start_time + window}
        if len(inside) > threshold:
            hot.append(inside)
    episodes: list[set[str]] = []
    for group in hot:  # windows in time order: merge each with the last if they overlap
        if episodes and episodes[-1] & group:
            episodes[-1] |= group
        else:
            episodes.append(set(group))
    config = DetectionConfig(escalation_threshold=threshold, escalation_window_hours=hours)
    result = Detector([], [make_defendant()], config=config).scan(incidents)
    got = [set(a.evidence_ids) for a in result.alerts if a.rule_id == "escalation.rolling_count"]
    assert sorted(map(sorted, got)) == sorted(map(sorted, episodes))
