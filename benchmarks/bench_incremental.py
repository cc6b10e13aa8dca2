"""The nightly incremental detection run: what grows with the new incidents.

A store holds the synthetic force (10,000 defendants, 12,000 orders),
``--stored`` of its incidents and its compliance records (built by
``bench_casework.build``); a previous run's watermark is written as its
audit note (``detection.run`` with ``through``, the way ``run_detection``
writes it, without the cost of a real full run first; see docs/performance.md).
Then, for each of ``--new`` (default 1,000, 3,000 and 10,000), on a fresh copy:
``N`` new incidents are ingested (another stream of the same force, so they fall
on the same defendants' histories), and the incident side of an incremental run is timed in stages:

* deciding the run can be incremental (the watermark, the audit entries since);
* reading the new incidents and every incident of their defendants
  (``touched_rows``);
* judging those rows (``Detector.scan_rows``);

beside a bare ``SELECT`` of the whole stored history with the raw driver (the
baseline of docs/performance.md) in the same run. Loading the records (orders,
defendants, persons) and the dated checks are per order, the same for a full or
an incremental run, and are reported once, apart. Figures are printed, never
asserted. The machine is shared: the load average is printed first.

    python benchmarks/bench_incremental.py --stored 250000
    python benchmarks/bench_incremental.py --stored 250000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import time
from pathlib import Path

import sqlalchemy as sa
from _common import report
from bench_casework import AT, STORE_VERSION, bare_select_postgres, bare_select_sqlite, build

from spo_tracker.casework import load_records, run_detection
from spo_tracker.casework._incremental import (
    RUN_EVENT,
    Watermark,
    config_digest,
    full_run_reason,
    judged_records,
    touched_rows,
)
from spo_tracker.detection import Detector
from spo_tracker.detection.resolution import IdentityIndex
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.storage import Actor, Store, connect, ingest_incidents, upgrade

ACTOR = Actor("bench", "ingest", purpose="benchmark")


def mark_run(store: Store) -> None:
    """Write the audit note of a run that judged everything stored, as of ``AT``."""
    head = store.audit_head()
    assert head is not None
    changes = {"mode": "full", "through": head[0], "config": config_digest(None)}
    with store.unit_of_work(ACTOR, at=AT) as uow:
        uow.note(RUN_EVENT, "detection", AT.isoformat(), changes=changes, reason="bench")
        uow.commit()


def incremental(url: str, new: int, seed: int, detector: Detector | None) -> dict[str, float]:
    """Ingest ``new`` incidents into the store at ``url``, then time the incident side."""
    store = connect(url, clock=lambda: AT)
    try:
        fresh = synthetic_force(seed).incidents(new, stream=1)
        ingest_incidents(store, fresh, actor=ACTOR, batch_size=20_000, at=AT)
        begin = time.perf_counter()
        records = load_records(store, actor=ACTOR, at=AT)
        loaded = time.perf_counter()
        head = store.audit_head()
        assert head is not None
        previous = Watermark.latest(store)
        why = full_run_reason(store, previous, head=head[0], config=config_digest(None), full=False)
        assert why is None, why
        assert previous is not None
        decided = time.perf_counter()
        rows, counted = touched_rows(
            store,
            previous,
            head=head[0],
            until=AT,
            defendants=records.defendants,
            identities=IdentityIndex(records.defendants),
        )
        read = time.perf_counter()
        orders, defendants = judged_records(rows, records.orders, records.defendants)
        detector = Detector(orders, defendants, protected_persons=records.protected_persons)
        compiled = time.perf_counter()
        found = detector.scan_rows(rows)
        judged = time.perf_counter()
        # The whole run as a nightly job runs it (records, incident side, dated checks,
        # storing), after the stages above (which wrote nothing).
        run = run_detection(store, at=AT, actor=ACTOR)
        whole = time.perf_counter() - judged
    finally:
        store.close()
    assert counted == new
    assert run.incremental, run.full_reason
    return {
        "load_s": loaded - begin,
        "compile_s": compiled - read,
        "decide_s": decided - loaded,
        "read_s": read - decided,
        "scan_s": judged - compiled,
        "rows": len(rows),
        "defendants": len(defendants),
        "alerts": len(found.alerts),
        "whole_s": whole,
        "stored_new": run.stored.new,
    }


def show(name: str, new: int, bare: tuple[float, int], found: dict[str, float]) -> None:
    seconds, stored = bare
    side = found["decide_s"] + found["read_s"] + found["compile_s"] + found["scan_s"]
    label = f"{name} {new:,} new over {stored:,} stored"
    report(f"{label}: bare SELECT of the history", seconds, "s")
    report(f"{label}: incident side of the run", side, "s", "<= 2 at 3,000 new")
    report(f"{label}:   over the bare SELECT", side / seconds, "x")
    report(f"{label}:   decide (watermark, entries since)", found["decide_s"], "s")
    rows = f"{found['rows']:,.0f} rows of their defendants"
    report(f"{label}:   read the new incidents and {rows}", found["read_s"], "s")
    who = f"{found['defendants']:,.0f} defendants"
    report(f"{label}:   compile the detector for their {who}", found["compile_s"], "s")
    report(f"{label}:   judge them ({found['alerts']:,.0f} alerts)", found["scan_s"], "s")
    report(f"{label}: load the records (every run, per order)", found["load_s"], "s")
    new_alerts = f"{found['stored_new']:,.0f} alerts new"
    report(f"{label}: the whole run_detection ({new_alerts})", found["whole_s"], "s", "<= 2")


def sqlite_figures(cache: Path, stored: int, news: list[int], seed: int) -> None:
    kept = cache / f"force-{STORE_VERSION}-{seed}-{stored}.sqlite"
    if not kept.exists():
        print(f"building {kept} (once; later runs reuse it)", flush=True)
        partial = kept.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(f"sqlite:///{partial}", stored, seed)
        with connect(f"sqlite:///{partial}", clock=lambda: AT) as store:
            mark_run(store)
        partial.rename(kept)
    for new in news:
        copy = cache / f"run-{os.getpid()}.sqlite"
        shutil.copyfile(kept, copy)
        try:
            upgrade(f"sqlite:///{copy}")
            bare = bare_select_sqlite(copy)
            show("SQLite", new, bare, incremental(f"sqlite:///{copy}", new, seed, None))
        finally:
            for leftover in cache.glob(f"run-{os.getpid()}.sqlite*"):
                leftover.unlink()


def postgres_figures(url: str, stored: int, news: list[int], seed: int) -> None:
    base = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    kept = f"spo_bench_incremental_{STORE_VERSION}_{seed}_{stored}"
    with admin.connect() as conn:
        have = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (kept,))
        if have.first() is None:
            print(f"building database {kept} (once; later runs reuse it)", flush=True)
            conn.exec_driver_sql(f"CREATE DATABASE {kept}_partial")
            target = base.set(database=f"{kept}_partial").render_as_string(hide_password=False)
            build(target, stored, seed)
            with connect(target, clock=lambda: AT) as store:
                mark_run(store)
            conn.exec_driver_sql(f"ALTER DATABASE {kept}_partial RENAME TO {kept}")
    for new, n in zip(news, itertools.count(), strict=False):
        copy = f"spo_bench_incremental_run_{os.getpid()}_{n}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {copy} TEMPLATE {kept}")
        try:
            target = base.set(database=copy).render_as_string(hide_password=False)
            upgrade(target)
            bare = bare_select_postgres(target)
            show("PostgreSQL", new, bare, incremental(target, new, seed, None))
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=250_000)
    parser.add_argument("--new", type=int, nargs="+", default=[1_000, 3_000, 10_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/spo_bench_incremental"))
    parser.add_argument("--postgres", metavar="URL", help="also measure on this server")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.stored:,} stored, seed {args.seed}")
    args.cache.mkdir(parents=True, exist_ok=True)
    if not args.no_sqlite:
        sqlite_figures(args.cache, args.stored, args.new, args.seed)
    if args.postgres:
        postgres_figures(args.postgres, args.stored, args.new, args.seed)


if __name__ == "__main__":
    main()
