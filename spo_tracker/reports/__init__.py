"""Breach-alert reports: HTML for officers, JSON and CSV for systems.

Build a :class:`Report` once with :func:`build_report` from alerts and the
records they refer to, then render it in any of :data:`FORMATS`::

    report = build_report(result.alerts, context, now=now)
    write_report(report, "html", "alerts.html")

What every format guarantees:

- **Redaction**: protected persons' addresses and whereabouts never appear,
  nor does any coordinate; their names are replaced by ``Protected person
  <id>`` unless ``include_protected_names=True`` (internal use only).
- **Determinism**: the same data and ``now`` give byte-identical output; the
  wall clock is never read.
- **Atomic writes**: :func:`write_report` renders first, then writes a
  temporary file beside the target and renames it; on any error no partial
  file is left behind.

The JSON format is versioned (:data:`REPORT_SCHEMA_VERSION`) and described by the
JSON Schema shipped in this package (:func:`report_schema`).

A defendant's case file (:class:`CaseFile`: the time axis, the terms in force
and the evidence schedule) is redacted once by :func:`case_file_view` and
rendered by :func:`render_case_file`.

This package renders only: the reports of a store's alerts (loading the
records, detecting or reading the stored alerts, writing and auditing the
files) are :func:`spo_tracker.casework.report_from_store`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from spo_tracker.domain.redaction import ForceScrubber, Redactor, redacted_label
from spo_tracker.errors import UnknownCodeError
from spo_tracker.reports._casefile import (
    CASEFILE_FORMAT,
    EVIDENCE_COLUMNS,
    CaseAlert,
    CaseEvidence,
    CaseFile,
    CaseFileView,
    TermsPeriod,
    TimelineEntry,
    case_file_view,
    render_case_file,
)
from spo_tracker.reports._csv import CSV_COLUMNS, render_csv
from spo_tracker.reports._gc import paused_gc
from spo_tracker.reports._html import render_html
from spo_tracker.reports._json import (
    REPORT_FORMAT,
    REPORT_SCHEMA_FILE,
    REPORT_SCHEMA_VERSION,
    render_json,
    report_document,
    report_schema,
)
from spo_tracker.reports._time import last_day_text, london_iso, london_text
from spo_tracker.reports._view import Report, ReportAlert, ReportContext, build_report
from spo_tracker.reports._write import StagedFile, stage_file, write_atomic

__all__ = [
    "CASEFILE_FORMAT",
    "CSV_COLUMNS",
    "EVIDENCE_COLUMNS",
    "FORMATS",
    "REPORT_FORMAT",
    "REPORT_SCHEMA_FILE",
    "REPORT_SCHEMA_VERSION",
    "CaseAlert",
    "CaseEvidence",
    "CaseFile",
    "CaseFileView",
    "ForceScrubber",
    "Redactor",
    "Report",
    "ReportAlert",
    "ReportContext",
    "StagedFile",
    "TermsPeriod",
    "TimelineEntry",
    "build_report",
    "case_file_view",
    "check_format",
    "last_day_text",
    "london_iso",
    "london_text",
    "redacted_label",
    "render",
    "render_case_file",
    "render_csv",
    "render_html",
    "render_json",
    "report_document",
    "report_schema",
    "stage_file",
    "write_atomic",
    "write_report",
]

#: The output formats, by name.
FORMATS: Final = ("html", "json", "csv")


def check_format(fmt: str) -> str:
    """``fmt`` if it is one of :data:`FORMATS`.

    Raises:
        UnknownCodeError: naming the format and the known ones.
    """
    if fmt not in FORMATS:
        raise UnknownCodeError("format", fmt, FORMATS)
    return fmt


def render(report: Report, fmt: str) -> str:
    """The report as text in format ``fmt`` (``html``, ``json`` or ``csv``).

    Raises:
        UnknownCodeError: ``fmt`` is not one of :data:`FORMATS`.
    """
    fmt = check_format(fmt)
    with paused_gc():  # many small acyclic objects: see _gc
        if fmt == "html":
            return render_html(report, schema_version=REPORT_SCHEMA_VERSION)
        if fmt == "json":
            return render_json(report)
        return render_csv(report)


def write_report(report: Report, fmt: str, path: str | os.PathLike[str]) -> Path:
    """Render ``report`` as ``fmt`` and write it to ``path`` atomically (UTF-8).

    Returns:
        The path written.

    Raises:
        UnknownCodeError: ``fmt`` is not one of :data:`FORMATS` (nothing is written).
        OutputWriteError: the file cannot be written; no partial file is left behind.
    """
    text = render(report, fmt)
    # A lone surrogate (never valid Unicode text) is written as its escape, not refused.
    return write_atomic(path, text.encode("utf-8", errors="backslashreplace"))
