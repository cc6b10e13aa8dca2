"""Suspected-breach detection and alerts.

Build a :class:`Detector` from orders, defendants and a :class:`DetectionConfig`;
``check`` one incident, ``scan`` a stream (or :func:`scan_parallel` incidents in
memory across processes), or fold incidents with a ``tracker()``;
``dated_alerts`` for requirements, notification, interim orders and renewal
reviews. Every alert is an :class:`Alert`. Software only
flags a suspected breach for review: "without reasonable excuse" is for a
court (SPA2019 s.8(1)).

Detection lives outside :mod:`spo_tracker.domain` because it is a use case over
domain records; like the domain it imports nothing from storage.
"""

from __future__ import annotations

from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.dated import (
    interim_ending_alerts,
    notification_alerts,
    renewal_review_alerts,
    requirement_alerts,
)
from spo_tracker.detection.engine import (
    AlertTracker,
    CheckResult,
    Detector,
    ScanResult,
    SuspectedBreach,
)
from spo_tracker.detection.intake import incident_from_record
from spo_tracker.detection.parallel import scan_parallel
from spo_tracker.detection.resolution import IdentityIndex, Unattributed, UnattributedReason
from spo_tracker.detection.rules import (
    BREACH_SECTION,
    PRESENCE_KINDS,
    RULES,
    RULES_BY_ID,
    TermRule,
    suspected_breaches,
    term_bites,
)
from spo_tracker.domain.alerts import (
    BREACH_CODE,
    NOTIFICATION_CODES,
    Alert,
    AlertKind,
    Severity,
    alert_id_for,
    sort_alerts,
)
from spo_tracker.domain.compliance import ComplianceRecord

__all__ = [
    "BREACH_CODE",
    "BREACH_SECTION",
    "NOTIFICATION_CODES",
    "PRESENCE_KINDS",
    "RULES",
    "RULES_BY_ID",
    "Alert",
    "AlertKind",
    "AlertTracker",
    "CheckResult",
    "ComplianceRecord",
    "DetectionConfig",
    "Detector",
    "IdentityIndex",
    "ScanResult",
    "Severity",
    "SuspectedBreach",
    "TermRule",
    "Unattributed",
    "UnattributedReason",
    "alert_id_for",
    "incident_from_record",
    "interim_ending_alerts",
    "notification_alerts",
    "renewal_review_alerts",
    "requirement_alerts",
    "scan_parallel",
    "sort_alerts",
    "suspected_breaches",
    "term_bites",
]
