"""Events dated before what a subject records are refused (library rule, review finding 1).

Each order event is refused, with the subject unchanged, when it is dated
before the making, the service, the end, the restoration that closed a span
not in force, or when the latest version was decided; and a transition can
never produce an order its own checks refuse.
"""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.lifecycles import MACHINES, lodge_appeal, serve_order
from spo_tracker.domain.lifecycles._support import evolve, is_before
from spo_tracker.domain.lifecycles.full_order import (
    FullOrderCommand,
    FullOrderEvent,
    discharge_order,
    restore_on_appeal,
    vary_order,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.orders import Duration, Order, OrderState
from spo_tracker.errors import GuardRejectedError, InvalidValueError
from tests.lifecycles.builders import (
    MADE_AT,
    NO_CONTACT,
    NO_SURVEILLANCE,
    WMP,
    full,
    interim,
    london,
)
from tests.lifecycles.strategies import start_instants

DEFENDANT, POLICE = Party.defendant(), Party.chief_officer(WMP)
SERVED_AT = MADE_AT.add(minutes=30)  # 11:00 on 2 March 2026
ORDER_MACHINES = ("interim_order", "full_order")


def _rows(name: str) -> list[tuple[str, str, str]]:
    machine = MACHINES[name]
    return [(name, row.source.name, row.event.name) for row in machine.transitions]


def _subject(name: str, state: str) -> Order:
    """A subject in ``state`` whose recorded instants are consistent with it."""
    subject = interim() if name == "interim_order" else full()
    order_state = OrderState[state]
    served = None if order_state is OrderState.MADE else SERVED_AT
    ended = None if order_state.live else SERVED_AT.add(hours=1)
    return attrs.evolve(subject, state=order_state, served_at=served, ended_at=ended)


@pytest.mark.parametrize(
    ("machine", "state", "event"), [r for name in ORDER_MACHINES for r in _rows(name)]
)
def test_every_order_event_dated_before_the_making_is_refused(
    machine: str, state: str, event: str
) -> None:
    """Every row of both order tables: in_chronological_order refuses first; nothing changes."""
    lifecycle = MACHINES[machine]
    order = _subject(machine, state)
    before = (order, order.revision)
    early = MADE_AT.subtract(days=60)
    with pytest.raises(GuardRejectedError) as caught:
        lifecycle.fire(order, lifecycle.probe(lifecycle.events[event], early))
    error = caught.value
    assert (error.guard, error.section) == ("in_chronological_order", "library")
    assert "at=2026-01-01T10:30:00+00:00" in error.reason  # the event's time...
    assert "2026-03-02T" in error.reason  # ...and the recorded time it conflicts with
    assert (order, order.revision) == before


def test_a_variation_dated_before_the_making_is_refused() -> None:
    """The reviewer's case: versions would be decided out of order and unreadable."""
    served = serve_order(full(), at=SERVED_AT, actor="PC").subject
    with pytest.raises(GuardRejectedError) as caught:
        vary_order(
            served,
            at=london(2026, 1, 5, 12),
            actor="court",
            applied_by=DEFENDANT,
            terms=(NO_CONTACT, NO_SURVEILLANCE),
            necessary_to_protect=True,
        )
    assert "before it was served at 2026-03-02T11:00:00+00:00" in caught.value.reason


def test_a_discharge_before_the_recorded_service_is_refused() -> None:
    """Served at 11:00, discharged at 10:45: refused, naming both instants."""
    served = serve_order(full(), at=SERVED_AT, actor="PC").subject
    with pytest.raises(GuardRejectedError) as caught:
        discharge_order(
            served,
            at=SERVED_AT.subtract(minutes=15),
            actor="court",
            applied_by=DEFENDANT,
            consents=(DEFENDANT, POLICE),
            home_force=WMP,
        )
    error = caught.value
    assert error.guard == "in_chronological_order"
    assert error.reason == (
        "at=2026-03-02T10:45:00+00:00: before it was served at 2026-03-02T11:00:00+00:00"
    )


def test_an_event_at_the_recorded_instant_itself_is_accepted() -> None:
    """Only strictly earlier events are refused: service and discharge may share an instant."""
    served = serve_order(full(), at=SERVED_AT, actor="PC").subject
    fired = discharge_order(
        served,
        at=SERVED_AT,
        actor="court",
        applied_by=DEFENDANT,
        consents=(DEFENDANT, POLICE),
        home_force=WMP,
    )
    assert fired.subject.ended_at == SERVED_AT


def test_an_event_before_the_latest_version_was_decided_is_refused() -> None:
    """A variation records the instant it was decided: an event earlier that day is refused."""
    varied = vary_order(
        full(),
        at=london(2026, 5, 10, 15),
        actor="court",
        applied_by=POLICE,
        duration=Duration(years=3),
    ).subject
    assert varied.current.decided_at == london(2026, 5, 10, 15)
    assert serve_order(varied, at=london(2026, 5, 10, 15), actor="PC").subject.served_at
    with pytest.raises(GuardRejectedError) as caught:
        serve_order(varied, at=london(2026, 5, 10, 8), actor="PC")
    assert "before version 2 was decided at 2026-05-10T15:00:00+01:00" in caught.value.reason


def test_a_version_recorded_without_its_instant_bounds_events_by_its_day() -> None:
    """Data written before decided_at was kept: the start of its London day is the bound."""
    varied = vary_order(
        full(),
        at=london(2026, 5, 10, 15),
        actor="court",
        applied_by=POLICE,
        duration=Duration(years=3),
    ).subject
    legacy = attrs.evolve(
        varied, versions=(*varied.versions[:-1], attrs.evolve(varied.current, decided_at=None))
    )
    assert serve_order(legacy, at=london(2026, 5, 10, 8), actor="PC").subject.served_at
    with pytest.raises(GuardRejectedError) as caught:
        serve_order(legacy, at=london(2026, 5, 9, 23), actor="PC")
    assert "before version 2 was decided at 2026-05-10T00:00:00+01:00" in caught.value.reason


def test_an_appeal_against_a_discharge_is_not_dated_before_the_discharge() -> None:
    """A discharged order's appeal events follow its end (ended_at)."""
    served = serve_order(full(), at=SERVED_AT, actor="PC").subject
    discharged = discharge_order(
        served,
        at=london(2026, 4, 1, 10),
        actor="court",
        applied_by=DEFENDANT,
        consents=(DEFENDANT, POLICE),
        home_force=WMP,
    ).subject
    with pytest.raises(GuardRejectedError) as caught:
        lodge_appeal(
            discharged,
            at=london(2026, 3, 20, 10),
            actor="clerk",
            appellant=POLICE,
            against=AppealAgainst.discharge(on_application_of=DEFENDANT),
            home_force=WMP,
        )
    assert "before it ended at 2026-04-01T10:00:00+01:00" in caught.value.reason


def _discharged_and_appealed() -> Order:
    served = serve_order(full(), at=SERVED_AT, actor="PC").subject
    discharged = discharge_order(
        served,
        at=london(2026, 6, 10, 10),
        actor="court",
        applied_by=DEFENDANT,
        consents=(DEFENDANT, POLICE),
        home_force=WMP,
    ).subject
    return lodge_appeal(
        discharged,
        at=london(2026, 6, 11, 10),
        actor="clerk",
        appellant=POLICE,
        against=AppealAgainst.discharge(on_application_of=DEFENDANT),
        home_force=WMP,
    ).subject


def test_an_order_is_not_restored_after_its_fixed_period() -> None:
    """fixed_period_not_over_when_restored (SPA2019 s.3(1), s.7(4)); nothing changes."""
    pending = _discharged_and_appealed()
    before = (pending, pending.revision)
    after_the_period = london(2028, 3, 2, 9)  # the 2 years ran to the end of 1 March 2028
    with pytest.raises(GuardRejectedError) as caught:
        restore_on_appeal(pending, at=after_the_period, actor="Crown Court")
    error = caught.value
    assert (error.guard, error.section) == (
        "fixed_period_not_over_when_restored",
        "SPA2019 s.3(1), s.7(4)",
    )
    assert "2028-03-01" in error.reason
    assert "at=2028-03-02T09:00:00+00:00" in error.reason
    assert (pending, pending.revision) == before


def test_an_order_is_restored_on_the_last_day_of_its_fixed_period() -> None:
    """The last evening of the period is still within it (London days)."""
    pending = _discharged_and_appealed()
    restored = restore_on_appeal(pending, at=london(2028, 3, 1, 23, 30), actor="Crown Court")
    assert restored.subject.state is OrderState.SERVED


def test_an_order_until_further_order_is_restored_at_any_time() -> None:
    """No fixed period, nothing to run out."""
    ufo = full(fixed=False)
    served = serve_order(ufo, at=SERVED_AT, actor="PC").subject
    discharged = discharge_order(
        served,
        at=london(2026, 6, 10, 10),
        actor="court",
        applied_by=DEFENDANT,
        consents=(DEFENDANT, POLICE),
        home_force=WMP,
    ).subject
    pending = lodge_appeal(
        discharged,
        at=london(2026, 6, 11, 10),
        actor="clerk",
        appellant=POLICE,
        against=AppealAgainst.discharge(on_application_of=DEFENDANT),
        home_force=WMP,
    ).subject
    restored = restore_on_appeal(pending, at=london(2031, 1, 1, 10), actor="Crown Court")
    assert restored.subject.state is OrderState.SERVED


def test_a_restored_order_keeps_the_span_it_was_discharged() -> None:
    """SPA2019 s.7(4), s.8(1): not in force from the discharge until the restoration."""
    pending = _discharged_and_appealed()
    restored = restore_on_appeal(pending, at=london(2026, 8, 9, 10), actor="Crown Court").subject
    span = (london(2026, 6, 10, 10), london(2026, 8, 9, 10))
    assert restored.not_in_force == (span,)
    assert restored.in_force_at(london(2026, 6, 10, 9))
    assert not restored.in_force_at(london(2026, 7, 10, 9))
    assert restored.in_force_at(london(2026, 8, 9, 10))


def test_a_discharge_quashed_the_same_instant_leaves_no_span() -> None:
    """Restored at the very instant of the discharge: in force throughout."""
    served = serve_order(full(), at=SERVED_AT, actor="PC").subject
    at = london(2026, 6, 10, 10)
    discharged = discharge_order(
        served,
        at=at,
        actor="court",
        applied_by=DEFENDANT,
        consents=(DEFENDANT, POLICE),
        home_force=WMP,
    ).subject
    pending = lodge_appeal(
        discharged,
        at=at,
        actor="clerk",
        appellant=POLICE,
        against=AppealAgainst.discharge(on_application_of=DEFENDANT),
        home_force=WMP,
    ).subject
    restored = restore_on_appeal(pending, at=at, actor="Crown Court").subject
    assert restored.not_in_force == ()
    assert restored.in_force_at(at)


@pytest.mark.parametrize("day", [(2026, 7, 10, 9), (2026, 5, 1, 9)])
def test_an_event_dated_in_or_before_a_span_not_in_force_is_refused(
    day: tuple[int, int, int, int],
) -> None:
    """After the restoration, an event inside the discharged span (or before it) is refused,
    naming the restoration; the order is unchanged."""
    pending = _discharged_and_appealed()
    restored = restore_on_appeal(pending, at=london(2026, 8, 9, 10), actor="Crown Court").subject
    before = (restored, restored.revision)
    with pytest.raises(GuardRejectedError) as caught:
        vary_order(
            restored,
            at=london(*day),
            actor="court",
            applied_by=POLICE,
            duration=Duration(years=3),
        )
    error = caught.value
    assert error.guard == "in_chronological_order"
    assert "before it was restored on appeal at 2026-08-09T10:00:00+01:00" in error.reason
    assert (restored, restored.revision) == before
    later = vary_order(
        restored,
        at=london(2026, 8, 9, 11),
        actor="court",
        applied_by=POLICE,
        duration=Duration(years=3),
    ).subject
    assert later.current.decided_at == london(2026, 8, 9, 11)


@pytest.mark.parametrize(
    "changes",
    [
        {"ended_at": MADE_AT.subtract(days=1)},
        {"served_at": MADE_AT.subtract(seconds=1)},
        {"appeal": "not an appeal"},
    ],
)
def test_the_lifecycle_copy_runs_the_orders_own_checks(changes: dict[str, Any]) -> None:
    """``evolve`` cannot produce an order its constructor would refuse: the order's error."""
    order = full()
    with pytest.raises(InvalidValueError):
        evolve(order, **changes)
    with pytest.raises(InvalidValueError):
        attrs.evolve(order, **changes)


def test_a_back_dated_command_is_refused_by_refusals_and_enabled_events() -> None:
    """Introspection agrees with fire: nothing is enabled before the making."""
    machine = MACHINES["full_order"]
    early = MADE_AT.subtract(minutes=1)
    assert machine.enabled_events(full(), early) == ()
    found = machine.refusals(full(), FullOrderCommand(FullOrderEvent.SERVE, early, "PC"))
    assert [g.name for g, _ in found] == ["in_chronological_order"]


def test_pendulum_instants_in_the_repeated_autumn_hour_are_ordered_as_instants() -> None:
    """01:30 BST then 01:10 GMT on 25 October 2026: the second is later, so accepted."""
    made = pendulum.datetime(2026, 10, 25, 0, 30, tz="UTC")  # 01:30 BST
    order = full(made_at=made)
    later = pendulum.datetime(2026, 10, 25, 1, 10, tz="UTC").in_timezone("Europe/London")
    assert (later.hour, later.minute) < (1, 30)  # earlier by the wall clock
    assert serve_order(order, at=later, actor="PC").subject.served_at == later


@given(start_instants, st.integers(-30 * 3600, 30 * 3600), st.booleans())
def test_is_before_orders_instants_as_timestamps_do(
    a: pendulum.DateTime, seconds: int, same_zone: bool
) -> None:
    """The cheap comparison agrees with comparing timestamps, across clock changes."""
    b = a.add(seconds=seconds)
    b = b.in_timezone(a.timezone_name or "UTC") if same_zone else b.in_timezone("UTC")
    assert is_before(a, b) == (a.timestamp() < b.timestamp())
    assert is_before(b, a) == (b.timestamp() < a.timestamp())
