"""The notification-duty lifecycle (SPA2019 s.9-s.11).

The records and the failure rules live in :mod:`spo_tracker.domain.notification`;
this module is the table that moves a :class:`NotificationDuty` between states.

Choices where the Act is open (each documented in ``docs/lifecycles.md``):

* **Final day before service (s.9(6)-(7)).** The 3 days begin with the final day
  "if the order remains in effect" on it. The library reads "in effect" for this
  purpose as *served*: if the order was served by the final day, the clock starts
  on the later of the final day and the day of service (PART2_FINAL_DAY);
  if it was not yet served, the duty goes back to NOT_DUE and the s.9(1) clock
  starts at service (PART2_FINAL_DAY_BEFORE_SERVICE). Nobody is put in breach of
  a duty under an order they have not been given.
* **Registration during an order (s.9(5)).** Becoming subject to SOA 2003 Part 2
  while the duty runs exempts the defendant from then on (outstanding items close
  as EXEMPTED; failures before that stay on record); a later final day restarts
  the initial notification as in s.9(7).
* **A full order replacing an unserved interim order (s.9(1)(a)).** The duty stays
  NOT_DUE and the service of the full order opens the initial notification: the
  replaced interim one never did.
* **One notification covers everything outstanding**, and a notification given
  late (from OVERDUE) is accepted while the failure stays recorded (s.11).
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.lifecycles._support import (
    PROBE_ACTOR,
    day_start,
    first_conflict,
    is_before,
    london_day,
    period_end,
    row,
    state_setter,
    to_event,
)
from spo_tracker.domain.notification import (
    ClosedItem,
    Closure,
    DutyState,
    FalseInformation,
    IdentityCheck,
    ItemKind,
    NotifiableItem,
    Notification,
    NotificationDuty,
    Refusal,
)
from spo_tracker.domain.orders import Order
from spo_tracker.domain.statemachine import Fired, Guard, Machine, Transition
from spo_tracker.domain.statutory_time import ensure_aware, ensure_date
from spo_tracker.domain.validators import aware_at, non_empty_text
from spo_tracker.errors import InvalidValueError

__all__ = [
    "MACHINE",
    "TABLE",
    "DutyCommand",
    "DutyEvent",
    "DutyState",
    "NotificationDuty",
    "acknowledge_notification",
    "after_a_notification",
    "arose_within_duty",
    "check_deadline",
    "deadline_has_passed",
    "detail_given",
    "final_day_after_registration",
    "final_day_not_in_future",
    "in_chronological_order",
    "in_person_at_local_station",
    "name_not_yet_notified",
    "new_full_order_named",
    "new_police_area_given",
    "not_yet_served",
    "open_duty",
    "order_ended",
    "part2_final_day",
    "part2_registered",
    "record_false_information",
    "record_new_home_address",
    "record_new_name",
    "record_notification",
    "record_refusal",
    "record_service",
    "recorded_times",
    "refusal_named",
    "replace_interim_with_full",
    "served_by_final_day",
]


class DutyEvent(enum.Enum):
    """What can happen to a notification duty."""

    ORDER_SERVED = "order_served"
    PART2_REGISTERED = "part2_registered"
    PART2_FINAL_DAY = "part2_final_day"
    PART2_FINAL_DAY_BEFORE_SERVICE = "part2_final_day_before_service"
    DEADLINE_PASSED = "deadline_passed"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    NEW_NAME = "new_name"
    NEW_HOME_ADDRESS = "new_home_address"
    FINGERPRINTS_REFUSED = "fingerprints_refused"
    FALSE_INFORMATION_RECORDED = "false_information_recorded"
    FULL_ORDER_REPLACES_INTERIM = "full_order_replaces_interim"
    ORDER_ENDED = "order_ended"


def _event(value: object) -> DutyEvent:
    return to_event(DutyEvent, value)


def _opt_day(value: object) -> pendulum.Date | None:
    return None if value is None else ensure_date(value, field="day")


def _notified_at(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="notified_at")


@attrs.frozen
class DutyCommand:
    """An event on a notification duty, with its payload.

    Attributes:
        station, police_area, in_person: NOTIFIED: where and how (s.10(1)-(3)).
        detail: NEW_NAME: the name; NEW_HOME_ADDRESS: a short address description;
            FALSE_INFORMATION_RECORDED: what was false.
        arose_on: NEW_NAME, NEW_HOME_ADDRESS: the day it happened (default: the day of ``at``).
        new_police_area: NEW_HOME_ADDRESS: the police area of the new home (s.10(3)(a)).
        refused: FINGERPRINTS_REFUSED: what was refused (s.10(5)).
        final_day: PART2_FINAL_DAY(_BEFORE_SERVICE): the final day (default: day of ``at``).
        full_order_id: FULL_ORDER_REPLACES_INTERIM: the new full order.
        notified_at: FALSE_INFORMATION_RECORDED: when the false information was given
            (default: the latest notification).
        note: free text for the audit trail.
    """

    event: DutyEvent = attrs.field(converter=_event)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    actor: str = attrs.field(validator=non_empty_text)
    station: str | None = attrs.field(default=None, kw_only=True)
    police_area: str | None = attrs.field(default=None, kw_only=True)
    in_person: bool = attrs.field(default=False, kw_only=True)
    detail: str = attrs.field(default="", kw_only=True)
    arose_on: pendulum.Date | None = attrs.field(default=None, kw_only=True, converter=_opt_day)
    new_police_area: str | None = attrs.field(default=None, kw_only=True)
    refused: IdentityCheck | None = attrs.field(default=None, kw_only=True)
    final_day: pendulum.Date | None = attrs.field(default=None, kw_only=True, converter=_opt_day)
    full_order_id: str | None = attrs.field(default=None, kw_only=True)
    notified_at: pendulum.DateTime | None = attrs.field(
        default=None, kw_only=True, converter=_notified_at
    )
    note: str = attrs.field(default="", kw_only=True)

    @property
    def day(self) -> pendulum.Date:
        """The London day of ``at``."""
        return london_day(self.at)


def _final_day(cmd: DutyCommand) -> pendulum.Date:
    return cmd.final_day if cmd.final_day is not None else cmd.day


def _arose_on(cmd: DutyCommand) -> pendulum.Date:
    return cmd.arose_on if cmd.arose_on is not None else cmd.day


def _same_area(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


# --- guards -----------------------------------------------------------------


def recorded_times(duty: NotificationDuty) -> list[tuple[str, pendulum.DateTime | None]]:
    """What a duty's state depends on, as (description, instant), for the chronology guard.

    Service and a Part 2 final day are kept as days, so the start of that London day.
    """
    last = duty.notifications[-1] if duty.notifications else None
    return [
        ("the order was served", None if duty.served_on is None else day_start(duty.served_on)),
        ("the Part 2 registration", duty.part2_registered_at),
        (
            "the Part 2 final day",
            None if duty.part2_final_day is None else day_start(duty.part2_final_day),
        ),
        ("the last notification", None if last is None else last.notified_at),
        ("its acknowledgement", None if last is None else last.acknowledged_at),
        ("the last refusal", duty.refusals[-1].at if duty.refusals else None),
        (
            "the last false information recorded",
            duty.false_information[-1].recorded_at if duty.false_information else None,
        ),
        ("an item was closed", duty.closed[-1].closed_at if duty.closed else None),
        ("the duty ended", duty.ended_at),
    ]


def in_chronological_order(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Library rule: no event is dated before what the duty already records.

    Not before service, the Part 2 registration or final day, the last
    notification (or its acknowledgement), refusal, false information or
    closed item.
    """
    return first_conflict(cmd.at, recorded_times(duty))


def final_day_after_registration(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The Part 2 requirements end on or after the day they began (SPA2019 s.9(5)-(6)).

    A final day before the recorded registration would turn an exempt duty into
    an overdue one for a time the defendant was exempt.
    """
    registered = duty.part2_registered_at
    if registered is None:
        return None  # recorded before the library kept the registration
    day = london_day(registered)
    if _final_day(cmd) < day:
        return (
            f"final_day={_final_day(cmd)}: before the Part 2 registration recorded on {day} "
            f"({registered.isoformat()})"
        )
    return None


def served_by_final_day(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The order was served (in effect, for the library) by the final day (s.9(6)(d))."""
    if duty.served_on is None:
        return "served_on=None: the order is not served yet; use PART2_FINAL_DAY_BEFORE_SERVICE"
    return None


def not_yet_served(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The order is not served, so the s.9(1) clock will start at service (OPEN choice)."""
    if duty.served_on is not None:
        return f"served_on={duty.served_on}: the order is served; use PART2_FINAL_DAY"
    return None


def final_day_not_in_future(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """A final day is recorded once it has come (s.9(6)(c))."""
    if _final_day(cmd) > cmd.day:
        return f"final_day={_final_day(cmd)}: after the day recorded, {cmd.day}"
    return None


def deadline_has_passed(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """An outstanding item's 3 days are over: the s.11 offence is committed (s.11(1))."""
    earliest = duty.earliest_deadline
    if earliest is None:
        return "outstanding=(): nothing is outstanding"
    if cmd.at < period_end(earliest):
        return (
            f"at={cmd.at.isoformat()}: the earliest deadline runs to the end of {earliest.last_day}"
        )
    return None


def in_person_at_local_station(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """In person, orally, at a police station in the local police area (s.10(1)-(3))."""
    if not cmd.in_person:
        return "in_person=False: notification is given in person, orally, at a police station"
    if not cmd.station:
        return f"station={cmd.station!r}: name the police station"
    if not _same_area(cmd.police_area, duty.local_police_area):
        return (
            f"police_area={cmd.police_area!r}: the station must be in the local police area "
            f"{duty.local_police_area!r}"
        )
    return None


def detail_given(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The name, address or false information is stated."""
    if not cmd.detail.strip():
        return f"detail={cmd.detail!r}: state what is notified or recorded"
    return None


def name_not_yet_notified(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Only a name not already notified must be notified (s.9(3)(b))."""
    wanted = cmd.detail.strip().casefold()
    for item in duty.items():
        if item.kind is ItemKind.NEW_NAME and item.detail.strip().casefold() == wanted:
            return f"detail={cmd.detail!r}: this name was already recorded on {item.arose_on}"
    return None


def arose_within_duty(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """A change after the duty began, and not in the future (s.9(3)-(4); earlier: s.9(2))."""
    day = _arose_on(cmd)
    if day > cmd.day:
        return f"arose_on={day}: after the day recorded, {cmd.day}"
    if duty.initial_from is None or day < duty.initial_from:
        return (
            f"arose_on={day}: before the duty began on {duty.initial_from}; it belongs in "
            "the initial notification (s.9(2))"
        )
    return None


def new_police_area_given(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The police area of the new home, where the change is notified (s.10(1), s.10(3)(a))."""
    if not cmd.new_police_area or not cmd.new_police_area.strip():
        return f"new_police_area={cmd.new_police_area!r}: name the new home's police area"
    return None


def after_a_notification(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Fingerprints, photographs and false information arise on a notification (s.10(5))."""
    if not duty.notifications:
        return "notifications=(): no notification has been given yet"
    return None


def refusal_named(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Say what was refused: fingerprints, photographs or both (s.10(5)(a)-(c))."""
    if not isinstance(cmd.refused, IdentityCheck):
        return f"refused={cmd.refused!r}: fingerprints, photographs or both"
    return None


def new_full_order_named(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The full order that replaces the interim one is named (s.9(1)(a))."""
    if not cmd.full_order_id or cmd.full_order_id == duty.order_id:
        return f"full_order_id={cmd.full_order_id!r}: name the new full order"
    return None


_G = Guard[NotificationDuty, DutyCommand]
SERVED: Final = _G("served_by_final_day", "SPA2019 s.9(6)(d)", served_by_final_day)
UNSERVED: Final = _G("not_yet_served", "SPA2019 s.9(1), s.9(6)(d)", not_yet_served)
FINAL_DAY: Final = _G("final_day_not_in_future", "SPA2019 s.9(6)(c)", final_day_not_in_future)
AFTER_REGISTRATION: Final = _G(
    "final_day_after_registration", "SPA2019 s.9(5)-(6)", final_day_after_registration
)
CHRONO: Final = _G("in_chronological_order", "library", in_chronological_order)
DEADLINE: Final = _G("deadline_has_passed", "SPA2019 s.11(1)", deadline_has_passed)
IN_PERSON: Final = _G(
    "in_person_at_local_station", "SPA2019 s.10(1)-(3)", in_person_at_local_station
)
NAME_GIVEN: Final = _G("detail_given", "SPA2019 s.9(3)", detail_given)
ADDRESS_GIVEN: Final = _G("detail_given", "SPA2019 s.9(4)", detail_given)
FALSE_GIVEN: Final = _G("detail_given", "SPA2019 s.11(1)(b)", detail_given)
NEW_NAME_ONLY: Final = _G("name_not_yet_notified", "SPA2019 s.9(3)(b)", name_not_yet_notified)
NAME_WITHIN: Final = _G("arose_within_duty", "SPA2019 s.9(3)", arose_within_duty)
ADDRESS_WITHIN: Final = _G("arose_within_duty", "SPA2019 s.9(4)", arose_within_duty)
NEW_AREA: Final = _G("new_police_area_given", "SPA2019 s.10(1), s.10(3)(a)", new_police_area_given)
AFTER_NOTIFYING: Final = _G("after_a_notification", "SPA2019 s.10(5)", after_a_notification)
FALSE_AFTER: Final = _G("after_a_notification", "SPA2019 s.11(1)(b)", after_a_notification)
REFUSAL: Final = _G("refusal_named", "SPA2019 s.10(5)", refusal_named)
FULL_ORDER: Final = _G("new_full_order_named", "SPA2019 s.9(1)(a)", new_full_order_named)


# --- effects ----------------------------------------------------------------


def _close(duty: NotificationDuty, at: pendulum.DateTime, how: Closure) -> dict[str, Any]:
    done = tuple(ClosedItem(item, at, how) for item in duty.outstanding)
    return {"outstanding": (), "closed": (*duty.closed, *done)}


def _initial(duty: NotificationDuty, day: pendulum.Date, section: str) -> dict[str, Any]:
    item = NotifiableItem.arising(ItemKind.INITIAL, day, section)
    return {"initial_from": day, "outstanding": (*duty.outstanding, item)}


def _served(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    return {"served_on": cmd.day, **_initial(duty, cmd.day, "SPA2019 s.9(1)")}


def _served_while_exempt(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    return {"served_on": cmd.day}


def _exempted(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    return {**_close(duty, cmd.at, Closure.EXEMPTED), "part2_registered_at": cmd.at}


def _final_day_passed(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    final = _final_day(cmd)
    assert duty.served_on is not None  # the guard requires service
    start = max(final, duty.served_on)
    return {
        "part2_final_day": final,
        "part2_registered_at": None,
        **_initial(duty, start, "SPA2019 s.9(1), s.9(7)"),
    }


def _final_day_unserved(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    return {"part2_final_day": _final_day(cmd), "part2_registered_at": None}


def _notified(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    given = Notification(cmd.at, cmd.station or "", cmd.police_area or "", duty.outstanding)
    return {**_close(duty, cmd.at, Closure.NOTIFIED), "notifications": (*duty.notifications, given)}


def _acknowledged(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    done = tuple(
        n if n.acknowledged_at is not None else attrs.evolve(n, acknowledged_at=cmd.at)
        for n in duty.notifications
    )
    return {"notifications": done}


def _new_item(duty: NotificationDuty, kind: ItemKind, cmd: DutyCommand, section: str) -> Any:
    item = NotifiableItem.arising(kind, _arose_on(cmd), section, cmd.detail.strip())
    return (*duty.outstanding, item)


def _new_name(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    return {"outstanding": _new_item(duty, ItemKind.NEW_NAME, cmd, "SPA2019 s.9(3)")}


def _new_address(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    items = _new_item(duty, ItemKind.NEW_HOME_ADDRESS, cmd, "SPA2019 s.9(4)")
    return {"outstanding": items, "local_police_area": (cmd.new_police_area or "").strip()}


def _refused(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    assert cmd.refused is not None  # the guard requires it
    return {"refusals": (*duty.refusals, Refusal(cmd.at, cmd.refused, cmd.note))}


def _false_information(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    given = cmd.notified_at or duty.notifications[-1].notified_at
    record = FalseInformation(cmd.at, given, cmd.detail.strip())
    return {"false_information": (*duty.false_information, record)}


def _replaced(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    return {
        "order_id": cmd.full_order_id,
        "replaced_order_ids": (*duty.replaced_order_ids, duty.order_id),
    }


def _ended(duty: NotificationDuty, cmd: DutyCommand) -> dict[str, Any]:
    return {**_close(duty, cmd.at, Closure.ORDER_ENDED), "ended_at": cmd.at}


St, Ev = DutyState, DutyEvent
_Row = Transition[DutyState, DutyEvent, NotificationDuty, DutyCommand]
_LIVE: Final = (St.NOT_DUE, St.EXEMPT, St.DUE, St.OVERDUE, St.NOTIFIED, St.UP_TO_DATE)
_SERVED: Final = (St.DUE, St.OVERDUE, St.NOTIFIED, St.UP_TO_DATE)


def _every_live_state() -> tuple[_Row, ...]:
    rows: list[_Row] = []
    for s in _LIVE:
        rows += [
            row(s, Ev.FULL_ORDER_REPLACES_INTERIM, s, "SPA2019 s.9(1)(a)",
                "a full order replaces the interim one; the initial notification is not re-opened",
                guards=(FULL_ORDER,), changes=_replaced),
            row(s, Ev.ORDER_ENDED, St.ENDED, "SPA2019 s.9(1)",
                "the order ends, and with it the duty; failures so far stay on record",
                changes=_ended),
        ]  # fmt: skip
        if s is not St.EXEMPT:
            rows.append(
                row(s, Ev.PART2_REGISTERED, St.EXEMPT, "SPA2019 s.9(5)",
                    "subject to SOA 2003 Part 2 notification: exempt from s.9", changes=_exempted)
            )  # fmt: skip
    return tuple(rows)


def _changes(source: DutyState, target: DutyState) -> tuple[_Row, ...]:
    # A new name or home address opens a new item; refusals and false information
    # are recorded without moving the duty.
    return (
        row(source, Ev.NEW_NAME, target, "SPA2019 s.9(3)",
            "a name not yet notified is used: 3 days beginning with that day",
            guards=(NAME_GIVEN, NAME_WITHIN, NEW_NAME_ONLY), changes=_new_name),
        row(source, Ev.NEW_HOME_ADDRESS, target, "SPA2019 s.9(4)",
            "the home address changes: 3 days beginning with that day",
            guards=(ADDRESS_GIVEN, ADDRESS_WITHIN, NEW_AREA), changes=_new_address),
        row(source, Ev.FINGERPRINTS_REFUSED, source, "SPA2019 s.10(5)-(6), s.11(1)(a)",
            "fingerprints or photographs refused when notifying: recorded for review",
            guards=(AFTER_NOTIFYING, REFUSAL), changes=_refused),
        row(source, Ev.FALSE_INFORMATION_RECORDED, source, "SPA2019 s.11(1)(b)",
            "information notified is recorded as known to be false",
            guards=(FALSE_AFTER, FALSE_GIVEN), changes=_false_information),
    )  # fmt: skip


#: The notification-duty lifecycle, one row per (state, event).
TABLE: Final[tuple[_Row, ...]] = (
    row(St.NOT_DUE, Ev.ORDER_SERVED, St.DUE, "SPA2019 s.9(1)",
        "served: every name and the home address within 3 days beginning with service",
        changes=_served),
    row(St.EXEMPT, Ev.ORDER_SERVED, St.EXEMPT, "SPA2019 s.9(5)",
        "served while exempt: service recorded, nothing due", changes=_served_while_exempt),
    row(St.EXEMPT, Ev.PART2_FINAL_DAY, St.DUE, "SPA2019 s.9(6)-(7)",
        "Part 2 ends while the served order is in effect: 3 days from the final day",
        guards=(FINAL_DAY, AFTER_REGISTRATION, SERVED), changes=_final_day_passed),
    row(St.EXEMPT, Ev.PART2_FINAL_DAY_BEFORE_SERVICE, St.NOT_DUE, "SPA2019 s.9(6)-(7)",
        "Part 2 ends before service (OPEN choice): the clock will start at service",
        guards=(FINAL_DAY, AFTER_REGISTRATION, UNSERVED), changes=_final_day_unserved),
    row(St.DUE, Ev.DEADLINE_PASSED, St.OVERDUE, "SPA2019 s.11(1)",
        "3 days passed without notification: the offence is committed and continues",
        guards=(DEADLINE,)),
    row(St.DUE, Ev.NOTIFIED, St.NOTIFIED, "SPA2019 s.10(1)-(3)",
        "notified in person at a station in the local police area",
        guards=(IN_PERSON,), changes=_notified),
    row(St.OVERDUE, Ev.NOTIFIED, St.NOTIFIED, "SPA2019 s.10(1)-(3), s.11(1)",
        "notified late: accepted, and the failure stays recorded",
        guards=(IN_PERSON,), changes=_notified),
    row(St.NOTIFIED, Ev.ACKNOWLEDGED, St.UP_TO_DATE, "SPA2019 s.10(4)",
        "the notification is acknowledged in writing", changes=_acknowledged),
    *_changes(St.DUE, St.DUE),
    *_changes(St.OVERDUE, St.OVERDUE),
    *_changes(St.NOTIFIED, St.DUE),
    *_changes(St.UP_TO_DATE, St.DUE),
    *_every_live_state(),
)  # fmt: skip


def _probe(event: DutyEvent, at: pendulum.DateTime) -> DutyCommand:
    return DutyCommand(event, at, PROBE_ACTOR)


#: The validated machine.
MACHINE: Final = Machine(
    name="notification_duty",
    states=DutyState,
    events=DutyEvent,
    initial=DutyState.NOT_DUE,
    finals=frozenset({DutyState.ENDED}),
    transitions=TABLE,
    get_state=lambda duty: duty.state,
    set_state=state_setter(),
    probe=_probe,
    every_row=(CHRONO,),
)


# --- use cases --------------------------------------------------------------


def open_duty(
    *,
    duty_id: str,
    order: Order,
    local_police_area: str,
    continues: NotificationDuty | None = None,
) -> NotificationDuty:
    """A NOT_DUE duty for ``order``; or, for a full order replacing an interim one, the
    interim order's duty continued under it (SPA2019 s.9(1)(a)); or, for an order
    restored on appeal, its own duty that ended at the discharge (SPA2019 s.7(4), s.9(1)).

    While the interim order's duty is live, continue it with
    :func:`replace_interim_with_full`. Once it has ENDED because the interim order
    ceased when the main application was determined (s.5(6)(b)), pass it as
    ``continues``: the same duty (same id) runs on under the full order, the items
    its end closed are outstanding again (the initial notification is not
    re-opened, nor is a missed one forgiven), and the s.9(3)-(4) duties under the
    full order can be recorded. Store it over the ended duty (its revision moves
    on), so its failures are counted once. An outstanding item already past its
    deadline is DUE again: :func:`check_deadline` marks it OVERDUE.

    An order discharged and then restored on appeal (APPEAL_RESTORED) is the same
    order in force again, so its duty is not a new one: pass the duty that ENDED
    at (or after) the discharge as ``continues`` once the order is restored. The
    same duty runs on under the same order in the same way (what the end closed is
    outstanding again; an initial notification already given is not re-opened, a
    missed one not forgiven); the duty must have ended within the span the order
    was not in force (``Order.not_in_force``), so after the discharge and no later
    than the restoration.

    Raises:
        InvalidValueError: ``order`` replaces an interim order and nothing is
            continued; or ``continues`` is not the ended duty of the order it
            replaces (or, for a restored order, of that order, ended while it was
            not in force), of the same defendant, ended no earlier than the full
            order was made, under the same id.
    """
    if continues is not None:
        return _continued(duty_id, order, local_police_area, continues)
    if order.replaces_order_id is not None:
        raise InvalidValueError(
            "order",
            order.order_id,
            f"replaces interim order {order.replaces_order_id!r}: continue that order's duty "
            "with FULL_ORDER_REPLACES_INTERIM, or, once it has ended, with "
            "open_duty(continues=...) (SPA2019 s.9(1)(a))",
        )
    return NotificationDuty(
        duty_id=duty_id,
        defendant_id=order.defendant_id,
        order_id=order.order_id,
        local_police_area=local_police_area,
    )


def _check_continuation(duty_id: str, order: Order, ended: NotificationDuty) -> None:
    def refuse(problem: str) -> InvalidValueError:
        return InvalidValueError("continues", ended.duty_id, problem)

    if ended.order_id == order.order_id:
        _check_restoration(duty_id, order, ended, refuse)
        return
    if order.replaces_order_id is None or ended.order_id != order.replaces_order_id:
        raise refuse(
            f"is the duty under {ended.order_id!r}; order {order.order_id!r} replaces "
            f"{order.replaces_order_id!r} (SPA2019 s.9(1)(a))"
        )
    if ended.defendant_id != order.defendant_id:
        raise refuse(f"is a duty of {ended.defendant_id!r}, not {order.defendant_id!r}")
    if ended.state is not DutyState.ENDED or ended.ended_at is None:
        raise refuse(
            f"is {ended.state.value}: a live duty continues with FULL_ORDER_REPLACES_INTERIM "
            "(replace_interim_with_full)"
        )
    if is_before(ended.ended_at, order.made_at):
        raise refuse(
            f"ended at {ended.ended_at.isoformat()}, before the full order was made at "
            f"{order.made_at.isoformat()}: the interim order was not in force to be replaced"
        )
    if duty_id != ended.duty_id:
        raise InvalidValueError(
            "duty_id",
            duty_id,
            f"a continued duty keeps its id {ended.duty_id!r}, so its failures count once",
        )


def _check_restoration(
    duty_id: str,
    order: Order,
    ended: NotificationDuty,
    refuse: Callable[[str], InvalidValueError],
) -> None:
    """The order's own duty, ended while it was discharged, and the order restored since.

    SPA2019 s.7(4), s.9(1): the restored order is in force again from the
    restoration; its duty is the one it had, not a new s.9(1) initial notification.
    """
    if ended.defendant_id != order.defendant_id:
        raise refuse(f"is a duty of {ended.defendant_id!r}, not {order.defendant_id!r}")
    if ended.state is not DutyState.ENDED or ended.ended_at is None:
        raise refuse(f"is {ended.state.value}: only a duty that ended is continued")
    if order.ended_at is not None:
        raise refuse(
            f"is the duty under {order.order_id!r}, which ended at {order.ended_at.isoformat()} "
            "and is not restored: nothing to continue it under (SPA2019 s.7(4))"
        )
    end = ended.ended_at
    if not any(
        not is_before(end, start) and not is_before(stop, end) for start, stop in order.not_in_force
    ):
        raise refuse(
            f"ended at {end.isoformat()}, not while order {order.order_id!r} was discharged "
            "before its restoration on appeal (not_in_force="
            f"{[(a.isoformat(), b.isoformat()) for a, b in order.not_in_force]}); "
            "only the duty the discharge ended is continued (SPA2019 s.7(4), s.9(1))"
        )
    if duty_id != ended.duty_id:
        raise InvalidValueError(
            "duty_id",
            duty_id,
            f"a continued duty keeps its id {ended.duty_id!r}, so its failures count once",
        )


def _continued(
    duty_id: str, order: Order, local_police_area: str, ended: NotificationDuty
) -> NotificationDuty:
    _check_continuation(duty_id, order, ended)
    restored = ended.order_id == order.order_id
    by_the_end = [
        c.closure is Closure.ORDER_ENDED and c.closed_at == ended.ended_at for c in ended.closed
    ]
    reopened = tuple(c.item for c, end in zip(ended.closed, by_the_end, strict=True) if end)
    kept = tuple(c for c, end in zip(ended.closed, by_the_end, strict=True) if not end)
    return attrs.evolve(
        ended,
        order_id=order.order_id,
        replaced_order_ids=(
            ended.replaced_order_ids if restored else (*ended.replaced_order_ids, ended.order_id)
        ),
        local_police_area=local_police_area,
        state=_state_before_the_end(ended, reopened),
        outstanding=reopened,
        closed=kept,
        ended_at=None,
        revision=ended.revision + 1,
    )


def _state_before_the_end(
    ended: NotificationDuty, reopened: tuple[NotifiableItem, ...]
) -> DutyState:
    """The live state the duty continues in: what it owes, else whether exempt or served."""
    if reopened:
        return DutyState.DUE
    if ended.part2_registered_at is not None:
        return DutyState.EXEMPT
    if ended.served_on is None:
        return DutyState.NOT_DUE
    notified = ended.notifications
    if notified and notified[-1].acknowledged_at is None:
        return DutyState.NOTIFIED
    return DutyState.UP_TO_DATE


def _fire(duty: NotificationDuty, cmd: DutyCommand) -> Fired[NotificationDuty]:
    return MACHINE.fire(duty, cmd)


def record_service(
    duty: NotificationDuty, *, at: pendulum.DateTime, actor: str
) -> Fired[NotificationDuty]:
    """The order was served at ``at`` (SPA2019 s.9(1); exempt: recorded only, s.9(5))."""
    return _fire(duty, DutyCommand(Ev.ORDER_SERVED, at, actor))


def check_deadline(
    duty: NotificationDuty, *, at: pendulum.DateTime, actor: str
) -> Fired[NotificationDuty]:
    """Mark the duty OVERDUE once an outstanding deadline is over (SPA2019 s.11(1))."""
    return _fire(duty, DutyCommand(Ev.DEADLINE_PASSED, at, actor))


def record_notification(
    duty: NotificationDuty,
    *,
    at: pendulum.DateTime,
    actor: str,
    station: str,
    police_area: str,
    in_person: bool = True,
) -> Fired[NotificationDuty]:
    """The defendant notified everything outstanding (SPA2019 s.10(1)-(3))."""
    cmd = DutyCommand(
        Ev.NOTIFIED, at, actor, station=station, police_area=police_area, in_person=in_person
    )
    return _fire(duty, cmd)


def acknowledge_notification(
    duty: NotificationDuty, *, at: pendulum.DateTime, actor: str
) -> Fired[NotificationDuty]:
    """The police acknowledged the notification in writing (SPA2019 s.10(4))."""
    return _fire(duty, DutyCommand(Ev.ACKNOWLEDGED, at, actor))


def record_new_name(
    duty: NotificationDuty,
    *,
    at: pendulum.DateTime,
    actor: str,
    name: str,
    used_from: _dt.date | None = None,
) -> Fired[NotificationDuty]:
    """The defendant uses a name not yet notified (SPA2019 s.9(3))."""
    cmd = DutyCommand(Ev.NEW_NAME, at, actor, detail=name, arose_on=used_from)
    return _fire(duty, cmd)


def record_new_home_address(
    duty: NotificationDuty,
    *,
    at: pendulum.DateTime,
    actor: str,
    address: str,
    police_area: str,
    moved_on: _dt.date | None = None,
) -> Fired[NotificationDuty]:
    """The defendant's home address changed (SPA2019 s.9(4))."""
    cmd = DutyCommand(
        Ev.NEW_HOME_ADDRESS,
        at,
        actor,
        detail=address,
        new_police_area=police_area,
        arose_on=moved_on,
    )
    return _fire(duty, cmd)


def record_refusal(
    duty: NotificationDuty,
    *,
    at: pendulum.DateTime,
    actor: str,
    refused: IdentityCheck,
    note: str = "",
) -> Fired[NotificationDuty]:
    """Fingerprints or photographs were refused (SPA2019 s.10(5), s.11(1)(a))."""
    return _fire(duty, DutyCommand(Ev.FINGERPRINTS_REFUSED, at, actor, refused=refused, note=note))


def record_false_information(
    duty: NotificationDuty,
    *,
    at: pendulum.DateTime,
    actor: str,
    detail: str,
    notified_at: pendulum.DateTime | None = None,
) -> Fired[NotificationDuty]:
    """Information notified is recorded as known to be false (SPA2019 s.11(1)(b))."""
    cmd = DutyCommand(
        Ev.FALSE_INFORMATION_RECORDED, at, actor, detail=detail, notified_at=notified_at
    )
    return _fire(duty, cmd)


def part2_registered(
    duty: NotificationDuty, *, at: pendulum.DateTime, actor: str
) -> Fired[NotificationDuty]:
    """The defendant is subject to SOA 2003 Part 2 notification: exempt (SPA2019 s.9(5))."""
    return _fire(duty, DutyCommand(Ev.PART2_REGISTERED, at, actor))


def part2_final_day(
    duty: NotificationDuty,
    *,
    at: pendulum.DateTime,
    actor: str,
    final_day: _dt.date | None = None,
) -> Fired[NotificationDuty]:
    """Part 2 requirements ended on ``final_day`` (SPA2019 s.9(6)-(7)).

    Fires PART2_FINAL_DAY if the order is served, otherwise
    PART2_FINAL_DAY_BEFORE_SERVICE (the library's OPEN choice, see the module).
    """
    event = Ev.PART2_FINAL_DAY if duty.served_on is not None else Ev.PART2_FINAL_DAY_BEFORE_SERVICE
    return _fire(duty, DutyCommand(event, at, actor, final_day=final_day))


def replace_interim_with_full(
    duty: NotificationDuty, *, at: pendulum.DateTime, actor: str, full_order_id: str
) -> Fired[NotificationDuty]:
    """A full order replaced the interim one; nothing restarts (SPA2019 s.9(1)(a))."""
    cmd = DutyCommand(Ev.FULL_ORDER_REPLACES_INTERIM, at, actor, full_order_id=full_order_id)
    return _fire(duty, cmd)


def order_ended(
    duty: NotificationDuty, *, at: pendulum.DateTime, actor: str
) -> Fired[NotificationDuty]:
    """The order ended; so does the duty (failures so far stay on record)."""
    return _fire(duty, DutyCommand(Ev.ORDER_ENDED, at, actor))
