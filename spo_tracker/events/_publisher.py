"""The in-process publisher. Private: import it from :mod:`spo_tracker.events`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from spo_tracker.errors import InvalidValueError
from spo_tracker.events._records import DomainEvent

__all__ = ["EventPublisher"]

E = TypeVar("E", bound=DomainEvent)


class EventPublisher:
    """Deliver events to the handlers subscribed to their types, in subscription order.

    A handler subscribed to a class also receives its subclasses' events
    (``AppealDecided`` receives ``OrderQuashed``; ``DomainEvent`` receives all).
    A handler that raises stops the publication of that event: the error
    propagates to the caller and later handlers are not called. Given to
    :func:`spo_tracker.storage.deliver_outbox`, that leaves the event undelivered,
    to be delivered again (to every handler) on the next run, so handlers should
    be idempotent: delivery is at least once.

    Thread-safe: subscriptions may change while events are published.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: tuple[tuple[Callable[[Any], object], tuple[type, ...]], ...] = ()

    def subscribe(
        self, handler: Callable[[E], object], event_type: type[E], /, *more: type[E]
    ) -> Callable[[], None]:
        """Call ``handler`` with every published event of the given types.

        Returns:
            A function that cancels this subscription.

        Raises:
            InvalidValueError: ``handler`` is not callable, or a type is not an event class.
        """
        if not callable(handler):
            raise InvalidValueError("handler", handler, "must be callable")
        types = (event_type, *more)
        for cls in types:
            if not (isinstance(cls, type) and issubclass(cls, DomainEvent)):
                raise InvalidValueError("event_type", cls, "must be a DomainEvent class")
        entry: tuple[Callable[[Any], object], tuple[type, ...]] = (handler, types)
        with self._lock:
            self._subscriptions = (*self._subscriptions, entry)

        def cancel() -> None:
            with self._lock:
                self._subscriptions = tuple(s for s in self._subscriptions if s is not entry)

        return cancel

    def publish(self, event: DomainEvent) -> int:
        """Hand ``event`` to every matching handler; returns how many were called.

        Raises:
            InvalidValueError: ``event`` is not a :class:`DomainEvent`.
            Exception: whatever a handler raised (later handlers are not called).
        """
        if not isinstance(event, DomainEvent):
            raise InvalidValueError("event", event, "must be a DomainEvent")
        called = 0
        for handler, types in self._subscriptions:
            if isinstance(event, types):
                handler(event)
                called += 1
        return called

    def __call__(self, event: DomainEvent) -> None:
        """Publish ``event``: the publisher itself is a handler for ``deliver_outbox``."""
        self.publish(event)
