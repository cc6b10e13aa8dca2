"""Logged consultation (DPA 2018 s.62) at force scale: its cost, and ``audit log --person``.

Builds a SQLite store (a file under a temporary folder) holding ``--people``
defendants and as many protected persons, then, in one run, prints:

* the time of ``load_records`` (the read every detection run and report starts
  with) with its one ``persons.consulted`` entry naming everyone (and its
  ``audit_people`` index rows), and without it (the consultation deferred, as a
  report does), and their ratio;
* after ``--runs`` such logged reads (each naming every person: a trail of
  ``--runs`` x 2 x ``--people`` index rows), the time of one person's
  ``person_audit_log`` through the index, and through the walk of every entry
  (the base ``Store.audit_entries_for``, what the in-memory store does).

Figures are printed, never asserted; the machine is shared (the load average
is printed first).

    python benchmarks/bench_audit_log.py --people 10000 --runs 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pendulum
from _common import report

from spo_tracker.casework import load_records, person_audit_log
from spo_tracker.casework._detection import _load
from spo_tracker.domain.people import Defendant, NameUse, ProtectedPerson
from spo_tracker.storage import Actor, Store, connect, upgrade
from spo_tracker.storage._base import Store as BaseStore
from spo_tracker.testing import FixedClock

NOW = pendulum.datetime(2026, 3, 20, 9, tz="Europe/London")
ACTOR = Actor("nightly", "service", purpose="breach detection")


def _fill(store: Store, people: int) -> None:
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        uow.defendants.add_many(
            Defendant(f"D{n:06}", (NameUse(f"Defendant {n}"),)) for n in range(people)
        )
        uow.protected_persons.add_many(
            ProtectedPerson(f"P{n:06}", f"Person {n}") for n in range(people)
        )
        uow.commit()


def _median(func: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        upgrade(url)
        with connect(url, clock=FixedClock(NOW)) as store:
            _fill(store, args.people)
            logged = _median(lambda: load_records(store, actor=ACTOR, at=NOW), 5)
            deferred = _median(lambda: _load(store, ACTOR, NOW, processing=True, logged=False), 5)
            report("load_records, logged", logged * 1000, "ms")
            report("load_records, consultation deferred", deferred * 1000, "ms")
            report("logged over deferred", logged / deferred, "x", "<= 1.10")
            for _ in range(max(args.runs - 5, 0)):
                load_records(store, actor=ACTOR, at=NOW)
            entries = store.audit_head()
            print(f"trail: {entries[0] if entries else 0:,} entries")
            key = f"P{args.people // 2:06}"
            indexed = _median(lambda: person_audit_log(store, key, actor=ACTOR), 5)
            lines = len(person_audit_log(store, key, actor=ACTOR))
            start = time.perf_counter()
            walked = len(BaseStore.audit_entries_for(store, key))
            walk = time.perf_counter() - start
            report(f"person_audit_log ({lines} lines), indexed", indexed * 1000, "ms")
            report(f"the same by walking every entry ({walked} lines)", walk * 1000, "ms")


if __name__ == "__main__":
    main()
