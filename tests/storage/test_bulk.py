"""Bulk ingest and streaming scans: crash safety and bounded memory."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from spo_tracker.storage import (
    SqlStore,
    connect,
    ingest_incidents,
    scan_incident_rows,
    scan_incidents,
    verify,
)
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock

BACKENDS = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("url_fixture", BACKENDS)
def test_a_process_killed_mid_ingest_leaves_whole_batches_and_a_whole_trail(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    """SIGKILL during an ingest: only whole batches are stored, each with its audit entry."""
    url, batch = request.getfixturevalue(url_fixture), 500
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.crash_ingest", url, str(batch)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert child.stdout is not None
    target = random.Random(os.getpid()).randint(3, 6)
    for line in child.stdout:
        if line.strip() == f"batch {target}":
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    store = connect(url, clock=fixed_clock)
    try:
        stored = [r.incident_id for r in scan_incident_rows(store, defendant_id="D-crash")]
        whole = len(stored) // batch
        assert len(stored) == whole * batch
        assert whole >= target - 1
        assert stored == [f"C-{n:09d}" for n in range(len(stored))]
        report = verify(store)
        assert report.ok, report.describe()
        ingested = [e for e in store.audit_entries() if e.event == "incidents.ingested"]
        assert len(ingested) == whole
    finally:
        store.close()


def _peak_kib(run: object) -> float:
    tracemalloc.start()
    try:
        assert callable(run)
        run()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


ROWS = 6_000


@pytest.fixture(params=BACKENDS)
def filled(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """A store holding 6,000 incidents of one defendant."""
    store = connect(request.getfixturevalue(request.param), clock=fixed_clock)
    ingest_incidents(store, builders.incidents("M", ROWS, defendant_id="D-mem"), actor=ACTOR)
    yield store
    store.close()


def test_scans_stream_in_bounded_memory(filled: SqlStore) -> None:
    """Scanning 6,000 rows in chunks of 200 peaks far below holding them all, and no
    higher than scanning a sixth of them: memory follows the chunk, not the table."""

    def scan(rows: int) -> None:
        for n, _ in enumerate(scan_incident_rows(filled, defendant_id="D-mem", chunk_size=200)):
            if n + 1 == rows:
                break

    def scan_domain() -> None:
        for _ in scan_incidents(filled, defendant_id="D-mem", chunk_size=200):
            pass

    def hold_all() -> None:
        assert len(list(scan_incident_rows(filled, defendant_id="D-mem"))) == ROWS

    small, large = _peak_kib(lambda: scan(ROWS // 6)), _peak_kib(lambda: scan(ROWS))
    everything = _peak_kib(hold_all)
    assert large < 1.5 * small + 128, (small, large)
    assert large < everything / 3, (large, everything)
    assert _peak_kib(scan_domain) < everything, everything
