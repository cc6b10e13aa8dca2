"""Detection runs at once on SQLite and PostgreSQL both finish, with no duplicate alert.

Real threads, each with its own connection to the same database: the runs read
and detect in parallel, then store; the later store meets the earlier one's
alerts (a duplicate key on PostgreSQL, or the lock on SQLite) and stores over
them instead of failing.

Writers that store *different* judgements of the same alerts are tested too,
with PostgreSQL writers held until all have read (so they must meet a stale
revision or a duplicate key); the same test with one attempt only shows that
they do. On SQLite, writers queue for the lock taken at their first read, so
no retry is needed there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attrs
import pytest

from spo_tracker.casework import (
    AlertsStored,
    DetectionRun,
    detect_stored,
    load_records,
    run_detection,
    store_alerts,
)
from spo_tracker.casework import _storing as storing
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.alerts import Alert
from spo_tracker.errors import StoreRetriesExhaustedError
from spo_tracker.storage import Repository, Store, connect, verify
from tests.casework.builders import store_scenario
from tests.storage.conftest import fixed_clock

T = TypeVar("T")
_BY: dict[str, Any] = {"actor": DEMO_ACTOR, "at": NOW}


def _together(work: Callable[[], T], count: int) -> tuple[list[T], list[BaseException]]:
    """Run ``work`` in ``count`` threads released at the same moment."""
    runs: list[T] = []
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


def _found(store: Store) -> tuple[Alert, ...]:
    records = load_records(store, actor=DEMO_ACTOR, at=NOW)
    return detect_stored(store, records, actor=DEMO_ACTOR, at=NOW).alerts


def _kept(store: Store, key: str) -> Alert:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        return uow.alerts.get(key)


def test_a_change_committed_while_a_run_merges_is_not_overwritten(
    sql_demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer commits an earlier first-identified time for a dated alert after this
    run read the alert and before it writes its rewording: the write is checked against the
    revision it was built from, so it retries over the other writer's alert and keeps both.

    On PostgreSQL the other writer commits inside the window (this run holds no lock while
    it merges); on SQLite the run holds the write lock from its first read, so the other
    writer waits and stores after it (its wording wins, the earlier time is kept)."""
    with (
        connect(sql_demo_url, clock=fixed_clock) as store,
        connect(sql_demo_url, clock=fixed_clock) as other,
    ):
        dated = next(a for a in _found(store) if not a.evidence_ids)
        first = dated.identified_at
        store_alerts(store, [attrs.evolve(dated, identified_at=first.add(days=1))], **_BY)
        earlier = attrs.evolve(dated, identified_at=first.subtract(days=1))
        writer = threading.Thread(target=store_alerts, args=(other, [earlier]), kwargs=_BY)
        inside_window = sql_demo_url.startswith("postgresql")
        real = storing.merge_alerts

        def merge(stored: Alert, found: Alert, **kwargs: Any) -> Alert:
            if not writer.is_alive() and writer.ident is None:
                writer.start()
                if inside_window:
                    writer.join()
            return real(stored, found, **kwargs)

        monkeypatch.setattr(storing, "merge_alerts", merge)
        again = attrs.evolve(dated, identified_at=first.add(days=2), explanation="reworded")
        store_alerts(store, [again], **_BY)
        writer.join()
        kept = _kept(store, dated.alert_id)
        # As if one wrote after the other: the later writer's wording, the earlier time.
        wording = "reworded" if inside_window else dated.explanation
        assert (kept.identified_at, kept.explanation) == (first.subtract(days=1), wording)


def _versions(alert: Alert, count: int) -> list[Alert]:
    """``count`` different judgements of ``alert``: each rests on a different part of its
    evidence (as runs that saw different incidents would)."""
    return [
        attrs.evolve(
            alert,
            evidence_ids=alert.evidence_ids[: len(alert.evidence_ids) - n],
            count=len(alert.evidence_ids) - n,
            explanation=f"judged on {len(alert.evidence_ids) - n} incidents",
        )
        for n in range(count)
    ]


def _read_together(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """On PostgreSQL, hold each writer's first attempt after its first read of the stored
    alerts until every writer has read: they all build on the same revisions and all see
    the new alert absent, so they must meet (on SQLite the write lock taken at the first
    read serialises them instead, and a barrier there would never fill)."""
    if not url.startswith("postgresql"):
        return
    barrier = threading.Barrier(RUNS)
    waited: set[int] = set()
    real = Repository.get_many_unless_same  # the read that storing alerts starts with

    def get_many_unless_same(
        self: Repository[Alert], objs: Iterable[Alert]
    ) -> tuple[dict[str, tuple[Alert, int]], dict[str, int]]:
        found = real(self, objs)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return found

    monkeypatch.setattr(Repository, "get_many_unless_same", get_many_unless_same)


def _store_different_evidence_at_once(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[AlertsStored], list[BaseException]]:
    """RUNS writers store different evidence for the same two alerts (one already stored,
    one new), all at once."""
    stores = [connect(url, clock=fixed_clock) for _ in range(RUNS + 1)]
    try:
        found = _found(stores[0])
        stored_before, new = [a for a in found if len(a.evidence_ids) > RUNS][:2]
        store_alerts(stores[0], [stored_before], **_BY)
        pairs = zip(_versions(stored_before, RUNS), _versions(new, RUNS), strict=True)
        queue = [(store, list(pair)) for store, pair in zip(stores[1:], pairs, strict=True)]
        lock = threading.Lock()

        def work() -> AlertsStored:
            with lock:
                store, batch = queue.pop()
            return store_alerts(store, batch, **_BY)

        _read_together(monkeypatch, url)
        results, errors = _together(work, RUNS)
        monkeypatch.undo()
        if not errors:
            keys = (stored_before.alert_id, new.alert_id)
            with stores[0].unit_of_work(DEMO_ACTOR, at=NOW) as uow:
                kept = uow.alerts.get_many(keys)
            # Each stored alert is one writer's judgement whole, never a mixture.
            assert kept[keys[0]] in _versions(stored_before, RUNS)
            assert kept[keys[1]] in _versions(new, RUNS)
            assert sum(r.new for r in results) == 1
            assert verify(stores[0]).ok
        return results, errors
    finally:
        for store in stores:
            store.close()


def test_runs_storing_different_evidence_at_once_all_finish(
    sql_demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four writers store different evidence for an alert already stored and for a new
    one: all finish, the new alert is added once, each alert is one writer's whole."""
    results, errors = _store_different_evidence_at_once(sql_demo_url, monkeypatch)
    assert errors == []
    assert len(results) == RUNS


@pytest.mark.postgres
def test_without_retries_the_same_writers_meet_conflicts_on_postgresql(
    postgres_url: str, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above can fail: with one attempt only, writers that read together on
    PostgreSQL meet a duplicate key or a stale revision, and some of them fail."""
    with connect(postgres_url, clock=fixed_clock) as store:
        store_scenario(store, scenario)
    monkeypatch.setattr(storing, "_ATTEMPTS", 1)
    _, errors = _store_different_evidence_at_once(postgres_url, monkeypatch)
    assert errors
    assert all(isinstance(e, StoreRetriesExhaustedError) for e in errors)
