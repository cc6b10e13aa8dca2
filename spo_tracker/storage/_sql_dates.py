"""Every order's dates in one query, for a nightly detection run (:class:`OrderDates`).

A nightly run must know which orders' dated checks can have changed since the last
run: those still in force, or whose warning window opens, or with a requirement
falling due or a sign-on day ending. It asks this of every order, so it reads only the
order row, its current version's fixed period and, of the requirement terms alone,
their due days and sign-on weekdays, never building a term or an order (building
12,000 orders is most of a nightly run's cost).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import func, select
from sqlmodel import Session

from spo_tracker.domain.orders import OrderState
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.storage._backend import OrderDates
from spo_tracker.storage._tables import OrderRow, OrderTermRow, OrderVersionRow

__all__ = ["EVERY_DAY", "REQUIREMENT_CODES", "order_dates"]

#: The catalogue codes of the terms the dated checks judge (SPA2019 s.1(2)(b)).
REQUIREMENT_CODES = (PositiveRequirement.CODE, SignOnSchedule.CODE)
#: Every weekday: an order whose requirement cannot be read is checked every night.
EVERY_DAY: Final = frozenset(range(7))
_LIVE = (OrderState.MADE.value, OrderState.SERVED.value)


def order_dates(session: Session) -> list[OrderDates]:
    """Every stored order's :class:`OrderDates` (two queries; instants and days through
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
    query = (
        select(
            orders.c.order_id,
            orders.c.defendant_id,
            orders.c.kind,
            orders.c.state,
            orders.c.ended_at,
            current.c.period_last_day,
        )
        .join(latest, latest.c.order_id == orders.c.order_id)
        .join(
            current,
            (current.c.order_id == latest.c.order_id) & (current.c.number == latest.c.number),
        )
    )
    due: dict[str, set[_dt.date]] = {}
    weekdays: dict[str, set[int]] = {}
    requirements = select(terms.c.order_id, terms.c.code, terms.c.parameters).where(
        terms.c.code.in_(REQUIREMENT_CODES)
    )
    for key, code, parameters in session.execute(requirements).all():
        day, days = _requirement_days(code, parameters)
        if day is not None:
            due.setdefault(key, set()).add(day)
        if days:
            weekdays.setdefault(key, set()).update(days)
    return [
        OrderDates(
            key,
            defendant,
            kind,
            state in _LIVE,
            ended,
            last_day,
            frozenset(due.get(key, ())),
            frozenset(weekdays.get(key, ())),
        )
        for key, defendant, kind, state, ended, last_day in session.execute(query).all()
    ]


def _requirement_days(code: str, parameters: object) -> tuple[_dt.date | None, frozenset[int]]:
    """A requirement term's due day (a positive requirement, SPA2019 s.1(2)(b)) or its
    sign-on weekdays, read from its stored parameters without building the term; every
    weekday if they cannot be read (the order is then read every night, and building it
    refuses the term, naming it)."""
    if not isinstance(parameters, Mapping):
        return None, EVERY_DAY
    if code == PositiveRequirement.CODE:
        text = parameters.get("due_on")
        try:
            return _dt.date.fromisoformat(text), frozenset()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None, EVERY_DAY
    days = parameters.get("weekdays")
    if isinstance(days, list) and days and all(type(d) is int and 0 <= d <= 6 for d in days):
        return None, frozenset(days)
    return None, EVERY_DAY
