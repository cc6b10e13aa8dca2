"""Loading the force's records: :func:`spo_tracker.casework.load_records` against a bare SELECT.

Every detection run, report and case file starts by loading every order,
defendant and protected person from the store, each rebuilt through its own
attrs constructor (so the domain validators run). In one process, over a
SQLite store holding the synthetic force
(:func:`spo_tracker.detection.synthetic.synthetic_force`: 12,000 orders with
about 130,000 terms, 10,000 defendants, their protected persons; built once
with ``bench_casework.build`` and kept under ``--cache``), prints, each the
best of ``--repeat`` runs, CPU and wall seconds:

* the baseline: a bare ``SELECT`` with ``sqlite3`` of the rows an order is
  built from (orders, their versions, terms and protected persons), walking
  every row; and the same with each term's parameters decoded by ``json.loads``;
* the terms alone: every stored term rebuilt by the storage codec
  (``_codec.load_term``) from the rows the bare SELECT read, so the codec's
  share is seen without the database;
* the orders alone (``uow.orders.get_many`` of every id);
* ``load_records`` (orders, defendants, protected persons, duties), and its
  time over the bare SELECT;
* for information, ``load_records`` with the cyclic garbage collector paused
  around the whole call (the store pauses it only while it builds the records,
  ``SqlRecords.load_many``; the collector then catches up on them afterwards).

With ``--postgres URL`` the same figures are taken on a PostgreSQL store holding the
same force (built there once with ``bench_casework.build`` into an empty database), the
bare ``SELECT`` run with psycopg (which parses the JSON columns itself, so the decoded
variant is left out).

Figures are printed, never asserted. The machine is shared: the load average
is printed before and after (CPU seconds suffer less from it than wall seconds).

    python benchmarks/bench_load.py
    python benchmarks/bench_load.py --repeat 5
    python benchmarks/bench_load.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import report
from bench_casework import ACTOR, AT, build

from spo_tracker._gc import collector_paused
from spo_tracker.casework import load_records
from spo_tracker.storage import connect
from spo_tracker.storage._codec import load_term

#: The rows an order is built from, each table in the order the store reads it.
ORDER_TABLES = {
    "orders": "SELECT * FROM orders ORDER BY order_id",
    "order_versions": "SELECT * FROM order_versions ORDER BY order_id, number",
    "order_terms": "SELECT * FROM order_terms ORDER BY order_id, version_number, position",
    "order_protected_persons": "SELECT * FROM order_protected_persons ORDER BY order_id, position",
}


def best(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The least CPU seconds and the least wall seconds over ``repeat`` calls of ``func``."""
    cpu, wall = [], []
    for _ in range(repeat):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        func()
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return min(cpu), min(wall)


def bare_select(path: Path, *, decode: bool) -> int:
    """Walk every order row with ``sqlite3`` (the store's pragmas); the number of rows read.

    ``decode``: also ``json.loads`` each term's parameters, as the store's JSON columns do.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-32768"):
            conn.execute(f"PRAGMA {pragma}")
        rows = 0
        for table, sql in ORDER_TABLES.items():
            for row in conn.execute(sql):
                rows += 1
                if decode and table == "order_terms":
                    json.loads(row[-1])
        return rows
    finally:
        conn.close()


def bare_select_postgres(url: str) -> int:
    """Walk every order row with psycopg (JSON parsed by the driver); the number of rows."""
    import psycopg  # only with --postgres

    rows = 0
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for sql in ORDER_TABLES.values():
            for _ in conn.execute(sql):
                rows += 1
    return rows


def term_rows(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(code, term id, decoded parameters) of every stored term."""
    conn = sqlite3.connect(path)
    try:
        sql = "SELECT code, term_id, parameters FROM order_terms"
        return [(code, term_id, json.loads(params)) for code, term_id, params in conn.execute(sql)]
    finally:
        conn.close()


def store_path(cache: Path, seed: int, incidents: int) -> Path:
    """The kept store (the one ``bench_casework.py`` keeps for the same seed and size)."""
    kept = cache / f"force-{seed}-{incidents}.sqlite"
    if not kept.exists():
        print(f"building {kept} (once; later runs reuse it)", flush=True)
        partial = kept.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(f"sqlite:///{partial}", incidents, seed)
        partial.rename(kept)
    return kept


def show(name: str, figures: tuple[float, float], baseline: float | None = None) -> None:
    """One line each for CPU and wall seconds; with ``baseline``, the wall ratio too."""
    cpu, wall = figures
    report(f"{name}, CPU", cpu, "s")
    report(f"{name}, wall", wall, "s")
    if baseline is not None:
        report(f"{name} / bare SELECT, wall", wall / baseline, "x")


def measure(path: Path | str, repeat: int) -> None:
    """Print every figure (see the module's description) for the SQLite store at ``path``,
    or the PostgreSQL store whose URL it is."""
    if isinstance(path, str):
        rows = bare_select_postgres(path)
        bare = best(lambda: bare_select_postgres(path), repeat)
        show(f"bare SELECT of {rows:,} order, version, term and person rows (psycopg)", bare)
        url = path
    else:
        rows = bare_select(path, decode=False)
        bare = best(lambda: bare_select(path, decode=False), repeat)
        show(f"bare SELECT of {rows:,} order, version, term and person rows", bare)
        show(
            "the same, term parameters decoded by json.loads",
            best(lambda: bare_select(path, decode=True), repeat),
        )
        terms = term_rows(path)
        show(
            f"rebuild {len(terms):,} terms with the codec alone",
            best(lambda: [load_term(code, tid, params) for code, tid, params in terms], repeat),
        )
        url = f"sqlite:///{path}"
    store = connect(url)
    try:

        def orders() -> None:
            with store.unit_of_work(ACTOR, at=AT) as uow:
                uow.orders.get_many(uow.orders.ids())

        show("load the orders (uow.orders.get_many)", best(orders, repeat), bare[1])
        show(
            "load_records (orders, defendants, persons, duties)",
            best(lambda: load_records(store, actor=ACTOR, at=AT), repeat),
            bare[1],
        )

        def paused() -> None:
            with collector_paused():
                load_records(store, actor=ACTOR, at=AT)

        show("load_records, the collector paused around the whole call", best(paused, repeat))
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--incidents", type=int, default=0, help="in the kept store")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/spo_bench_casework"))
    parser.add_argument("--postgres", help="the URL of a PostgreSQL store of the same force")
    args = parser.parse_args()
    path: Path | str
    if args.postgres:
        path = args.postgres
    else:
        args.cache.mkdir(parents=True, exist_ok=True)
        path = store_path(args.cache, args.seed, args.incidents)
    print(f"load average {os.getloadavg()[0]:.2f}; force seed {args.seed}, best of {args.repeat}")
    measure(path, args.repeat)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
