"""The storage contract: Store, UnitOfWork and Repository, shared by every backend.

The rules live here once, so SQLite, PostgreSQL and the in-memory store keep
the same contract: optimistic concurrency on each aggregate's ``revision``,
an audit entry for every change in the same transaction, audited reads of
restricted details, and rollback unless :meth:`UnitOfWork.commit` is called.
A backend supplies only the primitive record operations (:class:`Records`).

This module holds the :class:`Store` base class; the rest of the contract is in
:mod:`~spo_tracker.storage._backend` (what a backend supplies, and the values it
returns), :mod:`~spo_tracker.storage._repository` (the generic repository),
:mod:`~spo_tracker.storage._repositories` (the repositories with rules of their
own), :mod:`~spo_tracker.storage._unit_of_work` and its audit bookkeeping
:mod:`~spo_tracker.storage._bookkeeping`. Their names are importable from here too.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as _dt
from collections.abc import Collection, Generator, Iterator, Sequence
from typing import Final

import pendulum

from spo_tracker.clock import Clock
from spo_tracker.domain.incidents import Incident
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage._audit import Actor, AuditEntry, PendingEntry
from spo_tracker.storage._backend import (
    IngestReport,
    OrderDates,
    OutboxEntry,
    PendingEvent,
    Records,
    ScannedIncident,
)
from spo_tracker.storage._consult import people_of
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._repositories import (
    AlertRepository,
    BreachReviewRepository,
    ComplianceRepository,
    DefendantRepository,
    OrderRepository,
    ProtectedPersonRepository,
    check_compliance_fits,
)
from spo_tracker.storage._repository import Repository, refuse_nul
from spo_tracker.storage._unit_of_work import UnitOfWork

__all__ = [
    "AlertRepository",
    "BreachReviewRepository",
    "Clock",
    "ComplianceRepository",
    "DefendantRepository",
    "IngestReport",
    "OrderDates",
    "OrderRepository",
    "OutboxEntry",
    "PendingEvent",
    "ProtectedPersonRepository",
    "Records",
    "Repository",
    "ScannedIncident",
    "Store",
    "UnitOfWork",
    "check_compliance_fits",
    "refuse_nul",
]


#: The audit event and subject kind of a bulk ingest's one entry.
INCIDENTS_INGESTED: Final = ("incidents.ingested", "incident_batch")


def check_ingest_entry(entry: PendingEntry) -> None:
    """Refuse an entry given to :meth:`Store.ingest_batch` that is not a bulk ingest's
    (it is written as given: any other event, a ``detection.run`` above all, would be
    read by the next detection run as though the library had written it).

    Raises:
        InvalidValueError: the entry's event or subject kind is not an ingest's.
    """
    if (entry.event, entry.subject_kind) != INCIDENTS_INGESTED:
        raise InvalidValueError(
            "entry.event", entry.event, "an ingest writes only incidents.ingested entries"
        )


class Store(abc.ABC):
    """A place aggregates are kept: SQLite, PostgreSQL or memory."""

    def __init__(self, *, clock: Clock | None = None, keyring: AuditKeyring | None = None) -> None:
        self.clock = clock
        #: The audit keys that seal new entries (``None``: entries are not sealed).
        self.keyring = keyring

    @abc.abstractmethod
    def unit_of_work(self, actor: Actor, *, at: _dt.datetime | None = None) -> UnitOfWork:
        """A new unit of work acting as ``actor``; audit entries are timed by ``at`` or clock."""

    @abc.abstractmethod
    def ingest_batch(self, incidents: list[Incident], entry: PendingEntry) -> None:
        """Insert ``incidents`` and the audit ``entry`` in one transaction (all or nothing).

        Raises:
            InvalidValueError: ``entry`` is not an ``incidents.ingested`` entry on an
                ``incident_batch`` (see :func:`check_ingest_entry`).
        """

    @abc.abstractmethod
    def scan_rows(
        self,
        *,
        chunk_size: int,
        since: _dt.datetime | None,
        until: _dt.datetime | None,
        defendant_id: str | None,
    ) -> Iterator[ScannedIncident]:
        """Stream incidents, oldest first, as light rows, ``chunk_size`` at a time."""

    @abc.abstractmethod
    def scan_full(
        self,
        *,
        chunk_size: int,
        since: _dt.datetime | None,
        until: _dt.datetime | None,
        defendant_id: str | None,
    ) -> Iterator[Incident]:
        """Stream incidents, oldest first, as domain objects."""

    @abc.abstractmethod
    def audit_entries(self) -> Generator[AuditEntry, None, None]:
        """Every audit entry in number order (streamed)."""

    def last_event_subject(self, event: str) -> str | None:
        """The subject id of the latest committed audit entry of ``event`` (e.g. the instant
        of the latest ``detection.run``), or ``None`` if there is none."""
        last = None
        for entry in self.audit_entries():
            if entry.event == event:
                last = entry.subject_id
        return last

    def audit_entries_for(self, person_id: str) -> list[AuditEntry]:
        """The committed audit entries that cover the person ``person_id`` (as a defendant
        or a protected person), in number order: changes to their record, reads of it,
        and the consultations and disclosures that named them (DPA 2018 s.62).

        This default walks the whole trail; SQL stores read their ``audit_people`` index.
        """
        return [
            e
            for e in self.audit_entries()
            if any(
                key == person_id for _, key in people_of(e.subject_kind, e.subject_id, e.changes)
            )
        ]

    def last_event(self, event: str) -> AuditEntry | None:
        """The latest committed audit entry of ``event`` (e.g. the latest ``detection.run``,
        whose changes hold its watermark), or ``None`` if there is none."""
        last = None
        for entry in self.audit_entries():
            if entry.event == event:
                last = entry
        return last

    def audit_entries_between(
        self,
        after: int,
        through: int,
        *,
        kinds: Collection[str],
        excluding: Collection[str] = (),
    ) -> list[AuditEntry]:
        """The committed audit entries numbered after ``after`` up to ``through`` whose
        subject kind is one of ``kinds`` and whose event is none of ``excluding``, in
        number order.

        Writers append to the trail under one lock held to their commit (the head
        record's row lock; SQLite's single writer; the memory store's lock), so
        numbers are taken in commit order: once a reader sees the head at ``n``,
        every entry numbered ``n`` or less is committed, and none can appear later.
        """
        return [
            e
            for e in self.audit_entries()
            if after < e.seq <= through and e.subject_kind in kinds and e.event not in excluding
        ]

    @abc.abstractmethod
    def scan_recorded_rows(
        self, *, after: int, through: int, until: _dt.datetime
    ) -> Iterator[ScannedIncident]:
        """Light rows of the incidents added or changed by the audit entries numbered after
        ``after`` up to ``through``, that occurred before ``until`` (in no set order)."""

    @abc.abstractmethod
    def scan_rows_of(
        self,
        *,
        defendant_ids: Collection[str],
        actor_keys: Collection[str],
        until: _dt.datetime,
    ) -> Iterator[ScannedIncident]:
        """Light rows of the incidents before ``until`` attributed directly to one of
        ``defendant_ids``, or with no direct attribution and an actor identity key among
        ``actor_keys`` (in no set order)."""

    @abc.abstractmethod
    def audit_head(self) -> tuple[int, str] | None:
        """The head record ``(last_seq, last_hash)``, if the store keeps one."""

    @abc.abstractmethod
    def outbox_pending(self, limit: int) -> list[OutboxEntry]:
        """Up to ``limit`` undelivered outbox entries, oldest position first."""

    @abc.abstractmethod
    def outbox_mark_delivered(self, positions: Sequence[int], at: pendulum.DateTime) -> int:
        """Mark the entries at ``positions`` delivered at ``at``; returns how many were marked."""

    @abc.abstractmethod
    def outbox_entries(self) -> Iterator[OutboxEntry]:
        """Every outbox entry, delivered or not, in position order."""

    @abc.abstractmethod
    def relay_lock(self) -> contextlib.AbstractContextManager[None]:
        """Held while the outbox is delivered: one relay at a time, so order is kept."""

    def close(self) -> None:  # noqa: B027 - a store without connections has nothing to release
        """Release connections; the store cannot be used afterwards."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
