"""Commands on an order: serve, vary, renew, discharge and expire it (SPA2019 s.4, s.5(7), s.9(1)).

Each is one :class:`~spo_tracker.casework._commands.Command` on the order:
serving records service on its notification duty, discharge and expiry end
the duty with the order (s.9(1)); variation and renewal change the order alone.
A full order is varied, renewed or discharged under s.4, an interim one under
s.5(7)-(8), where the full-order arguments do not apply.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from spo_tracker.casework._commands import CaseResult, Command, other_live_orders
from spo_tracker.casework._duties import duties_ended, served_duty
from spo_tracker.domain.lifecycles import full_order, interim_order, making
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.orders import Duration, Order, OrderKind
from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.terms import Term
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = ["discharge_order", "expire_order", "renew_order", "serve_order", "vary_order"]


def serve_order(
    store: Store,
    order_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    local_police_area: str | None = None,
    duty_id: str | None = None,
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """Serve an order on the defendant and record it on the notification duty.

    In one transaction: the order is SERVED, and its duty records the service
    (SPA2019 s.9(1): every name and the home address within 3 days beginning
    with the day of service; exempt under SOA 2003 Part 2: recorded only,
    s.9(5)). Without a duty one is opened (``duty_id``, by default
    ``DUTY-<order id>``, in ``local_police_area``). A full order replacing an
    interim one continues the interim order's duty, and the initial
    notification is not re-opened if the interim order was served (s.9(1)(a)).

    Args:
        store: where the order is.
        order_id: the order served.
        at: when it was served (aware).
        actor: who records it.
        local_police_area: where the defendant notifies (s.10(1)-(2)); needed only
            when a duty is opened.
        duty_id: the id of a duty opened here.
        expected_revision: the order's revision the caller saw.
        reason: for the audit trail.

    Returns:
        The order and its duty as stored.

    Raises:
        NotFoundError: no such order.
        ConcurrencyConflictError: the order is not at ``expected_revision``.
        IllegalTransitionError: the order cannot be served (e.g. already served).
        InvalidValueError: no duty and no ``local_police_area``; more than one live duty.
    """

    def fire(_: UnitOfWork, order: Order) -> Fired[Order]:
        return making.serve_order(order, at=at, actor=actor.actor_id)

    def tie(uow: UnitOfWork, served: Order) -> CaseResult:
        duty = served_duty(uow, served, at, actor, (duty_id, local_police_area), reason)
        return CaseResult(duties=(duty,))

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_order("serve_order", order_id, fire, tie)


def _refuse_for_interim(order: Order, **given: object) -> None:
    """Refuse full-order arguments for an interim order (s.5(7), not s.4), naming the first."""
    for name, value in given.items():
        if value:
            raise InvalidValueError(
                name,
                value,
                f"order {order.order_id!r} is an interim order: varied, renewed or discharged "
                "under SPA2019 s.5(7), where this does not apply",
            )


def vary_order(
    store: Store,
    order_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    applied_by: Party,
    terms: Iterable[Term] | None = None,
    duration: Duration | None = None,
    until_further_order: bool = False,
    necessary_to_protect: bool = False,
    home_force: ChiefOfficer | None = None,
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """Vary an order on application (SPA2019 s.4 full, s.5(7)-(8) interim); a new version.

    New terms are checked against the defendant's other live orders, loaded
    here (s.2(6)-(7)); additional terms on a full order need the court's
    finding that they are necessary to protect a person (s.4(4)(a)).

    Args:
        applied_by: who applied (s.4(1), s.5(7)).
        terms, duration, until_further_order: what changes (``None``: unchanged).
        necessary_to_protect, home_force: full orders only (s.4(4)(a), s.14(1)).
        expected_revision: the order's revision the caller saw.
        reason: the court's note, kept on the version and in the audit trail.
        store: where the case is.
        order_id: the order varied.
        at: when the court decided it (aware).
        actor: who records it.

    Returns:
        The order as stored.

    Raises:
        NotFoundError: no such order.
        ConcurrencyConflictError: the order is not at ``expected_revision``.
        GuardRejectedError: a rule refused it, naming the guard and its section.
        InvalidValueError: a full-order argument for an interim order.
    """

    def fire(uow: UnitOfWork, order: Order) -> Fired[Order]:
        others = other_live_orders(uow, order.defendant_id, order_id)
        if order.kind is OrderKind.INTERIM:
            _refuse_for_interim(
                order,
                until_further_order=until_further_order,
                necessary_to_protect=necessary_to_protect,
                home_force=home_force,
            )
            return interim_order.vary_interim_order(
                order,
                at=at,
                actor=actor.actor_id,
                applied_by=applied_by,
                terms=terms,
                duration=duration,
                other_live_orders=others,
                reason=reason,
            )
        return full_order.vary_order(
            order,
            at=at,
            actor=actor.actor_id,
            applied_by=applied_by,
            terms=terms,
            duration=duration,
            until_further_order=until_further_order,
            necessary_to_protect=necessary_to_protect,
            home_force=home_force,
            other_live_orders=others,
            reason=reason,
        )

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_order("vary_order", order_id, fire)


def renew_order(
    store: Store,
    order_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    applied_by: Party,
    duration: Duration | None = None,
    until_further_order: bool = False,
    home_force: ChiefOfficer | None = None,
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """Renew a fixed order for a longer period, counted from the day made (SPA2019 s.4, s.5(7)).

    Args:
        order_id: the order renewed.
        applied_by: who applied (s.4(1), s.5(7)).
        duration: the whole new period, from the day made (required for an interim order).
        until_further_order, home_force: full orders only (s.3(1)(b), s.14(1)).
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
        GuardRejectedError: a rule refused it, naming the guard and its section.
        InvalidValueError: an interim renewal without ``duration``, or with a
            full-order argument.
    """

    def fire(_: UnitOfWork, order: Order) -> Fired[Order]:
        if order.kind is OrderKind.INTERIM:
            _refuse_for_interim(
                order, until_further_order=until_further_order, home_force=home_force
            )
            if duration is None:
                raise InvalidValueError(
                    "duration", None, "an interim order is renewed for a fixed period (s.5(6)(a))"
                )
            return interim_order.renew_interim_order(
                order,
                at=at,
                actor=actor.actor_id,
                applied_by=applied_by,
                duration=duration,
                reason=reason,
            )
        return full_order.renew_order(
            order,
            at=at,
            actor=actor.actor_id,
            applied_by=applied_by,
            duration=duration,
            until_further_order=until_further_order,
            home_force=home_force,
            reason=reason,
        )

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_order("renew_order", order_id, fire)


def discharge_order(
    store: Store,
    order_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    applied_by: Party,
    consents: Iterable[Party] = (),
    home_force: ChiefOfficer | None = None,
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """Discharge an order, ending its notification duty in the same transaction.

    A full order within 2 years beginning with the day made needs the s.4(4)(b)
    consents; an interim order has no such bar (s.5(7)-(8)). The duty ends with
    the order (SPA2019 s.9(1)): failures before then stay on record.

    Args:
        order_id: the order discharged.
        applied_by: who applied (s.4(1), s.5(7)).
        consents, home_force: full orders only: who consented and the chief officer
            where the defendant lives (s.4(4)(b), s.14(1)).
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The order and its ended duties as stored.

    Raises:
        NotFoundError: no such order.
        ConcurrencyConflictError: the order is not at ``expected_revision``.
        GuardRejectedError: a rule refused it (applicant, consents), naming the section.
        InvalidValueError: consents or a home force given for an interim order.
    """
    parties = tuple(consents)

    def fire(_: UnitOfWork, order: Order) -> Fired[Order]:
        who = actor.actor_id
        if order.kind is OrderKind.FULL:
            return full_order.discharge_order(
                order,
                at=at,
                actor=who,
                applied_by=applied_by,
                consents=parties,
                home_force=home_force,
            )
        if parties or home_force is not None:
            shown = [p.key for p in parties] if parties else home_force
            raise InvalidValueError(
                "consents" if parties else "home_force",
                shown,
                f"order {order_id!r} is an interim order: no s.4(4)(b) consents (s.5(7)-(8))",
            )
        return interim_order.discharge_interim_order(order, at=at, actor=who, applied_by=applied_by)

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_order("discharge_order", order_id, fire, duties_ended(at, actor, reason))


def expire_order(
    store: Store,
    order_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """Record that a fixed order's period is over, ending its notification duty then.

    The order ends at the end of its fixed period (SPA2019 s.3(1), s.5(6)(a)),
    however late this is recorded, and the duty with it (s.9(1)).

    Args:
        order_id: the order whose period is over.
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The order and its ended duties as stored.

    Raises:
        NotFoundError: no such order.
        ConcurrencyConflictError: the order is not at ``expected_revision``.
        GuardRejectedError: its period is not over, or it has none.
    """

    def fire(_: UnitOfWork, order: Order) -> Fired[Order]:
        return making.expire_order(order, at=at, actor=actor.actor_id)

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_order("expire_order", order_id, fire, duties_ended(at, actor, reason))
