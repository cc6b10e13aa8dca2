"""The unit of work: one transaction over every repository, audited, rolled back unless committed.

Its audit bookkeeping (pending entries and events, reads kept on rollback, the
consultation entry) is in :mod:`~spo_tracker.storage._bookkeeping`; a backend
supplies the transaction itself (:meth:`UnitOfWork._records`, ``_begin``,
``_commit``, ``_rollback``, ``_close``).
"""

from __future__ import annotations

import abc
import datetime as _dt
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, NoReturn

from spo_tracker.clock import Clock
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.permissions import READ_RESTRICTED, Scope, check
from spo_tracker.domain.retention import RetentionReview
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError, PermissionDeniedError
from spo_tracker.events import DomainEvent, alert_raised
from spo_tracker.storage import _codec
from spo_tracker.storage._audit import Actor, PendingEntry
from spo_tracker.storage._backend import PendingEvent, Records
from spo_tracker.storage._bookkeeping import Bookkeeping, _batch_changes
from spo_tracker.storage._consult import DEFENDANT, PROTECTED_PERSON, people_changes
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._mapping import MAPPERS, mapper_for
from spo_tracker.storage._repositories import (
    AlertRepository,
    BreachReviewRepository,
    ComplianceRepository,
    DefendantRepository,
    OrderRepository,
    ProtectedPersonRepository,
)
from spo_tracker.storage._repository import Repository, refuse_nul
from spo_tracker.storage._stored import NUL_ESCAPED

__all__ = ["DETECTION_RUN", "UnitOfWork"]

#: The audit event of a detection run (its subject: the instant it judged as of; its
#: ``through``: the trail's head when it began), the next run's watermark. Only
#: :meth:`UnitOfWork.note_detection_run` writes it.
DETECTION_RUN: Final = "detection.run"


def _refuse_run_event(event: str) -> None:
    """Refuse to write a detection run's watermark through a general note or disclosure."""
    if event == DETECTION_RUN:
        raise InvalidValueError(
            "event", event, "is a detection run's watermark: write it with note_detection_run"
        )


class UnitOfWork(Bookkeeping, abc.ABC):
    """One transaction: rolls back on leaving the ``with`` block unless :meth:`commit` was called.

    Use as ``with store.unit_of_work(actor) as uow: ...; uow.commit()``.
    Reads of restricted details are audited even when the work is rolled back.

    Attributes:
        defendants, protected_persons, incidents, orders, applications,
            notification_duties, breach_reviews, alerts, compliance, case_owners,
            retention_reviews: the repositories.
        actor: who is acting (on every audit entry).
    """

    def __init__(
        self,
        actor: Actor,
        *,
        at: _dt.datetime | None,
        clock: Clock | None,
        keyring: AuditKeyring | None = None,
    ) -> None:
        if not isinstance(actor, Actor):
            raise InvalidValueError("actor", actor, "give an Actor(actor_id, role)")
        if at is None and clock is None:
            raise InvalidValueError("at", None, "give at=, or connect the store with a clock")
        self.actor = actor
        self._keyring = keyring
        self._at = None if at is None else ensure_aware(at, field="at")
        self._clock = clock
        self._seen: dict[tuple[str, str], int] = {}
        #: Row texts made by a comparison (:meth:`Repository.get_many_unless_same`) of
        #: records not stored yet, with the (immutable) object each was made from, so a
        #: bulk add of the very same object does not make it again.
        self._texts: dict[tuple[str, str], tuple[object, str]] = {}
        self._pending: list[PendingEntry] = []
        self._events: list[PendingEvent] = []
        self._reads: list[PendingEntry] = []
        self._processing_depth = 0
        # People whose records were read or shown, by kind: one consultation entry (DPA
        # 2018 s.62) at commit or rollback, unless a disclosure entry took them over.
        self._consulted: dict[str, set[str]] = {}
        self._consultations_deferred = False
        self._open = False
        self.defendants = DefendantRepository(self, MAPPERS[Defendant])
        self.protected_persons = ProtectedPersonRepository(self, MAPPERS[ProtectedPerson])
        self.incidents: Repository[Incident] = Repository(self, MAPPERS[Incident])
        self.orders = OrderRepository(self, MAPPERS[Order])
        self.applications: Repository[Application] = Repository(self, MAPPERS[Application])
        self.notification_duties: Repository[NotificationDuty] = Repository(
            self, MAPPERS[NotificationDuty]
        )
        self.breach_reviews = BreachReviewRepository(self, MAPPERS[BreachReview])
        self.alerts = AlertRepository(self, MAPPERS[Alert])
        self.compliance = ComplianceRepository(self, MAPPERS[ComplianceRecord])
        self.case_owners: Repository[CaseOwner] = Repository(self, MAPPERS[CaseOwner])
        self.retention_reviews: Repository[RetentionReview] = Repository(
            self, MAPPERS[RetentionReview]
        )

    def __enter__(self) -> UnitOfWork:
        self._open = True
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._open = False
            self._close()

    def repository_for(self, obj: object) -> Repository[Any]:
        """The repository that stores objects like ``obj``.

        Raises:
            InvalidValueError: the library does not store objects of this class.
        """
        mapper = mapper_for(obj)
        for repo in vars(self).values():
            if isinstance(repo, Repository) and repo._mapper is mapper:
                return repo
        raise InvalidValueError("record", type(obj).__name__, "no repository for it")

    def record(
        self, fired: Fired[Any], *, expected_revision: int | None = None, reason: str = ""
    ) -> int:
        """Store the subject of a lifecycle transition, auditing the transition itself.

        Args:
            fired: the transition and its subject as changed.
            expected_revision: the stored revision the transition was fired on; by
                default the revision this unit of work loaded or last wrote.
            reason: why, for the audit trail.

        Returns:
            The subject's new revision.

        Raises:
            ConcurrencyConflictError: the stored revision is not the one expected
                (nothing is written).
        """
        return self.repository_for(fired.subject).update(
            fired.subject,
            expected_revision=expected_revision,
            transition=fired.record,
            reason=reason,
        )

    def add_incidents(self, incidents: Sequence[Incident], *, reason: str = "") -> None:
        """Add many incidents in this unit of work's transaction, audited as one entry.

        The bulk path inside a transaction (for an import that must be all or
        nothing): one multi-row insert and one ``incidents.ingested`` audit entry
        (count, first and last id, SHA-256 of the ids), committed with the rest.

        Raises:
            InvalidValueError: an item is not an Incident, an id appears twice, or text
                holds a NUL character.
            DuplicateRecordError: an id is already stored.
        """
        batch = list(incidents)
        if not batch:
            return
        seen: set[str] = set()
        for n, item in enumerate(batch):
            if not isinstance(item, Incident):
                raise InvalidValueError(f"incidents[{n}]", item, "is not an Incident")
            if item.incident_id in seen:
                raise InvalidValueError("incident_id", item.incident_id, "appears twice")
            seen.add(item.incident_id)
            texts = (item.incident_id, item.summary, item.defendant_id, item.target_person_id)
            if any(t is not None and "\x00" in t for t in texts) or any(
                "\x00" in ref for ref in item.evidence_refs
            ):
                refuse_nul(_codec.dump(item, Incident), "incident", item.incident_id)
        ids = [i.incident_id for i in batch]
        key = f"{ids[0]}..{ids[-1]}"
        rows = self._records().insert_incidents(batch, key)
        digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
        changes = {"count": len(ids), "first_id": ids[0], "last_id": ids[-1], "ids_sha256": digest}
        self._audit("incidents.ingested", "incident_batch", key, changes, reason, rows)

    def add_alerts(self, alerts: Sequence[Alert], *, reason: str = "") -> None:
        """Add many new alerts in this unit of work's transaction, audited as one entry.

        The bulk path for a scan's alerts: one multi-row insert and one
        ``alerts.created`` audit entry (count, first and last id, SHA-256 of the
        ids), committed with the rest; adding alerts one at a time costs a
        savepoint, a lookup and a chained audit entry each. Each alert's event
        (:class:`~spo_tracker.events.BreachFlagged` or
        :class:`~spo_tracker.events.AlertRaised`) goes to the outbox with them.

        Raises:
            InvalidValueError: an item is not an Alert, an id appears twice, or text
                holds a NUL character (nothing is added).
            DuplicateRecordError: an id is already stored (nothing is added).
        """
        batch = list(alerts)
        if not batch:
            return
        seen: set[str] = set()
        texts, made, mapper = [], self._texts, MAPPERS[Alert]
        for n, item in enumerate(batch):
            if not isinstance(item, Alert):
                raise InvalidValueError(f"alerts[{n}]", item, "is not an Alert")
            if item.alert_id in seen:
                raise InvalidValueError("alert_id", item.alert_id, "appears twice")
            seen.add(item.alert_id)
            # One row text each (made by the comparison before, if this very alert was
            # compared): the NUL check, then the stored row.
            found = made.pop(("alert", item.alert_id), None)
            text = found[1] if found is not None and found[0] is item else None
            if text is None:
                text = str(mapper.stored_text(item))
            if NUL_ESCAPED in text:  # escaped in JSON text, so found in any string
                refuse_nul(_codec.dump(item, Alert), "alert", item.alert_id)
            texts.append(text)
        self._records().insert_many(mapper, batch, texts)
        ids = [a.alert_id for a in batch]
        for key in ids:
            self._seen[("alert", key)] = 1
        changes = _batch_changes(ids)
        self._audit("alerts.created", "alert_batch", f"{ids[0]}..{ids[-1]}", changes, reason)
        # Each alert announces itself, as uow.alerts.add does (AlertRaised or BreachFlagged).
        now, actor = self._now(), self.actor.actor_id
        self._events.extend(PendingEvent(alert_raised(a, actor=actor), now) for a in batch)

    def find_incidents(self, keys: Sequence[str]) -> dict[str, Incident]:
        """The stored incidents among ``keys``, by id, read in chunks (a batch lookup)."""
        return self._records().load_incidents(list(keys))

    def compare_incidents(self, incidents: Sequence[Incident]) -> tuple[set[str], set[str]]:
        """Which of ``incidents`` are stored, read in chunks (the re-send check of an intake).

        Returns:
            The ids stored exactly as given, and the ids stored with something else
            (possibly only the zone a time is written in; compare those with
            :meth:`find_incidents`). Ids in neither are not stored.
        """
        return self._records().compare_incidents(list(incidents))

    def note(
        self,
        event: str,
        subject_kind: str,
        subject_id: str,
        *,
        changes: Mapping[str, Any] | None = None,
        reason: str = "",
    ) -> None:
        """Append an audit entry for something that is not a stored change (e.g. a report sent).

        Raises:
            InvalidValueError: ``event`` is :data:`DETECTION_RUN`, which only
                :meth:`note_detection_run` writes (an entry written here could claim a run
                that never judged, and blind or stop the next incremental run).
        """
        _refuse_run_event(event)
        self._audit(event, subject_kind, subject_id, dict(changes or {}), reason)

    def note_detection_run(
        self, at: _dt.datetime, *, changes: Mapping[str, Any], reason: str = ""
    ) -> None:
        """Append the :data:`DETECTION_RUN` entry of a detection run that judged as of
        ``at`` (its subject), which the next run reads as its watermark
        (:func:`~spo_tracker.casework.run_detection` writes it with the alerts it stores).

        Only an actor who may run detection may write it (``run_detection``; a refusal is
        audited). Its ``through`` is the number of the trail's last entry when the run
        began; the next run does not trust an entry whose ``through`` is not before it.

        Raises:
            PermissionDeniedError: the actor may not run detection.
            NaiveDatetimeError: ``at`` has no time zone.
            InvalidValueError: ``changes`` has a ``through`` neither ``None`` nor a whole
                number at or after 0.
        """
        self.authorise("run_detection")
        when = ensure_aware(at, field="at")
        through = changes.get("through")
        # None: a store that keeps no head (no watermark; the next run is full).
        if through is not None and (type(through) is not int or through < 0):
            raise InvalidValueError("through", through, "is not the number of an audit entry")
        self._audit(DETECTION_RUN, "detection", when.isoformat(), dict(changes), reason)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """The domain events this unit of work will write to the outbox when it commits."""
        return tuple(p.event for p in self._events)

    def consulted(
        self, *, defendants: Iterable[str] = (), protected_persons: Iterable[str] = ()
    ) -> None:
        """Note that people's records were shown without being read through a repository
        (an alert's detail naming its protected persons): they join this unit of work's
        consultation entry (DPA 2018 s.62(1)(c)).

        Reads through ``uow.defendants`` and ``uow.protected_persons`` are noted already.
        """
        self._consult(DEFENDANT, defendants)
        self._consult(PROTECTED_PERSON, protected_persons)

    def disclose(
        self,
        event: str,
        subject_kind: str,
        subject_id: str,
        *,
        defendants: Iterable[str] = (),
        protected_persons: Iterable[str] = (),
        changes: Mapping[str, Any] | None = None,
        reason: str = "",
    ) -> None:
        """Append, with this unit of work's changes, the one entry of a consultation or
        disclosure (a report, a case file, an export, a subject-access export) naming the
        people it covered by id, and the actor's purpose (DPA 2018 s.62(1)(c)-(d), (2)).

        The people given join those read in this unit of work so far, which this entry
        then covers (no separate ``persons.consulted`` entry is written for them).

        Args:
            event: what happened, e.g. ``report.written``.
            subject_kind: what was disclosed (``report``, ``defendant``...).
            subject_id: its id (a file name, a defendant id).
            defendants: ids of defendants covered.
            protected_persons: ids of protected persons covered.
            changes: what else to record (format, digest...): ids and counts only,
                never a name, an address or free text.
            reason: why, as the caller gives it.

        Raises:
            InvalidValueError: ``event`` is :data:`DETECTION_RUN` (see :meth:`note`).
        """
        _refuse_run_event(event)
        self.consulted(defendants=defendants, protected_persons=protected_persons)
        people, self._consulted = self._consulted, {}
        recorded = {**dict(changes or {}), **people_changes(people, self.actor.purpose)}
        self._audit(event, subject_kind, subject_id, recorded, reason)

    def pending_entries(self, kinds: Collection[str]) -> int:
        """How many audit entries on records of ``kinds`` (their ``subject_kind``) this
        unit of work will write when it commits, so far (a detection run notes how many
        alert entries are its own)."""
        return sum(1 for entry in self._pending if entry.subject_kind in kinds)

    def defer_consultations(self) -> None:
        """Leave this unit of work's consultation to its caller: no ``persons.consulted``
        entry is written for the people read in it.

        For a use case spanning several units of work (a report: the records, the
        alerts, the evidence, the note) whose last one writes the single
        :meth:`disclose` entry naming everyone it covered: one entry per call.
        """
        self._consultations_deferred = True

    def commit(self) -> None:
        """Write the pending audit entries and events, and commit everything done so far."""
        self._require_open()
        consulted = self._consultation()
        try:
            self._commit([*self._reads, *consulted, *self._pending], self._events)
        except BaseException:
            # The changes are lost with the transaction; the reads are kept for rollback().
            self._pending, self._events = [], []
            self._reads.extend(consulted)
            raise
        self._reads, self._pending, self._events = [], [], []

    def rollback(self) -> None:
        """Undo everything since the last commit; audited reads (and the consultation of
        people's records, DPA 2018 s.62) are still written."""
        self._pending, self._events = [], []
        reads, self._reads = [*self._reads, *self._consultation()], []
        self._rollback()
        if reads:
            self._commit(reads, [])

    def _require_open(self) -> None:
        if not self._open:
            raise InvalidValueError("unit of work", "closed", "use it inside its `with` block")

    def _restricted_read(self, keys: Sequence[str], reason: str) -> None:
        """Authorise (unless processing, see :meth:`_processing`) and audit reading ``keys``."""
        if not keys:
            return
        if not self._processing_depth:
            self.authorise(READ_RESTRICTED)
        for key in keys:
            self._audit_read(key, reason)

    def authorise(self, action: str, *, orders: Sequence[str] = ()) -> Scope:
        """Refuse, before anything is done, an action the actor's role may not take.

        The permission table (:mod:`spo_tracker.domain.permissions`) decides. For
        an action its row limits to the officer's own cases, ``orders`` are the
        orders it concerns: it is allowed only when none of them is assigned to
        another officer (each is the actor's, ``CaseOwner.officer``, or nobody's
        yet), or when none is given.
        A refusal is written to the audit trail (``permission.denied``, naming
        role, action and reason) even though the unit of work is rolled back.

        Returns:
            The scope the role has for the action.

        Raises:
            UnknownActionError: the table has no row for ``action`` (nothing is written).
            PermissionDeniedError: refused (an :class:`~spo_tracker.errors.UnknownRoleError`
                for a role not in the table); the refusal is audited.
        """
        try:
            scope = check(self.actor.role, action, purpose=self.actor.purpose)
            if scope is Scope.OWN_CASES and orders:
                self._check_own_case(action, orders)
        except PermissionDeniedError as refused:
            self._refused(refused)
            raise
        return scope

    def deny(self, action: str, reason: str) -> NoReturn:
        """Refuse ``action`` for a reason the table alone does not decide (audited).

        Raises:
            PermissionDeniedError: always, naming the role, the action and ``reason``.
        """
        refused = PermissionDeniedError(self.actor.role, action, reason)
        self._refused(refused)
        raise refused

    def _check_own_case(self, action: str, orders: Sequence[str]) -> None:
        owners = self.case_owners.get_many(orders)
        me = self.actor.actor_id
        # Any one order assigned to someone else closes the whole action: an unassigned
        # sibling order (an interim order beside the full one) opens nothing.
        theirs = [o for o in orders if o in owners and owners[o].officer != me]
        if theirs:
            raise PermissionDeniedError(
                self.actor.role, action, f"the case of order {theirs[0]!r} is another officer's"
            )

    @abc.abstractmethod
    def _records(self) -> Records:
        """The backend's record operations for the current transaction."""

    @abc.abstractmethod
    def _begin(self) -> None:
        """Prepare the backend (nothing is read yet)."""

    @abc.abstractmethod
    def _commit(self, entries: list[PendingEntry], events: list[PendingEvent]) -> None:
        """Append ``entries`` to the audit trail and ``events`` to the outbox, and commit."""

    @abc.abstractmethod
    def _rollback(self) -> None:
        """Roll the transaction back."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Release the backend's resources."""
