"""The command line folds text before it scrubs it: a protected person's street in a zone
label, disguised with look-alike letters and a soft hyphen, is not printed by `scan`."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from spo_tracker.cli import main
from spo_tracker.domain.textfold import compact
from tests.cli.test_safety import zone_store

#: "the Acacia Ave end" with Cyrillic а, с and a soft hyphen inside the street.
DISGUISED: str = "the Аса\u00adсia Ave end"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A served order whose zone label carries P1's street in disguise, and a sighting in
    the zone, so that `scan` prints alerts whose titles name the zone by its label."""
    return zone_store(tmp_path / "folded.sqlite", DISGUISED)


def test_scan_does_not_print_a_disguised_street(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """On main the title printed the label as it was, and a reader saw 'the Acacia Ave end'."""
    at = pendulum.datetime(2026, 3, 20, 9, tz="UTC").isoformat()
    code = main(["scan", "--database", database, "--at", at, "--limit", "0"])
    out = capsys.readouterr()
    assert code == 0
    assert "[location redacted]" in out.out
    assert "acacia" not in compact(out.out + out.err)
