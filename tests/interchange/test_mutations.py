"""Any mutated file either imports fully or changes nothing (Hypothesis fuzzing of lines)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.errors import ImportValidationError
from spo_tracker.interchange import Dataset, import_file
from spo_tracker.storage import InMemoryStore, Store, connect
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import (
    ACTOR,
    AT,
    Writer,
    changes,
    dataset_text,
    store_text,
)
from tests.storage.conftest import fixed_clock

_BASE = dataset_text(full_dataset(), include_restricted=True)
_LINES = _BASE.split("\n")[:-1]
#: Part of the base, already stored before the mutated file is imported: so that
#: mutations meet stored records (same id, same or different content) as well as new ones.
_SEED = Dataset(
    defendants=full_dataset().defendants,
    protected_persons=full_dataset().protected_persons[:1],
    incidents=tuple(full_dataset().incidents)[:3],
)

_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(
        [
            None,
            "",
            0,
            -1,
            1.5e308,
            True,
            [],
            {},
            "ZZZ",
            "P2",
            "D1",
            "I-0001",
            "SPO-1",
            "2024-01-01T10:00:00",
            "2024-02-30",
            "x" * 20_000,
            "\u2028",
        ]
    ),
    st.text(max_size=5),
    st.integers(-(2**40), 2**40),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path inside a JSON value (the value itself included)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _set(record: Any, path: tuple[Any, ...], value: Any, *, delete: bool) -> Any:
    if not path:
        return value
    parent = record
    for part in path[:-1]:
        parent = parent[part]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return record


@st.composite
def _corrupt(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """One line with one field replaced, deleted, or the line cut short."""
    i = draw(st.integers(0, len(lines) - 1))
    try:
        record = json.loads(lines[i])
    except ValueError:
        record = None  # already cut short by an earlier mutation
    if record is None or draw(st.integers(0, 9)) == 0:
        line = lines[i]
        cut = draw(st.integers(0, max(0, len(line) - 1)))
        return [*lines[:i], line[:cut], *lines[i + 1 :]]
    path = draw(st.sampled_from(_paths(record)))
    changed = _set(record, path, draw(_VALUES), delete=draw(st.booleans()))
    text = json.dumps(changed, ensure_ascii=False, separators=(",", ":"))
    return [*lines[:i], text, *lines[i + 1 :]]


@st.composite
def _mutated(draw: st.DrawFn) -> list[str]:
    """The base file's lines after one to three mutations: drop, duplicate, swap or corrupt."""
    lines = list(_LINES)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(("drop", "duplicate", "swap", "corrupt", "corrupt")))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if how == "drop" and len(lines) > 1:
            del lines[i]
        elif how == "duplicate":
            lines.insert(j, lines[i])
        elif how == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines = draw(_corrupt(lines))
    return lines


def _seeded(store: Store, write: Writer) -> Store:
    import_file(store, write(dataset_text(_SEED, include_restricted=True)), actor=ACTOR, at=AT)
    return store


def _check(store: Store, lines: list[str], write: Writer) -> None:
    before, entries = store_text(store, include_restricted=True), changes(store)
    path = write("".join(line + "\n" for line in lines))
    refused: ImportValidationError | None = None
    try:
        import_file(store, path, actor=ACTOR, at=AT)
    except ImportValidationError as error:
        refused = error
    if refused is not None:
        assert refused.errors, "a refused file names at least one problem"
        assert all(1 <= issue.line <= max(1, len(lines)) for issue in refused.errors)
        assert store_text(store, include_restricted=True) == before
        assert changes(store) == entries
        return
    # Imported fully: every record of the file is now stored with the file's content,
    # so importing it again finds nothing new and nothing different.
    again = import_file(store, path, actor=ACTOR, at=AT)
    assert again.written == 0
    exported = store_text(store, include_restricted=True)
    fresh = InMemoryStore(clock=fixed_clock)
    import_file(fresh, write(exported), actor=ACTOR, at=AT)
    assert store_text(fresh, include_restricted=True) == exported


_FIXTURES = [HealthCheck.function_scoped_fixture]


def test_the_unmutated_base_file_imports() -> None:
    """The base file is valid: the mutations below are what make files bad."""
    assert len(_LINES) > 50
    assert {json.loads(line)["type"] for line in _LINES} >= {
        "header",
        "identity",
        "location",
        "person",
        "application",
        "order",
        "order_version",
        "term",
        "notification_duty",
        "incident",
        "alert",
    }


@given(lines=_mutated())
@settings(suppress_health_check=_FIXTURES)
def test_a_mutated_file_imports_fully_or_changes_nothing(lines: list[str], write: Writer) -> None:
    """Dropped, repeated, swapped or corrupted lines: all of the file, or none of it."""
    _check(_seeded(InMemoryStore(clock=fixed_clock), write), lines, write)


@given(lines=_mutated())
@settings(suppress_health_check=_FIXTURES, max_examples=15)
def test_a_mutated_file_imports_fully_or_changes_nothing_on_sqlite(
    lines: list[str], write: Writer, sqlite_template: Path, tmp_path: Path
) -> None:
    """The same on SQLite, where the writes are real SQL in one transaction."""
    database = tmp_path / "mutated.sqlite"
    shutil.copyfile(sqlite_template, database)
    store = connect(f"sqlite:///{database}", clock=fixed_clock)
    try:
        _check(_seeded(store, write), lines, write)
    finally:
        store.close()
        database.unlink()


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda ls: ls[:-1], id="alert dropped"),
        pytest.param(lambda ls: [*ls, ls[-2]], id="incident repeated"),
        pytest.param(lambda ls: [ls[0], *reversed(ls[1:])], id="reversed"),
    ],
)
def test_known_mutations_behave(mutate: Callable[[list[str]], list[str]], write: Writer) -> None:
    """A few mutations whose outcome is known: fine, fine, refused (identities after use)."""
    store = _seeded(InMemoryStore(clock=fixed_clock), write)
    lines = mutate(list(_LINES))
    _check(store, lines, write)
