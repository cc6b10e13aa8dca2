"""Casework: the use cases an integrating force, the command line and the demo call.

Plain functions over a :class:`~spo_tracker.storage.Store`, each one unit of
work (one transaction, audited) and each taking the
:class:`~spo_tracker.storage.Actor` who acts (the cosmicpython "services"
shape): the CLI, the demo, the docs and an integrating force call these, never
a private module of another package::

    run = run_detection(store, at=now, actor=Actor("nightly-job", "ingest"))
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
  detection run, and notes it in the audit trail. By default it holds the open
  alerts identified in the last :data:`DEFAULT_PERIOD` (28 days);
  ``history=True`` for all.
- Review: officers work through the stored alerts. :func:`assign_case` records
  who manages an order's case (officer, unit, force); :func:`list_alerts` is
  the queue with its filters; :func:`assign_alert`, :func:`start_alert_review`
  and :func:`review_alert` move an alert's review through the breach-review
  lifecycle (a person decides: SPA2019 s.8(1)); :func:`alert_detail` shows an
  alert with its evidence and every review round; :func:`alert_titles` gives
  alerts' titles scrubbed as a report's are, for a listing (the queue and the
  detail are redacted so by default too).
- Permissions: every function here first asks the permission table
  (:mod:`spo_tracker.domain.permissions`) whether the actor's role may act; a
  refusal raises :class:`~spo_tracker.errors.PermissionDeniedError` and is audited.
- Retention (MoPI): :func:`retention_due` lists the cases due for review under a
  :class:`~spo_tracker.domain.retention.RetentionSchedule`; :func:`review_retention`
  records a decision to retain (with its reason and next review day) or to dispose,
  which erases the case's personal data (refused while an order is live or an alert
  open). See docs/retention.md.
- Case files: :func:`case_file` gathers one defendant's orders, notification
  duties, alerts with their review rounds and evidence (audited as a
  disclosure) as a :class:`spo_tracker.reports.CaseFile`; :func:`write_case_file`
  writes it as HTML, JSON or CSV (the evidence schedule), redacted as reports are.
- Data protection (DPA 2018 Part 3): every read of a person's record, report,
  case file and export is one consultation or disclosure entry naming the people
  it covered by id, with ``actor.purpose`` (s.62); :func:`person_audit_log` lists a
  person's entries; :func:`subject_access` and :func:`write_subject_access` export
  what is held about a person, third parties withheld (s.45(4)).
"""

from __future__ import annotations

from spo_tracker.casework._alert_entries import AlertDetail, AlertEntry, EvidenceItem, Timeliness
from spo_tracker.casework._appeals import AppealOutcome, decide_appeal, lodge_appeal
from spo_tracker.casework._applications import (
    decide_interim,
    grant_application,
    refuse_application,
    withdraw_application,
)
from spo_tracker.casework._auditlog import PersonAuditLine, person_audit_log
from spo_tracker.casework._casefile import CaseFileWritten, case_file, write_case_file
from spo_tracker.casework._commands import CaseResult
from spo_tracker.casework._detection import (
    ComplianceSource,
    DetectionRun,
    Progress,
    StoredRecords,
    dated_alerts,
    detect_stored,
    load_records,
    run_detection,
)
from spo_tracker.casework._intake import IntakeResult, OnDuplicate, ingest, ingest_compliance
from spo_tracker.casework._order_commands import (
    discharge_order,
    expire_order,
    renew_order,
    serve_order,
    vary_order,
)
from spo_tracker.casework._queue import alert_detail, attribution, decided_alert_ids, list_alerts
from spo_tracker.casework._report import (
    DEFAULT_PERIOD,
    DEFAULT_TITLE,
    ReportWritten,
    report_context,
    report_from_store,
    reports_from_store,
)
from spo_tracker.casework._retention import (
    CaseRetention,
    RetentionOutcome,
    retention_due,
    review_retention,
)
from spo_tracker.casework._review import (
    ReviewOutcome,
    assign_alert,
    assign_case,
    reopen_reviews,
    review_alert,
    start_alert_review,
)
from spo_tracker.casework._sar import (
    SUBJECT_ACCESS_FORMATS,
    SubjectAccess,
    SubjectAccessWritten,
    subject_access,
    write_subject_access,
)
from spo_tracker.casework._storing import AlertsStored, merge_alerts, store_alerts, stored_alerts
from spo_tracker.casework._titles import alert_titles

__all__ = [
    "DEFAULT_PERIOD",
    "DEFAULT_TITLE",
    "SUBJECT_ACCESS_FORMATS",
    "AlertDetail",
    "AlertEntry",
    "AlertsStored",
    "AppealOutcome",
    "CaseFileWritten",
    "CaseResult",
    "CaseRetention",
    "ComplianceSource",
    "DetectionRun",
    "EvidenceItem",
    "IntakeResult",
    "OnDuplicate",
    "PersonAuditLine",
    "Progress",
    "ReportWritten",
    "RetentionOutcome",
    "ReviewOutcome",
    "StoredRecords",
    "SubjectAccess",
    "SubjectAccessWritten",
    "Timeliness",
    "alert_detail",
    "alert_titles",
    "assign_alert",
    "assign_case",
    "attribution",
    "case_file",
    "dated_alerts",
    "decide_appeal",
    "decide_interim",
    "decided_alert_ids",
    "detect_stored",
    "discharge_order",
    "expire_order",
    "grant_application",
    "ingest",
    "ingest_compliance",
    "list_alerts",
    "load_records",
    "lodge_appeal",
    "merge_alerts",
    "person_audit_log",
    "refuse_application",
    "renew_order",
    "reopen_reviews",
    "report_context",
    "report_from_store",
    "reports_from_store",
    "retention_due",
    "review_alert",
    "review_retention",
    "run_detection",
    "serve_order",
    "start_alert_review",
    "store_alerts",
    "stored_alerts",
    "subject_access",
    "vary_order",
    "withdraw_application",
    "write_case_file",
    "write_subject_access",
]
