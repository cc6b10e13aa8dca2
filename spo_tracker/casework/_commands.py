"""Case commands: one unit of work each, keeping the records the Act ties together in step.

Each command loads what it needs by id, fires the lifecycle functions of
:mod:`spo_tracker.domain.lifecycles`, records every transition (each audited
with its machine, event and section) and commits once, so the tied records
change together or not at all:

- serving an order records service on its notification duty, opening it, or
  for a full order replacing an interim one continuing the interim order's duty
  without re-opening the initial notification (SPA2019 s.9(1), s.9(1)(a));
- an order that ends (discharge, expiry, quashing or discharge on appeal, an
  interim order ceasing) ends its notification duty (s.9(1) binds only someone
  subject to an order), unless a full order replacing it takes the duty on;
- determining an application (grant, refusal, withdrawal) ceases its live
  interim orders (s.5(6)(b); withdrawal is the library's OPEN choice), and a
  grant makes the full order that replaces the latest of them (s.9(1)(a));
- an order restored on appeal takes back the duty its discharge ended (s.7(4)).

Every command taking an id also takes ``expected_revision``: the revision the
caller's decision was based on. A stale one raises
:class:`~spo_tracker.errors.ConcurrencyConflictError` and writes nothing.
The lower-level lifecycle functions stay public for those who need them.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.casework._permission import authorised
from spo_tracker.domain.lifecycles import application as app_lifecycle
from spo_tracker.domain.lifecycles import full_order, interim_order, making
from spo_tracker.domain.lifecycles import notification_duty as duty_lifecycle
from spo_tracker.domain.lifecycles.application import Application, CourtFindings
from spo_tracker.domain.lifecycles.making import OpenPointWarning
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.notification import DutyState, NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderKind, OrderOrigin
from spo_tracker.domain.people import ChiefOfficer, ProtectedPerson
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.terms import Term
from spo_tracker.errors import (
    ConcurrencyConflictError,
    GuardRejectedError,
    InvalidValueError,
    UnknownCodeError,
)
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = [
    "AppealOutcome",
    "CaseResult",
    "decide_appeal",
    "decide_interim",
    "discharge_order",
    "expire_order",
    "grant_application",
    "lodge_appeal",
    "refuse_application",
    "renew_order",
    "serve_order",
    "vary_order",
    "withdraw_application",
]

_DEFENDANT: Final = Party.defendant()
_MAKING: Final = AppealAgainst.making()


@attrs.frozen
class CaseResult:
    """What a case command changed, as now stored.

    Attributes:
        order: the order the command was about, or made.
        application: the application the command was about.
        duties: every notification duty the command opened, served, continued or ended.
        ceased: interim orders that ceased (SPA2019 s.5(6)(b)) or expired with it.
        warnings: OPEN-point and victim-safety warnings of an order made.
    """

    order: Order | None = None
    application: Application | None = None
    duties: tuple[NotificationDuty, ...] = ()
    ceased: tuple[Order, ...] = ()
    warnings: tuple[OpenPointWarning, ...] = ()


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


# --- loading ------------------------------------------------------------------------


def _check_revision(kind: str, key: str, expected: int | None, stored: int) -> None:
    """Refuse a decision based on another revision than the stored one (nothing written)."""
    if expected is not None and expected != stored:
        raise ConcurrencyConflictError(kind, key, expected, stored)


def _order(uow: UnitOfWork, order_id: str, expected: int | None) -> Order:
    order = uow.orders.get(order_id)
    _check_revision("order", order_id, expected, order.revision)
    return order


def _application(uow: UnitOfWork, application_id: str, expected: int | None) -> Application:
    found = uow.applications.get(application_id)
    _check_revision("application", application_id, expected, found.revision)
    return found


def _other_live_orders(uow: UnitOfWork, defendant_id: str, order_id: str) -> tuple[Order, ...]:
    """The defendant's other live orders, for the s.2(6)-(7) compatibility check."""
    ids = [key for key in uow.orders.ids_where("defendant_id", defendant_id) if key != order_id]
    return tuple(o for o in uow.orders.get_many(ids).values() if o.state.live)


def _duties(uow: UnitOfWork, order_id: str) -> list[NotificationDuty]:
    """The duties that run (or ran) under ``order_id``, by id."""
    repo = uow.notification_duties
    found = repo.get_many(repo.ids_where("order_id", order_id))
    return [found[key] for key in sorted(found)]


def _live_duties(uow: UnitOfWork, order_id: str) -> list[NotificationDuty]:
    return [d for d in _duties(uow, order_id) if d.state is not DutyState.ENDED]


def _record(uow: UnitOfWork, fired: Fired[Any], base: int, reason: str) -> None:
    uow.record(fired, expected_revision=base, reason=reason)


# --- the duty an order's end or service touches ---------------------------------------


def _end_duties(
    uow: UnitOfWork, order: Order, at: pendulum.DateTime, actor: Actor, reason: str
) -> list[NotificationDuty]:
    """The order ended: so do its live duties (SPA2019 s.9(1)), failures so far kept.

    A duty ends when the order did (an expired order at the end of its period),
    unless the duty records something later; then at ``at``.
    """
    ended = []
    for duty in _live_duties(uow, order.order_id):
        when = order.ended_at if order.ended_at is not None else at
        try:
            fired = duty_lifecycle.order_ended(duty, at=when, actor=actor.actor_id)
        except GuardRejectedError:
            fired = duty_lifecycle.order_ended(duty, at=at, actor=actor.actor_id)
        _record(uow, fired, duty.revision, reason)
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


def _continue_interim_duty(
    uow: UnitOfWork, full: Order, at: pendulum.DateTime, actor: Actor, reason: str
) -> NotificationDuty | None:
    """The replaced interim order's duty, carried on under ``full`` (SPA2019 s.9(1)(a)).

    A live duty moves to the full order; one that ended when the interim order
    ceased runs on under it (what the end closed is outstanding again).
    """
    assert full.replaces_order_id is not None
    duties = _duties(uow, full.replaces_order_id)
    live = [d for d in duties if d.state is not DutyState.ENDED]
    if live:
        duty = live[-1]
        fired = duty_lifecycle.replace_interim_with_full(
            duty, at=at, actor=actor.actor_id, full_order_id=full.order_id
        )
        _record(uow, fired, duty.revision, reason)
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


def _served_duty(
    uow: UnitOfWork,
    order: Order,
    at: pendulum.DateTime,
    actor: Actor,
    where: tuple[str | None, str | None],
    reason: str,
) -> NotificationDuty:
    """Record service on the order's duty, opening or continuing it first (SPA2019 s.9(1))."""
    live = _live_duties(uow, order.order_id)
    if len(live) > 1:
        raise InvalidValueError(
            "order_id",
            order.order_id,
            f"has {len(live)} live notification duties ({', '.join(d.duty_id for d in live)}); "
            "end all but one first",
        )
    duty = live[0] if live else None
    if duty is None and order.replaces_order_id is not None:
        duty = _continue_interim_duty(uow, order, at, actor, reason)
    if duty is None:
        duty = _new_duty(order, *where)
        uow.notification_duties.add(duty, reason=reason)
    if order.replaces_order_id is not None and duty.served_on is not None:
        return duty  # the interim order was served: nothing restarts (s.9(1)(a))
    fired = duty_lifecycle.record_service(duty, at=at, actor=actor.actor_id)
    _record(uow, fired, duty.revision, reason)
    return fired.subject


# --- order commands -------------------------------------------------------------------


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
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("serve_order", orders=(order_id,))
        order = _order(uow, order_id, expected_revision)
        fired = making.serve_order(order, at=at, actor=actor.actor_id)
        _record(uow, fired, order.revision, reason)
        duty = _served_duty(uow, fired.subject, at, actor, (duty_id, local_police_area), reason)
        uow.commit()
    return CaseResult(order=fired.subject, duties=(duty,))


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
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("vary_order", orders=(order_id,))
        order = _order(uow, order_id, expected_revision)
        others = _other_live_orders(uow, order.defendant_id, order_id)
        if order.kind is OrderKind.INTERIM:
            _refuse_for_interim(
                order,
                until_further_order=until_further_order,
                necessary_to_protect=necessary_to_protect,
                home_force=home_force,
            )
            fired = interim_order.vary_interim_order(
                order,
                at=at,
                actor=actor.actor_id,
                applied_by=applied_by,
                terms=terms,
                duration=duration,
                other_live_orders=others,
                reason=reason,
            )
        else:
            fired = full_order.vary_order(
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
        _record(uow, fired, order.revision, reason)
        uow.commit()
    return CaseResult(order=fired.subject)


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
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("renew_order", orders=(order_id,))
        order = _order(uow, order_id, expected_revision)
        if order.kind is OrderKind.INTERIM:
            _refuse_for_interim(
                order, until_further_order=until_further_order, home_force=home_force
            )
            if duration is None:
                raise InvalidValueError(
                    "duration", None, "an interim order is renewed for a fixed period (s.5(6)(a))"
                )
            fired = interim_order.renew_interim_order(
                order,
                at=at,
                actor=actor.actor_id,
                applied_by=applied_by,
                duration=duration,
                reason=reason,
            )
        else:
            fired = full_order.renew_order(
                order,
                at=at,
                actor=actor.actor_id,
                applied_by=applied_by,
                duration=duration,
                until_further_order=until_further_order,
                home_force=home_force,
                reason=reason,
            )
        _record(uow, fired, order.revision, reason)
        uow.commit()
    return CaseResult(order=fired.subject)


def _end(
    store: Store,
    order_id: str,
    fire: Callable[[Order], Fired[Order]],
    *,
    at: pendulum.DateTime,
    actor: Actor,
    expected_revision: int | None,
    reason: str,
) -> CaseResult:
    """Fire an event that ends the order, and end its duties in the same transaction."""
    with store.unit_of_work(actor, at=at) as uow:
        order = _order(uow, order_id, expected_revision)
        fired = fire(order)
        _record(uow, fired, order.revision, reason)
        duties = _end_duties(uow, fired.subject, at, actor, reason)
        uow.commit()
    return CaseResult(order=fired.subject, duties=tuple(duties))


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
    authorised(store, actor, "discharge_order", at=at, orders=(order_id,))
    parties, who = tuple(consents), actor.actor_id

    def discharge(order: Order) -> Fired[Order]:
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

    return _end(
        store,
        order_id,
        discharge,
        at=at,
        actor=actor,
        expected_revision=expected_revision,
        reason=reason,
    )


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
    authorised(store, actor, "expire_order", at=at, orders=(order_id,))
    fire = functools.partial(making.expire_order, at=at, actor=actor.actor_id)
    return _end(
        store,
        order_id,
        fire,
        at=at,
        actor=actor,
        expected_revision=expected_revision,
        reason=reason,
    )


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
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("lodge_appeal", orders=(order_id,))
        order = _order(uow, order_id, expected_revision)
        fired = making.lodge_appeal(
            order,
            at=at,
            actor=actor.actor_id,
            appellant=appellant,
            against=against,
            home_force=home_force,
            appellant_believes_defendant_in_area=appellant_believes_defendant_in_area,
        )
        _record(uow, fired, order.revision, reason)
        uow.commit()
    return CaseResult(order=fired.subject)


def _restored_duties(
    uow: UnitOfWork, order: Order, actor: Actor, reason: str
) -> list[NotificationDuty]:
    """The duty the discharge ended runs on under the restored order (SPA2019 s.7(4), s.9(1))."""
    if _live_duties(uow, order.order_id) or not order.not_in_force:
        return []
    start, stop = order.not_in_force[-1]
    ended = [
        d
        for d in _duties(uow, order.order_id)
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
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("decide_appeal", orders=(order_id,))
        order = _order(uow, order_id, expected_revision)
        who = actor.actor_id
        if decided is AppealOutcome.VARIED:
            fired = making.vary_on_appeal(
                order,
                at=at,
                actor=who,
                terms=terms,
                duration=duration,
                until_further_order=until_further_order,
                other_live_orders=_other_live_orders(uow, order.defendant_id, order_id),
                reason=reason,
            )
        else:
            fired = _APPEAL_CALLS[decided](order, at=at, actor=who)
        _record(uow, fired, order.revision, reason)
        duties: list[NotificationDuty] = []
        if decided in (AppealOutcome.QUASHED, AppealOutcome.DISCHARGED):
            duties = _end_duties(uow, fired.subject, at, actor, reason)
        elif decided is AppealOutcome.RESTORED:
            duties = _restored_duties(uow, fired.subject, actor, reason)
        uow.commit()
    return CaseResult(order=fired.subject, duties=tuple(duties))


_APPEAL_CALLS: Final = {
    AppealOutcome.DISMISSED: making.dismiss_appeal,
    AppealOutcome.QUASHED: making.quash_on_appeal,
    AppealOutcome.DISCHARGED: full_order.discharge_on_appeal,
    AppealOutcome.RESTORED: full_order.restore_on_appeal,
}


# --- application commands -------------------------------------------------------------


def _live_interims(uow: UnitOfWork, application_id: str) -> list[Order]:
    """The application's interim orders still live, oldest made first."""
    ids = uow.orders.ids_where("application_id", application_id)
    found = uow.orders.get_many(ids).values()
    live = [o for o in found if o.kind is OrderKind.INTERIM and o.state.live]
    return sorted(live, key=lambda o: (o.made_at.timestamp(), o.order_id))


def _end_interims(
    uow: UnitOfWork,
    interims: Iterable[Order],
    outcome: interim_order.MainOutcome,
    application_id: str,
    at: pendulum.DateTime,
    actor: Actor,
    reason: str,
) -> tuple[list[Order], list[NotificationDuty]]:
    """Each live interim order ceases on the determination (SPA2019 s.5(6)(b)); one whose
    fixed period is already over is recorded as expired (s.5(6)(a)); their duties end."""
    ended, duties = [], []
    for order in interims:
        if order.in_force_at(at):
            fired = interim_order.cease_on_determination(
                order,
                at=at,
                actor=actor.actor_id,
                outcome=outcome,
                application_id=application_id,
            )
        else:
            fired = making.expire_order(order, at=at, actor=actor.actor_id)
        _record(uow, fired, order.revision, reason)
        ended.append(fired.subject)
        duties += _end_duties(uow, fired.subject, at, actor, reason)
    return ended, duties


def _determine(
    store: Store,
    application_id: str,
    fire: Callable[[Application], Fired[Application]],
    outcome: interim_order.MainOutcome,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    expected_revision: int | None,
    reason: str,
) -> CaseResult:
    with store.unit_of_work(actor, at=at) as uow:
        found = _application(uow, application_id, expected_revision)
        fired = fire(found)
        _record(uow, fired, found.revision, reason)
        interims = _live_interims(uow, application_id)
        ceased, duties = _end_interims(uow, interims, outcome, application_id, at, actor, reason)
        uow.commit()
    return CaseResult(application=fired.subject, duties=tuple(duties), ceased=tuple(ceased))


def refuse_application(
    store: Store,
    application_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    findings: CourtFindings | None = None,
    note: str = "",
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """The court refuses the application; its live interim orders cease (SPA2019 s.5(6)(b)).

    In one transaction: the application is REFUSED, each live interim order made
    on it ceases (or, past its fixed period, is recorded as expired), and their
    notification duties end (s.9(1)).

    Args:
        application_id: the application refused.
        findings: the court's s.2(1) findings, if recorded.
        note: the court's note.
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The application, the interim orders ended and their ended duties.

    Raises:
        NotFoundError: no such application.
        ConcurrencyConflictError: the application is not at ``expected_revision``.
        IllegalTransitionError: the application is not pending.
    """
    authorised(store, actor, "refuse_application", at=at)
    fire = functools.partial(
        app_lifecycle.refuse_application, at=at, actor=actor.actor_id, findings=findings, note=note
    )
    return _determine(
        store,
        application_id,
        fire,
        interim_order.MainOutcome.REFUSED,
        at=at,
        actor=actor,
        expected_revision=expected_revision,
        reason=reason,
    )


def withdraw_application(
    store: Store,
    application_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    note: str = "",
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """The application is withdrawn; its live interim orders cease with it.

    The Act is silent on withdrawal (SPA2019 s.5(6)(b) names determination);
    the library's OPEN choice, as in
    :mod:`~spo_tracker.domain.lifecycles.interim_order`, is that an interim
    order exists only while an application is pending, so it ceases, and its
    duty ends (s.9(1)).

    Args:
        application_id: the application withdrawn.
        note: why, for the record.
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The application, the interim orders ended and their ended duties.

    Raises:
        NotFoundError: no such application.
        ConcurrencyConflictError: the application is not at ``expected_revision``.
        IllegalTransitionError: the application is already determined.
    """
    authorised(store, actor, "withdraw_application", at=at)
    fire = functools.partial(
        app_lifecycle.withdraw_application, at=at, actor=actor.actor_id, note=note
    )
    return _determine(
        store,
        application_id,
        fire,
        interim_order.MainOutcome.WITHDRAWN,
        at=at,
        actor=actor,
        expected_revision=expected_revision,
        reason=reason,
    )


def grant_application(
    store: Store,
    application_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    findings: CourtFindings,
    order_id: str,
    terms: Iterable[Term],
    duration: Duration | None,
    court: str | None = None,
    protected_person_ids: Iterable[str] | None = None,
    origin: OrderOrigin | str = OrderOrigin.POLICE_APPLICATION,
    protected_persons: Iterable[ProtectedPerson] = (),
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """The court grants the application and makes the full order, in one transaction.

    The application is GRANTED naming the order (SPA2019 s.2(1)); the order is
    made on it at ``at`` (:func:`~spo_tracker.domain.lifecycles.make_order`:
    period s.3(2), terms against the defendant's other live orders s.2(6)-(7)),
    replacing the latest live interim order made on the application, which
    ceases (s.5(6)(b)) while its notification duty runs on under the full order
    (s.9(1)(a): the initial notification is not restarted). Any other live
    interim order on the application ceases too, and its duty ends (s.9(1)).

    Args:
        findings: the court's s.2(1) findings (all three needed).
        order_id: the id of the full order made.
        terms, duration: the order's terms and fixed period (``None``: until further
            order, s.3(1)(b)).
        court: the court that made it (default: the application's court).
        protected_person_ids: whom it protects (default: the application's persons).
        protected_persons: persons with restricted details, for the safety warnings.
        origin: how the order came about.
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The application, the order made, the interim orders ended, the duties
        continued or ended, and the order's warnings.

    Raises:
        NotFoundError: no such application.
        ConcurrencyConflictError: the application is not at ``expected_revision``.
        GuardRejectedError: a s.2(1) finding not met.
        OrderPeriodError, IncompatibleTermError, InvalidValueError: the order
            breaks a rule of the Act (nothing is written).
    """
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("grant_application")
        found = _application(uow, application_id, expected_revision)
        fired = app_lifecycle.grant_application(
            found, at=at, actor=actor.actor_id, findings=findings, order_id=order_id
        )
        _record(uow, fired, found.revision, reason)
        interims = [o for o in _live_interims(uow, application_id) if o.in_force_at(at)]
        replaces = interims[-1] if interims else None
        made = making.make_order(
            order_id=order_id,
            kind=OrderKind.FULL,
            defendant_id=found.defendant_id,
            protected_person_ids=tuple(
                found.protected_person_ids if protected_person_ids is None else protected_person_ids
            ),
            applicant=found.applicant,
            court=court if court is not None else found.court,
            made_at=at,
            terms=terms,
            duration=duration,
            origin=origin,
            application_id=application_id,
            replaces=replaces,
            other_live_orders=_other_live_orders(uow, found.defendant_id, order_id),
            reason=reason,
            protected_persons=protected_persons,
        )
        uow.orders.add(made.order, reason=reason)
        ceased: list[Order] = []
        duties: list[NotificationDuty] = []
        if made.ceased is not None and replaces is not None:
            _record(uow, made.ceased, replaces.revision, reason)
            ceased.append(made.ceased.subject)
            continued = _continue_interim_duty(uow, made.order, at, actor, reason)
            duties += [] if continued is None else [continued]
        gone = None if replaces is None else replaces.order_id
        others = [o for o in _live_interims(uow, application_id) if o.order_id != gone]
        more, ended = _end_interims(
            uow, others, interim_order.MainOutcome.GRANTED, application_id, at, actor, reason
        )
        uow.commit()
    return CaseResult(
        order=made.order,
        application=fired.subject,
        duties=(*duties, *ended),
        ceased=(*ceased, *more),
        warnings=made.warnings,
    )


def decide_interim(
    store: Store,
    application_id: str,
    *,
    at: pendulum.DateTime,
    actor: Actor,
    granted: bool,
    order_id: str | None = None,
    terms: Iterable[Term] = (),
    duration: Duration | None = None,
    court: str | None = None,
    protected_person_ids: Iterable[str] | None = None,
    protected_persons: Iterable[ProtectedPerson] = (),
    expected_revision: int | None = None,
    reason: str = "",
) -> CaseResult:
    """The court decides the interim application; if granted, the interim order is made.

    In one transaction: the application records the decision (SPA2019 s.5(3))
    and, when granted, the interim order is made on it at ``at`` for a fixed
    period (s.5(6)(a)), its terms checked against the defendant's other live
    orders (s.2(6)-(7)). Its notification duty opens when it is served
    (:func:`serve_order`, s.9(1)).

    Args:
        granted: whether the court made the interim order.
        order_id, terms, duration: the interim order made (required when granted).
        court, protected_person_ids: default to the application's.
        protected_persons: persons with restricted details, for the safety warnings.
        application_id: the application with the interim application pending.
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.

    Returns:
        The application and, when granted, the interim order made and its warnings.

    Raises:
        NotFoundError: no such application.
        ConcurrencyConflictError: the application is not at ``expected_revision``.
        IllegalTransitionError: no interim application is pending.
        InvalidValueError: an order id or terms given with a refusal, or missing with a grant.
        OrderPeriodError, IncompatibleTermError: the interim order breaks a rule of the Act.
    """
    terms = tuple(terms)
    if not granted and (order_id is not None or terms or duration is not None):
        raise InvalidValueError(
            "order_id", order_id, "a refused interim application makes no interim order"
        )
    if granted and order_id is None:
        raise InvalidValueError("order_id", None, "name the interim order the court makes")
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("decide_interim")
        found = _application(uow, application_id, expected_revision)
        fired = app_lifecycle.decide_interim(
            found, at=at, actor=actor.actor_id, granted=granted, interim_order_id=order_id
        )
        _record(uow, fired, found.revision, reason)
        made = None
        if granted and order_id is not None:
            made = making.make_order(
                order_id=order_id,
                kind=OrderKind.INTERIM,
                defendant_id=found.defendant_id,
                protected_person_ids=tuple(
                    found.protected_person_ids
                    if protected_person_ids is None
                    else protected_person_ids
                ),
                applicant=found.applicant,
                court=court if court is not None else found.court,
                made_at=at,
                terms=terms,
                duration=duration,
                application_id=application_id,
                other_live_orders=_other_live_orders(uow, found.defendant_id, order_id),
                reason=reason,
                protected_persons=protected_persons,
            )
            uow.orders.add(made.order, reason=reason)
        uow.commit()
    if made is None:
        return CaseResult(application=fired.subject)
    return CaseResult(order=made.order, application=fired.subject, warnings=made.warnings)
