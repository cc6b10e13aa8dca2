"""The detection engine's fast alert builders, and a thin re-export of the alert record.

The alert record (:class:`~spo_tracker.domain.alerts.Alert`, its kinds,
severities, offence codes and ids) lives in the domain layer,
:mod:`spo_tracker.domain.alerts`, so that storage, events and interchange can
hold alerts without depending on detection. This module re-exports those names
unchanged so that ``from spo_tracker.detection.alerts import Alert`` keeps
working; new code should import them from :mod:`spo_tracker.domain.alerts`
(or from :mod:`spo_tracker.detection`, which exports them too).

What stays here is for the engine only: :func:`unchecked_alert`, which builds an
alert without its validators, and :func:`alert_id_prefix` /
:func:`alert_id_from`, which hash an id's shared parts once.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Final

import pendulum

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


_put: Final = object.__setattr__
_new: Final = object.__new__


def unchecked_alert(
    *,
    alert_id: str,
    rule_id: str,
    kind: AlertKind,
    severity: Severity,
    defendant_id: str,
    order_id: str | None = None,
    term_id: str | None = None,
    term_code: str | None = None,
    section: str,
    related_sections: tuple[str, ...] = (),
    cjs_code: str | None = None,
    title: str,
    explanation: str,
    evidence_ids: tuple[str, ...] = (),
    count: int = 1,
    first_seen: pendulum.DateTime | None = None,
    last_seen: pendulum.DateTime | None = None,
    breach_time: pendulum.DateTime | None = None,
    identified_at: pendulum.DateTime,
    deadline: pendulum.DateTime | None = None,
    window_start: pendulum.DateTime | None = None,
    window_end: pendulum.DateTime | None = None,
    pre_service: bool = False,
    appeal_pending: bool = False,
    protected_person_ids: tuple[str, ...] = (),
) -> Alert:
    """Build an alert without running the validators: for the detection engine only.

    The engine creates hundreds of thousands of alerts in a force-scale scan and
    builds every value valid by construction (aware UTC instants, unique
    evidence, ``count == len(evidence_ids)``, tuples); the tests check that every
    alert it produces survives :meth:`Alert.from_dict` of its :meth:`Alert.as_dict`,
    which does run them. Anyone else should call :class:`Alert` itself.

    One keyword-only parameter per field, written out (a test checks they match
    :class:`Alert`'s fields and defaults), and one slot store each: a call with
    keywords then builds no dictionary, which a loop over the fields would.
    """
    alert = _new(Alert)
    _put(alert, "alert_id", alert_id)
    _put(alert, "rule_id", rule_id)
    _put(alert, "kind", kind)
    _put(alert, "severity", severity)
    _put(alert, "defendant_id", defendant_id)
    _put(alert, "order_id", order_id)
    _put(alert, "term_id", term_id)
    _put(alert, "term_code", term_code)
    _put(alert, "section", section)
    _put(alert, "related_sections", related_sections)
    _put(alert, "cjs_code", cjs_code)
    _put(alert, "title", title)
    _put(alert, "explanation", explanation)
    _put(alert, "evidence_ids", evidence_ids)
    _put(alert, "count", count)
    _put(alert, "first_seen", first_seen)
    _put(alert, "last_seen", last_seen)
    _put(alert, "breach_time", breach_time)
    _put(alert, "identified_at", identified_at)
    _put(alert, "deadline", deadline)
    _put(alert, "window_start", window_start)
    _put(alert, "window_end", window_end)
    _put(alert, "pre_service", pre_service)
    _put(alert, "appeal_pending", appeal_pending)
    persons = protected_person_ids
    if len(persons) > 1 and any(a >= b for a, b in itertools.pairwise(persons)):
        persons = tuple(sorted(set(persons)))
    _put(alert, "protected_person_ids", persons)
    return alert


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
