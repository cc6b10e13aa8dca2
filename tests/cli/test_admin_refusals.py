"""A refused ``keys rotate-data-key`` or ``retention purge`` is in the audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.storage import DataKeyring, connect
from tests.storage.conftest import fixed_clock

EX_NOPERM = 77


def _last(url: str) -> tuple[str, str, str]:
    with connect(url, clock=fixed_clock) as store:
        last = list(store.audit_entries())[-1]
    return last.event, last.actor_role, last.subject_id


def test_a_refused_purge_is_audited(sqlite_url: str) -> None:
    """An officer may not purge: exit 77 and a permission.denied entry."""
    assert main(["--role", "officer", "retention", "purge", "--database", sqlite_url]) == EX_NOPERM
    assert _last(sqlite_url) == ("permission.denied", "officer", "retention.purge")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_refused_rotation_is_audited(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """An auditor may not rotate the data key: exit 77 and a permission.denied entry."""
    url = request.getfixturevalue(f"{backend}_url")
    keys = tmp_path / "data.keys"
    new = ["--role", "administrator", "keys", "new-data-key", "--key-id", "k1", "--to", str(keys)]
    assert main(new) == 0
    given = ["--database", url, "--data-key-file", str(keys)]
    assert main(["--role", "auditor", *given, "keys", "rotate-data-key"]) == EX_NOPERM
    assert _last(url) == ("permission.denied", "auditor", "keys.rotate_data_key")


def test_a_data_key_id_already_in_the_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second k1 would make every restricted read fail: refused, the file unchanged; a
    file that is not a key file is refused without calling it an audit key file."""
    keys = tmp_path / "data.keys"
    new = ["--role", "administrator", "keys", "new-data-key", "--to", str(keys)]
    assert main([*new, "--key-id", "k1"]) == 0
    before = keys.read_bytes()
    capsys.readouterr()
    assert main([*new, "--key-id", "k1"]) == 2
    assert "already holds this id" in capsys.readouterr().err
    assert keys.read_bytes() == before
    DataKeyring.from_file(keys)  # still one usable keyring
    assert main([*new, "--key-id", "k2"]) == 0
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    other.chmod(0o600)
    capsys.readouterr()
    assert main([*new[:-1], str(other), "--key-id", "k1"]) == 2
    err = capsys.readouterr().err
    assert "not a key file" in err
    assert "audit" not in err
