"""Optimistic concurrency with real concurrent writers (threads) on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from spo_tracker.domain.identities import phone
from spo_tracker.domain.orders import Order
from spo_tracker.errors import ConcurrencyConflictError
from spo_tracker.storage import Actor, InMemoryStore, SqlStore, Store, connect, verify
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock

BACKENDS = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """A fresh store on each SQL backend, holding one order ``O1``."""
    store = connect(request.getfixturevalue(request.param), clock=fixed_clock)
    order = builders.order("O1", "D1", ("P1",), versions=1)
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D1"))
        uow.protected_persons.add(builders.person("P1", restricted=False))
        uow.orders.add(order)
        uow.commit()
    yield store
    store.close()


def _read(store: Store) -> Order:
    with store.unit_of_work(ACTOR) as uow:
        return uow.orders.get("O1")


def _write(store: Store, actor: Actor, changed: Order, base: int) -> None:
    with store.unit_of_work(actor) as uow:
        uow.orders.update(changed, expected_revision=base, reason=changed.current.reason)
        uow.commit()


def _run(workers: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:  # collected and re-checked by the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_two_writers_from_one_revision_one_wins_and_the_other_writes_nothing(
    store: SqlStore,
) -> None:
    """Both read revision 1 and then write at once: exactly one conflict, one new version."""
    both_read = threading.Barrier(2)

    def writer(name: str) -> Callable[[], None]:
        def work() -> None:
            order = _read(store)
            both_read.wait(timeout=60)
            _write(
                store,
                Actor(name, "officer", purpose="tests"),
                builders.vary(order, name),
                order.revision,
            )

        return work

    errors = _run([writer("A"), writer("B")])
    assert len(errors) == 1
    assert isinstance(errors[0], ConcurrencyConflictError)
    final = _read(store)
    assert len(final.versions) == 2
    assert final.revision == 2
    loser = "B" if final.current.reason == "A" else "A"
    changes = [e for e in store.audit_entries() if e.event == "order.changed"]
    assert [e.actor_id for e in changes] == [final.current.reason]
    assert loser not in {e.actor_id for e in changes}


def test_concurrent_writers_that_retry_lose_no_update(store: SqlStore) -> None:
    """Three writers append three versions each, retrying on conflict: all nine land."""
    workers, rounds = 3, 3
    start = threading.Barrier(workers)
    conflicts = [0] * workers

    def writer(n: int) -> Callable[[], None]:
        def work() -> None:
            first = True
            for r in range(rounds):
                while True:
                    order = _read(store)
                    if first:  # everyone starts from the same revision: conflicts
                        start.wait(timeout=60)
                        first = False
                    time.sleep(0.002)
                    try:
                        changed = builders.vary(order, f"w{n}-r{r}")
                        _write(
                            store,
                            Actor(f"W{n}", "officer", purpose="tests"),
                            changed,
                            order.revision,
                        )
                        break
                    except ConcurrencyConflictError:
                        conflicts[n] += 1

        return work

    assert _run([writer(n) for n in range(workers)]) == []
    final = _read(store)
    reasons = [v.reason for v in final.versions[1:]]
    assert sorted(reasons) == sorted(f"w{n}-r{r}" for n in range(workers) for r in range(rounds))
    assert final.revision == 1 + workers * rounds
    assert sum(conflicts) >= workers - 1
    assert verify(store).ok  # concurrent appends still make one chain


def test_a_second_sqlite_writer_waits_for_the_lock_instead_of_failing(sqlite_url: str) -> None:
    """WAL and the busy timeout: a writer blocked for a moment goes through afterwards."""
    store = connect(sqlite_url, clock=fixed_clock)
    holding = threading.Event()

    def slow() -> None:
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add(builders.defendant("D-slow"))
            holding.set()
            time.sleep(0.5)
            uow.commit()

    def fast() -> None:
        holding.wait()
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add(builders.defendant("D-fast"))
            uow.commit()

    started = time.monotonic()
    assert _run([slow, fast]) == []
    assert time.monotonic() - started >= 0.5
    with store.unit_of_work(ACTOR) as uow:
        assert uow.defendants.ids() == ["D-fast", "D-slow"]
    store.close()


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("memory", id="memory"),
        pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
    ],
)
def test_interleaved_units_of_work_lose_no_update(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """Two open units of work read revision 1; the second to write is refused (at its update
    on PostgreSQL, which locks the row; at its commit in memory, which re-checks the base).
    SQLite is left out: its writers queue for the lock, so they cannot interleave."""
    store: Store = (
        InMemoryStore(clock=fixed_clock)
        if backend == "memory"
        else connect(request.getfixturevalue(backend), clock=fixed_clock)
    )
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D1", identities=0))
        uow.commit()
    first = store.unit_of_work(ACTOR).__enter__()
    try:
        stale = first.defendants.get("D1")
        with store.unit_of_work(Actor("PC 2", "officer", purpose="tests")) as second:
            winner = second.defendants.get("D1").link(phone("07700 900001"), fixed_clock())
            second.defendants.update(winner)
            second.commit()
        late = stale.link(phone("07700 900002"), fixed_clock())

        def update_and_commit() -> None:
            first.defendants.update(late)
            first.commit()

        with pytest.raises(ConcurrencyConflictError):
            update_and_commit()
    finally:
        first.__exit__(None, None, None)
    with store.unit_of_work(ACTOR) as uow:
        assert uow.defendants.get("D1") == winner
    store.close()
