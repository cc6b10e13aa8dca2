"""report_from_store: a report of the store's alerts, written atomically and audited."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pendulum
import pytest

from spo_tracker.casework import (
    DEFAULT_PERIOD,
    report_from_store,
    reports_from_store,
    review_alert,
    run_detection,
)
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.detection import Alert
from spo_tracker.errors import (
    DatabaseBusyError,
    InvalidValueError,
    OutputWriteError,
    UnknownCodeError,
)
from spo_tracker.storage import Actor, Store, UnitOfWork


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """An empty folder for reports (the SQLite database has tmp_path to itself)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    return folder


def _notes(store: Store) -> list[dict[str, object]]:
    return [json.loads(e.changes) for e in store.audit_entries() if e.event == "report.written"]


def test_a_report_of_the_stored_alerts_is_written_and_audited(
    demo_store: Store, tmp_path: Path
) -> None:
    """With ``history``, every stored alert is in the report; the audit entry carries the
    file's digest."""
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    written = report_from_store(
        demo_store,
        at=NOW,
        actor=DEMO_ACTOR,
        fmt="json",
        output=tmp_path / "alerts.json",
        stored=True,
        history=True,
    )
    data = written.path.read_bytes()
    shown = {a["alert_id"] for a in json.loads(data)["alerts"]}
    assert shown == {a.alert_id for a in run.alerts}
    assert written.alerts == len(run.alerts)
    assert written.sha256 == hashlib.sha256(data).hexdigest()
    assert _notes(demo_store) == [
        {
            "format": "json",
            "alerts": len(run.alerts),
            "protected_person_names": "redacted",
            "sha256": written.sha256,
            # The disclosure names the people of its alerts, by id (DPA 2018 s.62).
            "people": {
                "defendants": sorted({a.defendant_id for a in run.alerts}),
                "protected_persons": sorted(
                    {p for a in run.alerts for p in a.protected_person_ids}
                ),
            },
            "purpose": DEMO_ACTOR.purpose,
        }
    ]


def test_names_are_redacted_unless_asked_for(demo_store: Store, tmp_path: Path) -> None:
    """A protected person's name appears only with ``include_protected_names``."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    outputs = {"html": tmp_path / "a.html", "csv": tmp_path / "a.csv"}
    for written in reports_from_store(demo_store, outputs, at=NOW, actor=DEMO_ACTOR, stored=True):
        assert "Sarah Collins" not in written.path.read_text("utf-8")
    named = report_from_store(
        demo_store,
        at=NOW,
        actor=DEMO_ACTOR,
        fmt="html",
        output=tmp_path / "named.html",
        stored=True,
        include_protected_names=True,
    )
    assert "Sarah Collins" in named.path.read_text("utf-8")


def test_without_stored_the_report_detects_afresh_and_stores_nothing(
    demo_store: Store, tmp_path: Path
) -> None:
    """A report that detects gives the same file as one of the alerts a run stored, and
    stores no alert itself."""
    fresh = report_from_store(
        demo_store, at=NOW, actor=DEMO_ACTOR, fmt="csv", output=tmp_path / "fresh.csv"
    )
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        assert uow.alerts.ids() == []
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    kept = report_from_store(
        demo_store, at=NOW, actor=DEMO_ACTOR, fmt="csv", output=tmp_path / "kept.csv", stored=True
    )
    assert fresh.path.read_bytes() == kept.path.read_bytes()


def test_an_unknown_format_is_refused_naming_it_and_nothing_is_written(
    demo_store: Store, tmp_path: Path
) -> None:
    """``pdf`` is named in the error; no file and no audit entry."""
    folder = tmp_path / "reports"
    folder.mkdir()
    with pytest.raises(UnknownCodeError, match="pdf"):
        reports_from_store(
            demo_store,
            {"html": folder / "a.html", "pdf": folder / "a.pdf"},
            at=NOW,
            actor=DEMO_ACTOR,
        )
    assert list(folder.iterdir()) == []
    assert _notes(demo_store) == []


def test_a_second_format_that_cannot_be_written_leaves_no_file_and_no_audit_entry(
    demo_store: Store, reports: Path
) -> None:
    """The html (with names) is not left on disk when the csv's folder is missing: no file,
    no temporary file, no audit entry."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    outputs = {"html": reports / "first.html", "csv": reports / "missing" / "second.csv"}
    with pytest.raises(OutputWriteError, match="missing"):
        reports_from_store(
            demo_store, outputs, at=NOW, actor=DEMO_ACTOR, stored=True, include_protected_names=True
        )
    assert list(reports.iterdir()) == []
    assert _notes(demo_store) == []


def test_a_report_whose_audit_entry_cannot_be_committed_is_not_written(
    demo_store: Store, reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit entries are committed before any file is renamed into place: a failed
    commit leaves no file (nor a temporary one) behind."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)

    def busy(self: UnitOfWork) -> None:
        raise DatabaseBusyError("database is locked")

    monkeypatch.setattr(UnitOfWork, "commit", busy)
    outputs = {"html": reports / "a.html", "json": reports / "a.json"}
    with pytest.raises(DatabaseBusyError):
        reports_from_store(demo_store, outputs, at=NOW, actor=DEMO_ACTOR, stored=True)
    assert list(reports.iterdir()) == []
    monkeypatch.undo()
    assert _notes(demo_store) == []


def _audit_count(store: Store) -> int:
    return sum(1 for _ in store.audit_entries())


@pytest.mark.parametrize(
    ("outputs", "named"),
    [({}, "{}"), ([("html", "a.html")], "html"), ({"html": None}, "None"), ({"csv": 3}, "3")],
)
def test_outputs_that_are_not_formats_and_files_are_refused_before_any_work(
    demo_store: Store, outputs: object, named: str
) -> None:
    """No formats, or a format without a file path: a typed error naming the value, and
    nothing read (no restricted read is audited) or written."""
    before = _audit_count(demo_store)
    with pytest.raises(InvalidValueError, match=re.escape(named)):
        reports_from_store(demo_store, outputs, at=NOW, actor=DEMO_ACTOR)  # type: ignore[arg-type]
    assert _audit_count(demo_store) == before


def test_one_output_that_is_not_a_path_is_refused(demo_store: Store) -> None:
    """``output=None`` is a typed error, not a TypeError."""
    with pytest.raises(InvalidValueError, match="None"):
        report_from_store(demo_store, at=NOW, actor=DEMO_ACTOR, fmt="html", output=None)  # type: ignore[arg-type]


def test_a_since_after_the_report_time_is_refused_as_run_detection_refuses_it(
    demo_store: Store, reports: Path
) -> None:
    """A report period that starts after it ends is an error naming ``since``, not an
    empty report."""
    with pytest.raises(InvalidValueError, match="since"):
        report_from_store(
            demo_store,
            at=NOW,
            actor=DEMO_ACTOR,
            fmt="json",
            output=reports / "a.json",
            since=NOW.add(days=30),
        )
    assert list(reports.iterdir()) == []


@pytest.mark.parametrize("fmt", [["html"], None, "HTML"])
def test_a_format_that_is_not_one_of_the_names_is_refused_naming_it(
    demo_store: Store, reports: Path, fmt: object
) -> None:
    """A list, ``None`` or the wrong case: an UnknownCodeError naming it, not a TypeError."""
    with pytest.raises(UnknownCodeError, match=re.escape(repr(fmt))):
        report_from_store(
            demo_store,
            at=NOW,
            actor=DEMO_ACTOR,
            fmt=fmt,  # type: ignore[arg-type]
            output=reports / "a.html",
        )
    assert list(reports.iterdir()) == []


def _shown(store: Store, path: Path, **options: object) -> set[str]:
    """The alert ids of a JSON report of the stored alerts."""
    written = report_from_store(
        store,
        at=NOW,
        actor=DEMO_ACTOR,
        fmt="json",
        output=path,
        stored=True,
        **options,  # type: ignore[arg-type]
    )
    return {a["alert_id"] for a in json.loads(written.path.read_bytes())["alerts"]}


def _recent(alerts: tuple[Alert, ...], since: object) -> set[str]:
    return {a.alert_id for a in alerts if a.identified_at >= since}  # type: ignore[operator]


def test_by_default_a_report_holds_the_open_alerts_identified_in_the_last_28_days(
    demo_store: Store, tmp_path: Path
) -> None:
    """Alerts identified before the period are left out; ``since`` moves its start; a
    reviewed alert leaves the report; ``history`` brings every alert back."""
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    recent = _recent(run.alerts, NOW - DEFAULT_PERIOD)
    assert DEFAULT_PERIOD.in_days() == 28
    assert set() < recent < {a.alert_id for a in run.alerts}
    assert _shown(demo_store, tmp_path / "a.json") == recent
    since = pendulum.datetime(2026, 3, 15, tz="Europe/London")
    assert _shown(demo_store, tmp_path / "b.json", since=since) == _recent(run.alerts, since)
    decided = sorted(recent)[0]
    review_alert(
        demo_store,
        decided,
        outcome="warning",
        at=NOW,
        actor=Actor("PC 1", "officer", purpose="tests"),
    )
    assert _shown(demo_store, tmp_path / "c.json") == recent - {decided}
    everything = _shown(demo_store, tmp_path / "d.json", history=True)
    assert everything == {a.alert_id for a in run.alerts}
