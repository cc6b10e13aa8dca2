"""Storing a detection run's alerts (:func:`spo_tracker.casework.store_alerts`), alone.

The storing stage of ``run_detection``, without loading records or scanning:
``--alerts`` alerts (default 45,000: what a full run over the synthetic force
with its compliance raises at 50,000 incidents) are stored into an empty store
three times in a row, each in one unit of work:

* first: every alert is new (``UnitOfWork.add_alerts``: one multi-row insert,
  one audit entry, an outbox event each);
* second: every alert is stored as it is (read in bulk with their revisions,
  compared, nothing written);
* third: every twentieth alert changed (its explanation), the rest as they are
  (``update_many``: each written only over the revision read, one audit entry each).

The alerts are the missed sign-on days of the synthetic force's orders when
no compliance is recorded (``requirement_alerts`` with none), as many orders as
give ``--alerts``. Wall and CPU seconds of this process are printed, never
asserted; the machine may be shared (the load average is printed first).

    python benchmarks/bench_store_alerts.py
    python benchmarks/bench_store_alerts.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import attrs
import pendulum
import sqlalchemy as sa
from _common import report

from spo_tracker.casework import store_alerts
from spo_tracker.detection.dated import requirement_alerts
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.domain.alerts import Alert
from spo_tracker.storage import Actor, connect, upgrade

ACTOR = Actor("bench", "ingest", purpose="benchmark")
AT = pendulum.datetime(2026, 6, 1, tz="UTC")


def alerts(count: int) -> list[Alert]:
    """``count`` missed sign-on alerts of the synthetic force (the orders taken in turn)."""
    found: list[Alert] = []
    orders = synthetic_force(0).orders
    for start in range(0, len(orders), 100):
        found += requirement_alerts(orders[start : start + 100], [], AT)
        if len(found) >= count:
            break
    return found[:count]


def measure(name: str, url: str, batch: list[Alert]) -> None:
    """Store ``batch`` three times into the empty store at ``url`` and print the times."""
    upgrade(url)
    changed = [
        attrs.evolve(a, explanation=a.explanation + " Seen again.") if n % 20 == 0 else a
        for n, a in enumerate(batch)
    ]
    with connect(url) as store:
        for what, alerts_now in (
            ("first, all new", batch),
            ("second, all as stored", batch),
            ("third, one in twenty changed", changed),
        ):
            wall, cpu = time.perf_counter(), time.process_time()
            done = store_alerts(store, alerts_now, actor=ACTOR, at=AT, reason="bench")
            counts = f"{done.new:,} new, {done.updated:,} updated, {done.unchanged:,} unchanged"
            report(
                f"{name} store {len(batch):,} alerts, {what} ({counts})",
                time.perf_counter() - wall,
                "s",
            )
            report(f"{name}   of which CPU of this process", time.process_time() - cpu, "s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=45_000)
    parser.add_argument("--postgres", metavar="URL", help="also measure on this server")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.alerts:,} alerts")
    batch = alerts(args.alerts)
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{Path(folder) / 'alerts.sqlite'}", batch)
    if args.postgres:
        base = sa.engine.make_url(args.postgres).set(drivername="postgresql+psycopg")
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = f"spo_bench_store_alerts_{os.getpid()}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            measure(
                "PostgreSQL", base.set(database=name).render_as_string(hide_password=False), batch
            )
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.dispose()


if __name__ == "__main__":
    main()
