"""The dated checks over stored records: positive requirements and sign-on days
(SPA2019 s.1(2)(b), s.8(1)), interim orders ending (s.5(6)), renewal reviews (s.4) and
notification deadlines (s.9-s.11), with the records they are made over."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Iterator, Sequence

import attrs
import pendulum

from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.dated import (
    SettledSignOns,
    interim_ending_alerts,
    notification_alerts,
    renewal_review_alerts,
    requirement_alerts,
    requirement_alerts_from_term_times,
)
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.storage import UnitOfWork

__all__ = [
    "ComplianceSource",
    "StoredRecords",
    "dated_alerts",
    "has_requirements",
    "order_dated_alerts",
    "stored_requirement_alerts",
]

#: Gives the compliance records of one order (those met by the instant checked are enough).
ComplianceSource = Callable[[Order], Iterable[ComplianceRecord]]


@attrs.frozen
class StoredRecords:
    """Every order, defendant, protected person and notification duty in a store.

    Attributes:
        orders: every order, by id order.
        defendants: every defendant, by id order.
        protected_persons: every protected person with restricted details, by id order.
        duties: every notification duty, by id order.
    """

    orders: tuple[Order, ...]
    defendants: tuple[Defendant, ...]
    protected_persons: tuple[ProtectedPerson, ...]
    duties: tuple[NotificationDuty, ...] = ()


def has_requirements(order: Order) -> bool:
    """Whether any version of ``order`` has a positive requirement or sign-on schedule."""
    return any(
        isinstance(t, (PositiveRequirement, SignOnSchedule))
        for v in order.versions
        for t in v.terms
    )


def dated_alerts(
    records: StoredRecords,
    *,
    at: _dt.datetime,
    compliance: ComplianceSource,
    config: DetectionConfig | None = None,
) -> list[Alert]:
    """Alerts that rest on dates as of ``at``: positive requirements not met by their due
    day and sign-on days missed (SPA2019 s.1(2)(b), s.8(1)), interim orders ending
    (s.5(6)), renewal reviews (s.4) and notification failures or deadlines (s.9-s.11).

    Args:
        records: the orders and notification duties to check.
        at: check as of this instant.
        compliance: the compliance records of an order; asked only for the orders with a
            positive requirement or sign-on schedule, one order at a time.
        config: detection thresholds and windows (the defaults if ``None``).

    Returns:
        The dated alerts, unsorted.
    """
    found: list[Alert] = []
    for order in records.orders:
        if has_requirements(order):
            found += requirement_alerts([order], compliance(order), at, config=config)
    return found + order_dated_alerts(records, at, config)


def order_dated_alerts(
    records: StoredRecords, at: _dt.datetime, config: DetectionConfig | None
) -> list[Alert]:
    """The dated alerts that rest on the orders and duties alone (no compliance)."""
    orders = records.orders
    found = interim_ending_alerts(orders, at, config=config)
    found += renewal_review_alerts(orders, at, config=config)
    by_id = {o.order_id: o for o in orders}
    found += notification_alerts(records.duties, at, config=config, orders=by_id)
    return found


#: How many orders' compliance the dated checks read at once (one query per 500 of them).
_CHUNK = 500


def stored_requirement_alerts(
    uow: UnitOfWork,
    orders: Sequence[Order],
    until: _dt.datetime,
    config: DetectionConfig | None,
    settled: _dt.datetime | None = None,
    added: frozenset[str] | None = None,
    changed: frozenset[str] = frozenset(),
) -> list[Alert]:
    """:func:`dated_alerts`' requirement and sign-on alerts over the stored compliance,
    read as light rows grouped by term for ``_CHUNK`` orders (those with requirements) at a
    time: a few queries for a force's orders, memory for those orders' records at a time,
    one row per term and no validated record built per sign-on (the same alerts:
    ``requirement_alerts_from_term_times``). With ``settled`` (an incremental run's, see
    :func:`~spo_tracker.casework._incremental.settled_since`), sign-on windows settled
    before it and stored as they would be built are left out; with ``added`` too (the
    orders compliance was added against since), those of the other orders are not
    looked at; the windows of the orders in ``changed`` (created or changed since) are
    all judged (:class:`~spo_tracker.detection.dated.SettledSignOns`). Of an order whose
    settled windows are not looked at, only the records met from its first open window
    on are read, with every record of its positive requirements: a nightly run reads a
    week of sign-ons per order, not every one since the order began.
    """
    wanted = [o for o in orders if has_requirements(o)]
    known = (
        None
        if settled is None
        else SettledSignOns(settled, uow.alerts.stored_counts, added, changed)
    )
    chosen = config or DetectionConfig()
    found: list[Alert] = []
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start : start + _CHUNK]
        # Each order's records from the first of its windows that is judged (those before
        # are settled and not looked at), every record of its positive requirements (met
        # at any time before the due day's end); all of them with no settled window.
        since: dict[float, list[Order]] = {}
        for order in part:
            first = -math.inf if known is None else known.first_open(order, chosen)
            since.setdefault(first, []).append(order)
        times: dict[tuple[str, str, str], list[int]] = {}
        for first, orders_from in since.items():
            if first == -math.inf:
                keys = [o.order_id for o in orders_from]
                times.update(uow.compliance.times_by_term(keys, until=until))
                continue
            begin = pendulum.from_timestamp(first, tz=pendulum.UTC)
            for batch, whole in _with_whole_terms(orders_from):
                keys = [o.order_id for o in batch]
                cut = uow.compliance.times_by_term(
                    keys, until=until, since=begin, whole_terms=whole
                )
                times.update(cut)
        found += requirement_alerts_from_term_times(
            part, times, until, config=config, settled=known
        )
    return found


def _with_whole_terms(
    orders: list[Order],
) -> Iterator[tuple[list[Order], set[tuple[str, str]]]]:
    """``orders`` in batches of at most ``_CHUNK`` orders and positive requirements
    (``(order_id, term_id)``, read whole) together."""
    batch: list[Order] = []
    whole: set[tuple[str, str]] = set()
    for order in orders:
        positive = order.terms_in_any_version(PositiveRequirement)
        terms = {(order.order_id, t.term_id) for t in positive}
        if batch and len(batch) + len(whole | terms) + 1 > _CHUNK:
            yield batch, whole
            batch, whole = [], set()
        batch.append(order)
        whole |= terms
    if batch:
        yield batch, whole
