"""The storage contract: Store, UnitOfWork and Repository, shared by every backend.

The rules live here once, so SQLite, PostgreSQL and the in-memory store keep
the same contract: optimistic concurrency on each aggregate's ``revision``,
an audit entry for every change in the same transaction, audited reads of
restricted details, and rollback unless :meth:`UnitOfWork.commit` is called.
A backend supplies only the primitive record operations (:class:`Records`).
"""

from __future__ import annotations

import abc
import contextlib
import datetime as _dt
import functools
import hashlib
from collections.abc import (
    Collection,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from types import TracebackType
from typing import Any, Final, Generic, NamedTuple, NoReturn, Protocol, TypeVar

import attrs
import pendulum

from spo_tracker.clock import Clock
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.domain.people import Defendant, ProtectedPerson, RestrictedDetails, Withheld
from spo_tracker.domain.permissions import READ_RESTRICTED, Scope, check
from spo_tracker.domain.retention import RetentionReview
from spo_tracker.domain.statemachine import Fired, TransitionRecord
from spo_tracker.domain.statutory_time import as_utc, ensure_aware, instant_before
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule, Term
from spo_tracker.errors import (
    ConcurrencyConflictError,
    ConstraintViolationError,
    DuplicateRecordError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from spo_tracker.events import DomainEvent, alert_raised, event_for_transition, order_made
from spo_tracker.storage import _codec
from spo_tracker.storage._audit import Actor, AuditEntry, PendingEntry
from spo_tracker.storage._codec import instant_text
from spo_tracker.storage._consult import (
    CONSULTED_EVENT,
    DEFENDANT,
    PROTECTED_PERSON,
    people_changes,
    people_of,
)
from spo_tracker.storage._digests import ids_sum, record_digest
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._mapping import MAPPERS, Mapper, mapper_for

__all__ = [
    "BreachReviewRepository",
    "Clock",
    "ComplianceRepository",
    "DefendantRepository",
    "IngestReport",
    "OutboxEntry",
    "ProtectedPersonRepository",
    "Records",
    "Repository",
    "ScannedIncident",
    "Store",
    "UnitOfWork",
    "check_compliance_fits",
    "refuse_nul",
]

T = TypeVar("T")


class ScannedIncident(NamedTuple):
    """The light form of an incident that batch scans stream (what breach detection needs).

    Plain values, no domain objects, so a scan moves at the speed of the
    database cursor. :func:`spo_tracker.storage.scan_incidents` gives full
    domain :class:`~spo_tracker.domain.incidents.Incident` objects instead.

    Attributes:
        incident_id: the incident's id.
        occurred_us: when it happened, as whole microseconds since 1970-01-01 UTC.
        kind: the :class:`~spo_tracker.domain.incidents.IncidentKind` code.
        platform: the :class:`~spo_tracker.domain.identities.Platform` code, if any.
        actor_key: the acting identity's :attr:`~spo_tracker.domain.identities.Identity.key`.
        defendant_id: direct attribution, if any.
        target_person_id: the person it was aimed at, if any.
        via_third_party: 1 if made through another person, else 0 (the same on every
            backend: SQLite has no boolean type, and a flag kept as an int lets the
            scan build rows without a Python call per row).
        lat: latitude, if known.
        lon: longitude, if known.
        reported_us: when it was reported, as whole microseconds since 1970-01-01 UTC, if
            known (an alert's identified time rests on it).
    """

    incident_id: str
    occurred_us: int
    kind: str
    platform: str | None
    actor_key: str | None
    defendant_id: str | None
    target_person_id: str | None
    via_third_party: int
    lat: float | None
    lon: float | None
    reported_us: int | None

    @property
    def occurred_at(self) -> pendulum.DateTime:
        """``occurred_us`` as an aware UTC datetime."""
        from spo_tracker.storage._types import from_epoch_us

        return from_epoch_us(self.occurred_us)


@attrs.frozen
class IngestReport:
    """What a bulk ingest committed.

    Attributes:
        batches: batches committed.
        incidents: incidents committed.
    """

    batches: int
    incidents: int


@attrs.frozen
class OutboxEntry:
    """One domain event in a store's transactional outbox.

    Attributes:
        position: its place in commit order (1, 2, 3...).
        event: the event.
        recorded_at: when its unit of work recorded it (the store's clock or ``at``).
        delivered_at: when :func:`~spo_tracker.storage.deliver_outbox` delivered it,
            or ``None`` while it waits.
    """

    position: int
    event: DomainEvent
    recorded_at: pendulum.DateTime
    delivered_at: pendulum.DateTime | None = None


@attrs.frozen
class PendingEvent:
    """An event waiting for its unit of work to commit (it has no position yet)."""

    event: DomainEvent
    recorded_at: pendulum.DateTime

    def payload(self) -> str:
        """The event as canonical JSON, as the outbox stores it."""
        return _codec.canonical_json(self.event.as_dict())


class Records(Protocol):
    """The primitive operations a backend provides inside one transaction."""

    def shred_person_key(self, person_id: str) -> bool:
        """Destroy the protected person's key (crypto-shredding); whether one was destroyed."""

    def load(self, mapper: Mapper[Any], key: str, *, lock: bool) -> tuple[Any, int] | None:
        """The stored object and its revision, or ``None``; ``lock`` holds it for an update."""

    def insert_aggregates(self, mapper: Mapper[Any], items: Sequence[tuple[Any, int]]) -> None:
        """Store new aggregates ``(object, revision)`` of one kind, all or nothing.

        Raises:
            DuplicateRecordError: naming the first id already stored.
            ConstraintViolationError: naming the first aggregate that refers to a
                record not stored.
        """

    def replace(
        self, mapper: Mapper[Any], before: Any, after: Any, expected: int, revision: int
    ) -> None:
        """Overwrite the object stored at revision ``expected`` with ``after`` at ``revision``."""

    def revision(self, mapper: Mapper[Any], key: str) -> int | None:
        """The stored revision of ``key`` alone (no children loaded), or ``None``."""

    def keys(self, mapper: Mapper[Any]) -> list[str]:
        """Every stored id of the mapper's kind, sorted."""

    def find_defendants(self, identity_key: str) -> list[str]:
        """Ids of the defendants an identity is linked to, sorted."""

    def person_name(self, key: str) -> str:
        """A protected person's name only. Raises NotFoundError."""

    def insert_incidents(self, incidents: list[Incident], batch: str) -> str:
        """Insert many incidents in this transaction as bulk batch ``batch``; returns the
        batch's digest (see :mod:`spo_tracker.storage._digests`).

        Raises DuplicateRecordError.
        """

    def load_incidents(self, keys: Sequence[str]) -> dict[str, Incident]:
        """The stored incidents among ``keys``, by id (those not stored are absent)."""

    def compare_incidents(self, incidents: Sequence[Incident]) -> tuple[set[str], set[str]]:
        """Of ``incidents``, the ids stored exactly as given, and the ids stored otherwise
        (compared as stored rows, without building domain objects; absent: not stored)."""

    def insert_many(
        self, mapper: Mapper[Any], objs: list[Any], bodies: Sequence[Any] | None = None
    ) -> None:
        """Store many new single-row records (alerts) at revision 1 in this transaction;
        ``bodies``: their dumps (:func:`_codec.dump`), if the caller made them already.

        Raises DuplicateRecordError naming the first id already stored (nothing is stored).
        """

    def load_many(self, mapper: Mapper[Any], keys: Sequence[str]) -> dict[str, Any]:
        """The stored single-row records among ``keys``, by id (those not stored are absent)."""

    def load_many_revisions(
        self, mapper: Mapper[Any], keys: Sequence[str]
    ) -> dict[str, tuple[Any, int]]:
        """:meth:`load_many` with each record's stored revision: ``(object, revision)``."""

    def replace_many(self, mapper: Mapper[Any], items: Sequence[tuple[Any, Any, int, int]]) -> None:
        """:meth:`replace` for many records, each ``(before, after, expected, revision)``,
        all or nothing; each write only over the stored revision ``expected``.

        Raises:
            ConcurrencyConflictError: naming the first record whose stored revision is
                no longer ``expected`` (nothing is written).
        """

    def find(self, mapper: Mapper[Any], column: str, value: str) -> list[Any]:
        """The stored single-row records whose ``column`` equals ``value``, in no set order."""

    def find_keys(self, mapper: Mapper[Any], column: str, value: str) -> list[str]:
        """The ids of the stored aggregates whose root ``column`` equals ``value``, sorted."""

    def find_in(self, mapper: Mapper[Any], column: str, values: Sequence[str]) -> list[Any]:
        """:meth:`find` for many values at once (one query per 500), in no set order."""


class Repository(Generic[T]):
    """Load, add and update one kind of aggregate inside a unit of work.

    Every write appends an audit entry to the same transaction. ``update``
    is optimistic: it names the revision the change was based on and raises
    :class:`~spo_tracker.errors.ConcurrencyConflictError` (writing nothing)
    if the stored revision is no longer that one.
    """

    def __init__(self, uow: UnitOfWork, mapper: Mapper[T]) -> None:
        self._uow = uow
        self._mapper = mapper

    @property
    def kind(self) -> str:
        """The record kind (``order``, ``defendant``...)."""
        return self._mapper.kind

    def get(self, key: str) -> T:
        """The stored object with id ``key``; remembers its revision for a later update.

        Raises:
            NotFoundError: nothing is stored under ``key``.
        """
        obj: T = self._load(key, lock=False)[0]
        self._read({key: obj}, "")
        return obj

    def _read(self, found: Mapping[str, T], reason: str) -> None:
        """Called with what every read method returns, before it returns it: a subclass
        checks and logs reads here, so calling a base class's method skips nothing."""

    def _load(self, key: str, *, lock: bool, remember: bool = True) -> tuple[Any, int]:
        found = self._uow._records().load(self._mapper, key, lock=lock)
        if found is None:
            raise NotFoundError(self.kind, key)
        if remember:
            self._uow._seen[(self.kind, key)] = found[1]
        return found

    def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""
        return self._uow._records().revision(self._mapper, key) is not None

    def revision(self, key: str) -> int:
        """The stored revision of ``key`` (and remember it as the base of an update).

        Raises:
            NotFoundError: nothing is stored under ``key``.
        """
        found = self._uow._records().revision(self._mapper, key)
        if found is None:
            raise NotFoundError(self.kind, key)
        self._uow._seen[(self.kind, key)] = found
        return found

    def lock(self, key: str) -> int:
        """Lock the stored record ``key`` until the unit of work ends, and remember its
        revision as the base of an update; its stored revision.

        On PostgreSQL this is ``SELECT ... FOR UPDATE``: another unit of work that locks
        or updates the same record waits for this one to end. SQLite and the in-memory
        store already run one writer at a time.

        Raises:
            NotFoundError: nothing is stored under ``key``.
        """
        return int(self._load(key, lock=True)[1])

    def ids(self) -> list[str]:
        """Every stored id of this kind, sorted."""
        return self._uow._records().keys(self._mapper)

    def ids_where(self, column: str, value: str) -> list[str]:
        """The ids of the stored aggregates whose ``column`` holds ``value``, sorted.

        One indexed query: e.g. ``uow.orders.ids_where("defendant_id", "D1")`` or
        ``uow.notification_duties.ids_where("order_id", "SPO-1")``.

        Raises:
            InvalidValueError: ``column`` is not a column of this kind's records.
        """
        columns = _lookup_columns(self._mapper)
        if column not in columns:
            raise InvalidValueError("column", column, f"{self.kind} ids are found by {columns}")
        return self._uow._records().find_keys(self._mapper, column, value)

    def add(self, obj: T, *, reason: str = "") -> None:
        """Store a new aggregate and audit its creation.

        Raises:
            DuplicateRecordError: the id is already stored.
            ConstraintViolationError: it refers to a record that does not exist.
        """
        self._add_all([obj], reason)

    def add_many(self, objs: Iterable[T], *, reason: str = "") -> int:
        """Store many new aggregates of this kind in one call; returns how many.

        The bulk path (an import's persons and orders): the same stored rows,
        audit entries (one ``<kind>.created`` per aggregate, in the given order)
        and outbox events as calling :meth:`add` for each in turn, but one id
        lookup and one reference lookup per 500 aggregates, and one multi-row
        insert per table. All or nothing: on any error nothing is added.

        Raises:
            InvalidValueError: an item is not of this kind, or text holds a NUL character.
            DuplicateRecordError: an id is already stored, or appears twice in ``objs``.
            ConstraintViolationError: an aggregate refers to a record that is not stored.
        """
        return self._add_all(list(objs), reason)

    def _add_all(self, objs: Sequence[T], reason: str) -> int:
        """Check every aggregate, then insert them all and audit each (see :meth:`add_many`)."""
        mapper, actor, seen = self._mapper, self._uow.actor, set()
        items, audits, events = [], [], []
        for obj in objs:
            self._check_type(obj)
            # One dump serves both the NUL check and the audit snapshot.
            dumped = _codec.dump(obj, type(obj))
            key = mapper.key(obj)
            refuse_nul(dumped, self.kind, key)
            if key in seen:
                raise DuplicateRecordError(self.kind, key)
            seen.add(key)
            revision = mapper.domain_revision(obj) or 1
            items.append((obj, revision))
            digest = record_digest(dumped, self._uow._keyring)
            audits.append((key, revision, _created_changes(mapper, obj, dumped), digest))
            events.append(_created_event(obj, revision, actor))
        if not items:
            return 0
        self._uow._records().insert_aggregates(mapper, items)
        for (key, revision, changes, digest), event in zip(audits, events, strict=True):
            self._uow._seen[(self.kind, key)] = revision
            self._uow._audit(f"{self.kind}.created", self.kind, key, changes, reason, digest)
            if event is not None:
                self._uow._emit(event)
        return len(items)

    def get_many(self, keys: Iterable[str]) -> dict[str, T]:
        """The stored aggregates among ``keys``, by id (those not stored are absent).

        The bulk read: one query per 500 ids for the roots and one per child
        table. Unlike :meth:`get` it does not remember revisions as the base of
        an update: pass ``expected_revision`` to :meth:`update` (aggregates that
        carry their own ``revision`` have it on the object).
        """
        found: dict[str, T] = self._uow._records().load_many(self._mapper, list(keys))
        self._read(found, "")
        return found

    def get_many_revisions(self, keys: Iterable[str]) -> dict[str, tuple[T, int]]:
        """The stored aggregates among ``keys`` with their stored revisions, by id (those
        not stored are absent); each revision is remembered as the base of an update.

        The bulk read before :meth:`update_many`: one query per 500 ids (and one per
        child table), where :meth:`get` for each would be one query (or more) apiece.
        """
        found: dict[str, tuple[T, int]] = self._uow._records().load_many_revisions(
            self._mapper, list(keys)
        )
        for key, (_, revision) in found.items():
            self._uow._seen[(self.kind, key)] = revision
        self._read({key: obj for key, (obj, _) in found.items()}, "")
        return found

    def update_many(self, objs: Iterable[T], *, reason: str = "") -> dict[str, int]:
        """:meth:`update` for many changed aggregates, each over the revision this unit of
        work read it at (:meth:`get`, :meth:`get_many_revisions`) or last wrote; returns
        the new revision of each, by id.

        The bulk path (a detection run's changed alerts): the same stored rows and
        ``<kind>.changed`` audit entries (one per aggregate, in the given order) as
        :meth:`update` for each, but the stored aggregates read in bulk and each written
        with ``WHERE revision = <expected>``, so a concurrent change is never overwritten.
        All or nothing: on any error nothing is written.

        Raises:
            ConcurrencyConflictError: a stored revision is not the one read (nothing is
                written; read again and retry).
            NotFoundError: nothing is stored under an object's id.
            InvalidValueError: an item is not of this kind, an id appears twice, no base
                revision is known for one, its own revision was not moved forward, text
                holds a NUL character, or a stored order version was rewritten.
        """
        mapper, items, seen = self._mapper, [], set()
        for obj in objs:
            self._check_type(obj)
            dumped = _codec.dump(obj, type(obj))
            key = mapper.key(obj)
            refuse_nul(dumped, self.kind, key)
            if key in seen:
                raise InvalidValueError(mapper.key_column, key, "appears twice")
            seen.add(key)
            items.append((key, obj, dumped, self._expected(key, None)))
        if not items:
            return {}
        stored = self._uow._records().load_many_revisions(mapper, [k for k, *_ in items])
        writes, revisions = [], {}
        for key, obj, _, expected in items:
            if key not in stored:
                raise NotFoundError(self.kind, key)
            before, revision = stored[key]
            if revision != expected:
                raise ConcurrencyConflictError(self.kind, key, expected, revision)
            mapper.check_update(before, obj)
            revisions[key] = self._next_revision(obj, expected)
            writes.append((before, obj, expected, revisions[key]))
        self._uow._records().replace_many(mapper, writes)
        for (key, _, dumped, _), (before, obj, _, revision) in zip(items, writes, strict=True):
            self._uow._seen[(self.kind, key)] = revision
            digest = record_digest(dumped, self._uow._keyring)
            changes = mapper.audit_diff(before, obj)
            self._uow._audit(f"{self.kind}.changed", self.kind, key, changes, reason, digest)
        return revisions

    def update(
        self,
        obj: T,
        *,
        expected_revision: int | None = None,
        reason: str = "",
        transition: TransitionRecord | None = None,
    ) -> int:
        """Store a changed aggregate over the revision it was based on; returns the new revision.

        Args:
            obj: the changed object.
            expected_revision: the stored revision the change is based on; by default
                the revision this unit of work loaded or last wrote.
            reason: why, for the audit trail.
            transition: the lifecycle transition that made the change, if any.

        Raises:
            ConcurrencyConflictError: the stored revision is not ``expected_revision``.
            NotFoundError: nothing is stored under the object's id.
            InvalidValueError: no base revision is known, the object's own revision was
                not moved forward, a stored order version was rewritten, or
                ``transition`` is not a transition of ``obj``.
        """
        self._check_type(obj)
        dumped = _codec.dump(obj, type(obj))
        key = self._mapper.key(obj)
        refuse_nul(dumped, self.kind, key)
        expected = self._expected(key, expected_revision)
        # Not remembered: after a conflict the caller must load again, not retry blindly.
        before, stored = self._load(key, lock=True, remember=False)
        if stored != expected:
            raise ConcurrencyConflictError(self.kind, key, expected, stored)
        revision = self._next_revision(obj, expected)
        self._mapper.check_update(before, obj)
        event = None if transition is None else _transition_event(transition, obj, revision)
        self._uow._records().replace(self._mapper, before, obj, expected, revision)
        self._uow._seen[(self.kind, key)] = revision
        changes = self._mapper.audit_diff(before, obj)
        name = f"{self.kind}.changed"
        if transition is not None:
            changes = {"transition": _transition(transition), "changes": changes}
            name = f"{transition.machine}.{transition.event}"
        digest = record_digest(dumped, self._uow._keyring)
        self._uow._audit(name, self.kind, key, changes, reason, digest)
        if event is not None:
            self._uow._emit(event)
        return revision

    def _check_type(self, obj: object) -> None:
        if not isinstance(obj, self._mapper.domain):
            raise InvalidValueError(
                "record",
                type(obj).__name__,
                f"this repository stores {self._mapper.domain.__name__}",
            )

    def _expected(self, key: str, given: int | None) -> int:
        if given is not None:
            return given
        seen = self._uow._seen.get((self.kind, key))
        if seen is None:
            raise InvalidValueError(
                "expected_revision",
                None,
                f"{self.kind} {key!r} was not loaded in this unit of work; pass the revision "
                "the change is based on",
            )
        return seen

    def _next_revision(self, obj: T, expected: int) -> int:
        own = self._mapper.domain_revision(obj)
        if own is None:
            return expected + 1
        if own <= expected:
            raise InvalidValueError(
                "revision", own, f"a change must move the revision past the stored {expected}"
            )
        return own


@functools.cache
def _lookup_columns(mapper: Mapper[Any]) -> list[str]:
    """The root columns that hold another record's id exactly as the domain record does
    (so every backend compares the same text): what :meth:`Repository.ids_where` looks up."""
    table = mapper.root.__table__  # type: ignore[attr-defined]
    fields = {f.name for f in attrs.fields(mapper.domain)}
    return sorted(
        c.name
        for c in table.columns
        if (c.name.endswith("_id") and c.name in fields and c.name != mapper.key_column)
        or c.name in mapper.lookups
    )


def _created_changes(mapper: Mapper[Any], obj: object, dumped: Any) -> Mapping[str, Any]:
    """The audit changes of a new aggregate: ``mapper.audit_created(obj)``, reusing ``dumped``
    (the object's dump) when the mapper keeps the default snapshot."""
    kind = type(mapper)
    if kind.audit_created is Mapper.audit_created and kind.snapshot is Mapper.snapshot:
        return {"created": dict(dumped)}
    return mapper.audit_created(obj)


def refuse_nul(data: Any, kind: str, key: object = None, path: str = "") -> None:
    """Refuse text holding a NUL character: PostgreSQL cannot store it, so no backend does.

    Args:
        data: the record's dump (see :mod:`~spo_tracker.storage._codec`).
        kind: the kind of record, for the message.
        key: the record's id, for the message, when known.
        path: where ``data`` sits in the record (for the recursion).

    Raises:
        InvalidValueError: naming the record and the field (``restricted.address.lines[0]``),
            never the text: any text may be a protected person's name or address.
    """
    if isinstance(data, str):
        if "\x00" in data:
            record = kind if key is None else f"{kind} {key!r}"
            raise InvalidValueError(
                path or kind,
                Withheld("may be restricted"),
                f"text in {record} may not contain a NUL character",
            )
    elif isinstance(data, dict):
        for name, value in data.items():
            refuse_nul(value, kind, key, f"{path}.{name}" if path else str(name))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            refuse_nul(value, kind, key, f"{path}[{i}]")


def _transition(record: TransitionRecord) -> dict[str, Any]:
    return {
        "machine": record.machine,
        "event": record.event,
        "from": record.source,
        "to": record.target,
        "section": record.section,
        "at": instant_text(record.at),
        "by": record.actor,
    }


def _created_event(obj: object, revision: int, actor: Actor) -> DomainEvent | None:
    """The event a new record announces: an order made, an alert raised; others none."""
    if isinstance(obj, Order):
        return order_made(obj, actor=actor.actor_id, version=revision)
    if isinstance(obj, Alert):
        return alert_raised(obj, actor=actor.actor_id, version=revision)
    return None


def _transition_event(record: TransitionRecord, obj: object, revision: int) -> DomainEvent:
    """The event of a stored transition; its version must be the revision being written."""
    event = event_for_transition(record, obj)
    if event.originator_version != revision:
        raise InvalidValueError(
            "transition",
            f"{record.machine}.{record.event}",
            f"the subject's revision {event.originator_version} is not the stored {revision}",
        )
    return event


class ProtectedPersonRepository(Repository[ProtectedPerson]):
    """Protected persons. Loading one reads its restricted details, and that read is audited."""

    def get(self, key: str, *, reason: str = "") -> ProtectedPerson:
        """The person with their restricted details; the read is written to the audit trail
        even if the unit of work is not committed.

        Reading restricted details needs a role the permission table allows
        (``read_restricted``) and a stated purpose (``Actor.purpose``, DPA2018
        s.62(3)(a)), unless the unit of work reads them for an action already
        authorised that shows them to nobody (detection, redaction).

        Raises:
            NotFoundError: nothing is stored under ``key``.
            PermissionDeniedError: the actor may not read them (refusal audited).
        """
        obj: ProtectedPerson = self._load(key, lock=False)[0]
        self._read({key: obj}, reason)
        return obj

    def get_many(self, keys: Iterable[str], *, reason: str = "") -> dict[str, ProtectedPerson]:
        """The stored persons among ``keys`` with their restricted details, by id; each read
        of restricted details is audited, as :meth:`get` does."""
        found: dict[str, ProtectedPerson] = self._uow._records().load_many(self._mapper, list(keys))
        self._read(found, reason)
        return found

    def _read(self, found: Mapping[str, ProtectedPerson], reason: str) -> None:
        """Every read of restricted details, whichever method (this class's or the base
        class's) made it, is authorised and audited before it is consulted."""
        empty = RestrictedDetails()
        self._uow._restricted_read([k for k, o in found.items() if o.restricted != empty], reason)
        self._uow._consult(PROTECTED_PERSON, found)

    def get_name(self, key: str) -> str:
        """Only the name (no restricted details, so no read of them is audited; the
        consultation of the person's record is, as every read is).

        Raises:
            NotFoundError: nothing is stored under ``key``.
        """
        name = self._uow._records().person_name(key)
        self._uow._consult(PROTECTED_PERSON, (key,))
        return name


class BreachReviewRepository(Repository[BreachReview]):
    """Reviews of suspected breaches, with lookup by the alert they review."""

    def for_alert(self, alert_id: str) -> list[BreachReview]:
        """Every review round of the alert ``alert_id``, first round first (empty if none)."""
        found: list[BreachReview] = self._uow._records().find(self._mapper, "alert_id", alert_id)
        return sorted(found, key=lambda r: r.round)


class DefendantRepository(Repository[Defendant]):
    """Defendants, with lookup by linked identity. Each read joins the unit of work's
    consultation entry (DPA 2018 s.62)."""

    def _read(self, found: Mapping[str, Defendant], reason: str) -> None:
        """Every read (:meth:`get`, :meth:`get_many`) joins the consultation entry."""
        self._uow._consult(DEFENDANT, found)

    def find_by_identity(self, identity_key: str) -> list[str]:
        """Ids of the defendants the identity with this key is linked to, sorted."""
        return self._uow._records().find_defendants(identity_key)


#: The terms compliance is recorded against: positive requirements (SPA2019 s.1(2)(b)).
_COMPLIANCE_TERMS: Final = (PositiveRequirement, SignOnSchedule)


def _batch_changes(ids: Sequence[str]) -> dict[str, Any]:
    """A bulk write's audit changes: count, first and last id, SHA-256 of the ids."""
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    changes = {"count": len(ids), "first_id": ids[0], "last_id": ids[-1], "ids_sha256": digest}
    return {**changes, "ids_sum": ids_sum(ids)}  # checked by deep verification


class ComplianceRepository(Repository[ComplianceRecord]):
    """Compliance with positive requirements (SPA2019 s.1(2)(b)): attendance, surrender, sign-ons.

    A record must name a stored order against its defendant, and a term of that
    order (in any version) that is a positive requirement or a sign-on
    schedule; otherwise storing it is a typed error naming the value, and
    nothing is stored. Ids are stable external references: storing a record
    already stored with the same content changes nothing (no write, no audit
    entry), and the same id with different content is a
    :class:`~spo_tracker.errors.DuplicateRecordError`.
    """

    def add(self, obj: ComplianceRecord, *, reason: str = "") -> None:
        """Store one record (nothing if it is already stored as it is), audited.

        Raises:
            ConstraintViolationError: its order is not stored.
            InvalidValueError: its defendant is not the order's, or its term is not a
                positive requirement or sign-on schedule of the order.
            DuplicateRecordError: its id is stored with different content.
        """
        self._check_type(obj)
        stored = self._uow._records().load_many(self._mapper, [obj.record_id])
        if self._known(obj, stored.get(obj.record_id)):
            return
        self._check_term(obj, {})
        super().add(obj, reason=reason)

    def update(
        self,
        obj: ComplianceRecord,
        *,
        expected_revision: int | None = None,
        reason: str = "",
        transition: TransitionRecord | None = None,
    ) -> int:
        """Correct a stored record (e.g. its note), with the same checks as :meth:`add`."""
        self._check_type(obj)
        self._check_term(obj, {})
        return super().update(
            obj, expected_revision=expected_revision, reason=reason, transition=transition
        )

    def add_many(self, records: Iterable[ComplianceRecord], *, reason: str = "") -> int:
        """Store many records in this unit of work, audited as one entry; returns how many
        were new (records already stored as they are are skipped).

        The bulk path (sign-ons are daily, so a force holds millions): one lookup
        and one multi-row insert per 500 ids, each distinct order loaded once, and
        one ``compliance_records.recorded`` audit entry (count, first and last id,
        SHA-256 of the ids). All or nothing: on any error nothing is added.

        Raises:
            InvalidValueError: an item is not a ComplianceRecord, an id appears twice
                with different content, text holds a NUL character, or a record's
                defendant or term does not fit its order.
            ConstraintViolationError: a record's order is not stored.
            DuplicateRecordError: an id is stored with different content.
        """
        unique = _unique_records(records)
        stored = self._uow._records().load_many(self._mapper, list(unique))
        new = [r for key, r in unique.items() if not self._known(r, stored.get(key))]
        orders: dict[str, tuple[str, dict[str, list[Term]]]] = {}
        for record in new:
            self._check_term(record, orders)
        if not new:
            return 0
        self._uow._records().insert_many(self._mapper, new)
        ids = [r.record_id for r in new]
        for key in ids:
            self._uow._seen[(self.kind, key)] = 1
        self._uow._audit(
            "compliance_records.recorded",
            "compliance_batch",
            f"{ids[0]}..{ids[-1]}",
            _batch_changes(ids),
            reason,
        )
        return len(new)

    def for_order(
        self, order_id: str, *, until: _dt.datetime | None = None
    ) -> list[ComplianceRecord]:
        """The records against an order (met by ``until``, if given), oldest first.

        Raises:
            NaiveDatetimeError: ``until`` has no time zone.
        """
        return self._found("order_id", order_id, until)

    def for_orders(
        self, order_ids: Iterable[str], *, until: _dt.datetime | None = None
    ) -> dict[str, list[ComplianceRecord]]:
        """:meth:`for_order` for many orders in one query per 500 (the dated checks' read).

        Returns:
            Every order id given, each with its records met by ``until``, oldest first
            (an empty list for an order with none).

        Raises:
            NaiveDatetimeError: ``until`` has no time zone.
        """
        keys = list(dict.fromkeys(order_ids))
        found = self._uow._records().find_in(self._mapper, "order_id", keys)
        by_order: dict[str, list[ComplianceRecord]] = {key: [] for key in keys}
        for record in self._met(found, until):
            by_order[record.order_id].append(record)
        return by_order

    def for_defendant(
        self, defendant_id: str, *, until: _dt.datetime | None = None
    ) -> list[ComplianceRecord]:
        """The records of a defendant under every order (met by ``until``), oldest first.

        Raises:
            NaiveDatetimeError: ``until`` has no time zone.
        """
        return self._found("defendant_id", defendant_id, until)

    def _found(self, column: str, value: str, until: _dt.datetime | None) -> list[ComplianceRecord]:
        return self._met(self._uow._records().find(self._mapper, column, value), until)

    @staticmethod
    def _met(found: list[ComplianceRecord], until: _dt.datetime | None) -> list[ComplianceRecord]:
        """The records met by ``until`` (all if ``None``), oldest first."""
        end = None if until is None else ensure_aware(until, field="until")
        # Instants, not wall clocks: in the hour repeated when the clocks go back, 01:50 BST
        # is before 01:10 GMT, and Python compares two London times by their wall clocks.
        kept = [r for r in found if end is None or not instant_before(end, r.at)]
        return sorted(kept, key=lambda r: (r.at.timestamp(), r.record_id))

    def _known(self, record: ComplianceRecord, stored: ComplianceRecord | None) -> bool:
        """Whether ``record`` is stored as it is; the same id with other content is refused."""
        if stored is None:
            return False
        if not _same_record(stored, record):
            raise DuplicateRecordError(self.kind, record.record_id)
        return True

    def _check_term(
        self, record: ComplianceRecord, orders: dict[str, tuple[str, dict[str, list[Term]]]]
    ) -> None:
        """The record's order is stored, against its defendant, with a requirement term of
        its id (SPA2019 s.1(2)(b)); ``orders`` caches each order's defendant and terms."""
        texts = (record.record_id, record.order_id, record.term_id, record.note)
        if any("\x00" in t for t in texts) or "\x00" in (record.recorded_by or ""):
            refuse_nul(_codec.dump(record, ComplianceRecord), self.kind, record.record_id)
        found = orders.get(record.order_id)
        if found is None:
            loaded = self._uow._records().load(MAPPERS[Order], record.order_id, lock=False)
            if loaded is None:
                raise ConstraintViolationError(
                    self.kind,
                    record.record_id,
                    f"refers to order {record.order_id!r}, which is not stored",
                )
            order: Order = loaded[0]
            terms: dict[str, list[Term]] = {}
            for version in order.versions:
                for term in version.terms:
                    terms.setdefault(term.term_id, []).append(term)
            found = orders[record.order_id] = (order.defendant_id, terms)
        check_compliance_fits(record, *found)


def _unique_records(records: Iterable[ComplianceRecord]) -> dict[str, ComplianceRecord]:
    """The records by id; a repeat with the same content is dropped, with other content refused."""
    unique: dict[str, ComplianceRecord] = {}
    for n, item in enumerate(records):
        if not isinstance(item, ComplianceRecord):
            raise InvalidValueError(f"records[{n}]", item, "is not a ComplianceRecord")
        if not _same_record(unique.setdefault(item.record_id, item), item):
            raise InvalidValueError(
                "record_id", item.record_id, "appears twice in the batch with different content"
            )
    return unique


def _same_record(a: ComplianceRecord, b: ComplianceRecord) -> bool:
    """Whether two compliance records say the same, ``at`` compared as an instant.

    ``01:30`` London in the repeated autumn hour and the same instant in UTC are
    one record; Python's ``==`` would say they differ (an ambiguous wall clock is
    never equal to a time in another zone), and that 01:30 BST and 01:30 GMT agree.
    """
    # Not ``a == b`` first: two London times compare by wall clock, fold ignored, so
    # 01:30 BST and 01:30 GMT would be one record.
    return as_utc(a.at) == as_utc(b.at) and attrs.evolve(b, at=a.at) == a


def check_compliance_fits(
    record: ComplianceRecord, defendant_id: str, terms: Mapping[str, Sequence[Term]]
) -> None:
    """The record's defendant is the order's (``defendant_id``), and its term, among the
    order's ``terms`` by id, a positive requirement or sign-on schedule (SPA2019 s.1(2)(b)).

    Raises:
        InvalidValueError: naming ``defendant_id`` or ``term_id`` and the value.
    """
    if record.defendant_id != defendant_id:
        raise InvalidValueError(
            "defendant_id",
            record.defendant_id,
            f"order {record.order_id!r} is against defendant {defendant_id!r}",
        )
    found = terms.get(record.term_id)
    if not found:
        raise InvalidValueError(
            "term_id", record.term_id, f"order {record.order_id!r} has no term with this id"
        )
    if not any(isinstance(t, _COMPLIANCE_TERMS) for t in found):
        term = found[-1]
        raise InvalidValueError(
            "term_id",
            record.term_id,
            f"term of order {record.order_id!r} is {term.CODE} {term.TITLE}, not a positive "
            "requirement (SPO-R01) or sign-on schedule (SPO-R02): compliance is recorded "
            "only against positive requirements (SPA2019 s.1(2)(b))",
        )


class UnitOfWork(abc.ABC):
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
        self.orders: Repository[Order] = Repository(self, MAPPERS[Order])
        self.applications: Repository[Application] = Repository(self, MAPPERS[Application])
        self.notification_duties: Repository[NotificationDuty] = Repository(
            self, MAPPERS[NotificationDuty]
        )
        self.breach_reviews = BreachReviewRepository(self, MAPPERS[BreachReview])
        self.alerts: Repository[Alert] = Repository(self, MAPPERS[Alert])
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
        bodies = []
        for n, item in enumerate(batch):
            if not isinstance(item, Alert):
                raise InvalidValueError(f"alerts[{n}]", item, "is not an Alert")
            if item.alert_id in seen:
                raise InvalidValueError("alert_id", item.alert_id, "appears twice")
            seen.add(item.alert_id)
            body = _codec.dump(item, Alert)  # one dump: the NUL check, then the stored row
            refuse_nul(body, "alert", item.alert_id)
            bodies.append(body)
        self._records().insert_many(MAPPERS[Alert], batch, bodies)
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
        """Append an audit entry for something that is not a stored change (e.g. a report sent)."""
        self._audit(event, subject_kind, subject_id, dict(changes or {}), reason)

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
        """
        self.consulted(defendants=defendants, protected_persons=protected_persons)
        people, self._consulted = self._consulted, {}
        recorded = {**dict(changes or {}), **people_changes(people, self.actor.purpose)}
        self._audit(event, subject_kind, subject_id, recorded, reason)

    def defer_consultations(self) -> None:
        """Leave this unit of work's consultation to its caller: no ``persons.consulted``
        entry is written for the people read in it.

        For a use case spanning several units of work (a report: the records, the
        alerts, the evidence, the note) whose last one writes the single
        :meth:`disclose` entry naming everyone it covered: one entry per call.
        """
        self._consultations_deferred = True

    def _consult(self, kind: str, keys: Iterable[str]) -> None:
        found = self._consulted.get(kind)
        if found is None:
            found = self._consulted[kind] = set()
        found.update(keys)
        if not found:
            del self._consulted[kind]

    def _consultation(self) -> list[PendingEntry]:
        """The consultation entry of the reads not yet logged (none if deferred or nobody)."""
        people, self._consulted = self._consulted, {}
        if self._consultations_deferred or not people:
            return []
        ids = sorted(k for keys in people.values() for k in keys)
        key = f"{ids[0]}..{ids[-1]}"  # as batches are named; the ids are in the changes
        changes = people_changes(people, self.actor.purpose)
        reason = self.actor.purpose or "records read"
        return [
            PendingEntry.encoded(
                self._now(), self.actor, CONSULTED_EVENT, "persons", key, changes, reason
            )
        ]

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

    def _now(self) -> pendulum.DateTime:
        if self._at is not None:
            return self._at
        assert self._clock is not None
        return ensure_aware(self._clock(), field="clock()")

    def _audit(
        self,
        event: str,
        kind: str,
        key: str,
        changes: Mapping[str, Any],
        reason: str,
        digest: str | None = None,
    ) -> None:
        self._pending.append(
            PendingEntry.encoded(self._now(), self.actor, event, kind, key, changes, reason, digest)
        )

    def _emit(self, event: DomainEvent) -> None:
        self._events.append(PendingEvent(event, self._now()))

    def _audit_read(self, key: str, reason: str) -> None:
        event = "protected_person.restricted_read"
        self._reads.append(
            PendingEntry(self._now(), self.actor, event, "protected_person", key, {}, reason)
        )

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

    def _refused(self, refused: PermissionDeniedError) -> None:
        """Keep an audit entry of ``refused``: written even though the work is rolled back."""
        changes = {"role": refused.role, "action": refused.action, "reason": refused.reason}
        self._reads.append(
            PendingEntry.encoded(
                self._now(),
                self.actor,
                "permission.denied",
                "permission",
                refused.action,
                changes,
                self.actor.purpose or "",
            )
        )

    @contextlib.contextmanager
    def _processing(self) -> Iterator[None]:
        """Within this block, restricted reads serve an action already authorised.

        Detection (the no-approach rule needs the protected persons' places) and
        redaction (scrubbing their addresses from free text) read restricted
        details that the caller never sees; the action itself was authorised, and
        each read is still audited.

        Internal to the library: only casework and the interchange use it, inside a
        function that authorised its own action and returns no restricted detail.
        It is not public API (a caller of the unit of work reads restricted details
        through the ``read_restricted`` check).
        """
        self._processing_depth += 1
        try:
            yield
        finally:
            self._processing_depth -= 1

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
        """Insert ``incidents`` and the audit ``entry`` in one transaction (all or nothing)."""

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
        self, after: int, through: int, *, kinds: Collection[str]
    ) -> list[AuditEntry]:
        """The committed audit entries numbered after ``after`` up to ``through`` whose
        subject kind is one of ``kinds``, in number order.

        Writers append to the trail under one lock held to their commit (the head
        record's row lock; SQLite's single writer; the memory store's lock), so
        numbers are taken in commit order: once a reader sees the head at ``n``,
        every entry numbered ``n`` or less is committed, and none can appear later.
        """
        return [
            e for e in self.audit_entries() if after < e.seq <= through and e.subject_kind in kinds
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
