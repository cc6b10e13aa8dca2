"""The audit trail: who did what, when, to which record, and why, in a hash chain.

Each entry's ``entry_hash`` is the SHA-256 of its own content and of the
previous entry's hash (``prev_hash``). Changing, deleting, inserting or
reordering entries therefore breaks the chain at the first entry touched,
which :func:`check_chain` names. The trail starts with a genesis entry
(number 0, written when the schema is created), so an emptied trail is a
break, not an empty one; the store also keeps a head record (the last number
and hash), and a missing head or a cut-off tail is caught too.

With an audit key (:mod:`spo_tracker.storage._keys`) each entry is also
sealed: ``mac`` is the HMAC-SHA-256 of its hash under the key named by
``key_id``, so an entry appended, or a chain rewritten, by someone without the
key does not verify. Each change also carries ``record_digest``, the digest of
the record's stored state after it (for a bulk batch, of the batch's rows),
which deep verification compares with the rows as they are now.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.limits import SHORT_TEXT_MAX_LENGTH
from spo_tracker.domain.permissions import purpose_stated
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.validators import Withheld, check_text, non_blank
from spo_tracker.errors import AuditKeyError
from spo_tracker.storage._codec import canonical_json, instant_text
from spo_tracker.storage._keys import AuditKeyring

__all__ = [
    "GENESIS_EVENT",
    "GENESIS_HASH",
    "ROTATION_EVENT",
    "Actor",
    "AuditEntry",
    "AuditReport",
    "CanonicalJson",
    "PendingEntry",
    "chain",
    "check_chain",
    "diff",
    "genesis_entry",
    "sealed_pending",
]

GENESIS_HASH: Final = "0" * 64
#: The event of entry 0, written when the schema is created.
GENESIS_EVENT: Final = "audit.genesis"
#: The event written before the first entry sealed with a new key (or the first keyed one).
ROTATION_EVENT: Final = "audit.key_rotated"
#: How :func:`check_chain` starts the problem of a whole trail that ends unsealed, with a key.
UNSEALED_END: Final = "it is not sealed, yet an audit key is given"
#: How it starts the problem of a whole trail whose last entry is sealed with a retired key.
RETIRED_END: Final = "it is sealed with a key the keyring has retired"


def _stated(value: object) -> object:
    """A purpose with nothing visible in it (spaces, U+200B, U+2800...) is none stated."""
    return None if isinstance(value, str) and not purpose_stated(value) else value


def _purpose(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        check_text(
            "purpose", value, max_length=SHORT_TEXT_MAX_LENGTH, shown=Withheld("may name people")
        )


@attrs.frozen
class Actor:
    """Who is acting: recorded on every audit entry.

    Attributes:
        actor_id: the person's or system's stable id (a collar number, a service name).
        role: the role they act in, one of the permission table's
            (:class:`spo_tracker.domain.permissions.Role`: ``officer``, ``supervisor``,
            ``analyst``, ``auditor``, ``administrator``, ``ingest``); the library's own
            entries use ``schema`` and ``audit``. The unit of work refuses what the role
            may not do (:meth:`UnitOfWork.authorise`).
        purpose: why they act, in their words (``safeguarding review of case 41``):
            required to read a protected person's restricted details, and written
            to the audit trail with every consultation and disclosure (DPA 2018
            s.62 asks for the justification). ``None`` when no purpose is stated; a
            purpose of nothing visible (spaces, invisible characters) is ``None`` too.
    """

    actor_id: str = attrs.field(validator=non_blank)
    role: str = attrs.field(validator=non_blank)
    purpose: str | None = attrs.field(default=None, converter=_stated, validator=_purpose)


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
    record_digest: str | None = None

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
        record_digest: str | None = None,
    ) -> PendingEntry:
        """An entry whose ``changes`` are encoded now (see :class:`CanonicalJson`)."""
        text = CanonicalJson(canonical_json(changes))
        return cls(recorded_at, actor, event, subject_kind, subject_id, text, reason, record_digest)


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
        prev_hash: the previous entry's hash (:data:`GENESIS_HASH` for the genesis entry).
        entry_hash: SHA-256 of this entry's content and ``prev_hash``.
        record_digest: the digest of the record's state after the change (``None`` for
            entries that change no record, and for entries written before release 0008).
        key_id: the audit key that sealed it (``None``: not sealed).
        mac: HMAC-SHA-256 of ``entry_hash`` under that key.
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
    record_digest: str | None = None
    key_id: str | None = None
    mac: str | None = None

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
            record_digest=self.record_digest,
            key_id=self.key_id,
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
    *,
    record_digest: str | None = None,
    key_id: str | None = None,
) -> str:
    """SHA-256 (hex) of an entry's fields, in a fixed order, as canonical JSON.

    The record digest and key id are hashed when either is set (an entry written
    before they existed keeps its ten-field hash, so old trails still verify).
    """
    content: list[Any] = [
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
    if record_digest is not None or key_id is not None:
        content += [record_digest, key_id]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def chain(
    pending: Iterable[PendingEntry],
    last_seq: int,
    last_hash: str,
    keyring: AuditKeyring | None = None,
) -> list[AuditEntry]:
    """Number and hash ``pending`` entries after the entry ``last_seq`` with hash
    ``last_hash``; with a ``keyring``, seal each with its current key (one HMAC each)."""
    key = None if keyring is None else keyring.current
    key_id = None if key is None else key.key_id
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
            record_digest=item.record_digest,
            key_id=key_id,
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
                item.record_digest,
                key_id,
                None if key is None else key.mac(digest),
            )
        )
        last_hash = digest
    return entries


def genesis_entry(
    at: _dt.datetime,
    nonce: str,
    *,
    adopted: tuple[int, str] | None = None,
    keyring: AuditKeyring | None = None,
) -> AuditEntry:
    """Entry 0 of a trail: written when the schema is created, so a trail is never empty.

    Args:
        at: when the schema was created.
        nonce: random text, so that no two trails share a genesis hash.
        adopted: for a trail that already had entries when genesis was introduced
            (release 0008), its head ``(seq, hash)``: entry 1 then links to
            :data:`GENESIS_HASH` as it always did, and entry ``seq`` must keep that hash.
        keyring: seals the genesis entry with its current key.
    """
    changes: dict[str, Any] = {"nonce": nonce}
    if adopted is not None:
        changes["adopted"] = {"head_seq": adopted[0], "head_hash": adopted[1]}
    pending = PendingEntry(
        ensure_aware(at, field="at"),
        Actor("spo_tracker", "schema"),
        GENESIS_EVENT,
        "audit",
        "genesis",
        changes,
        "the audit trail starts here",
    )
    return chain([pending], -1, GENESIS_HASH, keyring)[0]


def sealed_pending(
    pending: Sequence[PendingEntry], head_key: str | None, keyring: AuditKeyring | None
) -> Sequence[PendingEntry]:
    """``pending``, after a rotation entry if the key sealing them is not the head entry's.

    Raises:
        AuditKeyError: the head entry is sealed but no keyring is given.
    """
    if keyring is None:
        if head_key is not None and pending:
            raise AuditKeyError(
                head_key,
                "the audit trail",
                "the trail is sealed with this key; give it (SPO_TRACKER_AUDIT_KEY_FILE or "
                "audit_keyring=) to write",
            )
        return pending
    current = keyring.current.key_id
    if head_key == current or not pending:
        return pending
    rotation = PendingEntry(
        pending[0].recorded_at,
        Actor("spo_tracker", "audit"),
        ROTATION_EVENT,
        "audit",
        "key",
        {"from": head_key, "to": current},
        "entries from here are sealed with the new key",
    )
    return [rotation, *pending]


@attrs.frozen
class AuditReport:
    """The result of checking an audit trail.

    Attributes:
        ok: the chain is whole (and, when checked, every record matches it).
        checked: how many entries after the genesis entry were read.
        head_seq: the last entry's number (0: only the genesis entry).
        head_hash: the last entry's hash; record it elsewhere to anchor the trail.
        first_bad_seq: the first entry found altered, missing or out of place.
        problem: what is wrong with it, in plain English.
        sealed: the entries' seals were checked with an audit key.
        notes: what this check could not establish (no key given, entries before keying).
        findings: deep verification's differences between the records and the trail,
            one line each, naming the kind and id (never a value).
    """

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None
    sealed: bool = False
    notes: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for people: the verdict and, when broken, the first bad entry."""
        if self.problem is not None:
            return f"audit trail BROKEN at entry {self.first_bad_seq}: {self.problem}"
        notes = "".join(f"; {note}" for note in self.notes)
        if self.sealed:
            notes = f"; seals checked{notes}"
        if self.findings:
            return (
                f"audit trail intact but {len(self.findings)} record difference(s) found: "
                "records were changed outside the library" + notes
            )
        return (
            f"audit trail intact: {self.checked} entries, head {self.head_seq} "
            f"{self.head_hash}{notes}"
        )


def check_chain(
    entries: Iterable[AuditEntry],
    head: tuple[int, str] | None,
    *,
    keyring: AuditKeyring | None = None,
) -> AuditReport:
    """Walk ``entries`` in number order and report the first break.

    Args:
        entries: every entry, ordered by ``seq``, starting with the genesis entry (0).
        head: the store's head record ``(last_seq, last_hash)``; ``None`` if it is missing.
        keyring: the audit keys; with it, each sealed entry's seal is checked too.
    """
    walk = _Walk(keyring)
    for entry in entries:
        problem = walk.step(entry)
        if problem is not None:
            return walk.broken(entry, problem)
    return walk.finish(head)


class _Walk:
    """The state of :func:`check_chain` between two entries."""

    def __init__(self, keyring: AuditKeyring | None) -> None:
        self.keyring = keyring
        self.expected, self.prev, self.checked = 0, GENESIS_HASH, 0
        self.genesis: AuditEntry | None = None
        self.adopted: tuple[int, str] | None = None
        self.sealed_since: int | None = None
        self.last_key: str | None = None
        self.head_sealed = False

    def step(self, entry: AuditEntry) -> str | None:
        if self.genesis is None:
            problem = self._genesis(entry)
        else:
            self.checked += 1
            problem = _problem(entry, self.expected, self._link(entry))
            adopted = self.adopted
            if problem is None and adopted is not None and entry.seq == adopted[0]:
                problem = _adopted_problem(entry, adopted)
        if problem is None:
            problem = self._seal(entry)
        if problem is None:
            self.expected, self.prev = entry.seq + 1, entry.entry_hash
            self.head_sealed = entry.key_id is not None
        return problem

    def _genesis(self, entry: AuditEntry) -> str | None:
        if entry.seq != 0 or entry.event != GENESIS_EVENT:
            return "the genesis entry (0) is missing: the start of the trail was deleted"
        problem = _problem(entry, 0, GENESIS_HASH)
        if problem is not None:
            return problem
        self.genesis, self.last_key = entry, entry.key_id
        self.adopted = _adopted(entry.changes)
        return None

    def _link(self, entry: AuditEntry) -> str:
        if entry.seq == 1 and self.adopted is not None:
            return GENESIS_HASH  # a trail written before genesis entries existed
        return self.prev

    def _seal(self, entry: AuditEntry) -> str | None:
        if entry.key_id is None:
            if self.sealed_since is not None:
                return "it is not sealed, but entries before it are (appended without the key)"
            return None
        if self.sealed_since is None:
            self.sealed_since = entry.seq
        if entry.key_id != self.last_key and entry.event not in (ROTATION_EVENT, GENESIS_EVENT):
            return f"it is sealed with key {entry.key_id!r} but no rotation entry introduces it"
        previous, self.last_key = self.last_key, entry.key_id
        if self.keyring is None:
            return None
        key = self.keyring.get(entry.key_id)
        if key is None:
            return f"it is sealed with key {entry.key_id!r}, which the keyring does not hold"
        if not hmac.compare_digest(key.mac(entry.entry_hash), entry.mac or ""):
            return f"its seal does not match key {entry.key_id!r} (forged or rewritten)"
        if previous is not None and _position(self.keyring, entry.key_id) < _position(
            self.keyring, previous
        ):
            return (
                f"it goes back from key {previous!r} to {entry.key_id!r}, which the keyring "
                f"retired when {previous!r} followed it (a retired key is revoked: an entry "
                "sealed with it after the rotation is forged)"
            )
        return None

    def broken(self, entry: AuditEntry, problem: str) -> AuditReport:
        bad = min(entry.seq, self.expected) if self.genesis is not None else 0
        return AuditReport(False, self.checked, max(self.expected - 1, 0), self.prev, bad, problem)

    def finish(self, head: tuple[int, str] | None) -> AuditReport:
        last = self.expected - 1
        problem = self._end_problem(head, last)
        if problem is not None:
            return AuditReport(False, self.checked, max(last, 0), self.prev, *problem)
        sealed = self.keyring is not None and self.sealed_since is not None
        return AuditReport(True, self.checked, last, self.prev, sealed=sealed, notes=self._notes())

    def _end_problem(self, head: tuple[int, str] | None, last: int) -> tuple[int, str] | None:
        if self.genesis is None:
            return 0, "the trail is empty: the genesis entry (0) is missing (emptied or truncated)"
        if self.adopted is not None and last < self.adopted[0]:
            return last + 1, f"entries {last + 1} to {self.adopted[0]} are missing (cut off)"
        if head is None:
            return last + 1, "the head record is missing (deleted)"
        if head != (last, self.prev):
            return last + 1, _head_problem(head, last)
        if self.keyring is not None and self.head_sealed and self.last_key != self.current:
            return last, (
                f"{RETIRED_END} ({self.last_key!r}; the current key is {self.current!r}): "
                "the trail was cut back and continued with an old (perhaps leaked) key, or "
                "the current key has not written to it yet (any write with it, such as "
                "`spo-tracker audit checkpoint`, rotates the trail to it)"
            )
        if self.keyring is not None and not self.head_sealed:
            return last, (
                f"{UNSEALED_END}: a trail written with the key "
                "ends with a sealed entry, so this one was cut back to unsealed entries or "
                "replaced (or the key has not written to it yet: any write with it seals it)"
            )
        return None

    @property
    def current(self) -> str | None:
        return None if self.keyring is None else self.keyring.current.key_id

    def _notes(self) -> tuple[str, ...]:
        if self.sealed_since is None:
            return ("unkeyed: appended forgeries undetectable (configure an audit key)",)
        notes = []
        if self.keyring is None:
            notes.append("seals not checked: no audit key given")
        if self.sealed_since > 1:
            notes.append(f"entries before {self.sealed_since} are not sealed")
        return tuple(notes)


def _position(keyring: AuditKeyring, key_id: str) -> int:
    """Where ``key_id`` is in the keyring, oldest first (it holds it)."""
    return next(i for i, key in enumerate(keyring.keys) if key.key_id == key_id)


def _adopted_problem(entry: AuditEntry, adopted: tuple[int, str]) -> str | None:
    if entry.entry_hash != adopted[1]:
        return "it is not the entry the genesis entry adopted as the head"
    return None


def _adopted(changes: str) -> tuple[int, str] | None:
    try:
        found = json.loads(changes).get("adopted")
        return None if found is None else (int(found["head_seq"]), str(found["head_hash"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


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
