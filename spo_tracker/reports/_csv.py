"""The CSV report: one row per alert, a stable column order, for spreadsheets and systems.

Columns are :data:`CSV_COLUMNS`, always in that order; new columns are only
ever appended. Lists are joined with ``"; "`` (evidence ids with a space).
Instants are ISO 8601 in UTC to the whole second (``2026-03-14T07:02:00Z``); the
columns appended in 2.0 give each one's London wall-clock time with its offset
(``first_seen_london``: ``2026-03-14T07:02:00+00:00``), which ``pandas.to_datetime``
and Excel read without options, and the deadline in words (``deadline_text``:
``last day: Thu 4 Jun 2026 (London)``). Text cells that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
get a leading apostrophe, the usual defence against CSV injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Final

from spo_tracker.reports._time import iso_instant, london_iso
from spo_tracker.reports._view import Report, ReportAlert

__all__ = ["CSV_COLUMNS", "render_csv"]

_Cell = Callable[[ReportAlert], "str | int | bool | None"]


def _join(values: tuple[str, ...] | list[str], sep: str = "; ") -> str:
    return sep.join(values)


_COLUMNS: Final[tuple[tuple[str, _Cell], ...]] = (
    ("alert_id", lambda r: r.alert.alert_id),
    ("severity", lambda r: r.alert.severity.value),
    ("kind", lambda r: r.alert.kind.value),
    ("rule_id", lambda r: r.alert.rule_id),
    ("title", lambda r: r.alert.title),
    ("defendant_id", lambda r: r.alert.defendant_id),
    ("defendant_name", lambda r: r.defendant_name),
    ("order_id", lambda r: r.alert.order_id),
    ("order_kind", lambda r: None if r.order is None else r.order.kind),
    ("term_id", lambda r: r.alert.term_id),
    ("term_code", lambda r: r.alert.term_code),
    ("term_text", lambda r: None if r.term is None else r.term.text),
    ("section", lambda r: r.alert.section),
    ("related_sections", lambda r: _join(r.alert.related_sections)),
    ("cjs_code", lambda r: r.alert.cjs_code),
    ("count", lambda r: r.alert.count),
    ("first_seen", lambda r: iso_instant(r.alert.first_seen)),
    ("last_seen", lambda r: iso_instant(r.alert.last_seen)),
    ("breach_time", lambda r: iso_instant(r.alert.breach_time)),
    ("identified_at", lambda r: iso_instant(r.alert.identified_at)),
    ("deadline", lambda r: iso_instant(r.alert.deadline)),
    ("pre_service", lambda r: r.alert.pre_service),
    ("appeal_pending", lambda r: r.alert.appeal_pending),
    ("protected_persons", lambda r: _join([label for _, label in r.persons])),
    ("evidence_ids", lambda r: _join(r.alert.evidence_ids, " ")),
    ("explanation", lambda r: r.alert.explanation),
    ("first_seen_london", lambda r: london_iso(r.alert.first_seen)),
    ("last_seen_london", lambda r: london_iso(r.alert.last_seen)),
    ("breach_time_london", lambda r: london_iso(r.alert.breach_time)),
    ("identified_at_london", lambda r: london_iso(r.alert.identified_at)),
    ("deadline_london", lambda r: london_iso(r.alert.deadline)),
    ("deadline_text", lambda r: r.deadline_text or None),
)

#: The CSV header, in order.
CSV_COLUMNS: Final = tuple(name for name, _ in _COLUMNS)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | int | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(report: Report) -> str:
    """The report as CSV text: a header row, then one row per alert in report order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in report.alerts:
        writer.writerow([_cell(get(item)) for _, get in _COLUMNS])
    return out.getvalue()
