"""``--quiet`` on the casework and audit commands: their confirmation and summary lines are
left out, and only the output asked for remains (``audit verify``'s verdict)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.demo import NOW, build_scenario
from spo_tracker.storage import connect, upgrade
from tests.casework.builders import store_scenario

AT = NOW.in_timezone("UTC").isoformat()
BAN = "AL-e16438f369730d61fbb3"

#: Each command with its arguments (given the database URL and a folder to write into),
#: run in this order on one database; each succeeds and, with ``--quiet``, prints nothing.
COMMANDS: dict[str, Callable[[str, Path], list[str]]] = {
    "alerts assign": lambda db, _: [
        "alerts", "assign", BAN, "--to", "PC 4471", "--at", AT, "--database", db,
    ],
    "alerts review": lambda db, _: [
        "alerts", "review", BAN, "--outcome", "referred", "--reference", "20/1234/26",
        "--at", AT, "--database", db,
    ],
    "case assign": lambda db, _: [
        "case", "assign", "SPO-1001", "--officer", "PC 4471", "--unit", "PPU North",
        "--force", "West Midlands Police", "--at", AT, "--database", db,
    ],
    "case file": lambda db, folder: [
        "case", "file", "D-1001", "--format", "json", "--output", str(folder / "case.json"),
        "--at", AT, "--database", db,
    ],
    "audit new-key": lambda _, folder: [
        "--role", "administrator", "audit", "new-key", "--key-id", "k1",
        "--to", str(folder / "audit.keys"),
    ],
    "audit checkpoint": lambda db, folder: [
        "--role", "administrator", "audit", "checkpoint", "--database", db,
        "--to", str(folder / "head.json"),
    ],
}  # fmt: skip


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite database holding the demo scenario (scale 0) and its stored alerts."""
    url = f"sqlite:///{tmp_path / 'force.sqlite'}"
    upgrade(url)
    with connect(url) as store:
        store_scenario(store, build_scenario(seed=0, scale=0))
    assert main(["detect", "--quiet", "--at", AT, "--database", url]) == 0
    return url


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("where", ["after the command", "before the command"])
def test_quiet_silences_the_casework_and_audit_confirmations(
    where: str, database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command does its work and prints nothing, on stdout or stderr, with --quiet
    (given after the command's arguments or before the command)."""
    for name, command in COMMANDS.items():
        argv = command(database, tmp_path)
        argv = [*argv, "--quiet"] if where == "after the command" else ["--quiet", *argv]
        assert _run(capsys, argv) == (0, "", ""), name
    assert (tmp_path / "case.json").stat().st_size > 0
    assert "k1" in (tmp_path / "audit.keys").read_text(encoding="utf-8")
    assert (tmp_path / "head.json").stat().st_size > 0
    code, out, _ = _run(capsys, ["alerts", "show", BAN, "--at", AT, "--database", database])
    assert code == 0
    assert "status confirmed_referred" in out
    assert "case: PC 4471, PPU North, West Midlands Police" in out


def test_without_quiet_each_command_confirms_what_it_did(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lines --quiet leaves out: one confirmation per command, on stdout only."""
    for name, command in COMMANDS.items():
        code, out, err = _run(capsys, command(database, tmp_path))
        assert (code, err) == (0, ""), name
        assert len(out.splitlines()) == 1, (name, out)


def test_audit_verify_keeps_its_verdict_with_quiet(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The verdict is the output asked for: printed with or without --quiet, and alone."""
    code, loud, err = _run(capsys, ["audit", "verify", "--database", database])
    assert (code, err) == (0, "")
    assert loud.strip()
    assert _run(capsys, ["audit", "verify", "--database", database, "--quiet"]) == (0, loud, "")
    assert _run(capsys, ["--quiet", "audit", "verify", "--database", database]) == (0, loud, "")


def test_alerts_show_at_help_says_it_only_times_the_audit_entry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`alerts show --at` does not hide later incidents: its help says what it does."""
    with pytest.raises(SystemExit):
        main(["alerts", "show", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "incidents after it are ignored" not in text
    assert "when this read is recorded in the audit trail" in text
