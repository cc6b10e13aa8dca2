"""The database on disk: private files whatever the umask, and outputs kept off it."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from spo_tracker.errors import DatabaseUnavailableError, OutputOntoDatabaseError
from spo_tracker.interchange import export_file
from spo_tracker.storage import (
    Actor,
    connect,
    database_files,
    refuse_output_onto,
    upgrade,
    verify,
)
from tests.storage.conftest import NOW, fixed_clock

ACTOR = Actor("PC 1234", "officer", purpose="casework tests")


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o277], ids=["umask-000", "umask-022", "umask-277"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under a permissive, the usual, and a stingy umask."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def write_something(url: str) -> None:
    """One committed write: SQLite in WAL mode creates the -wal and -shm files for it."""
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.note("test.note", "test", "k", changes={}, reason="make a WAL")
            uow.commit()
        side = [Path(f"{url.removeprefix('sqlite:///')}{s}") for s in ("-wal", "-shm")]
        assert all(p.exists() for p in side)  # checked while the store is open
        assert [mode(p) for p in side] == [0o600, 0o600]
    finally:
        store.close()


def test_a_new_database_and_its_side_files_are_0600_whatever_the_umask(
    umask: int, tmp_path: Path
) -> None:
    """db upgrade creates the file 0600; SQLite gives -wal and -shm the same mode."""
    path = tmp_path / "new.sqlite"
    upgrade(f"sqlite:///{path}")
    assert mode(path) == 0o600
    write_something(f"sqlite:///{path}")
    assert mode(path) == 0o600


def test_an_existing_database_open_to_others_is_tightened_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A copy left 0644 (cp under the usual umask) is made 0600 when opened, and it says so."""
    path = tmp_path / "copied.sqlite"
    upgrade(f"sqlite:///{path}")
    path.chmod(0o644)
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    wal.chmod(0o666)
    with caplog.at_level(logging.WARNING, logger="spo_tracker.storage"):
        connect(f"sqlite:///{path}", clock=fixed_clock).close()
    assert mode(path) == 0o600
    assert not wal.exists() or mode(wal) == 0o600
    messages = [r.getMessage() for r in caplog.records]
    assert any(str(path) in m and "0644" in m and "0600" in m for m in messages), messages
    assert any(str(wal) in m and "0666" in m for m in messages), messages


def test_a_private_database_is_opened_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing to say when the file is already 0600 (or narrower)."""
    path = tmp_path / "private.sqlite"
    upgrade(f"sqlite:///{path}")
    path.chmod(0o400 | 0o200)
    with caplog.at_level(logging.WARNING, logger="spo_tracker.storage"):
        connect(f"sqlite:///{path}", clock=fixed_clock).close()
    assert caplog.records == []


def test_the_database_files_are_the_file_and_its_side_files(tmp_path: Path) -> None:
    """For SQLite the file, -wal, -shm and -journal; nothing for PostgreSQL."""
    path = tmp_path / "db.sqlite"
    names = {p.name for p in database_files(f"sqlite:///{path}")}
    assert names == {"db.sqlite", "db.sqlite-wal", "db.sqlite-shm", "db.sqlite-journal"}
    assert database_files("postgresql+psycopg://u:pw@host/db") == ()


@pytest.fixture
def database(sqlite_url: str) -> Path:
    """The SQLite file behind a fresh store."""
    return Path(sqlite_url.removeprefix("sqlite:///"))


def _links(database: Path, folder: Path) -> dict[str, Path]:
    symlink = folder / "looks-harmless.jsonl"
    symlink.symlink_to(database)
    hardlink = folder / "hard.jsonl"
    os.link(database, hardlink)
    dangling = folder / "to-the-wal.jsonl"
    dangling.symlink_to(Path(f"{database}-wal"))
    return {
        "the file": database,
        "the -wal": Path(f"{database}-wal"),
        "the -shm": Path(f"{database}-shm"),
        "the -journal": Path(f"{database}-journal"),
        "a symlink": symlink,
        "a hard link": hardlink,
        "a symlink to the -wal": dangling,
        "a relative path": Path(os.path.relpath(database)),
    }


@pytest.mark.parametrize(
    "how",
    [
        "the file",
        "the -wal",
        "the -shm",
        "the -journal",
        "a symlink",
        "a hard link",
        "a symlink to the -wal",
        "a relative path",
    ],
)
def test_an_export_onto_the_database_is_refused_and_writes_nothing(
    how: str, sqlite_url: str, database: Path, tmp_path: Path
) -> None:
    """export_file names the path and the database file, and the database is untouched."""
    target = _links(database, tmp_path)[how]
    store = connect(sqlite_url, clock=fixed_clock)
    try:
        before = database.read_bytes()
        with pytest.raises(OutputOntoDatabaseError) as refused:
            export_file(store, target, actor=ACTOR, at=NOW)
        assert refused.value.path == str(target)
        assert str(target) in str(refused.value)
        assert database.read_bytes() == before
        assert verify(store).ok
    finally:
        store.close()
    assert not any(p.name.startswith(".") for p in database.parent.iterdir())


def test_refusal_does_not_catch_a_neighbour(database: Path, tmp_path: Path) -> None:
    """A file beside the database, or one whose name only starts like it, is fine."""
    protected = database_files(f"sqlite:///{database}")
    for neighbour in (tmp_path / "other.sqlite", Path(f"{database}-wal2"), Path(f"{database}.bak")):
        refuse_output_onto(neighbour, protected)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_an_export_beside_the_database_is_written_0600(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The check lets ordinary outputs through, on both backends, and they stay private."""
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    store = connect(url, clock=fixed_clock)
    try:
        out = tmp_path / "export.jsonl"
        export_file(store, out, actor=ACTOR, at=NOW)
    finally:
        store.close()
    assert mode(out) == 0o600


def test_a_file_that_cannot_be_made_private_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Owned by someone else (chmod refused): DatabaseUnavailableError, nothing opened."""
    path = tmp_path / "theirs.sqlite"
    upgrade(f"sqlite:///{path}")
    path.chmod(0o644)

    def refuse(_path: object, _mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refuse)
    with pytest.raises(DatabaseUnavailableError, match=r"cannot make .* private .*not permitted"):
        connect(f"sqlite:///{path}", clock=fixed_clock)
