"""Interchange test fixtures: the storage suite's databases and clock, and file helpers."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pendulum
import pytest

from spo_tracker.interchange import Dataset, write_dataset, write_store
from spo_tracker.storage import Actor, Store
from tests.storage.conftest import (  # noqa: F401 - fixtures shared with the storage tests
    NOW,
    fixed_clock,
    fresh_store,
    postgres_server,
    postgres_url,
    sqlite_template,
    sqlite_url,
)

ACTOR = Actor("DC 4321", "supervisor", purpose="interchange")


@pytest.fixture(autouse=True)
def _supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line imports and exports as a supervisor (the permission table)."""
    monkeypatch.setenv("SPO_TRACKER_ROLE", "supervisor")
    monkeypatch.setenv("SPO_TRACKER_PURPOSE", "interchange tests")


#: The export time written in the test files' headers.
AT = pendulum.datetime(2025, 6, 1, 12, tz="UTC")


def dataset_text(data: Dataset, *, include_restricted: bool = False) -> str:
    """``data`` as an interchange file's text."""
    out = io.StringIO()
    write_dataset(out, data, at=AT, include_restricted=include_restricted)
    return out.getvalue()


def store_text(store: Store, *, include_restricted: bool = False) -> str:
    """Everything in ``store`` as an interchange file's text."""
    out = io.StringIO()
    write_store(out, store, actor=ACTOR, at=AT, include_restricted=include_restricted)
    return out.getvalue()


def audit_length(store: Store) -> int:
    """How many audit entries the store holds."""
    return sum(1 for _ in store.audit_entries())


Writer = Callable[[str | bytes], Path]


def changes(store: Store) -> int:
    """Audit entries that record a change: all but the genesis entry every store starts
    with, reads of restricted details, which are audited even when the import that
    read them fails (every such read is audited), and consultations and disclosures of
    people's records (DPA 2018 s.62: an export, such as :func:`store_text`, is one)."""
    unchanging = {
        "audit.genesis",
        "protected_person.restricted_read",
        "persons.consulted",
        "interchange.exported",
    }
    return sum(1 for e in store.audit_entries() if e.event not in unchanging)


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write text to a new file in the test's folder and return its path."""
    counter = iter(range(10**6))

    def _write(text: str | bytes) -> Path:
        path = tmp_path / f"file-{next(counter)}.jsonl"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
