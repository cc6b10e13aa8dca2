"""Idempotent intake speed: :func:`spo_tracker.casework.ingest` against the plain bulk path.

In one run, on the same incidents, each into a fresh database:

* :func:`spo_tracker.storage.ingest_incidents` (no duplicate check: a re-sent
  incident rolls its batch back);
* :func:`spo_tracker.casework.ingest` of new incidents (one bulk lookup of the
  ids per 500, then the same bulk insert);
* ``casework.ingest`` of a "last 48 hours" export that overlaps the stored
  ones by half, and of one that is all stored already (skipped, compared as
  stored rows).

SQLite always; PostgreSQL too when ``--postgres URL`` (or
``SPO_TRACKER_TEST_POSTGRES_URL``) names a server (a scratch database is made
and dropped). Figures are printed, never asserted.

    python benchmarks/bench_intake.py --incidents 100000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator

import pendulum
import sqlalchemy as sa
from _common import report

from spo_tracker import casework
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.storage import Actor, SqlStore, connect, ingest_incidents, upgrade

ACTOR = Actor("bench", "ingest")
AT = pendulum.datetime(2026, 1, 1, tz="UTC")


def incidents(count: int, start: int = 0) -> list[Incident]:
    """``count`` incidents a minute apart, every field filled."""
    base = pendulum.datetime(2025, 6, 1, 8, tz="Europe/London")
    return [
        Incident(
            incident_id=f"CAD-{n:08d}",
            occurred_at=base.add(minutes=n),
            kind=IncidentKind.MESSAGE,
            actor=phone("+447700900123"),
            defendant_id="D1",
            target_person_id="P1",
            location=GeoPoint(52.48, -1.9 + n / 1e6),
            summary=f"message {n}",
            evidence_refs=(f"EX/{n}",),
        )
        for n in range(start, start + count)
    ]


def sqlite_urls() -> Iterator[str]:
    """A fresh, migrated SQLite database each time."""
    while True:
        url = f"sqlite:///{tempfile.mkdtemp()}/intake.sqlite"
        upgrade(url)
        yield url


def postgres_urls(server: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database each time, dropped when the next is made."""
    admin = sa.create_engine(sa.engine.make_url(server).set(database="postgres"))
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    name = ""
    try:
        for n in range(10**6):
            if name:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            name = f"spo_bench_intake_{os.getpid()}_{n}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
            url = sa.engine.make_url(server).set(database=name)
            text = url.render_as_string(hide_password=False)
            upgrade(text)
            yield text
    finally:
        if name:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def timed(url: str, before: list[Incident], work: Callable[[SqlStore], object]) -> float:
    """Seconds ``work`` takes on a store at ``url`` already holding ``before``."""
    store = connect(url)
    try:
        if before:
            ingest_incidents(store, before, actor=ACTOR, at=AT)
        start = time.perf_counter()
        work(store)
        return time.perf_counter() - start
    finally:
        store.close()


def run(backend: str, urls: Iterator[str], count: int) -> None:
    """Every figure on one backend."""
    new = incidents(count)
    half = incidents(count // 2)
    cases: list[tuple[str, list[Incident], Callable[[SqlStore], object]]] = [
        ("ingest_incidents, new", [], lambda s: ingest_incidents(s, new, actor=ACTOR, at=AT)),
        ("casework.ingest, new", [], lambda s: casework.ingest(s, new, actor=ACTOR, at=AT)),
        (
            "casework.ingest, half re-sent",
            half,
            lambda s: casework.ingest(s, new, actor=ACTOR, at=AT),
        ),
        (
            "casework.ingest, all re-sent",
            new,
            lambda s: casework.ingest(s, new, actor=ACTOR, at=AT),
        ),
    ]
    for name, before, work in cases:
        seconds = timed(next(urls), before, work)
        report(f"{backend} {name}", count / seconds, "incidents/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("SPO_TRACKER_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    run("sqlite", sqlite_urls(), args.incidents)
    if args.postgres:
        urls = postgres_urls(args.postgres)
        try:
            run("postgresql", urls, args.incidents)
        finally:
            urls.close()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
