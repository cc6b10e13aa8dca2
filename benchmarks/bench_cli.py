"""Start-up: median times for ``spo-tracker --help`` and ``--version`` and ``import spo_tracker``.

Targets: at most 0.15 s for each command and 50 ms for the import, beside
``python -c pass`` on the same machine for scale; the import's own share is
also read from ``python -X importtime`` (the cumulative time of ``spo_tracker``).
Each figure is the median of 15 runs of a fresh interpreter (``python -m
spo_tracker``), so it includes the interpreter's own start-up. Two
figures per line: wall-clock time, and the child's CPU time (user + system),
which is far less inflated when other jobs share the machine's cores.

Run: ``.venv/bin/python benchmarks/bench_cli.py``
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time

from _common import report

RUNS = 15


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_run(*argv: str) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``python argv...`` over :data:`RUNS` processes."""
    walls, cpus = [], []
    for _ in range(RUNS):
        start, cpu = time.perf_counter(), _child_cpu()
        subprocess.run([sys.executable, *argv], check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Print the three figures, wall clock then CPU."""
    for name, argv, target in (
        ("python -c pass", ("-c", "pass"), ""),
        ("spo-tracker --help", ("-m", "spo_tracker", "--help"), "<= 150 ms"),
        ("spo-tracker --version", ("-m", "spo_tracker", "--version"), "<= 150 ms"),
        ("python -c 'import spo_tracker'", ("-c", "import spo_tracker"), "<= 50 ms"),
    ):
        wall, cpu = median_run(*argv)
        report(f"{name} (wall)", wall * 1000, "ms", target)
        report(f"{name} (CPU)", cpu * 1000, "ms")
    report("import spo_tracker, -X importtime cumulative", own_import_ms(), "ms")


def own_import_ms() -> float:
    """Median cumulative ``-X importtime`` of the package over :data:`RUNS` processes."""
    times = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import spo_tracker"],
            check=True,
            capture_output=True,
            text=True,
        )
        line = next(x for x in done.stderr.splitlines() if x.rstrip().endswith("| spo_tracker"))
        times.append(int(line.split("|")[1]) / 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
