"""``spo-tracker retention``: list what is due, retain with a reason, dispose, purge."""

from __future__ import annotations

from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.domain.orders import OrderState
from spo_tracker.storage import AuditKeyring, connect, verify
from tests.casework.test_retention import seed_case
from tests.cli.test_protected_outputs import KEY_LINE
from tests.storage.conftest import fixed_clock

DUE = "2036-03-15T09:00:00+00:00"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def database(sqlite_url: str) -> str:
    """A SQLite database holding the expired case D1."""
    with connect(sqlite_url, clock=fixed_clock) as store:
        seed_case(store)
    return sqlite_url


def test_due_lists_the_case_on_its_review_day(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line per case with its next review and category, then the count."""
    code, out, _ = _run(capsys, "retention", "due", "--at", DUE, "--database", database)
    assert code == 0
    assert out.startswith("D1: due 2036-03-15 (mopi-2 Other sexual, violent or serious")
    assert "1 case(s) due" in out
    code, out, _ = _run(
        capsys, "retention", "due", "--at", "2036-03-13T09:00:00+00:00", "--database", database
    )
    assert (code, out) == (0, "0 case(s) due for retention review\n")


def test_retain_then_dispose(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A retain prints the next review; a dispose what was erased; the trail verifies."""
    code, out, _ = _run(
        capsys, "retention", "review", "D1", "--decision", "retain", "--reason", "risk remains",
        "--at", DUE, "--database", database,
    )  # fmt: skip
    assert code == 0
    assert "next review 2046-03-15" in out
    code, out, _ = _run(
        capsys, "retention", "review", "D1", "--decision", "dispose", "--reason", "no purpose",
        "--at", DUE, "--database", database,
    )  # fmt: skip
    assert code == 0
    assert "personal data erased: 1 defendant, 2 incidents, 1 protected person" in out
    assert "Jane Doe" not in out
    with connect(database, clock=fixed_clock) as store:
        assert verify(store, deep=True).ok
    code, out, _ = _run(capsys, "audit", "verify", "--deep", "--database", database)
    assert code == 0
    assert out.startswith("audit trail intact")
    assert _run(capsys, "retention", "purge", "--database", database)[0] == 0


def test_a_refused_disposal_is_an_error_naming_the_order(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit code 2 and the live order's id; the person's details are never shown."""
    with connect(sqlite_url, clock=fixed_clock) as store:
        seed_case(store, state=OrderState.SERVED)
    code, _, err = _run(
        capsys, "retention", "review", "D1", "--decision", "dispose", "--reason", "x",
        "--at", DUE, "--database", sqlite_url,
    )  # fmt: skip
    assert code == 2
    assert "SPO-1" in err
    assert "Jane Doe" not in err


def test_a_blank_reason_is_refused(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    """MoPI: every decision has its reason."""
    code, _, err = _run(
        capsys, "retention", "review", "D1", "--decision", "retain", "--reason", " ",
        "--at", DUE, "--database", database,
    )  # fmt: skip
    assert code == 2
    assert "reason" in err


def test_a_disposal_on_an_unkeyed_trail_warns(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without an audit key the erased records' digests are plain SHA-256 (a guessed name
    can be confirmed against them): the disposal says so on stderr, after succeeding."""
    code, _, err = _run(
        capsys, "retention", "review", "D1", "--decision", "dispose", "--reason", "no purpose",
        "--at", DUE, "--database", database,
    )  # fmt: skip
    assert code == 0
    assert "no audit key" in err
    assert "plain SHA-256" in err


def test_a_disposal_on_a_keyed_trail_does_not_warn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the audit key given (``--audit-key-file``) the digests are HMACs: no warning."""
    keys = tmp_path / "keys"
    keys.write_text(KEY_LINE)
    keys.chmod(0o600)
    url = f"sqlite:///{tmp_path / 'sealed.db'}"
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
    with connect(url, clock=fixed_clock, audit_keyring=AuditKeyring.from_file(keys)) as store:
        seed_case(store)
    code, out, err = _run(
        capsys, "retention", "review", "D1", "--decision", "dispose", "--reason", "no purpose",
        "--at", DUE, "--database", url, "--audit-key-file", str(keys),
    )  # fmt: skip
    assert code == 0, err
    assert "disposed of" in out
    assert "audit key" not in err
