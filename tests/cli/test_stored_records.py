"""A stored record that breaks the library's rules stops scan, report and export with one line
naming it (exit 2); it is never skipped, since a skipped order or incident could hide a breach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from spo_tracker.cli import main
from spo_tracker.storage import connect, upgrade
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock, plant_details

AT = "2025-06-01T12:00:00Z"


def _database(folder: Path) -> str:
    """A SQLite database with one defendant, protected person, order and incident."""
    url = f"sqlite:///{folder / 'spo.sqlite'}"
    upgrade(url)
    with connect(url, clock=fixed_clock) as store, store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D-1"))
        uow.protected_persons.add(builders.person("P-1"))
        uow.orders.add(builders.order("O-1", "D-1", ("P-1",)))
        uow.incidents.add(builders.incident("I-1", defendant_id="D-1", target_person_id="P-1"))
        uow.commit()
    return url


def _plant(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        assert conn.exec_driver_sql(sql).rowcount == 1
    engine.dispose()


@pytest.fixture
def bad_order(tmp_path: Path) -> str:
    """The order ended the day before it was made (stored instants are UTC microseconds)."""
    url = _database(tmp_path)
    _plant(
        url,
        "UPDATE orders SET state = 'discharged', ended_at = made_at - 86400000000, "
        "ended_at_tz = 'Europe/London' WHERE order_id = 'O-1'",
    )
    return url


@pytest.fixture
def bad_incident(tmp_path: Path) -> str:
    """The incident's platform code is not one the library knows."""
    url = _database(tmp_path)
    _plant(url, "UPDATE incidents SET platform = 'myspace' WHERE incident_id = 'I-1'")
    return url


def _error_line(code: int, err: str) -> str:
    """The single error line (progress lines on stderr come before it); exit code 2."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("spo-tracker: error:")]
    assert len(lines) == 1, err
    return lines[0]


def _commands(tmp_path: Path) -> dict[str, list[str]]:
    out = tmp_path / "out"
    out.mkdir()
    return {
        "scan": ["scan", "--at", AT],
        "report": ["report", "--format", "json", "--output", str(out / "r.json"), "--at", AT],
        "export": ["export", "--output", str(out / "e.jsonl"), "--at", AT],
    }


@pytest.mark.parametrize("command", ["scan", "report", "export"])
def test_a_bad_order_stops_the_command_naming_it(
    command: str, bad_order: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line names the order, the rule and what to do; no alert list, report or export."""
    argv = [*_commands(tmp_path)[command], "--database", bad_order]
    code = main(argv)
    out, err = capsys.readouterr()
    line = _error_line(code, err)
    assert "stored order 'O-1' breaks a rule" in line
    assert "ended_at" in line
    assert "correct the record" in line
    assert "alerts" not in out
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("command", ["scan", "report", "export"])
def test_a_bad_incident_stops_the_command_naming_it(
    command: str, bad_incident: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The incident scan stops at the bad incident and names it, rather than skipping it."""
    argv = [*_commands(tmp_path)[command], "--database", bad_incident]
    code = main(argv)
    out, err = capsys.readouterr()
    line = _error_line(code, err)
    assert "stored incident 'I-1' breaks a rule" in line
    assert "'myspace'" in line
    assert "alerts" not in out
    assert list((tmp_path / "out").iterdir()) == []


def test_a_bad_protected_person_is_named_without_their_details(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A restricted place off the globe: the line names the person and the field, and quotes
    neither the place's label nor a coordinate."""
    url = _database(tmp_path)
    places = [["3 Safe House Lane", {"lat": 95.25, "lon": -1.93}]]
    store = connect(url)
    try:  # sealed under the person's key, as someone holding the data key could write it
        plant_details(store, "P-1", json.dumps({"address": None, "places": places}))
    finally:
        store.close()
    code = main(["scan", "--at", AT, "--database", url])
    line = _error_line(code, capsys.readouterr().err)
    assert "stored protected_person 'P-1'" in line
    assert "field 'latitude'" in line
    for text in ("Safe House", "95.25", "-1.93", "Jane"):
        assert text not in line
