"""`spo-tracker db upgrade` and `spo-tracker audit verify`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.storage import connect, head_revision
from tests.storage import builders
from tests.storage.conftest import ACTOR, PostgresServer, fixed_clock


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_upgrade_creates_the_default_database_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --database: spo-tracker.sqlite here, at the newest revision; again is a no-op."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "--role", "administrator", "db", "upgrade")
    assert code == 0
    assert (tmp_path / "spo-tracker.sqlite").is_file()
    assert head_revision() in out
    assert _run(capsys, "--role", "administrator", "db", "upgrade")[0] == 0
    code, out, _ = _run(capsys, "audit", "verify")
    assert (code, out.split(":")[0]) == (0, "audit trail intact")


def _filled(url: str) -> None:
    store = connect(url, clock=fixed_clock)
    for n in range(3):
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add(builders.defendant(f"D{n}"), reason=f"case {n}")
            uow.commit()
    store.close()


def test_audit_verify_names_the_first_bad_entry_and_exits_3(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken trail is reported on stderr in one line, with exit code 3."""
    _filled(sqlite_url)
    code, out, _ = _run(capsys, "audit", "verify", "--database", sqlite_url)
    assert code == 0
    assert "3 entries" in out
    conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    conn.execute("DROP TRIGGER audit_entries_no_update")
    conn.execute("UPDATE audit_entries SET actor_id = 'someone else' WHERE seq = 2")
    conn.commit()
    conn.close()
    code, out, err = _run(capsys, "--database", sqlite_url, "audit", "verify")
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert "BROKEN at entry 2" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["--role", "administrator", "db", "upgrade", "--database", "mysql://root@host/db"],
            "unsupported backend",
        ),
        (["audit", "verify", "--database", "sqlite:///no/such/folder/x.sqlite"], "no database"),
        (["audit", "verify", "--database", "://not a url"], "malformed"),
        # a value without a scheme is a SQLite file path (here: one that does not exist)
        (["audit", "verify", "--database", "not a file"], "no database file"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Bad URLs and missing databases: one line on stderr, no traceback, exit code 2."""
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert words in err
    assert err.startswith("spo-tracker: error:")


@pytest.mark.postgres
def test_db_upgrade_and_verify_on_postgres(
    postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same commands on an empty PostgreSQL database."""
    name = postgres_server.create()
    postgres_server.keep(name)
    url = postgres_server.url_for(name)
    assert _run(capsys, "--role", "administrator", "db", "upgrade", "--database", url)[0] == 0
    _filled(url)
    code, out, _ = _run(capsys, "audit", "verify", "--database", url)
    assert code == 0
    assert "3 entries" in out
