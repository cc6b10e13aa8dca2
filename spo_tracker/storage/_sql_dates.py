"""Every order's dates in one query, for a nightly detection run (:class:`OrderDates`).

A nightly run must know which orders' dated checks can have changed since the last
run: those still in force, or whose warning window opens, or that have requirements.
It asks this of every order, so it reads only the order row, its current version's
fixed period and whether any version has a requirement term, never the terms
themselves (building 12,000 orders is most of a nightly run's cost).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from spo_tracker.domain.orders import OrderState
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.storage._backend import OrderDates
from spo_tracker.storage._tables import OrderRow, OrderTermRow, OrderVersionRow

__all__ = ["REQUIREMENT_CODES", "order_dates"]

#: The catalogue codes of the terms the dated checks judge (SPA2019 s.1(2)(b)).
REQUIREMENT_CODES = (PositiveRequirement.CODE, SignOnSchedule.CODE)
_LIVE = (OrderState.MADE.value, OrderState.SERVED.value)


def order_dates(session: Session) -> list[OrderDates]:
    """Every stored order's :class:`OrderDates` (one query; instants and days through
    the columns' own types)."""
    orders: Any = OrderRow.__table__  # type: ignore[attr-defined]
    versions: Any = OrderVersionRow.__table__  # type: ignore[attr-defined]
    terms: Any = OrderTermRow.__table__  # type: ignore[attr-defined]
    latest = (
        select(versions.c.order_id, func.max(versions.c.number).label("number"))
        .group_by(versions.c.order_id)
        .subquery()
    )
    current = versions.alias("current")
    with_requirements = select(terms.c.order_id).where(terms.c.code.in_(REQUIREMENT_CODES))
    query = (
        select(
            orders.c.order_id,
            orders.c.defendant_id,
            orders.c.kind,
            orders.c.state,
            orders.c.ended_at,
            current.c.period_last_day,
            orders.c.order_id.in_(with_requirements),
        )
        .join(latest, latest.c.order_id == orders.c.order_id)
        .join(
            current,
            (current.c.order_id == latest.c.order_id) & (current.c.number == latest.c.number),
        )
    )
    return [
        OrderDates(key, defendant, kind, state in _LIVE, ended, last_day, bool(requirements))
        for key, defendant, kind, state, ended, last_day, requirements in session.execute(query)
    ]
