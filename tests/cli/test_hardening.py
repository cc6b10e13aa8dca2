"""Hostile and careless use of the command line: each ends in one line and a known exit code.

Outputs onto the database, passwords in database URLs, ``--at`` out of range,
paths that are not UTF-8, and Ctrl-C at any moment (in a real process, and
in-process by a function that raises ``KeyboardInterrupt``). Child processes run
under a harness timeout: a hang fails the test, and nothing asserts a duration.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import spo_tracker.__main__ as entry
from spo_tracker import cli
from spo_tracker.cli import main
from spo_tracker.storage import connect, verify

AT = "2025-06-01T12:00:00+00:00"
HARNESS_TIMEOUT_S = 120
SECRET = "s3cret-Pa55"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main() in-process: exit code, stdout, stderr (a usage error's SystemExit included)."""
    try:
        code = main(argv)
    except SystemExit as done:
        code = int(done.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def only_line(err: str) -> str:
    """The single line on stderr; never a traceback."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database on each backend."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def sqlite_file(sqlite_url: str) -> Path:
    """The file of a fresh SQLite database."""
    return Path(sqlite_url.removeprefix("sqlite:///"))


# --- outputs onto the database ------------------------------------------------------------


def _targets(database: Path, folder: Path) -> dict[str, Path]:
    symlink = folder / "report-link.html"
    symlink.symlink_to(database)
    hardlink = folder / "report-hard.html"
    os.link(database, hardlink)
    return {
        "file": database,
        "wal": Path(f"{database}-wal"),
        "shm": Path(f"{database}-shm"),
        "symlink": symlink,
        "hardlink": hardlink,
    }


COMMANDS = {
    "report": ["report", "--format", "html", "--at", AT, "--output"],
    "export": ["export", "--at", AT, "--output"],
    "diagram": ["diagram", "--output"],
}


@pytest.mark.parametrize("target", ["file", "wal", "shm", "symlink", "hardlink"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_output_onto_the_database_is_refused_and_nothing_is_written(
    command: str,
    target: str,
    sqlite_url: str,
    sqlite_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """report, export and diagram: exit 2, the path named, the database byte for byte intact."""
    path = _targets(sqlite_file, tmp_path)[target]
    before = sqlite_file.read_bytes()
    listing = sorted(os.listdir(tmp_path))
    code, out, err = run(["--database", sqlite_url, *COMMANDS[command], str(path)], capsys)
    assert code == 2
    line = only_line(err)
    assert f"cannot write {str(path)!r}" in line
    assert "it is the database file" in line
    assert out == ""
    assert sqlite_file.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == listing
    store = connect(sqlite_url)
    try:
        assert verify(store).ok
    finally:
        store.close()


def test_the_default_database_is_protected_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --database the default file in the current folder is the one kept safe."""
    monkeypatch.chdir(tmp_path)
    assert main(["--role", "administrator", "db", "upgrade"]) == 0
    capsys.readouterr()
    before = (tmp_path / "spo-tracker.sqlite").read_bytes()
    code, _, err = run(["diagram", "--output", "spo-tracker.sqlite"], capsys)
    assert code == 2
    assert "'spo-tracker.sqlite'" in only_line(err)
    assert (tmp_path / "spo-tracker.sqlite").read_bytes() == before


def test_the_demo_refuses_a_database_that_is_one_of_its_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """demo --database X --output DIR where X is DIR's HTML report: refused before building."""
    database = tmp_path / "breach-alerts.html"
    url = f"sqlite:///{database}"
    assert main(["--role", "administrator", "db", "upgrade", "--database", url]) == 0
    capsys.readouterr()
    before = database.read_bytes()
    code, _, err = run(
        ["demo", "--scale", "0", "--database", url, "--output", str(tmp_path)], capsys
    )
    assert code == 2
    assert "it is the database file" in only_line(err)
    assert database.read_bytes() == before


@pytest.mark.parametrize("command", ["report", "export"])
def test_an_ordinary_output_is_written_0600_on_both_backends(
    command: str, database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The refusal lets ordinary paths through; reports and exports stay private (0600)."""
    out = tmp_path / f"out.{command}"
    code, _, err = run(["--database", database, *COMMANDS[command], str(out)], capsys)
    assert code == 0, err
    assert out.stat().st_mode & 0o777 == 0o600


# --- passwords in database URLs -----------------------------------------------------------


HOSTILE_URLS = [
    f"postgresql://officer:{SECRET}@db.example:notaport/spo",
    f"postgresql://officer:{SECRET}@[::1/spo",
    f"postgres ql://officer:{SECRET}@db.example/spo",
    f"postgresql://officer:{SECRET}@",
    f"postgresql://officer:{SECRET}@127.0.0.1:1",
    f"mysql://officer:{SECRET}@db.example/spo",
    f"postgresql://officer:{SECRET}@x@127.0.0.1:1/spo",
    f"postgresql://officer@127.0.0.1:1/spo?password={SECRET}",
    f"postgresql://officer:{SECRET}@127.0.0.1:1/spo",
    f"sqlite://officer:{SECRET}@/spo.sqlite",
    f"postgresql://officer:{SECRET} with spaces@db.example:x/spo",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize(
    "command", [["scan"], ["--role", "administrator", "db", "upgrade"], ["import", "x.jsonl"]]
)
def test_a_password_in_a_database_url_is_never_printed(
    url: str, command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Malformed, unsupported or unreachable: one line, exit 2, the password as ***."""
    (tmp_path / "x.jsonl").write_text("{}\n", encoding="utf-8")
    code, out, err = run(
        ["--database", url, *command, *(["--at", AT] if command == ["scan"] else [])], capsys
    )
    assert code == 2
    line = only_line(err)
    assert "***" in line
    assert SECRET not in out + err
    assert "with spaces" not in line


@pytest.mark.postgres
def test_a_password_is_masked_when_the_server_refuses(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real server, a database that does not exist: its message, the password hidden."""
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).set(password=SECRET, database="no_such_database_here")
    code, out, err = run(
        ["--database", url.render_as_string(hide_password=False), "scan", "--at", AT], capsys
    )
    assert code == 2
    assert "no_such_database_here" in only_line(err)
    assert SECRET not in out + err


# --- --at out of range --------------------------------------------------------------------


OUT_OF_RANGE = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "10000-01-01T00:00:00Z",
    "+12026-03-20T09:00:00Z",
    "1969-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
]


@pytest.mark.parametrize("when", OUT_OF_RANGE)
@pytest.mark.parametrize("command", ["scan", "report", "export", "import"])
def test_an_instant_out_of_range_is_a_usage_error_naming_it(
    when: str, command: str, database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "unexpected error: OverflowError": exit 2, one line naming the value and range."""
    extra = {
        "scan": [],
        "report": ["--format", "json", "--output", str(tmp_path / "r.json")],
        "export": ["--output", str(tmp_path / "e.jsonl")],
        "import": [str(tmp_path / "in.jsonl")],
    }[command]
    code, out, err = run(["--database", database, command, *extra, "--at", when], capsys)
    assert code == 2
    line = only_line(err)
    assert f"{when!r} is outside the supported range" in line
    assert "1970-01-01T00:00:00Z to 2100-12-31T23:59:59Z" in line
    assert out == ""
    assert not (tmp_path / "r.json").exists()
    assert not (tmp_path / "e.jsonl").exists()


@pytest.mark.parametrize("when", ["1970-01-01T00:00:00Z", "1970-01-01T01:00:00+01:00"])
def test_the_ends_of_the_range_work(
    when: str, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The earliest instant is a real scan on both backends (exit 0)."""
    code, out, err = run(["--database", database, "scan", "--at", when], capsys)
    assert code == 0, err
    assert "Thu 1 Jan 1970" in out


def test_the_latest_instant_parses() -> None:
    """The range's other end is accepted by the parser (a full scan that far ahead is slow)."""
    assert cli._instant("2100-12-31T23:59:59Z").year == 2100
    assert cli._instant("2100-12-31T22:59:59-01:00").year == 2100


# --- paths that are not UTF-8 -------------------------------------------------------------


NOT_UTF8 = os.fsdecode(b"caf\xe9")


def test_a_database_path_that_is_not_utf8_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not UnicodeEncodeError: exit 2, the path escaped, nothing created."""
    url = f"sqlite:///{tmp_path / NOT_UTF8}.sqlite"
    for command in (["--role", "administrator", "db", "upgrade"], ["scan"]):
        code, _, err = run(["--database", url, *command], capsys)
        assert code == 2
        line = only_line(err)
        assert "not UTF-8" in line
        assert "caf\\udce9" in line
    assert list(tmp_path.iterdir()) == []


def test_an_output_path_that_is_not_utf8_is_a_clear_error(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """report and export: exit 2, nothing written (the name goes into the audit trail)."""
    for command in ("report", "export"):
        out = tmp_path / f"{NOT_UTF8}.{command}"
        code, _, err = run(["--database", sqlite_url, *COMMANDS[command], str(out)], capsys)
        assert code == 2
        assert "the name is not UTF-8 text" in only_line(err)
        assert not out.exists()


def test_a_real_process_prints_a_non_utf8_file_name_escaped(
    sqlite_url: str, tmp_path: Path
) -> None:
    """stdout of a real process is strict UTF-8: the import summary still prints, escaped."""
    from tests.interchange.builders import full_dataset
    from tests.interchange.conftest import dataset_text

    source = tmp_path / f"{NOT_UTF8}.jsonl"
    source.write_text(dataset_text(full_dataset()), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spo_tracker",
            "import",
            os.fsencode(source).decode("utf-8", "surrogateescape"),
            "--database",
            sqlite_url,
            "--at",
            AT,
        ],
        capture_output=True,
        check=False,
        timeout=HARNESS_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr
    assert b"52 records written" in done.stdout
    assert b"Traceback" not in done.stderr


# --- Ctrl-C -------------------------------------------------------------------------------


def _child(*argv: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "spo_tracker", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def _interrupt_after(child: subprocess.Popen[str], marker: str) -> list[str]:
    """Send SIGINT once stderr shows ``marker``; the rest of stderr, without import timings."""
    assert child.stderr is not None
    seen: list[str] = []
    for line in child.stderr:
        seen.append(line.rstrip("\n"))
        if marker in line:
            child.send_signal(signal.SIGINT)
            break
    _, rest = child.communicate(timeout=HARNESS_TIMEOUT_S)
    lines = seen + rest.splitlines()
    return [line for line in lines if not line.startswith("import time:")]


def test_ctrl_c_while_the_modules_load_is_one_line_and_130(tmp_path: Path) -> None:
    """The first second: SIGINT as soon as pendulum has loaded (the demo's modules are still
    loading; the parser no longer needs pendulum), before the command does anything."""
    child = _child(
        "demo", "--scale", "0", "--output", str(tmp_path / "d"), PYTHONPROFILEIMPORTTIME="1"
    )
    lines = _interrupt_after(child, " pendulum\n")
    assert child.returncode == 130, lines
    assert lines == ["spo-tracker: interrupted"]


def test_ctrl_c_during_a_command_is_one_line_and_130(tmp_path: Path) -> None:
    """SIGINT once the demo says it is building: progress lines, then one line, exit 130."""
    child = _child("demo", "--scale", "3", "--output", str(tmp_path / "d"))
    lines = _interrupt_after(child, "building the scenario")
    assert child.returncode == 130, lines
    assert lines[-1] == "spo-tracker: interrupted"
    assert not any("Traceback" in line or "KeyboardInterrupt" in line for line in lines)


def _raise_interrupt(*_args: Any, **_kwargs: Any) -> Any:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "where",
    [
        "spo_tracker.cli._program._parser",  # where main() looks it up
        "spo_tracker.interchange.import_file",
        "spo_tracker.storage.connect",
    ],
)
def test_an_interrupt_anywhere_in_main_is_one_line_and_130(
    where: str,
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While parsing, connecting or importing: "interrupted" and 130, no traceback."""
    monkeypatch.setattr(where, _raise_interrupt)
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n", encoding="utf-8")
    code = main(["--database", sqlite_url, "import", str(source), "--at", AT])
    assert code == 130
    assert capsys.readouterr().err == "spo-tracker: interrupted\n"


class _Interrupting(types.ModuleType):
    """A module whose every attribute raises KeyboardInterrupt: Ctrl-C mid-import."""

    def __getattr__(self, name: str) -> Any:
        raise KeyboardInterrupt


@pytest.fixture
def sigint_restored() -> Iterator[None]:
    """run() leaves SIGINT at its default for the exit; give pytest its handler back."""
    handler = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, handler)


@pytest.mark.usefixtures("sigint_restored")
def test_the_program_turns_an_interrupt_while_importing_the_cli_into_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """spo_tracker.__main__.run: Ctrl-C before main() exists is one line and exit 130."""
    monkeypatch.setitem(sys.modules, "spo_tracker.cli", _Interrupting("spo_tracker.cli"))
    with pytest.raises(SystemExit) as done:
        entry.run()
    assert done.value.code == 130
    assert capsys.readouterr().err == "spo-tracker: interrupted\n"


@pytest.mark.usefixtures("sigint_restored")
def test_the_program_exits_with_mains_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """run() passes main()'s exit code on (here a usage error's 2)."""
    monkeypatch.setattr(sys, "argv", ["spo-tracker", "scan", "--at", "0001-01-01T00:00:00+01:00"])
    with pytest.raises(SystemExit) as done:
        entry.run()
    assert done.value.code == 2
    assert "outside the supported range" in only_line(capsys.readouterr().err)


@pytest.mark.postgres
def test_the_demo_into_a_database_with_a_password_never_prints_it(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's summary names its database and suggests commands: the password is ***."""
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).set(password=SECRET).render_as_string(hide_password=False)
    code, out, err = run(
        ["demo", "--scale", "0", "--database", url, "--output", str(tmp_path)], capsys
    )
    assert code == 0, err
    assert "postgresql+psycopg://postgres:***@" in out
    assert SECRET not in out + err
