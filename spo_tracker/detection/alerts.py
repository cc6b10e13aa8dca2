"""The detection engine's alert id hashing, and a thin re-export of the alert record.

The alert record (:class:`~spo_tracker.domain.alerts.Alert`, its kinds,
severities, offence codes and ids) lives in the domain layer,
:mod:`spo_tracker.domain.alerts`, so that storage, events and interchange can
hold alerts without depending on detection. This module re-exports those names
unchanged so that ``from spo_tracker.detection.alerts import Alert`` keeps
working; new code should import them from :mod:`spo_tracker.domain.alerts`
(or from :mod:`spo_tracker.detection`, which exports them too).

What stays here is for the engine only: :func:`alert_id_prefix` /
:func:`alert_id_from`, which hash an id's shared parts once.
"""

from __future__ import annotations

import hashlib

from spo_tracker.domain.alerts import (
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


def alert_id_prefix(*parts: object) -> hashlib._Hash:
    """The hash state of :func:`alert_id_for` over ``parts`` and one more part to come.

    For ids that share all parts but the last (a term's alerts, one per window):
    hash the shared parts once, then :func:`alert_id_from` for each last part.
    """
    text = "".join(("\x00" if p is None else str(p)) + "\x1f" for p in parts)
    return hashlib.sha256(text.encode("utf-8"))


def alert_id_from(prefix: hashlib._Hash, last: object) -> str:
    """:func:`alert_id_for` of the prefix's parts followed by ``last``."""
    state = prefix.copy()
    state.update(("\x00" if last is None else str(last)).encode("utf-8"))
    return "AL-" + state.hexdigest()[:20]
