"""The effects both order lifecycles' tables share: each returns the fields its event
changes on the order (see :mod:`spo_tracker.domain.lifecycles.full_order` and
:mod:`spo_tracker.domain.lifecycles.interim_order`)."""

from __future__ import annotations

from typing import Any, Final

import pendulum

from spo_tracker.domain.lifecycles._orders import (
    DISCHARGED_ON_APPEAL,
    OrderCommandLike,
    discharge_reason,
    proposed_period,
)
from spo_tracker.domain.lifecycles._support import (
    is_before,
    london_day,
    period_end,
)
from spo_tracker.domain.lifecycles.parties import (
    PendingAppeal,
)
from spo_tracker.domain.orders import (
    Order,
    OrderVersion,
    VersionCause,
)

__all__ = [
    "NO_APPEAL",
    "appeal_dismissed",
    "appealed",
    "discharged",
    "discharged_on_appeal",
    "ended",
    "expired",
    "new_version",
    "quashed",
    "renewed",
    "restored_on_appeal",
    "served",
    "varied",
    "varied_on_appeal",
]


def served(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """SERVE: record when the order was served."""
    return {"served_at": cmd.at}


def new_version(order: Order, cmd: OrderCommandLike, cause: VersionCause) -> dict[str, Any]:
    """Append a version (never rewrite an old one) with the proposed terms and period."""
    duration, period = proposed_period(order, cmd)
    version = OrderVersion(
        number=len(order.versions) + 1,
        cause=cause,
        decided_on=london_day(cmd.at),
        duration=duration,
        period=period,
        terms=order.versions[-1].terms if cmd.terms is None else cmd.terms,
        reason=cmd.reason,
        decided_at=cmd.at,  # in force from this moment, not the start of the day
    )
    return {"versions": (*order.versions, version)}


def ended(order: Order, at: pendulum.DateTime, reason: str) -> dict[str, Any]:
    """The order ends at ``at`` for ``reason``; an appeal still pending goes with it."""
    return {"ended_at": at, "end_reason": reason, **NO_APPEAL}


#: The changes that clear a pending appeal (decided, or gone with the order).
NO_APPEAL: Final = {"appeal_pending": False, "appeal": None}


# Effects both order lifecycles' tables use: each returns the fields its event changes.


def varied(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """A variation: a new version (SPA2019 s.4(1), s.5(7))."""
    return new_version(order, cmd, VersionCause.VARIED)


def renewed(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """A renewal: a new version with a longer fixed period (SPA2019 s.4(1), s.5(7))."""
    return new_version(order, cmd, VersionCause.RENEWED)


def varied_on_appeal(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """The Crown Court varies the order on appeal: a new version; the appeal is over
    (SPA2019 s.7(4))."""
    return {**new_version(order, cmd, VersionCause.VARIED_ON_APPEAL), **NO_APPEAL}


def quashed(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """The Crown Court quashes the order on appeal (SPA2019 s.7(4)): it ends."""
    return ended(order, cmd.at, "quashed on appeal (s.7(4))")


def discharged(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """DISCHARGE: ended now, recording on whose application (read by the appeal guards)."""
    return ended(order, cmd.at, discharge_reason(cmd.applied_by))


def expired(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """EXPIRE: ended at the end of the fixed period, however late it is recorded."""
    assert order.period is not None  # the guard refuses orders without a fixed period
    return ended(order, period_end(order.period), "expired at the end of its fixed period")


def appealed(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """LODGE_APPEAL: the flag and the appeal; the order stays as it is (no stay, SPA2019 s.7).

    The guards have checked that the command names the appellant and the decision.
    """
    assert cmd.appellant is not None  # the guards checked both
    assert cmd.against is not None
    appeal = PendingAppeal(cmd.appellant, cmd.against, lodged_at=cmd.at)
    return {"appeal_pending": True, "appeal": appeal}


def appeal_dismissed(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """APPEAL_DISMISSED: the decision appealed stands; the order is as it was."""
    return dict(NO_APPEAL)


def discharged_on_appeal(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """APPEAL_DISCHARGED: the Crown Court discharges the order (SPA2019 s.7(4))."""
    return ended(order, cmd.at, DISCHARGED_ON_APPEAL)


def restored_on_appeal(order: Order, cmd: OrderCommandLike) -> dict[str, Any]:
    """APPEAL_RESTORED: the discharge is quashed; the order is in force again (SPA2019 s.7(4)).

    In force again from the restoration, not back to the discharge: the span
    from the discharge to now is kept in ``not_in_force``, since no order was in
    force then and conduct in it breached none (s.8(1)). Quashing the discharge
    does not make it an offence after the event.
    """
    assert order.ended_at is not None  # only a discharged order is restored
    gaps = order.not_in_force
    if is_before(order.ended_at, cmd.at):  # restored the same instant: no gap
        gaps = (*gaps, (order.ended_at, cmd.at))
    return {"ended_at": None, "end_reason": None, "not_in_force": gaps, **NO_APPEAL}
