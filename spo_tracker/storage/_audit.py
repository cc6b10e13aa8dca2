"""The audit trail: who did what, when, to which record, and why, in a hash chain.

Each entry's ``entry_hash`` is the SHA-256 of its own content and of the
previous entry's hash (``prev_hash``; the first entry links to
:data:`GENESIS_HASH`). Changing, deleting, inserting or reordering entries
therefore breaks the chain at the first entry touched, which
:func:`check_chain` names. The store also keeps a head record (the last
number and hash), so cutting entries off the end is caught too. Anchoring the
head hash somewhere else (a signed report, an email to the force's
information manager) makes even a full rewrite of the log detectable.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage._codec import canonical_json, instant_text

__all__ = [
    "GENESIS_HASH",
    "Actor",
    "AuditEntry",
    "AuditReport",
    "CanonicalJson",
    "PendingEntry",
    "chain",
    "check_chain",
    "diff",
]

GENESIS_HASH: Final = "0" * 64


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(attribute.name, value, "must be non-empty text")


@attrs.frozen
class Actor:
    """Who is acting: recorded on every audit entry.

    Attributes:
        actor_id: the person's or system's stable id (a collar number, a service name).
        role: the role they act in (``officer``, ``supervisor``, ``ingest``...).
    """

    actor_id: str = attrs.field(validator=_text)
    role: str = attrs.field(validator=_text)


class CanonicalJson(str):
    """An audit entry's changes, already encoded as canonical JSON.

    A unit of work encodes each entry's changes when it records them: the text
    is a fraction of the memory of the nested dictionaries it replaces (a
    force's records file holds tens of thousands of pending entries until its
    one commit), the garbage collector does not traverse it, and a value that
    cannot be encoded is refused at the call that gave it, not at the commit.
    """

    __slots__ = ()


@attrs.frozen
class PendingEntry:
    """An audit entry waiting for its transaction to commit (it has no number or hash yet).

    ``changes`` is a mapping, or :class:`CanonicalJson` text already encoded.
    """

    recorded_at: pendulum.DateTime
    actor: Actor
    event: str
    subject_kind: str
    subject_id: str
    changes: Mapping[str, Any] | CanonicalJson
    reason: str

    @classmethod
    def encoded(
        cls,
        recorded_at: pendulum.DateTime,
        actor: Actor,
        event: str,
        subject_kind: str,
        subject_id: str,
        changes: Mapping[str, Any],
        reason: str,
    ) -> PendingEntry:
        """An entry whose ``changes`` are encoded now (see :class:`CanonicalJson`)."""
        text = CanonicalJson(canonical_json(changes))
        return cls(recorded_at, actor, event, subject_kind, subject_id, text, reason)


@attrs.frozen
class AuditEntry:
    """One committed audit entry.

    Attributes:
        seq: 1, 2, 3... without gaps.
        recorded_at: when it was recorded (aware, UTC).
        actor_id: who.
        actor_role: in which role.
        event: what happened, e.g. ``order.created`` or ``full_order.SERVE``.
        subject_kind: the kind of record (``order``, ``protected_person``...).
        subject_id: the record's id.
        changes: what changed, as canonical JSON text (exactly what was hashed).
        reason: why, as given by the actor.
        prev_hash: the previous entry's hash (:data:`GENESIS_HASH` for the first).
        entry_hash: SHA-256 of this entry's content and ``prev_hash``.
    """

    seq: int
    recorded_at: pendulum.DateTime
    actor_id: str
    actor_role: str
    event: str
    subject_kind: str
    subject_id: str
    changes: str
    reason: str
    prev_hash: str
    entry_hash: str

    def computed_hash(self) -> str:
        """The hash this entry's content gives now (equal to ``entry_hash`` unless altered)."""
        return entry_hash(
            self.seq,
            self.recorded_at,
            self.actor_id,
            self.actor_role,
            self.event,
            self.subject_kind,
            self.subject_id,
            self.changes,
            self.reason,
            self.prev_hash,
        )


def entry_hash(
    seq: int,
    recorded_at: _dt.datetime,
    actor_id: str,
    actor_role: str,
    event: str,
    subject_kind: str,
    subject_id: str,
    changes: str,
    reason: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of an entry's fields, in a fixed order, as canonical JSON."""
    content = [
        seq,
        instant_text(recorded_at),
        actor_id,
        actor_role,
        event,
        subject_kind,
        subject_id,
        changes,
        reason,
        prev_hash,
    ]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def chain(pending: Iterable[PendingEntry], last_seq: int, last_hash: str) -> list[AuditEntry]:
    """Number and hash ``pending`` entries after the entry ``last_seq`` with hash ``last_hash``."""
    entries = []
    for item in pending:
        last_seq += 1
        given = item.changes
        changes = str(given) if isinstance(given, CanonicalJson) else canonical_json(given)
        at = ensure_aware(item.recorded_at, field="recorded_at").in_timezone("UTC")
        digest = entry_hash(
            last_seq,
            at,
            item.actor.actor_id,
            item.actor.role,
            item.event,
            item.subject_kind,
            item.subject_id,
            changes,
            item.reason,
            last_hash,
        )
        entries.append(
            AuditEntry(
                last_seq,
                at,
                item.actor.actor_id,
                item.actor.role,
                item.event,
                item.subject_kind,
                item.subject_id,
                changes,
                item.reason,
                last_hash,
                digest,
            )
        )
        last_hash = digest
    return entries


@attrs.frozen
class AuditReport:
    """The result of checking an audit trail.

    Attributes:
        ok: the chain is whole.
        checked: how many entries were read.
        head_seq: the last entry's number (0 for an empty trail).
        head_hash: the last entry's hash; record it elsewhere to anchor the trail.
        first_bad_seq: the first entry found altered, missing or out of place.
        problem: what is wrong with it, in plain English.
    """

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def describe(self) -> str:
        """One line for people: the verdict and, when broken, the first bad entry."""
        if self.ok:
            return (
                f"audit trail intact: {self.checked} entries, head {self.head_seq} {self.head_hash}"
            )
        return f"audit trail BROKEN at entry {self.first_bad_seq}: {self.problem}"


def check_chain(entries: Iterable[AuditEntry], head: tuple[int, str] | None) -> AuditReport:
    """Walk ``entries`` in number order and report the first break.

    Args:
        entries: every entry, ordered by ``seq``.
        head: the store's head record ``(last_seq, last_hash)``; ``None`` if it keeps none.
    """
    expected, prev, checked = 1, GENESIS_HASH, 0
    for entry in entries:
        checked += 1
        problem = _problem(entry, expected, prev)
        if problem is not None:
            bad = min(entry.seq, expected)
            return AuditReport(False, checked, expected - 1, prev, bad, problem)
        expected, prev = entry.seq + 1, entry.entry_hash
    last = expected - 1
    if head is not None and head != (last, prev):
        return AuditReport(False, checked, last, prev, last + 1, _head_problem(head, last))
    return AuditReport(True, checked, last, prev)


def _problem(entry: AuditEntry, expected: int, prev: str) -> str | None:
    if entry.seq != expected:
        return f"entry {expected} is missing (deleted), the next one found is {entry.seq}"
    if entry.prev_hash != prev:
        return "it does not link to the entry before it (an entry was inserted, deleted or moved)"
    if entry.computed_hash() != entry.entry_hash:
        return "its content no longer matches its hash (altered)"
    return None


def _head_problem(head: tuple[int, str], last: int) -> str:
    if head[0] > last:
        return f"entries {last + 1} to {head[0]} are missing (deleted from the end)"
    return f"the head record says entry {head[0]} but the trail ends at entry {last}"


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed between two snapshots, field by field.

    A list that only grew (new order versions, a linked identity) is recorded
    as what was appended; anything else as ``before`` and ``after``.
    """
    changes: dict[str, Any] = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list) and new[: len(old)] == old:
            changes[field] = {"appended": new[len(old) :]}
        else:
            changes[field] = {"before": old, "after": new}
    return changes
