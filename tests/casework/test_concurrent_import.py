"""Two interchange imports of one file at once both finish, with every record stored once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from spo_tracker.interchange import ImportReport, import_file
from spo_tracker.interchange._validation import Validation
from spo_tracker.storage import Actor, SqlStore, Store, verify
from tests.casework.conftest import BACKENDS, open_store
from tests.casework.test_intake import _together
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import AT, dataset_text, store_text

#: Imports are for a supervisor or the ingest service (the permission table).
ACTOR = Actor("Sgt 2", "supervisor")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty store on each backend."""
    opened = open_store(request, request.param)
    yield opened
    opened.close()


def _validations_meet(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    """Make each import wait, once validated, for the other to validate too (not on SQLite,
    whose write transactions take turns), so both find every record new: the race a
    retry must survive, made certain rather than left to timing."""
    if isinstance(store, SqlStore) and store.backend == "sqlite":
        return
    gate, done = threading.Barrier(2), threading.local()
    original = Validation.finish

    def finish(self: Validation, reread: Any) -> None:
        original(self, reread)
        if not getattr(done, "met", False):
            done.met = True
            gate.wait(timeout=60)

    monkeypatch.setattr(Validation, "finish", finish)


def test_two_imports_of_one_file_at_once_both_finish(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No duplicate-key error ('defendant None'): one writes, the other finds it unchanged."""
    text = dataset_text(full_dataset())
    path = tmp_path / "night.jsonl"
    path.write_text(text, encoding="utf-8")
    reports: list[ImportReport] = []
    _validations_meet(monkeypatch, store)

    def run() -> Callable[[], None]:
        return lambda: reports.append(import_file(store, path, actor=ACTOR, at=AT))

    assert _together([run(), run()]) == []
    monkeypatch.undo()
    assert sorted(r.written for r in reports)[0] == 0
    assert sorted(r.written for r in reports)[1] > 0
    assert store_text(store) == text
    assert verify(store).ok
