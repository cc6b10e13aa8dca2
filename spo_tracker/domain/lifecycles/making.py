"""Making orders, and the order events that read the same for interim and full orders.

:func:`make_order` is the one way to build an order that checks the Act: its
period (SPA2019 s.3(2) for a full order, s.5(6)(a) for an interim one), its
terms against the defendant's other live orders (s.2(6)-(7)), and the link
from a full order to the interim order it replaces (s.9(1)(a)). Terms shorter
than 2 years in a full order are an OPEN point (s.3(3)): they are allowed and
returned as warnings, never raised and never sent to the ``warnings`` module.

The other functions dispatch on :attr:`Order.kind` to the interim-order or
full-order machine, for the events both lifecycles share.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.lifecycles import full_order, interim_order
from spo_tracker.domain.lifecycles._orders import made_on, period_for, to_terms
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderVersion,
    VersionCause,
    check_fixed_period,
    check_terms_compatible,
)
from spo_tracker.domain.people import ChiefOfficer, ProtectedPerson
from spo_tracker.domain.safety import DEFAULT_DISTANCE_M, SAFETY_SECTION, exposure_warnings
from spo_tracker.domain.statemachine import Fired, Machine
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.terms import Term
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "SHORT_TERM_SECTION",
    "MadeOrder",
    "OpenPointWarning",
    "dismiss_appeal",
    "expire_order",
    "lodge_appeal",
    "machine_for",
    "make_order",
    "quash_on_appeal",
    "safety_warnings",
    "serve_order",
    "vary_on_appeal",
]

#: The OPEN point a short term is reported under.
SHORT_TERM_SECTION: Final = "SPA2019 s.3(3)"


@attrs.frozen
class OpenPointWarning:
    """A rule the Act leaves open, met by this order: allowed, but worth a look.

    Attributes:
        section: the section the OPEN point is about.
        subject: what it concerns, e.g. a term id.
        message: plain English, naming the value.
    """

    section: str
    subject: str
    message: str


@attrs.frozen
class MadeOrder:
    """An order as made, the OPEN-point warnings it raised, and the interim order it ended.

    Attributes:
        order: the new order, in state MADE.
        warnings: OPEN-point and victim-safety warnings.
        ceased: for a full order made with ``replaces=``: the interim order ceasing
            on the determination of the main application (SPA2019 s.5(6)(b)),
            with its transition record. Store it with the new order, so the
            interim order is not left in force beside it.
    """

    order: Order
    warnings: tuple[OpenPointWarning, ...] = ()
    ceased: Fired[Order] | None = None


def _kind(value: object) -> OrderKind:
    if isinstance(value, OrderKind):
        return value
    try:
        return OrderKind(value)
    except ValueError:
        raise UnknownCodeError("kind", value, [k.value for k in OrderKind]) from None


def _origin(value: object) -> OrderOrigin:
    if isinstance(value, OrderOrigin):
        return value
    try:
        return OrderOrigin(value)
    except ValueError:
        raise UnknownCodeError("origin", value, [o.value for o in OrderOrigin]) from None


def _check_replaces(
    kind: OrderKind,
    defendant_id: str,
    application_id: str | None,
    at: pendulum.DateTime,
    replaces: Order | None,
) -> None:
    """A full order replaces a live interim order on the same defendant and application.

    An interim order ceases when the main application is determined (SPA2019
    s.5(6)(b)), which is when the full order is made: it must still be in force
    then. One that had already ended (expired, discharged, ceased) is not
    replaced, and the full order's duty to notify starts afresh (s.9(1)).
    """
    if replaces is None:
        return
    if kind is not OrderKind.FULL or replaces.kind is not OrderKind.INTERIM:
        raise InvalidValueError(
            "replaces",
            replaces.order_id,
            f"only a full order replaces an interim one (SPA2019 s.9(1)(a)); got a {kind.value} "
            f"order replacing a {replaces.kind.value} one",
        )
    if replaces.defendant_id != defendant_id:
        raise InvalidValueError(
            "replaces", replaces.order_id, f"is an order on {replaces.defendant_id!r}"
        )
    if replaces.application_id is None or replaces.application_id != application_id:
        raise InvalidValueError(
            "replaces",
            replaces.order_id,
            f"was made on application {replaces.application_id!r}, not application_id="
            f"{application_id!r}: a full order replaces the interim order on its own main "
            "application (SPA2019 s.5(1), s.5(6)(b))",
        )
    if not (replaces.state.live and replaces.in_force_at(at)):
        raise InvalidValueError(
            "replaces",
            replaces.order_id,
            f"is {replaces.state.value} and not in force at made_at {at.isoformat()}: an "
            "interim order that has ended is not replaced; make the full order without "
            "replaces= (its own notification duty starts at service, SPA2019 s.5(6), s.9(1))",
        )


def _interim_needs_application(kind: OrderKind, application_id: str | None) -> None:
    if kind is OrderKind.INTERIM and application_id is None:
        raise InvalidValueError(
            "application_id",
            None,
            "an interim order is made on a pending application for an order (SPA2019 s.5(1))",
        )


def _cease(replaces: Order | None, at: pendulum.DateTime, court: str) -> Fired[Order] | None:
    """The replaced interim order ceases as the main application is granted (s.5(6)(b))."""
    if replaces is None:
        return None
    assert replaces.application_id is not None  # _check_replaces required it
    return interim_order.cease_on_determination(
        replaces,
        at=at,
        actor=court,
        outcome=interim_order.MainOutcome.GRANTED,
        application_id=replaces.application_id,
    )


def _short_terms(
    kind: OrderKind, made: pendulum.Date, terms: tuple[Term, ...]
) -> list[OpenPointWarning]:
    if kind is not OrderKind.FULL:
        return []  # interim orders have no minimum period at all (s.5(6)(a))
    return [
        OpenPointWarning(
            SHORT_TERM_SECTION,
            term.term_id,
            f"term {term.term_id} ends on {term.period.last_day}, less than 2 years beginning "
            f"with {made} (OPEN point: allowed, check it is intended)",
        )
        for term in terms
        if term.period is not None and term.short_of_two_years(made)
    ]


def safety_warnings(
    order: Order,
    protected_persons: Iterable[ProtectedPerson],
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
) -> tuple[OpenPointWarning, ...]:
    """Victim-safety warnings on ``order``'s current terms, as OPEN-point warnings.

    :func:`~spo_tracker.domain.safety.exposure_warnings` under the section
    ``victim safety`` (not a rule of the Act): a zone centre or corner near a
    protected person's home or known place, or term text naming their postcode
    or street. Made orders get them from :func:`make_order`; run this on the
    result of a variation (``fired.subject``), whose record carries no warnings.
    """
    found = exposure_warnings(order, protected_persons, distance_m=distance_m)
    return tuple(OpenPointWarning(SAFETY_SECTION, w.term_id, w.message) for w in found)


def make_order(
    *,
    order_id: str,
    kind: OrderKind | str,
    defendant_id: str,
    protected_person_ids: Iterable[str],
    applicant: ChiefOfficer,
    court: str,
    made_at: pendulum.DateTime,
    terms: Iterable[Term],
    duration: Duration | None,
    origin: OrderOrigin | str = OrderOrigin.POLICE_APPLICATION,
    application_id: str | None = None,
    replaces: Order | None = None,
    other_live_orders: Iterable[Order] = (),
    reason: str = "",
    protected_persons: Iterable[ProtectedPerson] = (),
) -> MadeOrder:
    """Make an interim or full order: version 1, checked against the Act.

    Args:
        duration: the fixed period, beginning with the day made; ``None`` for a
            full order until further order (s.3(1)(b)); required for an interim one.
        application_id: the application the order is made on; required for an
            interim order (s.5(1)) and, with ``replaces``, the interim order's.
        replaces: the live interim order a full order replaces (s.9(1)(a)); it
            ceases at ``made_at`` (s.5(6)(b)) and is returned as ``ceased``.
        other_live_orders: the defendant's other live orders (s.2(6)-(7)); the one
            replaced is not compared, since it ceases (s.5(6)(b)).
        protected_persons: the protected persons with their restricted details, to
            check the terms against (:func:`safety_warnings`); none: no check.

    Returns:
        The order in state MADE, any OPEN-point warnings (s.3(3) short terms,
        then victim-safety warnings) and the replaced interim order, ceased.

    Raises:
        NaiveDatetimeError: ``made_at`` has no time zone.
        UnknownCodeError: ``kind`` or ``origin`` is not a known code.
        OrderPeriodError: no fixed period for an interim order (s.5(6)(a)), or a full
            order fixed for less than 2 years beginning with the day made (s.3(2)).
        IncompatibleTermError: a term clashes with another live order (s.2(6)-(7)).
        InvalidValueError: a bad applicant or term list; an interim order without an
            application (s.5(1)); ``replaces`` not a live interim order on the same
            defendant and application at ``made_at`` (s.5(6)(b)).
        GuardRejectedError: the interim order cannot cease at ``made_at`` (an event
            recorded on it after that time).
    """
    order_kind, at = _kind(kind), ensure_aware(made_at, field="made_at")
    if not isinstance(applicant, ChiefOfficer):
        raise InvalidValueError("applicant", applicant, "must be a ChiefOfficer (SPA2019 s.1(1))")
    _interim_needs_application(order_kind, application_id)
    _check_replaces(order_kind, defendant_id, application_id, at, replaces)
    day, new_terms = made_on(at), to_terms(terms) or ()
    period = period_for(duration, day) if duration is not None else None
    check_fixed_period(order_kind, day, period)
    skip = {order_id, replaces.order_id if replaces is not None else order_id}
    others = [
        o
        for o in other_live_orders
        if o.state.live and o.defendant_id == defendant_id and o.order_id not in skip
    ]
    check_terms_compatible(new_terms, others)
    version = OrderVersion(1, VersionCause.MADE, day, duration, period, new_terms, reason)
    order = Order(
        order_id=order_id,
        kind=order_kind,
        origin=_origin(origin),
        defendant_id=defendant_id,
        protected_person_ids=protected_person_ids,  # as given: the converter refuses a str
        applicant=applicant,
        court=court,
        made_at=at,
        versions=(version,),
        application_id=application_id,
        replaces_order_id=replaces.order_id if replaces is not None else None,
    )
    short = _short_terms(order_kind, day, new_terms)
    warnings = (*short, *safety_warnings(order, protected_persons))
    return MadeOrder(order, warnings, _cease(replaces, at, court))


# --- events both order lifecycles share ---------------------------------------


def machine_for(order: Order) -> Machine[Any, Any, Order, Any]:
    """The lifecycle machine for ``order``'s kind."""
    return interim_order.MACHINE if order.kind is OrderKind.INTERIM else full_order.MACHINE


def _fire(
    order: Order, event: str, at: pendulum.DateTime, actor: str, **payload: Any
) -> Fired[Order]:
    if order.kind is OrderKind.INTERIM:
        if payload.pop("until_further_order", False):
            raise InvalidValueError(
                "until_further_order", True, "an interim order has a fixed period (s.5(6)(a))"
            )
        icmd = interim_order.InterimOrderCommand(event, at, actor, **payload)
        return interim_order.MACHINE.fire(order, icmd)
    fcmd = full_order.FullOrderCommand(event, at, actor, **payload)
    return full_order.MACHINE.fire(order, fcmd)


def serve_order(order: Order, *, at: pendulum.DateTime, actor: str) -> Fired[Order]:
    """Record service of an interim or full order on the defendant."""
    return _fire(order, "SERVE", at, actor)


def expire_order(order: Order, *, at: pendulum.DateTime, actor: str) -> Fired[Order]:
    """Record that a fixed order's period is over (ended at the period's end)."""
    return _fire(order, "EXPIRE", at, actor)


_DEFENDANT: Final = Party.defendant()
_MAKING: Final = AppealAgainst.making()


def lodge_appeal(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    appellant: Party = _DEFENDANT,
    against: AppealAgainst = _MAKING,
    home_force: ChiefOfficer | None = None,
    appellant_believes_defendant_in_area: bool = False,
) -> Fired[Order]:
    """An appeal to the Crown Court is lodged (SPA2019 s.7(1)-(3)); the order stays in force.

    The guards refuse an appellant s.7 does not allow for the decision. The
    record (``Fired.record``) is an :class:`~spo_tracker.domain.lifecycles.parties.AppealRecord`
    naming the appellant, the decision and the paragraph of s.7 that applies.

    Args:
        appellant: who appeals; by default the defendant.
        against: the decision appealed against; by default the making of the
            order (s.7(1)(a) full, s.7(1)(b) interim).
        home_force, appellant_believes_defendant_in_area: for a chief officer's
            appeal against a s.4 order on a full order, whether they are a relevant
            chief officer (s.7(3), s.14(1)).

    Raises:
        GuardRejectedError: naming the guard, its section, the appellant and the decision.
        InvalidValueError: s.7(3) facts given for an interim order (it has no s.4 orders).
    """
    payload: dict[str, Any] = {"appellant": appellant, "against": against}
    if order.kind is OrderKind.FULL:
        payload["home_force"] = home_force
        payload["applicant_believes_defendant_in_area"] = appellant_believes_defendant_in_area
    elif home_force is not None or appellant_believes_defendant_in_area:
        shown = home_force.key if home_force is not None else appellant_believes_defendant_in_area
        raise InvalidValueError(
            "home_force", shown, "s.7(3) is about s.4 orders, which an interim order never has"
        )
    return _fire(order, "LODGE_APPEAL", at, actor, **payload)


def dismiss_appeal(order: Order, *, at: pendulum.DateTime, actor: str) -> Fired[Order]:
    """The Crown Court confirms the order (SPA2019 s.7(4))."""
    return _fire(order, "APPEAL_DISMISSED", at, actor)


def quash_on_appeal(order: Order, *, at: pendulum.DateTime, actor: str) -> Fired[Order]:
    """The Crown Court quashes the order (SPA2019 s.7(4))."""
    return _fire(order, "APPEAL_QUASHED", at, actor)


def vary_on_appeal(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    terms: Iterable[Term] | None = None,
    duration: Duration | None = None,
    until_further_order: bool = False,
    other_live_orders: Iterable[Order] = (),
    reason: str = "",
) -> Fired[Order]:
    """The Crown Court varies the order (SPA2019 s.7(4)); appends a version."""
    return _fire(
        order,
        "APPEAL_VARIED",
        at,
        actor,
        terms=to_terms(terms),
        duration=duration,
        until_further_order=until_further_order,
        other_live_orders=tuple(other_live_orders),
        reason=reason,
    )
