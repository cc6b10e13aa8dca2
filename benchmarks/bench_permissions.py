"""Permission checks: what they add to run_detection and to a report, as a ratio in one run.

Target (data protection work): permission checks add at most 10% to
``run_detection`` and to a report at force scale. The demo force is built once
(``--scale`` units of 5,000 incidents; 10 gives 50,000), then detection and a
stored-alerts JSON report run alternately with the checks as shipped and with
them switched off (the casework functions' check and the unit of work's
``authorise`` replaced by no-ops in this process), median of ``--repeat`` runs
each. Figures are CPU seconds of this process (wall clock on a shared machine
mostly measures the other jobs) and their ratio.

Run: ``.venv/bin/python benchmarks/bench_permissions.py [--scale N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _common import report

import spo_tracker.casework._detection as detection
import spo_tracker.casework._intake as intake
import spo_tracker.casework._report as reporting
import spo_tracker.casework._storing as storing
from spo_tracker.casework import report_from_store, run_detection
from spo_tracker.demo import DEMO_ACTOR, DEMO_SUPERVISOR, NOW, run_demo
from spo_tracker.domain.permissions import Scope
from spo_tracker.storage import UnitOfWork, connect

#: The casework modules that check with ``authorised`` before opening their unit of work
#: (the case commands authorise inside theirs: ``UnitOfWork.authorise`` below).
_PATCHED = (detection, intake, reporting, storing)


def _allow(*_: Any, **__: Any) -> Scope:
    return Scope.ANY


@contextlib.contextmanager
def unchecked() -> Iterator[None]:
    """Every permission check in this process a no-op (the 'without' side of the ratio)."""
    saved = [m.authorised for m in _PATCHED]
    authorise = UnitOfWork.authorise
    for module in _PATCHED:
        module.authorised = _allow  # type: ignore[attr-defined]
    UnitOfWork.authorise = _allow  # type: ignore[method-assign]
    try:
        yield
    finally:
        for module, original in zip(_PATCHED, saved, strict=True):
            module.authorised = original  # type: ignore[attr-defined]
        UnitOfWork.authorise = authorise  # type: ignore[method-assign]


def cpu(func: Callable[[], object]) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        built = run_demo(Path(folder) / "demo", scale=args.scale)
        print(f"demo force: {built.scenario.incident_count:,} incidents")
        with connect(built.database_url) as store:
            output = Path(folder) / "report.json"

            def detect() -> object:
                return run_detection(store, at=NOW, actor=DEMO_ACTOR)

            def write() -> object:
                return report_from_store(
                    store, at=NOW, actor=DEMO_SUPERVISOR, fmt="json", output=output,
                    stored=True, history=True,
                )  # fmt: skip

            for name, func in (("run_detection", detect), ("report (json, stored)", write)):
                checked, bare = [], []
                for _ in range(args.repeat):
                    checked.append(cpu(func))
                    with unchecked():
                        bare.append(cpu(func))
                with_checks, without = statistics.median(checked), statistics.median(bare)
                report(f"{name} with checks, CPU", with_checks, "s")
                report(f"{name} without checks, CPU", without, "s")
                report(f"{name} ratio with/without", with_checks / without, "x", "<= 1.10")


if __name__ == "__main__":
    main()
