"""The dated checks of a detection run over a force-scale store, alone.

The stage of :func:`spo_tracker.casework.run_detection` after the incident
scan: the requirement and sign-on alerts over the stored compliance (read as
light rows, 500 orders a query, SPA2019 s.1(2)(b), s.8(1)) and the alerts that
rest on the orders and duties alone (interim orders ending s.5(6), renewal
reviews s.4, notification s.9-s.11). Over a copy of a store built by
``benchmarks/bench_casework.py`` (it is opened read-only in spirit: the unit of
work writes nothing, but give a copy, never a kept store), prints:

* the bare ``SELECT`` of the same compliance rows with the raw ``sqlite3``
  driver (same columns and ``WHERE``, 500 orders a query): the floor;
* the light read alone (``uow.compliance.times_for_orders`` for every order
  with requirements), and grouped by term (``times_by_term``) where the checkout
  has it;
* the whole dated stage (read + requirement alerts + the order and duty
  alerts), and its two halves;

each the median of ``--repeat`` runs (default 3), CPU (``time.process_time``)
and wall, and a digest of the alerts (every field, sorted), so that two
checkouts can be compared A/B on the same store::

    cp /tmp/spo_bench_casework/force-c1-0-250000.sqlite /tmp/mine.sqlite
    python benchmarks/bench_dated.py /tmp/mine.sqlite
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_dated.py /tmp/mine.sqlite

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import statistics
import time
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
from _common import report

import spo_tracker
from spo_tracker.casework import StoredRecords, _dated, load_records
from spo_tracker.domain.alerts import Alert, sort_alerts
from spo_tracker.storage import Actor, Store, connect

ACTOR = Actor("bench", "ingest", purpose="benchmark")
#: As in bench_casework.py: after every synthetic incident and compliance record.
AT = pendulum.datetime(2026, 6, 1, tz="UTC")


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median CPU seconds, median wall seconds and the last result of ``repeat`` calls."""
    cpu, wall, result = [], [], None
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        result = func()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall), result


def wanted_ids(records: StoredRecords) -> list[str]:
    return [o.order_id for o in records.orders if _dated.has_requirements(o)]


def bare_fetch(path: str, ids: list[str]) -> int:
    """Walk the same compliance rows with the raw driver; the row count."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        until, rows = int(AT.timestamp()) * 1_000_000, 0
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            sql = (
                "SELECT defendant_id, order_id, term_id, at FROM compliance_records "
                f"WHERE order_id IN ({', '.join('?' * len(part))}) AND at <= ?"
            )
            rows += len(conn.execute(sql, (*part, until)).fetchall())
        return rows
    finally:
        conn.close()


def light_read(store: Store, ids: list[str]) -> int:
    with store.unit_of_work(ACTOR, at=AT) as uow:
        return sum(
            len(uow.compliance.times_for_orders(ids[s : s + 500], until=AT))
            for s in range(0, len(ids), 500)
        )


def grouped_read(store: Store, ids: list[str]) -> int:
    with store.unit_of_work(ACTOR, at=AT) as uow:
        return sum(
            len(uow.compliance.times_by_term(ids[s : s + 500], until=AT))
            for s in range(0, len(ids), 500)
        )


def requirement_stage(store: Store, records: StoredRecords) -> list[Alert]:
    with store.unit_of_work(ACTOR, at=AT) as uow:
        return _dated.stored_requirement_alerts(uow, records.orders, AT, None)


def dated_stage(store: Store, records: StoredRecords) -> list[Alert]:
    """What ``_with_dated`` adds to a scan: the requirement alerts and the order-only ones."""
    found = requirement_stage(store, records)
    return found + _dated.order_dated_alerts(records, AT, None)


def digest(alerts: list[Alert]) -> str:
    """A digest of every field of every alert, in sorted order."""
    h = hashlib.sha256()
    for alert in sort_alerts(alerts):
        h.update(repr(attrs.astuple(alert)).encode())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a COPY of a bench_casework store (SQLite file)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"code: {spo_tracker.__file__}")
    store = connect(f"sqlite:///{args.store}")
    try:
        records = load_records(store, actor=ACTOR, at=AT)
        ids = wanted_ids(records)
        n = args.repeat
        cpu, wall, rows = timed(lambda: bare_fetch(args.store, ids), n)
        report(f"bare sqlite3 fetch of {rows:,} compliance rows, CPU", cpu, "s")
        report("bare sqlite3 fetch, wall", wall, "s")
        cpu, wall, rows = timed(lambda: light_read(store, ids), n)
        report(f"times_for_orders of {rows:,} rows, CPU", cpu, "s")
        report("times_for_orders, wall", wall, "s")
        with store.unit_of_work(ACTOR, at=AT) as uow:
            grouped = getattr(uow.compliance, "times_by_term", None)
        if grouped is not None:  # this checkout reads the rows grouped by term
            cpu, wall, rows = timed(lambda: grouped_read(store, ids), n)
            report(f"times_by_term ({rows:,} terms), CPU", cpu, "s")
            report("times_by_term, wall", wall, "s")
        cpu, wall, found = timed(lambda: requirement_stage(store, records), n)
        report(f"requirement and sign-on alerts ({len(found):,}) with the read, CPU", cpu, "s")
        report("requirement and sign-on alerts with the read, wall", wall, "s")
        cpu, wall, found = timed(lambda: _dated.order_dated_alerts(records, AT, None), n)
        report(f"order and duty alerts ({len(found):,}), CPU", cpu, "s")
        report("order and duty alerts, wall", wall, "s")
        cpu, wall, found = timed(lambda: dated_stage(store, records), n)
        report(f"dated stage ({len(found):,} alerts), CPU", cpu, "s", "<= 1.5")
        report("dated stage, wall", wall, "s")
        print(f"alerts digest: {digest(found)}")
    finally:
        store.close()


if __name__ == "__main__":
    main()
