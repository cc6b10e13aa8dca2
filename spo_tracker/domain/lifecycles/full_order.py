"""The full Stalking Protection Order lifecycle (SPA2019 s.2, s.3, s.4, s.7).

A full order runs for a fixed period of at least 2 years beginning with the
day it was made, or until further order (s.3). The defendant or a relevant
chief officer (s.4(1), s.14(1)) may apply to vary, renew or discharge it; no
additional prohibition or requirement is added unless necessary to protect a
person (s.4(4)(a)); before the end of the 2 years beginning with the day made
it is discharged only with the consents s.4(4)(b) lists. New terms must not
clash with another live order (s.2(6)-(7)). An appeal (s.7) is kept on the
order (``appeal``, with the ``appeal_pending`` flag), never a state, and does
not stay it. Who may appeal depends on the decision (s.7(1)-(3)): the defendant
against the making, a s.4 order (variation, renewal or discharge) made on a
chief officer's application, or the refusal of their own s.4 application; the
chief officer who applied against the refusal of their s.4 application; a
relevant chief officer against a s.4 order made on the defendant's application.
A discharge is a s.4 order, so a discharged order is not final: its discharge
may be appealed, and the Crown Court may restore it. The Crown Court's outcome
must fit what was appealed (s.7(4)): quashing follows an appeal against the
making, a discharge on appeal an appeal against a refused discharge.

Rules the Act leaves to the library (each is a guard citing ``library``):
a variation must change something; it may shorten the period but not to one
already over (discharge instead); past its fixed period an order accepts only
EXPIRE; one appeal at a time; an appeal against a discharge is recorded for a
served order only (restoring it goes back to SERVED). A term is "additional"
(s.4(4)(a)) when it is not one of the current version's terms exactly: a changed
term counts as added, so tightening an existing term also needs the court's finding.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.lifecycles import _order_effects as effects
from spo_tracker.domain.lifecycles import _orders as shared
from spo_tracker.domain.lifecycles._order_effects import quashed, renewed, varied, varied_on_appeal
from spo_tracker.domain.lifecycles._support import (
    PROBE_ACTOR,
    period_end,
    row,
    state_setter,
    to_event,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, AppealedDecision, Party
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderState,
    check_fixed_period,
)
from spo_tracker.domain.people import ChiefOfficer, ForceKind
from spo_tracker.domain.statemachine import Fired, Guard, Transition
from spo_tracker.domain.statutory_time import DayPeriod, years_beginning_with
from spo_tracker.domain.terms import Term
from spo_tracker.domain.validators import aware_at, non_empty_text
from spo_tracker.errors import InvalidValueError, OrderPeriodError

__all__ = [
    "MACHINE",
    "TABLE",
    "FullOrderCommand",
    "FullOrderEvent",
    "FullOrderState",
    "Order",
    "additional_terms_necessary",
    "applicant_may_apply",
    "discharge_consents_given",
    "discharge_consents_needed",
    "discharge_on_appeal",
    "discharge_order",
    "fixed_period_at_least_two_years",
    "renew_order",
    "renewal_extends_fixed_period",
    "restore_on_appeal",
    "s4_order_appealed_by_other_side",
    "two_year_point",
    "vary_order",
]


class FullOrderState(enum.Enum):
    """Where a full order is: :class:`OrderState` without CEASED (only interim orders cease)."""

    MADE = "made"
    SERVED = "served"
    DISCHARGED = "discharged"
    EXPIRED = "expired"
    QUASHED = "quashed"

    @property
    def order_state(self) -> OrderState:
        """The same state as the order records it."""
        return OrderState[self.name]


class FullOrderEvent(enum.Enum):
    """What can happen to a full order."""

    SERVE = "serve"
    VARY = "vary"
    RENEW = "renew"
    DISCHARGE = "discharge"
    EXPIRE = "expire"
    LODGE_APPEAL = "lodge_appeal"
    APPEAL_DISMISSED = "appeal_dismissed"
    APPEAL_VARIED = "appeal_varied"
    APPEAL_QUASHED = "appeal_quashed"
    APPEAL_DISCHARGED = "appeal_discharged"
    APPEAL_RESTORED = "appeal_restored"


def _event(value: object) -> FullOrderEvent:
    return to_event(FullOrderEvent, value)


def _consents(value: Iterable[Party]) -> frozenset[Party]:
    return frozenset(value)


@attrs.frozen
class FullOrderCommand:
    """An event on a full order, with its payload.

    Attributes:
        applied_by: VARY, RENEW, DISCHARGE: who applied (s.4(1)).
        appellant: LODGE_APPEAL: who appeals (s.7(1)-(3)).
        against: LODGE_APPEAL: the decision appealed against (s.7(1)-(3)).
        terms: the new terms (``None``: unchanged).
        duration: the new fixed period, counted from the day the order was made.
        until_further_order: the order is to run until further order instead (s.3(1)(b)).
        necessary_to_protect: the court found additional terms necessary (s.4(4)(a)).
        consents: who consented to a discharge (s.4(4)(b)).
        home_force: the chief officer for the area where the defendant lives (s.4(4)(b),
            s.14(1)); also for a relevant chief officer's appeal (s.7(3)).
        applicant_believes_defendant_in_area: a territorial chief officer applying (or
            appealing, s.7(3)) believes the defendant is in or coming to their area (s.14(1)).
        other_live_orders: the defendant's other live orders (s.2(6)-(7)).
        reason: the court's note, kept on the new version.
    """

    event: FullOrderEvent = attrs.field(converter=_event)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    actor: str = attrs.field(validator=non_empty_text)
    applied_by: Party | None = attrs.field(default=None, kw_only=True)
    appellant: Party | None = attrs.field(default=None, kw_only=True)
    against: AppealAgainst | None = attrs.field(default=None, kw_only=True)
    terms: tuple[Term, ...] | None = attrs.field(
        default=None, kw_only=True, converter=shared.to_terms
    )
    duration: Duration | None = attrs.field(default=None, kw_only=True)
    until_further_order: bool = attrs.field(default=False, kw_only=True)
    necessary_to_protect: bool = attrs.field(default=False, kw_only=True)
    consents: frozenset[Party] = attrs.field(default=frozenset(), kw_only=True, converter=_consents)
    home_force: ChiefOfficer | None = attrs.field(default=None, kw_only=True)
    applicant_believes_defendant_in_area: bool = attrs.field(default=False, kw_only=True)
    other_live_orders: tuple[Order, ...] = attrs.field(
        default=(), kw_only=True, converter=shared.to_orders
    )
    reason: str = attrs.field(default="", kw_only=True)


def two_year_point(order: Order) -> DayPeriod:
    """The 2 years beginning with the day the order was made (SPA2019 s.3(2), s.4(4)(b))."""
    return _two_years(shared.made_on(order.made_at))


@functools.lru_cache(maxsize=4096)
def _two_years(made: pendulum.Date) -> DayPeriod:
    return years_beginning_with(made, 2)


# --- guards -----------------------------------------------------------------


def applicant_may_apply(order: Order, cmd: FullOrderCommand) -> str | None:
    """The defendant or a relevant chief officer (SPA2019 s.4(1), s.14(1)).

    Relevant: the chief officer who applied for the order, the one for the area
    where the defendant lives, or a territorial one who believes the defendant
    is in or coming to their area.
    """
    who = cmd.applied_by
    if who is not None and (who.is_defendant or _relevant_officer(order, cmd, who)):
        return None
    found = who.key if who is not None else None
    return f"applied_by={found!r}: not the defendant nor a relevant chief officer (s.14(1))"


def _relevant_officer(order: Order, cmd: FullOrderCommand, who: Party) -> bool:
    if who.is_officer(order.applicant) or who.is_officer(cmd.home_force):
        return True
    territorial = who.officer is not None and who.officer.force.kind is ForceKind.TERRITORIAL
    return territorial and cmd.applicant_believes_defendant_in_area


_S4_ORDERS: Final = frozenset({AppealedDecision.S4_ORDER, AppealedDecision.DISCHARGE})


def s4_order_appealed_by_other_side(order: Order, cmd: FullOrderCommand) -> str | None:
    """A s.4 order is appealed by the side that did not apply (SPA2019 s.7(1)(c), s.7(3)).

    A s.4 order is a variation, a renewal or a discharge. Made on a chief
    officer's application: the defendant appeals (s.7(1)(c)).
    Made on the defendant's application: a relevant chief officer appeals
    (s.7(3)): the one who applied for the order, the one for the area where the
    defendant lives (``home_force``), or a territorial one who believes the
    defendant is in or coming to their area.
    """
    against, appellant = cmd.against, cmd.appellant
    if against is None or appellant is None or against.decision not in _S4_ORDERS:
        return None
    applicant = against.on_application_of
    if applicant is not None and not applicant.is_defendant and appellant.is_defendant:
        return None  # s.7(1)(c)
    if applicant is not None and applicant.is_defendant and not appellant.is_defendant:
        if _relevant_officer(order, cmd, appellant):
            return None  # s.7(3)
        return (
            f"appellant={appellant.key!r}, against={against.describe()!r}: not a relevant "
            "chief officer (s.7(3), s.14(1))"
        )
    return (
        f"appellant={appellant.key!r}, against={against.describe()!r}: a s.4 order is appealed "
        "by the defendant if a chief officer applied for it (s.7(1)(c)), and by a relevant "
        "chief officer if the defendant did (s.7(3))"
    )


def additional_terms_necessary(order: Order, cmd: FullOrderCommand) -> str | None:
    """No additional prohibition or requirement unless necessary to protect (s.4(4)(a))."""
    if cmd.terms is None or cmd.necessary_to_protect:
        return None
    added = [t.term_id for t in cmd.terms if t not in order.terms]
    if added:
        return (
            f"terms {', '.join(added)} are additional and necessary_to_protect=False: the "
            "court must find them necessary to protect a person"
        )
    return None


def fixed_period_at_least_two_years(order: Order, cmd: FullOrderCommand) -> str | None:
    """A fixed period stays at least 2 years beginning with the day made (SPA2019 s.3(2))."""
    if cmd.duration is None:
        return None  # unchanged, or until further order: nothing to check
    _, period = shared.proposed_period(order, cmd)
    try:
        check_fixed_period(OrderKind.FULL, shared.made_on(order.made_at), period)
    except OrderPeriodError as error:
        return f"duration={cmd.duration.render()}: {error.reason}"
    return None


def renewal_extends_fixed_period(order: Order, cmd: FullOrderCommand) -> str | None:
    """Only a fixed order is renewed, and the renewal extends it (SPA2019 s.3(1), s.4(1))."""
    current = order.period
    if current is None:
        return "period=None: the order runs until further order; there is nothing to renew"
    if cmd.until_further_order:
        return None
    _, proposed = shared.proposed_period(order, cmd)
    if cmd.duration is None or proposed is None or proposed.last_day <= current.last_day:
        shown = cmd.duration.render() if cmd.duration is not None else None
        return f"duration={shown!r}: a renewal must end after {current.last_day}"
    return None


def discharge_consents_needed(
    order: Order, applied_by: Party | None, home_force: ChiefOfficer | None
) -> frozenset[str] | str:
    """The party keys whose consent a discharge within the 2 years needs (SPA2019 s.4(4)(b)).

    The defendant, and: the chief officer who applied for the discharge, if one
    did; otherwise the chief officer who applied for the order and, if
    different, the chief officer for the area where the defendant lives.

    Returns:
        The keys, or the reason they cannot be worked out (no home force given).
    """
    needed = {Party.defendant().key}
    if applied_by is not None and not applied_by.is_defendant:
        return frozenset(needed | {applied_by.key})
    if home_force is None:
        return "home_force=None: the chief officer where the defendant lives must be named"
    needed.add(Party.chief_officer(order.applicant).key)
    needed.add(Party.chief_officer(home_force).key)
    return frozenset(needed)


def discharge_consents_given(order: Order, cmd: FullOrderCommand) -> str | None:
    """Before the end of the 2 years beginning with the day made, the consents (s.4(4)(b))."""
    point = two_year_point(order)
    if cmd.at >= period_end(point):
        return None
    needed = discharge_consents_needed(order, cmd.applied_by, cmd.home_force)
    if isinstance(needed, str):
        return needed
    missing = sorted(needed - {p.key for p in cmd.consents})
    if missing:
        return (
            f"consents missing from {', '.join(missing)}: discharge before the end of "
            f"{point.last_day} needs them"
        )
    return None


_G = Guard[Order, FullOrderCommand]
IN_PERIOD: Final = _G("within_fixed_period", "SPA2019 s.3(1)", shared.within_fixed_period)
PERIOD_OVER: Final = _G("fixed_period_has_ended", "SPA2019 s.3(1)", shared.fixed_period_has_ended)
CHRONO: Final = _G("in_chronological_order", "library", shared.in_chronological_order)
APPLICANT: Final = _G("applicant_may_apply", "SPA2019 s.4(1), s.14(1)", applicant_may_apply)
CHANGES: Final = _G("variation_changes_something", "library", shared.variation_changes_something)
NOT_OVER: Final = _G("new_period_not_already_over", "library", shared.new_period_not_already_over)
NECESSARY: Final = _G("additional_terms_necessary", "SPA2019 s.4(4)(a)", additional_terms_necessary)
TWO_YEARS: Final = _G(
    "fixed_period_at_least_two_years", "SPA2019 s.3(2)", fixed_period_at_least_two_years
)
EXTENDS: Final = _G(
    "renewal_extends_fixed_period", "SPA2019 s.3(1), s.4(1)", renewal_extends_fixed_period
)
CONSENTS: Final = _G("discharge_consents_given", "SPA2019 s.4(4)(b)", discharge_consents_given)
COMPATIBLE: Final = _G(
    "compatible_with_live_orders", "SPA2019 s.2(6)-(7)", shared.compatible_with_live_orders
)
NO_APPEAL: Final = _G("no_appeal_pending", "SPA2019 s.7(1)", shared.no_appeal_pending)
APPEAL_NAMED: Final = _G(
    "appeal_decision_named", "SPA2019 s.7(1)-(3)", shared.appeal_decision_named
)
MAKING_APPEAL: Final = _G(
    "making_appealed_by_defendant", "SPA2019 s.7(1)(a)", shared.making_appealed_by_defendant
)
S4_ORDER_APPEAL: Final = _G(
    "s4_order_appealed_by_other_side", "SPA2019 s.7(1)(c), s.7(3)", s4_order_appealed_by_other_side
)
REFUSAL_APPEAL: Final = _G(
    "refusal_appealed_by_applicant",
    "SPA2019 s.7(1)(d), s.7(2)",
    shared.refusal_appealed_by_applicant,
)
APPEAL: Final = _G("appeal_is_pending", "SPA2019 s.7(4)", shared.appeal_is_pending)
OUTCOME: Final = _G("appeal_outcome_fits", "SPA2019 s.7(4)", shared.appeal_outcome_fits)
DISCHARGE_APPLICANT: Final = _G(
    "discharged_on_that_application",
    "SPA2019 s.7(1)(c), s.7(3)",
    shared.discharged_on_that_application,
)
AFTER_SERVICE: Final = _G("discharged_after_service", "library", shared.discharged_after_service)
RESTORABLE: Final = _G(
    "fixed_period_not_over_when_restored",
    "SPA2019 s.3(1), s.7(4)",
    shared.fixed_period_not_over_when_restored,
)


# --- effects ----------------------------------------------------------------


St, Ev = FullOrderState, FullOrderEvent
_Row = Transition[FullOrderState, FullOrderEvent, Order, FullOrderCommand]


_TO_ORDER_STATE: Final = {s: s.order_state for s in FullOrderState}


def _stored(state: FullOrderState) -> OrderState:
    return _TO_ORDER_STATE[state]


def _live_rows(source: FullOrderState) -> tuple[_Row, ...]:
    # MADE and SERVED accept the same events; only SERVE moves between them.
    def r(
        event: FullOrderEvent,
        target: FullOrderState,
        section: str,
        summary: str,
        guards: tuple[_G, ...],
        changes: Callable[[Order, FullOrderCommand], Mapping[str, Any]],
    ) -> _Row:
        return row(
            source, event, target, section, summary, guards=guards, changes=changes, stored=_stored
        )

    return (
        r(Ev.VARY, source, "SPA2019 s.4(1)-(4)",
          "varied on the application of the defendant or a relevant chief officer; a new version",
          (IN_PERIOD, APPLICANT, CHANGES, NOT_OVER, NECESSARY, TWO_YEARS, COMPATIBLE), varied),
        r(Ev.RENEW, source, "SPA2019 s.4(1)-(4)",
          "a fixed order renewed for a longer period; a new version",
          (IN_PERIOD, APPLICANT, CHANGES, EXTENDS, NECESSARY, TWO_YEARS, COMPATIBLE), renewed),
        r(Ev.DISCHARGE, St.DISCHARGED, "SPA2019 s.4(1), s.4(4)(b)",
          "discharged; within the first 2 years only with the s.4(4)(b) consents",
          (IN_PERIOD, APPLICANT, CONSENTS), effects.discharged),
        r(Ev.EXPIRE, St.EXPIRED, "SPA2019 s.3(1)",
          "its fixed period is over", (PERIOD_OVER,), effects.expired),
        r(Ev.LODGE_APPEAL, source, "SPA2019 s.7(1)-(3)",
          "an appeal to the Crown Court by a party s.7 allows for the decision; "
          "the order stays in force",
          (IN_PERIOD, NO_APPEAL, APPEAL_NAMED, MAKING_APPEAL, S4_ORDER_APPEAL, REFUSAL_APPEAL),
          effects.appealed),
        r(Ev.APPEAL_DISMISSED, source, "SPA2019 s.7(4)",
          "the Crown Court confirms the order", (IN_PERIOD, APPEAL), effects.appeal_dismissed),
        r(Ev.APPEAL_VARIED, source, "SPA2019 s.7(4)",
          "the Crown Court varies the order; a new version",
          (IN_PERIOD, APPEAL, CHANGES, NOT_OVER, TWO_YEARS, COMPATIBLE), varied_on_appeal),
        r(Ev.APPEAL_QUASHED, St.QUASHED, "SPA2019 s.7(4)",
          "the Crown Court quashes the order on an appeal against its making",
          (IN_PERIOD, APPEAL, OUTCOME), quashed),
        r(Ev.APPEAL_DISCHARGED, St.DISCHARGED, "SPA2019 s.7(4)",
          "the Crown Court discharges the order on an appeal against a refused discharge",
          (IN_PERIOD, APPEAL, OUTCOME), effects.discharged_on_appeal),
    )  # fmt: skip


def _discharged_rows() -> tuple[_Row, ...]:
    # A discharge is a s.4 order: appealable (s.7(1)(c), s.7(3)), so DISCHARGED is not final.
    source = St.DISCHARGED
    return (
        row(source, Ev.LODGE_APPEAL, source, "SPA2019 s.7(1)(c), s.7(3)",
            "an appeal against the s.4 discharge by the side that did not apply for it",
            guards=(NO_APPEAL, APPEAL_NAMED, S4_ORDER_APPEAL, DISCHARGE_APPLICANT, AFTER_SERVICE),
            changes=effects.appealed, stored=_stored),
        row(source, Ev.APPEAL_DISMISSED, source, "SPA2019 s.7(4)",
            "the Crown Court confirms the discharge", guards=(APPEAL,),
            changes=effects.appeal_dismissed, stored=_stored),
        row(source, Ev.APPEAL_RESTORED, St.SERVED, "SPA2019 s.7(4)",
            "the Crown Court quashes the discharge: the order is in force again, within its "
            "fixed period", guards=(APPEAL, OUTCOME, RESTORABLE),
            changes=effects.restored_on_appeal, stored=_stored),
    )  # fmt: skip


#: The full-order lifecycle, one row per (state, event).
TABLE: Final[tuple[_Row, ...]] = (
    row(St.MADE, Ev.SERVE, St.SERVED, "SPA2019 s.9(1)",
        "served on the defendant: starts the notification clock unless it replaces an interim",
        guards=(IN_PERIOD,), changes=effects.served, stored=_stored),
    *_live_rows(St.MADE),
    *_live_rows(St.SERVED),
    *_discharged_rows(),
)  # fmt: skip


_FROM_ORDER_STATE: Final = {s.order_state: s for s in FullOrderState}


def _get_state(order: Order) -> FullOrderState:
    if order.kind is not OrderKind.FULL:
        raise InvalidValueError(
            "kind", order.kind.value, f"order {order.order_id!r} is not a full order"
        )
    state = _FROM_ORDER_STATE.get(order.state)
    if state is None:
        raise InvalidValueError(
            "state", order.state.value, f"full order {order.order_id!r} cannot be in this state"
        )
    return state


def _probe(event: FullOrderEvent, at: pendulum.DateTime) -> FullOrderCommand:
    return FullOrderCommand(event, at, PROBE_ACTOR)


#: The validated machine.
MACHINE: Final = shared.OrderMachine(
    name="full_order",
    states=FullOrderState,
    events=FullOrderEvent,
    initial=FullOrderState.MADE,
    finals=frozenset({St.EXPIRED, St.QUASHED}),
    transitions=TABLE,
    get_state=_get_state,
    set_state=state_setter(_stored),
    probe=_probe,
    every_row=(CHRONO,),
)


# --- use cases --------------------------------------------------------------


def vary_order(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    applied_by: Party,
    terms: Iterable[Term] | None = None,
    duration: Duration | None = None,
    until_further_order: bool = False,
    necessary_to_protect: bool = False,
    home_force: ChiefOfficer | None = None,
    other_live_orders: Iterable[Order] = (),
    reason: str = "",
) -> Fired[Order]:
    """Vary a full order (SPA2019 s.4); appends a version.

    Raises:
        GuardRejectedError: naming the guard, its section and the offending value.
    """
    cmd = FullOrderCommand(
        Ev.VARY,
        at,
        actor,
        applied_by=applied_by,
        terms=shared.to_terms(terms),
        duration=duration,
        until_further_order=until_further_order,
        necessary_to_protect=necessary_to_protect,
        home_force=home_force,
        other_live_orders=shared.to_orders(other_live_orders),
        reason=reason,
    )
    return MACHINE.fire(order, cmd)


def renew_order(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    applied_by: Party,
    duration: Duration | None = None,
    until_further_order: bool = False,
    home_force: ChiefOfficer | None = None,
    reason: str = "",
) -> Fired[Order]:
    """Renew a fixed full order for a longer period, counted from the day made (SPA2019 s.4)."""
    cmd = FullOrderCommand(
        Ev.RENEW,
        at,
        actor,
        applied_by=applied_by,
        duration=duration,
        until_further_order=until_further_order,
        home_force=home_force,
        reason=reason,
    )
    return MACHINE.fire(order, cmd)


def discharge_order(
    order: Order,
    *,
    at: pendulum.DateTime,
    actor: str,
    applied_by: Party,
    consents: Iterable[Party] = (),
    home_force: ChiefOfficer | None = None,
) -> Fired[Order]:
    """Discharge a full order; within its first 2 years only with the s.4(4)(b) consents."""
    cmd = FullOrderCommand(
        Ev.DISCHARGE,
        at,
        actor,
        applied_by=applied_by,
        consents=_consents(consents),
        home_force=home_force,
    )
    return MACHINE.fire(order, cmd)


def discharge_on_appeal(order: Order, *, at: pendulum.DateTime, actor: str) -> Fired[Order]:
    """The Crown Court allows an appeal against a refused discharge and discharges (s.7(4)).

    Raises:
        GuardRejectedError: no appeal pending, or it was not against a refused discharge.
    """
    return MACHINE.fire(order, FullOrderCommand(Ev.APPEAL_DISCHARGED, at, actor))


def restore_on_appeal(order: Order, *, at: pendulum.DateTime, actor: str) -> Fired[Order]:
    """The Crown Court allows an appeal against the discharge: the order is restored (s.7(4)).

    Raises:
        GuardRejectedError: no appeal against the discharge is pending.
    """
    return MACHINE.fire(order, FullOrderCommand(Ev.APPEAL_RESTORED, at, actor))
