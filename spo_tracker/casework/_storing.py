"""Keeping alerts: upserted by their stable id, merged with what is stored, retried when
concurrent writers get in the way; and reading the kept alerts back.

What a detection run (:mod:`spo_tracker.casework._detection`) and
:func:`store_alerts` share: a run stores what it found through
:func:`stored_with_retry`, in one unit of work with its audit note.
"""

from __future__ import annotations

import datetime as _dt
import random
import time
from collections.abc import Callable, Iterable, Mapping

import attrs
import pendulum

from spo_tracker.casework._permission import authorised
from spo_tracker.casework._review import reopen_reviews
from spo_tracker.domain.alerts import Alert, sort_alerts
from spo_tracker.domain.statutory_time import ensure_aware, instant_before
from spo_tracker.errors import (
    ConcurrencyConflictError,
    DatabaseBusyError,
    DuplicateRecordError,
    InvalidValueError,
    StoreRetriesExhaustedError,
)
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = [
    "AlertsStored",
    "alerts_by_id",
    "kept_alerts",
    "merge_alerts",
    "store_alerts",
    "stored_alerts",
    "stored_with_retry",
]

#: How many times storing alerts is tried when concurrent writers get in the way.
_ATTEMPTS = 5
#: The pause before the second attempt, in seconds; it doubles with each attempt, and a
#: random share of it is taken, so two runs that collided do not collide again in step.
_PAUSE = 0.05
#: What a concurrent writer causes, so a fresh attempt can succeed: a duplicate key (it
#: added the alert first), a stale revision (it updated it first), a lock timeout, a
#: deadlock or a serialization failure (DatabaseBusyError). Any other error is the same
#: on every attempt, so it is raised at once.
_RETRIED = (DuplicateRecordError, ConcurrencyConflictError, DatabaseBusyError)


def _pause(attempt: int) -> None:
    """Wait a jittered, growing moment before attempt ``attempt + 1``."""
    time.sleep(random.uniform(0, _PAUSE * 2 ** (attempt - 1)))


@attrs.frozen
class AlertsStored:
    """What :func:`store_alerts` (or a detection run) did to the stored alerts.

    Attributes:
        new_ids: alerts not stored before, now added.
        updated_ids: alerts stored before that changed (more evidence, a new severity).
        unchanged_ids: alerts stored before exactly as they are now.
    """

    new_ids: tuple[str, ...] = ()
    updated_ids: tuple[str, ...] = ()
    unchanged_ids: tuple[str, ...] = ()

    @property
    def new(self) -> int:
        """How many alerts were added."""
        return len(self.new_ids)

    @property
    def updated(self) -> int:
        """How many stored alerts were updated."""
        return len(self.updated_ids)

    @property
    def unchanged(self) -> int:
        """How many stored alerts were left as they were."""
        return len(self.unchanged_ids)


def merge_alerts(stored: Alert, found: Alert) -> Alert:
    """The alert to keep when ``found`` is raised again over the ``stored`` one.

    A detection run judges each defendant it reads on the whole of their
    history before its ``at`` (a full run reads every defendant; an
    incremental one, those with incidents recorded since the last run or
    whose orders were created or changed since), so
    ``found`` is a complete judgement: it
    replaces everything detection put in the stored alert (evidence, count,
    first-seen, last-seen and breach times, severity, explanation, title,
    flags, protected persons, windows and deadline). Evidence can therefore
    shrink: an incident no longer attributed to the defendant leaves the
    alert. One thing is kept from the stored alert: an alert resting on dates
    alone (no evidence incidents) keeps the time it was first identified, so a
    nightly re-run at a later ``at`` does not churn it (an alert with evidence
    is identified when its evidence says, and takes ``found``'s time).

    Args:
        stored: the alert as stored.
        found: the same alert (same id) as raised now.

    Returns:
        ``stored`` itself when nothing would change, else the alert to store.

    Raises:
        InvalidValueError: either is not an Alert, or the two have different ids.
    """
    for name, value in (("stored", stored), ("found", found)):
        if not isinstance(value, Alert):
            raise InvalidValueError(name, value, "is not an Alert")
    if stored.alert_id != found.alert_id:
        raise InvalidValueError("alert_id", found.alert_id, f"is not {stored.alert_id!r}")
    merged = found
    if (
        not found.evidence_ids
        and not stored.evidence_ids
        and instant_before(stored.identified_at, found.identified_at)
    ):
        merged = attrs.evolve(found, identified_at=stored.identified_at)
    return stored if merged == stored else merged


def alerts_by_id(alerts: object) -> dict[str, Alert]:
    """The alerts by id, each checked to be an Alert given once."""
    if isinstance(alerts, (str, bytes, Mapping)) or not isinstance(alerts, Iterable):
        raise InvalidValueError("alerts", alerts, "is not a sequence of Alerts")
    by_id: dict[str, Alert] = {}
    for n, alert in enumerate(alerts):
        if not isinstance(alert, Alert):
            raise InvalidValueError(f"alerts[{n}]", alert, "is not an Alert")
        if alert.alert_id in by_id:
            raise InvalidValueError("alert_id", alert.alert_id, "appears twice")
        by_id[alert.alert_id] = alert
    return by_id


#: Alerts compared and written per step of an upsert: each step's row texts (about a
#: kilobyte an alert) are dropped before the next, so storing holds a step's worth of
#: them, not a whole run's (docs/performance.md, "Storing in steps").
_STEP = 5_000


def _upsert(
    uow: UnitOfWork, by_id: Mapping[str, Alert], reason: str, at: _dt.datetime
) -> AlertsStored:
    """Add the new alerts in bulk and replace the stored ones (see :func:`store_alerts`); a
    decided alert that gained evidence is re-opened (:func:`reopen_reviews`).

    In steps of :data:`_STEP` alerts, in id order, all in ``uow``: each step's comparison
    texts are dropped before the next step is compared (one ``alerts.created`` entry per
    step that adds any)."""
    new: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    grown: list[str] = []
    # One order for every run, so two runs updating the same alerts lock them in step.
    keys = sorted(by_id)
    for start in range(0, len(keys), _STEP):
        _upsert_step(
            uow,
            [by_id[k] for k in keys[start : start + _STEP]],
            reason,
            new,
            updated,
            unchanged,
            grown,
        )
    reopen_reviews(uow, grown, at=at, reason="new evidence on a decided alert")
    order = {key: n for n, key in enumerate(by_id)}  # report the ids in the order given

    def given(keys: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(keys, key=order.__getitem__))

    return AlertsStored(given(new), given(updated), given(unchanged))


def _upsert_step(
    uow: UnitOfWork,
    alerts: list[Alert],
    reason: str,
    new_ids: list[str],
    updated_ids: list[str],
    unchanged_ids: list[str],
    grown: list[str],
) -> None:
    """One step of :func:`_upsert`: ``alerts`` (in id order) compared, merged and written;
    their ids appended to the lists given."""
    # The stored alerts and their revisions in one read (one query per 500): each update is
    # checked against the very revision its merge was built from, so a concurrent change is
    # never overwritten. An alert stored exactly as found (the same row text) is unchanged
    # without being built: merging it would give the stored one back.
    stored, same = uow.alerts.get_many_unless_same(alerts)
    new, changed = [], []
    for found in alerts:
        key = found.alert_id
        if key in same:
            unchanged_ids.append(key)
            continue
        if key not in stored:
            new.append(found)
            continue
        before = stored[key][0]
        merged = merge_alerts(before, found)
        if merged is before:
            unchanged_ids.append(key)
            continue
        changed.append(merged)
        if not set(merged.evidence_ids) <= set(before.evidence_ids):
            grown.append(key)
    # Each written only over the revision read above (one audit entry each), in that order.
    uow.alerts.update_many(changed, reason=reason)
    updated_ids.extend(a.alert_id for a in changed)
    uow.add_alerts(new, reason=reason)
    new_ids.extend(a.alert_id for a in new)


def stored_with_retry(
    store: Store,
    by_id: Mapping[str, Alert],
    *,
    actor: Actor,
    at: _dt.datetime,
    reason: str,
    guard: Callable[[], None] | None = None,
    note: Callable[[UnitOfWork, AlertsStored], None] | None = None,
) -> AlertsStored:
    """Store in one unit of work; on a concurrent writer's error, roll back, pause, read
    afresh and try again, up to ``_ATTEMPTS`` times in all."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with store.unit_of_work(actor, at=at) as uow:
                if guard is not None:
                    guard()
                done = _upsert(uow, by_id, reason, at)
                if note is not None:
                    note(uow, done)
                uow.commit()
                return done
        except _RETRIED as error:
            if attempt == _ATTEMPTS:
                raise StoreRetriesExhaustedError(attempt, error) from error
            _pause(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def store_alerts(
    store: Store, alerts: Iterable[Alert], *, actor: Actor, at: _dt.datetime, reason: str = ""
) -> AlertsStored:
    """Upsert alerts by their stable id, in one unit of work, every change audited.

    Alert ids are stable, so a re-run finds the alerts it stored before: the new
    alerts are added in bulk (one ``alerts.created`` audit entry for each step
    of 5,000 alerts: the alerts are compared and written in steps, in id order,
    all in the one unit of work), a stored one is replaced by the one found now
    (:func:`merge_alerts`) if that changes it, else left alone. Alerts stored
    earlier but not raised now are kept (they were raised once; a review decides
    what becomes of them). A stored alert whose review is decided and that gains
    evidence is re-opened: a new FLAGGED review round names the decided one,
    which stays on record (:func:`~spo_tracker.casework.reopen_reviews`). Each
    update is checked against the revision it was built from. If a concurrent
    writer gets in the way (it stored or changed one of these alerts first,
    holds a lock, or deadlocks with this one), the whole unit of work is rolled
    back and tried again over what is now stored, after a short jittered pause,
    up to five times in all.

    Args:
        store: where the alerts are kept.
        alerts: the alerts found, each id at most once.
        actor: who is storing them, for the audit trail.
        at: when, for the audit trail.
        reason: why, for the audit trail.

    Returns:
        The ids added, updated and left unchanged.

    Raises:
        InvalidValueError: ``alerts`` is not a sequence of alerts, or an id appears
            twice (nothing is stored).
        NaiveDatetimeError: ``at`` has no time zone.
        ConstraintViolationError: an alert refers to a record that is not stored
            (not retried: nothing is stored).
        StoreRetriesExhaustedError: concurrent writers got in the way of every attempt
            (nothing is stored; storing again is safe).
    """
    when = ensure_aware(at, field="at")
    authorised(store, actor, "store_alerts", at=when)
    return stored_with_retry(store, alerts_by_id(alerts), actor=actor, at=when, reason=reason)


def stored_alerts(store: Store, *, actor: Actor, at: _dt.datetime) -> tuple[Alert, ...]:
    """The alerts kept in the store (by a detection run or the demo) that were identified
    by ``at``, sorted: a report of them needs no new detection run.

    Args:
        store: the store to read.
        actor: who is reading, for the unit of work.
        at: keep the alerts identified at or before this instant.

    Returns:
        The stored alerts identified by ``at``, sorted.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """
    until = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=until) as uow:
        uow.authorise("stored_alerts")
        return kept_alerts(uow, until)


def kept_alerts(uow: UnitOfWork, until: pendulum.DateTime) -> tuple[Alert, ...]:
    """:func:`stored_alerts` in ``uow``, unchecked: for a caller that was authorised for
    an action whose output shows no raw alert (an analyst's pseudonymised report)."""
    kept = uow.alerts.get_many(uow.alerts.ids())  # one query per 500, not one per alert
    # Instants, not wall clocks: 01:50 BST is before 01:10 GMT in the repeated autumn hour.
    return tuple(
        sort_alerts([a for a in kept.values() if not instant_before(until, a.identified_at)])
    )
