"""Casework: the use cases an integrating force, the command line and the demo call.

Plain functions over a :class:`~spo_tracker.storage.Store`, each one unit of
work (one transaction, audited) and each taking the
:class:`~spo_tracker.storage.Actor` who acts (the cosmicpython "services"
shape)::

    run = run_detection(store, at=now, actor=Actor("nightly-job", "system"))
    print(run.stored.new, run.stored.updated, run.stored.unchanged)
    report_from_store(store, at=now, actor=actor, fmt="html", output="alerts.html",
                      stored=True)

Detection: :func:`run_detection` runs every rule (term breaches with the
protected persons' places, patterns, the dated checks) and upserts the alerts
by their stable id, so running it again changes nothing and two runs at once
both finish. :func:`load_records`, :func:`detect_stored`, :func:`dated_alerts`,
:func:`store_alerts` and :func:`stored_alerts` are its steps, public for
callers who need one of them alone.

Reports: :func:`report_from_store` (and :func:`reports_from_store` for several
formats at once) writes a report of the stored alerts, or of a fresh detection
run, and notes it in the audit trail.
"""

from __future__ import annotations

from spo_tracker.casework._detection import (
    AlertsStored,
    ComplianceSource,
    DetectionRun,
    Progress,
    StoredRecords,
    dated_alerts,
    detect_stored,
    load_records,
    merge_alerts,
    run_detection,
    store_alerts,
    stored_alerts,
)
from spo_tracker.casework._report import (
    DEFAULT_TITLE,
    ReportWritten,
    report_context,
    report_from_store,
    reports_from_store,
)

__all__ = [
    "DEFAULT_TITLE",
    "AlertsStored",
    "ComplianceSource",
    "DetectionRun",
    "Progress",
    "ReportWritten",
    "StoredRecords",
    "dated_alerts",
    "detect_stored",
    "load_records",
    "merge_alerts",
    "report_context",
    "report_from_store",
    "reports_from_store",
    "run_detection",
    "store_alerts",
    "stored_alerts",
]
