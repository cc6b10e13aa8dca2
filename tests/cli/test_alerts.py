"""``spo-tracker alerts`` and ``case assign``: an officer works through the queue, and a
reviewed alert leaves the default report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from spo_tracker.cli import main
from spo_tracker.demo import NOW, build_scenario
from spo_tracker.storage import connect, upgrade
from tests.casework.builders import store_scenario

AT = NOW.in_timezone("UTC").isoformat()
BAN = "AL-e16438f369730d61fbb3"
ESCALATION = "AL-6fa3ceadc1210fdf7029"
#: Identified on 3 February 2026, more than 28 days before the demo's "now" (20 March).
OLD = "AL-bf3e6253275361f60055"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite database holding the demo scenario (scale 0) and its stored alerts."""
    url = f"sqlite:///{tmp_path / 'force.sqlite'}"
    upgrade(url)
    with connect(url) as store:
        store_scenario(store, build_scenario(seed=0, scale=0))
    assert main(["detect", "--at", AT, "--database", url]) == 0
    return url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _listed(
    capsys: pytest.CaptureFixture[str], database: str, *options: str
) -> list[dict[str, Any]]:
    code, out, _ = _run(
        capsys, "alerts", "list", "--at", AT, "--database", database, "--format", "json", *options
    )
    assert code == 0
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def _reported(
    capsys: pytest.CaptureFixture[str], database: str, tmp_path: Path, *options: str
) -> set[str]:
    path = tmp_path / "report.json"
    code, _, _ = _run(
        capsys, "report", "--stored", "--format", "json", "--output", str(path), "--at", AT,
        "--database", database, *options,
    )  # fmt: skip
    assert code == 0
    return {a["alert_id"] for a in json.loads(path.read_text("utf-8"))["alerts"]}


def test_the_list_shows_open_alerts_by_severity_then_time_with_london_dates(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Table, JSON and CSV list the same alerts in the same order, with London times."""
    rows = _listed(capsys, database)
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
    severities = [ranks[r["severity"]] for r in rows]
    assert severities == sorted(severities, reverse=True)
    ban = next(r for r in rows if r["alert_id"] == BAN)
    assert ban["when_london"] == "2026-03-14T07:14:05+00:00"
    assert (ban["status"], ban["revision"]) == ("flagged", 0)
    code, out, _ = _run(capsys, "alerts", "list", "--at", AT, "--database", database)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{len(rows)} alerts (open) as of Fri 20 Mar 2026 09:00 GMT (London)"
    assert [line.split()[1] for line in lines[1:]] == [r["alert_id"] for r in rows]
    assert "Sat 14 Mar 2026 07:14 GMT" in next(line for line in lines if BAN in line)
    code, out, _ = _run(
        capsys, "alerts", "list", "--at", AT, "--database", database, "--format", "csv"
    )
    assert [r["alert_id"] for r in csv.DictReader(io.StringIO(out))] == [
        r["alert_id"] for r in rows
    ]


def test_case_assign_then_filter_the_queue_by_officer_unit_and_force(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`case assign` records the owner; `alerts list --officer` keeps that case's alerts."""
    code, out, _ = _run(
        capsys, "case", "assign", "SPO-1001", "--officer", "PC 4471", "--unit", "PPU North",
        "--force", "West Midlands Police", "--at", AT, "--database", database,
    )  # fmt: skip
    assert code == 0
    assert "SPO-1001: officer in the case PC 4471, PPU North, West Midlands Police" in out
    mine = _listed(capsys, database, "--officer", "PC 4471")
    assert {r["alert_id"] for r in mine} == {BAN, ESCALATION}
    assert {r["unit"] for r in mine} == {"PPU North"}
    assert _listed(capsys, database, "--force", "West Midlands Police") == mine
    assert _listed(capsys, database, "--officer", "PC 4471", "--kind", "escalation") == [
        r for r in mine if r["alert_id"] == ESCALATION
    ]


def test_an_officer_reviews_an_alert_and_it_leaves_the_default_report(
    database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Assign, review as referred: the alert leaves the open list and the default report;
    `report --all` still holds it; `alerts show` gives the timeliness chain and evidence."""
    before = _reported(capsys, database, tmp_path)
    assert BAN in before
    assert OLD not in before  # identified more than 28 days before --at
    assert {BAN, OLD} <= _reported(capsys, database, tmp_path, "--all")
    code, out, _ = _run(
        capsys, "alerts", "assign", BAN, "--to", "PC 4471", "--at", "2026-03-20T09:10:00+00:00",
        "--database", database,
    )  # fmt: skip
    assert (code, out) == (0, f"{BAN}: assigned, assigned to PC 4471 (revision 2)\n")
    code, out, _ = _run(
        capsys, "alerts", "review", BAN, "--outcome", "referred", "--reference", "20/1234/26",
        "--expect-revision", "2", "--at", "2026-03-20T09:30:00+00:00", "--database", database,
    )  # fmt: skip
    assert (code, out) == (0, f"{BAN}: confirmed_referred, assigned to PC 4471 (revision 4)\n")
    assert _reported(capsys, database, tmp_path) == before - {BAN}
    assert BAN in _reported(capsys, database, tmp_path, "--all")
    assert BAN not in {r["alert_id"] for r in _listed(capsys, database)}
    assert BAN in {r["alert_id"] for r in _listed(capsys, database, "--status", "decided")}
    code, out, _ = _run(capsys, "alerts", "show", BAN, "--at", AT, "--database", database)
    assert code == 0
    for line in (
        "  breach time  Sat 14 Mar 2026 07:14 GMT (London)",
        "  identified   Sun 15 Mar 2026 10:00 GMT (London)",
        "  assigned     Fri 20 Mar 2026 09:10 GMT (London)",
        "  first action Fri 20 Mar 2026 09:30 GMT (London)",
        "  decided      Fri 20 Mar 2026 09:30 GMT (London)",
        "  evidence: 104 incidents",
        "    DEMO-1001-001  Sat 14 Mar 2026 07:14 GMT (London)  message instagram: identity "
        "handle:instagram:truth_teller_2026 linked to D-1001 on Tue 17 Mar 2026 (London), "
        "source officer",
    ):
        assert line in out.splitlines()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["alerts", "review", "AL-nope", "--outcome", "referred"], "'AL-nope'"),
        (["alerts", "review", BAN, "--outcome", "no_further_action"], "reason=''"),
        (["alerts", "review", BAN, "--outcome", "caution"], "outcome='caution'"),
        (["alerts", "assign", BAN, "--to", "  "], "assignee='  '"),
        (["alerts", "assign", BAN, "--to", "PC 1", "--expect-revision", "3"], "stale write"),
        (["alerts", "show", "AL-nope"], "'AL-nope'"),
        (["alerts", "list", "--status", "closed"], "status='closed'"),
        (["case", "assign", "SPO-9", "--officer", "a", "--unit", "b", "--force", "c"], "'SPO-9'"),
        (["case", "assign", "SPO-1001", "--officer", " ", "--unit", "b", "--force", "c"],
         "officer=' '"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_value_exit_2_and_changes_nothing(
    database: str, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    """A missing alert or order, a missing reason, an unknown outcome or status, a blank
    name, a stale revision: exit 2, one line on stderr naming the value; nothing stored."""
    with connect(database) as store:
        before = [e.entry_hash for e in store.audit_entries()]
    code, out, err = _run(capsys, *argv, "--at", AT, "--database", database)
    assert (code, out) == (2, "")
    assert err.startswith("spo-tracker: error: ")
    assert says in err
    assert err.count("\n") == 1
    with connect(database) as store:
        assert [e.entry_hash for e in store.audit_entries()] == before


def test_alerts_show_scrubs_a_review_note_of_the_victims_address_and_name(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An officer's note naming the protected person and her street is printed scrubbed,
    as a report prints it (it was printed as typed)."""
    (person,) = (
        p for p in build_scenario(seed=0, scale=0).protected_persons if p.person_id == "P-1001"
    )
    address = person.restricted.address
    assert address is not None
    street, postcode = address.lines[0], address.postcode
    note = f"warned after {person.name} saw him at {street}, {postcode}"
    code, _, _ = _run(
        capsys, "alerts", "review", BAN, "--outcome", "no_further_action", "--reason", note,
        "--at", "2026-03-20T09:30:00+00:00", "--database", database,
    )  # fmt: skip
    assert code == 0
    code, out, _ = _run(capsys, "alerts", "show", BAN, "--at", AT, "--database", database)
    assert code == 0
    (line,) = (line for line in out.splitlines() if "review round" in line)
    assert line.endswith(
        ": warned after [name redacted] saw him at [location redacted], [location redacted]"
    )
    assert [s for s in (person.name, street, postcode) if s in out] == []
