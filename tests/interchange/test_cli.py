"""`spo-tracker import` and `export`: files in, files out, every problem listed, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.storage import upgrade
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import Writer, dataset_text

AT = "2025-06-01T12:00:00+00:00"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A fresh, migrated SQLite database."""
    url = f"sqlite:///{tmp_path / 'spo.sqlite'}"
    upgrade(url)
    return url


def test_import_then_export_gives_back_the_file(
    database: str, write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands round-trip a file, and say what they did."""
    text = dataset_text(full_dataset())
    source = write(text)
    assert main(["--database", database, "import", str(source), "--at", AT]) == 0
    assert "52 records written (1 alert, 1 application, 2 compliance," in capsys.readouterr().out
    out = tmp_path / "out.jsonl"
    assert main(["export", "--database", database, "--output", str(out), "--at", AT]) == 0
    assert "restricted details not included" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8") == text


def test_importing_twice_writes_nothing_the_second_time(
    database: str, write: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Idempotent through the stable ids."""
    source = str(write(dataset_text(full_dataset())))
    main(["import", source, "--database", database, "--at", AT])
    capsys.readouterr()
    assert main(["import", source, "--database", database, "--at", AT]) == 0
    assert "0 records written (none); 52 already stored" in capsys.readouterr().out


def test_a_bad_file_lists_every_problem_and_exits_2(
    database: str, write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each problem on its own line with file and line number, then the summary; nothing in."""
    lines = dataset_text(full_dataset()).split("\n")[:-1]
    record = json.loads(lines[-1])
    record["attributes"]["severity"] = "apocalyptic"
    lines[-1] = json.dumps(record)
    lines.insert(2, '{"type":"vehicle","id":"V1"}')
    source = write("\n".join(lines) + "\n")
    assert main(["import", str(source), "--database", database, "--at", AT]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{source}:3: type: unknown record type; expected one of " + (
        "identity, location, person, application, order, order_version, term, "
        "notification_duty, compliance, incident, alert"
    )
    assert err[1].startswith(f"{source}:{len(lines)}: (alert 'AL-0000000000000000001') ")
    assert "'apocalyptic' is not a known code" in err[1]
    assert err[2].startswith("spo-tracker: error: ")
    assert "2 errors, nothing was imported" in err[2]
    out = tmp_path / "after.jsonl"
    main(["export", "--database", database, "--output", str(out), "--at", AT])
    assert out.read_text(encoding="utf-8").count("\n") == 1


def test_export_with_restricted_details_says_so(
    database: str, write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--include-restricted puts the restricted compartment in the file (and the header)."""
    main(["import", str(write(dataset_text(full_dataset(), include_restricted=True))),
          "--database", database, "--at", AT])  # fmt: skip
    out = tmp_path / "transfer.jsonl"
    arguments = ["export", "--database", database, "--output", str(out), "--at", AT]
    assert main([*arguments, "--include-restricted", "--source", "20"]) == 0
    assert "restricted details included" in capsys.readouterr().out
    header = json.loads(out.read_text(encoding="utf-8").split("\n")[0])
    assert (header["restricted"], header["source"]) == (True, "20")
    assert "Safe House" in out.read_text(encoding="utf-8")


def test_export_to_stdout(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--output - streams the file to standard output."""
    assert main(["export", "--database", database, "--output", "-", "--at", AT]) == 0
    header = json.loads(capsys.readouterr().out.splitlines()[0])
    assert header["type"] == "header"


def test_export_to_a_missing_folder_is_one_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No partial file, no traceback."""
    out = tmp_path / "nowhere" / "x.jsonl"
    assert main(["export", "--database", database, "--output", str(out), "--at", AT]) == 2
    err = capsys.readouterr().err
    assert err.startswith("spo-tracker: error: cannot write")
    assert err.count("\n") == 1
    assert not out.parent.exists()


def test_import_of_a_missing_file_is_one_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unreadable file is a user error, exit code 2."""
    missing = tmp_path / "missing.jsonl"
    assert main(["import", str(missing), "--database", database]) == 2
    err = capsys.readouterr().err
    assert "missing.jsonl" in err
    assert err.count("\n") == 1
