"""Integration surface: import cost of the package, domain events and the transactional outbox.

Figures (printed, never asserted):

* ``import spo_tracker`` in a fresh interpreter with bytecode cached (the lazy
  top-level API), against ``import spo_tracker.storage`` and an empty
  interpreter: the median of 7 runs after a warm-up;
* building one event from a fired transition (median CPU microseconds);
* lifecycle transitions stored per second, one unit of work each
  (``uow.record(fired)``: the update, its audit entry and its outbox event),
  against the same updates stored without a transition (update and audit
  entry, no event), on memory, SQLite and PostgreSQL;
* outbox delivery: events handed to a no-op handler and marked delivered per
  second by :func:`spo_tracker.storage.deliver_outbox`, for two batch sizes.

SQLite and memory always; PostgreSQL too when ``--postgres URL`` (or
``SPO_TRACKER_TEST_POSTGRES_URL``) names a server: a scratch database is made
there and dropped afterwards.

    python benchmarks/bench_outbox.py --transitions 2000 --events 20000
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pendulum
import sqlalchemy as sa
from _common import report

from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.lifecycles import dismiss_appeal, lodge_appeal, make_order, serve_order
from spo_tracker.domain.orders import Duration, Order
from spo_tracker.domain.people import ChiefOfficer, Defendant, Force, NameUse, ProtectedPerson
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.terms import NoContact
from spo_tracker.events import event_for
from spo_tracker.storage import Actor, InMemoryStore, Store, connect, deliver_outbox, upgrade

NOW = pendulum.datetime(2026, 3, 20, 9, tz="Europe/London")
ACTOR = Actor("bench", "ingest")


def _interpreter_ms(code: str, runs: int = 7) -> float:
    """Median wall-clock milliseconds of ``python -c code``, bytecode cached in a scratch folder."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", code], env=env, check=True)  # warm the cache
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure_imports() -> None:
    """The cost of importing the package, against what it defers."""
    bare = _interpreter_ms("pass")
    package = _interpreter_ms("import spo_tracker")
    storage = _interpreter_ms("import spo_tracker.storage")
    report("python -c pass", bare, "ms")
    report("python -c 'import spo_tracker' (lazy top-level API)", package, "ms")
    report("  of which spo_tracker itself", package - bare, "ms")
    report("python -c 'import spo_tracker.storage' (what the lazy API defers)", storage, "ms")


def _order(key: str) -> Order:
    made = make_order(
        order_id=key,
        kind="full",
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=ChiefOfficer(Force("20", "West Midlands Police")),
        court="Birmingham Magistrates' Court",
        made_at=NOW.subtract(days=30),
        terms=(NoContact(term_id="T1", persons=("P1",)),),
        duration=Duration(years=2),
    ).order
    return serve_order(made, at=NOW.subtract(days=29), actor="bench").subject


def _next(order: Order, n: int) -> Fired[Order]:
    at = NOW.add(seconds=n)
    if order.appeal_pending:
        return dismiss_appeal(order, at=at, actor="Crown Court")
    return lodge_appeal(order, at=at, actor="solicitor")


def measure_event_building(number: int = 5000) -> None:
    """CPU microseconds to build one event from a fired transition."""
    fired = _next(_order("O1"), 1)
    runs = []
    for _ in range(7):
        start = time.process_time()
        for _ in range(number):
            event_for(fired)
        runs.append((time.process_time() - start) / number)
    report("event_for(fired), CPU", statistics.median(runs) * 1e6, "us")


def _seed(store: Store) -> Order:
    order = _order("O1")
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(Defendant("D1", (NameUse("Alex Example"),)))
        uow.protected_persons.add(ProtectedPerson("P1", "Sam Example"))
        uow.orders.add(order)
        uow.commit()
    return order


def _transitions(store: Store, order: Order, count: int) -> float:
    start = time.perf_counter()
    for n in range(count):
        fired = _next(order, n)
        with store.unit_of_work(ACTOR) as uow:
            uow.orders.revision(order.order_id)  # the base of the update, as after a get
            uow.record(fired)
            uow.commit()
        order = fired.subject
    return count / (time.perf_counter() - start)


def _plain_updates(store: Store, order: Order, count: int) -> float:
    start = time.perf_counter()
    for n in range(count):
        changed = _next(order, n).subject  # the same change, stored without its transition
        with store.unit_of_work(ACTOR) as uow:
            uow.orders.revision(order.order_id)
            uow.orders.update(changed)
            uow.commit()
        order = changed
    return count / (time.perf_counter() - start)


def _alerts(count: int) -> list[Alert]:
    return [
        Alert(
            alert_id=alert_id_for("bench", n),
            rule_id="breach.no_contact",
            kind=AlertKind.BREACH,
            severity=Severity.HIGH,
            defendant_id="D1",
            order_id="O1",
            term_id="T1",
            section="SPA2019 s.8(1)",
            title=f"Suspected breach {n}",
            explanation="For review: reasonable excuse is for a court.",
            identified_at=NOW,
        )
        for n in range(count)
    ]


def _delivery(store: Store, batch: int, events: int) -> float:
    with store.unit_of_work(ACTOR) as uow:
        uow.add_alerts(_alerts(events))
        uow.commit()
    start = time.perf_counter()
    done = deliver_outbox(store, lambda e: None, batch).delivered
    return done / (time.perf_counter() - start)


def measure_store(name: str, fresh: Callable[[], Store], transitions: int, events: int) -> None:
    """Transitions stored per second with and without events, and delivery per second."""
    store = fresh()
    order = _seed(store)
    with_events = _transitions(store, order, transitions)
    store = fresh()
    plain = _plain_updates(store, _seed(store), transitions)
    report(f"{name}: transitions stored with their event (uow.record)", with_events, "/s")
    report(f"{name}: the same updates stored without an event", plain, "/s")
    report(f"{name}: with events / without", with_events / plain, "x")
    for batch in (100, 1000):
        rate = _delivery(fresh(), batch, events)
        report(f"{name}: outbox delivered, batch_size={batch} ({events:,} events)", rate, "/s")


@contextmanager
def sqlite_stores(folder: Path) -> Iterator[Callable[[], Store]]:
    """A maker of fresh, migrated SQLite stores in ``folder``."""
    template = folder / "template.sqlite"
    upgrade(f"sqlite:///{template}")
    opened: list[Store] = []

    def fresh() -> Store:
        path = folder / f"bench-{len(opened)}.sqlite"
        path.write_bytes(template.read_bytes())
        store = connect(f"sqlite:///{path}", clock=lambda: NOW)
        opened.append(store)
        return store

    try:
        yield fresh
    finally:
        for store in opened:
            store.close()


@contextmanager
def postgres_stores(url: str) -> Iterator[Callable[[], Store]]:
    """A maker of fresh, migrated PostgreSQL databases on the server at ``url``, dropped after."""
    server = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    made: list[str] = []
    opened: list[Store] = []

    def fresh() -> Store:
        name = f"spo_bench_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        made.append(name)
        target = server.set(database=name).render_as_string(hide_password=False)
        upgrade(target)
        store = connect(target, clock=lambda: NOW)
        opened.append(store)
        return store

    try:
        yield fresh
    finally:
        for store in opened:
            store.close()
        with admin.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--transitions", type=int, default=2_000, help="units of work timed")
    parser.add_argument("--events", type=int, default=20_000, help="events delivered")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SPO_TRACKER_TEST_POSTGRES_URL"),
        help="a PostgreSQL server URL (default: $SPO_TRACKER_TEST_POSTGRES_URL; unset: skip)",
    )
    args = parser.parse_args(argv)
    measure_imports()
    measure_event_building()
    measure_store("memory", lambda: InMemoryStore(clock=lambda: NOW), args.transitions, args.events)
    with tempfile.TemporaryDirectory() as folder, sqlite_stores(Path(folder)) as fresh:
        measure_store("sqlite", fresh, args.transitions, args.events)
    if args.postgres:
        with postgres_stores(args.postgres) as fresh_pg:
            measure_store("postgresql", fresh_pg, args.transitions, args.events)


if __name__ == "__main__":
    main()
