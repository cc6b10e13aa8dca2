"""Commands on an application: refuse, withdraw or grant it, decide an interim application.

Determining an application (grant, refusal; withdrawal, the library's OPEN
choice) ceases its live interim orders and ends their notification duties in
the same transaction (SPA2019 s.5(6)(b), s.9(1)); a grant makes the full order,
which replaces the latest of them and carries its duty on (s.9(1)(a)). A
granted interim application makes the interim order (s.5(3), s.5(6)(a)).
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from spo_tracker.casework._commands import CaseResult, Command, Tie, other_live_orders, record
from spo_tracker.casework._duties import continue_interim_duty, end_duties
from spo_tracker.domain.lifecycles import application as app_lifecycle
from spo_tracker.domain.lifecycles import interim_order, making
from spo_tracker.domain.lifecycles.application import Application, CourtFindings
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderKind, OrderOrigin
from spo_tracker.domain.people import ProtectedPerson
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.terms import Term
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = [
    "decide_interim",
    "grant_application",
    "refuse_application",
    "withdraw_application",
]


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
        record(uow, fired, order.revision, reason)
        ended.append(fired.subject)
        duties += end_duties(uow, fired.subject, at, actor, reason)
    return ended, duties


def _interims_cease(
    outcome: interim_order.MainOutcome, at: pendulum.DateTime, actor: Actor, reason: str
) -> Tie[Application]:
    """The tie of a refusal or withdrawal: the application's live interim orders end."""

    def tie(uow: UnitOfWork, application: Application) -> CaseResult:
        key = application.application_id
        interims = _live_interims(uow, key)
        ceased, duties = _end_interims(uow, interims, outcome, key, at, actor, reason)
        return CaseResult(duties=tuple(duties), ceased=tuple(ceased))

    return tie


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

    def fire(_: UnitOfWork, found: Application) -> Fired[Application]:
        return app_lifecycle.refuse_application(
            found, at=at, actor=actor.actor_id, findings=findings, note=note
        )

    ceasing = _interims_cease(interim_order.MainOutcome.REFUSED, at, actor, reason)
    command = Command(store, at, actor, expected_revision, reason)
    return command.on_application("refuse_application", application_id, fire, ceasing)


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

    def fire(_: UnitOfWork, found: Application) -> Fired[Application]:
        return app_lifecycle.withdraw_application(found, at=at, actor=actor.actor_id, note=note)

    ceasing = _interims_cease(interim_order.MainOutcome.WITHDRAWN, at, actor, reason)
    command = Command(store, at, actor, expected_revision, reason)
    return command.on_application("withdraw_application", application_id, fire, ceasing)


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

    def fire(_: UnitOfWork, found: Application) -> Fired[Application]:
        return app_lifecycle.grant_application(
            found, at=at, actor=actor.actor_id, findings=findings, order_id=order_id
        )

    def tie(uow: UnitOfWork, found: Application) -> CaseResult:
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
            other_live_orders=other_live_orders(uow, found.defendant_id, order_id),
            reason=reason,
            protected_persons=protected_persons,
        )
        uow.orders.add(made.order, reason=reason)
        ceased: list[Order] = []
        duties: list[NotificationDuty] = []
        if made.ceased is not None and replaces is not None:
            record(uow, made.ceased, replaces.revision, reason)
            ceased.append(made.ceased.subject)
            continued = continue_interim_duty(uow, made.order, at, actor, reason)
            duties += [] if continued is None else [continued]
        gone = None if replaces is None else replaces.order_id
        others = [o for o in _live_interims(uow, application_id) if o.order_id != gone]
        more, ended = _end_interims(
            uow, others, interim_order.MainOutcome.GRANTED, application_id, at, actor, reason
        )
        return CaseResult(
            order=made.order,
            duties=(*duties, *ended),
            ceased=(*ceased, *more),
            warnings=made.warnings,
        )

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_application("grant_application", application_id, fire, tie)


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

    def fire(_: UnitOfWork, found: Application) -> Fired[Application]:
        return app_lifecycle.decide_interim(
            found, at=at, actor=actor.actor_id, granted=granted, interim_order_id=order_id
        )

    def tie(uow: UnitOfWork, found: Application) -> CaseResult:
        if not granted or order_id is None:
            return CaseResult()
        made = making.make_order(
            order_id=order_id,
            kind=OrderKind.INTERIM,
            defendant_id=found.defendant_id,
            protected_person_ids=tuple(
                found.protected_person_ids if protected_person_ids is None else protected_person_ids
            ),
            applicant=found.applicant,
            court=court if court is not None else found.court,
            made_at=at,
            terms=terms,
            duration=duration,
            application_id=application_id,
            other_live_orders=other_live_orders(uow, found.defendant_id, order_id),
            reason=reason,
            protected_persons=protected_persons,
        )
        uow.orders.add(made.order, reason=reason)
        return CaseResult(order=made.order, warnings=made.warnings)

    command = Command(store, at, actor, expected_revision, reason)
    return command.on_application("decide_interim", application_id, fire, tie)
