"""Continuing an ended notification duty: under the full order that replaces an interim
one (SPA2019 s.9(1)(a)), or under the same order restored on appeal (SPA2019 s.7(4),
s.9(1)). Used by :func:`~spo_tracker.domain.lifecycles.notification_duty.open_duty`.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from spo_tracker.domain.lifecycles._support import is_before
from spo_tracker.domain.notification import (
    Closure,
    DutyState,
    NotifiableItem,
    NotificationDuty,
)
from spo_tracker.domain.orders import Order
from spo_tracker.errors import InvalidValueError

__all__ = ["continued"]


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
    _check_same_id(duty_id, ended)


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
    _check_same_id(duty_id, ended)


def continued(
    duty_id: str, order: Order, local_police_area: str, ended: NotificationDuty
) -> NotificationDuty:
    """The ended duty ``ended`` running on under ``order`` (see
    :func:`~spo_tracker.domain.lifecycles.notification_duty.open_duty`).

    Raises:
        InvalidValueError: ``ended`` may not be continued under ``order``.
    """
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


def _check_same_id(duty_id: str, ended: NotificationDuty) -> None:
    if duty_id != ended.duty_id:
        raise InvalidValueError(
            "duty_id",
            duty_id,
            f"a continued duty keeps its id {ended.duty_id!r}, so its failures count once",
        )
