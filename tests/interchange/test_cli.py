"""`spo-tracker import` and `export`: files in, files out, every problem listed, exit codes."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.interchange import import_file
from spo_tracker.storage import Actor, connect, upgrade
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import Writer, dataset_text

AT = "2025-06-01T12:00:00+00:00"
_AT = _dt.datetime.fromisoformat(AT)


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
    assert capsys.readouterr().out == (
        f"imported {source}: 0 records written (none); 50 already stored with the same "
        "content; 2 protected persons already stored, not compared\n"
    )


def test_a_stored_protected_person_is_said_not_compared_whatever_the_file_says(
    database: str, write: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A re-import naming a stored protected person differently says what one naming it
    the same says (already stored, not compared), never "the same content", and the
    probe is in the audit trail; the report counts them apart from the compared records."""
    text = dataset_text(full_dataset())
    source = write(text)
    main(["import", str(source), "--database", database, "--at", AT])
    lines = text.split("\n")
    for number, line in enumerate(lines):
        record = json.loads(line) if line else {}
        if record.get("attributes", {}).get("role") == "protected_person":
            record["attributes"]["name"] = "Qqguessed Qqname"
            lines[number] = json.dumps(record)
    guessed = "\n".join(lines)
    assert guessed != text
    said = []
    for content in (text, guessed):
        source.write_text(content, encoding="utf-8")
        capsys.readouterr()
        assert main(["import", str(source), "--database", database, "--at", AT]) == 0
        said.append(capsys.readouterr())
    assert said[0] == said[1]
    assert said[0].err == ""
    assert "; 2 protected persons already stored, not compared\n" in said[0].out
    with connect(database) as store:
        report = import_file(store, source, actor=Actor("test", "supervisor"), at=_AT)
        probes = [
            e for e in store.audit_entries()
            if e.event == "interchange.protected_persons_not_compared"
        ]  # fmt: skip
    assert report.not_compared == {"person": 2}
    assert report.unchanged["person"] == 3  # the defendant, compared, and the two not
    assert len(probes) == 3
    # Each probe is a consultation of those persons: a person's own log shows it.
    probed = [p.person_id for p in full_dataset().protected_persons]
    assert len(probed) == 2
    with connect(database) as store:
        for person_id in probed:
            logged = store.audit_entries_for(person_id)
            assert [e.event for e in logged].count("persons.consulted") == 3


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
