"""The command line's acting role and purpose, its refusals (exit 77) and the table command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spo_tracker.cli import DEFAULT_ROLE, EXIT_NO_PERMISSION, main
from spo_tracker.demo import NOW, build_scenario
from spo_tracker.domain.permissions import permissions_markdown
from spo_tracker.storage import connect, upgrade
from tests.casework.builders import store_scenario

AT = NOW.in_timezone("UTC").isoformat()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo scenario with its alerts kept; the role and purpose variables unset."""
    url = f"sqlite:///{tmp_path / 'force.sqlite'}"
    upgrade(url)
    with connect(url) as store:
        store_scenario(store, build_scenario(seed=0, scale=0))
    assert main(["detect", "--at", AT, "--database", url]) == 0
    monkeypatch.delenv("SPO_TRACKER_ROLE")
    monkeypatch.delenv("SPO_TRACKER_PURPOSE")
    return url


def _denied(url: str) -> list[dict[str, str]]:
    with connect(url) as store:
        return [
            {"role": e.actor_role, "actor": e.actor_id, **json.loads(e.changes)}
            for e in store.audit_entries()
            if e.event == "permission.denied"
        ]


def test_the_default_role_is_an_officer_without_a_purpose(
    database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """By default the CLI acts as an officer: it may list alerts, not import; a refusal is
    one line naming role and action, exit 77, and audited."""
    assert DEFAULT_ROLE == "officer"
    assert main(["alerts", "list", "--at", AT, "--database", database]) == 0
    capsys.readouterr()
    source = tmp_path / "in.jsonl"
    source.write_text("")
    assert main(["import", str(source), "--database", database]) == EXIT_NO_PERMISSION
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "spo-tracker: permission denied: role 'officer' may not import: "
        "the permission table does not allow it\n"
    )
    (denied,) = _denied(database)
    assert (denied["role"], denied["action"]) == ("officer", "import")
    assert denied["actor"].startswith("cli:")


def test_role_and_purpose_come_from_options_or_the_environment(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--role beats SPO_TRACKER_ROLE; a case file needs a purpose (--purpose or the variable)."""
    argv = ["case", "file", "D-1001", "--format", "json", "--at", AT, "--database", database]
    out_file = Path(database.removeprefix("sqlite:///")).with_name("case.json")
    argv += ["--output", str(out_file)]
    monkeypatch.setenv("SPO_TRACKER_ROLE", "auditor")
    assert main(argv) == EXIT_NO_PERMISSION
    assert "role 'auditor' may not write_case_file" in capsys.readouterr().err
    assert main(["--role", "supervisor", *argv]) == 0
    monkeypatch.setenv("SPO_TRACKER_PURPOSE", "file for the CPS")
    assert main(["--role", "officer", *argv]) == 0
    assert [d["action"] for d in _denied(database)] == ["write_case_file"]


def test_an_unknown_role_and_admin_commands_are_refused(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown role: exit 77 naming the roles; db upgrade needs an administrator."""
    assert main(["--role", "wizard", "alerts", "list", "--database", database]) == 77
    assert "unknown role; the roles are officer, supervisor" in capsys.readouterr().err
    assert main(["db", "upgrade", "--database", database]) == 77
    assert "role 'officer' may not db.upgrade" in capsys.readouterr().err
    assert main(["--role", "administrator", "db", "upgrade", "--database", database]) == 0


def test_the_permissions_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    """`spo-tracker permissions` prints the table as the docs hold it."""
    assert main(["permissions"]) == 0
    assert capsys.readouterr().out == permissions_markdown()
