"""A child process for the crash-safety test: ingest batches until killed.

Run as ``python -m tests.storage.crash_ingest URL BATCH_SIZE``. It announces
each batch on stdout as it starts building it, so the parent can kill it in the
middle of the ingest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pendulum

from spo_tracker.domain.incidents import Incident
from spo_tracker.storage import Actor, connect, ingest_incidents

BASE = pendulum.datetime(2025, 1, 1, tz="Europe/London")


def incidents(batch_size: int) -> Iterator[Incident]:
    """Incidents ``C-000000000``... without end, announcing each new batch."""
    n = 0
    while True:
        if n % batch_size == 0:
            print(f"batch {n // batch_size}", flush=True)
        yield Incident(
            incident_id=f"C-{n:09d}",
            occurred_at=BASE.add(seconds=n),
            kind="message",
            defendant_id="D-crash",
            summary="x" * 200,
        )
        n += 1


def main() -> None:
    url, batch_size = sys.argv[1], int(sys.argv[2])
    store = connect(url, clock=lambda: BASE)
    ingest_incidents(
        store, incidents(batch_size), actor=Actor("crash", "ingest"), batch_size=batch_size
    )


if __name__ == "__main__":
    main()
