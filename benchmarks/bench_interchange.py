"""Interchange speed: import and export of a force-scale file, against the raw ingest path.

One run, on a seeded synthetic force (:mod:`spo_tracker.detection.synthetic`):
at ``--scale 1`` 10,000 defendants, 12,000 orders (5-15 terms each) and
1,000,000 incidents; ``--scale 0.1`` is a tenth of each.

* **write**: the force written to a JSON Lines file from domain objects
  (:func:`~spo_tracker.interchange.write_dataset`), streamed;
* **import**: that file imported into an empty database
  (:func:`~spo_tracker.interchange.import_file`: both passes, one transaction),
  run in a child process so that its peak memory (``ru_maxrss``) is its own;
  the same child measured at rest gives the baseline;
* **raw ingest**: the same incidents through :func:`~spo_tracker.storage.ingest_incidents`
  into another empty database (the storage's bulk path: no file, no format to
  check, a commit per batch), for the ratio import / raw; the time to generate
  the incidents is measured and taken off;
* **export**: the imported database written back to a file
  (:func:`~spo_tracker.interchange.export_file`, streamed);
* **re-import**: the file again (everything already stored: nothing written).

SQLite always; PostgreSQL too with ``--postgres URL`` (a scratch database is
made there and dropped). Figures are printed, never asserted.

    python benchmarks/bench_interchange.py --scale 0.1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pendulum
import sqlalchemy as sa

from benchmarks._common import report
from spo_tracker.detection.synthetic import SyntheticForce, synthetic_force
from spo_tracker.interchange import Dataset, export_file, import_file, write_dataset
from spo_tracker.storage import Actor, connect, ingest_incidents, upgrade

ACTOR = Actor("bench", "interchange")
AT = pendulum.datetime(2026, 1, 1, tz="UTC")
FULL_INCIDENTS = 1_000_000
T = TypeVar("T")


def force(scale: float) -> tuple[SyntheticForce, int]:
    """The synthetic force at ``scale``, and its incident count."""
    defendants = max(10, round(10_000 * scale))
    return (
        synthetic_force(seed=1, defendants=defendants, orders=round(defendants * 1.2)),
        max(1_000, round(FULL_INCIDENTS * scale)),
    )


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """``func()`` and its wall time in seconds."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def fresh(url_for: Callable[[str], str], name: str) -> str:
    """A migrated empty database named ``name``."""
    url = url_for(name)
    upgrade(url)
    return url


def child(kind: str, url: str, path: str) -> None:
    """In a child process: import (or just load the modules, for the baseline); print JSON."""
    seconds = 0.0
    written = 0
    if kind == "import":
        store = connect(url)
        try:
            result, seconds = timed(lambda: import_file(store, path, actor=ACTOR, at=AT))
            written = result.written
        finally:
            store.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "written": written, "peak_kib": peak_kib}))


def run_child(kind: str, url: str, path: Path) -> dict[str, float]:
    """Run :func:`child` in a fresh interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench(
    label: str, url_for: Callable[[str], str], data: SyntheticForce, count: int, folder: Path
) -> None:
    """Every figure for one backend."""
    source = folder / "force.jsonl"
    if not source.exists():
        dataset = Dataset(
            defendants=data.defendants,
            protected_persons=data.protected_persons,
            orders=data.orders,
            incidents=data.incidents(count),
        )
        with source.open("w", encoding="utf-8") as out:
            written, seconds = timed(lambda: write_dataset(out, dataset, at=AT))
        records = sum(written.records.values())
        size = source.stat().st_size
        report("write file: records", records, "records")
        report("write file: size", size / 2**20, "MiB")
        report("write file: throughput", records / seconds, "records/s")
    records = sum(1 for _ in source.open("rb")) - 1

    baseline = run_child("baseline", fresh(url_for, "baseline"), source)
    imported = run_child("import", fresh(url_for, "imported"), source)
    report(f"{label} import: time", imported["seconds"], "s")
    report(f"{label} import: throughput", records / imported["seconds"], "records/s")
    report(f"{label} import: incidents throughput", count / imported["seconds"], "incidents/s")
    report(f"{label} import: peak memory (ru_maxrss)", imported["peak_kib"] / 1024, "MiB")
    report(
        f"{label} import: peak memory above a process at rest",
        (imported["peak_kib"] - baseline["peak_kib"]) / 1024,
        "MiB",
    )

    # The raw path streams the generator; the generator's own time is measured and taken off.
    _, making = timed(lambda: sum(1 for _ in data.incidents(count)))
    raw = connect(fresh(url_for, "raw"))
    try:
        _, raw_seconds = timed(
            lambda: ingest_incidents(
                raw, data.incidents(count), actor=ACTOR, at=AT, batch_size=5_000
            )
        )
        raw_seconds -= making
    finally:
        raw.close()
    report(f"{label} raw ingest (incidents only): throughput", count / raw_seconds, "incidents/s")
    report(
        f"{label} import vs raw ingest (incidents/s, import also validates and writes the "
        "orders and persons)",
        (count / imported["seconds"]) / (count / raw_seconds),
        "x",
    )

    store = connect(url_for("imported"))
    try:
        target = folder / f"export-{label}.jsonl"
        exported, seconds = timed(lambda: export_file(store, target, actor=ACTOR, at=AT))
        report(f"{label} export: time", seconds, "s")
        report(f"{label} export: throughput", sum(exported.records.values()) / seconds, "records/s")
        # Same records; the export orders incidents by time, the file had generator order.
        lines = sum(1 for _ in target.open("rb"))
        print(f"{label} export: {lines - 1:,} records (the file had {records:,})")
        again, seconds = timed(lambda: import_file(store, source, actor=ACTOR, at=AT))
        report(f"{label} re-import (nothing new): time", seconds, "s")
        assert again.written == 0
    finally:
        store.close()


def sqlite_urls(folder: Path) -> Callable[[str], str]:
    """Database URLs for SQLite files in ``folder``."""
    return lambda name: f"sqlite:///{folder / (name + '.sqlite')}"


def postgres_urls(server: str, prefix: str) -> tuple[Callable[[str], str], Callable[[], None]]:
    """Scratch PostgreSQL databases ``<prefix>_<name>``, and a function that drops them."""
    base = sa.engine.make_url(server)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def url_for(name: str) -> str:
        database = f"{prefix}_{name}"
        if database not in made:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
                conn.exec_driver_sql(f"CREATE DATABASE {database}")
            made.append(database)
        return base.set(database=database).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            for database in made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.dispose()

    return url_for, drop


def main() -> None:
    """Parse the options and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 incidents")
    parser.add_argument("--postgres", default=os.environ.get("SPO_TRACKER_BENCH_POSTGRES_URL"))
    parser.add_argument("--child", choices=("import", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.file)
        return
    data, count = force(args.scale)
    print(
        f"force: {len(data.defendants):,} defendants, {len(data.orders):,} orders, "
        f"{len(data.protected_persons):,} protected persons, {count:,} incidents"
    )
    with tempfile.TemporaryDirectory(prefix="bench-interchange-") as scratch:
        folder = Path(scratch)
        bench("sqlite", sqlite_urls(folder), data, count, folder)
        if args.postgres:
            url_for, drop = postgres_urls(args.postgres, f"bench_ich_{os.getpid()}")
            try:
                bench("postgresql", url_for, data, count, folder)
            finally:
                drop()


if __name__ == "__main__":
    main()
