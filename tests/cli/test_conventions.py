"""Command-line conventions: ``-`` for stdin/stdout, a closed pipe, the database from the
environment or a file path, --quiet, scan's JSON and --since, honest hints and help."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from spo_tracker import cli
from spo_tracker.cli import _program, _scan, main
from spo_tracker.demo import NOW, build_scenario
from spo_tracker.storage import connect, upgrade
from tests.casework.builders import store_scenario

AT = NOW.in_timezone("UTC").isoformat()


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database holding the demo scenario (scale 0), shared read-mostly."""
    path = tmp_path_factory.mktemp("conventions") / "force.sqlite"
    upgrade(f"sqlite:///{path}")
    with connect(f"sqlite:///{path}") as store:
        store_scenario(store, build_scenario(seed=0, scale=0))
    return path


@pytest.fixture
def database(scenario_file: Path, tmp_path: Path) -> Path:
    """A private copy of the scenario database."""
    copy = tmp_path / "force.sqlite"
    copy.write_bytes(scenario_file.read_bytes())
    copy.chmod(0o600)
    return copy


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- "-" for stdout and stdin --------------------------------------------------------------


def test_report_output_dash_writes_the_report_to_stdout_and_no_file(
    database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``report --output -``: the CSV on stdout; no file named ``-`` is left behind."""
    monkeypatch.chdir(tmp_path)
    argv = ["report", "--format", "csv", "--output", "-", "--all", "--at", AT]
    code, out, err = _run([*argv, "--database", str(database)], capsys)
    assert code == 0, err
    assert out.startswith("alert_id,severity,kind,")
    assert not (tmp_path / "-").exists()
    assert "wrote the csv report to stdout" in err


def test_import_dash_reads_stdin(
    database: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``export --output -`` piped into ``import -`` copies every record."""
    assert main(["export", "--output", "-", "--database", str(database), "--at", AT]) == 0
    exported = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(exported.encode())))
    code, out, err = _run(["import", "-", "--database", sqlite_url], capsys)
    assert code == 0, err
    assert out.startswith("imported stdin: ")
    assert "0 already stored" in out


def test_import_dash_over_the_size_limit_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """stdin larger than --max-bytes: exit 2, the limit named, nothing imported."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 100)))
    code, _, err = _run(["import", "-", "--max-bytes", "10", "--database", sqlite_url], capsys)
    assert code == 2
    assert "cannot import 'stdin': it holds more than 10 bytes; nothing was imported" in err


def test_a_bad_stdin_import_names_stdin_not_a_temporary_file(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every problem and the summary say ``stdin``; nothing names the private copy."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"type":"header"}\n')))
    code, _, err = _run(["import", "-", "--database", sqlite_url], capsys)
    assert code == 2
    assert err.startswith("stdin:1: ")
    assert "spo-tracker: error: stdin: 1 error, nothing was imported" in err
    assert "spo-tracker-" not in err


def test_diagram_prints_to_stdout_by_default_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the repository, ``diagram`` prints the page and writes no file."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(["diagram"], capsys)
    assert code == 0
    assert out.startswith("# Lifecycles")
    assert list(tmp_path.iterdir()) == []


# --- a closed pipe ------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly_with_exit_0(database: Path) -> None:
    """``export --output - | head -1``: exit 0 and nothing on stderr."""
    argv = [sys.executable, "-m", "spo_tracker", "export", "--output", "-", "--at", AT]
    with subprocess.Popen(
        [*argv, "--database", str(database)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        first = child.stdout.readline()
        child.stdout.close()
        err = child.stderr.read()
        code = child.wait(timeout=120)
    assert first.startswith(b'{"type":"header"')
    assert (code, err) == (0, b"")


# --- the database -------------------------------------------------------------------------


def test_the_database_comes_from_the_environment(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SPO_TRACKER_DATABASE_URL`` names the database when --database is not given."""
    monkeypatch.setenv("SPO_TRACKER_DATABASE_URL", f"sqlite:///{database}")
    code, out, err = _run(["scan", "--at", AT, "--limit", "1"], capsys)
    assert code == 0, err
    assert "incidents as of" in out


def test_database_option_beats_the_environment(
    database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--database wins over the environment variable."""
    monkeypatch.setenv("SPO_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.sqlite'}")
    code, _, err = _run(["scan", "--at", AT, "--database", str(database)], capsys)
    assert code == 0, err


def test_a_plain_file_path_is_a_sqlite_database(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--database ./force.sqlite`` opens that SQLite file (no "malformed URL")."""
    monkeypatch.chdir(database.parent)
    code, out, err = _run(["--database", "./force.sqlite", "scan", "--at", AT], capsys)
    assert code == 0, err
    assert "incidents as of" in out


def test_an_empty_database_path_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """``--database ''``: a typed error, exit 2."""
    code, _, err = _run(["--database", "", "scan"], capsys)
    assert code == 2
    assert "database URL '': empty" in err


def test_a_missing_postgres_driver_names_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No psycopg: "install spo-tracker[postgres]", exit 2, the password hidden."""
    monkeypatch.setitem(sys.modules, "psycopg", None)
    url = "postgresql+psycopg://officer:hunter2@localhost/spo"
    code, _, err = _run(["--database", url, "scan"], capsys)
    assert code == 2
    assert "install spo-tracker[postgres]" in err
    assert "hunter2" not in err
    assert "ModuleNotFoundError" not in err


# --- --quiet and progress -----------------------------------------------------------------


def test_quiet_leaves_only_the_output_asked_for(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``scan --quiet``: the alert lines, no summary, nothing on stderr."""
    code, out, err = _run(["scan", "-q", "--at", AT, "--database", str(database)], capsys)
    assert code == 0
    assert err == ""
    assert out
    assert "incidents as of" not in out
    assert "Stored:" not in out


def test_quiet_before_the_command_too(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``spo-tracker --quiet detect``: nothing at all on success."""
    code, out, err = _run(["--quiet", "detect", "--at", AT, "--database", str(database)], capsys)
    assert (code, out, err) == (0, "", "")


def test_the_heartbeat_speaks_when_a_command_is_silent() -> None:
    """A command silent past ``after`` seconds gets a "still working" line."""
    lines: list[str] = []
    spoke = threading.Event()

    def write(line: str) -> None:
        lines.append(line)
        spoke.set()

    with cli._Heartbeat(write, after=0.0, every=0.01):
        assert spoke.wait(timeout=30)
    assert lines[0].startswith("spo-tracker: still working (")


def test_the_heartbeat_runs_for_a_terminal_only(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the run carries a heartbeat; into a log (not a terminal) it does not."""
    seen: list[bool] = []
    real = _scan._detect

    def detect(args: object) -> int:
        seen.append(getattr(args, "heartbeat", None) is not None)
        return real(args)  # type: ignore[arg-type]

    # Patched where they are looked up: the detect parser's builder and the command's run.
    monkeypatch.setattr(_scan, "_detect", detect)
    argv = ["detect", "--at", AT, "--database", str(database)]
    monkeypatch.setattr(_program, "_is_terminal", lambda stream: True)
    assert main(argv) == 0
    monkeypatch.setattr(_program, "_is_terminal", lambda stream: False)
    assert main(argv) == 0
    assert seen == [True, False]


# --- scan ---------------------------------------------------------------------------------


def test_scan_json_is_one_object_with_london_and_utc_times(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``scan --format json``: the run's figures and every alert, whole seconds."""
    code, out, err = _run(
        ["scan", "--format", "json", "--at", AT, "--database", str(database)], capsys
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["alerts_found"] == len(document["alerts"]) > 0
    first = document["alerts"][0]
    assert {"alert_id", "severity", "when_utc", "when_london", "identified_london"} <= set(first)
    assert first["when_utc"].endswith("+00:00")
    assert "." not in first["when_utc"]


def test_scan_since_keeps_the_later_alerts(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``scan --since``: only alerts identified at or after it; every alert is still kept."""
    base = ["scan", "--format", "json", "--at", AT, "--database", str(database)]
    everything = json.loads(_run(base, capsys)[1])
    cut = sorted(a["identified_utc"] for a in everything["alerts"])[len(everything["alerts"]) // 2]
    later = json.loads(_run([*base, "--since", cut], capsys)[1])
    assert 0 < later["alerts_matching"] < everything["alerts_matching"]
    assert all(a["identified_utc"] >= cut for a in later["alerts"])
    assert later["stored"]["unchanged"] == everything["alerts_found"]


def test_scan_table_has_a_london_date_column(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each printed alert carries its date in London time."""
    code, out, _ = _run(["scan", "--at", AT, "--limit", "1", "--database", str(database)], capsys)
    assert code == 0
    line = next(x for x in out.splitlines() if x.split()[1:2] and x.split()[1].startswith("AL-"))
    assert " 2026 " in line


# --- hints and help -----------------------------------------------------------------------


def test_the_no_offset_hint_suggests_values_that_are_accepted(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--at 2026-03-20``: each suggested spelling is then accepted."""
    with pytest.raises(SystemExit):
        main(["scan", "--at", "2026-03-20"])
    err = capsys.readouterr().err
    hint = err.split("e.g. ", 1)[1].split(" (see", 1)[0]
    suggestions = hint.split(" or ")
    assert suggestions == ["2026-03-20T00:00:00+00:00", "2026-03-20T00:00:00Z"]
    for text in suggestions:
        assert main(["scan", "-q", "--at", text, "--database", str(database)]) == 0


def test_import_at_help_does_not_claim_later_incidents_are_ignored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``import --help`` says what --at does: every record is imported."""
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "ignored" not in out
    assert "every record in the file is imported" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--output", "-"],
        ["audit", "verify", "--checkpoint", "-"],
        ["--role", "administrator", "audit", "checkpoint", "--to", "-"],
        ["--role", "administrator", "audit", "new-key", "--key-id", "k", "--to", "-"],
        ["--role", "administrator", "db", "upgrade", "--audit-key-file", "-"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_dash_is_refused_where_a_file_is_needed(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Folders, key files and checkpoints refuse ``-`` with one line; nothing is written."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert "'-' (stdin or stdout) is not accepted here; name a file" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_every_command_takes_quiet() -> None:
    """Each command and action, found by walking the parser, accepts ``--quiet``."""
    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if "--quiet" not in sub._option_string_actions:
                        missing.append(f"{path} {name}".strip())
                    walk(sub, f"{path} {name}")

    walk(cli._parser(), "")
    assert missing == []
