"""The path users run: :func:`spo_tracker.casework.run_detection` over a force-scale store.

In one run, over a store holding the synthetic force
(:func:`spo_tracker.detection.synthetic.synthetic_force`: 10,000 defendants,
12,000 orders, their protected persons), ``--incidents`` of its incidents
(default 1,000,000) and its compliance records up to ``AT`` (about a million
sign-ons and requirements met, :meth:`SyntheticForce.compliance`, so that a
few per cent of sign-on days are missed, as in a real force), prints:

* the time of a bare ``SELECT`` of the same incident rows (the columns the
  light scan reads, same ``WHERE`` and ``ORDER BY``) with the raw driver,
  walking every row: the baseline;
* the time of a full ``run_detection`` (load the records, scan every incident,
  the dated checks, store every alert, the audit note) into a copy of the store
  that holds no alerts yet, and with ``--again`` of a second run straight after
  (every alert found again, nothing changed);
* the first run's time over the bare SELECT's (target <= 2x), and its stages:
  loading the records, scanning the incidents (light rows; also over the bare
  SELECT), the dated checks (sign-on days, requirements, reviews, duties) and
  storing the alerts;
* the scan stage alone, after the run, over full incident objects
  (``Detector.scan(scan_incidents(...))``, the path ``run_detection`` took
  before) and over light rows (``Detector.scan_rows(scan_incident_rows(...))``,
  the path it takes now), each over the bare SELECT;
* the peak resident memory (``ru_maxrss``) of the process that ran detection.

With ``--scan-only``, no full run: the records are loaded and the scan stage
is timed both ways (quick, and what the 2x target is about when the dated
checks dominate: see docs/performance.md).

Detection runs in a child process, so its peak memory is its own and nothing
the parent built is in it; its times are measured in the child around the
call alone. The store is built once and kept (SQLite: a file under
``--cache``; PostgreSQL: a database named after the seed and size, on the
server given), and each measurement works on a fresh copy of it (a file copy;
``CREATE DATABASE ... TEMPLATE``), dropped afterwards. Figures are printed,
never asserted. The machine is shared: note the load average (printed first).

    python benchmarks/bench_casework.py --incidents 250000
    python benchmarks/bench_casework.py --quick       # 50,000 incidents
    python benchmarks/bench_casework.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pendulum
import psycopg
import sqlalchemy as sa
from _common import report

from spo_tracker.casework import StoredRecords, load_records, run_detection
from spo_tracker.detection import Detector
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.storage import (
    Actor,
    Store,
    connect,
    ingest_incidents,
    scan_incident_rows,
    scan_incidents,
    upgrade,
)

ACTOR = Actor("bench", "ingest", purpose="benchmark")
#: In the names of kept stores: a store built by an earlier ``build`` (one with no
#: compliance records) is not reused.
STORE_VERSION = "c1"
#: After every synthetic incident (they fall in 2024-2025): the whole history is read.
AT = pendulum.datetime(2026, 6, 1, tz="UTC")
LIGHT = (
    "incident_id, {occurred}, kind, platform, actor_key, defendant_id, target_person_id, "
    "{via}, lat, lon, {reported}"
)


def build(url: str, count: int, seed: int) -> None:
    """Fill an empty store at ``url``: the force's records, ``count`` incidents, and the
    force's compliance records (sign-ons, requirements met) made by ``AT``."""
    upgrade(url)
    force = synthetic_force(seed)
    store = connect(url, clock=lambda: AT)
    try:
        with store.unit_of_work(ACTOR, at=AT) as uow:
            for kind in (force.defendants, force.protected_persons, force.orders):
                repo = uow.repository_for(kind[0])
                for start in range(0, len(kind), 5_000):
                    repo.add_many(kind[start : start + 5_000], reason="bench")
            uow.commit()
        ingest_incidents(store, force.incidents(count), actor=ACTOR, batch_size=20_000, at=AT)
        records = force.compliance(until=AT)
        while batch := list(itertools.islice(records, 50_000)):
            with store.unit_of_work(ACTOR, at=AT) as uow:
                uow.compliance.add_many(batch, reason="bench")
                uow.commit()
    finally:
        store.close()


def bare_select_sqlite(path: Path) -> tuple[float, int]:
    """Seconds and rows for the bare SELECT, with the store's own pragmas."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-32768"):
            conn.execute(f"PRAGMA {pragma}")
        columns = LIGHT.format(
            occurred="occurred_at", via="via_third_party", reported="reported_at"
        )
        sql = (
            f"SELECT {columns} "
            "FROM incidents WHERE occurred_at < ? ORDER BY occurred_at, incident_id"
        )
        until = int(AT.timestamp()) * 1_000_000
        start, rows = time.perf_counter(), 0
        for _ in conn.execute(sql, (until,)):
            rows += 1
        return time.perf_counter() - start, rows
    finally:
        conn.close()


def bare_select_postgres(url: str) -> tuple[float, int]:
    """Seconds and rows for the bare SELECT with psycopg (a server-side cursor, as the scan)."""
    plain = sa.engine.make_url(url).set(drivername="postgresql")
    occurred = "(EXTRACT(EPOCH FROM occurred_at) * 1000000)::bigint"
    reported = "(EXTRACT(EPOCH FROM reported_at) * 1000000)::bigint"
    sql = (
        f"SELECT {LIGHT.format(occurred=occurred, via='via_third_party::int', reported=reported)} "
        "FROM incidents WHERE occurred_at < %s ORDER BY occurred_at, incident_id"
    )
    with psycopg.connect(plain.render_as_string(hide_password=False)) as conn:
        start, rows = time.perf_counter(), 0
        with conn.cursor(name="bench") as cursor:
            cursor.itersize = 10_000
            cursor.execute(sql, (AT,))
            while chunk := cursor.fetchmany(10_000):
                rows += len(chunk)
        return time.perf_counter() - start, rows


def full_run(store: Store, records: StoredRecords, begin: float) -> dict[str, Any]:
    """Time one ``run_detection`` (``begin``: when loading the records started) by stage."""
    stamps: dict[str, float] = {"loaded": time.perf_counter()}

    def stamp(line: str) -> None:
        if line.endswith("done"):
            stamps["scanned"] = time.perf_counter()
        elif line.startswith("storing"):
            stamps["dated"] = time.perf_counter()

    first = run_detection(store, at=AT, actor=ACTOR, records=records, progress=stamp)
    end = time.perf_counter()
    return {
        "first_s": end - begin,
        "incidents": first.incidents_seen,
        "new": first.stored.new,
        "scan_s": stamps["scanned"] - stamps["loaded"],
        "dated_s": stamps["dated"] - stamps["scanned"],
        "store_s": end - stamps["dated"],
        "dated_alerts": sum(1 for a in first.alerts if not a.evidence_ids),
    }


def scans_alone(store: Store, records: StoredRecords) -> dict[str, Any]:
    """The scan stage alone over incident objects (the path before) and over light rows."""
    detector = Detector(
        records.orders, records.defendants, protected_persons=records.protected_persons
    )
    start = time.perf_counter()
    detector.scan(scan_incidents(store, until=AT))
    objects_s = time.perf_counter() - start
    start = time.perf_counter()
    found = detector.scan_rows(scan_incident_rows(store, until=AT))
    return {
        "objects_s": objects_s,
        "rows_s": time.perf_counter() - start,
        "scan_alerts": len(found.alerts),
    }


def peak_mib() -> float:
    """The peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, *, repeat: bool, scan_only: bool, no_scans: bool) -> None:
    """Measure in this process and print the figures as JSON (the child process's job)."""
    store = connect(url)
    try:
        begin = time.perf_counter()
        records = load_records(store, actor=ACTOR, at=AT)
        figures: dict[str, Any] = {"load_s": time.perf_counter() - begin}
        if not scan_only:
            figures.update(full_run(store, records, begin))
            # The peak so far is the full run's own (the scans below read every incident
            # again, as objects too, and can raise it).
            figures["run_peak_mib"] = peak_mib()
        if not no_scans:
            figures.update(scans_alone(store, records))
        if repeat and not scan_only:
            start = time.perf_counter()
            again = run_detection(store, at=AT, actor=ACTOR)
            figures["again_s"] = time.perf_counter() - start
            figures["again_new"], figures["again_updated"] = again.stored.new, again.stored.updated
    finally:
        store.close()
    figures["peak_mib"] = peak_mib()
    print(json.dumps(figures))


def run_child(url: str, flags: list[str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", url, *flags]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def show(name: str, bare: tuple[float, int], found: dict[str, Any]) -> None:
    seconds, rows = bare
    report(f"{name} bare SELECT of {rows:,} incident rows", seconds, "s")
    if "first_s" in found:
        first = found["first_s"]
        report(f"{name} run_detection, first full run ({found['new']:,} alerts stored)", first, "s")
        report(f"{name} run_detection / bare SELECT", first / seconds, "x", "<= 2")
        report(f"{name}   scan the incidents (light rows)", found["scan_s"], "s")
        dated = f"{found['dated_alerts']:,} alerts with no evidence incident"
        report(f"{name}   dated checks and sorting ({dated})", found["dated_s"], "s")
        report(f"{name}   store the alerts and the audit note", found["store_s"], "s")
    report(f"{name} load the records (orders, defendants, persons, duties)", found["load_s"], "s")
    if "run_peak_mib" in found:
        report(f"{name} peak memory at the end of the first run", found["run_peak_mib"], "MiB")
    if "objects_s" in found:
        objects, rows = found["objects_s"], found["rows_s"]
        report(f"{name} scan alone, incident objects (the path before)", objects, "s")
        report(f"{name} scan alone, light rows ({found['scan_alerts']:,} alerts)", rows, "s")
        report(f"{name} scan alone, incident objects / bare SELECT", objects / seconds, "x")
        report(f"{name} scan alone, light rows / bare SELECT", rows / seconds, "x", "<= 2")
    if "again_s" in found:
        again = f"{found['again_new']} new, {found['again_updated']} updated"
        report(f"{name} run_detection, second run ({again})", found["again_s"], "s")
    report(f"{name} peak memory of the measuring process", found["peak_mib"], "MiB")


def sqlite_figures(cache: Path, count: int, seed: int, flags: list[str]) -> None:
    kept = cache / f"force-{STORE_VERSION}-{seed}-{count}.sqlite"
    if not kept.exists():
        print(f"building {kept} (once; later runs reuse it)", flush=True)
        partial = kept.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(f"sqlite:///{partial}", count, seed)
        partial.rename(kept)
    copy = cache / f"run-{os.getpid()}.sqlite"
    shutil.copyfile(kept, copy)
    try:
        bare = bare_select_sqlite(copy)
        show("SQLite", bare, run_child(f"sqlite:///{copy}", flags))
    finally:
        for leftover in cache.glob(f"run-{os.getpid()}.sqlite*"):
            leftover.unlink()


def postgres_figures(url: str, count: int, seed: int, flags: list[str]) -> None:
    base = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    kept = f"spo_bench_casework_{STORE_VERSION}_{seed}_{count}"
    copy = f"spo_bench_casework_run_{os.getpid()}"
    with admin.connect() as conn:
        have = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (kept,))
        if have.first() is None:
            print(f"building database {kept} (once; later runs reuse it)", flush=True)
            conn.exec_driver_sql(f"CREATE DATABASE {kept}_partial")
            build(
                base.set(database=f"{kept}_partial").render_as_string(hide_password=False),
                count,
                seed,
            )
            conn.exec_driver_sql(f"ALTER DATABASE {kept}_partial RENAME TO {kept}")
        conn.exec_driver_sql(f"CREATE DATABASE {copy} TEMPLATE {kept}")
    try:
        target = base.set(database=copy).render_as_string(hide_password=False)
        bare = bare_select_postgres(target)
        show("PostgreSQL", bare, run_child(target, flags))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 incidents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/spo_bench_casework"))
    parser.add_argument("--postgres", metavar="URL", help="also measure on this server")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--again", action="store_true", help="time a second run too")
    parser.add_argument(
        "--scan-only", action="store_true", help="no full run: load the records and scan"
    )
    parser.add_argument(
        "--no-scans", action="store_true", help="no scans alone after the run (quicker)"
    )
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, repeat=args.again, scan_only=args.scan_only, no_scans=args.no_scans)
        return
    count = 50_000 if args.quick else args.incidents
    print(f"load average {os.getloadavg()[0]:.2f}; {count:,} incidents, force seed {args.seed}")
    args.cache.mkdir(parents=True, exist_ok=True)
    flags = [
        *(["--again"] if args.again else []),
        *(["--scan-only"] if args.scan_only else []),
        *(["--no-scans"] if args.no_scans else []),
    ]
    if not args.no_sqlite:
        sqlite_figures(args.cache, count, args.seed, flags)
    if args.postgres:
        postgres_figures(args.postgres, count, args.seed, flags)


if __name__ == "__main__":
    main()
