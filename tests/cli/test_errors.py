"""Bad input on the command line: one clear line on stderr, exit 2, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spo_tracker.cli import main

AT = "2026-03-20T09:00:00Z"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main() in-process: exit code, stdout, stderr."""
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(err: str) -> str:
    """The single error line (progress lines on stderr come before it)."""
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small demo database to report from."""
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--scale", "0", "--output", str(folder)]) == 0
    return f"sqlite:///{folder / 'spo-tracker.sqlite'}"


@pytest.mark.parametrize("command", ["scan", "report"])
def test_a_missing_database_file(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database file that does not exist is named, with how to create one."""
    monkeypatch.chdir(tmp_path)
    extra = ["--format", "html", "--output", "r.html"] if command == "report" else []
    code, _, err = run([command, *extra], capsys)
    line = one_line_error(err)
    assert code == 2
    assert "spo-tracker.sqlite" in line
    assert "db upgrade" in line
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_database_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that is not a database is refused in one line; no report is written."""
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database " * 200)
    out = tmp_path / "r.json"
    code, _, err = run(
        ["--database", f"sqlite:///{bad}", "report", "--format", "json", "--output", str(out)],
        capsys,
    )
    assert code == 2
    assert "not a database" in one_line_error(err)
    assert not out.exists()


def test_an_unmigrated_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty SQLite file is at no schema revision: the error says to upgrade."""
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    code, _, err = run(["scan", "--database", f"sqlite:///{empty}"], capsys)
    assert code == 2
    assert "db upgrade" in one_line_error(err)


def test_an_unknown_format(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown format names itself and the known ones; nothing is written."""
    out = tmp_path / "r.pdf"
    code, _, err = run(
        ["--database", database, "report", "--format", "pdf", "--output", str(out)], capsys
    )
    assert code == 2
    assert "'pdf'" in one_line_error(err)
    assert "html, json, csv" in err
    assert list(tmp_path.iterdir()) == []


def unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot write (root ignores modes: /sys then)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder if not os.access(folder, os.W_OK) else Path("/sys")


@pytest.mark.parametrize("where", ["missing", "unwritable"])
def test_an_unwritable_output_folder(
    where: str, database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report into a missing or unwritable folder: one line, and no file left behind."""
    folder = tmp_path / "nope" if where == "missing" else unwritable(tmp_path)
    before = sorted(os.listdir(folder)) if folder.is_dir() else None
    out = folder / "r.html"
    code, _, err = run(
        ["--database", database, "report", "--at", AT, "--format", "html", "--output", str(out)],
        capsys,
    )
    assert code == 2
    assert "cannot write" in one_line_error(err)
    if before is not None:
        assert sorted(os.listdir(folder)) == before


def test_the_demo_into_an_unwritable_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo refuses an output folder it cannot write, before building anything."""
    code, _, err = run(["demo", "--scale", "0", "--output", str(unwritable(tmp_path))], capsys)
    assert code == 2
    assert "cannot write" in one_line_error(err)


def test_an_unsupported_database_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A URL for another backend is named, with the two it could be."""
    code, _, err = run(["--database", "mysql://x", "scan"], capsys)
    assert code == 2
    assert "unsupported backend" in one_line_error(err)


@pytest.mark.parametrize(
    ("when", "needle"),
    [("2026-03-20T09:00", "no UTC offset"), ("yesterday", "not an ISO 8601")],
)
def test_a_time_without_an_offset_or_not_a_time(
    when: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--at`` must be an ISO 8601 instant with an offset: one line naming the value."""
    with pytest.raises(SystemExit) as done:
        main(["scan", "--at", when])
    assert done.value.code == 2
    line = one_line_error(capsys.readouterr().err)
    assert needle in line
    assert when in line


def test_no_traceback_from_a_real_process(tmp_path: Path) -> None:
    """Run as a program: a missing database gives exit 2 and one line, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "spo_tracker.cli", "scan"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
