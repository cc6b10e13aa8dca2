"""Breach detection at force scale: batch scan, incremental check, peak memory.

On a seeded synthetic force (:func:`spo_tracker.detection.synthetic.synthetic_force`:
10,000 defendants, 12,000 orders with 5-15 terms each, 1,000,000 incidents at
``--scale 1``), prints:

* batch scan throughput in incidents per second (target >= 200,000/s): the
  incidents are generated in chunks outside the timed region (generation is
  the input, not detection), each chunk is fed to one
  :class:`~spo_tracker.detection.AlertTracker` with ``observe_all``, and the
  final ``result()`` (building every alert) is timed too;
* the batch scan over light rows (what ``run_detection`` scans, the
  target >= 500,000/s): the same incidents turned into the
  :class:`~spo_tracker.storage.ScannedIncident` rows a store gives (by the memory
  store's own converter) outside the timed region and held in memory (moved out
  of the collector's sight, as the force is: a store streams them in chunks), then
  :meth:`~spo_tracker.detection.Detector.scan_rows` timed whole (its
  ``observe_rows`` and the final ``result()``), ``--repeat`` times, median; its
  alerts are checked equal to the object scan's;
* in the same run, the baseline the issue names: a hand-written loop doing the
  platform-ban check alone over the same rows;
* incremental ``Detector.check`` median and 99th percentile in microseconds
  (target median <= 50 us), one call timed at a time on a separate stream;
* peak memory (``ru_maxrss``) of the whole process after the scan, which is an
  upper bound on the scan's own peak (target <= 1 GiB); the scan streams, so
  the incidents are never all in memory.

Each time is printed twice, wall-clock and this process's CPU time: the
machine is shared, and CPU time is what the code costs when nothing competes
for the cores. The force, orders and detector are long-lived reference data,
so they are moved out of the garbage collector's sight with ``gc.freeze()``
once built, as a long-running service would; the scan's own allocations are
collected normally.

    python benchmarks/bench_detection.py            # force scale
    python benchmarks/bench_detection.py --scale 0.05
"""

from __future__ import annotations

import argparse
import gc
import itertools
import resource
import statistics
import time
from collections import Counter
from collections.abc import Iterator

from _common import report

from spo_tracker.detection import Detector
from spo_tracker.detection.synthetic import DEFAULT_MIX, SyntheticForce, synthetic_force
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.storage import ScannedIncident
from spo_tracker.storage._memory import _scanned as scanned_row


def _chunks(stream: Iterator[Incident], size: int) -> Iterator[list[Incident]]:
    while True:
        chunk = list(itertools.islice(stream, size))
        if not chunk:
            return
        yield chunk


def _timed_scan(
    detector: Detector,
    force: SyntheticForce,
    count: int,
    chunk: int,
    mix: tuple[float, float, float],
) -> tuple[float, float, float, int, tuple[Alert, ...], int]:
    """(wall s, CPU s, CPU s building alerts, incidents, alerts, unattributed)."""
    tracker = detector.tracker()
    wall = cpu = 0.0
    seen = 0
    for part in _chunks(force.incidents(count, mix=mix), chunk):
        w, c = time.perf_counter(), time.process_time()
        seen += tracker.observe_all(part)
        wall += time.perf_counter() - w
        cpu += time.process_time() - c
        del part
    w, c = time.perf_counter(), time.process_time()
    result = tracker.result()
    building = time.process_time() - c
    wall += time.perf_counter() - w
    cpu += building
    return wall, cpu, building, seen, result.alerts, len(result.unattributed)


def _light_rows(
    force: SyntheticForce, count: int, mix: tuple[float, float, float]
) -> list[ScannedIncident]:
    """The scanned incidents as the light rows a store gives, built once (not timed)."""
    return [scanned_row(i) for i in force.incidents(count, mix=mix)]


def _timed_row_scan(
    detector: Detector, rows: list[ScannedIncident], repeat: int
) -> tuple[float, float, float, tuple[Alert, ...]]:
    """Median (wall s, CPU s, CPU s building alerts) of ``repeat`` ``scan_rows`` runs."""
    walls, cpus, builds = [], [], []
    result = None
    for _ in range(repeat):
        tracker = detector.tracker()
        w, c = time.perf_counter(), time.process_time()
        tracker.observe_rows(rows)  # Detector.scan_rows is these two calls
        b = time.process_time()
        result = tracker.result()
        builds.append(time.process_time() - b)
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
        del tracker
    assert result is not None
    median = statistics.median
    return median(walls), median(cpus), median(builds), result.alerts


def _ban_loop(detector: Detector, rows: list[ScannedIncident]) -> tuple[float, float, int]:
    """The issue's baseline: the platform-ban check alone, hand-written, over the rows.

    Returns (wall s, CPU s, hits). The bans are gathered from the compiled plans
    outside the timed region (defendant -> platform code -> the spans they bite).
    """
    bans: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for defendant, plan in detector.plans.items():
        for banned, entries in plan.by_platform.items():
            bans.setdefault(defendant, {})[banned] = [(e.lo, e.hi) for e in entries]
    owner_of_key = detector.identities.owner_of_key
    w, c = time.perf_counter(), time.process_time()
    hits = 0
    for _iid, occurred_us, _kind, platform, key, who, _to, _via, _lat, _lon, _known in rows:
        if platform is None:
            continue
        if who is None:
            who = None if key is None else owner_of_key(key)
            if who is None:
                continue
        of_defendant = bans.get(who)
        if of_defendant is None:
            continue
        spans = of_defendant.get(platform)
        if spans is None:
            continue
        t = occurred_us / 1_000_000
        for lo, hi in spans:
            if lo <= t < hi:
                hits += 1
    return time.perf_counter() - w, time.process_time() - c, hits


def _check_times(detector: Detector, force: SyntheticForce, samples: int) -> list[float]:
    """Microseconds per Detector.check, one call at a time (wall-clock)."""
    incidents = list(force.incidents(samples, stream=1))
    times = []
    for incident in incidents:
        start = time.perf_counter_ns()
        detector.check(incident)
        times.append((time.perf_counter_ns() - start) / 1_000)
    return times


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of force scale")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=50_000, help="incidents per fed chunk")
    parser.add_argument("--checks", type=int, default=20_000, help="incremental samples")
    parser.add_argument("--repeat", type=int, default=3, help="light-row scans (median)")
    parser.add_argument(
        "--mix",
        type=float,
        nargs=3,
        default=DEFAULT_MIX,
        metavar=("FIXES", "ACTIVITY", "REPORTED"),
        help="shares of location fixes, online activity and reported incidents",
    )
    args = parser.parse_args()
    defendants = max(1, round(10_000 * args.scale))
    orders = max(1, round(12_000 * args.scale))
    incidents = max(1, round(1_000_000 * args.scale))

    start = time.perf_counter()
    force = synthetic_force(args.seed, defendants=defendants, orders=orders)
    terms = sum(len(o.current.terms) for o in force.orders)
    report("force built", time.perf_counter() - start, "s")
    print(f"  {defendants:,} defendants, {len(force.orders):,} orders, {terms:,} terms")
    start = time.perf_counter()
    detector = Detector(force.orders, force.defendants, protected_persons=force.protected_persons)
    report("detector compiled", time.perf_counter() - start, "s")
    gc.collect()
    gc.freeze()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    mix = (args.mix[0], args.mix[1], args.mix[2])
    print(f"  mix: {mix[0]:.0%} location fixes, {mix[1]:.0%} activity, {mix[2]:.0%} reported")
    wall, cpu, building, seen, object_alerts, unattributed = _timed_scan(
        detector, force, incidents, args.chunk, mix
    )
    by_rule = Counter(a.rule_id for a in object_alerts)
    report("batch scan, wall-clock", seen / wall, "incidents/s", ">= 200,000")
    report("batch scan, CPU", seen / cpu, "incidents/s", ">= 200,000")
    report("  of which building the alerts, CPU", building, "s")
    print(f"  {seen:,} incidents, {sum(by_rule.values()):,} alerts, {unattributed:,} unattributed")
    for rule, n in sorted(by_rule.items()):
        print(f"    {rule}: {n:,}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report("peak memory (process ru_maxrss)", peak, "MiB", "<= 1,024")
    report("  of which before the scan", rss_before, "MiB")

    start = time.perf_counter()
    rows = _light_rows(force, incidents, mix)
    gc.collect()
    gc.freeze()  # input, like the force: a store streams it in chunks
    report("light rows built (not timed below)", time.perf_counter() - start, "s")
    wall, cpu, building, alerts = _timed_row_scan(detector, rows, max(1, args.repeat))
    report("light-row scan (scan_rows), wall-clock", len(rows) / wall, "incidents/s")
    report("light-row scan (scan_rows), CPU", len(rows) / cpu, "incidents/s", ">= 500,000")
    report("  of which building the alerts, CPU", building, "s")
    same = "the same as" if alerts == object_alerts else "NOT the same as"
    print(f"  {len(alerts):,} alerts, {same} the object scan's")
    wall, cpu, hits = _ban_loop(detector, rows)
    report("hand-written platform-ban loop, wall-clock", len(rows) / wall, "incidents/s")
    report("hand-written platform-ban loop, CPU", len(rows) / cpu, "incidents/s")
    print(f"  {hits:,} platform-ban hits")
    del rows, alerts

    times = _check_times(detector, force, args.checks)
    report("incremental check, median", statistics.median(times), "us", "<= 50")
    report("incremental check, p99", statistics.quantiles(times, n=100)[98], "us")


if __name__ == "__main__":
    main()
