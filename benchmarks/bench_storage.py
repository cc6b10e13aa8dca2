"""Storage speed: bulk ingest and streaming scans against raw drivers and a naive ORM.

In one run, on the same rows (seeded synthetic incidents):

* ingest through the public API (:func:`spo_tracker.storage.ingest_incidents`:
  validation, audit entry per batch) against the raw driver's ``executemany``
  of the very same tuples in the same batches (target: >= 0.5x raw) and against
  naive per-object ORM ``session.add`` (target: >= 10x naive; both measured on
  the first ``--naive`` rows into an empty table, as the naive path is slow);
* a streaming scan (:func:`spo_tracker.storage.scan_incident_rows`) against a
  bare ``SELECT`` of the same columns, same order (target: within 2x);
* aggregates (``--aggregates`` defendants, their protected persons and orders
  from the synthetic force) added one at a time (``add``, the path the import
  used before) against ``add_many`` in batches of 5,000, each in one unit of work
  into an empty database;
* 10,000 stored alerts read back one ``get`` at a time (what ``stored_alerts``
  did before) against :func:`~spo_tracker.casework.stored_alerts` (``get_many``);
* compliance records stored by ``uow.compliance.add_many`` (``COPY`` on
  PostgreSQL) against SQLAlchemy's ``executemany`` of the same rows (what it
  ran before).

SQLite always; PostgreSQL too when ``--postgres URL`` (or
``SPO_TRACKER_TEST_POSTGRES_URL``) names a server: a scratch database is made
there and dropped afterwards. Figures are printed, never asserted.

    python benchmarks/bench_storage.py --incidents 200000
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pendulum
import psycopg
import sqlalchemy as sa
from _common import report
from sqlmodel import Session

from spo_tracker.casework import stored_alerts
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Platform, handle, phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.terms import SignOnSchedule
from spo_tracker.storage import (
    Actor,
    connect,
    ingest_incidents,
    scan_incident_rows,
    scan_incidents,
    upgrade,
)
from spo_tracker.storage._engine import make_engine, parse_url
from spo_tracker.storage._mapping import MAPPERS
from spo_tracker.storage._sql_incidents import _COLUMNS, _LIGHT, _incident_row

ACTOR = Actor("bench", "ingest")
START = pendulum.datetime(2025, 1, 1, tz="Europe/London")
KINDS = (IncidentKind.MESSAGE, IncidentKind.CALL, IncidentKind.POST, IncidentKind.SIGHTING)


def synthetic(count: int, *, seed: int = 7) -> list[Incident]:
    """``count`` incidents, deterministic from ``seed``: messages, calls, posts, sightings."""
    rng = random.Random(seed)
    actors = [phone(f"07700 9{n:05d}") for n in range(200)] + [
        handle(Platform.INSTAGRAM, f"user{n}") for n in range(200)
    ]
    out = []
    for n in range(count):
        actor = rng.choice(actors)
        kind = rng.choice(KINDS)
        out.append(
            Incident(
                incident_id=f"INC-{n:09d}",
                occurred_at=START.add(seconds=n * 7 + rng.randrange(5)),
                kind=kind,
                actor=None if kind is IncidentKind.SIGHTING else actor,
                defendant_id=f"D{rng.randrange(10_000)}" if kind is IncidentKind.SIGHTING else None,
                target_person_id=f"P{rng.randrange(12_000)}",
                location=GeoPoint(52 + rng.random(), -2 + rng.random())
                if kind is IncidentKind.SIGHTING
                else None,
                summary="reported by the victim",
                evidence_refs=(f"EX/{n}",),
            )
        )
    return out


def timed(func: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def best_of(func: Callable[[], object], repeat: int) -> float:
    """The median of ``repeat`` timings (for the scans, which do not change the data)."""
    return statistics.median(timed(func) for _ in range(repeat))


def batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``rows`` in slices of ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class Backend:
    """One database server kind: how to get a fresh migrated database and a raw connection."""

    name = ""
    mark = "?"

    def fresh(self) -> str:
        raise NotImplementedError

    def raw(self, url: str) -> Any:
        raise NotImplementedError

    def tuples(self, incidents: list[Incident]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def cleanup(self) -> None:
        """Remove what :meth:`fresh` made."""


class SqliteBackend(Backend):
    """Scratch SQLite files; raw ``sqlite3`` with the store's own pragmas (WAL, NORMAL, cache)."""

    name = "SQLite"

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory()
        self._count = 0

    def fresh(self) -> str:
        self._count += 1
        url = f"sqlite:///{Path(self._folder.name) / f'bench{self._count}.sqlite'}"
        upgrade(url)
        return url

    def raw(self, url: str) -> sqlite3.Connection:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-32768"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def tuples(self, incidents: list[Incident]) -> list[tuple[Any, ...]]:
        return [_incident_row(i, sqlite=True) for i in incidents]

    def cleanup(self) -> None:
        self._folder.cleanup()


class PostgresBackend(Backend):
    """Scratch databases on a PostgreSQL server, raw ``psycopg``."""

    name = "PostgreSQL"
    mark = "%s"

    def __init__(self, url: str) -> None:
        self._url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
        self._admin = sa.create_engine(
            self._url.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        self._made: list[str] = []

    def fresh(self) -> str:
        name = f"spo_bench_{os.getpid()}_{len(self._made)}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        self._made.append(name)
        url = self._url.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        return url

    def raw(self, url: str) -> psycopg.Connection[Any]:
        plain = sa.engine.make_url(url).set(drivername="postgresql")
        return psycopg.connect(plain.render_as_string(hide_password=False))

    def tuples(self, incidents: list[Incident]) -> list[tuple[Any, ...]]:
        return [_incident_row(i, sqlite=False) for i in incidents]

    def cleanup(self) -> None:
        with self._admin.connect() as conn:
            for name in self._made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._admin.dispose()


def insert_sql(mark: str) -> str:
    """The INSERT the raw baseline runs (the same statement the store runs)."""
    return (
        f"INSERT INTO incidents ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_COLUMNS))})"
    )


def ingest_api(url: str, incidents: list[Incident], batch: int) -> float:
    """Seconds for the public API to ingest ``incidents``."""
    store = connect(url, clock=lambda: START)
    try:
        return timed(lambda: ingest_incidents(store, incidents, actor=ACTOR, batch_size=batch))
    finally:
        store.close()


def ingest_raw(backend: Backend, url: str, rows: list[tuple[Any, ...]], batch: int) -> float:
    """Seconds for the raw driver to insert the same tuples, one transaction per batch."""
    conn = backend.raw(url)
    sql = insert_sql(backend.mark)

    def run() -> None:
        cursor = conn.cursor()
        for part in batches(rows, batch):
            if isinstance(conn, sqlite3.Connection):
                cursor.execute("BEGIN IMMEDIATE")
                cursor.executemany(sql, part)
                cursor.execute("COMMIT")
            else:
                cursor.executemany(sql, part)
                conn.commit()

    try:
        return timed(run)
    finally:
        conn.close()


def ingest_raw_copy(backend: Backend, url: str, rows: list[tuple[Any, ...]], batch: int) -> float:
    """Seconds for raw psycopg COPY of the same tuples, one transaction per batch."""
    conn = backend.raw(url)
    sql = f"COPY incidents ({', '.join(_COLUMNS)}) FROM STDIN"

    def run() -> None:
        for part in batches(rows, batch):
            with conn.cursor() as cursor, cursor.copy(sql) as copy:
                for row in part:
                    copy.write_row(row)
            conn.commit()

    try:
        return timed(run)
    finally:
        conn.close()


def ingest_naive(url: str, incidents: list[Incident]) -> float:
    """Seconds for a naive ORM loop: one ``session.add`` per mapped row, then commit.

    It runs on the store's own engine settings (WAL, ``synchronous=NORMAL`` on SQLite),
    so the difference is the per-object path alone.
    """
    engine = make_engine(parse_url(url))
    mapper = MAPPERS[Incident]

    def run() -> None:
        with Session(engine) as session:
            for incident in incidents:
                session.add(mapper.from_domain(incident, 1).root)
            session.commit()

    try:
        return timed(run)
    finally:
        engine.dispose()


def scan_sql(backend: Backend) -> str:
    """The bare SELECT of the columns the light scan returns, in the scan's order."""
    columns = list(_LIGHT)
    if backend.mark == "%s":
        columns[1] = "(EXTRACT(EPOCH FROM occurred_at) * 1000000)::bigint"
        columns[10] = "(EXTRACT(EPOCH FROM reported_at) * 1000000)::bigint"
    return f"SELECT {', '.join(columns)} FROM incidents ORDER BY occurred_at, incident_id"


def bare_select(backend: Backend, url: str) -> Callable[[], int]:
    """A function that runs the bare SELECT and walks every row."""

    def run() -> int:
        conn = backend.raw(url)
        try:
            count = 0
            for _ in conn.execute(scan_sql(backend)):
                count += 1
            return count
        finally:
            conn.close()

    return run


def measure(backend: Backend, count: int, naive_count: int, batch: int) -> None:
    """Print every figure for one backend."""
    incidents = synthetic(count)
    rows = backend.tuples(incidents)
    print(f"\n== {backend.name}: {count:,} incidents, batches of {batch:,}")
    api_url, raw_url = backend.fresh(), backend.fresh()
    api = ingest_api(api_url, incidents, batch)
    raw = ingest_raw(backend, raw_url, rows, batch)
    api_rate, raw_rate = count / api, count / raw
    report(f"{backend.name} ingest, public API", api_rate, "rows/s")
    report(f"{backend.name} ingest, raw executemany (same tuples)", raw_rate, "rows/s")
    report(f"{backend.name} ingest, API / raw", api_rate / raw_rate, "x", ">= 0.5")
    # The naive path is slow, so it runs on the first rows only; the API runs on the same
    # rows into an equally empty database, so that both pay the same index sizes.
    sample = incidents[:naive_count]
    naive_rate = naive_count / ingest_naive(backend.fresh(), sample)
    api_sample_rate = naive_count / ingest_api(backend.fresh(), sample, batch)
    label = f"({naive_count:,} rows into an empty table)"
    report(f"{backend.name} ingest, naive ORM session.add {label}", naive_rate, "rows/s")
    report(f"{backend.name} ingest, public API {label}", api_sample_rate, "rows/s")
    report(f"{backend.name} ingest, API / naive ORM", api_sample_rate / naive_rate, "x", ">= 10")
    if isinstance(backend, PostgresBackend):
        copy = ingest_raw_copy(backend, backend.fresh(), rows, batch)
        report(f"{backend.name} ingest, raw COPY (same tuples)", count / copy, "rows/s")
        report(f"{backend.name} ingest, API / raw COPY", api_rate / (count / copy), "x")

    store = connect(api_url, clock=lambda: START)
    try:
        scan = best_of(lambda: sum(1 for _ in scan_incident_rows(store)), 3)
        full = best_of(lambda: sum(1 for _ in scan_incidents(store)), 1)
    finally:
        store.close()
    bare = best_of(bare_select(backend, api_url), 3)
    report(f"{backend.name} scan, bare SELECT", count / bare, "rows/s")
    report(f"{backend.name} scan, scan_incident_rows (light rows)", count / scan, "rows/s")
    report(f"{backend.name} scan, scan_incidents (domain objects)", count / full, "rows/s")
    report(f"{backend.name} scan, light scan time / bare SELECT time", scan / bare, "x", "<= 2")


def add_aggregates(url: str, objs: list[list[Any]], *, bulk: bool) -> float:
    """Seconds to store ``objs`` (lists of one kind, parents first) in one unit of work."""
    store = connect(url, clock=lambda: START)

    def run() -> None:
        with store.unit_of_work(ACTOR) as uow:
            for kind in objs:
                repo = uow.repository_for(kind[0])
                if bulk:
                    for start in range(0, len(kind), 5_000):
                        repo.add_many(kind[start : start + 5_000], reason="bench")
                else:
                    for obj in kind:
                        repo.add(obj, reason="bench")
            uow.commit()

    try:
        return timed(run)
    finally:
        store.close()


def bench_aggregates(backend: Backend, count: int) -> None:
    """Aggregates added one by one against ``add_many``, into equally empty databases."""
    force = synthetic_force(seed=1, defendants=count, orders=round(count * 1.2))
    objs: list[list[Any]] = [
        list(force.defendants),
        list(force.protected_persons),
        list(force.orders),
    ]
    total = sum(map(len, objs))
    label = f"{count:,} defendants, {len(force.orders):,} orders, {total:,} aggregates"
    one = total / add_aggregates(backend.fresh(), objs, bulk=False)
    bulk = total / add_aggregates(backend.fresh(), objs, bulk=True)
    report(f"{backend.name} aggregates ({label}), add one by one", one, "aggregates/s")
    report(f"{backend.name} aggregates ({label}), add_many", bulk, "aggregates/s")
    report(f"{backend.name} aggregates, add_many / add one by one", bulk / one, "x")


def sample_alerts(count: int) -> list[Alert]:
    """``count`` breach alerts with distinct ids."""
    return [
        Alert(
            alert_id=alert_id_for("bench", n),
            rule_id="breach.no_contact",
            kind=AlertKind.BREACH,
            severity=Severity.HIGH,
            defendant_id=f"D{n % 1_000}",
            order_id=f"O{n % 1_000}",
            term_id="T1",
            section="SPA2019 s.8(1)",
            title=f"Suspected breach {n}",
            explanation="For review: reasonable excuse is for a court.",
            evidence_ids=(f"I-{n}", f"I-{n + 1}"),
            count=2,
            first_seen=START.add(minutes=n),
            last_seen=START.add(minutes=n + 5),
            identified_at=START.add(days=30),
        )
        for n in range(count)
    ]


def bench_stored_alerts(backend: Backend, count: int) -> None:
    """Stored alerts read one ``get`` at a time against ``stored_alerts`` (``get_many``)."""
    url = backend.fresh()
    store = connect(url, clock=lambda: START)
    at = START.add(days=31)
    try:
        with store.unit_of_work(ACTOR) as uow:
            uow.add_alerts(sample_alerts(count))
            uow.commit()

        def one_by_one() -> int:
            with store.unit_of_work(ACTOR, at=at) as uow:
                return len([uow.alerts.get(k) for k in uow.alerts.ids()])

        before = best_of(one_by_one, 3)
        after = best_of(lambda: stored_alerts(store, actor=ACTOR, at=at), 3)
    finally:
        store.close()
    report(f"{backend.name} {count:,} stored alerts, read one get at a time", before, "s")
    report(f"{backend.name} {count:,} stored alerts, stored_alerts (get_many)", after, "s")
    report(f"{backend.name} stored alerts, one by one / bulk", before / after, "x")


def bench_compliance(backend: Backend, count: int) -> None:
    """Compliance records stored by ``add_many`` against an ``executemany`` of the same rows."""
    force = synthetic_force(seed=1, defendants=10, orders=12)
    order = force.orders[0]
    records = [
        ComplianceRecord(f"C-{n:08d}", order.defendant_id, order.order_id, "T-SIGN", START)
        for n in range(count)
    ]
    mapper = MAPPERS[ComplianceRecord]
    rows = [mapper.root_values(r, 1) for r in records]
    url = backend.fresh()
    store = connect(url, clock=lambda: START)
    try:
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add_many(
                [d for d in force.defendants if d.defendant_id == order.defendant_id]
            )
            uow.protected_persons.add_many(
                [p for p in force.protected_persons if p.person_id in order.protected_person_ids]
            )
            uow.orders.add(_with_sign_on(order))
            uow.commit()

        def api() -> None:
            with store.unit_of_work(ACTOR) as uow:
                uow.compliance.add_many(records)
                uow.rollback()

        def executemany() -> None:
            with Session(store.engine) as session:
                session.execute(sa.insert(mapper.root.__table__), rows)  # type: ignore[attr-defined]
                session.rollback()

        bulk = count / best_of(api, 3)
        plain = count / best_of(executemany, 3)
    finally:
        store.close()
    report(f"{backend.name} compliance, add_many ({count:,} records)", bulk, "records/s")
    report(
        f"{backend.name} compliance, SQLAlchemy executemany of the same rows", plain, "records/s"
    )
    report(f"{backend.name} compliance, add_many / executemany", bulk / plain, "x")


def _with_sign_on(order: Any) -> Any:
    """``order`` with a sign-on schedule ``T-SIGN`` in its current version."""
    term = SignOnSchedule(term_id="T-SIGN", station="Lloyd House", weekdays=frozenset({0}))
    current = attrs.evolve(order.current, terms=(*order.current.terms, term))
    return attrs.evolve(order, versions=(*order.versions[:-1], current))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--incidents", type=int, default=200_000, help="rows (default 200,000)")
    parser.add_argument("--naive", type=int, default=20_000, help="rows for the naive ORM path")
    parser.add_argument("--batch", type=int, default=5_000, help="ingest batch size")
    parser.add_argument("--aggregates", type=int, default=1_000, help="defendants to add")
    parser.add_argument("--alerts", type=int, default=10_000, help="stored alerts to read")
    parser.add_argument("--compliance", type=int, default=100_000, help="compliance records")
    parser.add_argument("--only-bulk", action="store_true", help="skip the incident figures")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SPO_TRACKER_TEST_POSTGRES_URL"),
        help="a PostgreSQL server URL (default: $SPO_TRACKER_TEST_POSTGRES_URL; unset: skip)",
    )
    args = parser.parse_args(argv)
    backends: list[Backend] = [SqliteBackend()]
    if args.postgres:
        backends.append(PostgresBackend(args.postgres))
    for backend in backends:
        try:
            if not args.only_bulk:
                measure(backend, args.incidents, min(args.naive, args.incidents), args.batch)
            print(f"\n== {backend.name}: bulk aggregates, stored alerts, compliance")
            bench_aggregates(backend, args.aggregates)
            bench_stored_alerts(backend, args.alerts)
            bench_compliance(backend, args.compliance)
        finally:
            backend.cleanup()


if __name__ == "__main__":
    main()
