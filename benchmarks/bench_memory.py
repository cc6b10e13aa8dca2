"""Where a full detection run's memory goes, by stage, at several store sizes.

For each ``--incidents`` size (stores kept by ``bench_casework.py`` under
``--cache``; built there if missing), two child processes on fresh copies of the
store, each printing its peak resident memory (``ru_maxrss``) after each stage:

* ``load_records`` (every order, defendant, protected person and duty);
* ``detect_stored`` (the scan and the dated checks, nothing stored), or the
  whole ``run_detection`` (the same, then every alert stored).

The target (docs/performance.md) is a peak flat in the number of incidents:
at most +50 MiB from 250,000 to 2,000,000. Figures are printed, never asserted.

    python benchmarks/bench_memory.py --incidents 250000 1000000 2000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from _common import report
from bench_casework import ACTOR, AT, STORE_VERSION, build

from spo_tracker.casework import detect_stored, load_records, run_detection
from spo_tracker.storage import connect


def peak_mib() -> float:
    """The peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, stage: str) -> None:
    """Load, then detect (or run), printing the peaks as JSON (the child's job)."""
    store = connect(f"sqlite:///{path}")
    try:
        records = load_records(store, actor=ACTOR, at=AT)
        figures = {"load": peak_mib()}
        if stage == "detect":
            found = detect_stored(store, records, actor=ACTOR, at=AT)
        else:
            found = run_detection(store, at=AT, actor=ACTOR, records=records).scan
        figures[stage] = peak_mib()
        figures["alerts"] = len(found.alerts)
    finally:
        store.close()
    print(json.dumps(figures))


def measure(kept: Path, stage: str) -> dict[str, float]:
    copy = kept.with_name(f"memory-{os.getpid()}.sqlite")
    shutil.copyfile(kept, copy)
    try:
        command = [sys.executable, __file__, "--child", str(copy), stage]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result
    finally:
        for leftover in copy.parent.glob(f"memory-{os.getpid()}.sqlite*"):
            leftover.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, nargs="+", default=[250_000, 2_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/spo_bench_casework"))
    parser.add_argument("--child", nargs=2, metavar=("PATH", "STAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"load average {os.getloadavg()[0]:.2f}")
    args.cache.mkdir(parents=True, exist_ok=True)
    for count in args.incidents:
        kept = args.cache / f"force-{STORE_VERSION}-{args.seed}-{count}.sqlite"
        if not kept.exists():
            print(f"building {kept} (once; later runs reuse it)", flush=True)
            partial = kept.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            build(f"sqlite:///{partial}", count, args.seed)
            partial.rename(kept)
        detected, whole = measure(kept, "detect"), measure(kept, "run")
        label = f"SQLite {count:,} incidents"
        report(f"{label}: peak after load_records", detected["load"], "MiB")
        alerts = f"{detected['alerts']:,.0f} alerts"
        report(f"{label}: peak after detect_stored ({alerts})", detected["detect"], "MiB")
        report(f"{label}: peak after the whole run_detection", whole["run"], "MiB")


if __name__ == "__main__":
    main()
