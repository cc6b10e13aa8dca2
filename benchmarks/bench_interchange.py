"""Interchange speed: import and export of a force-scale file, against the raw ingest path.

One run, on a seeded synthetic force (:mod:`spo_tracker.detection.synthetic`):
at ``--scale 1`` 10,000 defendants, 12,000 orders (5-15 terms each), about
15,000 protected persons and 1,000,000 incidents; ``--scale 0.1`` is a tenth.
The force is written as two interchange files, the way a force would feed it:
its records (persons, orders with versions and terms), then its incidents.

* **write**: each file written from domain objects
  (:func:`~spo_tracker.interchange.write_dataset`), streamed;
* **import**: the records file into an empty database, then the incidents file
  into that database (its references resolved against what is stored), each
  with :func:`~spo_tracker.interchange.import_file` (both passes, one
  transaction) in a child process, so that its peak memory (``VmHWM``) is
  its own; a child that only loads the library gives the baseline (the
  records go through the storage's bulk aggregate path, ``add_many``; the
  figures print as before, so runs before and after it compare line by line);
* **raw ingest**: the same incidents through
  :func:`~spo_tracker.storage.ingest_incidents` (the storage's bulk path: no
  file, no format to check, a commit per batch) into a copy of the database
  holding the records; the time to generate the incidents is taken off;
* **export**: everything back to a file (:func:`~spo_tracker.interchange.export_file`);
* **re-import**: the incidents file again (all stored: nothing written);
* with ``--erased N``: the keys of the first N protected persons an order names
  are destroyed (:func:`~spo_tracker.storage.shred_person_key`), and everything
  is exported again: the records of their cases are found and their typed text
  withheld (see :mod:`spo_tracker.interchange`), against the export before.

SQLite always; PostgreSQL too with ``--postgres URL`` (a scratch database is
made there and dropped). Figures are printed, never asserted.

    python benchmarks/bench_interchange.py --scale 0.1
    python benchmarks/bench_interchange.py --scale 0.1 --erased 20
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pendulum
import sqlalchemy as sa
from _common import report

from spo_tracker.detection.synthetic import SyntheticForce, synthetic_force
from spo_tracker.domain.redaction import WITHHELD
from spo_tracker.interchange import Dataset, export_file, import_file, write_dataset
from spo_tracker.storage import Actor, Store, connect, ingest_incidents, shred_person_key, upgrade

ACTOR = Actor("bench", "supervisor", purpose="interchange")
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
    print(json.dumps({"seconds": seconds, "written": written, "peak_kib": peak_kib()}))


def peak_kib() -> int:
    """This process's peak resident memory in KiB since it was exec'd.

    ``VmHWM`` rather than ``ru_maxrss``: the latter counts the parent's memory
    at the fork too, and the parent here holds the whole synthetic force.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux


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


def write_files(data: SyntheticForce, count: int, folder: Path) -> tuple[Path, Path]:
    """The force's records (persons, orders) and its incidents, as two interchange files."""
    records = folder / "records.jsonl"
    incidents = folder / "incidents.jsonl"
    if records.exists():
        return records, incidents
    parts = (
        (records, Dataset(data.defendants, data.protected_persons, orders=data.orders)),
        (incidents, Dataset(incidents=data.incidents(count))),
    )
    for path, dataset in parts:
        with path.open("w", encoding="utf-8") as out:
            start = time.perf_counter()
            written = write_dataset(out, dataset, at=AT)
            seconds = time.perf_counter() - start
        total = sum(written.records.values())
        name = path.stem
        report(f"write {name} file: records", total, "records")
        report(f"write {name} file: size", path.stat().st_size / 2**20, "MiB")
        report(f"write {name} file: throughput", total / seconds, "records/s")
    return records, incidents


def lines(path: Path) -> int:
    """Records in a file (lines less the header)."""
    with path.open("rb") as stream:
        return sum(1 for _ in stream) - 1


def bench(
    label: str,
    url_for: Callable[[str], str],
    copy: Callable[[str, str], str],
    data: SyntheticForce,
    count: int,
    folder: Path,
    erased: int,
) -> None:
    """Every figure for one backend."""
    records_file, incidents_file = write_files(data, count, folder)
    baseline = run_child("baseline", fresh(url_for, "baseline"), records_file)
    imported = run_child("import", fresh(url_for, "imported"), records_file)
    aggregates = lines(records_file)
    report(f"{label} import records file: time", imported["seconds"], "s")
    report(
        f"{label} import records file: throughput", aggregates / imported["seconds"], "records/s"
    )
    raw_url = copy("imported", "raw")

    fed = run_child("import", url_for("imported"), incidents_file)
    feed = lines(incidents_file)
    report(f"{label} import incidents file: time", fed["seconds"], "s")
    report(f"{label} import incidents file: throughput", feed / fed["seconds"], "records/s")
    report(f"{label} import incidents file: incidents", count / fed["seconds"], "incidents/s")
    for name, run in (("records", imported), ("incidents", fed)):
        report(f"{label} import {name} file: peak memory (VmHWM)", run["peak_kib"] / 1024, "MiB")
        report(
            f"{label} import {name} file: peak memory above a process at rest",
            (run["peak_kib"] - baseline["peak_kib"]) / 1024,
            "MiB",
        )

    # The raw path streams the generator; the generator's own time is measured and taken off.
    _, making = timed(lambda: sum(1 for _ in data.incidents(count)))
    raw = connect(raw_url)
    try:
        _, raw_seconds = timed(
            lambda: ingest_incidents(raw, data.incidents(count), actor=ACTOR, at=AT)
        )
        raw_seconds -= making
    finally:
        raw.close()
    report(f"{label} raw ingest of the same incidents", count / raw_seconds, "incidents/s")
    report(f"{label} import incidents file vs raw ingest", raw_seconds / fed["seconds"], "x")

    store = connect(url_for("imported"))
    try:
        target = folder / f"export-{label}.jsonl"
        exported, seconds = timed(lambda: export_file(store, target, actor=ACTOR, at=AT))
        total = sum(exported.records.values())
        report(f"{label} export everything: time", seconds, "s")
        report(f"{label} export everything: throughput", total / seconds, "records/s")
        print(
            f"{label} export: {total:,} records (the two files held {aggregates + feed:,}; "
            "an identity in both is written once)"
        )
        again, seconds_again = timed(lambda: import_file(store, incidents_file, actor=ACTOR, at=AT))
        report(f"{label} re-import incidents file (nothing new): time", seconds_again, "s")
        assert again.written == 0
        if erased:
            _export_erased(label, store, data, erased, folder, seconds)
    finally:
        store.close()


def _export_erased(
    label: str, store: Store, data: SyntheticForce, erased: int, folder: Path, before: float
) -> None:
    """Destroy the keys of ``erased`` protected persons orders name, export again."""
    named = sorted({p for o in data.orders for p in o.protected_person_ids})[:erased]
    with store.unit_of_work(ACTOR, at=AT) as uow:
        for person in named:
            shred_person_key(uow, person, reason="benchmark: erasure")
        uow.commit()
    target = folder / f"export-{label}-erased.jsonl"
    exported, seconds = timed(lambda: export_file(store, target, actor=ACTOR, at=AT))
    withheld = sum(1 for line in target.open() if WITHHELD in line)
    report(f"{label} export with {erased} persons erased: time", seconds, "s")
    report(f"{label} export with {erased} persons erased vs before", seconds / before, "x")
    print(f"{label} export with {erased} persons erased: {withheld:,} records withheld text")
    assert sum(exported.records.values()) > 0


def sqlite_urls(folder: Path) -> tuple[Callable[[str], str], Callable[[str, str], str]]:
    """Database URLs for SQLite files in ``folder``, and a copier of one database to another."""

    def url_for(name: str) -> str:
        return f"sqlite:///{folder / (name + '.sqlite')}"

    def copy(source: str, target: str) -> str:
        shutil.copyfile(folder / f"{source}.sqlite", folder / f"{target}.sqlite")
        return url_for(target)

    return url_for, copy


def postgres_urls(
    server: str, prefix: str
) -> tuple[Callable[[str], str], Callable[[str, str], str], Callable[[], None]]:
    """Scratch PostgreSQL databases ``<prefix>_<name>``, a copier, and a function dropping them."""
    base = sa.engine.make_url(server)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make(database: str, template: str = "") -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            clause = f" TEMPLATE {template}" if template else ""
            conn.exec_driver_sql(f"CREATE DATABASE {database}{clause}")
        made.append(database)

    def url_for(name: str) -> str:
        database = f"{prefix}_{name}"
        if database not in made:
            make(database)
        return base.set(database=database).render_as_string(hide_password=False)

    def copy(source: str, target: str) -> str:
        make(f"{prefix}_{target}", template=f"{prefix}_{source}")
        return url_for(target)

    def drop() -> None:
        with admin.connect() as conn:
            for database in made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.dispose()

    return url_for, copy, drop


def main() -> None:
    """Parse the options and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 incidents")
    parser.add_argument("--postgres", default=os.environ.get("SPO_TRACKER_BENCH_POSTGRES_URL"))
    parser.add_argument("--erased", type=int, default=0, help="persons' keys destroyed")
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
        bench("sqlite", *sqlite_urls(folder), data, count, folder, args.erased)
        if args.postgres:
            url_for, copy, drop = postgres_urls(args.postgres, f"bench_ich_{os.getpid()}")
            try:
                bench("postgresql", url_for, copy, data, count, folder, args.erased)
            finally:
                drop()


if __name__ == "__main__":
    main()
