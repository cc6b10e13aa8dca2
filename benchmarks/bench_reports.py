"""Reports and demo: time to build and render a 10,000-alert report per format; demo wall time.

Targets: report generation for 10,000 alerts at most 2 s per format;
the demo at its default scale well under a minute on 2 cores. Alerts are real:
breach detection over a seeded synthetic force, the first 10,000 in report
order (with their evidence, about three incidents each). Each report figure is
the median of 3 runs; the demo runs once. Every figure is printed twice: wall
clock, and this process's CPU time (what the code costs when other jobs are not
competing for the machine's cores).

The HTML report is also opened in headless Chromium (the browser tests' harness,
``tests/reports/chromium.py``): the median of 3 loads, each from asking for the
page until a forced layout of the whole document returns (target <= 2 s), and
its bytes per alert (target at most half of the 2,998 bytes measured on the same
alerts before the HTML was slimmed). The load average is printed beside it: on a shared
machine the wall clock grows with it.

Run: ``.venv/bin/python benchmarks/bench_reports.py [--scale F] [--skip-demo] [--skip-browser]
[--best-of N]``
(``--scale`` multiplies the alert count and the demo's background volume).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pendulum
from _common import report

from spo_tracker.demo import DEFAULT_SCALE, run_demo
from spo_tracker.detection.engine import Detector
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.domain.alerts import Alert
from spo_tracker.reports import FORMATS, Report, ReportContext, build_report, render, write_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness lives in tests/
from tests.reports.chromium import measure_load

NOW = pendulum.datetime(2026, 1, 1, tz="UTC")


def timed(func: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def both(name: str, figures: tuple[float, float], target: str = "") -> None:
    """Print a wall-clock and a CPU figure."""
    report(f"{name}, wall", figures[0], "s", target)
    report(f"{name}, CPU", figures[1], "s", target)


def _alerts(count: int) -> tuple[list[Alert], ReportContext]:
    """At least ``count`` alerts from detection over a synthetic force, and their context.

    The force grows until detection raises enough alerts (how many a force raises
    depends on the generator's mix of conduct).
    """
    size = max(1, count // 25)
    while True:
        force = synthetic_force(7, defendants=size, orders=int(size * 1.2))
        incidents = list(force.incidents(size * 200))
        found = Detector(
            force.orders, force.defendants, protected_persons=force.protected_persons
        ).scan(incidents)
        if len(found.alerts) >= count:
            break
        size *= 2
    context = ReportContext.of(
        orders=force.orders,
        defendants=force.defendants,
        protected_persons=force.protected_persons,
        incidents=incidents,
    )
    return list(found.alerts[:count]), context


def bench_reports(count: int, best_of: int = 0) -> Report:
    """Build once, then render and write each format; the report built. With ``best_of``,
    the build's best CPU time of that many builds is printed too (the steadiest figure on
    a shared machine, for comparing two versions of the code)."""
    alerts, context = _alerts(count)
    evidence = sum(len(a.evidence_ids) for a in alerts)
    print(f"{len(alerts):,} alerts, {evidence:,} evidence incidents")
    built = build_report(alerts, context, now=NOW)
    build = timed(lambda: build_report(alerts, context, now=NOW))
    both("report build (shared by all formats)", build)
    if best_of:
        best = min(
            timed(lambda: build_report(alerts, context, now=NOW), 1)[1] for _ in range(best_of)
        )
        report(f"report build, CPU, best of {best_of}", best, "s")
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            both(f"render {fmt}", timed(functools.partial(render, built, fmt)))
            target = Path(folder) / f"r.{fmt}"
            write = timed(functools.partial(write_report, built, fmt, target))
            size = target.stat().st_size / 1e6
            total = (build[0] + write[0], build[1] + write[1])
            both(f"build + render + write {fmt} ({size:,.1f} MB)", total, "<= 2 s")
    return built


def bench_browser(built: Report, repeat: int = 3) -> None:
    """Load the HTML report in headless Chromium ``repeat`` times: median timings, bytes."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        page = write_report(built, "html", Path(folder) / "report.html")
        size = page.stat().st_size
        timings = [measure_load(page, Path(folder) / f"profile-{n}") for n in range(repeat)]
    count = max(1, len(built.alerts))
    print(
        f"HTML report: {size / 1e6:,.1f} MB, {size / count:,.0f} bytes per alert (target <= 1,499)"
    )
    report("Chromium: DOMContentLoaded", statistics.median(t.dom_ready for t in timings), "s")
    report("Chromium: load event", statistics.median(t.load_event for t in timings), "s")
    laid_out = statistics.median(t.laid_out for t in timings)
    report("Chromium: loaded and laid out", laid_out, "s", "<= 2 s")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def bench_demo(scale: int) -> None:
    """The demo once, at ``scale``, into a fresh folder."""
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_demo(folder, scale=scale)
        figures = (time.perf_counter() - wall, time.process_time() - cpu)
    print(f"demo: {result.scenario.incident_count:,} incidents, {len(result.scan.alerts):,} alerts")
    both(f"demo (scale {scale})", figures, "< 60 s on 2 cores")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--best-of", type=int, default=0, metavar="N")
    args = parser.parse_args()
    built = bench_reports(max(1, round(10_000 * args.scale)), args.best_of)
    if not args.skip_browser:
        bench_browser(built)
    if not args.skip_demo:
        bench_demo(max(0, round(DEFAULT_SCALE * args.scale)))


if __name__ == "__main__":
    main()
