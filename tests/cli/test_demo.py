"""The demo end to end: the database, the three reports, the seed story and the hard cases."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from spo_tracker.cli import main
from spo_tracker.demo import REPORT_FILES, SEED_MESSAGES, build_scenario
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.reports import report_schema


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The demo at scale 1 (5,000 background incidents): folder, stdout, stderr."""
    folder = tmp_path_factory.mktemp("demo") / "out"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--scale", "1", "--seed", "3", "--output", str(folder)])
    assert code == 0, err.getvalue()
    return folder, out.getvalue(), err.getvalue()


def document(folder: Path) -> dict[str, Any]:
    """The JSON report."""
    loaded: dict[str, Any] = json.loads((folder / REPORT_FILES["json"]).read_text("utf-8"))
    return loaded


def alerts_of(doc: dict[str, Any], defendant: str) -> list[dict[str, Any]]:
    """The JSON alerts about one defendant."""
    return [a for a in doc["alerts"] if a["defendant_id"] == defendant]


def test_the_files_are_written_and_named_in_the_summary(demo: tuple[Path, str, str]) -> None:
    """Database and three reports exist; the summary prints their paths."""
    folder, out, err = demo
    assert (folder / "spo-tracker.sqlite").is_file()
    for name in REPORT_FILES.values():
        assert (folder / name).stat().st_size > 0
        assert str(folder / name) in out
    assert not list(folder.glob(".*"))
    assert "running breach detection" in err


def test_the_seed_story_gives_one_grouped_breach_and_one_escalation(
    demo: tuple[Path, str, str],
) -> None:
    """104 messages in a day: one platform-ban breach alert with 104 evidence items and
    one escalation alert."""
    doc = document(demo[0])
    seed = alerts_of(doc, "D-1001")
    breaches = [a for a in seed if a["kind"] == "breach"]
    escalations = [a for a in seed if a["kind"] == "escalation"]
    assert len(breaches) == 1
    assert len(escalations) == 1
    breach = breaches[0]
    assert breach["rule_id"] == "breach.platform_ban"
    assert breach["count"] == len(breach["evidence"]) == SEED_MESSAGES
    assert breach["cjs_code"] == "ST19001"
    assert {e["platform"] for e in breach["evidence"]} == {"Instagram"}
    assert escalations[0]["count"] == SEED_MESSAGES
    chart = next(d for d in doc["defendants"] if d["defendant_id"] == "D-1001")
    assert {"day": "2026-03-14", "count": SEED_MESSAGES} in chart["incidents_per_day"]


def test_every_hard_case_is_visible(demo: tuple[Path, str, str]) -> None:
    """Each story's alert is in the report; the refused discharge is in the summary."""
    folder, out, _ = demo
    doc = document(folder)
    rules = {(a["defendant_id"], a["rule_id"]) for a in doc["alerts"]}
    assert ("D-1002", "breach.exclusion_zone") in rules
    assert ("D-1002", "escalation.closing_in") in rules
    assert ("D-1002", "course_of_conduct.unprotected") in rules
    assert ("D-1003", "notification.ST19002") in rules
    assert ("D-1007", "renewal.review") in rules
    assert ("D-1008", "breach.no_third_party_contact") in rules
    orders = {a["order_id"] for a in alerts_of(doc, "D-1004")}
    assert {"SPO-1004-I", "SPO-1004"} <= orders
    appeal = alerts_of(doc, "D-1006")
    assert appeal
    assert all(a["appeal_pending"] for a in appeal)
    assert "GuardRejectedError" in out
    assert "SPA2019 s.4(4)(b)" in out
    assert not alerts_of(doc, "D-1005")


def test_missed_requirements_are_found_and_met_ones_are_not(demo: tuple[Path, str, str]) -> None:
    """D-1010: the devices not surrendered and the one Monday without a sign-on are alerts;
    the assessment attended is not. Every background requirement is recorded as met, so
    none of the background's requirements raises an alert."""
    doc = document(demo[0])
    found = {(a["term_id"], a["rule_id"], a["count"]) for a in alerts_of(doc, "D-1010")}
    assert found == {("T3", "requirement.positive", 1), ("T4", "requirement.sign_on", 1)}
    sign_on = next(a for a in alerts_of(doc, "D-1010") if a["term_id"] == "T4")
    assert "(2 March 2026)" in sign_on["explanation"]
    background = [a for a in doc["alerts"] if not a["defendant_id"].startswith("D-1")]
    assert not [a for a in background if a["rule_id"].startswith("requirement.")]
    scenario = build_scenario(seed=3, scale=1)
    terms = [t for o in scenario.background.orders for v in o.versions for t in v.terms]
    assert any(isinstance(t, (PositiveRequirement, SignOnSchedule)) for t in terms)
    assert "compliance records" in demo[2]


def test_background_volume_is_there(demo: tuple[Path, str, str]) -> None:
    """Scale 1 adds 20 synthetic defendants and 5,000 incidents; they raise alerts too."""
    _, out, _ = demo
    assert "5,115 incidents" in out
    doc = document(demo[0])
    assert any(not a["defendant_id"].startswith("D-1") for a in doc["alerts"])


def test_the_reports_validate_and_parse(demo: tuple[Path, str, str]) -> None:
    """JSON against its schema, CSV with the csv module, HTML with a row per alert."""
    folder = demo[0]
    doc = document(folder)
    jsonschema_rs.validator_for(report_schema(), validate_formats=True).validate(doc)
    text = (folder / REPORT_FILES["csv"]).read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["alert_id"] for r in rows] == [a["alert_id"] for a in doc["alerts"]]
    html = (folder / REPORT_FILES["html"]).read_text("utf-8")
    assert html.count('<article class="alert ') == len(doc["alerts"])


def test_no_protected_details_leak(demo: tuple[Path, str, str]) -> None:
    """Scenario victims' names and addresses appear in no report."""
    folder = demo[0]
    for name in REPORT_FILES.values():
        text = (folder / name).read_text("utf-8")
        for secret in ("Sarah Collins", "Priya Shah", "Wren Close", "Calthorpe Road", "B15 1QQ"):
            assert secret not in text, (name, secret)


def test_the_same_seed_gives_identical_reports(tmp_path: Path) -> None:
    """Two runs with the same seed and scale give byte-identical reports."""
    for run in ("a", "b"):
        assert main(["demo", "--scale", "0", "--output", str(tmp_path / run)]) == 0
    for name in REPORT_FILES.values():
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_running_again_into_the_same_folder_replaces_the_database(tmp_path: Path) -> None:
    """A second run rebuilds the demo database rather than failing on duplicates."""
    for _ in range(2):
        assert main(["demo", "--scale", "0", "--output", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["spo-tracker.sqlite", *REPORT_FILES.values()]
    )


def test_report_from_the_demo_database_matches_the_demo_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report --all` over the demo database, as of the demo's now, reports the same alerts."""
    assert main(["demo", "--scale", "0", "--output", str(tmp_path)]) == 0
    url = f"sqlite:///{tmp_path / 'spo-tracker.sqlite'}"
    out = tmp_path / "again.json"
    argv = ["--database", url, "report", "--all", "--format", "json", "--output", str(out)]
    assert main([*argv, "--at", "2026-03-20T09:00:00Z"]) == 0
    again = json.loads(out.read_text("utf-8"))
    assert again["alerts"] == document(tmp_path)["alerts"]
    assert "wrote" in capsys.readouterr().out


def test_the_demo_stores_its_alerts_as_one_audited_batch(tmp_path: Path) -> None:
    """Every alert the demo reports is stored, written as one ``alerts.created`` entry."""
    from spo_tracker.demo import DEMO_ACTOR, NOW
    from spo_tracker.storage import connect

    assert main(["demo", "--scale", "0", "--output", str(tmp_path)]) == 0
    alerts = document(tmp_path)["alerts"]
    with connect(f"sqlite:///{tmp_path / 'spo-tracker.sqlite'}") as store:
        with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
            assert uow.alerts.ids() == sorted(a["alert_id"] for a in alerts)
        batches = [e for e in store.audit_entries() if e.event.startswith("alert")]
    assert [e.event for e in batches] == ["alerts.created"]
    assert json.loads(batches[0].changes)["count"] == len(alerts)


def test_report_of_the_stored_alerts_is_the_demo_report_without_a_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report --stored --all` over the demo database, as of the demo's now and its title,
    writes the demo's three reports byte for byte, and runs no detection."""
    from spo_tracker.demo import REPORT_TITLE

    assert main(["demo", "--scale", "0", "--output", str(tmp_path)]) == 0
    url = f"sqlite:///{tmp_path / 'spo-tracker.sqlite'}"
    capsys.readouterr()
    for fmt, name in REPORT_FILES.items():
        out = tmp_path / f"again.{fmt}"
        argv = ["--database", url, "report", "--stored", "--all", "--at", "2026-03-20T09:00:00Z"]
        argv += ["--title", REPORT_TITLE, "--format", fmt, "--output", str(out)]
        assert main(argv) == 0
        assert out.read_bytes() == (tmp_path / name).read_bytes(), fmt
    assert "detection" not in capsys.readouterr().err


def test_the_summary_command_reports_the_stored_alerts(demo: tuple[Path, str, str]) -> None:
    """The summary's `report --stored` command line writes the demo's HTML report again."""
    import shlex

    folder, out, _ = demo
    line = next(x for x in out.splitlines() if " report --stored " in x)
    argv = shlex.split(line.strip())[1:]
    argv[argv.index("--output") + 1] = str(folder.parent / "again.html")
    assert main(argv) == 0
    again = (folder.parent / "again.html").read_bytes()
    assert again == (folder / REPORT_FILES["html"]).read_bytes()


def test_scan_finds_the_stored_alerts_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scan of the demo database as of the demo's now finds every alert already stored."""
    assert main(["demo", "--scale", "0", "--output", str(tmp_path)]) == 0
    url = f"sqlite:///{tmp_path / 'spo-tracker.sqlite'}"
    argv = ["--database", url, "scan", "--at", "2026-03-20T09:00:00Z", "--limit", "0"]
    alerts = document(tmp_path)["alerts"]
    capsys.readouterr()
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert f"Stored: 0 new alerts, 0 updated, {len(alerts)} unchanged." in first
    assert all(a["alert_id"] in first for a in alerts)


def test_the_demo_into_a_named_database(tmp_path: Path) -> None:
    """With --database the demo builds there, and the output folder gets only the reports."""
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    assert main(["--database", url, "demo", "--scale", "0", "--output", str(tmp_path / "o")]) == 0
    assert (tmp_path / "elsewhere.sqlite").is_file()
    assert not (tmp_path / "o" / "spo-tracker.sqlite").exists()


def test_reports_are_audited_and_names_only_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each report written is an audit entry saying whether names were included; the
    trail still verifies; names appear only with --include-protected-names."""
    from spo_tracker.demo import DEMO_SUPERVISOR, NOW
    from spo_tracker.storage import connect

    assert main(["demo", "--scale", "0", "--output", str(tmp_path)]) == 0
    url = f"sqlite:///{tmp_path / 'spo-tracker.sqlite'}"
    base = ["--database", url, "report", "--at", "2026-03-20T09:00:00Z", "--format", "html"]
    assert main([*base, "--output", str(tmp_path / "named.html"), "--include-protected-names"]) == 0
    named = (tmp_path / "named.html").read_text("utf-8")
    assert "Sarah Collins" in named
    assert "for internal use only" in named
    assert "Sarah Collins" not in (tmp_path / REPORT_FILES["html"]).read_text("utf-8")
    assert main(["--database", url, "audit", "verify"]) == 0
    with connect(url) as store:
        written = [e for e in store.audit_entries() if e.event == "report.written"]
    assert [json.loads(e.changes)["protected_person_names"] for e in written] == [
        "redacted",
        "redacted",
        "redacted",
        "included",
    ]
    assert (written[0].actor_id, written[0].actor_role) == (DEMO_SUPERVISOR.actor_id, "supervisor")
    assert written[0].recorded_at == NOW
    capsys.readouterr()
