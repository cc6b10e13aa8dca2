"""The notification duty a case command touches: served with its order, ended with it.

The duty to notify binds only someone subject to an order (SPA2019 s.9(1)):
serving an order records service on its duty (opening it, or for a full order
replacing an interim one continuing the interim order's duty, s.9(1)(a)), and
an order that ends ends its live duties, in the command's unit of work.
"""

from __future__ import annotations

import pendulum

from spo_tracker.casework._commands import CaseResult, Tie, record
from spo_tracker.domain.lifecycles import notification_duty as duty_lifecycle
from spo_tracker.domain.notification import DutyState, NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.errors import GuardRejectedError, InvalidValueError
from spo_tracker.storage import Actor, UnitOfWork

__all__ = [
    "continue_interim_duty",
    "duties_ended",
    "duties_of",
    "end_duties",
    "live_duties",
    "served_duty",
]


def duties_of(uow: UnitOfWork, order_id: str) -> list[NotificationDuty]:
    """The duties that run (or ran) under ``order_id``, by id."""
    repo = uow.notification_duties
    found = repo.get_many(repo.ids_where("order_id", order_id))
    return [found[key] for key in sorted(found)]


def live_duties(uow: UnitOfWork, order_id: str) -> list[NotificationDuty]:
    """The duties under ``order_id`` not yet ended, by id."""
    return [d for d in duties_of(uow, order_id) if d.state is not DutyState.ENDED]


def end_duties(
    uow: UnitOfWork, order: Order, at: pendulum.DateTime, actor: Actor, reason: str
) -> list[NotificationDuty]:
    """The order ended: so do its live duties (SPA2019 s.9(1)), failures so far kept.

    A duty ends when the order did (an expired order at the end of its period),
    unless the duty records something later; then at ``at``.
    """
    ended = []
    for duty in live_duties(uow, order.order_id):
        when = order.ended_at if order.ended_at is not None else at
        try:
            fired = duty_lifecycle.order_ended(duty, at=when, actor=actor.actor_id)
        except GuardRejectedError:
            fired = duty_lifecycle.order_ended(duty, at=at, actor=actor.actor_id)
        record(uow, fired, duty.revision, reason)
        ended.append(fired.subject)
    return ended


def _new_duty(order: Order, duty_id: str | None, local_police_area: str | None) -> NotificationDuty:
    """A NOT_DUE duty for ``order`` (for a full order replacing an interim one that had
    none, the duty under it: its service opens the initial notification, s.9(1)(a))."""
    if local_police_area is None:
        raise InvalidValueError(
            "local_police_area",
            None,
            f"order {order.order_id!r} has no notification duty yet: name the local police "
            "area where the defendant notifies (SPA2019 s.10(1)-(2))",
        )
    key = duty_id if duty_id is not None else f"DUTY-{order.order_id}"
    if order.replaces_order_id is None:
        return duty_lifecycle.open_duty(
            duty_id=key, order=order, local_police_area=local_police_area
        )
    return NotificationDuty(
        duty_id=key,
        defendant_id=order.defendant_id,
        order_id=order.order_id,
        local_police_area=local_police_area,
        replaced_order_ids=(order.replaces_order_id,),
    )


def continue_interim_duty(
    uow: UnitOfWork, full: Order, at: pendulum.DateTime, actor: Actor, reason: str
) -> NotificationDuty | None:
    """The replaced interim order's duty, carried on under ``full`` (SPA2019 s.9(1)(a)).

    A live duty moves to the full order; one that ended when the interim order
    ceased runs on under it (what the end closed is outstanding again).
    """
    assert full.replaces_order_id is not None
    duties = duties_of(uow, full.replaces_order_id)
    live = [d for d in duties if d.state is not DutyState.ENDED]
    if live:
        duty = live[-1]
        fired = duty_lifecycle.replace_interim_with_full(
            duty, at=at, actor=actor.actor_id, full_order_id=full.order_id
        )
        record(uow, fired, duty.revision, reason)
        return fired.subject
    if not duties:
        return None
    ended = duties[-1]
    continued = duty_lifecycle.open_duty(
        duty_id=ended.duty_id,
        order=full,
        local_police_area=ended.local_police_area,
        continues=ended,
    )
    uow.notification_duties.update(continued, expected_revision=ended.revision, reason=reason)
    return continued


def served_duty(
    uow: UnitOfWork,
    order: Order,
    at: pendulum.DateTime,
    actor: Actor,
    where: tuple[str | None, str | None],
    reason: str,
) -> NotificationDuty:
    """Record service on the order's duty, opening or continuing it first (SPA2019 s.9(1))."""
    live = live_duties(uow, order.order_id)
    if len(live) > 1:
        raise InvalidValueError(
            "order_id",
            order.order_id,
            f"has {len(live)} live notification duties ({', '.join(d.duty_id for d in live)}); "
            "end all but one first",
        )
    duty = live[0] if live else None
    if duty is None and order.replaces_order_id is not None:
        duty = continue_interim_duty(uow, order, at, actor, reason)
    if duty is None:
        duty = _new_duty(order, *where)
        uow.notification_duties.add(duty, reason=reason)
    if order.replaces_order_id is not None and duty.served_on is not None:
        return duty  # the interim order was served: nothing restarts (s.9(1)(a))
    fired = duty_lifecycle.record_service(duty, at=at, actor=actor.actor_id)
    record(uow, fired, duty.revision, reason)
    return fired.subject


def duties_ended(at: pendulum.DateTime, actor: Actor, reason: str) -> Tie[Order]:
    """The tie of a command that ends an order: its live duties end with it (SPA2019 s.9(1))."""

    def tie(uow: UnitOfWork, order: Order) -> CaseResult:
        return CaseResult(duties=tuple(end_duties(uow, order, at, actor, reason)))

    return tie
