"""Casework: the use cases an integrating force, the command line and the demo call.

Plain functions over a :class:`~spo_tracker.storage.Store`, each one unit of
work (one transaction, audited) and each taking the
:class:`~spo_tracker.storage.Actor` who acts (the cosmicpython "services"
shape): the CLI, the demo, the docs and an integrating force call these, never
a private module of another package::

    run = run_detection(store, at=now, actor=Actor("nightly-job", "system"))
    print(run.stored.new, run.stored.updated, run.stored.unchanged)
    report_from_store(store, at=now, actor=actor, fmt="html", output="alerts.html",
                      stored=True)

- Case commands: serve, vary, renew, discharge, expire and appeal an order by
  id; grant, refuse or withdraw an application and decide an interim
  application. Each keeps the records the Act ties together in step in the
  same transaction (an order and its notification duty, SPA2019 s.9(1); an
  application and its interim orders, s.5(6)(b)) and takes an optional
  ``expected_revision``.
- Intake: :func:`ingest` of incidents and :func:`ingest_compliance` of
  compliance records, idempotent: what is already stored as it is is skipped
  and counted.
- Detection: :func:`run_detection` runs every rule (term breaches with the
  protected persons' places, patterns, the dated checks) and upserts the
  alerts by their stable id, so running it again changes nothing and two runs
  at once both finish. :func:`load_records`, :func:`detect_stored`,
  :func:`dated_alerts`, :func:`store_alerts` and :func:`stored_alerts` are its
  steps, public for callers who need one of them alone.
- Reports: :func:`report_from_store` (and :func:`reports_from_store` for
  several formats at once) writes a report of the stored alerts, or of a fresh
  detection run, and notes it in the audit trail.
"""

from __future__ import annotations

from spo_tracker.casework._commands import (
    AppealOutcome,
    CaseResult,
    decide_appeal,
    decide_interim,
    discharge_order,
    expire_order,
    grant_application,
    lodge_appeal,
    refuse_application,
    renew_order,
    serve_order,
    vary_order,
    withdraw_application,
)
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
from spo_tracker.casework._intake import IntakeResult, OnDuplicate, ingest, ingest_compliance
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
    "AppealOutcome",
    "CaseResult",
    "ComplianceSource",
    "DetectionRun",
    "IntakeResult",
    "OnDuplicate",
    "Progress",
    "ReportWritten",
    "StoredRecords",
    "dated_alerts",
    "decide_appeal",
    "decide_interim",
    "detect_stored",
    "discharge_order",
    "expire_order",
    "grant_application",
    "ingest",
    "ingest_compliance",
    "load_records",
    "lodge_appeal",
    "merge_alerts",
    "refuse_application",
    "renew_order",
    "report_context",
    "report_from_store",
    "reports_from_store",
    "run_detection",
    "serve_order",
    "store_alerts",
    "stored_alerts",
    "vary_order",
    "withdraw_application",
]
