"""The generic repository: load, add and update one kind of aggregate in a unit of work.

Every write appends an audit entry (and, for an order made or an alert raised or a
lifecycle transition, a domain event) to the unit of work. The repositories with
rules of their own (restricted reads, lookups, compliance) subclass it in
:mod:`~spo_tracker.storage._repositories`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Withheld
from spo_tracker.domain.statemachine import TransitionRecord
from spo_tracker.errors import (
    ConcurrencyConflictError,
    DuplicateRecordError,
    InvalidValueError,
    NotFoundError,
)
from spo_tracker.events import DomainEvent, alert_raised, event_for_transition, order_made
from spo_tracker.storage import _codec
from spo_tracker.storage._audit import Actor
from spo_tracker.storage._codec import instant_text
from spo_tracker.storage._digests import record_digest
from spo_tracker.storage._mapping_base import Mapper

if TYPE_CHECKING:
    from spo_tracker.storage._unit_of_work import UnitOfWork

__all__ = ["Repository", "refuse_nul"]

T = TypeVar("T")


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

    def get_many_unless_same(
        self, objs: Iterable[T]
    ) -> tuple[dict[str, tuple[T, int]], dict[str, int]]:
        """:meth:`get_many_revisions` for the ids of ``objs``, without building the stored
        aggregates that are stored exactly as given: those come back apart, as their
        revisions. Every revision is remembered as the base of an update.

        The first read of a detection run's storing, most of whose alerts are found again
        unchanged: each object given is dumped as its row would hold it and compared with
        the stored row as text, in one query per 500 ids; only the rows that differ are
        parsed and built (validators run). Equal text means an equal aggregate, so ``same``
        holds no aggregate that :meth:`get_many_revisions` would give as different.

        Returns:
            The stored aggregates that differ from the one given, with their revisions, by
            id; and the revisions of those stored as given, by id. Ids not stored are in
            neither.

        Raises:
            InvalidValueError: an item is not of this kind, or an id appears twice.
        """
        mapper, texts, objs = self._mapper, {}, list(objs)
        for obj in objs:
            self._check_type(obj)
            key = mapper.key(obj)
            if key in texts:
                raise InvalidValueError(mapper.key_column, key, "appears twice")
            texts[key] = mapper.stored_text(obj) or ""
        changed, same = self._uow._records().load_many_unless_same(mapper, texts)
        seen, made = self._uow._seen, self._uow._texts
        for obj in objs:
            key = mapper.key(obj)
            if key not in same and key not in changed:
                made[(self.kind, key)] = (obj, texts[key])
        for key, revision in same.items():
            seen[(self.kind, key)] = revision
        for key, (_, revision) in changed.items():
            seen[(self.kind, key)] = revision
        self._read({key: obj for key, (obj, _) in changed.items()}, "")
        return changed, same

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
        before, stored = self._before_update(key, obj)
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

    def _before_update(self, key: str, after: T) -> tuple[T, int]:
        """The stored aggregate ``after`` changes, and its revision, locked."""
        # Not remembered: after a conflict the caller must load again, not retry blindly.
        found: tuple[T, int] = self._load(key, lock=True, remember=False)
        return found

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
