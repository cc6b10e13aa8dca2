"""Idempotent intake: incidents and compliance records from a force's systems, in batches.

A force's exports overlap ("the last 48 hours" every night), so a record
already stored exactly as it is, matched by its stable id, is skipped and
counted, not refused: re-sending a file changes nothing. The same id with
different content is a :class:`~spo_tracker.errors.RecordConflictError`
naming the id and the first field that differs, never a value (a summary or
note may hold a victim's details). ``on_duplicate="error"`` refuses any
record already stored instead, with a
:class:`~spo_tracker.errors.DuplicateRecordError`.

Each batch is one unit of work (all or nothing) with one bulk lookup of the
ids already stored (500 per query) and one bulk insert. Two intakes of
overlapping records at once both finish: if another writer stores one of a
batch's ids between its lookup and its insert, the batch is rolled back and
tried again, and then finds that record stored.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from spo_tracker.casework._permission import authorised
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.statutory_time import as_utc, ensure_aware
from spo_tracker.errors import (
    ConstraintViolationError,
    DuplicateRecordError,
    InvalidValueError,
    RecordConflictError,
    UnknownCodeError,
)
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = ["IntakeResult", "OnDuplicate", "ingest", "ingest_compliance"]

#: What to do with a record already stored exactly as it is.
OnDuplicate = Literal["skip", "error"]
_CHOICES: Final = ("skip", "error")

#: How many times a batch is tried when another writer stored one of its ids meanwhile.
ATTEMPTS: Final = 5


@attrs.frozen
class IntakeResult:
    """What an intake did.

    Attributes:
        added: records stored.
        skipped: records already stored exactly as they are (or repeated in the
            input), which changed nothing.
        batches: batches committed.
    """

    added: int
    skipped: int
    batches: int


def _same(a: object, b: object) -> bool:
    """Equal values; datetimes compared as instants (the repeated autumn hour included)."""
    if isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime):
        return as_utc(a) == as_utc(b)
    return a == b


@functools.cache
def _instant_fields(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` that hold a datetime (``==`` reads two London times by the wall
    clock, so in the repeated autumn hour it would call two instants one)."""
    return tuple(f.name for f in attrs.fields(cls) if "DateTime" in str(f.type))


def _differing_field(stored: Incident | ComplianceRecord, given: object) -> str | None:
    """The first field in which two records of one class differ, or ``None``."""
    cls: type = type(stored)
    if stored == given and all(
        _same(getattr(stored, n), getattr(given, n)) for n in _instant_fields(cls)
    ):
        return None  # the common case of a re-sent record, without a call per field
    for field in attrs.fields(type(stored)):
        name: str = field.name
        if not _same(getattr(stored, name), getattr(given, name)):
            return name
    return None


def _choice(on_duplicate: object) -> OnDuplicate:
    if on_duplicate == "skip":
        return "skip"
    if on_duplicate == "error":
        return "error"
    raise UnknownCodeError("on_duplicate", on_duplicate, _CHOICES)


def _batch_size(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError("batch_size", value, "must be a whole number, 1 or more")
    return value


@attrs.frozen
class _Kind:
    """How one kind of record is read, looked up and stored."""

    name: str
    type: type
    key_field: str
    key: Callable[[Any], str]
    lookup: Callable[[UnitOfWork, list[str]], Mapping[str, Any]]
    compare: Callable[[UnitOfWork, list[Any]], tuple[set[str], set[str]]]
    store: Callable[[UnitOfWork, list[Any], str], None]


def _unique(kind: _Kind, batch: Sequence[Any], offset: int) -> dict[str, Any]:
    """The batch by id; a record repeated exactly is kept once, with other content refused."""
    unique: dict[str, Any] = {}
    for n, item in enumerate(batch):
        if not isinstance(item, kind.type):
            raise InvalidValueError(
                f"records[{offset + n}]", type(item).__name__, f"is not a {kind.type.__name__}"
            )
        key = kind.key(item)
        first = unique.setdefault(key, item)
        if first is not item:
            field = _differing_field(first, item)
            if field is not None:
                raise InvalidValueError(
                    kind.key_field, key, f"appears twice in the input with a different {field}"
                )
    return unique


def _new(kind: _Kind, uow: UnitOfWork, unique: Mapping[str, Any], mode: OnDuplicate) -> list[Any]:
    """The records not yet stored; the rest must be stored exactly as given.

    Stored rows are compared first as they are; only those that differ are read
    as records, to name the field (or find that only a time's zone differs).
    """
    same, other = kind.compare(uow, list(unique.values()))
    stored = kind.lookup(uow, sorted(other)) if other else {}
    for key in unique:
        if key in other:
            field = _differing_field(stored[key], unique[key])
            if field is not None:
                raise RecordConflictError(kind.name, key, field)
        if mode == "error" and (key in same or key in other):
            raise DuplicateRecordError(kind.name, key)
    return [item for key, item in unique.items() if key not in same and key not in other]


def _batch(
    store: Store,
    kind: _Kind,
    unique: Mapping[str, Any],
    *,
    mode: OnDuplicate,
    actor: Actor,
    at: _dt.datetime,
    reason: str,
) -> int:
    """Store one batch's new records in one unit of work; returns how many.

    A duplicate-key refusal after the lookup means another writer stored one of
    the ids meanwhile: the batch is rolled back and looked up again.
    """
    for attempt in itertools.count(1):
        with store.unit_of_work(actor, at=at) as uow:
            new = _new(kind, uow, unique, mode)
            added = {kind.key(r) for r in new}
            try:
                if new:
                    kind.store(uow, new, reason)
                _note_skipped(uow, kind, [k for k in unique if k not in added])
                uow.commit()
            except ConstraintViolationError:
                if attempt >= ATTEMPTS or not _stored_meanwhile(store, kind, added, actor, at):
                    raise
                continue
            return len(new)
    raise AssertionError("unreachable")  # pragma: no cover


def _stored_meanwhile(
    store: Store, kind: _Kind, keys: set[str], actor: Actor, at: _dt.datetime
) -> bool:
    """Whether another writer has stored some of ``keys`` since this batch looked them up."""
    with store.unit_of_work(actor, at=at) as uow:
        return bool(kind.lookup(uow, sorted(keys)))


def _note_skipped(uow: UnitOfWork, kind: _Kind, keys: list[str]) -> None:
    """An audit entry for the records skipped: count, first and last id, SHA-256 of the ids."""
    if not keys:
        return
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()
    changes = {"count": len(keys), "first_id": keys[0], "last_id": keys[-1], "ids_sha256": digest}
    uow.note(
        f"{kind.name}s.skipped", f"{kind.name}_batch", f"{keys[0]}..{keys[-1]}", changes=changes
    )


def _run(
    store: Store,
    kind: _Kind,
    records: Iterable[Any],
    *,
    action: str,
    actor: Actor,
    at: _dt.datetime,
    on_duplicate: object,
    batch_size: object,
    reason: str,
) -> IntakeResult:
    mode, size = _choice(on_duplicate), _batch_size(batch_size)
    when = ensure_aware(at, field="at")
    if not isinstance(actor, Actor):
        raise InvalidValueError("actor", type(actor).__name__, "give an Actor(actor_id, role)")
    authorised(store, actor, action, at=when)
    added = skipped = batches = 0
    source = iter(records)
    while batch := list(itertools.islice(source, size)):
        unique = _unique(kind, batch, added + skipped)
        done = _batch(store, kind, unique, mode=mode, actor=actor, at=when, reason=reason)
        added, skipped, batches = added + done, skipped + len(batch) - done, batches + 1
    return IntakeResult(added, skipped, batches)


def _incident_id(item: Incident) -> str:
    return item.incident_id


def _record_id(item: ComplianceRecord) -> str:
    return item.record_id


def _store_incidents(uow: UnitOfWork, new: list[Incident], reason: str) -> None:
    uow.add_incidents(new, reason=reason)


def _store_compliance(uow: UnitOfWork, new: list[ComplianceRecord], reason: str) -> None:
    uow.compliance.add_many(new, reason=reason)


_INCIDENTS: Final = _Kind(
    "incident",
    Incident,
    "incident_id",
    _incident_id,
    lambda uow, keys: uow.find_incidents(keys),
    lambda uow, items: uow.compare_incidents(items),
    _store_incidents,
)
_COMPLIANCE: Final = _Kind(
    "compliance_record",
    ComplianceRecord,
    "record_id",
    _record_id,
    lambda uow, keys: uow.compliance.get_many(keys),
    lambda uow, items: (set(), set(uow.compliance.get_many([r.record_id for r in items]))),
    _store_compliance,
)


def ingest(
    store: Store,
    incidents: Iterable[Incident],
    *,
    actor: Actor,
    at: _dt.datetime,
    on_duplicate: OnDuplicate = "skip",
    batch_size: int = 5_000,
    reason: str = "",
) -> IntakeResult:
    """Store incidents, skipping those already stored exactly as they are.

    ``incidents`` may be any iterable, consumed ``batch_size`` at a time; each
    batch is one transaction with one ``incidents.ingested`` audit entry for
    what it added and one ``incidents.skipped`` entry for what it skipped
    (count, first and last id, SHA-256 of the ids). On an error the batch is
    rolled back and earlier batches stay committed: run the intake again once
    the cause is fixed, and what was committed is skipped.

    Args:
        store: where to store them.
        incidents: the incidents, in any order.
        actor: who is storing them, for the audit trail.
        at: when, for the audit trail (aware).
        on_duplicate: ``"skip"`` (default): an incident already stored exactly as
            given is skipped and counted; ``"error"``: it is refused.
        batch_size: incidents per transaction.
        reason: for the audit trail.

    Returns:
        How many were added and skipped, and the batches committed.

    Raises:
        RecordConflictError: an id is stored with different content (names the id
            and the first differing field, never a value).
        DuplicateRecordError: with ``on_duplicate="error"``, an id already stored.
        InvalidValueError: an item is not an Incident, an id appears twice in a batch
            with different content, text holds a NUL character, or ``batch_size`` or
            ``actor`` is wrong.
        UnknownCodeError: ``on_duplicate`` is neither ``"skip"`` nor ``"error"``.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    return _run(
        store,
        _INCIDENTS,
        incidents,
        action="ingest",
        actor=actor,
        at=at,
        on_duplicate=on_duplicate,
        batch_size=batch_size,
        reason=reason,
    )


def ingest_compliance(
    store: Store,
    records: Iterable[ComplianceRecord],
    *,
    actor: Actor,
    at: _dt.datetime,
    on_duplicate: OnDuplicate = "skip",
    batch_size: int = 5_000,
    reason: str = "",
) -> IntakeResult:
    """Store compliance records (SPA2019 s.1(2)(b)), skipping those already stored as they are.

    As :func:`ingest`, through the compliance repository's checks: each record
    names a stored order against its defendant and a positive requirement or
    sign-on schedule of that order.

    Args:
        store: where to store them.
        records: the records, in any order.
        actor: who is storing them, for the audit trail.
        at: when, for the audit trail (aware).
        on_duplicate: ``"skip"`` (default) or ``"error"``, as for :func:`ingest`.
        batch_size: records per transaction.
        reason: for the audit trail.

    Returns:
        How many were added and skipped, and the batches committed.

    Raises:
        RecordConflictError: an id is stored with different content (names the id
            and the first differing field, never a value).
        DuplicateRecordError: with ``on_duplicate="error"``, an id already stored.
        ConstraintViolationError: a record's order is not stored.
        InvalidValueError: an item is not a ComplianceRecord, or does not fit its order.
        UnknownCodeError: ``on_duplicate`` is neither ``"skip"`` nor ``"error"``.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    return _run(
        store,
        _COMPLIANCE,
        records,
        action="ingest_compliance",
        actor=actor,
        at=at,
        on_duplicate=on_duplicate,
        batch_size=batch_size,
        reason=reason,
    )
