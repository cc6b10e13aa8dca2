"""Shared timing helpers for the benchmark scripts (figures, never assertions)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

#: Benchmark stores keep protected persons' restricted details encrypted like any store, so
#: each script needs a data key: a fixed one for benchmarks, unless the caller gives one.
os.environ.setdefault("SPO_TRACKER_DATA_KEY", "bench-data-key:" + "6b" * 32)


def median_seconds(func: Callable[[], object], *, repeat: int = 7, number: int = 1000) -> float:
    """Median over ``repeat`` runs of the time for one call, each run timing ``number`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def report(name: str, value: float, unit: str, target: str = "") -> None:
    """Print one figure in a fixed, greppable form."""
    suffix = f"  (target {target})" if target else ""
    print(f"{name}: {value:,.2f} {unit}{suffix}")
