"""Random event sequences on a notification duty, against a hand-written model."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from spo_tracker.domain.lifecycles.notification_duty import (
    MACHINE,
    DutyCommand,
    DutyEvent,
    open_duty,
)
from spo_tracker.domain.notification import (
    IdentityCheck,
    ItemKind,
    NotificationDuty,
    notification_failures,
)
from spo_tracker.domain.orders import OrderState
from spo_tracker.errors import GuardRejectedError, IllegalTransitionError
from tests.lifecycles import model
from tests.lifecycles.builders import duty, full
from tests.lifecycles.strategies import start_instants, steps

Ev = DutyEvent
AREA = "West Midlands"
CHANGES = {"NEW_NAME", "NEW_HOME_ADDRESS", "FINGERPRINTS_REFUSED", "FALSE_INFORMATION_RECORDED"}
ALWAYS = {"FULL_ORDER_REPLACES_INTERIM", "ORDER_ENDED"}
#: The model's own table: state -> event -> target.
LEGAL: dict[str, dict[str, str]] = {
    "NOT_DUE": {"ORDER_SERVED": "DUE", "PART2_REGISTERED": "EXEMPT"},
    "EXEMPT": {
        "ORDER_SERVED": "EXEMPT",
        "PART2_FINAL_DAY": "DUE",
        "PART2_FINAL_DAY_BEFORE_SERVICE": "NOT_DUE",
    },
    "DUE": {"DEADLINE_PASSED": "OVERDUE", "NOTIFIED": "NOTIFIED", "PART2_REGISTERED": "EXEMPT"},
    "OVERDUE": {"NOTIFIED": "NOTIFIED", "PART2_REGISTERED": "EXEMPT"},
    "NOTIFIED": {"ACKNOWLEDGED": "UP_TO_DATE", "PART2_REGISTERED": "EXEMPT"},
    "UP_TO_DATE": {"PART2_REGISTERED": "EXEMPT"},
    "ENDED": {},
}
for _state in ("DUE", "OVERDUE", "NOTIFIED", "UP_TO_DATE"):
    moved = "OVERDUE" if _state == "OVERDUE" else "DUE"
    LEGAL[_state].update({"NEW_NAME": moved, "NEW_HOME_ADDRESS": moved})
    LEGAL[_state].update({"FINGERPRINTS_REFUSED": _state, "FALSE_INFORMATION_RECORDED": _state})
for _state in LEGAL:
    if _state != "ENDED":
        LEGAL[_state].update({"FULL_ORDER_REPLACES_INTERIM": _state, "ORDER_ENDED": "ENDED"})

Item = tuple[str, dt.date, dt.date, str]  # kind, arose on, last day, detail
days_back = st.integers(-1, 6)
areas = st.sampled_from([AREA, "west midlands", "West Yorkshire", None])


class NotificationDutyLifecycle(RuleBasedStateMachine):
    """The notification duty machine against a few variables updated by hand."""

    duty: NotificationDuty
    now: pendulum.DateTime
    state: str
    revision: int
    outstanding: list[Item]
    names: set[str]
    served_on: dt.date | None
    initial_from: dt.date | None
    area: str
    order_id: str
    notifications: int

    @initialize(start=start_instants, served=st.booleans())
    def begin(self, start: pendulum.DateTime, served: bool) -> None:
        self.duty, self.now, self.state, self.revision = duty(), start, "NOT_DUE", 1
        self.outstanding, self.names, self.notifications = [], set(), 0
        self.served_on = self.initial_from = None
        self.area, self.order_id = AREA, "ISPO-1"
        self.registered_on: dt.date | None = None
        self.recorded: dict[str, dt.datetime | None] = {}  # what the duty records, by name
        self.started = start
        self.before_end: tuple[str, list[Item], dict[str, dt.datetime | None]] | None = None
        if served:
            self.serve()  # most of the lifecycle follows service

    @precondition(lambda self: self.state == "ENDED")
    @rule(served=st.booleans())
    def open_another_duty(self, served: bool) -> None:
        """Once the order has ended, carry on with a new duty."""
        self.begin(self.now, served)

    # -- the model's rules -------------------------------------------------------

    def _today(self) -> dt.date:
        return model.london_day(self.now)

    def _item(self, kind: str, day: dt.date, detail: str = "") -> Item:
        return (kind, day, day + dt.timedelta(days=2), detail)

    def _fire(self, event: Ev, passes: bool, **payload: object) -> bool:
        cmd = DutyCommand(event, self.now, "PC 1", **payload)  # type: ignore[arg-type]
        legal = event.name in LEGAL[self.state]
        self.duty = model.expect(MACHINE, self.duty, cmd, legal=legal, passes=passes)
        done = legal and passes
        if done:
            self.state = LEGAL[self.state][event.name]
            self.revision += 1
            self._record(event.name, payload)
        return done

    def _start_of(self, day: dt.date) -> dt.datetime:
        return model.day_end(day - dt.timedelta(days=1))

    def _record(self, name: str, payload: dict[str, object]) -> None:
        """The instants the duty now records (the model's chronology floor)."""
        closes = bool(self.outstanding) and name in ("NOTIFIED", "PART2_REGISTERED", "ORDER_ENDED")
        if closes:
            self.recorded["closed"] = self.now
        if name == "ORDER_SERVED":
            self.recorded["served"] = self._start_of(self._today())
        elif name == "PART2_REGISTERED":
            self.recorded["registered"], self.registered_on = self.now, self._today()
        elif name in ("PART2_FINAL_DAY", "PART2_FINAL_DAY_BEFORE_SERVICE"):
            final = payload["final_day"]
            assert isinstance(final, dt.date)
            self.recorded["final day"] = self._start_of(final)
            self.recorded["registered"], self.registered_on = None, None
        elif name == "NOTIFIED":
            self.recorded["notified"], self.recorded["acknowledged"] = self.now, None
        elif (
            name in ("ACKNOWLEDGED", "FINGERPRINTS_REFUSED", "ORDER_ENDED")
            or name == "FALSE_INFORMATION_RECORDED"
        ):
            self.recorded[name] = self.now

    def _floor(self) -> dt.datetime | None:
        recorded = [t for t in self.recorded.values() if t is not None]
        return max(recorded) if recorded else None

    def _within(self, day: dt.date) -> bool:
        return day <= self._today() and self.initial_from is not None and day >= self.initial_from

    # -- rules -------------------------------------------------------------------

    @rule(step=steps)
    def advance(self, step: pendulum.Duration) -> None:
        self.now = self.now + step

    @rule(extra_minutes=st.just(0) | st.integers(0, 3000))
    def wait_for_a_deadline(self, extra_minutes: int) -> None:
        """Jump to the end of the earliest outstanding deadline (exactly, or a little after)."""
        if self.outstanding:
            end = min(model.day_end(last) for _, _, last, _ in self.outstanding)
            later = pendulum.instance(end).add(minutes=extra_minutes)
            self.now = max(self.now, later)

    @rule()
    def serve(self) -> None:
        opens = self.state == "NOT_DUE"
        if self._fire(Ev.ORDER_SERVED, True):
            self.served_on = self._today()
            if opens:
                self.initial_from = self._today()
                self.outstanding.append(self._item("INITIAL", self._today()))

    @rule(now=st.integers(0, 3))
    def register_under_part_2(self, now: int) -> None:
        if now:
            return  # rarer than the other events, so that duties live longer
        if self._fire(Ev.PART2_REGISTERED, True):
            self.outstanding = []

    @rule(before_service=st.booleans(), back=days_back)
    def final_day(self, before_service: bool, back: int) -> None:
        final = self._today() - dt.timedelta(days=back)
        ok = final <= self._today() and (self.served_on is None) == before_service
        ok = ok and (self.registered_on is None or final >= self.registered_on)  # s.9(5)-(6)
        event = Ev.PART2_FINAL_DAY_BEFORE_SERVICE if before_service else Ev.PART2_FINAL_DAY
        if self._fire(event, ok, final_day=final) and not before_service:
            assert self.served_on is not None
            start = max(final, self.served_on)
            self.initial_from = start
            self.outstanding.append(self._item("INITIAL", start))

    @rule()
    def deadline_passed(self) -> None:
        ends = [model.day_end(last) for _, _, last, _ in self.outstanding]
        self._fire(Ev.DEADLINE_PASSED, bool(ends) and self.now >= min(ends))

    @rule(
        mistake=st.sampled_from([None, None, None, "not in person", "no station", "other area"]),
        area=areas,
    )
    def notify(self, mistake: str | None, area: str | None) -> None:
        in_person, station = mistake != "not in person", None if mistake == "no station" else "HQ"
        area = area if mistake == "other area" else self.area
        local = area is not None and area.casefold() == self.area.casefold()
        ok = in_person and station is not None and local
        payload = {"in_person": in_person, "station": station, "police_area": area}
        if self._fire(Ev.NOTIFIED, ok, **payload):
            self.outstanding, self.notifications = [], self.notifications + 1

    @rule()
    def acknowledge(self) -> None:
        self._fire(Ev.ACKNOWLEDGED, True)

    @rule(name=st.sampled_from(["", "Sam", "sam", "Jo Bloggs"]), back=days_back)
    def new_name(self, name: str, back: int) -> None:
        day = self._today() - dt.timedelta(days=back)
        ok = bool(name.strip()) and self._within(day) and name.casefold() not in self.names
        if self._fire(Ev.NEW_NAME, ok, detail=name, arose_on=day):
            self.names.add(name.casefold())
            self.outstanding.append(self._item("NEW_NAME", day, name))

    @rule(address=st.sampled_from(["", "2 New Road"]), area=areas, back=days_back)
    def new_home_address(self, address: str, area: str | None, back: int) -> None:
        day = self._today() - dt.timedelta(days=back)
        ok = bool(address) and self._within(day) and area is not None
        payload = {"detail": address, "arose_on": day, "new_police_area": area}
        if self._fire(Ev.NEW_HOME_ADDRESS, ok, **payload):
            assert area is not None
            self.area = area
            self.outstanding.append(self._item("NEW_HOME_ADDRESS", day, address))

    @rule(refused=st.none() | st.sampled_from(IdentityCheck))
    def refuse_fingerprints(self, refused: IdentityCheck | None) -> None:
        self._fire(
            Ev.FINGERPRINTS_REFUSED, self.notifications > 0 and refused is not None, refused=refused
        )

    @rule(detail=st.sampled_from(["", "false address"]))
    def record_false_information(self, detail: str) -> None:
        self._fire(
            Ev.FALSE_INFORMATION_RECORDED, self.notifications > 0 and bool(detail), detail=detail
        )

    @rule(full_order_id=st.sampled_from([None, "ISPO-1", "SPO-1", "SPO-2"]))
    def full_order_replaces_interim(self, full_order_id: str | None) -> None:
        initial_before = sum(1 for i in self.duty.items() if i.kind is ItemKind.INITIAL)
        ok = full_order_id is not None and full_order_id != self.order_id
        if self._fire(Ev.FULL_ORDER_REPLACES_INTERIM, ok, full_order_id=full_order_id):
            assert full_order_id is not None
            self.order_id = full_order_id
        initial_after = sum(1 for i in self.duty.items() if i.kind is ItemKind.INITIAL)
        assert initial_after == initial_before, "a replacing full order re-opened s.9(1)"

    @rule(now=st.integers(0, 3))
    def end_order(self, now: int) -> None:
        if now:
            return  # rarer than the other events, so that duties live longer
        before = (self.state, list(self.outstanding), dict(self.recorded))
        if self._fire(Ev.ORDER_ENDED, True):
            self.outstanding, self.before_end = [], before

    @precondition(lambda self: self.state == "ENDED" and self.before_end is not None)
    @rule(gap=steps)
    def order_restored_on_appeal(self, gap: pendulum.Duration) -> None:
        """SPA2019 s.7(4), s.9(1): the order is restored; its ended duty continues as it was."""
        assert self.before_end is not None
        assert self.duty.ended_at is not None
        ended_at = self.duty.ended_at
        self.now = self.now + gap
        order = full(
            order_id=self.order_id,
            made_at=self.started,
            fixed=False,
            served_at=self.started,
            state=OrderState.SERVED,
            not_in_force=((ended_at, self.now),),
        )
        self.duty = open_duty(
            duty_id=self.duty.duty_id, order=order, local_police_area=self.area, continues=self.duty
        )
        state, outstanding, recorded = self.before_end
        self.state = "DUE" if outstanding else state
        self.outstanding, self.recorded, self.before_end = outstanding, recorded, None
        self.revision += 1

    @precondition(lambda self: self._floor() is not None)
    @rule(event_=st.sampled_from(list(Ev)), back=steps)
    def back_dated(self, event_: Ev, back: pendulum.Duration) -> None:
        """An event dated before what the duty records: refused first, nothing changes."""
        floor = self._floor()
        assert floor is not None
        at = pendulum.instance(floor) - back
        before = (self.duty, self.duty.revision)
        with pytest.raises(IllegalTransitionError) as caught:
            MACHINE.fire(self.duty, DutyCommand(event_, at, "PC 1"))
        if event_.name in LEGAL[self.state]:
            assert isinstance(caught.value, GuardRejectedError)
            assert caught.value.guard == "in_chronological_order"
        else:
            assert not isinstance(caught.value, GuardRejectedError)
        assert (self.duty, self.duty.revision) == before

    # -- invariants ----------------------------------------------------------------

    @invariant()
    def the_duty_passes_its_own_checks(self) -> None:
        """Every transition's output re-validates: ``attrs.evolve`` runs every check."""
        assert attrs.evolve(self.duty) == self.duty

    @invariant()
    def agrees_with_the_model(self) -> None:
        d = self.duty
        assert d.state.name == self.state
        assert d.revision == self.revision
        assert d.local_police_area == self.area
        assert d.order_id == self.order_id
        items = [(i.kind.name, i.arose_on, i.deadline.last_day, i.detail) for i in d.outstanding]
        assert items == self.outstanding
        assert {e.name for e in MACHINE.allowed_events(d)} == set(LEGAL[self.state])

    @invariant()
    def outstanding_items_only_while_due_or_overdue(self) -> None:
        assert bool(self.outstanding) == (self.state in ("DUE", "OVERDUE"))

    @invariant()
    def overdue_means_a_deadline_has_passed_and_a_failure_continues(self) -> None:
        passed = [i for i in self.outstanding if self.now >= model.day_end(i[2])]
        continuing = [f for f in notification_failures(self.duty, self.now) if f.continuing]
        assert len(continuing) == len(passed)
        if self.state == "OVERDUE":
            assert passed


TestNotificationDutyLifecycle = NotificationDutyLifecycle.TestCase
