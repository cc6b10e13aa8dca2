"""The same data gives byte-identical reports, whatever the input order or process."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from spo_tracker.reports import FORMATS, build_report, render
from tests.reports.builders import NOW, world

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import sys
from spo_tracker.reports import build_report, render
from tests.reports.builders import NOW, world
w = world()
sys.stdout.buffer.write(render(build_report(w.alerts, w.context, now=NOW), sys.argv[1]).encode())
"""


def test_shuffled_alerts_give_identical_reports() -> None:
    """Input order never matters."""
    w = world()
    alerts = list(w.alerts)
    first = {f: render(build_report(alerts, w.context, now=NOW), f) for f in FORMATS}
    for seed in range(3):
        random.Random(seed).shuffle(alerts)
        again = {f: render(build_report(alerts, w.context, now=NOW), f) for f in FORMATS}
        assert again == first


def test_another_process_with_another_hash_seed_gives_the_same_bytes() -> None:
    """No dependence on set or dict hashing order, the locale or the time zone of the host."""
    w = world()
    for fmt in FORMATS:
        expected = render(build_report(w.alerts, w.context, now=NOW), fmt).encode()
        env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "America/New_York", "LC_ALL": "C"}
        out = subprocess.run(
            [sys.executable, "-c", _SCRIPT, fmt], cwd=ROOT, env=env, capture_output=True, check=True
        )
        assert out.stdout == expected, fmt


def test_now_is_the_only_time_shown_as_generation_time() -> None:
    """Two different ``now`` values differ only where the generation time is shown."""
    w = world()
    a = render(build_report(w.alerts, w.context, now=NOW), "json")
    b = render(build_report(w.alerts, w.context, now=NOW.add(minutes=1)), "json")
    assert a != b
    # NOW is 09:00 London (GMT): the UTC instant and its London time beside it.
    for earlier, later in (("09:00:00Z", "09:01:00Z"), ("09:00:00+00:00", "09:01:00+00:00")):
        a = a.replace(f"2026-03-20T{earlier}", "X")
        b = b.replace(f"2026-03-20T{later}", "X")
    assert a == b
