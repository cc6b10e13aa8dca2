"""Settled sign-on windows: a nightly run does not build again what the previous run
judged whole and stored, and ends with exactly what full runs store (SPA2019 s.8(1),
sign-on terms under s.1(2)(b)).

One store runs incrementally (settling sign-on windows), a twin runs every run in
full; after every run their stored alerts must be identical, whatever sign-ons are
recorded late (into windows already judged), whichever record is moved to another day,
and whatever the window length.
"""

from __future__ import annotations

import hashlib
import json

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import DetectionRun, load_records, run_detection, store_alerts
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.dated import (
    SIGN_ON_ALERT_FORM,
    SettledSignOns,
    requirement_alerts_from_term_times,
)
from spo_tracker.domain.alerts import Alert, Severity
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.terms import NoContact, SignOnSchedule
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import Actor, InMemoryStore, Store
from tests.casework.builders import stored_alerts, twin_runs
from tests.casework.conftest import NewStore
from tests.detection.builders import MADE, make_defendant, make_order
from tests.storage import builders
from tests.storage.conftest import fixed_clock

ACTOR = Actor("PC 1234", "officer", purpose="sign-on tests")
#: Mondays, Wednesdays, Fridays and Saturdays at Central.
SIGN_ON = SignOnSchedule(term_id="T2", station="Central", weekdays=frozenset({0, 2, 4, 5}))
ORDER = make_order(NoContact(term_id="T1", persons=("P1",)), SIGN_ON)
RULE = "requirement.sign_on"
#: Monday 19 January 2026, a week after the order was made (Monday 12 January).
WEEK_2 = MADE.start_of("day").add(days=7)


def _case(store: Store) -> None:
    with store.unit_of_work(ACTOR, at=MADE) as uow:
        uow.defendants.add(make_defendant())
        uow.protected_persons.add(builders.person("P1", restricted=False))
        uow.orders.add(ORDER)
        uow.commit()


def _signed(day: int, hour: int = 10) -> ComplianceRecord:
    """A sign-on ``day`` days after the order was made (London time)."""
    at = MADE.start_of("day").add(days=day, hours=hour)
    return ComplianceRecord(f"S-{day}", "D1", ORDER.order_id, SIGN_ON.term_id, at)


def _record(store: Store, *records: ComplianceRecord) -> None:
    with store.unit_of_work(ACTOR, at=MADE) as uow:
        uow.compliance.add_many(records)
        uow.commit()


def _move(store: Store, record_id: str, day: int) -> None:
    """Correct a stored sign-on's instant to ``day`` (an update, not an addition)."""
    with store.unit_of_work(ACTOR, at=MADE) as uow:
        found = uow.compliance.get(record_id)
        moved = ComplianceRecord(
            found.record_id, "D1", found.order_id, found.term_id, _signed(day).at
        )
        uow.compliance.update(moved, reason="the custody system's correction")
        uow.commit()


def _stored(store: Store) -> dict[str, Alert]:
    return stored_alerts(store, ACTOR)


def _sign_ons(run: DetectionRun) -> list[Alert]:
    return [a for a in run.alerts if a.rule_id == RULE]


def _window(alert: Alert) -> str:
    """The London date a sign-on alert's window starts on."""
    assert alert.window_start is not None  # a sign-on alert's window is its days
    return alert.window_start.in_tz("Europe/London").date().isoformat()


@pytest.fixture
def twins() -> tuple[Store, Store]:
    """The case in two memory stores: one run incrementally, one in full."""
    stores = (InMemoryStore(clock=fixed_clock), InMemoryStore(clock=fixed_clock))
    for store in stores:
        _case(store)
    return stores


def _both(
    stores: tuple[Store, Store], at: pendulum.DateTime, config: DetectionConfig | None = None
) -> tuple[DetectionRun, DetectionRun]:
    return twin_runs(stores, at, actor=ACTOR, config=config)


def test_a_nightly_run_builds_only_the_windows_that_can_have_changed(
    twins: tuple[Store, Store],
) -> None:
    """Nightly runs over three weeks with no sign-on: each builds the newest day's window
    (and those not yet stored), never again the days judged whole the night before."""
    at = WEEK_2
    runs = [_both(twins, at := at.add(days=1)) for _ in range(14)]
    assert not runs[0][0].incremental
    # Every Monday, Wednesday, Friday and Saturday ended by the run (day 8 + n after the order was
    # made on Monday 12 January and served an hour later: the first day bound throughout
    # is Wednesday 14 January, day 2), one window each.
    assert [len(_sign_ons(full)) for _, full in runs] == [
        sum(1 for day in range(2, 8 + n) if day % 7 in (0, 2, 4, 5)) for n in range(14)
    ]
    for incremental, full in runs[1:]:
        assert incremental.incremental
        # The window of the previous run's own day at most, never an older one.
        assert len(_sign_ons(incremental)) <= 1 < len(_sign_ons(full))


def test_a_sign_on_recorded_late_changes_a_settled_window(twins: tuple[Store, Store]) -> None:
    """Weekly windows: a sign-on recorded after the window was judged takes its day off."""
    week = DetectionConfig(group_days=7)
    _both(twins, WEEK_2.add(days=10), week)
    for store in twins:
        _record(store, _signed(9))  # Wednesday of the second week, recorded late
    incremental, _ = _both(twins, WEEK_2.add(days=11), week)
    assert incremental.incremental
    # Windows of 7 London days from a Sunday: 18 to 24 January is judged again, and
    # 11 to 17 January (settled, unchanged) is not; 25 January on is still running.
    by_window = {_window(a): a for a in _sign_ons(incremental)}
    assert sorted(by_window) == ["2026-01-18", "2026-01-25"]
    changed = by_window["2026-01-18"]
    assert changed.count == 3
    assert "(19 January 2026, 23 January 2026, 24 January 2026)" in changed.explanation


def test_a_window_ending_on_the_previous_runs_day_is_not_settled(
    twins: tuple[Store, Store],
) -> None:
    """The previous run, on Saturday 24 January, judged 18 to 24 January before its last
    day ended: with a sign-on recorded late, the count is the same, the days are not."""
    week = DetectionConfig(group_days=7)
    _both(twins, WEEK_2.add(days=5, hours=12), week)  # Monday, Wednesday, Friday missed
    for store in twins:
        _record(store, _signed(9))  # Wednesday, recorded late; Saturday is missed now
    incremental, _ = _both(twins, WEEK_2.add(days=6, hours=12), week)
    (window,) = [a for a in _sign_ons(incremental) if _window(a) == "2026-01-18"]
    assert "(19 January 2026, 23 January 2026, 24 January 2026)" in window.explanation


def test_a_sign_on_moved_within_a_settled_window_unsettles_it(
    twins: tuple[Store, Store],
) -> None:
    """A record moved from Monday to Wednesday of one week keeps the count of missed days
    but not the days: windows are judged again after any record changed."""
    week = DetectionConfig(group_days=7)
    for store in twins:
        _record(store, _signed(7))  # Monday of the second week
    _both(twins, WEEK_2.add(days=10), week)
    for store in twins:
        _move(store, "S-7", 9)  # to Wednesday: Monday is missed, Wednesday signed
    incremental, _ = _both(twins, WEEK_2.add(days=11), week)
    assert incremental.incremental
    assert any("19 January 2026" in a.explanation for a in _sign_ons(incremental))


def test_after_a_run_over_given_records_every_window_is_judged_again(
    twins: tuple[Store, Store],
) -> None:
    """A run over records a caller gave (perhaps not every order) settles nothing for the
    next run: a window it did not judge may be stored from when it was not over."""
    week = DetectionConfig(group_days=7)
    _both(twins, WEEK_2.add(days=1, hours=12), week)  # Monday 19 January missed, so far
    for store in twins:
        records = load_records(store, actor=ACTOR, at=WEEK_2.add(days=10))
        without = type(records)((), records.defendants, records.protected_persons, ())
        run_detection(store, at=WEEK_2.add(days=10), actor=ACTOR, config=week, records=without)
        _record(store, _signed(7), _signed(11), _signed(12))  # recorded late
    _both(twins, WEEK_2.add(days=11), week)  # one missed day still, Wednesday 21st


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_STEP = st.tuples(
    st.integers(0, 24 * 9),  # hours to the next run
    st.lists(st.integers(0, 60), max_size=4),  # days of sign-ons recorded before it
    st.none() | st.tuples(st.integers(0, 60), st.integers(0, 60)),  # a record moved
)


@_SETTINGS
@given(group_days=st.sampled_from([1, 2, 3, 7]), steps=st.lists(_STEP, min_size=2, max_size=7))
def test_settled_runs_store_what_full_runs_store(
    new_store: NewStore,
    group_days: int,
    steps: list[tuple[int, list[int], tuple[int, int] | None]],
) -> None:
    """Any history of late, early and moved sign-ons and runs: the stores stay twins."""
    config = DetectionConfig(group_days=group_days)
    at = MADE
    recorded: set[int] = set()
    with new_store() as incremental, new_store() as full:
        for store in (incremental, full):
            _case(store)
        for hours, days, moved in steps:
            at = at.add(hours=hours)
            new = [_signed(day) for day in sorted(set(days) - recorded)]
            recorded.update(days)
            for store in (incremental, full):
                if new:
                    _record(store, *new)
                if moved is not None and moved[0] in recorded:
                    _move(store, f"S-{moved[0]}", moved[1])
            _both((incremental, full), at, config)


def test_stored_counts_are_read_without_the_alerts(demo_store: Store) -> None:
    """``uow.alerts.stored_counts``: each stored alert's count by id (1,100 ids, more
    than one query's worth), an unknown id absent; one string is refused."""
    found = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR).alerts
    wanted = [a.alert_id for a in found] + [f"AL-not-stored-{n}" for n in range(1_100)]
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        assert uow.alerts.stored_counts(wanted) == {a.alert_id: a.count for a in found}
        assert any(a.count > 1 for a in found)
        with pytest.raises(InvalidValueError, match="alert_ids"):
            uow.alerts.stored_counts("AL-0")


def _tampered(alert: Alert) -> Alert:
    """The same window's alert, the same count, another severity: not what a run builds."""
    return attrs.evolve(alert, severity=Severity.CRITICAL)


def test_an_alert_stored_by_another_writer_is_judged_again(twins: tuple[Store, Store]) -> None:
    """``store_alerts`` over a settled window (same count, other content): the next night
    judges every window again, as a full run does, and puts it right."""
    week = DetectionConfig(group_days=7)
    first, _ = _both(twins, WEEK_2.add(days=10), week)
    (old,) = [a for a in _sign_ons(first) if _window(a) == "2026-01-11"]
    for store in twins:
        store_alerts(store, [_tampered(old)], actor=ACTOR, at=WEEK_2.add(days=10))
    incremental, _ = _both(twins, WEEK_2.add(days=11), week)
    assert old in incremental.alerts
    _both(twins, WEEK_2.add(days=12), week)  # settled again the night after


def test_writes_while_a_run_reads_the_counts_unsettle_it(twins: tuple[Store, Store]) -> None:
    """An alert stored, or a sign-on moved, after the run read its watermark (while it
    judges): it reads the audit trail again after the counts, and judges every window."""
    week = DetectionConfig(group_days=7)
    for store in twins:
        _record(store, _signed(7))  # Monday 19 January signed
    first, _ = _both(twins, WEEK_2.add(days=10), week)
    (old,) = [a for a in _sign_ons(first) if _window(a) == "2026-01-11"]
    incremental, full = twins

    def meanwhile(line: str) -> None:
        if line.startswith("  incremental:"):
            store_alerts(incremental, [_tampered(old)], actor=ACTOR, at=WEEK_2.add(days=10))
            _move(incremental, "S-7", 9)  # to Wednesday 21st: Monday 19th missed

    store_alerts(full, [_tampered(old)], actor=ACTOR, at=WEEK_2.add(days=10))
    _move(full, "S-7", 9)
    at = WEEK_2.add(days=11)
    run_detection(incremental, at=at, actor=ACTOR, config=week, progress=meanwhile)
    run_detection(full, at=at, actor=ACTOR, config=week, full=True)
    assert _stored(incremental) == _stored(full)


def test_a_sign_on_alert_is_built_as_pinned_for_its_form() -> None:
    """A change to what a sign-on alert holds for the same missed days must raise
    SIGN_ON_ALERT_FORM (nightly runs then settle nothing built by an earlier release)."""
    alerts = requirement_alerts_from_term_times([ORDER], {}, WEEK_2.add(days=3))
    text = json.dumps([attrs.asdict(a) for a in alerts], sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    assert (SIGN_ON_ALERT_FORM, len(alerts), digest) == (1, 5, "49d6820f108103fe")


def test_settled_windows_are_left_out_only_when_stored_with_the_same_count() -> None:
    """SettledSignOns: a window stored with its count now is left out; one not stored, or
    stored with another count, is built; a window not over before the day, always."""
    at = WEEK_2.add(days=3)
    every = requirement_alerts_from_term_times([ORDER], {}, at)
    counts = {a.alert_id: a.count for a in every}
    settled = SettledSignOns(WEEK_2.add(days=2), lambda ids: {k: counts[k] for k in ids})
    kept = requirement_alerts_from_term_times([ORDER], {}, at, settled=settled)
    # Wednesday 14th, Friday 16th, Saturday 17th and Monday 19th ended before the 21st
    # began (Tuesday the 20th is not on the schedule); Wednesday the 21st is built.
    assert [_window(a) for a in every if a not in kept] == [
        "2026-01-14",
        "2026-01-16",
        "2026-01-17",
        "2026-01-19",
    ]
    none = SettledSignOns(WEEK_2.add(days=2), lambda ids: {})
    assert requirement_alerts_from_term_times([ORDER], {}, at, settled=none) == every
    off = SettledSignOns(WEEK_2.add(days=2), lambda ids: {k: counts[k] + 1 for k in ids})
    assert requirement_alerts_from_term_times([ORDER], {}, at, settled=off) == every


def test_with_no_compliance_added_an_orders_settled_windows_are_not_looked_at() -> None:
    """SettledSignOns.added: for an order no compliance was added against since the
    previous run, its settled windows are neither built nor counted again (nothing can
    have changed them); for an order named there, they are counted as before."""
    at = WEEK_2.add(days=3)
    every = requirement_alerts_from_term_times([ORDER], {}, at)
    counts = {a.alert_id: a.count for a in every}
    asked: list[str] = []

    def stored(ids: object) -> dict[str, int]:
        assert isinstance(ids, list)
        asked.extend(ids)
        return {k: counts[k] for k in ids}

    untouched = SettledSignOns(WEEK_2.add(days=2), stored, frozenset({"another order"}))
    kept = requirement_alerts_from_term_times([ORDER], {}, at, settled=untouched)
    assert [_window(a) for a in kept] == ["2026-01-21"]
    assert asked == []
    touched = SettledSignOns(WEEK_2.add(days=2), stored, frozenset({ORDER.order_id}))
    assert requirement_alerts_from_term_times([ORDER], {}, at, settled=touched) == kept
    assert len(asked) == 4  # the four settled windows, counted
