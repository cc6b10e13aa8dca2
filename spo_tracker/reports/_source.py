"""Reports from a store: load the records, run detection, keep the alerts, gather evidence.

This is the use case behind ``spo-tracker scan`` and ``spo-tracker report``
(and the demo): read every order, defendant, protected person and
notification duty from a :class:`~spo_tracker.storage.Store`, stream the
stored incidents through a :class:`~spo_tracker.detection.engine.Detector`,
add the alerts that rest on dates (positive requirements not met and sign-on
days missed, interim orders near their end, renewal reviews, notification
failures and deadlines), store the alerts (new ones in bulk), read stored
alerts back for a report without detecting again, and look up the evidence
incidents of the alerts to report. Memory stays bounded by the number of
records and alerts, not incidents.

Compliance records (a requirement met, a sign-on made) are read order by
order, only for the orders with a positive requirement or sign-on schedule,
and only those met by ``at``: memory holds one order's records at a time, not
the millions a force's daily sign-ons add up to.

Protected persons are loaded with their restricted details, because the
approach rule needs their places and redaction needs their addresses; each of
those reads is written to the audit trail with its reason. The details never
leave this process in a report (see :mod:`spo_tracker.reports._redact`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator

import attrs

from spo_tracker.detection.alerts import Alert, sort_alerts
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.dated import (
    ComplianceRecord,
    interim_ending_alerts,
    notification_alerts,
    renewal_review_alerts,
    requirement_alerts,
)
from spo_tracker.detection.engine import Detector, ScanResult
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.statutory_time import ensure_aware, instant_before
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.reports._view import ReportContext
from spo_tracker.storage import Actor, Store, scan_incidents

__all__ = [
    "AlertsStored",
    "ComplianceSource",
    "Progress",
    "StoredRecords",
    "dated_alerts",
    "detect_stored",
    "load_records",
    "report_context",
    "store_alerts",
    "stored_alerts",
]

#: Receives one line of progress for people (the command line prints it on stderr).
Progress = Callable[[str], None]
#: Gives the compliance records of one order (those met by the instant checked are enough).
ComplianceSource = Callable[[Order], Iterable[ComplianceRecord]]

_EVERY = 50_000
_RESTRICTED_REASON = "breach detection (approach rule) and report redaction"


def _quiet(_: str) -> None:
    """The default progress sink: says nothing."""


@attrs.frozen
class StoredRecords:
    """Every order, defendant, protected person and notification duty in a store.

    Attributes:
        orders: every order, by id order.
        defendants: every defendant, by id order.
        protected_persons: every protected person with restricted details, by id order.
        duties: every notification duty, by id order.
    """

    orders: tuple[Order, ...]
    defendants: tuple[Defendant, ...]
    protected_persons: tuple[ProtectedPerson, ...]
    duties: tuple[NotificationDuty, ...] = ()


def load_records(store: Store, *, actor: Actor, at: _dt.datetime) -> StoredRecords:
    """Read every order, defendant, protected person and duty (restricted reads are audited).

    Args:
        actor: who is reading, for the audit trail.
        at: when, for the audit trail.
    """
    with store.unit_of_work(actor, at=at) as uow:
        orders = tuple(uow.orders.get(k) for k in uow.orders.ids())
        defendants = tuple(uow.defendants.get(k) for k in uow.defendants.ids())
        persons = tuple(
            uow.protected_persons.get(k, reason=_RESTRICTED_REASON)
            for k in uow.protected_persons.ids()
        )
        duties = tuple(uow.notification_duties.get(k) for k in uow.notification_duties.ids())
    return StoredRecords(orders, defendants, persons, duties)


def _counted(items: Iterable[Incident], progress: Progress, what: str) -> Iterator[Incident]:
    count = 0
    for count, incident in enumerate(items, start=1):
        if count % _EVERY == 0:
            progress(f"  {what}: {count:,} incidents")
        yield incident
    progress(f"  {what}: {count:,} incidents, done")


def _has_requirements(order: Order) -> bool:
    """Whether any version of ``order`` has a positive requirement or sign-on schedule."""
    return any(
        isinstance(t, (PositiveRequirement, SignOnSchedule))
        for v in order.versions
        for t in v.terms
    )


def dated_alerts(
    records: StoredRecords,
    *,
    at: _dt.datetime,
    compliance: ComplianceSource,
    config: DetectionConfig | None = None,
) -> list[Alert]:
    """Alerts that rest on dates as of ``at``: positive requirements not met by their due
    day and sign-on days missed (SPA2019 s.1(2)(b), s.8(1)), interim orders ending
    (s.5(6)), renewal reviews (s.4) and notification failures or deadlines (s.9-s.11).

    Args:
        compliance: the compliance records of an order; asked only for the orders with a
            positive requirement or sign-on schedule, one order at a time.
    """
    orders = records.orders
    found: list[Alert] = []
    for order in orders:
        if _has_requirements(order):
            found += requirement_alerts([order], compliance(order), at, config=config)
    found += interim_ending_alerts(orders, at, config=config)
    found += renewal_review_alerts(orders, at, config=config)
    by_id = {o.order_id: o for o in orders}
    found += notification_alerts(records.duties, at, config=config, orders=by_id)
    return found


def detect_stored(
    store: Store,
    records: StoredRecords,
    *,
    actor: Actor,
    at: _dt.datetime,
    config: DetectionConfig | None = None,
    progress: Progress = _quiet,
) -> ScanResult:
    """Run breach detection over the incidents stored before ``at`` (streamed, oldest
    first), plus the dated alerts as of ``at`` with the stored compliance records; alerts
    sorted.

    Args:
        actor: who is reading the compliance records (a unit of work needs one; reading
            them writes nothing to the audit trail).

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """
    until = ensure_aware(at, field="at")
    detector = Detector(
        records.orders,
        records.defendants,
        config=config,
        protected_persons=records.protected_persons,
    )
    stream = scan_incidents(store, until=until)
    found = detector.scan(_counted(stream, progress, "detection"))
    with store.unit_of_work(actor, at=until) as uow:

        def met(order: Order) -> list[ComplianceRecord]:
            return uow.compliance.for_order(order.order_id, until=until)

        dated = dated_alerts(records, at=until, compliance=met, config=config)
    alerts = tuple(sort_alerts([*found.alerts, *dated]))
    return ScanResult(alerts, found.unattributed, found.incidents_seen)


@attrs.frozen
class AlertsStored:
    """What :func:`store_alerts` did.

    Attributes:
        added: alerts not stored before.
        updated: alerts stored before whose content changed (e.g. more evidence).
        unchanged: alerts stored before exactly as they are now.
    """

    added: int
    updated: int
    unchanged: int


def store_alerts(
    store: Store, alerts: Iterable[Alert], *, actor: Actor, at: _dt.datetime, reason: str = ""
) -> AlertsStored:
    """Keep the alerts in the store, in one unit of work, every change audited.

    Alert ids are stable, so a re-run finds the alerts it stored before: the
    new alerts are added in bulk (one ``alerts.created`` audit entry for them
    all), a grown one (more evidence) is updated, an unchanged one is left
    alone. Alerts stored earlier but not raised now are kept (they were raised
    once; a review decides what becomes of them).
    """
    new: list[Alert] = []
    updated = unchanged = 0
    with store.unit_of_work(actor, at=at) as uow:
        known = set(uow.alerts.ids())
        for alert in alerts:
            if alert.alert_id not in known:
                new.append(alert)
            elif uow.alerts.get(alert.alert_id) != alert:
                uow.alerts.update(alert, reason=reason)
                updated += 1
            else:
                unchanged += 1
        uow.add_alerts(new, reason=reason)
        uow.commit()
    return AlertsStored(len(new), updated, unchanged)


def stored_alerts(store: Store, *, actor: Actor, at: _dt.datetime) -> tuple[Alert, ...]:
    """The alerts kept in the store (by ``scan`` or the demo) that were identified by
    ``at``, sorted: a report of them needs no new detection run.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """
    until = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=until) as uow:
        kept = uow.alerts.get_many(uow.alerts.ids())  # one query per 500, not one per alert
    # Instants, not wall clocks: 01:50 BST is before 01:10 GMT in the repeated autumn hour.
    return tuple(
        sort_alerts([a for a in kept.values() if not instant_before(until, a.identified_at)])
    )


def report_context(
    store: Store,
    records: StoredRecords,
    alerts: Iterable[Alert],
    *,
    actor: Actor,
    at: _dt.datetime,
) -> ReportContext:
    """The records a report of ``alerts`` needs, with their evidence incidents (looked up
    by id in the store)."""
    wanted = sorted({i for a in alerts for i in a.evidence_ids})
    with store.unit_of_work(actor, at=at) as uow:
        incidents = uow.find_incidents(wanted) if wanted else {}
    return ReportContext(
        orders={o.order_id: o for o in records.orders},
        defendants={d.defendant_id: d for d in records.defendants},
        protected_persons={p.person_id: p for p in records.protected_persons},
        incidents=incidents,
    )
