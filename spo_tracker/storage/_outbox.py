"""The outbox relay: deliver domain events after commit, at least once, in order per aggregate.

A unit of work writes the events of its changes to the store's outbox in the
same transaction as the changes (so an event exists exactly when its change
was committed). :func:`deliver_outbox` reads the undelivered events in commit
order, hands each to a handler, and marks those handled as delivered. If the
handler raises, the events handled before it stay delivered and the failed one
and every later one wait for the next run: nothing is skipped, so each
aggregate's events arrive in version order. A crash between handling and
marking delivers the same events again: delivery is at least once, and
handlers deduplicate on ``(originator_kind, originator_id, originator_version)``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import attrs
import pendulum

from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import EventDeliveryError, InvalidValueError
from spo_tracker.events import DomainEvent
from spo_tracker.storage._base import OutboxEntry, Store

__all__ = ["DeliveryReport", "deliver_outbox", "outbox_entries"]


@attrs.frozen
class DeliveryReport:
    """What one run of :func:`deliver_outbox` delivered.

    Attributes:
        delivered: events handed to the handler and marked delivered.
        batches: batches read from the outbox.
    """

    delivered: int
    batches: int


def _whole(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(name, value, "must be a whole number, 1 or more")
    return value


def _clock(store: Store, at: _dt.datetime | None) -> Callable[[], pendulum.DateTime]:
    if at is not None:
        fixed = ensure_aware(at, field="at")
        return lambda: fixed
    clock = store.clock
    if clock is None:
        raise InvalidValueError("at", None, "give at=, or connect the store with a clock")
    return lambda: ensure_aware(clock(), field="clock()")


def deliver_outbox(
    store: Store,
    handler: Callable[[DomainEvent], object],
    batch_size: int = 100,
    *,
    max_batches: int | None = None,
    at: _dt.datetime | None = None,
) -> DeliveryReport:
    """Hand every undelivered event to ``handler`` in commit order, marking each delivered.

    Reads ``batch_size`` events at a time until none is left (or ``max_batches``
    were read). One relay runs at a time per store (and, on PostgreSQL, per
    database, through an advisory lock): a second call waits for the first.

    Args:
        store: the store whose outbox to deliver.
        handler: called once per event; an :class:`~spo_tracker.events.EventPublisher`
            is a handler.
        batch_size: events read and marked per round trip.
        max_batches: stop after this many batches (``None``: until the outbox is empty).
        at: the delivery time recorded; by default the store's clock.

    Returns:
        How many events were delivered, in how many batches.

    Raises:
        EventDeliveryError: the handler raised; the events before it are marked delivered,
            the rest stay for the next run (the handler's error is ``cause``).
        InvalidValueError: a bad ``batch_size``, ``max_batches`` or handler, or no clock.
    """
    size = _whole("batch_size", batch_size)
    limit = None if max_batches is None else _whole("max_batches", max_batches)
    if not callable(handler):
        raise InvalidValueError("handler", handler, "must be callable")
    now = _clock(store, at)
    delivered = batches = 0
    with store.relay_lock():
        while limit is None or batches < limit:
            batch = store.outbox_pending(size)
            if not batch:
                break
            batches += 1
            delivered += _deliver_batch(store, handler, batch, now, delivered)
    return DeliveryReport(delivered, batches)


def _deliver_batch(
    store: Store,
    handler: Callable[[DomainEvent], object],
    batch: list[OutboxEntry],
    now: Callable[[], pendulum.DateTime],
    before: int,
) -> int:
    done: list[int] = []
    try:
        for entry in batch:
            try:
                handler(entry.event)
            except Exception as error:
                event = entry.event
                raise EventDeliveryError(
                    event.event_type,
                    event.originator_id,
                    event.originator_version,
                    before + len(done),
                    error,
                ) from error
            done.append(entry.position)
    finally:
        # Whatever happened, what was handled is marked, so it is not handled again.
        if done:
            store.outbox_mark_delivered(done, now())
    return len(done)


def outbox_entries(store: Store, *, pending_only: bool = False) -> list[OutboxEntry]:
    """The store's outbox in commit order: every entry, or only those still to deliver.

    For inspection and tests; a relay uses :func:`deliver_outbox`.
    """
    return [e for e in store.outbox_entries() if not pending_only or e.delivered_at is None]
