"""The nightly incremental detection run, whole, as a force's nightly job runs it.

A store holds the synthetic force (10,000 defendants, 12,000 orders),
``--stored`` of its incidents and its compliance records (built by
``bench_casework.build``, or copied from the store bench_casework.py keeps), and
the alerts of a real previous night: a full ``run_detection`` as of a day
before ``AT``. Then, for each of ``--new`` (default 1,000, 3,000 and 10,000), on
a fresh copy: ``N`` new incidents are ingested (another stream of the same
force, so they fall on the same defendants' histories over the whole two
years), and the nightly ``run_detection`` as of ``AT`` is timed, whole (wall and
CPU), and split by its progress lines into: reading the orders, duties, the
people it judges and their incident rows; judging the rows and the dated checks
(a day of sign-ons and deadlines more than the previous night); comparing and
storing the alerts. Beside it, in the same run, a bare ``SELECT`` of the whole
stored history with the raw driver (the baseline of docs/performance.md).
Figures are printed, never asserted. The machine is shared: the load average
is printed first. Each run prints a digest of the stored alerts afterwards
(SHA-256 over every alert's id and fields): run with an older checkout first on
``PYTHONPATH`` for an A/B, and the digests show whether both stored the same.

``--orders-changed N``, ``--people-written N`` and ``--incidents-corrected N`` add a
night's casework before the run: appeals recorded on ``N`` orders; ``N`` protected
persons moved, ``N`` defendants given a new phone and renamed, and ``N`` added (each
linked to an identity another defendant holds); ``N`` stored incidents moved an hour.
``--allow-full`` is for an A/B with an older checkout on ``PYTHONPATH``, which may run
such a night in full (this checkout's night is asserted incremental).

    python benchmarks/bench_incremental.py --stored 250000
    python benchmarks/bench_incremental.py --stored 250000 --new 3000 --people-written 20
    python benchmarks/bench_incremental.py --stored 250000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from _common import report
from bench_casework import AT, STORE_VERSION, bare_select_postgres, bare_select_sqlite, build

from spo_tracker.casework import run_detection
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import phone
from spo_tracker.domain.people import Defendant, NameUse
from spo_tracker.storage import Actor, Store, connect, ingest_incidents, shred_person_key, upgrade

ACTOR = Actor("bench", "ingest", purpose="benchmark")
#: Who erases a person's details (the shred_person_key row: supervisors).
SUPERVISOR = Actor("bench supervisor", "supervisor", purpose="benchmark")


#: In the names of kept stores: one holding a real previous run's alerts (not a note), noted
#: by a release that notes its dated checks and its own alert entries ("n3").
NIGHT = "n3"
#: Where bench_casework.py keeps its stores (the same builds, reused when present).
CASEWORK_CACHE = Path("/tmp/spo_bench_casework")
#: The previous night's run judged as of a day before the nightly run's ``AT``: the dated
#: checks of the nightly run then have a day of sign-ons and deadlines to judge again.
PREVIOUS = AT.subtract(days=1)


def previous_run(store: Store) -> None:
    """The previous night's run: a real full ``run_detection`` as of ``PREVIOUS``, storing
    every alert, as a force's store holds them after its first night."""
    run_detection(store, at=PREVIOUS, actor=ACTOR, reason="bench: the previous night")


def change_orders(store: Store, count: int) -> None:
    """Set the appeal flag on ``count`` orders, as recording an appeal lodged does (every
    tenth order id, so they fall on many defendants): the nightly run judges their
    defendants again and checks those orders whole."""
    with store.unit_of_work(ACTOR, at=AT) as uow:
        for key in sorted(uow.orders.ids())[::10][:count]:
            order = uow.orders.get(key)
            flagged = attrs.evolve(order, appeal_pending=True, revision=order.revision + 1)
            uow.orders.update(flagged, reason="bench: an appeal lodged")
        uow.commit()


def write_people(store: Store, count: int) -> None:
    """Casework on people, ``count`` of each: protected persons moved (a new place),
    defendants given a new phone and renamed, and defendants added (each linked to an
    identity of an existing defendant), every tenth id so they fall on many defendants."""
    with store.unit_of_work(ACTOR, at=AT) as uow:
        for n, key in enumerate(sorted(uow.protected_persons.ids())[::10][:count]):
            person = uow.protected_persons.get(key, reason="bench: a move recorded")
            places = ((f"new home {n}", GeoPoint(52.4 + n / 10_000, -1.9)),)
            restricted = attrs.evolve(person.restricted, places=places)
            uow.protected_persons.update(attrs.evolve(person, restricted=restricted))
        every = uow.defendants.get_many(uow.defendants.ids())
        # Defendants with an identity, so that each one added shares one with its holder.
        keys = sorted(k for k, d in every.items() if d.identities)[::10][:count]
        assert len(keys) == count, f"only {len(keys)} defendants to write"
        for n, key in enumerate(keys):
            defendant = uow.defendants.get(key)  # loaded here: updated over its revision
            names = (*defendant.names, NameUse(f"Alias {n}"))
            uow.defendants.update(defendant.link(phone(f"+4477009{n:05d}"), AT), reason="")
            defendant = uow.defendants.get(key)
            uow.defendants.update(attrs.evolve(defendant, names=names))
            linked = defendant.identities[:1]
            uow.defendants.add(Defendant(f"D-BENCH-{n}", (NameUse(f"New {n}"),), identities=linked))
        uow.commit()


def destroy_keys(store: Store, count: int) -> None:
    """``count`` protected persons' restricted details disposed of (their key destroyed,
    as an erasure does), every tenth id from the fifth so they fall on other persons
    than :func:`write_people`'s. The nightly run judges again the defendants whose
    orders name them."""
    with store.unit_of_work(SUPERVISOR, at=AT) as uow:
        for key in sorted(uow.protected_persons.ids())[5::10][:count]:
            shred_person_key(uow, key, reason="bench: an erasure")
        uow.commit()


@attrs.frozen
class Night:
    """The casework written before the nightly run, and whether it may be full.

    Attributes:
        orders: orders given the appeal flag (:func:`change_orders`).
        people: of each people write (:func:`write_people`).
        incidents: stored incidents corrected (:func:`correct_incidents`).
        keys: protected persons whose key is destroyed (:func:`destroy_keys`).
        allow_full: an A/B against an older checkout, which may run such a night in full
            (this checkout must not: the run is asserted incremental).
    """

    orders: int = 0
    people: int = 0
    incidents: int = 0
    keys: int = 0
    allow_full: bool = False


def correct_incidents(store: Store, count: int) -> None:
    """``count`` stored incidents corrected by the records team: each one's time moved an
    hour later (spread over the store: every so many ids)."""
    with store.unit_of_work(ACTOR, at=AT) as uow:
        ids = sorted(uow.incidents.ids())
        for key in ids[:: max(1, len(ids) // count)][:count]:
            incident = uow.incidents.get(key)
            later = attrs.evolve(
                incident, occurred_at=incident.occurred_at.add(hours=1), reported_at=None
            )
            uow.incidents.update(later, reason="bench: a time corrected")
        uow.commit()


def incremental(url: str, new: int, seed: int, night: Night) -> dict[str, Any]:
    """Ingest ``new`` incidents into the store at ``url`` and write ``night``'s casework,
    then time the nightly run."""
    store = connect(url, clock=lambda: AT)
    try:
        fresh = synthetic_force(seed).incidents(new, stream=1)
        ingest_incidents(store, fresh, actor=ACTOR, batch_size=20_000, at=AT)
        if night.orders:
            change_orders(store, night.orders)
        if night.people:
            write_people(store, night.people)
        if night.incidents:
            correct_incidents(store, night.incidents)
        if night.keys:
            destroy_keys(store, night.keys)
        marks: list[tuple[str, float]] = []
        cpu = time.process_time()
        begin = time.perf_counter()
        run = run_detection(
            store,
            at=AT,
            actor=ACTOR,
            progress=lambda line: marks.append((line, time.perf_counter())),
        )
        end = time.perf_counter()
        cpu = time.process_time() - cpu
        digest = stored_digest(store)
    finally:
        store.close()
    if not run.incremental:  # an older checkout made a full run of it: say so
        print(f"  (not incremental: {run.full_reason})")
    assert run.incremental or night.allow_full, run.full_reason
    assert run.new_incidents in (new + night.incidents, None)  # a correction is read as new
    # The run's progress lines split it: reading the records and the rows it judges, up to
    # "incremental: ..."; judging the rows and the dated checks, up to "storing ..."; then
    # comparing and storing the alerts with the audit note.
    # A full run (an older checkout's) reads before its first "detection:" line instead.
    said = next(t for line, t in marks if line.startswith(("  incremental:", "  detection:")))
    storing = next(t for line, t in marks if line.startswith("storing"))
    return {
        "whole_s": end - begin,
        "cpu_s": cpu,
        "read_s": said - begin,
        "judge_s": storing - said,
        "store_s": end - storing,
        "rows": run.incidents_seen,
        "alerts": len(run.alerts),
        "stored_new": run.stored.new,
        "stored_updated": run.stored.updated,
        "unchanged": run.stored.unchanged,
        "digest": digest,
    }


def stored_digest(store: Store) -> str:
    """A SHA-256 over every stored alert's id and body, in id order (the same alerts give
    the same digest on one backend: an A/B of two checkouts compares what they stored)."""
    found = hashlib.sha256()
    with store.unit_of_work(ACTOR, at=AT) as uow:
        alerts = uow.alerts.get_many(uow.alerts.ids())
    for key in sorted(alerts):
        found.update(key.encode())
        found.update(json.dumps(attrs.asdict(alerts[key]), sort_keys=True, default=str).encode())
    return found.hexdigest()[:16]


def show(name: str, new: int, bare: tuple[float, int], found: dict[str, Any]) -> None:
    seconds, stored = bare
    label = f"{name} {new:,} new over {stored:,} stored"
    report(f"{label}: bare SELECT of the history", seconds, "s")
    report(f"{label}: the nightly run_detection, wall", found["whole_s"], "s", "<= 2")
    report(f"{label}:   its CPU time", found["cpu_s"], "s")
    report(f"{label}:   over the bare SELECT", found["whole_s"] / seconds, "x")
    rows = f"{found['rows']:,.0f} incident rows"
    report(f"{label}:   read the orders, duties, judged people and {rows}", found["read_s"], "s")
    report(f"{label}:   judge the rows and the dated checks", found["judge_s"], "s")
    what = (
        f"{found['alerts']:,.0f} alerts: {found['stored_new']:,.0f} new, "
        f"{found['stored_updated']:,.0f} updated, {found['unchanged']:,.0f} unchanged"
    )
    report(f"{label}:   compare and store ({what})", found["store_s"], "s")
    print(f"{label}: stored alerts digest {found['digest']}")


def sqlite_figures(cache: Path, stored: int, news: list[int], seed: int, night: Night) -> None:
    kept = cache / f"force-{STORE_VERSION}{NIGHT}-{seed}-{stored}.sqlite"
    if not kept.exists():
        print(f"building {kept} (once; later runs reuse it)", flush=True)
        partial = kept.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        # The same store bench_casework.py keeps, if it built one already.
        base = CASEWORK_CACHE / f"force-{STORE_VERSION}-{seed}-{stored}.sqlite"
        if base.exists():
            shutil.copyfile(base, partial)
        else:
            build(f"sqlite:///{partial}", stored, seed)
        with connect(f"sqlite:///{partial}", clock=lambda: AT) as store:
            previous_run(store)
        partial.rename(kept)
    for new in news:
        copy = cache / f"run-{os.getpid()}.sqlite"
        shutil.copyfile(kept, copy)
        try:
            upgrade(f"sqlite:///{copy}")
            bare = bare_select_sqlite(copy)
            show("SQLite", new, bare, incremental(f"sqlite:///{copy}", new, seed, night))
        finally:
            for leftover in cache.glob(f"run-{os.getpid()}.sqlite*"):
                leftover.unlink()


def postgres_figures(url: str, stored: int, news: list[int], seed: int, night: Night) -> None:
    base = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    kept = f"spo_bench_incremental_{STORE_VERSION}{NIGHT}_{seed}_{stored}"
    with admin.connect() as conn:
        have = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (kept,))
        if have.first() is None:
            print(f"building database {kept} (once; later runs reuse it)", flush=True)
            conn.exec_driver_sql(f"CREATE DATABASE {kept}_partial")
            target = base.set(database=f"{kept}_partial").render_as_string(hide_password=False)
            build(target, stored, seed)
            with connect(target, clock=lambda: AT) as store:
                previous_run(store)
            conn.exec_driver_sql(f"ALTER DATABASE {kept}_partial RENAME TO {kept}")
    # The planner's statistics, as autovacuum keeps them on a production server (it is off
    # on this machine's): without them PostgreSQL reads all compliance records for every
    # 500 orders' sign-ons. Each copy made from the template keeps them.
    analyze = sa.create_engine(base.set(database=kept), isolation_level="AUTOCOMMIT")
    with analyze.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    analyze.dispose()
    for new, n in zip(news, itertools.count(), strict=False):
        copy = f"spo_bench_incremental_run_{os.getpid()}_{n}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {copy} TEMPLATE {kept}")
        try:
            target = base.set(database=copy).render_as_string(hide_password=False)
            upgrade(target)
            bare = bare_select_postgres(target)
            show("PostgreSQL", new, bare, incremental(target, new, seed, night))
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
    parser.add_argument(
        "--orders-changed",
        type=int,
        default=0,
        metavar="N",
        help="set the appeal flag on N orders before the nightly run",
    )
    parser.add_argument(
        "--people-written",
        type=int,
        default=0,
        metavar="N",
        help="move N persons, link and rename N defendants, add N, before the nightly run",
    )
    parser.add_argument(
        "--incidents-corrected",
        type=int,
        default=0,
        metavar="N",
        help="move N stored incidents an hour later before the nightly run",
    )
    parser.add_argument(
        "--keys-destroyed",
        type=int,
        default=0,
        metavar="N",
        help="destroy N protected persons' keys (an erasure) before the nightly run",
    )
    parser.add_argument(
        "--allow-full",
        action="store_true",
        help="an A/B: an older checkout on PYTHONPATH may run the night in full",
    )
    args = parser.parse_args()
    night = Night(
        args.orders_changed,
        args.people_written,
        args.incidents_corrected,
        args.keys_destroyed,
        args.allow_full,
    )
    changed = f", {args.orders_changed:,} orders changed" if args.orders_changed else ""
    if args.people_written:
        changed += f", {args.people_written:,} of each people write"
    if args.incidents_corrected:
        changed += f", {args.incidents_corrected:,} incidents corrected"
    if args.keys_destroyed:
        changed += f", {args.keys_destroyed:,} keys destroyed"
    print(
        f"load average {os.getloadavg()[0]:.2f}; {args.stored:,} stored, seed {args.seed}{changed}"
    )
    args.cache.mkdir(parents=True, exist_ok=True)
    if not args.no_sqlite:
        sqlite_figures(args.cache, args.stored, args.new, args.seed, night)
    if args.postgres:
        postgres_figures(args.postgres, args.stored, args.new, args.seed, night)


if __name__ == "__main__":
    main()
