"""Who consulted, disclosed, altered or erased a person's record (DPA 2018 s.62).

The use case behind ``spo-tracker audit log --person ID``. The audit trail
records who did what, when and why; SQL stores index which people each entry
covers (``audit_people``, written with the entry), so a person's history is
one indexed lookup however long the trail (:meth:`Store.audit_entries_for`).
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError
from spo_tracker.reports import london_text
from spo_tracker.storage import Actor, AuditEntry, Store

__all__ = ["PersonAuditLine", "person_audit_log"]

#: The DPA 2018 s.62(1) operation an event is, by the end of its name (else ``altered``).
_OPERATIONS: Final = (
    (".created", "collected"),
    (".restricted_read", "consulted"),
    (".consulted", "consulted"),
    ("casefile.read", "consulted"),
    (".written", "disclosed"),
    (".exported", "disclosed"),
    (".disclosed", "disclosed"),
    (".disposed", "erased"),
    (".erased", "erased"),
)


@attrs.frozen
class PersonAuditLine:
    """One audit entry that covers a person, as ``audit log --person`` lists it.

    Attributes:
        seq: the entry's number in the audit trail.
        recorded_at: when, in UTC.
        actor_id: who.
        role: in which role.
        event: the entry's event (``report.written``, ``defendant.changed``...).
        operation: what it was under DPA 2018 s.62(1): ``collected``, ``altered``,
            ``consulted``, ``disclosed`` or ``erased``.
        purpose: the actor's stated purpose (consultations and disclosures), else the
            reason given with the entry; ``None`` when neither was given.
    """

    seq: int
    recorded_at: pendulum.DateTime
    actor_id: str
    role: str
    event: str
    operation: str
    purpose: str | None

    @property
    def london(self) -> str:
        """When, as London wall-clock time (``Sat 14 Mar 2026 07:02 GMT``)."""
        return london_text(self.recorded_at)

    def as_dict(self) -> dict[str, Any]:
        """The line as JSON-ready values (UTC and London times both given)."""
        return {
            "seq": self.seq,
            "recorded_at": self.recorded_at.to_iso8601_string(),
            "london": self.london,
            "actor_id": self.actor_id,
            "role": self.role,
            "event": self.event,
            "operation": self.operation,
            "purpose": self.purpose,
        }


def _operation(event: str) -> str:
    return next((op for end, op in _OPERATIONS if event.endswith(end)), "altered")


def _purpose(entry: AuditEntry) -> str | None:
    stated = None
    if '"purpose":' in entry.changes:
        decoded = json.loads(entry.changes)
        stated = decoded.get("purpose") if isinstance(decoded, dict) else None
    return stated if isinstance(stated, str) else (entry.reason or None)


def _line(entry: AuditEntry) -> PersonAuditLine:
    return PersonAuditLine(
        entry.seq,
        pendulum.instance(entry.recorded_at).in_timezone("UTC"),
        entry.actor_id,
        entry.actor_role,
        entry.event,
        _operation(entry.event),
        _purpose(entry),
    )


def person_audit_log(
    store: Store, person_id: str, *, actor: Actor, at: _dt.datetime | None = None
) -> tuple[PersonAuditLine, ...]:
    """Every audit entry covering ``person_id``, oldest first: who collected, altered,
    consulted, disclosed or erased their record, when, in which role and why (DPA 2018
    s.62(1)-(3)).

    A person is matched as a defendant and as a protected person alike. The id need
    not be stored any more: the log of a record since disposed of still lists its
    entries (an id never stored lists nothing). Reading the log is not itself logged:
    it shows ids, times and roles, not the person's record.

    Args:
        store: the store whose audit trail is read.
        person_id: the defendant's or protected person's id.
        actor: who asks (for the permission table; the read is not an audit entry).
        at: when, for the audit entry of a refusal (default: the store's clock).

    Raises:
        InvalidValueError: ``person_id`` is blank or not text, or ``actor`` is not an Actor.
        PermissionDeniedError: the actor's role may not read the log (audited).
    """
    if not isinstance(person_id, str) or not person_id.strip():
        raise InvalidValueError("person_id", person_id, "must be non-empty text")
    if not isinstance(actor, Actor):
        raise InvalidValueError("actor", actor, "give an Actor(actor_id, role)")
    with store.unit_of_work(actor, at=None if at is None else ensure_aware(at, field="at")) as uow:
        uow.authorise("person_audit_log")
    return tuple(_line(e) for e in store.audit_entries_for(person_id.strip()))
