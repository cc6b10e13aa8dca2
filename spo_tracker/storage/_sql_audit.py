"""The SQL of the audit trail and the outbox: appending chained entries and events in the
caller's transaction, and reading them back as records."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from spo_tracker.errors import DatabaseError
from spo_tracker.events import DomainEvent
from spo_tracker.storage._audit import AuditEntry, PendingEntry, chain, sealed_pending
from spo_tracker.storage._base import OutboxEntry, PendingEvent
from spo_tracker.storage._consult import people_of
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._sql_bulk import _copy, _insert_driver
from spo_tracker.storage._tables import AuditEntryRow, AuditHeadRow, AuditPersonRow, OutboxRow

__all__ = ["append_audit", "append_events"]


_AUDIT: Final = AuditEntryRow.__table__  # type: ignore[attr-defined]


_HEAD: Final = AuditHeadRow.__table__  # type: ignore[attr-defined]


_PEOPLE: Final = AuditPersonRow.__table__  # type: ignore[attr-defined]


_OUTBOX: Final = OutboxRow.__table__  # type: ignore[attr-defined]


def append_audit(
    conn: Connection, pending: Sequence[PendingEntry], keyring: AuditKeyring | None = None
) -> list[AuditEntry]:
    """Chain ``pending`` after the head entry and insert them, in the caller's transaction.

    The head row is locked (``FOR UPDATE``) so that concurrent PostgreSQL
    writers append one after the other; SQLite writers already hold the lock.
    With a ``keyring`` the entries are sealed with its current key; if the head
    entry was sealed with another key (or none), an ``audit.key_rotated`` entry
    goes first.

    Raises:
        DatabaseError: the head record is missing.
        AuditKeyError: the trail is sealed but no keyring was given, so an entry
            written now could not be told from a forgery.
    """
    head = conn.execute(
        select(_HEAD.c.last_seq, _HEAD.c.last_hash, _AUDIT.c.key_id)
        .select_from(_HEAD.outerjoin(_AUDIT, _AUDIT.c.seq == _HEAD.c.last_seq))
        .where(_HEAD.c.id == 1)
        .with_for_update(of=_HEAD)
    ).first()
    if head is None:
        raise DatabaseError(
            "the audit head record is missing: the trail was cut; see docs/storage.md"
        )
    entries = chain(sealed_pending(pending, head[2], keyring), int(head[0]), str(head[1]), keyring)
    if entries:
        conn.execute(insert(_AUDIT), [_entry_values(e) for e in entries])
        people = [
            (key, e.seq, kind)
            for e in entries
            for kind, key in people_of(e.subject_kind, e.subject_id, e.changes)
        ]
        if people:  # the index of `audit log --person`, in the entries' transaction
            _insert_people(conn, people)
        conn.execute(
            update(_HEAD)
            .where(_HEAD.c.id == 1)
            .values(last_seq=entries[-1].seq, last_hash=entries[-1].entry_hash)
        )
    return entries


def _insert_people(conn: Connection, rows: list[tuple[str, int, str]]) -> None:
    """Insert ``audit_people`` rows with the driver itself: a consultation by a detection run
    names every person (tens of thousands of rows), which SQLAlchemy's executemany takes
    several times longer to send (SQLite: executemany; PostgreSQL: COPY)."""
    if conn.dialect.name == "sqlite":
        sql = "INSERT INTO audit_people (person_id, seq, person_kind) VALUES (?, ?, ?)"
        conn.exec_driver_sql(sql, rows)
        return
    _copy(conn, "COPY audit_people (person_id, seq, person_kind) FROM STDIN", rows)


def append_events(conn: Connection, events: Sequence[PendingEvent]) -> None:
    """Insert ``events`` into the outbox after the last position, in the caller's transaction.

    Call it after :func:`append_audit`: the audit head's row lock serialises
    writers, so positions are taken in commit order and never go back.
    """
    if not events:
        return
    last = conn.execute(select(func.coalesce(func.max(_OUTBOX.c.position), 0))).scalar()
    start = int(last or 0) + 1
    rows: list[dict[str, Any]] = [
        {
            "position": start + n,
            "originator_kind": p.event.originator_kind,
            "originator_id": p.event.originator_id,
            "originator_version": p.event.originator_version,
            "event_type": p.event.event_type,
            "recorded_at": p.recorded_at,
            "delivered_at": None,
            "payload": p.payload(),
        }
        for n, p in enumerate(events)
    ]
    if conn.dialect.name == "sqlite":  # a detection run's tens of thousands of events
        _insert_driver(conn, _OUTBOX, rows)
        return
    # The same instant as a plain datetime, made once per distinct time (a unit of work's
    # events share one): psycopg converts a pendulum one through pendulum's own, slow,
    # arithmetic for every row.
    plain: dict[int, tuple[_dt.datetime, _dt.datetime]] = {}
    for row in rows:
        at: _dt.datetime = row["recorded_at"]
        if id(at) not in plain:
            plain[id(at)] = (at, _plain_utc(at))
        row["recorded_at"] = plain[id(at)][1]
    conn.execute(insert(_OUTBOX), rows)


def _plain_utc(at: _dt.datetime) -> _dt.datetime:
    """``at`` as a plain :class:`datetime.datetime` in UTC: the same instant, to the
    microsecond."""
    u = _dt.datetime.astimezone(at, _dt.UTC)
    return _dt.datetime(
        u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, tzinfo=_dt.UTC
    )


def _outbox_entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        position=int(row.position),
        event=DomainEvent.from_dict(json.loads(row.payload)),
        recorded_at=row.recorded_at,
        delivered_at=row.delivered_at,
    )


def _entry_values(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "recorded_at": entry.recorded_at,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "event": entry.event,
        "subject_kind": entry.subject_kind,
        "subject_id": entry.subject_id,
        "changes": entry.changes,
        "reason": entry.reason,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
        "record_digest": entry.record_digest,
        "key_id": entry.key_id,
        "mac": entry.mac,
    }


def _audit_entry(row: Any) -> AuditEntry:
    """The committed entry an ``audit_log`` row holds."""
    return AuditEntry(
        seq=int(row.seq),
        recorded_at=row.recorded_at,
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        event=row.event,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        changes=row.changes,
        reason=row.reason,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
        record_digest=row.record_digest,
        key_id=row.key_id,
        mac=row.mac,
    )
