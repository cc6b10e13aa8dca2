"""Guards and effects shared by the interim-order and full-order lifecycles.

Private: each lifecycle module wraps these in its own named :class:`Guard`
objects and table rows, so that each table reads on its own.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from typing import Final, Protocol, TypeVar

import pendulum

from spo_tracker.domain.lifecycles._support import (
    first_conflict,
    is_before,
    period_end,
)
from spo_tracker.domain.lifecycles.parties import (
    AppealAgainst,
    AppealedDecision,
    AppealRecord,
    Party,
    PendingAppeal,
)
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderState,
    VersionCause,
    check_terms_compatible,
)
from spo_tracker.domain.statemachine import Fired, Machine, TransitionRecord
from spo_tracker.domain.statutory_time import DayPeriod, as_london_date
from spo_tracker.domain.terms import Term
from spo_tracker.errors import IncompatibleTermError

__all__ = [
    "APPEAL_OUTCOMES",
    "DISCHARGED_ON_APPEAL",
    "S4_CAUSES",
    "OrderCommandLike",
    "OrderMachine",
    "appeal_decision_named",
    "appeal_is_pending",
    "appeal_outcome_fits",
    "appeal_paragraph",
    "appeal_record",
    "compatible_with_live_orders",
    "discharge_reason",
    "discharged_after_service",
    "discharged_on_that_application",
    "fixed_period_has_ended",
    "fixed_period_not_over_when_restored",
    "in_chronological_order",
    "made_on",
    "making_appealed_by_defendant",
    "new_period_not_already_over",
    "no_appeal_pending",
    "period_for",
    "proposed_period",
    "recorded_times",
    "refusal_appealed_by_applicant",
    "to_orders",
    "to_terms",
    "variation_changes_something",
    "within_fixed_period",
]


class OrderCommandLike(Protocol):
    """The payload both order lifecycles' commands carry."""

    @property
    def event(self) -> enum.Enum: ...

    @property
    def at(self) -> pendulum.DateTime: ...

    @property
    def actor(self) -> str: ...

    @property
    def applied_by(self) -> Party | None: ...

    @property
    def terms(self) -> tuple[Term, ...] | None: ...

    @property
    def duration(self) -> Duration | None: ...

    @property
    def until_further_order(self) -> bool: ...

    @property
    def other_live_orders(self) -> tuple[Order, ...]: ...

    @property
    def reason(self) -> str: ...

    @property
    def appellant(self) -> Party | None: ...

    @property
    def against(self) -> AppealAgainst | None: ...


def to_orders(value: Iterable[Order]) -> tuple[Order, ...]:
    """Converter: the other live orders as a tuple."""
    return tuple(value)


def to_terms(value: Iterable[Term] | None) -> tuple[Term, ...] | None:
    """Converter: ``None`` (terms unchanged) or a tuple of terms."""
    return None if value is None else tuple(value)


@functools.lru_cache(maxsize=4096)
def made_on(made_at: pendulum.DateTime) -> pendulum.Date:
    """The London day an order was made (cached: read by most order guards)."""
    return as_london_date(made_at)


@functools.lru_cache(maxsize=4096)
def period_for(duration: Duration, first_day: pendulum.Date) -> DayPeriod:
    """The days of ``duration`` beginning with ``first_day`` (cached)."""
    return duration.period_from(first_day)


def proposed_period(
    order: Order, cmd: OrderCommandLike
) -> tuple[Duration | None, DayPeriod | None]:
    """The duration and period the order would have after ``cmd``.

    Periods always count from the day the order was made (as in
    :class:`OrderVersion`): a renewal states the whole new period.
    """
    if cmd.until_further_order:
        return None, None
    if cmd.duration is not None:
        return cmd.duration, period_for(cmd.duration, made_on(order.made_at))
    current = order.versions[-1]
    return current.duration, current.period


def _when(at: pendulum.DateTime) -> str:
    return at.in_timezone("Europe/London").to_iso8601_string()


# --- guards -----------------------------------------------------------------


def within_fixed_period(order: Order, cmd: OrderCommandLike) -> str | None:
    """The order has not run out: past its fixed period only EXPIRE is possible."""
    period = order.versions[-1].period
    if period is not None and cmd.at >= period_end(period):
        return (
            f"at={_when(cmd.at)}: the fixed period ended at the end of {period.last_day}; "
            "record EXPIRE instead"
        )
    return None


def fixed_period_has_ended(order: Order, cmd: OrderCommandLike) -> str | None:
    """Only a fixed order expires, and only once its last day is over."""
    period = order.period
    if period is None:
        return "period=None: the order runs until further order, so it never expires"
    if cmd.at < period_end(period):
        return f"at={_when(cmd.at)}: the fixed period runs to the end of {period.last_day}"
    return None


def recorded_times(order: Order) -> list[tuple[str, pendulum.DateTime | None]]:
    """What an order's state depends on, as (description, instant), for the chronology guard.

    The making, the service, the end (a discharged order's appeal follows its
    discharge), the restoration on appeal that closed its latest not-in-force
    span (an event inside the span, or before it, is out of order), when the
    appeal pending was lodged (its outcome follows it; an appeal stored without
    the instant does not move the bound), and when the latest version was
    decided (for a version recorded without its hour, the start of that London
    day).
    """
    times: list[tuple[str, pendulum.DateTime | None]] = [
        ("the order was made", order.made_at),
        ("it was served", order.served_at),
        ("it ended", order.ended_at),
    ]
    if order.not_in_force:
        times.append(("it was restored on appeal", order.not_in_force[-1][1]))
    if order.appeal is not None and order.appeal.lodged_at is not None:
        times.append(("the appeal pending was lodged", order.appeal.lodged_at))
    latest = order.versions[-1]
    if latest.number > 1:
        times.append((f"version {latest.number} was decided", latest.starts_at))
    return times


def in_chronological_order(order: Order, cmd: OrderCommandLike) -> str | None:
    """Library rule: no event is dated before what the order already records.

    Not before it was made, served or ended, nor inside (or before) a span in
    which it was not in force (a discharge quashed on appeal), nor before the
    appeal pending was lodged, nor before its latest version was decided: an
    order built from events out of time order would fail its own checks
    (versions decided out of order, an end before the making or the
    restoration) and could not be read back.
    """
    at, latest, gaps, appeal = cmd.at, order.versions[-1], order.not_in_force, order.appeal
    if (
        not is_before(at, order.made_at)
        and (order.served_at is None or not is_before(at, order.served_at))
        and (order.ended_at is None or not is_before(at, order.ended_at))
        and (not gaps or not is_before(at, gaps[-1][1]))
        and (latest.number == 1 or not is_before(at, latest.starts_at))
        and (appeal is None or appeal.lodged_at is None or not is_before(at, appeal.lodged_at))
    ):
        return None  # the common case, without building the explanation
    return first_conflict(at, recorded_times(order))


def fixed_period_not_over_when_restored(order: Order, cmd: OrderCommandLike) -> str | None:
    """A discharged order is restored only within its fixed period (SPA2019 s.3(1), s.7(4)).

    Past its last day the order would have expired had it never been
    discharged, so there is nothing left for the Crown Court to restore.
    """
    period = order.versions[-1].period
    if period is not None and cmd.at >= period_end(period):
        return (
            f"at={_when(cmd.at)}: the fixed period ended at the end of {period.last_day}; "
            "an order past its fixed period cannot be restored"
        )
    return None


def no_appeal_pending(order: Order, cmd: OrderCommandLike) -> str | None:
    """One appeal at a time: a second one is refused rather than silently merged."""
    if order.appeal_pending:
        return "appeal_pending=True: an appeal is already pending"
    return None


def appeal_is_pending(order: Order, cmd: OrderCommandLike) -> str | None:
    """The Crown Court can only decide an appeal that was lodged."""
    if not order.appeal_pending:
        return "appeal_pending=False: no appeal has been lodged"
    return None


#: The causes of the versions a s.4 order made. The Crown Court's own variation
#: (VARIED_ON_APPEAL) is the outcome of an appeal, not a s.4 order to appeal against.
S4_CAUSES: Final = frozenset({VersionCause.VARIED, VersionCause.RENEWED})


def _shown(cmd: OrderCommandLike) -> str:
    who = cmd.appellant.key if cmd.appellant is not None else None
    what = cmd.against.describe() if cmd.against is not None else None
    return f"appellant={who!r}, against={what!r}"


def appeal_decision_named(order: Order, cmd: OrderCommandLike) -> str | None:
    """The appeal names its appellant and a decision on this order that s.7 covers.

    Only a full order has s.4 decisions: an interim order is varied, renewed or
    discharged under s.5(7), which s.7 does not list. A discharged order is
    appealed only against its discharge, and a live one never is. A s.4 order
    is named by the version it made, which must be a variation or a renewal.
    The refusal of an application for an order, or of an interim order, is
    appealed on the application.
    """
    against = cmd.against
    if cmd.appellant is None or against is None:
        return f"{_shown(cmd)}: name who appeals and the decision appealed against (s.7)"
    decision = against.decision
    if decision.on_application:
        return (
            f"{_shown(cmd)}: the refusal of an application or of an interim order is appealed "
            "on the application"
        )
    discharged = order.state is OrderState.DISCHARGED
    if discharged != (decision is AppealedDecision.DISCHARGE):
        return (
            f"{_shown(cmd)}: order {order.order_id!r} is {order.state.value}; only a discharged "
            "order's discharge is appealed, and a live order's other decisions"
        )
    if decision is AppealedDecision.MAKING:
        return None
    if order.kind is OrderKind.INTERIM:
        return (
            f"{_shown(cmd)}: an interim order is varied, renewed or discharged under s.5(7), "
            "not s.4, and s.7 gives no appeal against those decisions"
        )
    return _s4_version_named(order, cmd, against)


def _s4_version_named(order: Order, cmd: OrderCommandLike, against: AppealAgainst) -> str | None:
    number = against.version
    if number is None:
        return None  # a discharge or a s.4 refusal: no version to check
    if number > len(order.versions):
        return f"{_shown(cmd)}: order {order.order_id!r} has {len(order.versions)} versions"
    cause = order.versions[number - 1].cause
    if cause not in S4_CAUSES:
        return f"{_shown(cmd)}: version {number} was {cause.value}, not a s.4 variation or renewal"
    return None


def making_appealed_by_defendant(order: Order, cmd: OrderCommandLike) -> str | None:
    """Only the defendant appeals against the making of an order (SPA2019 s.7(1)(a)-(b))."""
    against, appellant = cmd.against, cmd.appellant
    if against is None or appellant is None or against.decision is not AppealedDecision.MAKING:
        return None
    if appellant.is_defendant:
        return None
    return (
        f"{_shown(cmd)}: only the defendant may appeal against the making of an order; "
        "a chief officer appeals a refusal of their application (s.7(2))"
    )


_REFUSALS: Final = frozenset({AppealedDecision.S4_REFUSAL, AppealedDecision.DISCHARGE_REFUSAL})


def refusal_appealed_by_applicant(order: Order, cmd: OrderCommandLike) -> str | None:
    """Only the party whose s.4 application was refused appeals (SPA2019 s.7(1)(d), s.7(2))."""
    against, appellant = cmd.against, cmd.appellant
    if against is None or appellant is None or against.decision not in _REFUSALS:
        return None
    applicant = against.on_application_of
    if applicant is not None and appellant.key == applicant.key:
        return None
    return (
        f"{_shown(cmd)}: only the party whose s.4 application was refused may appeal against "
        "the refusal (the defendant, s.7(1)(d); the chief officer who applied, s.7(2))"
    )


def appeal_paragraph(order: Order, against: AppealAgainst) -> str:
    """The paragraph of s.7 that gives an allowed appeal against ``against`` on ``order``."""
    applicant = against.on_application_of
    by_defendant = applicant is not None and applicant.is_defendant
    if against.decision is AppealedDecision.MAKING:
        return "SPA2019 s.7(1)(b)" if order.kind is OrderKind.INTERIM else "SPA2019 s.7(1)(a)"
    if against.decision in (AppealedDecision.S4_ORDER, AppealedDecision.DISCHARGE):
        return "SPA2019 s.7(3)" if by_defendant else "SPA2019 s.7(1)(c)"
    if against.decision.on_application:
        return "SPA2019 s.7(2)"
    return "SPA2019 s.7(1)(d)" if by_defendant else "SPA2019 s.7(2)"


def discharge_reason(applied_by: Party | None) -> str:
    """The ``end_reason`` a s.4 discharge records: on whose application (read by the guards)."""
    who = applied_by.key if applied_by is not None else "unknown"
    return f"discharged on the application of {who}"


#: The ``end_reason`` of an order the Crown Court discharged on appeal (s.7(4)).
DISCHARGED_ON_APPEAL: Final = "discharged on appeal (s.7(4))"


def discharged_on_that_application(order: Order, cmd: OrderCommandLike) -> str | None:
    """The discharge appealed is this order's s.4 discharge on that party's application.

    SPA2019 s.7(1)(c), s.7(3) are about a s.4 order; the order records whose
    application it was discharged on. A discharge by the Crown Court on appeal
    (s.7(4)) is not a s.4 order, and s.7 gives no appeal against it.
    """
    against = cmd.against
    if against is None or against.decision is not AppealedDecision.DISCHARGE:
        return None
    if order.end_reason == discharge_reason(against.on_application_of):
        return None
    return (
        f"{_shown(cmd)}: order {order.order_id!r} was {order.end_reason!r}, not "
        f"{discharge_reason(against.on_application_of)!r} under s.4"
    )


def discharged_after_service(order: Order, cmd: OrderCommandLike) -> str | None:
    """Library: an appeal against a discharge is recorded for a served order only.

    An allowed appeal restores the order as it was (APPEAL_RESTORED to SERVED);
    the table has one target per row, so an order discharged before service,
    which would go back to MADE, is not modelled (docs/domain.md, OPEN).
    """
    if order.served_at is None:
        return (
            f"{_shown(cmd)}, served_at=None: order {order.order_id!r} was discharged before it "
            "was served"
        )
    return None


#: The decisions each outcome may follow (SPA2019 s.7(4)); ``None`` is an appeal recorded
#: before the library kept what it was against (the order's ``appeal`` is unknown).
APPEAL_OUTCOMES: Final[Mapping[str, frozenset[AppealedDecision | None]]] = {
    "APPEAL_QUASHED": frozenset({AppealedDecision.MAKING, None}),
    "APPEAL_DISCHARGED": frozenset({AppealedDecision.DISCHARGE_REFUSAL}),
    "APPEAL_RESTORED": frozenset({AppealedDecision.DISCHARGE}),
}


def appeal_outcome_fits(order: Order, cmd: OrderCommandLike) -> str | None:
    """The Crown Court's outcome gives effect to what was appealed (SPA2019 s.7(4)).

    Quashing ends the order, so it follows an appeal against the making; the
    Crown Court discharges an order on an allowed appeal against a refused
    discharge, and restores a discharged order on an allowed appeal against its
    discharge. An allowed appeal against a s.4 order or a refused variation or
    renewal is given effect with APPEAL_VARIED (a new version).
    """
    allowed = APPEAL_OUTCOMES.get(cmd.event.name)
    pending = order.appeal
    decision = None if pending is None else pending.against.decision
    if allowed is None or decision in allowed:
        return None
    shown = "unknown" if pending is None else pending.describe()
    wanted = ", ".join(sorted(d.value if d is not None else "unknown" for d in allowed))
    return f"appeal={shown!r}: {cmd.event.name} follows an appeal against {wanted}"


S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)
C = TypeVar("C", bound=OrderCommandLike)


class OrderMachine(Machine[S, E, Order, C]):
    """The machine of an order lifecycle: a lodged appeal's record is an :class:`AppealRecord`.

    The order keeps only the ``appeal_pending`` flag (no stay, s.7), so the
    record is where the appellant and the decision appealed against are kept,
    for the audit trail and the ``AppealLodged`` event built from it.
    """

    def fire(self, subject: Order, command: C) -> Fired[Order]:
        """As :meth:`Machine.fire`; an appeal's record is an :class:`AppealRecord`.

        LODGE_APPEAL records the command's appellant and decision, with the
        paragraph of s.7 that allows it; an outcome (the other ``APPEAL_*``
        events) records the appeal the order had pending, if it was known.
        """
        fired = super().fire(subject, command)
        base = fired.record
        if base.event == "LODGE_APPEAL":
            appellant, against = command.appellant, command.against
            if appellant is None or against is None:
                return fired
            pending = PendingAppeal(appellant, against, lodged_at=command.at)
            section = appeal_paragraph(subject, against)
        elif base.event.startswith("APPEAL_") and subject.appeal is not None:
            pending, section = subject.appeal, base.section
        else:
            return fired
        return Fired(fired.subject, appeal_record(base, pending, section))


def appeal_record(base: TransitionRecord, pending: PendingAppeal, section: str) -> AppealRecord:
    """``base`` as an :class:`AppealRecord` naming ``pending``'s appellant and decision."""
    against = pending.against
    applicant = against.on_application_of
    return AppealRecord(
        machine=base.machine,
        subject_id=base.subject_id,
        event=base.event,
        source=base.source,
        target=base.target,
        section=section,
        at=base.at,
        actor=base.actor,
        appellant=pending.appellant.key,
        against=against.decision.value,
        on_application_of=None if applicant is None else applicant.key,
        appealed_version=against.version,
    )


def variation_changes_something(order: Order, cmd: OrderCommandLike) -> str | None:
    """A new version states new terms or a new period, well formed."""
    if cmd.terms is None and cmd.duration is None and not cmd.until_further_order:
        return "terms=None, duration=None: nothing to change"
    if cmd.terms is not None:
        ids = [t.term_id for t in cmd.terms]
        if not ids or not all(isinstance(t, Term) for t in cmd.terms):
            return f"terms={cmd.terms!r}: an order needs at least one term"
        if len(set(ids)) != len(ids):
            return f"terms={ids!r}: term ids must be unique within an order"
    duration, period = proposed_period(order, cmd)
    current = order.versions[-1]
    terms = current.terms if cmd.terms is None else cmd.terms
    if (terms, duration, period) == (current.terms, current.duration, current.period):
        return "the terms and period given are the order's current ones"
    return None


def new_period_not_already_over(order: Order, cmd: OrderCommandLike) -> str | None:
    """A variation may shorten the period, but not to one already over (discharge instead)."""
    _, period = proposed_period(order, cmd)
    if period is not None and cmd.at >= period_end(period):
        return (
            f"duration={cmd.duration!r}: the period would have ended at the end of "
            f"{period.last_day}, before {_when(cmd.at)}"
        )
    return None


def compatible_with_live_orders(order: Order, cmd: OrderCommandLike) -> str | None:
    """New terms must not clash with another live order's terms (SPA2019 s.2(6)-(7))."""
    if cmd.terms is None:
        return None
    others = [
        o
        for o in cmd.other_live_orders
        if o.order_id != order.order_id and o.state.live and o.defendant_id == order.defendant_id
    ]
    try:
        check_terms_compatible(cmd.terms, others)
    except IncompatibleTermError as error:
        return str(error)
    return None
