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
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.lifecycles._duty_continuation import continued
from spo_tracker.domain.lifecycles._duty_rules import (
    ADDRESS_GIVEN,
    ADDRESS_WITHIN,
    AFTER_NOTIFYING,
    AFTER_REGISTRATION,
    CHRONO,
    DEADLINE,
    FALSE_AFTER,
    FALSE_GIVEN,
    FINAL_DAY,
    FULL_ORDER,
    IN_PERSON,
    NAME_GIVEN,
    NAME_WITHIN,
    NEW_AREA,
    NEW_NAME_ONLY,
    REFUSAL,
    SERVED,
    UNSERVED,
    DutyCommand,
    DutyEvent,
    _arose_on,
    _final_day,
    after_a_notification,
    arose_within_duty,
    deadline_has_passed,
    detail_given,
    final_day_after_registration,
    final_day_not_in_future,
    in_chronological_order,
    in_person_at_local_station,
    name_not_yet_notified,
    new_full_order_named,
    new_police_area_given,
    not_yet_served,
    recorded_times,
    refusal_named,
    served_by_final_day,
)
from spo_tracker.domain.lifecycles._support import (
    PROBE_ACTOR,
    row,
    state_setter,
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
from spo_tracker.domain.statemachine import Fired, Machine, Transition
from spo_tracker.errors import InvalidValueError

__all__ = [
    "ADDRESS_GIVEN",
    "ADDRESS_WITHIN",
    "AFTER_NOTIFYING",
    "AFTER_REGISTRATION",
    "CHRONO",
    "DEADLINE",
    "FALSE_AFTER",
    "FALSE_GIVEN",
    "FINAL_DAY",
    "FULL_ORDER",
    "IN_PERSON",
    "MACHINE",
    "NAME_GIVEN",
    "NAME_WITHIN",
    "NEW_AREA",
    "NEW_NAME_ONLY",
    "REFUSAL",
    "SERVED",
    "TABLE",
    "UNSERVED",
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
        return continued(duty_id, order, local_police_area, continues)
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
