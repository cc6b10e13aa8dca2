"""The file an import reads: a regular file within the limits, read as validated, or nothing.

Hostile sources (a FIFO fed by a thread, ``/dev/zero``, a folder, a huge file, a
huge line) end with a typed error and exit 2; a file that changes while it is
being imported (lines appended, a line rewritten) is refused and nothing is
written, on every backend. The tests that could hang run the command line in a
child process under a harness timeout (a hang fails them; no time is asserted).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from spo_tracker.cli import main
from spo_tracker.errors import ImportSourceError, ImportValidationError, InvalidValueError
from spo_tracker.interchange import MAX_LINE_BYTES, _import, import_file
from spo_tracker.storage import InMemoryStore, Store, upgrade
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import ACTOR, AT, Writer, changes, dataset_text, store_text
from tests.storage.conftest import fixed_clock

TEXT = dataset_text(full_dataset())
#: A hang fails the test after this long; nothing asserts how long anything took.
HARNESS_TIMEOUT_S = 120
BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line in a child process, killed (and the test failed) if it hangs."""
    return subprocess.run(
        [sys.executable, "-m", "spo_tracker", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=HARNESS_TIMEOUT_S,
    )


def one_error_line(err: str) -> str:
    """The single line on stderr, which is an error (never a traceback)."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("spo-tracker: error: ")
    return lines[0]


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A fresh, migrated SQLite database."""
    url = f"sqlite:///{tmp_path / 'spo.sqlite'}"
    upgrade(url)
    return url


def _feed(fifo: Path, data: bytes, stop: threading.Event) -> None:
    """Write to the FIFO for as long as someone reads it (or until told to stop)."""
    try:
        with open(fifo, "wb") as out:  # blocks until a reader opens the FIFO
            while not stop.is_set():
                out.write(data)
    except OSError:  # the reader went away: BrokenPipeError
        return


def test_a_fifo_fed_by_a_thread_is_refused_not_read(database: str, tmp_path: Path) -> None:
    """A named pipe never ends (and cannot be read twice): refused at once, exit 2."""
    fifo = tmp_path / "incoming.jsonl"
    os.mkfifo(fifo)
    stop = threading.Event()
    feeder = threading.Thread(target=_feed, args=(fifo, TEXT.encode(), stop), daemon=True)
    feeder.start()
    try:
        done = cli("import", str(fifo), "--database", database, "--at", AT_TEXT, cwd=tmp_path)
    finally:
        stop.set()
        _release(fifo)
        feeder.join(HARNESS_TIMEOUT_S)
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert str(fifo) in line
    assert "FIFO" in line
    assert "nothing was imported" in line
    assert done.stdout == ""


def _release(fifo: Path) -> None:
    """Open and close the read end, so that a feeder still waiting to open it goes on."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    os.close(fd)


AT_TEXT = "2025-06-01T12:00:00+00:00"


def test_dev_zero_is_refused_not_read(database: str, tmp_path: Path) -> None:
    """``/dev/zero`` (endless, and a single line with no newline) ends with exit 2."""
    done = cli("import", "/dev/zero", "--database", database, "--at", AT_TEXT, cwd=tmp_path)
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert "'/dev/zero'" in line
    assert "a device, not a regular file" in line


def test_a_huge_single_line_ends_with_the_line_named(database: str, tmp_path: Path) -> None:
    """A 3 MiB line with no newline after the header: reported by its line number, unread."""
    path = tmp_path / "huge.jsonl"
    header = TEXT.split("\n", 1)[0]
    with path.open("wb") as out:
        out.write(header.encode() + b"\n")
        out.write(b"[" * (3 * MAX_LINE_BYTES))
    done = cli("import", str(path), "--database", database, "--at", AT_TEXT, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    first, last = done.stderr.splitlines()
    assert first == f"{path}:2: over {MAX_LINE_BYTES:,} bytes (oversize line); not read"
    assert "1 error, nothing was imported" in last


def test_the_line_limit_can_be_lowered(
    database: str, write: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    """--max-line-bytes: every longer line is listed with the limit given; nothing in."""
    source = write(TEXT)
    longest = max(len(line.encode()) for line in TEXT.split("\n"))
    argv = ["import", str(source), "--database", database, "--at", AT_TEXT]
    assert main([*argv, "--max-line-bytes", str(longest - 1)]) == 2
    err = capsys.readouterr().err
    assert f"over {longest - 1:,} bytes (oversize line); not read" in err
    assert main([*argv, "--max-line-bytes", str(longest)]) == 0


def test_a_file_over_the_size_limit_is_refused_unread(
    database: str, write: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    """--max-bytes: the size and the limit are named; exit 2, nothing imported."""
    source = write(TEXT)
    size = source.stat().st_size
    code = main(["import", str(source), "--database", database, "--max-bytes", str(size - 1)])
    assert code == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{size:,} bytes, over the import size limit of {size - 1:,} bytes" in line


@pytest.mark.parametrize(
    ("option", "value"),
    [("max_bytes", 0), ("max_bytes", True), ("max_line_bytes", MAX_LINE_BYTES + 1)],
)
def test_limits_out_of_range_are_typed_errors(
    option: str, value: Any, store: Store, write: Writer
) -> None:
    """The library's own arguments: InvalidValueError naming the argument and value."""
    options: dict[str, Any] = {option: value}
    with pytest.raises(InvalidValueError, match=f"{option}={value!r}"):
        import_file(store, write(TEXT), actor=ACTOR, at=AT, **options)


def test_a_folder_is_refused(store: Store, tmp_path: Path) -> None:
    """Not a regular file: ImportSourceError, not IsADirectoryError."""
    with pytest.raises(ImportSourceError, match="a folder, not a regular file"):
        import_file(store, tmp_path, actor=ACTOR, at=AT)


@pytest.fixture
def store() -> Store:
    """An empty store in memory (for the arguments checked before any database work)."""
    return InMemoryStore(clock=fixed_clock)


every_backend = pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)


Tamper = Callable[[Path], None]

_SMUGGLED = {
    "type": "person",
    "id": "X" * 3_000 + "\u0007",
    "attributes": {"role": "defendant", "name": "Smuggled"},
}


def _append(path: Path) -> None:
    """What the issue found: a line appended while the import writes (a 3,000-character id
    with a control character, which validation would refuse)."""
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(_SMUGGLED) + "\n")


def _rewrite(path: Path) -> None:
    """A line changed in place, same length: the file's size does not change."""
    data = path.read_bytes()
    at = data.index(b'"name":"') + len(b'"name":"')
    path.write_bytes(data[:at] + (b"Z" if data[at : at + 1] != b"Z" else b"Y") + data[at + 1 :])


def _truncate(path: Path) -> None:
    """The file cut short while it is read again."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@every_backend
@pytest.mark.parametrize("tamper", [_append, _rewrite, _truncate], ids=lambda t: t.__name__)
@pytest.mark.parametrize("during", ["persons", "rest"])
def test_a_file_that_changes_while_it_is_written_is_refused_and_nothing_is_written(
    tamper: Tamper,
    during: str,
    fresh_store: Store,
    write: Writer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Validated, then changed during a write pass: ImportSourceError; no record, no audit."""
    source = write(TEXT)
    original = getattr(_import._Writer, during)

    def tampered(self: Any, lines: Any) -> None:
        tamper(source)
        original(self, lines)

    monkeypatch.setattr(_import._Writer, during, tampered)
    before = store_text(fresh_store)
    with pytest.raises(ImportSourceError, match="the file changed while it was being imported"):
        import_file(fresh_store, source, actor=ACTOR, at=AT)
    assert store_text(fresh_store) == before
    assert changes(fresh_store) == 0


def test_the_summary_of_a_changed_file_is_never_printed(
    database: str,
    write: Writer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The CLI: exit 2, one line, no "-1 already stored"; importing the file again works."""
    source = write(TEXT)
    original = _import._Writer.rest

    def tampered(self: Any, lines: Any) -> None:
        _append(source)
        original(self, lines)

    monkeypatch.setattr(_import._Writer, "rest", tampered)
    assert main(["import", str(source), "--database", database, "--at", AT_TEXT]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert "the file changed" in one_error_line(out.err)
    monkeypatch.setattr(_import._Writer, "rest", original)  # not undo(): the role stays
    source.write_text(TEXT, encoding="utf-8")
    assert main(["import", str(source), "--database", database, "--at", AT_TEXT]) == 0
    summary = capsys.readouterr().out
    assert "52 records written" in summary
    assert summary.endswith("; 0 already stored with the same content\n")


@every_backend
def test_a_file_replaced_by_rename_after_opening_is_imported_as_validated(
    fresh_store: Store, write: Writer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The import keeps the file it opened: a new file moved onto the path is not read."""
    source = write(TEXT)
    original = _import._Writer.persons

    def replaced(self: Any, lines: Any) -> None:
        other = tmp_path / "other.jsonl"
        other.write_text(TEXT + json.dumps(_SMUGGLED) + "\n", encoding="utf-8")
        os.replace(other, source)
        original(self, lines)

    monkeypatch.setattr(_import._Writer, "persons", replaced)
    report = import_file(fresh_store, source, actor=ACTOR, at=AT)
    assert report.written == 52
    assert "Smuggled" not in store_text(fresh_store)


def test_a_file_whose_name_is_not_utf8_is_imported(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name in another encoding: imported, its name escaped in the summary and the audit."""
    name = os.fsdecode(b"caf\xe9.jsonl")
    path = tmp_path / name
    path.write_text(TEXT, encoding="utf-8")
    assert main(["import", str(path), "--database", database, "--at", AT_TEXT]) == 0
    out = capsys.readouterr().out
    assert "52 records written" in out
    assert "caf\\udce9.jsonl" in out or "caf\\xe9.jsonl" in out


@every_backend
def test_an_invalid_file_still_lists_its_problems(fresh_store: Store, write: Writer) -> None:
    """The single-read path keeps the validation report: every problem, nothing written."""
    lines = TEXT.split("\n")
    lines.insert(2, '{"type":"vehicle","id":"V1"}')
    with pytest.raises(ImportValidationError) as raised:
        import_file(fresh_store, write("\n".join(lines)), actor=ACTOR, at=AT)
    assert [issue.line for issue in raised.value.errors] == [3]
    assert changes(fresh_store) == 0
