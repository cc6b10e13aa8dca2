"""The JSON report: a published, versioned format for other systems.

The shape is fixed by the JSON Schema shipped in this package
(``schema/breach-alert-report-<version>.schema.json``, draft 2020-12) and
published in the docs. Every field is written explicitly here rather than
dumped from the records, so the format changes only when the schema does.
Keys keep a fixed order. Every instant is ISO 8601 in UTC to the whole second
(``2026-03-14T07:02:00Z``) with its London wall-clock time beside it under the
same name plus ``_london`` (``2026-03-14T07:02:00+00:00``): both parse with
``datetime.fromisoformat``, ``pandas.to_datetime`` and Excel without options.
The same data gives byte-identical output. Version 2.0 (from 1.0): whole
seconds and ``Z``; the ``_london`` fields; ``occurred_at_london`` and a
deadline's ``at_london`` are ISO 8601 (they were display text); a deadline's
``text`` is the one wording of deadlines (``last day: Thu 4 Jun 2026 (London)``).
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any, Final

from spo_tracker import __version__
from spo_tracker.reports._time import iso_instant, london_iso
from spo_tracker.reports._view import (
    Deadline,
    DefendantActivity,
    EvidenceRow,
    OrderFacts,
    Report,
    ReportAlert,
    TermFacts,
)

__all__ = [
    "REPORT_FORMAT",
    "REPORT_SCHEMA_FILE",
    "REPORT_SCHEMA_VERSION",
    "render_json",
    "report_document",
    "report_schema",
]

#: The format's name, written in every document.
REPORT_FORMAT: Final = "spo-tracker/breach-alert-report"
#: The format version: minor for additions, major for anything that could break a reader.
REPORT_SCHEMA_VERSION: Final = "2.0"
#: The schema's file name inside the package (``spo_tracker/reports/schema/``).
REPORT_SCHEMA_FILE: Final = f"breach-alert-report-{REPORT_SCHEMA_VERSION}.schema.json"


@functools.cache
def _schema_text() -> str:
    return files("spo_tracker.reports").joinpath(f"schema/{REPORT_SCHEMA_FILE}").read_text("utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema of this version of the report format (a fresh copy)."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded


def _order(order: OrderFacts | None) -> dict[str, Any] | None:
    if order is None:
        return None
    return {
        "order_id": order.order_id,
        "kind": order.kind,
        "result_code": order.result_code,
        "state": order.state,
        "court": order.court,
        "made_on": order.made_on.isoformat(),
        "served_at": iso_instant(order.served_at),
        "served_at_london": london_iso(order.served_at),
        "ends_on": None if order.ends_on is None else order.ends_on.isoformat(),
        "appeal_pending": order.appeal_pending,
        "replaces_order_id": order.replaces_order_id,
    }


def _term(term: TermFacts | None) -> dict[str, Any] | None:
    if term is None:
        return None
    return {
        "term_id": term.term_id,
        "code": term.code,
        "title": term.title,
        "section": term.section,
        "text": term.text,
    }


def _evidence(row: EvidenceRow) -> dict[str, Any]:
    return {
        "incident_id": row.incident_id,
        "found": row.found,
        "occurred_at": iso_instant(row.occurred_at),
        "occurred_at_london": london_iso(row.occurred_at),
        "kind": row.kind,
        "platform": row.platform,
        "via_third_party": row.via_third_party,
        "summary": row.summary,
    }


def _deadline(deadline: Deadline) -> dict[str, Any]:
    return {
        "label": deadline.label,
        "at": iso_instant(deadline.at),
        "at_london": london_iso(deadline.at),
        "text": deadline.text,
    }


def _alert(item: ReportAlert) -> dict[str, Any]:
    a = item.alert
    return {
        "alert_id": a.alert_id,
        "rule_id": a.rule_id,
        "kind": a.kind.value,
        "severity": a.severity.value,
        "title": a.title,
        "explanation": a.explanation,
        "defendant_id": a.defendant_id,
        "defendant_name": item.defendant_name,
        "order_id": a.order_id,
        "term_id": a.term_id,
        "term_code": a.term_code,
        "section": a.section,
        "related_sections": list(a.related_sections),
        "cjs_code": a.cjs_code,
        "count": a.count,
        "first_seen": iso_instant(a.first_seen),
        "first_seen_london": london_iso(a.first_seen),
        "last_seen": iso_instant(a.last_seen),
        "last_seen_london": london_iso(a.last_seen),
        "breach_time": iso_instant(a.breach_time),
        "breach_time_london": london_iso(a.breach_time),
        "identified_at": iso_instant(a.identified_at),
        "identified_at_london": london_iso(a.identified_at),
        "deadline": iso_instant(a.deadline),
        "deadline_london": london_iso(a.deadline),
        "window_start": iso_instant(a.window_start),
        "window_start_london": london_iso(a.window_start),
        "window_end": iso_instant(a.window_end),
        "window_end_london": london_iso(a.window_end),
        "pre_service": a.pre_service,
        "appeal_pending": a.appeal_pending,
        "protected_persons": [{"person_id": p, "label": label} for p, label in item.persons],
        "evidence_ids": list(a.evidence_ids),
        "order": _order(item.order),
        "term": _term(item.term),
        "evidence": [_evidence(e) for e in item.evidence],
        "deadlines": [_deadline(d) for d in item.deadlines],
    }


def _defendant(activity: DefendantActivity) -> dict[str, Any]:
    return {
        "defendant_id": activity.defendant_id,
        "name": activity.name,
        "alert_ids": [anchor.removeprefix("alert-") for anchor, _ in activity.alert_anchors],
        "evidence_incidents": activity.total,
        "incidents_per_day": [
            {"day": d.day.isoformat(), "count": d.count} for d in activity.days if d.count
        ],
    }


def report_document(report: Report) -> dict[str, Any]:
    """The report as JSON-ready values, in the schema's shape and key order."""
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_SCHEMA_VERSION,
        "generator": f"spo-tracker {__version__}",
        "title": report.title,
        "generated_at": iso_instant(report.generated_at),
        "generated_at_london": london_iso(report.generated_at),
        "since": iso_instant(report.since),
        "since_london": london_iso(report.since),
        "redaction": {
            "protected_person_names": (
                "included" if report.include_protected_names else "redacted"
            ),
            "protected_person_addresses": "omitted",
            "locations": "omitted",
        },
        "summary": {
            "alerts": len(report.alerts),
            "defendants": len(report.defendants),
            "by_severity": dict(report.by_severity),
            "by_kind": dict(report.by_kind),
        },
        "alerts": [_alert(item) for item in report.alerts],
        "defendants": [_defendant(d) for d in report.defendants],
    }


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_json(report: Report) -> str:
    """The report as JSON text (UTF-8): one top-level key per line, one alert per line.

    Still one JSON document, but line-oriented so that two reports diff well;
    each line is encoded by the standard library's C encoder (an indented dump
    goes through its much slower pure-Python path).
    """
    items = list(report_document(report).items())
    lines = ["{"]
    for n, (key, value) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        if isinstance(value, list) and value:
            inner = ",\n".join(_compact(v) for v in value)
            lines.append(f"{_compact(key)}:[\n{inner}\n]{comma}")
        else:
            lines.append(f"{_compact(key)}:{_compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
