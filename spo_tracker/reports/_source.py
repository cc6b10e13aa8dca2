"""Reports from a store: load the records, run detection, gather the evidence.

This is the use case behind ``spo-tracker scan`` and ``spo-tracker report``
(and the demo): read every order, defendant and protected person from a
:class:`~spo_tracker.storage.Store`, stream the stored incidents through a
:class:`~spo_tracker.detection.engine.Detector`, then stream them once more to
pick out the evidence incidents of the alerts to report. Memory stays bounded
by the number of records and alerts, not incidents.

Protected persons are loaded with their restricted details, because the
approach rule needs their places and redaction needs their addresses; each of
those reads is written to the audit trail with its reason. The details never
leave this process in a report (see :mod:`spo_tracker.reports._redact`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator

import attrs

from spo_tracker.detection.alerts import Alert
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.engine import Detector, ScanResult
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.reports._view import ReportContext
from spo_tracker.storage import Actor, Store, scan_incidents

__all__ = ["Progress", "StoredRecords", "detect_stored", "load_records", "report_context"]

#: Receives one line of progress for people (the command line prints it on stderr).
Progress = Callable[[str], None]

_EVERY = 50_000
_RESTRICTED_REASON = "breach detection (approach rule) and report redaction"


def _quiet(_: str) -> None:
    """The default progress sink: says nothing."""


@attrs.frozen
class StoredRecords:
    """Every order, defendant and protected person in a store.

    Attributes:
        orders: every order, by id order.
        defendants: every defendant, by id order.
        protected_persons: every protected person with restricted details, by id order.
    """

    orders: tuple[Order, ...]
    defendants: tuple[Defendant, ...]
    protected_persons: tuple[ProtectedPerson, ...]


def load_records(store: Store, *, actor: Actor, at: _dt.datetime) -> StoredRecords:
    """Read every order, defendant and protected person (restricted reads are audited).

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
    return StoredRecords(orders, defendants, persons)


def _counted(items: Iterable[Incident], progress: Progress, what: str) -> Iterator[Incident]:
    count = 0
    for count, incident in enumerate(items, start=1):
        if count % _EVERY == 0:
            progress(f"  {what}: {count:,} incidents")
        yield incident
    progress(f"  {what}: {count:,} incidents, done")


def detect_stored(
    store: Store,
    records: StoredRecords,
    *,
    config: DetectionConfig | None = None,
    progress: Progress = _quiet,
) -> ScanResult:
    """Run breach detection over every stored incident (streamed, oldest first)."""
    detector = Detector(
        records.orders,
        records.defendants,
        config=config,
        protected_persons=records.protected_persons,
    )
    return detector.scan(_counted(scan_incidents(store), progress, "detection"))


def report_context(
    store: Store,
    records: StoredRecords,
    alerts: Iterable[Alert],
    *,
    progress: Progress = _quiet,
) -> ReportContext:
    """The records a report of ``alerts`` needs, with their evidence incidents from the store."""
    wanted = {i for a in alerts for i in a.evidence_ids}
    found = {}
    if wanted:
        for incident in _counted(scan_incidents(store), progress, "evidence"):
            if incident.incident_id in wanted:
                found[incident.incident_id] = incident
    return ReportContext(
        orders={o.order_id: o for o in records.orders},
        defendants={d.defendant_id: d for d in records.defendants},
        protected_persons={p.person_id: p for p in records.protected_persons},
        incidents=found,
    )
