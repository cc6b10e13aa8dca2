"""The CSV report: one row per alert, a stable column order, parseable by the csv module."""

from __future__ import annotations

import csv
import io

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
    import attrs

    hostile = attrs.evolve(w.alerts[0], title='=HYPERLINK("http://x")', explanation="@SUM(1)")
    parsed = rows(render(build_report([hostile], w.context, now=NOW), "csv"))
    assert parsed[0]["title"] == '\'=HYPERLINK("http://x")'
    assert parsed[0]["explanation"] == "'@SUM(1)"
