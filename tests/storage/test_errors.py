"""Driver failures become typed library errors, and nothing is half-written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from spo_tracker.errors import DatabaseBusyError, DatabaseError
from spo_tracker.storage import _engine, connect
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock


def test_a_file_that_is_not_a_database_is_a_typed_error(tmp_path: Path) -> None:
    """Not a raw sqlite3 exception: a DatabaseError naming the database."""
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database " * 20)
    with pytest.raises(DatabaseError, match="not a database"):
        connect(f"sqlite:///{junk}")


def test_a_lock_held_past_the_timeout_is_busy_and_writes_nothing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock longer than the busy timeout: DatabaseBusyError."""
    monkeypatch.setattr(_engine, "BUSY_TIMEOUT_S", 0.2)
    store = connect(sqlite_url, clock=fixed_clock)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with store.unit_of_work(ACTOR) as uow, pytest.raises(DatabaseBusyError, match="locked"):
            uow.defendants.add(builders.defendant("D-busy"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with store.unit_of_work(ACTOR) as uow:
        assert not uow.defendants.exists("D-busy")
    store.close()
