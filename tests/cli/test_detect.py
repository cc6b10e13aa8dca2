"""``spo-tracker detect``: the nightly job's detection step, run twice in a row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spo_tracker.casework import _storing as storing
from spo_tracker.cli import main
from spo_tracker.demo import DEMO_ACTOR, NOW, build_scenario
from spo_tracker.errors import DatabaseBusyError
from spo_tracker.storage import UnitOfWork, connect, upgrade
from tests.casework.builders import store_scenario

AT = NOW.in_timezone("UTC").isoformat()
COUNTS = re.compile(r"Stored: (\d+) new alerts, (\d+) updated, (\d+) unchanged\.")


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite database holding the demo scenario (scale 0), no alerts stored yet."""
    url = f"sqlite:///{tmp_path / 'force.sqlite'}"
    upgrade(url)
    with connect(url) as store:
        store_scenario(store, build_scenario(seed=0, scale=0))
    return url


def _detect(
    database: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, tuple[int, ...]]:
    code = main(["detect", "--at", AT, "--database", database, *extra])
    found = COUNTS.search(capsys.readouterr().out)
    assert found is not None
    return code, tuple(int(n) for n in found.groups())


def test_a_second_detect_in_a_row_exits_0_with_nothing_new(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first run stores every alert as new; the second finds them all unchanged."""
    code, (new, updated, unchanged) = _detect(database, capsys)
    assert (code, updated, unchanged) == (0, 0, 0)
    assert new > 0
    code, (again, updated, unchanged) = _detect(database, capsys)
    assert (code, again, updated) == (0, 0, 0)
    assert 0 < unchanged < new  # incremental: only the dated alerts are judged again
    assert _detect(database, capsys, "--full") == (0, (0, 0, new))


def test_detect_says_whether_the_run_was_full_or_incremental(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first run is full (no watermark), the next incremental, ``--full`` full."""
    lines = []
    for extra in ([], [], ["--full"]):
        assert main(["detect", "--at", AT, "--database", database, *extra]) == 0
        lines.append(capsys.readouterr().out.splitlines()[0])
    assert lines == [
        "Run: full (no earlier run left a watermark).",
        "Run: incremental, 0 incidents new since the last run.",
        "Run: full (a full run was asked for).",
    ]


def test_detect_stores_what_scan_then_finds_unchanged(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``scan`` after ``detect`` stores nothing new: the two run the same detection."""
    _, (new, _, _) = _detect(database, capsys)
    assert main(["scan", "--at", AT, "--database", database]) == 0
    assert f"Stored: 0 new alerts, 0 updated, {new} unchanged." in capsys.readouterr().out
    with connect(database) as store, store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        assert len(uow.alerts.ids()) == new


def test_a_database_busy_through_every_retry_exits_75_saying_run_it_again(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other writers holding the database are not bad input: exit 75 (try again), a line
    saying the run can be repeated, nothing stored."""

    def busy(self: UnitOfWork, alerts: object, *, reason: str = "") -> None:
        raise DatabaseBusyError("database is locked")

    monkeypatch.setattr(UnitOfWork, "add_alerts", busy)
    monkeypatch.setattr(storing, "_pause", lambda attempt: None)
    code = main(["detect", "--at", AT, "--database", database])
    err = capsys.readouterr().err
    assert code == 75
    assert "repeated safely" in err
    assert "run it again" in err
    with connect(database) as store, store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        assert uow.alerts.ids() == []
