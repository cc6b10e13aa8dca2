"""Suspected-breach detection and alerts (issue 3).

Detection lives outside :mod:`spo_tracker.domain` because it is a use case over
domain records, but like the domain it imports nothing from storage.
"""

from __future__ import annotations

from spo_tracker.detection.alerts import (
    BREACH_CODE,
    NOTIFICATION_CODES,
    Alert,
    AlertKind,
    Severity,
    alert_id_for,
    sort_alerts,
)

__all__ = [
    "BREACH_CODE",
    "NOTIFICATION_CODES",
    "Alert",
    "AlertKind",
    "Severity",
    "alert_id_for",
    "sort_alerts",
]
