"""Which orders a nightly run makes the dated checks of: those whose dated alerts can
have changed since the previous run.

The dated checks (positive requirements and sign-on days, SPA2019 s.1(2)(b) and
s.8(1); interim orders ending, s.5(6); renewal reviews, s.4; notification deadlines,
s.9-s.11) rest on an order's records and on the instant judged. An incremental run
follows a run that left the stored alerts as a full run would (the conditions of
:func:`~spo_tracker.casework._incremental.settled_since`). So an order's dated alerts
can differ from what the previous run judged, as of its instant ``P``, only if, between
``P`` and this run's ``N``:

- it was created or changed (served, varied, renewed, discharged, appealed...: every
  one of its dated alerts can read differently, so it is checked whole, with every
  duty under it or naming it as replaced; the run also judges its defendant's
  incidents again, see :func:`~spo_tracker.casework._written.changed_since`);
- it was in force after ``P`` and a London day ended between them that is the due
  day of one of its positive requirements or on the schedule of one of its sign-on
  terms (in any version): a requirement fails at the end of its due day and a sign-on
  day is missed at its end, only while the term binds (so never after the order
  stopped being in force); on other nights, with nothing recorded since, its
  requirement and sign-on alerts are those already stored (an order with sign-on on
  two weekdays is read on two nights a week);
- its renewal-review or interim-ending warning window opened or closed (the window is
  ``[opens, end)``, both from its fixed period; the alert rests on the window alone);
- a notification duty it is bound to was written, or is bound to an order still in
  force after ``P`` (its deadlines can come round on any day while an order binds;
  with no order in force none is announced and no failure begins, s.9(1)); every duty
  under the same order is then checked too (two duties under one order, one entered
  twice, raise alerts with one id, and which is kept must not depend on which was read);
- a compliance record against it was added since the previous run's watermark (a
  sign-on recorded late takes a day off a window's missed days, whether or not the
  order is still in force), or is dated after ``P`` (that run judged as of ``P`` and
  did not count it, even if it was written before that run began);
- a duty it is bound to records a fact dated after ``P`` (a false-information record,
  s.11(1)(b), written before the previous run but dated after its instant).

Any other order stopped being in force by ``P`` (discharged, quashed, ceased, its
fixed period over), or has nothing dated that moves between ``P`` and ``N``: its dated
alerts as of ``N`` are those as of ``P``, already stored, and it is not read at all.
Over a force's history most orders have ended, so the nightly run's cost follows the
orders in force, not every order ever made.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
from collections.abc import Collection, Iterable, Sequence
from typing import Final, Protocol

import attrs

from spo_tracker.casework._dated import StoredRecords
from spo_tracker.casework._incremental import Judged, Watermark, read_judged
from spo_tracker.casework._written import NOTHING_WRITTEN, Changed, ChangedOrderMissing
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order, OrderKind
from spo_tracker.domain.statutory_time import as_london_date, start_of_london_day
from spo_tracker.domain.validators import check_id
from spo_tracker.errors import SpoTrackerError
from spo_tracker.storage import OrderDates, Store, UnitOfWork

__all__ = [
    "DUTY_KIND",
    "Due",
    "Nightly",
    "Touched",
    "compliance_written",
    "defendants_of",
    "due_orders",
    "read_nightly",
    "touched_since",
]

#: The audit subject kind of a notification duty's writes.
DUTY_KIND: Final = "notification_duty"


@attrs.frozen
class Touched:
    """What the audit entries since the previous run's watermark wrote that the dated
    checks rest on, besides time.

    Attributes:
        compliance_orders: the orders compliance records were added against.
        duties: the notification duties written.
        orders: the orders created or changed (:func:`~spo_tracker.casework.
            _written.changed_since`): each is checked whole, with every duty
            under it or naming it as replaced.
        met_orders: the orders with compliance met after the previous run's instant
            (written before it or since): only on days after the London day the previous
            run's settled sign-on windows end, so they settle nothing again.
    """

    compliance_orders: frozenset[str]
    duties: frozenset[str]
    met_orders: frozenset[str] = frozenset()
    orders: frozenset[str] = frozenset()


def touched_since(
    store: Store,
    uow: UnitOfWork,
    *,
    after: int,
    through: int,
    dated: tuple[_dt.datetime, _dt.datetime] | None = None,
) -> Touched | None:
    """The orders with compliance added and the duties written by the audit entries
    numbered after ``after`` through ``through``, with (``dated``: the previous run's
    instant and this run's) the orders with compliance met between the two; or ``None``
    when an entry does not say which orders (a bulk entry written before bulk entries
    named them, or naming what is not an order id; a record no longer stored): then
    every order is judged.

    Call it only when compliance records were only added in that span
    (:func:`~spo_tracker.casework._incremental.settled_since`).
    """
    kinds = {"compliance_record", "compliance_batch", DUTY_KIND}
    orders: set[str] = set()
    records: set[str] = set()
    duties: set[str] = set()
    for entry in store.audit_entries_between(after, through, kinds=kinds):
        if entry.subject_kind == DUTY_KIND:
            duties.add(entry.subject_id)
        elif entry.subject_kind == "compliance_record":
            records.add(entry.subject_id)
        else:
            named = _named_orders(entry.changes)
            if named is None:
                return None
            orders.update(named)
    found = uow.compliance.get_many(sorted(records))
    if len(found) != len(records):
        return None
    orders.update(r.order_id for r in found.values())
    met = frozenset() if dated is None else uow.compliance.orders_met_between(*dated)
    return Touched(frozenset(orders), frozenset(duties), frozenset(met))


def compliance_written(store: Store, *, after: int, through: int) -> bool:
    """Whether an audit entry numbered after ``after`` through ``through`` wrote a
    compliance record (one committed while a run read: its order may not have been read,
    so the run judges every order again)."""
    kinds = {"compliance_record", "compliance_batch"}
    return bool(store.audit_entries_between(after, through, kinds=kinds))


def _named_orders(changes: str) -> list[str] | None:
    """The order ids a bulk compliance entry names, or ``None`` if it names none."""
    try:
        named = json.loads(changes).get("orders")
    except (ValueError, AttributeError):
        return None
    # Only ids as the library writes them: a note written by hand that names something
    # else (a NUL, which PostgreSQL text refuses) has every order judged, not a failure.
    if isinstance(named, list) and all(_is_id(key) for key in named):
        return named
    return None


def _is_id(value: object) -> bool:
    try:
        check_id("order_id", value)
    except SpoTrackerError:
        return False
    return True


@attrs.frozen
class Due:
    """The orders and duties whose dated checks a nightly run makes.

    Attributes:
        orders: the ids of the orders to read and check (with every order a checked duty
            is bound to, which its alerts need).
        duties: the duties to check, in the order given.
    """

    orders: frozenset[str]
    duties: tuple[NotificationDuty, ...]


def due_orders(
    dates: Iterable[OrderDates],
    duties: Sequence[NotificationDuty],
    *,
    previous: _dt.datetime,
    at: _dt.datetime,
    config: DetectionConfig | None,
    touched: Touched,
) -> Due:
    """The orders whose dated alerts can have changed between the previous run's instant
    ``previous`` and ``at`` (see the module's notes), and the duties to check.

    Args:
        dates: every stored order's dates.
        duties: every stored notification duty.
        previous: the previous run's instant.
        at: this run's instant.
        config: the detection settings (the defaults if ``None``): the warning windows.
        touched: what was written since the previous run's watermark.
    """
    chosen = config or DetectionConfig()
    since, until = previous.timestamp(), at.timestamp()
    days = _days_ended(previous, at)
    due: set[str] = set()
    in_force_after: dict[str, bool] = {}
    written = touched.compliance_orders | touched.met_orders | touched.orders
    for order in dates:
        if order.order_id in written:
            due.add(order.order_id)
        end = _end(order)
        in_force_after[order.order_id] = end is None or end > since
        if not in_force_after[order.order_id]:
            continue  # stopped being in force by the previous run: nothing moves (s.9(1))
        if _requirement_day_ended(order, days) or _window_moved(order, chosen, since, until):
            due.add(order.order_id)
    # A duty none of whose orders is stored is judged on the duty alone, every run.
    moved = {
        duty.order_id
        for duty in duties
        if duty.duty_id in touched.duties
        or any(in_force_after.get(k, True) for k in _bound(duty))
        or not touched.orders.isdisjoint(_bound(duty))
        or _latest_fact(duty) > since
    }
    # Every duty under such an order, or none: two duties under one order (one entered
    # twice) raise alerts with one id, and which is kept must not depend on which was read.
    checked = tuple(duty for duty in duties if duty.order_id in moved)
    for duty in checked:
        due.update(k for k in _bound(duty) if k in in_force_after)
    return Due(frozenset(due), checked)


def _bound(duty: NotificationDuty) -> tuple[str, ...]:
    """The orders a duty is bound to: its own and those it replaced (SPA2019 s.9)."""
    return (duty.order_id, *duty.replaced_order_ids)


@attrs.frozen
class _DaysEnded:
    """The London days that ended after the previous run's instant, by this run's: from
    ``first`` to ``last`` (none if ``first`` is after ``last``), and their weekdays."""

    first: _dt.date
    last: _dt.date
    weekdays: frozenset[int]


def _days_ended(previous: _dt.datetime, at: _dt.datetime) -> _DaysEnded:
    """The London days whose end (the next day's London midnight) falls after
    ``previous`` and by ``at``: from the day of ``previous`` (it ends after it) to the
    day before that of ``at`` (its own day ends after it)."""
    first = as_london_date(previous)
    last = as_london_date(at) - _dt.timedelta(days=1)
    count = (last - first).days + 1
    weekdays = frozenset((first + _dt.timedelta(days=k)).weekday() for k in range(min(count, 7)))
    return _DaysEnded(first, last, weekdays)


def _requirement_day_ended(order: OrderDates, days: _DaysEnded) -> bool:
    """Whether, of the London ``days`` that ended since the previous run, one was a due
    day of the order's positive requirements or a weekday of its sign-on schedules (in
    any version): only then can its requirement and sign-on alerts change with time
    (SPA2019 s.1(2)(b), s.8(1)), a requirement failing at the end of its due day and a
    sign-on day missed at the end of that day. Compliance recorded since is judged
    apart (:class:`Touched`)."""
    if not days.weekdays.isdisjoint(order.sign_on_weekdays):
        return True
    return any(days.first <= day <= days.last for day in order.due_days)


def _latest_fact(duty: NotificationDuty) -> float:
    """The latest instant a duty records (epoch seconds; a day as its London start): a
    fact dated after the previous run's instant was not judged by it."""
    days = [duty.served_on, duty.initial_from, duty.part2_final_day]
    days += [item.arose_on for item in duty.items()]
    found = [_day_start(day, 0) for day in days if day is not None]
    instants = [duty.part2_registered_at, duty.ended_at]
    instants += [c.closed_at for c in duty.closed]
    instants += [n.notified_at for n in duty.notifications]
    instants += [n.acknowledged_at for n in duty.notifications]
    instants += [r.at for r in duty.refusals]
    instants += [f.recorded_at for f in duty.false_information]
    instants += [f.notified_at for f in duty.false_information]
    found += [t.timestamp() for t in instants if t is not None]
    return max(found, default=-math.inf)


def _end(order: OrderDates) -> float | None:
    """When the order stopped being in force, as epoch seconds, or ``None`` if it has not
    and has no fixed end (``detection.dated``'s order end: its end, or its fixed
    period's, SPA2019 s.3(2))."""
    if order.ended_at is not None:
        return order.ended_at.timestamp()
    if order.period_last_day is None:
        return None
    return _day_start(order.period_last_day, 1)


def _window_moved(order: OrderDates, config: DetectionConfig, since: float, until: float) -> bool:
    """Whether the order's renewal-review (SPA2019 s.4) or interim-ending (s.5(6)) warning
    window opened or closed after ``since``, by ``until`` (the window of
    ``detection.dated``: from the start of the London day ``days`` before the end of the
    fixed period to its end, for a live order not ended)."""
    if not order.live or order.ended_at is not None or order.period_last_day is None:
        return False
    if order.kind == OrderKind.FULL.value:
        days = config.renewal_review_days
    elif order.kind == OrderKind.INTERIM.value:
        days = config.interim_warning_days
    else:
        return True  # a kind this release does not know: checked, not guessed
    opens = _day_start(order.period_last_day, 1 - days)
    end = _day_start(order.period_last_day, 1)
    return since < opens <= until or since < end <= until


def _day_start(day: _dt.date, offset: int) -> float:
    """The start, in London, of the day ``offset`` days after ``day``, as epoch seconds;
    past the calendar's last day (a fixed period ending 31 December 9999) it never comes,
    before its first (a warning window of a million days) it came long ago."""
    ordinal = day.toordinal() + offset
    if ordinal > _LAST_ORDINAL:
        return math.inf
    if ordinal < 1:
        return -math.inf
    return _london_midnight(ordinal)


_LAST_ORDINAL: Final = _dt.date.max.toordinal()


@functools.lru_cache(maxsize=8192)
def _london_midnight(ordinal: int) -> float:
    """The start, in London, of the day of proleptic ordinal ``ordinal`` (epoch seconds),
    remembered: a force's orders end on a few hundred distinct days, asked of every order
    every night."""
    return start_of_london_day(_dt.date.fromordinal(ordinal)).timestamp()


class _OfDefendant(Protocol):
    @property
    def order_id(self) -> str: ...

    @property
    def defendant_id(self) -> str: ...


def defendants_of(orders: Iterable[_OfDefendant], changed: Collection[str]) -> set[str]:
    """The defendants of the ``changed`` orders (each order, or its stored dates).

    Raises:
        ChangedOrderMissing: one of them is not among ``orders``.
    """
    found = {o.order_id: o.defendant_id for o in orders if o.order_id in changed}
    if len(found) != len(set(changed)):
        raise ChangedOrderMissing(ChangedOrderMissing.REASON)
    return set(found.values())


@attrs.frozen
class Nightly:
    """What an incremental run read (:func:`read_nightly`).

    Attributes:
        records: the orders and duties its dated checks are made over.
        judged: the rows and records it judges again.
        orders_stored: how many orders are stored, if only some were read (else ``None``).
        added: the orders compliance records were added against since the previous run,
            if known.
        changed: the orders written since the previous run or naming a protected person
            written since, each checked whole.
    """

    records: StoredRecords
    judged: Judged
    orders_stored: int | None
    added: frozenset[str] | None
    changed: frozenset[str] = frozenset()


def read_nightly(
    uow: UnitOfWork,
    store: Store,
    previous: Watermark,
    *,
    head: int,
    until: _dt.datetime,
    config: DetectionConfig | None,
    settled: bool,
    reason: str,
    written: Changed = NOTHING_WRITTEN,
) -> Nightly:
    """What an incremental run reads, in ``uow``: the orders and duties its dated checks
    are made over, and the rows and records it judges again (:func:`read_judged`), with
    every incident of the defendants of the orders ``written`` since or naming a
    protected person written since, and of the defendants written since with every
    other owner of their identities
    (:func:`~spo_tracker.casework._written.changed_since`).

    With ``settled`` (the previous run left the stored alerts as a full run would, and
    compliance records were only added since: :func:`settled_since`), only the orders
    whose dated alerts can have changed (:func:`due_orders`) and those of the defendants
    judged again are read; otherwise, or when an audit entry since does not say which
    orders its compliance records are against, every order.

    Raises:
        ChangedOrderMissing: an order written since is not stored.
    """
    naming = uow.orders.protecting(written.persons) if written.persons else {}
    changed = written.orders | {order for found in naming.values() for order in found}
    people = written.defendants
    duties = uow.notification_duties.get_many(uow.notification_duties.ids())
    every_duty = tuple(duties[k] for k in sorted(duties))
    touched = (
        touched_since(store, uow, after=previous.through, through=head, dated=(previous.at, until))
        if settled
        else None
    )
    if touched is None:
        found = uow.orders.get_many(uow.orders.ids())
        orders = tuple(found[k] for k in sorted(found))
        judged = read_judged(
            uow,
            store,
            previous,
            head=head,
            until=until,
            orders_of=lambda wanted: [o for o in orders if o.defendant_id in wanted],
            reason=reason,
            also=defendants_of(orders, changed) | written.left,
            people=people,
            incidents=written.incidents,
        )
        return Nightly(StoredRecords(orders, (), (), every_duty), judged, None, None, changed)
    dates = uow.orders.dates()
    touched = attrs.evolve(touched, orders=changed)
    also = defendants_of(dates, changed)
    due = due_orders(
        dates, every_duty, previous=previous.at, at=until, config=config, touched=touched
    )
    loaded: dict[str, Order] = {}

    def read(keys: Iterable[str]) -> None:
        loaded.update(uow.orders.get_many(sorted(set(keys) - loaded.keys())))

    def orders_of(wanted: Collection[str]) -> list[Order]:
        keys = sorted(d.order_id for d in dates if d.defendant_id in wanted)
        read(keys)
        return [loaded[k] for k in keys if k in loaded]

    judged = read_judged(
        uow,
        store,
        previous,
        head=head,
        until=until,
        orders_of=orders_of,
        reason=reason,
        also=also | written.left,
        people=people,
        incidents=written.incidents,
    )
    read(due.orders)
    orders = tuple(loaded[k] for k in sorted(loaded))
    records = StoredRecords(orders, (), (), due.duties)
    return Nightly(records, judged, len(dates), touched.compliance_orders, changed)
