"""Appeals to the Crown Court on an order: lodged, then decided (SPA2019 s.7).

The Act gives no stay (s.7), so lodging moves nothing but the order. The
decision may dismiss the appeal, vary the order, quash or discharge it (its
notification duty ends with it, s.9(1)) or restore a discharged order (the
duty its discharge ended runs on under it, s.7(4)).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

import pendulum

from spo_tracker.casework._commands import CaseResult, Command, other_live_orders
from spo_tracker.casework._duties import duties_of, end_duties, live_duties
from spo_tracker.domain.lifecycles import full_order, making
from spo_tracker.domain.lifecycles import notification_duty as duty_lifecycle
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, Order
from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.terms import Term
from spo_tracker.errors import InvalidValueError, UnknownCodeError
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = ["AppealOutcome", "decide_appeal", "lodge_appeal"]

_DEFENDANT: Final = Party.defendant()
_MAKING: Final = AppealAgainst.making()


class AppealOutcome(enum.Enum):
    """How the Crown Court decided an appeal on an order (SPA2019 s.7(4))."""

    DISMISSED = "dismissed"
    VARIED = "varied"
    QUASHED = "quashed"
    DISCHARGED = "discharged"
    RESTORED = "restored"


def _outcome(value: object) -> AppealOutcome:
    if isinstance(value, AppealOutcome):
        return value
    for member in AppealOutcome:
        if value in (member.value, member.name):
            return member
    raise UnknownCodeError("outcome", value, [m.value for m in AppealOutcome])


def lodge_appeal(
    store: Store,
    order_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    appellant: Party = _DEFENDANT,
    against: AppealAgainst = _MAKING,
    home_force: ChiefOfficer | None = None,
    appellant_believes_defendant_in_area: bool = False,
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """An appeal to the Crown Court is lodged (SPA2019 s.7(1)-(3)); the order stays in force.

    No other record moves: the Act gives no stay (s.7), so the duty runs on.

    Args:
        order_id: the order appealed.
        appellant: who appeals (default the defendant).
        against: the decision appealed against (default the making).
        home_force, appellant_believes_defendant_in_area: for a chief officer's
            appeal against a s.4 order (s.7(3), s.14(1)).
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The order as stored.

    Raises:
        NotFoundError: no such order.
        ConcurrencyConflictError: the order is not at ``expected_revision``.
        GuardRejectedError: s.7 gives this appellant no appeal against this decision.
    """

    def fire(_: UnitOfWork, order: Order) -> Fired[Order]:
        return making.lodge_appeal(
            order,
            at=at,
            actor=actor.actor_id,
            appellant=appellant,
            against=against,
            home_force=home_force,
            appellant_believes_defendant_in_area=appellant_believes_defendant_in_area,
        )

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_order("lodge_appeal", order_id, fire)


def _restored_duties(
    uow: UnitOfWork, order: Order, actor: Actor, reason: str
) -> list[NotificationDuty]:
    """The duty the discharge ended runs on under the restored order (SPA2019 s.7(4), s.9(1))."""
    if live_duties(uow, order.order_id) or not order.not_in_force:
        return []
    start, stop = order.not_in_force[-1]
    ended = [
        d
        for d in duties_of(uow, order.order_id)
        if d.ended_at is not None
        and start.timestamp() <= d.ended_at.timestamp() <= stop.timestamp()
    ]
    if not ended:
        return []
    duty = ended[-1]
    continued = duty_lifecycle.open_duty(
        duty_id=duty.duty_id, order=order, local_police_area=duty.local_police_area, continues=duty
    )
    uow.notification_duties.update(continued, expected_revision=duty.revision, reason=reason)
    return [continued]


def decide_appeal(
    store: Store,
    order_id: str,
    outcome: AppealOutcome | str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    terms: Iterable[Term] | None = None,
    duration: Duration | None = None,
    until_further_order: bool = False,
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """The Crown Court decides the appeal pending on an order (SPA2019 s.7(4)).

    DISMISSED: the order stands. VARIED: a new version (``terms``, ``duration``,
    ``until_further_order``), checked against the defendant's other live orders
    (s.2(6)-(7)). QUASHED or DISCHARGED: the order ends, and its duty with it
    (s.9(1)). RESTORED: a discharged order is in force again, and the duty its
    discharge ended runs on under it (s.7(4), s.9(1)).

    Args:
        order_id: the order appealed.
        outcome: an :class:`AppealOutcome`, or its value or name.
        terms, duration, until_further_order: VARIED only: the new version.
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The order and any duty ended or continued, as stored.

    Raises:
        UnknownCodeError: ``outcome`` is not an :class:`AppealOutcome`.
        NotFoundError: no such order.
        ConcurrencyConflictError: the order is not at ``expected_revision``.
        GuardRejectedError: no appeal pending, or the outcome does not fit it.
        InvalidValueError: a variation's arguments with another outcome.
    """
    decided = _outcome(outcome)
    if decided is not AppealOutcome.VARIED and (terms, duration, until_further_order) != (
        None,
        None,
        False,
    ):
        raise InvalidValueError(
            "outcome", decided.value, "terms and periods are given only when the court varies"
        )

    def fire(uow: UnitOfWork, order: Order) -> Fired[Order]:
        who = actor.actor_id
        if decided is AppealOutcome.VARIED:
            return making.vary_on_appeal(
                order,
                at=at,
                actor=who,
                terms=terms,
                duration=duration,
                until_further_order=until_further_order,
                other_live_orders=other_live_orders(uow, order.defendant_id, order_id),
                reason=reason,
            )
        return _APPEAL_CALLS[decided](order, at=at, actor=who)

    def tie(uow: UnitOfWork, order: Order) -> CaseResult:
        duties: list[NotificationDuty] = []
        if decided in (AppealOutcome.QUASHED, AppealOutcome.DISCHARGED):
            duties = end_duties(uow, order, at, actor, reason)
        elif decided is AppealOutcome.RESTORED:
            duties = _restored_duties(uow, order, actor, reason)
        return CaseResult(duties=tuple(duties))

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_order("decide_appeal", order_id, fire, tie)


_APPEAL_CALLS: Final = {
    AppealOutcome.DISMISSED: making.dismiss_appeal,
    AppealOutcome.QUASHED: making.quash_on_appeal,
    AppealOutcome.DISCHARGED: full_order.discharge_on_appeal,
    AppealOutcome.RESTORED: full_order.restore_on_appeal,
}
