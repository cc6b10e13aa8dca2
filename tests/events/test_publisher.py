"""The in-process publisher: handlers get the events of the types they subscribed to."""

from __future__ import annotations

import threading

import attrs
import pytest

from spo_tracker.errors import InvalidValueError
from spo_tracker.events import (
    AppealDecided,
    DomainEvent,
    EventPublisher,
    OrderDomainEvent,
    OrderQuashed,
    OrderServed,
    event_for,
)
from tests.events.walks import every_fired

EVENTS = [event_for(f) for f in every_fired()]
SERVED = next(e for e in EVENTS if isinstance(e, OrderServed))
QUASHED = next(e for e in EVENTS if isinstance(e, OrderQuashed))


def test_a_handler_gets_only_the_types_it_subscribed_to() -> None:
    """Subscribed to OrderServed: no application or duty events reach it."""
    publisher, got = EventPublisher(), list[DomainEvent]()
    publisher.subscribe(got.append, OrderServed)
    for event in EVENTS:
        publisher.publish(event)
    assert got == [e for e in EVENTS if type(e) is OrderServed]
    assert got


def test_a_family_class_receives_its_members() -> None:
    """AppealDecided receives OrderQuashed; OrderDomainEvent every order event; DomainEvent all."""
    publisher = EventPublisher()
    decided, orders, everything = list[DomainEvent](), list[DomainEvent](), list[DomainEvent]()
    publisher.subscribe(decided.append, AppealDecided)
    publisher.subscribe(orders.append, OrderDomainEvent)
    publisher.subscribe(everything.append, DomainEvent)
    for event in EVENTS:
        publisher.publish(event)
    assert QUASHED in decided
    assert orders == [e for e in EVENTS if isinstance(e, OrderDomainEvent)]
    assert everything == EVENTS


def test_one_subscription_may_name_several_types() -> None:
    """subscribe(handler, A, B) receives both, in publication order."""
    publisher, got = EventPublisher(), list[DomainEvent]()
    publisher.subscribe(got.append, OrderServed, OrderQuashed)
    assert publisher.publish(QUASHED) == 1
    assert publisher.publish(SERVED) == 1
    assert got == [QUASHED, SERVED]


def test_handlers_are_called_in_subscription_order() -> None:
    """The first subscriber runs first."""
    publisher, calls = EventPublisher(), list[str]()
    publisher.subscribe(lambda e: calls.append("first"), DomainEvent)
    publisher.subscribe(lambda e: calls.append("second"), OrderServed)
    publisher.publish(SERVED)
    assert calls == ["first", "second"]


def test_cancelling_a_subscription_stops_delivery() -> None:
    """The function subscribe returns cancels it; cancelling twice is harmless."""
    publisher, got = EventPublisher(), list[DomainEvent]()
    cancel = publisher.subscribe(got.append, DomainEvent)
    publisher.publish(SERVED)
    cancel()
    cancel()
    assert publisher.publish(SERVED) == 0
    assert got == [SERVED]


def test_a_failing_handler_stops_that_event_and_the_error_propagates() -> None:
    """Nothing is swallowed: the caller (or the outbox relay) sees the error."""
    publisher, after = EventPublisher(), list[DomainEvent]()

    def broken(event: DomainEvent) -> None:
        raise ConnectionError("records system down")

    publisher.subscribe(broken, DomainEvent)
    publisher.subscribe(after.append, DomainEvent)
    with pytest.raises(ConnectionError, match="records system down"):
        publisher.publish(SERVED)
    assert after == []


def test_the_publisher_is_itself_a_handler() -> None:
    """publisher(event) publishes, so it can be given to deliver_outbox."""
    publisher, got = EventPublisher(), list[DomainEvent]()
    publisher.subscribe(got.append, DomainEvent)
    publisher(SERVED)
    assert got == [SERVED]


@pytest.mark.parametrize("bad", [str, object, OrderServed(**attrs.asdict(SERVED)), None])
def test_subscribing_to_something_that_is_not_an_event_class_is_refused(bad: object) -> None:
    """A typo in the types is a typed error naming it, not a silent no-op."""
    with pytest.raises(InvalidValueError, match="event_type"):
        EventPublisher().subscribe(print, bad)  # type: ignore[arg-type]


def test_a_handler_must_be_callable_and_only_events_are_published() -> None:
    """Bad input is refused with a typed error."""
    publisher = EventPublisher()
    with pytest.raises(InvalidValueError, match="handler"):
        publisher.subscribe("print", DomainEvent)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="event"):
        publisher.publish({"type": "OrderServed"})  # type: ignore[arg-type]


def test_subscriptions_may_change_while_events_are_published() -> None:
    """Threads subscribing and publishing at once lose no subscription."""
    publisher = EventPublisher()
    counts = [0] * 8

    def work(n: int) -> None:
        def handler(event: DomainEvent) -> None:
            counts[n] += 1

        publisher.subscribe(handler, DomainEvent)
        for _ in range(50):
            publisher.publish(SERVED)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(c >= 50 for c in counts)
    assert publisher.publish(SERVED) == 8
