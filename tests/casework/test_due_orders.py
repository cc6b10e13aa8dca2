"""A nightly run makes the dated checks only of the orders whose dated alerts can have
changed since the previous run (SPA2019 s.1(2)(b) and s.8(1) requirements, s.4
renewal reviews, s.5(6) interim orders ending, s.9-s.11 notification duties).

The choice itself (:func:`due_orders`), edge by edge; every order's dates read
without building the orders (``uow.orders.dates``) on every backend; what the audit
trail since the watermark says was written (:func:`touched_since`); and a nightly run
on the demo store that reads fewer orders and still stores what a full run stores.
Twin stores over generated histories are in ``test_dormant_orders.py``.
"""

from __future__ import annotations

import datetime as _dt
import json
import zoneinfo

import attrs
import pendulum
import pytest
import sqlalchemy as sa

from spo_tracker.casework import run_detection
from spo_tracker.casework._dated import has_requirements
from spo_tracker.casework._due import Touched, due_orders, touched_since
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.lifecycles.notification_duty import open_duty
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.statutory_time import start_of_london_day
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.errors import StoredRecordError
from spo_tracker.storage import OrderDates, Store, connect
from tests.lifecycles import builders
from tests.storage.conftest import fixed_clock

#: The previous run's instant and this run's: a night apart.
PREVIOUS = pendulum.datetime(2026, 6, 1, 2, tz="Europe/London")
AT = PREVIOUS.add(days=1)
NOTHING = Touched(frozenset(), frozenset())
CONFIG = DetectionConfig()
#: A sign-on every day of the week.
EVERY_DAY = frozenset(range(7))


def _dates(
    key: str = "O1",
    *,
    kind: str = "full",
    live: bool = True,
    ended_at: pendulum.DateTime | None = None,
    last_day: _dt.date | None = None,
    weekdays: frozenset[int] = frozenset(),
    due: frozenset[_dt.date] = frozenset(),
) -> OrderDates:
    return OrderDates(key, "D1", kind, live, ended_at, last_day, due, weekdays)


def _due(*orders: OrderDates, touched: Touched = NOTHING) -> set[str]:
    found = due_orders(orders, (), previous=PREVIOUS, at=AT, config=CONFIG, touched=touched)
    return set(found.orders)


def _last_day_ending_at(instant: pendulum.DateTime) -> _dt.date:
    """The last day of a fixed period that ends (London midnight after it) at ``instant``."""
    return instant.in_tz("Europe/London").date() - _dt.timedelta(days=1)


def test_an_order_in_force_is_read_when_a_scheduled_day_or_a_due_day_ended() -> None:
    """A sign-on day is missed, and a positive requirement fails, at the end of its London
    day (SPA2019 s.1(2)(b), s.8(1)): the order is read on the nights such a day ended,
    not on the others. Between the two runs, Monday 1 June 2026 ended."""
    assert PREVIOUS.date().weekday() == 0
    assert AT.date() == _dt.date(2026, 6, 2)
    assert _due(_dates(weekdays=EVERY_DAY)) == {"O1"}
    assert _due(_dates(weekdays=frozenset({0, 3}))) == {"O1"}
    assert _due(_dates(weekdays=frozenset({1, 2, 3, 4, 5, 6}))) == set()
    assert _due(_dates(weekdays=frozenset({1}), last_day=_dt.date(2030, 1, 1))) == set()
    assert _due(_dates(due=frozenset({_dt.date(2026, 6, 1)}))) == {"O1"}
    assert _due(_dates(due=frozenset({_dt.date(2026, 5, 31), _dt.date(2026, 6, 2)}))) == set()


def _due_between(previous: _dt.datetime, at: _dt.datetime, order: OrderDates) -> bool:
    found = due_orders([order], (), previous=previous, at=at, config=CONFIG, touched=NOTHING)
    return order.order_id in found.orders


def test_the_days_that_ended_are_london_days_between_the_two_instants() -> None:
    """A day ends at the next London midnight: a run at exactly that midnight counts it,
    a previous run at that midnight had counted it; a week or more apart, every weekday;
    across the autumn clock change (25 October 2026, a 25-hour Sunday) by London days."""
    monday = _dates(weekdays=frozenset({0}))
    tuesday = _dates(weekdays=frozenset({1}))
    end_of_monday = start_of_london_day(_dt.date(2026, 6, 2))
    assert _due_between(end_of_monday.subtract(microseconds=1), end_of_monday, monday)
    assert not _due_between(end_of_monday, end_of_monday.add(hours=23), monday)
    assert not _due_between(end_of_monday, end_of_monday.add(hours=23), tuesday)
    assert _due_between(end_of_monday, end_of_monday.add(days=1), tuesday)
    assert not _due_between(end_of_monday.subtract(days=1), end_of_monday, tuesday)
    due = _dates(due=frozenset({_dt.date(2026, 6, 20)}))
    assert _due_between(end_of_monday, end_of_monday.add(days=30), due)
    assert _due_between(end_of_monday, end_of_monday.add(days=30), tuesday)
    assert not _due_between(end_of_monday, end_of_monday.add(days=18), due)
    sunday = _dates(weekdays=frozenset({6}))
    end_of_sunday = start_of_london_day(_dt.date(2026, 10, 26))
    assert end_of_sunday.subtract(hours=25) == start_of_london_day(_dt.date(2026, 10, 25))
    assert _due_between(end_of_sunday.subtract(hours=24), end_of_sunday, sunday)
    assert not _due_between(
        end_of_sunday.subtract(hours=24), end_of_sunday.subtract(seconds=1), sunday
    )
    assert not _due_between(end_of_sunday, end_of_sunday.add(hours=12), sunday)
    # Instants given in another zone count by their London day: in Jerusalem 01:30 on
    # 25 October 2026 came twice, either side of London's midnight ending Saturday 24th.
    repeated = _dt.datetime(2026, 10, 25, 1, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Jerusalem"))
    saturday = _dates(weekdays=frozenset({5}))
    assert _due_between(repeated, repeated.replace(fold=1), saturday)


def test_an_order_that_stopped_by_the_previous_run_is_not_read() -> None:
    """Ended, or its fixed period over, at or before the previous run's instant: every day
    it bound had ended by then, so the previous run judged it whole (s.3(2))."""
    ended = _dates(weekdays=EVERY_DAY, ended_at=PREVIOUS)
    expired = _dates(weekdays=EVERY_DAY, last_day=_dt.date(2026, 5, 31))  # ends 1 June 00:00
    assert _due(ended) == set()
    assert _due(expired) == set()
    # One microsecond later, it was still in force after the previous run.
    assert _due(ended._replace(ended_at=PREVIOUS.add(microseconds=1))) == {"O1"}


def test_an_order_without_requirements_is_read_only_when_its_window_moves() -> None:
    """The renewal review (s.4, 90 days) and the interim warning (s.5(6), 14 days) rest
    on their window alone: read when it opens or closes between the two runs."""
    full_opening = _last_day_ending_at(start_of_london_day(AT.date()).add(days=89))
    assert _due(_dates(last_day=full_opening)) == set()  # opens the night after
    opens_tonight = _last_day_ending_at(start_of_london_day(AT.date()).add(days=90))
    assert _due(_dates(last_day=opens_tonight)) == {"O1"}
    interim = _last_day_ending_at(start_of_london_day(AT.date()).add(days=14))
    assert _due(_dates(kind="interim", last_day=interim)) == {"O1"}
    assert _due(_dates(kind="interim", last_day=opens_tonight)) == set()
    # Inside the window on both nights: the same alert, stored already.
    assert _due(_dates(last_day=_dt.date(2026, 7, 1))) == set()
    # The window closes between the runs (the period ends): read.
    closes = _last_day_ending_at(start_of_london_day(AT.date()))
    assert _due(_dates(last_day=closes)) == {"O1"}
    # Not live, or ended: no window (detection.dated's rule).
    assert _due(_dates(live=False, last_day=opens_tonight)) == set()
    assert _due(_dates(kind="unknown", last_day=_dt.date(2027, 1, 1))) == {"O1"}


def test_an_open_ended_order_without_requirements_is_not_read() -> None:
    assert _due(_dates()) == set()


def test_dates_at_the_ends_of_the_calendar_are_taken_as_never_and_long_ago() -> None:
    """A fixed period ending 31 December 9999 (an order may hold it): its end and warning
    window never come; a warning window of a million days opened long ago."""
    last = _dt.date(9999, 12, 31)
    assert _due(_dates(last_day=last), _dates("O2", kind="interim", last_day=last)) == set()
    assert _due(_dates(last_day=last, weekdays=EVERY_DAY)) == {"O1"}
    huge = DetectionConfig(renewal_review_days=10**6)
    found = due_orders(
        [_dates(last_day=_dt.date(2027, 1, 1))],
        (),
        previous=PREVIOUS,
        at=AT,
        config=huge,
        touched=NOTHING,
    )
    assert found.orders == frozenset()


def test_compliance_added_against_any_order_has_it_read() -> None:
    """A sign-on recorded late for an order long ended changes that order's alert."""
    ended = _dates(weekdays=EVERY_DAY, ended_at=PREVIOUS.subtract(days=300))
    touched = Touched(frozenset({"O1"}), frozenset())
    assert _due(ended, touched=touched) == {"O1"}


def _duty(key: str, order_id: str, replaced: tuple[str, ...] = ()) -> NotificationDuty:
    order = builders.interim(served_at=builders.london(2026, 3, 2, 15))
    duty = open_duty(duty_id=key, order=order, local_police_area="West Midlands")
    return attrs.evolve(duty, order_id=order_id, replaced_order_ids=replaced)


def test_a_duty_is_checked_while_an_order_binds_it_or_when_written() -> None:
    """With every order it is bound to read (its alerts need them, s.9(1))."""
    dormant = _dates("O1", ended_at=PREVIOUS.subtract(days=3))
    in_force = _dates("O2")
    duties = (
        _duty("N1", "O1"),
        _duty("N2", "O2", ("O1",)),
        _duty("N3", "O1"),
        _duty("N4", "O-unknown"),
    )
    touched = Touched(frozenset(), frozenset({"N3"}))
    found = due_orders(
        (dormant, in_force), duties, previous=PREVIOUS, at=AT, config=CONFIG, touched=touched
    )
    # N1 alone would not be checked (its order ended, nothing new), but N3, written since,
    # is under the same order: every duty under it is checked.
    assert [d.duty_id for d in found.duties] == ["N1", "N2", "N3", "N4"]
    assert found.orders == {"O1", "O2"}


def test_every_orders_dates_are_read_as_the_orders_say(demo_store: Store) -> None:
    """``uow.orders.dates()``: what a nightly run reads of every order, without building
    it, is what the order itself says (each backend)."""
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        dates = {d.order_id: d for d in uow.orders.dates()}
        orders = uow.orders.get_many(uow.orders.ids())
    assert dates.keys() == orders.keys()
    assert any(d.ended_at is not None for d in dates.values())
    assert any(d.requirements for d in dates.values())
    assert any(not d.live for d in dates.values())
    for key, order in orders.items():
        got = dates[key]
        ended = None if got.ended_at is None else got.ended_at.timestamp()
        assert ended == (None if order.ended_at is None else order.ended_at.timestamp())
        assert got.period_last_day == (None if order.period is None else order.period.last_day)
        assert (got.defendant_id, got.kind, got.live) == (
            order.defendant_id,
            order.kind.value,
            order.state.live,
        )
        assert got.requirements == has_requirements(order)
        terms = [t for v in order.versions for t in v.terms]
        assert got.due_days == {t.due_on for t in terms if isinstance(t, PositiveRequirement)}
        schedules = [t for t in terms if isinstance(t, SignOnSchedule)]
        assert got.sign_on_weekdays == {d for t in schedules for d in t.weekdays}


def _sign_on_record(store: Store, record_id: str) -> ComplianceRecord:
    """A copy of a stored sign-on record under a new id (a sign-on recorded late)."""
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        found = uow.compliance.get_many(uow.compliance.ids())
    first = next(iter(found.values()))
    return attrs.evolve(first, record_id=record_id, at=first.at.add(minutes=1))


def test_a_compliance_batch_names_its_orders_and_a_single_record_is_looked_up(
    demo_store: Store,
) -> None:
    record = _sign_on_record(demo_store, "C-late-1")
    head = demo_store.audit_head()
    assert head is not None
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.compliance.add_many([record])
        uow.compliance.add(attrs.evolve(record, record_id="C-late-2"))
        uow.commit()
    entries = demo_store.audit_entries_between(head[0], 10**9, kinds={"compliance_batch"})
    assert json.loads(entries[-1].changes)["orders"] == [record.order_id]
    now = demo_store.audit_head()
    assert now is not None
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        touched = touched_since(demo_store, uow, after=head[0], through=now[0])
    assert touched == Touched(frozenset({record.order_id}), frozenset())


def test_a_batch_that_names_no_orders_has_every_order_read(demo_store: Store) -> None:
    """A bulk entry written before bulk entries named their orders: nothing says which
    orders' compliance changed, so every order is judged (and the run says nothing of
    how many orders it read)."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    head = demo_store.audit_head()
    assert head is not None
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        old_form = {"count": 1, "first_id": "C-old", "last_id": "C-old"}
        subject = ("compliance_records.recorded", "compliance_batch", "C-old..C-old")
        uow._audit(*subject, old_form, "an older release")
        uow.commit()
    now = demo_store.audit_head()
    assert now is not None
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        assert touched_since(demo_store, uow, after=head[0], through=now[0]) is None
    said: list[str] = []
    run_detection(demo_store, at=NOW.add(days=1), actor=DEMO_ACTOR, progress=said.append)
    assert not [line for line in said if "dated checks" in line]


@pytest.mark.parametrize("days", [1, 40])
def test_a_nightly_run_reads_fewer_orders_and_stores_what_a_full_run_stores(
    demo_store: Store, days: int
) -> None:
    """The demo's ten orders: a night later only those that can have changed are read,
    and a full run after it finds nothing to add or update."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    said: list[str] = []
    later = NOW.add(days=days)
    nightly = run_detection(demo_store, at=later, actor=DEMO_ACTOR, progress=said.append)
    assert nightly.incremental
    read = [line for line in said if "dated checks" in line]
    assert len(read) == 1
    assert read[0].endswith("of 10 orders can have changed")
    assert int(read[0].split()[2]) < 10
    full = run_detection(demo_store, at=later, actor=DEMO_ACTOR, full=True)
    assert (full.stored.new, full.stored.updated) == (0, 0)


def test_every_duty_under_an_order_is_checked_or_none() -> None:
    """Two duties under one order (one entered twice) raise alerts with one id: which is
    kept must not depend on which duty was read, so a change to one has both checked
    (found by a hostile review: the nightly store kept the other duty's wording)."""
    dormant = _dates("O1", ended_at=PREVIOUS.subtract(days=3))
    duties = (_duty("N1", "O1"), _duty("N2", "O1"), _duty("N3", "O-other"))
    touched = Touched(frozenset(), frozenset({"N2"}))
    found = due_orders((dormant,), duties, previous=PREVIOUS, at=AT, config=CONFIG, touched=touched)
    assert [d.duty_id for d in found.duties] == ["N1", "N2", "N3"]
    untouched = due_orders(
        (dormant,), duties[:2], previous=PREVIOUS, at=AT, config=CONFIG, touched=NOTHING
    )
    assert untouched.duties == ()


@pytest.mark.parametrize("code", ["SPO-R01", "SPO-R02"])
def test_a_requirement_whose_stored_parameters_cannot_be_read_is_checked_every_night(
    sql_demo_url: str, code: str
) -> None:
    """A requirement term edited by hand outside the library: its order's dates say it
    signs on every day, so a nightly run reads it (and reading it refuses the term by
    name) rather than a wrong answer or a crash while choosing."""
    bad = json.dumps({"weekdays": "every day", "due_on": "someday", "locality": None})
    engine = sa.create_engine(sql_demo_url)
    try:
        with engine.begin() as conn:
            key = conn.execute(
                sa.text("SELECT order_id FROM order_terms WHERE code = :c ORDER BY 1 LIMIT 1"),
                {"c": code},
            ).scalar_one()
            conn.execute(
                sa.text("UPDATE order_terms SET parameters = :p WHERE order_id = :o AND code = :c"),
                {"p": bad, "o": key, "c": code},
            )
    finally:
        engine.dispose()
    with (
        connect(sql_demo_url, clock=fixed_clock) as store,
        store.unit_of_work(DEMO_ACTOR, at=NOW) as uow,
    ):
        dates = {d.order_id: d for d in uow.orders.dates()}
        assert dates[key].sign_on_weekdays == EVERY_DAY
        assert _due_between(PREVIOUS, AT, dates[key])
        with pytest.raises(StoredRecordError, match=key):
            uow.orders.get(key)
