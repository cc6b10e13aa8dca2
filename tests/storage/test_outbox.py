"""The transactional outbox on every backend: events commit with their change, and the relay
delivers them after commit, at least once, in order per aggregate."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.lifecycles import dismiss_appeal, lodge_appeal, make_order, serve_order
from spo_tracker.domain.orders import Duration, Order
from spo_tracker.domain.terms import NoContact
from spo_tracker.errors import (
    ConcurrencyConflictError,
    EventDeliveryError,
    InvalidValueError,
)
from spo_tracker.events import (
    AppealDecided,
    AppealLodged,
    BreachFlagged,
    DomainEvent,
    EventPublisher,
    OrderMade,
)
from spo_tracker.storage import (
    Actor,
    InMemoryStore,
    SqlStore,
    Store,
    connect,
    deliver_outbox,
    outbox_entries,
    verify,
)
from tests.storage import builders
from tests.storage.conftest import ACTOR, BACKENDS, NOW, fixed_clock

Uid = Callable[[str], str]
DELIVERED_AT = NOW.add(hours=2)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A fresh, empty store on each backend."""
    yield from _fresh(request, request.param)


def _fresh(request: pytest.FixtureRequest, backend: str) -> Iterator[Store]:
    if backend == "memory":
        yield InMemoryStore(clock=fixed_clock)
        return
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    opened = connect(url, clock=fixed_clock)
    yield opened
    opened.close()


def _people(store: Store) -> None:
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D1", identities=0))
        uow.protected_persons.add(builders.person("P1", restricted=False))
        uow.commit()


def _order(key: str) -> Order:
    """A served two-year order with one term (light to load: these tests fire many events)."""
    made = make_order(
        order_id=key,
        kind="full",
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=builders.WMP,
        court="Birmingham Magistrates' Court",
        made_at=NOW.subtract(days=30),
        terms=(NoContact(term_id="T1", persons=("P1",)),),
        duration=Duration(years=2),
    ).order
    return serve_order(made, at=NOW.subtract(days=29), actor="PC 1").subject


def _add_order(store: Store, key: str) -> Order:
    order = _order(key)
    with store.unit_of_work(ACTOR) as uow:
        uow.orders.add(order)
        uow.commit()
    return order


def _transition(store: Store, key: str, n: int | Iterator[int], *, commit: bool = True) -> Order:
    """Lodge or dismiss an appeal ``n`` minutes after NOW.

    Given a shared counter instead of a number, the minute is drawn after the
    order is read: every commit this read saw drew its minute earlier, so the
    event is never dated before one already recorded, whatever the threads do.
    """
    with store.unit_of_work(ACTOR) as uow:
        current = uow.orders.get(key)
        at = NOW.add(minutes=n if isinstance(n, int) else next(n))
        fired = (
            dismiss_appeal(current, at=at, actor="Crown Court")
            if current.appeal_pending
            else lodge_appeal(current, at=at, actor="solicitor")
        )
        uow.record(fired)
        if commit:
            uow.commit()
    return fired.subject


def _keys(entries: list[Any]) -> list[tuple[str, int]]:
    return [(e.event.originator_id, e.event.originator_version) for e in entries]


def test_events_commit_with_the_change_that_caused_them(store: Store) -> None:
    """A made order and a transition: two events, in the outbox once the work commits."""
    _people(store)
    assert outbox_entries(store) == []
    order = _add_order(store, "O1")
    _transition(store, "O1", 1)
    entries = outbox_entries(store)
    assert [type(e.event) for e in entries] == [OrderMade, AppealLodged]
    assert [e.position for e in entries] == [1, 2]
    assert _keys(entries) == [("O1", order.revision), ("O1", order.revision + 1)]
    assert all(e.recorded_at == NOW and e.delivered_at is None for e in entries)
    assert verify(store).ok


def test_work_that_is_not_committed_leaves_no_event(store: Store) -> None:
    """Rolled back: neither the change nor its event exists."""
    _people(store)
    _add_order(store, "O1")
    _transition(store, "O1", 1, commit=False)
    assert [type(e.event) for e in outbox_entries(store)] == [OrderMade]
    with store.unit_of_work(ACTOR) as uow:
        assert not uow.orders.get("O1").appeal_pending


def test_a_refused_stale_write_leaves_no_event(store: Store) -> None:
    """A concurrency conflict writes nothing, so it announces nothing."""
    _people(store)
    order = _add_order(store, "O1")
    _transition(store, "O1", 1)
    stale = lodge_appeal(order, at=NOW, actor="solicitor")
    with store.unit_of_work(ACTOR) as uow:
        with pytest.raises(ConcurrencyConflictError):
            uow.orders.update(
                stale.subject, expected_revision=order.revision, transition=stale.record
            )
        uow.commit()
    assert len(outbox_entries(store)) == 2


def test_a_transition_that_does_not_match_its_subject_is_refused(store: Store) -> None:
    """The event is built before anything is written: a wrong pairing writes nothing."""
    _people(store)
    order = _add_order(store, "O1")
    other = attrs.evolve(lodge_appeal(order, at=NOW, actor="x").record, subject_id="O2")
    with store.unit_of_work(ACTOR) as uow:
        uow.orders.get("O1")
        with pytest.raises(InvalidValueError, match="O2"):
            uow.orders.update(attrs.evolve(order, revision=order.revision + 1), transition=other)
        uow.commit()
    with store.unit_of_work(ACTOR) as uow:
        assert uow.orders.revision("O1") == order.revision
    assert len(outbox_entries(store)) == 1


def test_a_change_without_a_lifecycle_event_announces_nothing(store: Store) -> None:
    """A correction moves the revision, so the next event's version skips one."""
    _people(store)
    order = _add_order(store, "O1")
    corrected = attrs.evolve(order, court="Birmingham Magistrates Court", revision=3)
    with store.unit_of_work(ACTOR) as uow:
        uow.orders.get("O1")
        uow.orders.update(corrected, reason="typo in the court's name")
        uow.commit()
    _transition(store, "O1", 1)
    assert _keys(outbox_entries(store)) == [("O1", 2), ("O1", 4)]


def test_a_stored_breach_alert_is_flagged(store: Store) -> None:
    """Adding a detection alert announces BreachFlagged, version 1, at its identified time."""
    alert = Alert(
        alert_id=alert_id_for("outbox-test"),
        rule_id="breach.no_contact",
        kind=AlertKind.BREACH,
        severity=Severity.HIGH,
        defendant_id="D1",
        order_id="O1",
        term_id="T1",
        section="SPA2019 s.8(1)",
        title="Suspected breach of T1",
        explanation="For review: reasonable excuse is for a court.",
        identified_at=NOW,
    )
    with store.unit_of_work(Actor("system:detection", "ingest")) as uow:
        uow.alerts.add(alert)
        uow.commit()
    (entry,) = outbox_entries(store)
    assert isinstance(entry.event, BreachFlagged)
    assert (entry.event.originator_id, entry.event.actor) == (alert.alert_id, "system:detection")


def test_alerts_added_in_bulk_announce_themselves_in_their_order(store: Store) -> None:
    """add_alerts: one event per alert, as alerts.add gives; rolled back, none."""
    batch = [
        Alert(
            alert_id=alert_id_for("bulk", n),
            rule_id="breach.no_contact" if n % 2 else "escalation.rolling_count",
            kind=AlertKind.BREACH if n % 2 else AlertKind.ESCALATION,
            severity=Severity.HIGH,
            defendant_id="D1",
            section="SPA2019 s.8(1)",
            title=f"Alert {n}",
            explanation="For review: reasonable excuse is for a court.",
            identified_at=NOW,
        )
        for n in range(4)
    ]
    with store.unit_of_work(ACTOR) as uow:
        uow.add_alerts(batch[:2])
    with store.unit_of_work(ACTOR) as uow:
        uow.add_alerts(batch)
        uow.commit()
    entries = outbox_entries(store)
    assert [e.event.originator_id for e in entries] == [a.alert_id for a in batch]
    assert [type(e.event).__name__ for e in entries] == [
        "AlertRaised",
        "BreachFlagged",
        "AlertRaised",
        "BreachFlagged",
    ]


def test_the_relay_delivers_every_event_in_commit_order_and_marks_it(store: Store) -> None:
    """Interleaved aggregates, batches of 2: delivered as committed, then nothing is left."""
    _people(store)
    for key in ("O1", "O2"):
        _add_order(store, key)
    for n in range(6):
        _transition(store, f"O{1 + n % 2}", n)
    got: list[DomainEvent] = []
    report = deliver_outbox(store, got.append, batch_size=2, at=DELIVERED_AT)
    committed = outbox_entries(store)
    assert (report.delivered, report.batches) == (8, 4)
    assert got == [e.event for e in committed]
    assert all(e.delivered_at == DELIVERED_AT for e in committed)
    again = deliver_outbox(store, got.append, at=DELIVERED_AT)
    assert (again.delivered, again.batches, len(got)) == (0, 0, 8)


def test_a_failing_handler_leaves_the_rest_for_the_next_run(store: Store) -> None:
    """Two handled and marked; the third fails; next run starts with the third."""
    _people(store)
    _add_order(store, "O1")
    for n in range(4):
        _transition(store, "O1", n)
    seen: list[int] = []

    def flaky(event: DomainEvent) -> None:
        if len(seen) == 2:
            raise ConnectionError("records system down")
        seen.append(event.originator_version)

    with pytest.raises(EventDeliveryError) as caught:
        deliver_outbox(store, flaky, batch_size=10, at=DELIVERED_AT)
    error = caught.value
    assert (error.delivered, error.originator_id, error.originator_version) == (2, "O1", 4)
    assert isinstance(error.cause, ConnectionError)
    assert "records system down" in str(error)
    pending = outbox_entries(store, pending_only=True)
    assert [e.event.originator_version for e in pending] == [4, 5, 6]
    later: list[int] = []
    assert deliver_outbox(store, lambda e: later.append(e.originator_version)).delivered == 3
    assert seen + later == [2, 3, 4, 5, 6]


def test_a_crash_before_marking_delivers_the_events_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At least once: handled but not marked (the process died) means handled again."""
    _people(store)
    _add_order(store, "O1")
    _transition(store, "O1", 1)

    def crash(*args: object) -> int:
        raise SystemExit("killed")

    first: list[DomainEvent] = []
    monkeypatch.setattr(store, "outbox_mark_delivered", crash)
    with pytest.raises(SystemExit):
        deliver_outbox(store, first.append)
    monkeypatch.undo()
    second: list[DomainEvent] = []
    deliver_outbox(store, second.append)
    assert second == first
    assert len(first) == 2


def test_the_publisher_can_be_the_relays_handler(store: Store) -> None:
    """deliver_outbox(store, publisher): subscribers get their types."""
    _people(store)
    _add_order(store, "O1")
    for n in range(2):
        _transition(store, "O1", n)
    publisher, decided = EventPublisher(), list[DomainEvent]()
    publisher.subscribe(decided.append, AppealDecided)
    assert deliver_outbox(store, publisher).delivered == 3
    assert [e.originator_version for e in decided] == [4]


def test_max_batches_stops_early(store: Store) -> None:
    """A bounded run leaves the rest for later."""
    _people(store)
    _add_order(store, "O1")
    for n in range(4):
        _transition(store, "O1", n)
    assert deliver_outbox(store, lambda e: None, 2, max_batches=1).delivered == 2
    assert len(outbox_entries(store, pending_only=True)) == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"max_batches": 0}, "max_batches"),
        ({"handler": "print"}, "handler"),
        ({"at": pendulum.naive(2025, 6, 1)}, "at"),
    ],
)
def test_bad_relay_arguments_are_typed_errors(kwargs: dict[str, Any], field: str) -> None:
    """Each names the argument; nothing is delivered."""
    store = InMemoryStore(clock=fixed_clock)
    args: dict[str, Any] = {"handler": lambda e: None, **kwargs}
    with pytest.raises(InvalidValueError, match=field):
        deliver_outbox(store, **args)


def test_a_relay_needs_a_time_to_record() -> None:
    """No clock and no at=: refused, never the wall clock."""
    with pytest.raises(InvalidValueError, match="at="):
        deliver_outbox(InMemoryStore(), lambda e: None)


SQL_BACKENDS = [b for b in BACKENDS if b.id != "memory"]


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_concurrent_writers_keep_each_aggregates_versions_in_position_order(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """Threads writing one shared and their own orders: positions follow commit order."""
    store = next(_fresh(request, backend))
    _people(store)
    for key in ("SHARED", "A", "B", "C"):
        _add_order(store, key)
    step = itertools.count(1)

    def worker(own: str) -> None:
        for _ in range(4):
            _transition(store, own, step)
            while True:
                try:
                    _transition(store, "SHARED", step)
                    break
                except ConcurrencyConflictError:
                    continue

    threads = [threading.Thread(target=worker, args=(k,)) for k in ("A", "B", "C")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = outbox_entries(store)
    assert [e.position for e in entries] == list(range(1, len(entries) + 1))
    assert len(entries) == 4 + 3 * 4 * 2
    for key in ("SHARED", "A", "B", "C"):
        versions = [v for k, v in _keys(entries) if k == key]
        assert versions == sorted(versions) == list(range(versions[0], versions[-1] + 1))
    assert verify(store).ok
    if isinstance(store, SqlStore):
        store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_relays_at_once_deliver_each_event_once_and_in_order(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """The relay lock: a second relay waits for the first, then finds nothing to do."""
    store = next(_fresh(request, backend))
    _people(store)
    _add_order(store, "O1")
    for n in range(5):
        _transition(store, "O1", n)
    got: list[int] = []
    lock = threading.Lock()

    def slow(event: DomainEvent) -> None:
        time.sleep(0.01)
        with lock:
            got.append(event.originator_version)

    relays = [threading.Thread(target=deliver_outbox, args=(store, slow, 2)) for _ in range(2)]
    for t in relays:
        t.start()
    for t in relays:
        t.join()
    assert got == [2, 3, 4, 5, 6, 7]
    assert outbox_entries(store, pending_only=True) == []
    if isinstance(store, SqlStore):
        store.close()


def _relay_machine(store: Store) -> type[RuleBasedStateMachine]:
    """Random commits, rollbacks and relay runs (some failing) against a list model."""
    ids = itertools.count(1)

    class OutboxAgainstModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            deliver_outbox(store, lambda e: None)  # earlier examples' events are not ours
            self.keys = [f"SM-{next(ids)}" for _ in range(2)]
            for key in self.keys:
                _add_order(store, key)
            self.committed: list[tuple[str, int]] = _keys(outbox_entries(store))[-2:]
            self.handled: list[tuple[str, int]] = []
            self.step = 0

        @rule(which=st.integers(0, 1), commit=st.booleans())
        def transition(self, which: int, commit: bool) -> None:
            self.step += 1
            order = _transition(store, self.keys[which], self.step, commit=commit)
            if commit:
                self.committed.append((order.order_id, order.revision))

        @rule(fail_after=st.none() | st.integers(0, 4), batch=st.integers(1, 3))
        def relay(self, fail_after: int | None, batch: int) -> None:
            calls = itertools.count()

            def handler(event: DomainEvent) -> None:
                if fail_after is not None and next(calls) == fail_after:
                    raise RuntimeError("handler down")
                self.handled.append((event.originator_id, event.originator_version))

            with contextlib.suppress(EventDeliveryError):
                deliver_outbox(store, handler, batch)

        @invariant()
        def handled_is_a_prefix_of_what_was_committed(self) -> None:
            # Exactly once when nothing crashes, in commit order, never a rolled-back event.
            assert self.handled == self.committed[: len(self.handled)]

        @invariant()
        def the_marked_ones_are_exactly_those_handled(self) -> None:
            ours = [e for e in outbox_entries(store) if e.event.originator_id in self.keys]
            marked = [k for k, e in zip(_keys(ours), ours, strict=True) if e.delivered_at]
            assert marked == self.handled

    return OutboxAgainstModel


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_relay_against_a_model(backend: str, request: pytest.FixtureRequest) -> None:
    """Whatever the interleaving of work and relay runs, delivery is the commit order."""
    store = next(_fresh(request, backend))
    _people(store)
    # Each SQL step commits and reads the whole outbox twice: fewer, shorter runs there.
    budget = (
        settings() if backend == "memory" else settings(max_examples=12, stateful_step_count=12)
    )
    run_state_machine_as_test(_relay_machine(store), settings=budget)
    if isinstance(store, SqlStore):
        store.close()
