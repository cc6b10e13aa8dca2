"""The CSV report: one row per alert, a stable column order, parseable by the csv module."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import attrs
import pendulum

from spo_tracker.reports import CSV_COLUMNS, build_report, render
from tests.reports.builders import NOW, world

#: The published column order; appending is allowed, reordering is not.
PUBLISHED_COLUMNS = (
    "alert_id",
    "severity",
    "kind",
    "rule_id",
    "title",
    "defendant_id",
    "defendant_name",
    "order_id",
    "order_kind",
    "term_id",
    "term_code",
    "term_text",
    "section",
    "related_sections",
    "cjs_code",
    "count",
    "first_seen",
    "last_seen",
    "breach_time",
    "identified_at",
    "deadline",
    "pre_service",
    "appeal_pending",
    "protected_persons",
    "evidence_ids",
    "explanation",
)


def rows(text: str) -> list[dict[str, str]]:
    """Parse with the standard library."""
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_columns_keep_their_published_order() -> None:
    """The header starts with the published columns, in order."""
    assert CSV_COLUMNS[: len(PUBLISHED_COLUMNS)] == PUBLISHED_COLUMNS


def test_one_row_per_alert_in_report_order() -> None:
    """Each alert is one row; the values match the alert."""
    w = world()
    parsed = rows(render(build_report(w.alerts, w.context, now=NOW), "csv"))
    assert [r["alert_id"] for r in parsed] == [a.alert_id for a in w.alerts]
    platform = next(r for r in parsed if r["rule_id"] == "breach.platform_ban")
    alert = next(a for a in w.alerts if a.rule_id == "breach.platform_ban")
    assert platform["count"] == str(alert.count) == "12"
    assert platform["evidence_ids"].split(" ") == list(alert.evidence_ids)
    assert platform["cjs_code"] == "ST19001"
    assert platform["protected_persons"] == "Protected person P1"
    assert platform["first_seen"] == "2026-03-14T07:00:00Z"
    assert platform["appeal_pending"] == "false"


def test_the_header_row_alone_when_there_are_no_alerts() -> None:
    """An empty report is just the header."""
    text = render(build_report([], world().context, now=NOW), "csv")
    assert text == ",".join(CSV_COLUMNS) + "\r\n"


def test_formula_like_cells_are_defused() -> None:
    """A title a spreadsheet would run as a formula gets a leading apostrophe."""
    w = world()
    hostile = attrs.evolve(w.alerts[0], title='=HYPERLINK("http://x")', explanation="@SUM(1)")
    parsed = rows(render(build_report([hostile], w.context, now=NOW), "csv"))
    assert parsed[0]["title"] == '\'=HYPERLINK("http://x")'
    assert parsed[0]["explanation"] == "'@SUM(1)"


#: What a UTC instant and its London time look like: whole seconds, ``Z`` or the London offset.
UTC_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
LONDON_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[01]:00$")
INSTANTS = ("first_seen", "last_seen", "breach_time", "identified_at", "deadline")


def test_each_instant_has_its_london_time_beside_it_in_whole_seconds() -> None:
    """UTC as ``...Z`` and London with its offset, to the second, naming the same instant.

    A fixed shape that ``datetime.fromisoformat`` (and so pandas and Excel) reads without a
    format; a summer instant carries ``+01:00``.
    """
    w = world()
    summer = attrs.evolve(
        w.alerts[0],
        alert_id="AL-" + "5" * 20,
        identified_at=pendulum.datetime(2026, 6, 4, 8, 0, 7, 731660, tz="UTC"),
        deadline=pendulum.datetime(2026, 6, 5, tz="Europe/London"),
    )
    parsed = rows(render(build_report([*w.alerts, summer], w.context, now=NOW), "csv"))
    for row in parsed:
        for name in INSTANTS:
            utc, london = row[name], row[f"{name}_london"]
            if not utc:
                assert london == "", (name, london)
                continue
            assert UTC_INSTANT.match(utc), (name, utc)
            assert LONDON_TIME.match(london), (name, london)
            assert dt.datetime.fromisoformat(utc) == dt.datetime.fromisoformat(london)
    last = next(r for r in parsed if r["alert_id"] == summer.alert_id)
    assert last["identified_at"] == "2026-06-04T08:00:07Z"
    assert last["identified_at_london"] == "2026-06-04T09:00:07+01:00"
    assert last["deadline_london"] == "2026-06-05T00:00:00+01:00"
    assert last["deadline_text"] == "last day: Thu 4 Jun 2026 (London)"
