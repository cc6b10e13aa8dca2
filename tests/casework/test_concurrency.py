"""Detection runs at once on SQLite and PostgreSQL both finish, with no duplicate alert.

Real threads, each with its own connection to the same database: the runs read
and detect in parallel, then store; the later store meets the earlier one's
alerts (a duplicate key on PostgreSQL, or the lock on SQLite) and merges over
them instead of failing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from spo_tracker.casework import DetectionRun, run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.storage import connect, verify
from tests.storage.conftest import fixed_clock


def _together(
    work: Callable[[], DetectionRun], count: int
) -> tuple[list[DetectionRun], list[BaseException]]:
    """Run ``work`` in ``count`` threads released at the same moment."""
    runs: list[DetectionRun] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def one() -> None:
        try:
            start.wait()
            runs.append(work())
        except BaseException as error:  # collected and checked by the test
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return runs, errors


RUNS = 4


def test_runs_at_once_all_finish_with_each_alert_stored_once(sql_demo_url: str) -> None:
    """Four nightly jobs started together all return; every alert is new in exactly one of
    them; the stored alerts are one run's alerts; the audit trail's chain still holds."""
    stores = [connect(sql_demo_url, clock=fixed_clock) for _ in range(RUNS)]
    queue = list(stores)
    lock = threading.Lock()

    def work() -> DetectionRun:
        with lock:
            store = queue.pop()
        return run_detection(store, at=NOW, actor=DEMO_ACTOR)

    try:
        runs, errors = _together(work, RUNS)
        assert errors == []
        first = runs[0]
        assert all(run.alerts == first.alerts for run in runs)
        news = [key for run in runs for key in run.stored.new_ids]
        assert sorted(news) == sorted(a.alert_id for a in first.alerts)
        with stores[0].unit_of_work(DEMO_ACTOR, at=NOW) as uow:
            ids = uow.alerts.ids()
            kept = uow.alerts.get_many(ids)
        assert len(ids) == len(set(ids)) == len(first.alerts)
        assert kept == {a.alert_id: a for a in first.alerts}
        assert verify(stores[0]).ok
    finally:
        for store in stores:
            store.close()
