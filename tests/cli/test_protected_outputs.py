"""Review 12, C1 and H3: no command writes over the database (or its side files), the audit
key file or an audit checkpoint; `audit new-key` appends only to a key file. Each output a
command takes is found from the parser, so a command added later cannot skip the check."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from spo_tracker.cli import _outputs, _parser, main
from spo_tracker.demo import REPORT_FILES
from spo_tracker.storage import AuditKeyring, DataKeyring, connect, verify

KEY_LINE = f"k1 {'11' * 32}\n"

#: Every command that writes a file, with the arguments that make it write ``out`` (report
#: and export take the key from $SPO_TRACKER_AUDIT_KEY_FILE, set by the ``sealed`` fixture).
COMMANDS: dict[str, Callable[[str, str, str], list[str]]] = {
    "report": lambda db, keys, out: [
        "report", "--database", db, "--format", "json", "--output", out,
        "--at", "2026-03-20T09:00Z",
    ],
    "export": lambda db, keys, out: ["export", "--database", db, "--output", out],
    "audit checkpoint": lambda db, keys, out: [
        "--role", "administrator", "audit", "checkpoint", "--database", db,
        "--audit-key-file", keys, "--to", out,
    ],
    "diagram": lambda db, keys, out: ["--database", db, "diagram", "--output", out],
    "case file": lambda db, keys, out: [
        "case", "file", "D1", "--database", db, "--format", "json", "--output", out,
        "--at", "2026-03-20T09:00Z",
    ],
    "sar": lambda db, keys, out: [
        "sar", "D1", "--database", db, "--output", out, "--at", "2026-03-20T09:00Z",
    ],
}  # fmt: skip


def _path_options(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    """Each command (as 'audit checkpoint') with an option that names a file it writes."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _path_options(sub, f"{prefix} {name}".strip())
        elif action.dest in ("output", "to") and action.metavar in ("PATH", "DIR"):
            found.add(prefix)
    return found


def test_every_command_that_writes_a_file_is_covered() -> None:
    """A new command with an output option must be added to these tests (and to _outputs)."""
    assert _path_options(_parser()) == {*COMMANDS, "audit new-key", "keys new-data-key", "demo"}


@pytest.fixture
def sealed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, Path]:
    """A sealed SQLite database, its key file (0600, also in the environment) and the
    database file."""
    keys = tmp_path / "keys"
    keys.write_text(KEY_LINE)
    keys.chmod(0o600)
    monkeypatch.setenv("SPO_TRACKER_AUDIT_KEY_FILE", str(keys))
    db_file = tmp_path / "case.db"
    url = f"sqlite:///{db_file}"
    assert (
        main(
            [
                "--role",
                "administrator",
                "db",
                "upgrade",
                "--database",
                url,
                "--audit-key-file",
                str(keys),
            ]
        )
        == 0
    )
    return url, keys, db_file


def _intact(url: str, keys: Path) -> bool:
    with connect(url, audit_keyring=AuditKeyring.from_file(keys)) as store:
        return verify(store).ok


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("target", ["database", "wal", "link", "key file", "checkpoint"])
def test_no_output_replaces_a_protected_file(
    command: str,
    target: str,
    sealed: tuple[str, Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """C1/H3: exit 2 naming what the path is; the protected file is unchanged."""
    url, keys, db_file = sealed
    head = tmp_path / "head.json"
    if target == "checkpoint":
        assert main(COMMANDS["audit checkpoint"](url, str(keys), str(head))) == 0
    paths = {
        "database": db_file,
        "wal": Path(f"{db_file}-wal"),
        "link": tmp_path / "link",
        "key file": keys,
        "checkpoint": head,
    }
    if target == "link":
        os.link(keys, paths["link"])
    out = paths[target]
    if target == "checkpoint" and command == "audit checkpoint":
        out = keys  # a checkpoint may replace a checkpoint: aim it at the key file instead
    before = {p: p.read_bytes() for p in (db_file, keys, head) if p.exists()}
    capsys.readouterr()
    assert main(COMMANDS[command](url, str(keys), str(out))) == 2
    err = capsys.readouterr().err
    assert f"cannot write '{out}': it is " in err
    assert {p: p.read_bytes() for p in before} == before
    assert _intact(url, keys)


def test_a_checkpoint_may_replace_an_earlier_checkpoint(sealed: tuple[str, Path, Path]) -> None:
    """The normal use: the same --to every night."""
    url, keys, db_file = sealed
    head = db_file.with_name("head.json")
    for _ in range(2):
        assert main(COMMANDS["audit checkpoint"](url, str(keys), str(head))) == 0
    assert _intact(url, keys)


def test_the_configured_key_file_and_checkpoint_are_protected_by_name(tmp_path: Path) -> None:
    """Whatever they hold: a key file or checkpoint named to the command is never an output,
    and the database's files never are."""
    from spo_tracker.errors import OutputOntoDatabaseError
    from spo_tracker.storage import refuse_protected_output

    path = tmp_path / "named"
    path.write_text("not a key\n")
    for option, what in (("key_files", "audit key file"), ("checkpoints", "audit checkpoint")):
        with pytest.raises(OutputOntoDatabaseError, match=what):
            refuse_protected_output(path, **{option: [path]})  # type: ignore[arg-type]
    with pytest.raises(OutputOntoDatabaseError, match="database file"):
        refuse_protected_output(path, database=[path], writing="checkpoint")
    refuse_protected_output(path, checkpoints=[path], writing="checkpoint")
    refuse_protected_output(path)


@pytest.mark.parametrize("target", ["database", "checkpoint", "report"])
def test_new_key_appends_only_to_a_key_file(
    target: str, sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """H3: never into the database (the secret would travel with every copy of it), a
    checkpoint or any other file; a key file or a new file takes the key."""
    url, keys, db_file = sealed
    head, report = db_file.with_name("head.json"), db_file.with_name("r.json")
    assert main(COMMANDS["audit checkpoint"](url, str(keys), str(head))) == 0
    assert main(COMMANDS["export"](url, str(keys), str(report))) == 0
    out = {"database": db_file, "checkpoint": head, "report": report}[target]
    before = out.read_bytes()
    capsys.readouterr()
    assert (
        main(["--role", "administrator", "audit", "new-key", "--key-id", "k2", "--to", str(out)])
        == 2
    )
    assert f"cannot write {str(out)!r}: it is " in capsys.readouterr().err
    assert out.read_bytes() == before
    assert _intact(url, keys)
    assert (
        main(["--role", "administrator", "audit", "new-key", "--key-id", "k2", "--to", str(keys)])
        == 0
    )
    assert [k.key_id for k in AuditKeyring.from_file(keys).keys] == ["k1", "k2"]
    fresh = db_file.with_name("fresh.keys")
    assert (
        main(["--role", "administrator", "audit", "new-key", "--key-id", "k3", "--to", str(fresh)])
        == 0
    )


@pytest.mark.parametrize("target", ["database", "checkpoint", "report"])
def test_a_new_data_key_appends_only_to_a_key_file(
    target: str, sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """As `audit new-key`: never into the database, a checkpoint or any other file."""
    url, keys, db_file = sealed
    head, report = db_file.with_name("head.json"), db_file.with_name("r.json")
    assert main(COMMANDS["audit checkpoint"](url, str(keys), str(head))) == 0
    assert main(COMMANDS["export"](url, str(keys), str(report))) == 0
    out = {"database": db_file, "checkpoint": head, "report": report}[target]
    before = out.read_bytes()
    capsys.readouterr()
    assert (
        main(
            ["--role", "administrator", "keys", "new-data-key", "--key-id", "d2", "--to", str(out)]
        )
        == 2
    )
    assert f"cannot write {str(out)!r}: it is " in capsys.readouterr().err
    assert out.read_bytes() == before
    assert _intact(url, keys)
    data_keys = db_file.with_name("data.keys")
    assert (
        main(
            [
                "--role",
                "administrator",
                "keys",
                "new-data-key",
                "--key-id",
                "d1",
                "--to",
                str(data_keys),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--role",
                "administrator",
                "keys",
                "new-data-key",
                "--key-id",
                "d2",
                "--to",
                str(data_keys),
            ]
        )
        == 0
    )
    assert [k.key_id for k in DataKeyring.from_file(data_keys).keys] == ["d1", "d2"]


def test_new_key_refuses_the_open_database_by_name(
    sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The database named with --database (here an empty SQLite side file) is refused even
    before its content is read."""
    url, _, db_file = sealed
    wal = Path(f"{db_file}-wal")
    args = [
        "--database",
        url,
        "--role",
        "administrator",
        "audit",
        "new-key",
        "--key-id",
        "k2",
        "--to",
        str(wal),
    ]
    assert main(args) == 2
    assert "it is the database file" in capsys.readouterr().err
    assert not wal.exists() or wal.read_bytes() == b""


def test_the_demo_never_writes_over_a_key_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A demo report whose name is the key file's (in --output) is refused."""
    folder = tmp_path / "demo"
    folder.mkdir()
    victim = folder / next(iter(REPORT_FILES.values()))
    victim.write_text(KEY_LINE)
    victim.chmod(0o600)
    assert main(["demo", "--scale", "0", "--output", str(folder)]) == 2
    assert "an audit key file" in capsys.readouterr().err
    assert victim.read_text() == KEY_LINE


def test_outputs_lists_the_audit_targets() -> None:
    """`alerts assign --to` names an officer, not a file: only the audit --to is an output."""
    parser = _parser()
    assign = parser.parse_args(["alerts", "assign", "AL-1", "--to", "PC-1"])
    assert _outputs(assign) == []
    new_key = parser.parse_args(
        ["--role", "administrator", "audit", "new-key", "--key-id", "k", "--to", "f"]
    )
    assert _outputs(new_key) == [("f", "key")]
    new_data_key = parser.parse_args(["keys", "new-data-key", "--key-id", "k", "--to", "f"])
    assert _outputs(new_data_key) == [("f", "key")]


def test_a_pipe_as_an_output_is_not_read(tmp_path: Path) -> None:
    """The check looks inside existing regular files only: opening a FIFO to read it would
    block until something writes to it."""
    from spo_tracker.storage import refuse_protected_output

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refuse_protected_output(fifo)
    refuse_protected_output(tmp_path / "absent")
