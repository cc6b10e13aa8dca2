"""``spo-tracker retention``: list what is due, retain with a reason, dispose, purge."""

from __future__ import annotations

import pytest

from spo_tracker.cli import main
from spo_tracker.domain.orders import OrderState
from spo_tracker.storage import connect, verify
from tests.casework.test_retention import seed_case
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
