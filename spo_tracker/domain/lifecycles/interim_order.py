"""The interim Stalking Protection Order lifecycle (SPA2019 s.5, s.7).

An interim order runs for a fixed period only, with no minimum
(s.5(6)(a)), and ceases when the main application is determined (s.5(6)(b)).
The defendant or the chief officer who applied may have it varied, renewed or
discharged (s.5(7)-(8)); there is no 2-year bar on discharge. An appeal to the
Crown Court (s.7) is a flag on the live order, never a state: nothing stays the
order while it is pending. Only the defendant appeals, and only against the
making of the interim order (s.7(1)(b)): its variation, renewal or discharge is
made under s.5(7), not s.4, and s.7 lists no appeal against those.

**OPEN (s.5(6)(b)), the library's choice:** withdrawal of the main application
also ends the interim order, exactly as its grant or refusal does
(``MainOutcome.WITHDRAWN``): an interim order exists only to protect while an
application is pending.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.lifecycles import _order_effects as effects
from spo_tracker.domain.lifecycles import _orders as shared
from spo_tracker.domain.lifecycles._order_effects import quashed, renewed, varied, varied_on_appeal
from spo_tracker.domain.lifecycles._support import (
    PROBE_ACTOR,
    row,
    state_setter,
    to_event,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderState,
)
from spo_tracker.domain.statemachine import Fired, Guard, Transition
from spo_tracker.domain.terms import Term
from spo_tracker.domain.validators import aware_at, non_empty_text
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "MACHINE",
    "TABLE",
    "InterimOrderCommand",
    "InterimOrderEvent",
    "MainOutcome",
    "Order",
    "OrderState",
    "applicant_may_apply",
    "cease_on_determination",
    "discharge_interim_order",
    "main_application_determined",
    "renew_interim_order",
    "renewal_extends_period",
    "serve_interim_order",
    "vary_interim_order",
]


class InterimOrderEvent(enum.Enum):
    """What can happen to an interim order."""

    SERVE = "serve"
    VARY = "vary"
    RENEW = "renew"
    DISCHARGE = "discharge"
    EXPIRE = "expire"
    MAIN_APPLICATION_DETERMINED = "main_application_determined"
    LODGE_APPEAL = "lodge_appeal"
    APPEAL_DISMISSED = "appeal_dismissed"
    APPEAL_VARIED = "appeal_varied"
    APPEAL_QUASHED = "appeal_quashed"


class MainOutcome(enum.Enum):
    """How the main application was determined (s.5(6)(b); WITHDRAWN is the OPEN choice)."""

    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


def _event(value: object) -> InterimOrderEvent:
    return to_event(InterimOrderEvent, value)


def _outcome(value: object) -> MainOutcome | None:
    """Converter: ``None``, a :class:`MainOutcome`, or its value or name as text.

    Raises:
        UnknownCodeError: naming the value and the known outcomes.
    """
    if value is None or isinstance(value, MainOutcome):
        return value
    if isinstance(value, str):
        for member in MainOutcome:
            if value in (member.value, member.name):
                return member
    raise UnknownCodeError("main_outcome", value, [m.value for m in MainOutcome])


@attrs.frozen
class InterimOrderCommand:
    """An event on an interim order, with its payload.

    Attributes:
        applied_by: VARY, RENEW, DISCHARGE: who applied (s.5(7)).
        appellant, against: LODGE_APPEAL: who appeals, against which decision (s.7(1)(b)).
        terms: VARY, RENEW, APPEAL_VARIED: the new terms (``None``: unchanged).
        duration: the new fixed period, counted from the day the order was made.
        other_live_orders: the defendant's other live orders (s.2(6)-(7)).
        main_outcome, application_id: MAIN_APPLICATION_DETERMINED (s.5(6)(b)).
        reason: the court's note, kept on the new version.
    """

    event: InterimOrderEvent = attrs.field(converter=_event)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    actor: str = attrs.field(validator=non_empty_text)
    applied_by: Party | None = attrs.field(default=None, kw_only=True)
    appellant: Party | None = attrs.field(default=None, kw_only=True)
    against: AppealAgainst | None = attrs.field(default=None, kw_only=True)
    terms: tuple[Term, ...] | None = attrs.field(
        default=None, kw_only=True, converter=shared.to_terms
    )
    duration: Duration | None = attrs.field(default=None, kw_only=True)
    other_live_orders: tuple[Order, ...] = attrs.field(
        default=(), kw_only=True, converter=shared.to_orders
    )
    main_outcome: MainOutcome | None = attrs.field(default=None, kw_only=True, converter=_outcome)
    application_id: str | None = attrs.field(default=None, kw_only=True)
    reason: str = attrs.field(default="", kw_only=True)

    @property
    def until_further_order(self) -> bool:
        """Always ``False``: an interim order has a fixed period only (s.5(6)(a))."""
        return False


# --- guards -----------------------------------------------------------------


def applicant_may_apply(order: Order, cmd: InterimOrderCommand) -> str | None:
    """Only the defendant or the chief officer who applied may apply (s.5(7))."""
    who = cmd.applied_by
    if who is not None and (who.is_defendant or who.is_officer(order.applicant)):
        return None
    found = who.key if who is not None else None
    return (
        f"applied_by={found!r}: only the defendant or the chief officer who applied "
        f"({order.applicant.key}) may apply"
    )


def renewal_extends_period(order: Order, cmd: InterimOrderCommand) -> str | None:
    """A renewal states a longer fixed period than the current one (s.5(7))."""
    current = order.period
    if cmd.duration is None or current is None:
        return f"duration={cmd.duration!r}: a renewal states the new fixed period"
    _, proposed = shared.proposed_period(order, cmd)
    if proposed is None or proposed.last_day <= current.last_day:
        last = proposed.last_day if proposed is not None else None
        return f"duration={cmd.duration.render()}: ends {last}, not after {current.last_day}"
    return None


def main_application_determined(order: Order, cmd: InterimOrderCommand) -> str | None:
    """The main application this order depends on was determined (s.5(1), s.5(6)(b)).

    The command names the application, and it must be the one the interim order
    was made on: an order recorded without one (before the library required it)
    cannot be matched, so it is ended another way (discharge or expiry).
    """
    if cmd.main_outcome is None:
        return "main_outcome=None: say how the main application was determined"
    if order.application_id is None:
        return (
            f"application_id={cmd.application_id!r}: order {order.order_id!r} records no main "
            "application (s.5(1)), so its determination cannot be matched"
        )
    if cmd.application_id != order.application_id:
        return (
            f"application_id={cmd.application_id!r}: this interim order belongs to "
            f"{order.application_id!r}"
        )
    return None


_G = Guard[Order, InterimOrderCommand]
IN_PERIOD: Final = _G("within_fixed_period", "SPA2019 s.5(6)(a)", shared.within_fixed_period)
PERIOD_OVER: Final = _G(
    "fixed_period_has_ended", "SPA2019 s.5(6)(a)", shared.fixed_period_has_ended
)
CHRONO: Final = _G("in_chronological_order", "library", shared.in_chronological_order)
APPLICANT: Final = _G("applicant_may_apply", "SPA2019 s.5(7)", applicant_may_apply)
CHANGES: Final = _G("variation_changes_something", "library", shared.variation_changes_something)
NOT_OVER: Final = _G("new_period_not_already_over", "library", shared.new_period_not_already_over)
EXTENDS: Final = _G("renewal_extends_period", "SPA2019 s.5(7)", renewal_extends_period)
COMPATIBLE: Final = _G(
    "compatible_with_live_orders", "SPA2019 s.2(6)-(7)", shared.compatible_with_live_orders
)
DETERMINED: Final = _G(
    "main_application_determined", "SPA2019 s.5(1), s.5(6)(b)", main_application_determined
)
NO_APPEAL: Final = _G("no_appeal_pending", "SPA2019 s.7(1)", shared.no_appeal_pending)
APPEAL_NAMED: Final = _G(
    "appeal_decision_named", "SPA2019 s.7(1)-(3)", shared.appeal_decision_named
)
MAKING_APPEAL: Final = _G(
    "making_appealed_by_defendant", "SPA2019 s.7(1)(b)", shared.making_appealed_by_defendant
)
APPEAL: Final = _G("appeal_is_pending", "SPA2019 s.7(4)", shared.appeal_is_pending)


# --- effects ----------------------------------------------------------------


def _ceased(order: Order, cmd: InterimOrderCommand) -> dict[str, Any]:
    outcome = cmd.main_outcome.value if cmd.main_outcome is not None else "determined"
    return effects.ended(order, cmd.at, f"ceased: main application {outcome} (s.5(6)(b))")


St, Ev = OrderState, InterimOrderEvent
_Row = Transition[OrderState, InterimOrderEvent, Order, InterimOrderCommand]


def _live_rows(source: OrderState) -> tuple[_Row, ...]:
    # MADE and SERVED accept the same events; only SERVE moves between them.
    return (
        row(source, Ev.VARY, source, "SPA2019 s.5(7)-(8)",
            "varied on the application of the defendant or the chief officer; a new version",
            guards=(IN_PERIOD, APPLICANT, CHANGES, NOT_OVER, COMPATIBLE), changes=varied),
        row(source, Ev.RENEW, source, "SPA2019 s.5(7)-(8)",
            "renewed for a longer fixed period (no minimum); a new version",
            guards=(IN_PERIOD, APPLICANT, CHANGES, EXTENDS, COMPATIBLE), changes=renewed),
        row(source, Ev.DISCHARGE, St.DISCHARGED, "SPA2019 s.5(7)-(8)",
            "discharged on the application of the defendant or the chief officer; no 2-year bar",
            guards=(IN_PERIOD, APPLICANT), changes=effects.discharged),
        row(source, Ev.EXPIRE, St.EXPIRED, "SPA2019 s.5(6)(a)",
            "its fixed period is over", guards=(PERIOD_OVER,), changes=effects.expired),
        row(source, Ev.MAIN_APPLICATION_DETERMINED, St.CEASED, "SPA2019 s.5(6)(b)",
            "the main application is granted, refused or (OPEN choice) withdrawn",
            guards=(IN_PERIOD, DETERMINED), changes=_ceased),
        row(source, Ev.LODGE_APPEAL, source, "SPA2019 s.7(1)(b)",
            "the defendant appeals against the making to the Crown Court; the order stays "
            "in force", guards=(IN_PERIOD, NO_APPEAL, APPEAL_NAMED, MAKING_APPEAL),
            changes=effects.appealed),
        row(source, Ev.APPEAL_DISMISSED, source, "SPA2019 s.7(4)",
            "the Crown Court confirms the order", guards=(IN_PERIOD, APPEAL),
            changes=effects.appeal_dismissed),
        row(source, Ev.APPEAL_VARIED, source, "SPA2019 s.7(4)",
            "the Crown Court varies the order; a new version",
            guards=(IN_PERIOD, APPEAL, CHANGES, NOT_OVER, COMPATIBLE), changes=varied_on_appeal),
        row(source, Ev.APPEAL_QUASHED, St.QUASHED, "SPA2019 s.7(4)",
            "the Crown Court quashes the order", guards=(IN_PERIOD, APPEAL), changes=quashed),
    )  # fmt: skip


#: The interim-order lifecycle, one row per (state, event).
TABLE: Final[tuple[_Row, ...]] = (
    row(St.MADE, Ev.SERVE, St.SERVED, "SPA2019 s.9(1)",
        "served on the defendant: starts the notification clock",
        guards=(IN_PERIOD,), changes=effects.served),
    *_live_rows(St.MADE),
    *_live_rows(St.SERVED),
)  # fmt: skip


def _get_state(order: Order) -> OrderState:
    if order.kind is not OrderKind.INTERIM:
        raise InvalidValueError(
            "kind", order.kind.value, f"order {order.order_id!r} is not an interim order"
        )
    return order.state


def _probe(event: InterimOrderEvent, at: pendulum.DateTime) -> InterimOrderCommand:
    return InterimOrderCommand(event, at, PROBE_ACTOR)


#: The validated machine.
MACHINE: Final = shared.OrderMachine(
    name="interim_order",
    states=OrderState,
    events=InterimOrderEvent,
    initial=OrderState.MADE,
    finals=frozenset({St.DISCHARGED, St.EXPIRED, St.CEASED, St.QUASHED}),
    transitions=TABLE,
    get_state=_get_state,
    set_state=state_setter(),
    probe=_probe,
    every_row=(CHRONO,),
)


# --- use cases --------------------------------------------------------------


def serve_interim_order(order: Order, *, at: pendulum.DateTime, actor: str) -> Fired[Order]:
    """Record service of the interim order on the defendant."""
    return MACHINE.fire(order, InterimOrderCommand(Ev.SERVE, at, actor))


def vary_interim_order(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    applied_by: Party,
    terms: Iterable[Term] | None = None,
    duration: Duration | None = None,
    other_live_orders: Iterable[Order] = (),
    reason: str = "",
) -> Fired[Order]:
    """Vary the interim order (SPA2019 s.5(7)-(8)); appends a version."""
    cmd = InterimOrderCommand(
        Ev.VARY,
        at,
        actor,
        applied_by=applied_by,
        terms=shared.to_terms(terms),
        duration=duration,
        other_live_orders=shared.to_orders(other_live_orders),
        reason=reason,
    )
    return MACHINE.fire(order, cmd)


def renew_interim_order(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    applied_by: Party,
    duration: Duration,
    reason: str = "",
) -> Fired[Order]:
    """Renew for a longer fixed period, counted from the day made (SPA2019 s.5(7))."""
    cmd = InterimOrderCommand(
        Ev.RENEW, at, actor, applied_by=applied_by, duration=duration, reason=reason
    )
    return MACHINE.fire(order, cmd)


def discharge_interim_order(
    order: Order, *, at: pendulum.DateTime, actor: str, applied_by: Party
) -> Fired[Order]:
    """Discharge the interim order (SPA2019 s.5(7)-(8)); no 2-year bar."""
    return MACHINE.fire(order, InterimOrderCommand(Ev.DISCHARGE, at, actor, applied_by=applied_by))


def cease_on_determination(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    outcome: MainOutcome | str,
    application_id: str,
) -> Fired[Order]:
    """The main application was determined: the interim order ceases (SPA2019 s.5(6)(b)).

    Args:
        outcome: how it was determined (a :class:`MainOutcome`, or its value).
        application_id: the main application, which must be the order's (s.5(1)).

    Raises:
        UnknownCodeError: ``outcome`` is not a known outcome.
        GuardRejectedError: another application, or the order records none.
    """
    cmd = InterimOrderCommand(
        Ev.MAIN_APPLICATION_DETERMINED,
        at,
        actor,
        main_outcome=outcome,
        application_id=application_id,
    )
    return MACHINE.fire(order, cmd)
