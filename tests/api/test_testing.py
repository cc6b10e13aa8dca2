"""spo_tracker.testing: the helpers integrators use in their own tests."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from spo_tracker.clock import Clock
from spo_tracker.detection import AlertKind, Detector
from spo_tracker.domain.orders import Duration, OrderKind, OrderState
from spo_tracker.domain.statutory_time import as_london_date
from spo_tracker.errors import NaiveDatetimeError, OrderPeriodError
from spo_tracker.events import AlertRaised, BreachFlagged, OrderMade
from spo_tracker.storage import InMemoryStore, deliver_outbox, verify
from spo_tracker.testing import (
    MADE_AT,
    NOW,
    OFFICER,
    SEED_MESSAGES,
    EventRecorder,
    FixedClock,
    a_defendant,
    a_protected_person,
    an_incident,
    an_order,
    in_memory_store,
    the_seed_story,
)


def test_a_fixed_clock_stands_still_until_moved() -> None:
    """It shows the same instant on every call; advance and set move it."""
    clock = FixedClock()
    assert clock() == clock() == clock.now == NOW
    assert clock.advance(hours=2) == NOW.add(hours=2) == clock()
    clock.set(MADE_AT)
    assert clock() == MADE_AT
    assert isinstance(clock, Clock)


def test_a_fixed_clock_advances_by_exact_time_across_a_clock_change() -> None:
    """24 hours after Saturday 09:00 on the spring-forward weekend is Sunday 10:00 London."""
    clock = FixedClock(pendulum.datetime(2026, 3, 28, 9, tz="Europe/London"))
    assert clock.advance(hours=24).hour == 10


def test_a_fixed_clock_refuses_a_naive_time() -> None:
    """The library never guesses a zone."""
    with pytest.raises(NaiveDatetimeError):
        FixedClock(dt.datetime(2026, 3, 20, 9))
    with pytest.raises(NaiveDatetimeError):
        FixedClock().set(dt.datetime(2026, 3, 20, 9))


def test_the_in_memory_store_is_the_storage_layers_own() -> None:
    """Not a second fake: the same class, contract, audit chain and outbox."""
    clock = FixedClock()
    store = in_memory_store(clock=clock)
    assert type(store) is InMemoryStore
    assert store.clock is clock
    assert in_memory_store().clock is not None


def test_an_order_is_made_and_served_through_the_lifecycle() -> None:
    """A two-year full order, served 3 hours after it was made, protecting P1 from contact."""
    order = an_order()
    assert (order.kind, order.state, order.made_at) == (OrderKind.FULL, OrderState.SERVED, MADE_AT)
    assert order.served_at == MADE_AT.add(hours=3)
    assert order.period is not None
    assert order.period.last_day == pendulum.Date(2028, 3, 1)
    assert [t.CODE for t in order.terms] == ["SPO-P01"]
    assert an_order(served=False).state is OrderState.MADE


def test_an_order_the_act_forbids_is_refused_by_the_builder_too() -> None:
    """SPA2019 s.3(2): a full order of one year is refused, as make_order refuses it."""
    with pytest.raises(OrderPeriodError):
        an_order(duration=Duration(years=1))
    interim = an_order(kind="interim", duration=Duration(weeks=8))
    assert interim.kind is OrderKind.INTERIM


def test_people_and_incidents_in_a_line() -> None:
    """Defaults are valid; what a test is about is overridden by keyword."""
    d = a_defendant()
    p = a_protected_person(name="Jo Bloggs")
    i = an_incident(at=NOW.subtract(days=1))
    assert (d.defendant_id, p.person_id, p.name) == ("D1", "P1", "Jo Bloggs")
    assert (i.defendant_id, i.target_person_id, i.occurred_at) == ("D1", "P1", NOW.subtract(days=1))


def test_the_seed_story_is_the_west_midlands_case() -> None:
    """104 messages in one London day; one grouped breach and one escalation."""
    story = the_seed_story()
    assert len(story.incidents) == SEED_MESSAGES == 104
    assert {as_london_date(i.occurred_at) for i in story.incidents} == {pendulum.Date(2026, 3, 14)}
    result = Detector([story.order], [story.defendant]).scan(story.incidents)
    assert sorted(a.kind.value for a in result.alerts) == ["breach", "escalation"]
    breach = result.of_kind(AlertKind.BREACH)[0]
    assert (breach.count, breach.order_id, breach.cjs_code) == (104, "SPO-SEED", "ST19001")


def test_the_seed_story_is_the_same_on_every_call() -> None:
    """Deterministic: no randomness, no wall clock."""
    assert the_seed_story() == the_seed_story()


def test_the_seed_story_stores_and_announces_itself() -> None:
    """Stored in the in-memory store: an OrderMade and a BreachFlagged reach the recorder."""
    story, store = the_seed_story(), in_memory_store()
    alerts = Detector([story.order], [story.defendant]).scan(story.incidents).alerts
    with store.unit_of_work(OFFICER) as uow:
        uow.defendants.add(story.defendant)
        uow.protected_persons.add(story.protected_person)
        uow.orders.add(story.order)
        uow.add_incidents(story.incidents)
        for alert in alerts:
            uow.alerts.add(alert)
        uow.commit()
    recorder = EventRecorder()
    assert deliver_outbox(store, recorder).delivered == 3
    assert recorder.types[0] == "OrderMade"
    assert sorted(recorder.types[1:]) == ["AlertRaised", "BreachFlagged"]
    assert [e.originator_id for e in recorder.of_type(OrderMade)] == ["SPO-SEED"]
    assert len(recorder.of_type(BreachFlagged)) == 1
    assert len(recorder.of_type(AlertRaised)) == 2  # a BreachFlagged is an AlertRaised too
    assert verify(store).ok
