"""The SQL backend (SQLite and PostgreSQL): repositories' records, units of work, bulk paths."""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import json.encoder
import re
import threading
from collections.abc import Callable, Collection, Generator, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs
import pendulum
from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel

from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import CrimeClassification, Incident, IncidentKind
from spo_tracker.errors import (
    ConcurrencyConflictError,
    ConstraintViolationError,
    DatabaseBusyError,
    DatabaseError,
    DuplicateRecordError,
    NotFoundError,
)
from spo_tracker.events import DomainEvent
from spo_tracker.storage import _engine
from spo_tracker.storage._audit import (
    Actor,
    AuditEntry,
    PendingEntry,
    chain,
    sealed_pending,
)
from spo_tracker.storage._base import (
    Clock,
    OutboxEntry,
    PendingEvent,
    ScannedIncident,
    Store,
    UnitOfWork,
)
from spo_tracker.storage._consult import people_of
from spo_tracker.storage._crypto import DataKeyring, PersonKeys
from spo_tracker.storage._digests import batch_bytes, digest_bytes
from spo_tracker.storage._engine import DatabaseUrl, translate, translating
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._mapping import (
    MAPPERS,
    ChildSpec,
    Mapper,
    RowSet,
    incident_from_values,
)
from spo_tracker.storage._stored import READ_ERRORS, read_json, refused
from spo_tracker.storage._tables import (
    AuditEntryRow,
    AuditHeadRow,
    AuditPersonRow,
    DefendantIdentityRow,
    IncidentRow,
    OutboxRow,
    ProtectedPersonRow,
)
from spo_tracker.storage._types import from_epoch_us, in_zone, to_epoch_us, zone_name

__all__ = ["SqlStore", "SqlUnitOfWork", "append_audit", "append_events"]

_AUDIT: Final = AuditEntryRow.__table__  # type: ignore[attr-defined]
_HEAD: Final = AuditHeadRow.__table__  # type: ignore[attr-defined]
_PEOPLE: Final = AuditPersonRow.__table__  # type: ignore[attr-defined]
_INCIDENTS: Final = IncidentRow.__table__  # type: ignore[attr-defined]
_OUTBOX: Final = OutboxRow.__table__  # type: ignore[attr-defined]
#: The PostgreSQL advisory lock key one outbox relay holds at a time ("SPO_OB" in ASCII).
RELAY_LOCK_KEY: Final = 0x53504F5F4F42


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _values(row: SQLModel) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in _table(type(row)).columns}


@functools.cache
def _key_column(kind: str) -> Any:
    """The id column of the root table of the records of ``kind``."""
    mapper = next(m for m in MAPPERS.values() if m.kind == kind)
    return _table(mapper.root).c[mapper.key_column]


def _pk(row: SQLModel) -> tuple[Any, ...]:
    return tuple(getattr(row, c.name) for c in _table(type(row)).primary_key.columns)


def _has_append_only(mapper: Mapper[Any]) -> bool:
    return any(spec.append_only for spec in mapper.children)


class SqlRecords:
    """The record operations of one SQL transaction (a SQLModel session)."""

    def __init__(
        self,
        session: Session,
        url: str,
        keyring: AuditKeyring | None = None,
        data_keyring: DataKeyring | None = None,
    ) -> None:
        self._session = session
        self._url = url
        self._keyring = keyring
        self.person_keys = PersonKeys(session, data_keyring)

    def shred_person_key(self, person_id: str) -> bool:
        with translating(self._url, kind="protected_person", key=person_id):
            return self.person_keys.shred(person_id)

    def _bind(self, mapper: Mapper[Any]) -> Mapper[Any]:
        """``mapper`` with this transaction's persons' keys (for sealed details)."""
        return mapper.bound(self.person_keys)

    def _rows(self, mapper: Mapper[Any], key: str, *, lock: bool) -> RowSet | None:
        root = _table(mapper.root)
        stmt = select(mapper.root).where(root.c[mapper.key_column] == key)
        if lock:
            stmt = stmt.with_for_update()
        found = self._session.scalars(stmt.execution_options(populate_existing=True)).first()
        if found is None:
            return None
        children = {}
        for spec in mapper.children:
            table = _table(spec.table)
            query = (
                select(spec.table)
                .where(table.c[mapper.key_column_on_children] == key)
                .order_by(*(table.c[c] for c in spec.order_by))
                .execution_options(populate_existing=True)
            )
            children[spec.table] = list(self._session.scalars(query).all())
        return RowSet(found, children)

    def load(self, mapper: Mapper[Any], key: str, *, lock: bool) -> tuple[Any, int] | None:
        mapper = self._bind(mapper)
        with translating(self._url, kind=mapper.kind, key=key):
            rows = self._rows(mapper, key, lock=lock)
        if rows is None:
            return None
        return mapper.from_rows(rows), int(rows.root.revision)

    def insert_aggregates(self, mapper: Mapper[Any], items: Sequence[tuple[Any, int]]) -> None:
        mapper = self._bind(mapper)
        keys = [mapper.key(obj) for obj, _ in items]
        with translating(self._url, kind=mapper.kind, key=keys[0] if len(keys) == 1 else None):
            self._refuse_stored(mapper, keys)
            self._check_references(mapper, [obj for obj, _ in items])
            tables = self._row_values(mapper, items)
        self._insert_rows(mapper.kind, tables)

    def _insert_rows(
        self, kind: str, tables: Mapping[type[SQLModel], Sequence[Mapping[str, Any]]]
    ) -> None:
        """Insert the rows of each table in order, in one savepoint: a multi-row INSERT on
        SQLite, ``COPY`` on PostgreSQL (several times the rows per second of executemany)."""
        if self._sqlite:
            with translating(self._url, kind=kind), self._session.begin_nested():
                for model, rows in tables.items():
                    if rows:
                        self._session.execute(insert(_table(model)), rows)
            return
        conn = self._session.connection()
        try:
            with translating(self._url, kind=kind), conn.begin_nested():
                for model, rows in tables.items():
                    if rows:
                        _copy_rows(conn, _table(model), rows)
        except Exception as error:
            # COPY talks to psycopg directly, so its errors arrive unwrapped.
            if not type(error).__module__.startswith("psycopg"):
                raise
            state = str(getattr(error, "sqlstate", ""))
            if state == "23505":  # another writer stored one of these ids first
                raise DuplicateRecordError(kind, _duplicate_key(error)) from error
            if state.startswith("23"):
                raise ConstraintViolationError(kind, None, _first_line(error)) from error
            if state in _engine.BUSY_STATES:  # a deadlock or serialization failure: retry
                raise DatabaseBusyError(f"{self._url}: {_first_line(error)}") from error
            raise DatabaseError(f"{self._url}: {_first_line(error)}") from error

    def _refuse_stored(self, mapper: Mapper[Any], keys: Sequence[str]) -> None:
        """Raise DuplicateRecordError for the first of ``keys`` already stored."""
        stored = self._stored(_table(mapper.root).c[mapper.key_column], keys)
        if stored:
            raise DuplicateRecordError(mapper.kind, next(k for k in keys if k in stored))

    def _stored(self, column: Any, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` stored in ``column``: one query per 500."""
        found: set[str] = set()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            found.update(self._session.execute(select(column).where(column.in_(part))).scalars())
        return found

    def _check_references(self, mapper: Mapper[Any], objs: Sequence[Any]) -> None:
        """The rule the foreign keys enforce, checked first so the error names the aggregate."""
        wanted: dict[str, list[str]] = {}
        for obj in objs:
            for kind, ref in mapper.references(obj):
                wanted.setdefault(kind, []).append(ref)
        stored = {kind: self._stored(_key_column(kind), refs) for kind, refs in wanted.items()}
        for obj in objs:
            for kind, ref in mapper.references(obj):
                if ref not in stored[kind]:
                    raise ConstraintViolationError(
                        mapper.kind,
                        mapper.key(obj),
                        f"refers to {kind} {ref!r}, which is not stored",
                    )

    @staticmethod
    def _row_values(
        mapper: Mapper[Any], items: Sequence[tuple[Any, int]]
    ) -> dict[type[SQLModel], list[dict[str, Any]]]:
        """Every row of ``items`` as column values, by table (root first, then children)."""
        tables: dict[type[SQLModel], list[dict[str, Any]]] = {mapper.root: []}
        roots = tables[mapper.root]
        if not mapper.children:
            roots.extend(mapper.root_values(obj, revision) for obj, revision in items)
            return tables
        for spec in mapper.children:
            tables[spec.table] = []
        for obj, revision in items:
            rows = mapper.from_domain(obj, revision)
            roots.append(_values(rows.root))
            for spec in mapper.children:
                tables[spec.table].extend(_values(r) for r in rows.of(spec.table))
        return tables

    def _insert(self, *rows: SQLModel) -> None:
        if rows:
            self._session.execute(insert(_table(type(rows[0]))), [_values(r) for r in rows])

    def replace(
        self, mapper: Mapper[Any], before: Any, after: Any, expected: int, revision: int
    ) -> None:
        mapper = self._bind(mapper)
        key = mapper.key(after)
        # Only append-only children are compared with the old rows (never sealed details).
        old = mapper.from_domain(before, expected) if _has_append_only(mapper) else RowSet(None)
        new = mapper.from_domain(after, revision)
        root = _table(mapper.root)
        if mapper.references(after) != mapper.references(before):
            # Not every reference has a foreign key (an order's application): check anew.
            with translating(self._url, kind=mapper.kind, key=key):
                self._check_references(mapper, [after])
        with translating(self._url, kind=mapper.kind, key=key), self._session.begin_nested():
            done = self._session.execute(
                update(root)
                .where(root.c[mapper.key_column] == key, root.c.revision == expected)
                .values({k: v for k, v in _values(new.root).items() if k != "audit_batch"})
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrencyConflictError(mapper.kind, key, expected, None)
            for spec in reversed(mapper.children):
                if not spec.append_only:
                    table = _table(spec.table)
                    self._session.execute(
                        delete(table).where(table.c[mapper.key_column_on_children] == key)
                    )
            for spec in mapper.children:
                kept = {_pk(r) for r in old.of(spec.table)} if spec.append_only else set()
                self._insert(*(r for r in new.of(spec.table) if _pk(r) not in kept))

    def revision(self, mapper: Mapper[Any], key: str) -> int | None:
        root = _table(mapper.root)
        stmt = select(root.c.revision).where(root.c[mapper.key_column] == key)
        with translating(self._url, kind=mapper.kind, key=key):
            found = self._session.execute(stmt).scalar()
        return None if found is None else int(found)

    def keys(self, mapper: Mapper[Any]) -> list[str]:
        column = _table(mapper.root).c[mapper.key_column]
        with translating(self._url):
            return list(self._session.execute(select(column).order_by(column)).scalars())

    def find_defendants(self, identity_key: str) -> list[str]:
        table = _table(DefendantIdentityRow)
        stmt = (
            select(table.c.defendant_id)
            .where(table.c.identity_key == identity_key)
            .distinct()
            .order_by(table.c.defendant_id)
        )
        with translating(self._url):
            return list(self._session.execute(stmt).scalars())

    @property
    def _sqlite(self) -> bool:
        return self._session.get_bind().dialect.name == "sqlite"

    def insert_incidents(self, incidents: list[Incident], batch: str) -> str:
        sqlite = self._sqlite
        to_row = _sqlite_incident if sqlite else _postgres_incident
        rows = [to_row(i, batch) for i in incidents]
        digest = _batch_digest(incidents, rows if sqlite else None, batch, self._keyring)
        conn = self._session.connection()
        try:
            with translating(self._url, kind="incident"), conn.begin_nested():
                if sqlite:
                    conn.exec_driver_sql(_incident_sql(sqlite=True), rows)
                else:
                    _copy_incidents(conn, rows)
            return digest
        except DuplicateRecordError as error:
            raise self._duplicate(incidents) from error
        except Exception as error:
            # COPY talks to psycopg directly, so its errors arrive unwrapped.
            if not type(error).__module__.startswith("psycopg"):
                raise
            if str(getattr(error, "sqlstate", "")).startswith("23"):
                raise self._duplicate(incidents) from error
            raise DatabaseError(f"{self._url}: {_first_line(error)}") from error

    def insert_many(
        self, mapper: Mapper[Any], objs: list[Any], bodies: Sequence[Any] | None = None
    ) -> None:
        with translating(self._url, kind=mapper.kind):
            self._refuse_stored(mapper, [mapper.key(o) for o in objs])
        if bodies is None:
            rows = [mapper.root_values(o, 1) for o in objs]
        else:
            rows = [mapper.root_values(o, 1, body=b) for o, b in zip(objs, bodies, strict=True)]
        self._insert_rows(mapper.kind, {mapper.root: rows})

    def load_many(self, mapper: Mapper[Any], keys: Sequence[str]) -> dict[str, Any]:
        return {key: obj for key, (obj, _) in self.load_many_revisions(mapper, keys).items()}

    def load_many_revisions(
        self, mapper: Mapper[Any], keys: Sequence[str]
    ) -> dict[str, tuple[Any, int]]:
        mapper = self._bind(mapper)
        table = _table(mapper.root)
        column, found = table.c[mapper.key_column], {}
        unique = list(dict.fromkeys(keys))
        with translating(self._url, kind=mapper.kind):
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                if mapper.restricted:
                    self.person_keys.preload(part)
                roots = self._session.execute(select(table).where(column.in_(part))).all()
                children = {s.table: self._children(mapper, s, part) for s in mapper.children}
                for row in roots:
                    key = getattr(row, mapper.key_column)
                    rows = RowSet(row, {t: got.get(key, []) for t, got in children.items()})
                    found[key] = (mapper.from_rows(rows), int(row.revision))
        return found

    def replace_many(self, mapper: Mapper[Any], items: Sequence[tuple[Any, Any, int, int]]) -> None:
        if mapper.children:  # rows to delete and insert per aggregate: one at a time
            for before, after, expected, revision in items:
                self.replace(mapper, before, after, expected, revision)
            return
        mapper = self._bind(mapper)
        root = _table(mapper.root)
        moved = [a for b, a, *_ in items if mapper.references(a) != mapper.references(b)]
        if moved:
            with translating(self._url, kind=mapper.kind):
                self._check_references(mapper, moved)
        key_column = mapper.key_column
        columns = [c.name for c in root.columns if c.name not in (key_column, "audit_batch")]
        # One statement, run once per row so that each row's count is checked: a row is
        # written only over the revision its change was built from.
        stmt = (
            update(root)
            .where(root.c[key_column] == bindparam("w_key"))
            .where(root.c.revision == bindparam("w_expected"))
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        conn = self._session.connection()
        with translating(self._url, kind=mapper.kind), conn.begin_nested():
            for _, after, expected, revision in items:
                values = mapper.root_values(after, revision)
                params = {f"v_{name}": values[name] for name in columns}
                key = values[key_column]
                done = conn.execute(stmt, {**params, "w_key": key, "w_expected": expected})
                if done.rowcount != 1:
                    raise ConcurrencyConflictError(mapper.kind, key, expected, None)

    def _children(
        self, mapper: Mapper[Any], spec: ChildSpec, keys: list[str]
    ) -> dict[str, list[Any]]:
        """The child rows of ``spec`` for ``keys``, by parent id, each list in its order."""
        table = _table(spec.table)
        parent = table.c[mapper.key_column_on_children]
        query = (
            select(table)
            .where(parent.in_(keys))
            .order_by(parent, *(table.c[c] for c in spec.order_by))
        )
        found: dict[str, list[Any]] = {}
        for row in self._session.execute(query):
            found.setdefault(getattr(row, mapper.key_column_on_children), []).append(row)
        return found

    def find_keys(self, mapper: Mapper[Any], column: str, value: str) -> list[str]:
        table = _table(mapper.root)
        key = table.c[mapper.key_column]
        stmt = select(key).where(table.c[column] == value).order_by(key)
        with translating(self._url, kind=mapper.kind):
            return list(self._session.execute(stmt).scalars())

    def find(self, mapper: Mapper[Any], column: str, value: str) -> list[Any]:
        table = _table(mapper.root)
        stmt = select(table).where(table.c[column] == value)
        with translating(self._url, kind=mapper.kind):
            return [mapper.from_rows(RowSet(row)) for row in self._session.execute(stmt)]

    def find_in(self, mapper: Mapper[Any], column: str, values: Sequence[str]) -> list[Any]:
        table, found = _table(mapper.root), []
        with translating(self._url, kind=mapper.kind):
            for start in range(0, len(values), 500):
                stmt = select(table).where(table.c[column].in_(values[start : start + 500]))
                found += [mapper.from_rows(RowSet(row)) for row in self._session.execute(stmt)]
        return found

    def _duplicate(self, incidents: list[Incident]) -> DuplicateRecordError:
        # Ids only: a stored incident that no longer reads is still a duplicate, not an error.
        ids = [i.incident_id for i in incidents]
        stored = self._stored(_INCIDENTS.c.incident_id, ids)
        return DuplicateRecordError("incident", next((k for k in ids if k in stored), None))

    def load_incidents(self, keys: Sequence[str]) -> dict[str, Incident]:
        sqlite, found = self._sqlite, {}
        mark = "?" if sqlite else "%s"
        conn = self._session.connection()
        with translating(self._url, kind="incident"):
            for start in range(0, len(keys), 500):
                part = tuple(keys[start : start + 500])
                sql = (
                    f"SELECT {', '.join(_COLUMNS[:-1])} FROM incidents "
                    f"WHERE incident_id IN ({', '.join([mark] * len(part))})"
                )
                for row in conn.exec_driver_sql(sql, part):
                    incident = _stored_incident(row, sqlite=sqlite)
                    found[incident.incident_id] = incident
        return found

    def compare_incidents(self, incidents: Sequence[Incident]) -> tuple[set[str], set[str]]:
        sqlite = self._sqlite
        given = {i.incident_id: i for i in incidents}
        keys, same, other = list(given), set[str](), set[str]()
        columns = ", ".join(_COLUMNS[:-1])
        conn = self._session.connection()
        queries: list[tuple[str, Sequence[Any]]]
        with translating(self._url, kind="incident"):
            if sqlite:
                parts = [tuple(keys[n : n + 500]) for n in range(0, len(keys), 500)]
                queries = [
                    (f"SELECT {columns} FROM incidents WHERE incident_id IN "
                     f"({', '.join('?' * len(part))})", part)
                    for part in parts
                ]  # fmt: skip
            else:  # one round trip: the ids as one array parameter
                queries = [
                    (f"SELECT {columns} FROM incidents WHERE incident_id = ANY(%s)", (keys,))
                ]
            for sql, params in queries:
                for row in conn.exec_driver_sql(sql, params):
                    # Built only for those stored (the re-sent), as they would be stored.
                    incident = given[row[0]]
                    if sqlite:
                        mine = _sqlite_incident(incident)[:-1]
                    else:  # the JSON column reads back as a list
                        full = _postgres_incident(incident)
                        mine = (*full[:12], list(incident.evidence_refs), *full[13:-1])
                    (same if tuple(row) == mine else other).add(row[0])
        return same, other

    def person_name(self, key: str) -> str:
        table = _table(ProtectedPersonRow)
        with translating(self._url):
            name = self._session.execute(
                select(table.c.name).where(table.c.person_id == key)
            ).scalar()
        if name is None:
            raise NotFoundError("protected_person", key)
        return str(name)


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
    driver: Any = conn.connection.driver_connection
    copy_sql = "COPY audit_people (person_id, seq, person_kind) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)


def append_events(conn: Connection, events: Sequence[PendingEvent]) -> None:
    """Insert ``events`` into the outbox after the last position, in the caller's transaction.

    Call it after :func:`append_audit`: the audit head's row lock serialises
    writers, so positions are taken in commit order and never go back.
    """
    if not events:
        return
    last = conn.execute(select(func.coalesce(func.max(_OUTBOX.c.position), 0))).scalar()
    start = int(last or 0) + 1
    conn.execute(
        insert(_OUTBOX),
        [
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
        ],
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


#: The audit subjects that add or change incidents: a bulk batch, or one incident.
_INCIDENT_KINDS: Final = frozenset({"incident_batch", "incident"})


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


class SqlUnitOfWork(UnitOfWork):
    """A unit of work on one SQLModel session (one database transaction at a time)."""

    def __init__(
        self, store: SqlStore, actor: Actor, *, at: _dt.datetime | None, clock: Clock | None
    ) -> None:
        super().__init__(actor, at=at, clock=clock, keyring=store.keyring)
        self._store = store
        self._session: Session | None = None
        self._recs: SqlRecords | None = None

    def _begin(self) -> None:
        self._session = Session(self._store.engine, autoflush=False, expire_on_commit=False)
        self._recs = SqlRecords(
            self._session, self._store.url.shown, self._store.keyring, self._store.data_keyring
        )

    def _records(self) -> SqlRecords:
        self._require_open()
        assert self._recs is not None
        return self._recs

    def _commit(self, entries: list[PendingEntry], events: list[PendingEvent]) -> None:
        assert self._session is not None
        with translating(self._store.url.shown):
            try:
                if entries or events:
                    conn = self._session.connection()
                    # Locks the head even with no entries.
                    append_audit(conn, entries, self._store.keyring)
                    append_events(conn, events)
                self._session.commit()
            except BaseException:
                self._session.rollback()
                raise

    def _rollback(self) -> None:
        if self._session is not None:
            with translating(self._store.url.shown):
                self._session.rollback()

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()
        self._session = self._recs = None


_COLUMNS: Final = (
    "incident_id",
    "occurred_at",
    "occurred_at_tz",
    "kind",
    "platform",
    "actor_key",
    "defendant_id",
    "target_person_id",
    "via_third_party",
    "lat",
    "lon",
    "summary",
    "evidence_refs",
    "reported_at",
    "reported_at_tz",
    "classification",
    "revision",
)
#: What the bulk paths insert: every column, and the batch that stored the row.
_BATCH_COLUMNS: Final = (*_COLUMNS, "audit_batch")
_LIGHT: Final = (
    "incident_id",
    "occurred_at",
    "kind",
    "platform",
    "actor_key",
    "defendant_id",
    "target_person_id",
    "via_third_party",
    "lat",
    "lon",
    "reported_at",
)


#: Every enum member an incident row holds, by its stored code (a dict lookup is several
#: times cheaper than ``member.value`` through the enum descriptor, on the bulk path).
_CODES: Final[dict[Any, str]] = {
    member: member.value
    for enum_type in (IncidentKind, Platform, CrimeClassification)
    for member in enum_type
}
_code = _CODES.get
_quoted = json.encoder.encode_basestring_ascii


def _refs_json(refs: tuple[str, ...]) -> str:
    """``json.dumps(list(refs))``, the same text, without the general encoder's overhead."""
    return "[" + ", ".join(map(_quoted, refs)) + "]" if refs else "[]"


def _sqlite_incident(i: Incident, *batch: str) -> tuple[Any, ...]:
    """An incident as the plain tuple SQLite stores (instants in UTC microseconds), with
    its ``audit_batch`` last if one is given. Coordinates are floats, so that the tuple
    reads back equal (its text is what a batch digest covers)."""
    where, actor, reported = i.location, i.actor, i.reported_at
    return (
        i.incident_id,
        to_epoch_us(i.occurred_at),
        zone_name(i.occurred_at),
        _code(i.kind),
        _code(i.platform),
        None if actor is None else actor.key,
        i.defendant_id,
        i.target_person_id,
        i.via_third_party,
        None if where is None else float(where.lat),
        None if where is None else float(where.lon),
        i.summary,
        _refs_json(i.evidence_refs),
        None if reported is None else to_epoch_us(reported),
        None if reported is None else zone_name(reported),
        _code(i.classification),
        1,
        *batch,
    )


def _postgres_incident(i: Incident, *batch: str) -> tuple[Any, ...]:
    """An incident as the plain tuple PostgreSQL stores (aware datetimes for timestamptz),
    with its ``audit_batch`` last if one is given."""
    where, actor, reported = i.location, i.actor, i.reported_at
    return (
        i.incident_id,
        i.occurred_at,
        zone_name(i.occurred_at),
        _code(i.kind),
        _code(i.platform),
        None if actor is None else actor.key,
        i.defendant_id,
        i.target_person_id,
        i.via_third_party,
        None if where is None else where.lat,
        None if where is None else where.lon,
        i.summary,
        _refs_json(i.evidence_refs),
        reported,
        None if reported is None else zone_name(reported),
        _code(i.classification),
        1,
        *batch,
    )


def _incident_from_row(r: Sequence[Any], *, sqlite: bool) -> Incident:
    """The domain incident from a raw row of ``_COLUMNS`` (without the revision)."""
    occurred, refs, reported = r[1], r[12], r[13]
    if sqlite:
        occurred, refs = from_epoch_us(occurred), read_json(refs)
        reported = None if reported is None else from_epoch_us(reported)
    return incident_from_values(
        r[0],
        in_zone(occurred, r[2]),
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        refs,
        None if reported is None else in_zone(reported, r[14]),
        classification=r[15],
    )


def _stored_incident(r: Sequence[Any], *, sqlite: bool) -> Incident:
    """:func:`_incident_from_row`, naming the incident if its values break a rule.

    Raises:
        StoredRecordError: the row's values are refused (a bad code, a bad time...).
    """
    try:
        return _incident_from_row(r, sqlite=sqlite)
    except READ_ERRORS as error:
        raise refused("incident", r[0], error) from error


def _batch_digest(
    incidents: Sequence[Incident],
    sqlite_rows: list[tuple[Any, ...]] | None,
    batch: str,
    keyring: AuditKeyring | None,
) -> str:
    """The digest of a bulk batch: its SQLite-form rows (the rows in hand on SQLite) in id
    order, as :func:`batch_rows` reads them back on either backend."""
    rows = (
        sqlite_rows if sqlite_rows is not None else [_sqlite_incident(i, batch) for i in incidents]
    )
    return digest_bytes(batch_bytes(rows), keyring)


def _copy_incidents(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY of incident rows, in the connection's current transaction."""
    driver: Any = conn.connection.driver_connection
    sql = f"COPY incidents ({', '.join(_BATCH_COLUMNS)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_rows(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """PostgreSQL's COPY of rows given as column values, each passed through its column
    type's bind processing (UTC instants, JSON), in the connection's current transaction."""
    dialect = conn.dialect
    columns = list(table.columns)
    names = [c.name for c in columns]
    binds = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if bind is None else bind(value)
                    for value, bind in zip([row[n] for n in names], binds, strict=True)
                ]
            )


def _incident_sql(*, sqlite: bool) -> str:
    mark = "?" if sqlite else "%s"
    return (
        f"INSERT INTO incidents ({', '.join(_BATCH_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_BATCH_COLUMNS))})"
    )


#: ``ScannedIncident`` from a driver row of the light columns, built in C (``_make`` is Python).
_scanned: Final[Callable[[Sequence[Any]], ScannedIncident]] = functools.partial(
    tuple.__new__, ScannedIncident
)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class SqlStore(Store):
    """Aggregates in SQLite or PostgreSQL. Build one with :func:`spo_tracker.storage.connect`."""

    def __init__(
        self,
        engine: Engine,
        url: DatabaseUrl,
        *,
        clock: Clock | None = None,
        keyring: AuditKeyring | None = None,
        data_keyring: DataKeyring | None = None,
    ) -> None:
        super().__init__(clock=clock, keyring=keyring)
        self.data_keyring = data_keyring
        self.engine = engine
        self.url = url
        sqlite = url.is_sqlite
        mark = "?" if sqlite else "%s"
        self._insert_sql = _incident_sql(sqlite=sqlite)
        self._copy_sql = f"COPY incidents ({', '.join(_BATCH_COLUMNS)}) FROM STDIN"
        self._to_row = _sqlite_incident if sqlite else _postgres_incident
        self._mark = mark
        self._relay_lock = threading.Lock()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "sqlite" if self.url.is_sqlite else "postgresql"

    def unit_of_work(self, actor: Actor, *, at: _dt.datetime | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(self, actor, at=at, clock=self.clock)

    def ingest_batch(self, incidents: list[Incident], entry: PendingEntry) -> None:
        """One transaction: the rows (SQLite: executemany; PostgreSQL: COPY) and the entry,
        which carries the digest of the rows and names them as their ``audit_batch``."""
        batch, sqlite = entry.subject_id, self.url.is_sqlite
        rows = [self._to_row(i, batch) for i in incidents]
        digest = _batch_digest(incidents, rows if sqlite else None, batch, self.keyring)
        entry = attrs.evolve(entry, record_digest=digest)
        try:
            with self.engine.connect() as conn:
                conn.begin()
                if sqlite:
                    conn.exec_driver_sql(self._insert_sql, rows)
                else:
                    self._copy(conn, rows)
                append_audit(conn, [entry], self.keyring)
                conn.commit()
        except IntegrityError as error:
            raise self._refused(incidents, error) from error
        except DBAPIError as error:
            raise translate(error, self.url.shown, kind="incident") from error
        except Exception as error:
            # COPY talks to psycopg directly, so its errors arrive unwrapped.
            if not type(error).__module__.startswith("psycopg"):
                raise
            if str(getattr(error, "sqlstate", "")).startswith("23"):
                raise self._refused(incidents, error) from error
            raise DatabaseError(f"{self.url.shown}: {_first_line(error)}") from error

    def _refused(self, incidents: list[Incident], error: Exception) -> DatabaseError:
        """The error for a batch a constraint refused: the first id already stored, if any."""
        existing = self._existing_ids([i.incident_id for i in incidents])
        if existing:
            return DuplicateRecordError("incident", existing[0])
        return ConstraintViolationError("incident", None, _first_line(error))

    def _copy(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        """PostgreSQL's COPY: several times the rows per second of an executemany."""
        driver: Any = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(self._copy_sql) as copy:
            for row in rows:
                copy.write_row(row)

    def _existing_ids(self, ids: list[str]) -> list[str]:
        found: list[str] = []
        column = _INCIDENTS.c.incident_id
        with translating(self.url.shown), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="DEFERRED")
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                found += conn.execute(select(column).where(column.in_(part))).scalars()
        order = {key: n for n, key in enumerate(ids)}
        return sorted(found, key=order.__getitem__)

    def _scan_sql(
        self,
        columns: Sequence[str],
        since: _dt.datetime | None,
        until: _dt.datetime | None,
        defendant_id: str | None,
    ) -> tuple[str, list[Any]]:
        where, params = [], []
        convert = to_epoch_us if self.url.is_sqlite else (lambda at: at)
        if since is not None:
            where.append(f"occurred_at >= {self._mark}")
            params.append(convert(since))
        if until is not None:
            where.append(f"occurred_at < {self._mark}")
            params.append(convert(until))
        if defendant_id is not None:
            where.append(f"defendant_id = {self._mark}")
            params.append(defendant_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        sql = (
            f"SELECT {', '.join(columns)} FROM incidents{clause} ORDER BY occurred_at, incident_id"
        )
        return sql, params

    def _stream(self, sql: str, params: list[Any], chunk_size: int) -> Iterator[Sequence[Any]]:
        """Rows of ``sql`` in chunks: SQLite steps its cursor; PostgreSQL uses a server-side one."""
        raw = self.engine.raw_connection()
        try:
            if self.url.is_sqlite:
                cursor = raw.cursor()
            else:
                cursor = raw.driver_connection.cursor(name="spo_scan")  # type: ignore[union-attr]
                cursor.itersize = chunk_size
            try:
                cursor.execute(sql, params)
                while chunk := cursor.fetchmany(chunk_size):
                    yield chunk
            finally:
                cursor.close()
        except DBAPIError as error:  # pragma: no cover - raw cursors raise driver errors
            raise translate(error, self.url.shown) from error
        except Exception as error:
            if type(error).__module__.startswith(("sqlite3", "psycopg")):
                raise DatabaseError(f"{self.url.shown}: {error}") from error
            raise
        finally:
            if not self.url.is_sqlite:
                raw.rollback()
            raw.close()

    def _light_columns(self) -> list[str]:
        """The light columns, as this backend gives them as plain values."""
        columns = list(_LIGHT)
        if not self.url.is_sqlite:
            columns[1] = "(EXTRACT(EPOCH FROM occurred_at) * 1000000)::bigint"
            columns[7] = "via_third_party::int"
            columns[10] = "(EXTRACT(EPOCH FROM reported_at) * 1000000)::bigint"
        return columns

    def scan_rows(
        self,
        *,
        chunk_size: int,
        since: _dt.datetime | None,
        until: _dt.datetime | None,
        defendant_id: str | None,
    ) -> Iterator[ScannedIncident]:
        sql, params = self._scan_sql(self._light_columns(), since, until, defendant_id)
        for chunk in self._stream(sql, params, chunk_size):
            # The driver's tuples become rows in C: no Python frame per row.
            yield from map(_scanned, chunk)

    def _rows_where(
        self, condition: str, values: Sequence[str], until: _dt.datetime
    ) -> Iterator[ScannedIncident]:
        """Light rows before ``until`` where ``condition`` (holding ``{marks}`` for a list
        of values) holds, 500 values per query."""
        convert = to_epoch_us if self.url.is_sqlite else (lambda at: at)
        head = f"SELECT {', '.join(self._light_columns())} FROM incidents WHERE occurred_at < "
        ordered = sorted(values)
        for start in range(0, len(ordered), 500):
            part = ordered[start : start + 500]
            marks = ", ".join([self._mark] * len(part))
            sql = f"{head}{self._mark} AND {condition.format(marks=marks)}"
            for chunk in self._stream(sql, [convert(until), *part], 10_000):
                yield from map(_scanned, chunk)

    def scan_recorded_rows(
        self, *, after: int, through: int, until: _dt.datetime
    ) -> Iterator[ScannedIncident]:
        batches, ids = set(), set()
        for entry in self.audit_entries_between(after, through, kinds=_INCIDENT_KINDS):
            if entry.subject_kind == "incident_batch":
                batches.add(entry.subject_id)
            elif entry.subject_kind == "incident":
                ids.add(entry.subject_id)
        # A batch's rows name it in audit_batch (indexed); an incident added or changed on
        # its own is named by its audit entry.
        yield from self._rows_where("audit_batch IN ({marks})", list(batches), until)
        yield from self._rows_where("incident_id IN ({marks})", list(ids - batches), until)

    def scan_rows_of(
        self,
        *,
        defendant_ids: Collection[str],
        actor_keys: Collection[str],
        until: _dt.datetime,
    ) -> Iterator[ScannedIncident]:
        yield from self._rows_where("defendant_id IN ({marks})", list(defendant_ids), until)
        yield from self._rows_where(
            "defendant_id IS NULL AND actor_key IN ({marks})", list(actor_keys), until
        )

    def audit_entries_between(
        self, after: int, through: int, *, kinds: Collection[str]
    ) -> list[AuditEntry]:
        column = _AUDIT.c.seq
        stmt = (
            select(_AUDIT)
            .where(column > after, column <= through, _AUDIT.c.subject_kind.in_(sorted(kinds)))
            .order_by(column)
        )
        with translating(self.url.shown), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="DEFERRED")
            rows = conn.execute(stmt).all()
        return [_audit_entry(r) for r in rows]

    def last_event(self, event: str) -> AuditEntry | None:
        stmt = select(_AUDIT).where(_AUDIT.c.event == event).order_by(_AUDIT.c.seq.desc()).limit(1)
        with translating(self.url.shown), self.engine.connect() as conn:
            row = conn.execution_options(sqlite_begin="DEFERRED").execute(stmt).first()
        return None if row is None else _audit_entry(row)

    def scan_full(
        self,
        *,
        chunk_size: int,
        since: _dt.datetime | None,
        until: _dt.datetime | None,
        defendant_id: str | None,
    ) -> Iterator[Incident]:
        sql, params = self._scan_sql(_COLUMNS[:-1], since, until, defendant_id)
        sqlite = self.url.is_sqlite
        for chunk in self._stream(sql, params, chunk_size):
            for r in chunk:
                try:
                    incident = _incident_from_row(r, sqlite=sqlite)
                except READ_ERRORS as error:
                    raise refused("incident", r[0], error) from error
                yield incident

    def audit_entries(self) -> Generator[AuditEntry, None, None]:
        stmt = select(_AUDIT).order_by(_AUDIT.c.seq)
        with translating(self.url.shown), self.engine.connect() as conn:
            conn = conn.execution_options(
                sqlite_begin="DEFERRED", stream_results=True, yield_per=1000
            )
            with conn.execute(stmt) as result:
                for row in result:
                    yield _audit_entry(row)

    def audit_entries_for(self, person_id: str) -> list[AuditEntry]:
        # One indexed lookup in audit_people, then the entries by their primary key.
        stmt = (
            select(_AUDIT)
            .where(_AUDIT.c.seq.in_(select(_PEOPLE.c.seq).where(_PEOPLE.c.person_id == person_id)))
            .order_by(_AUDIT.c.seq)
        )
        with translating(self.url.shown), self.engine.connect() as conn:
            rows = conn.execution_options(sqlite_begin="DEFERRED").execute(stmt).all()
        return [_audit_entry(row) for row in rows]

    def audit_head(self) -> tuple[int, str] | None:
        stmt = select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
        with translating(self.url.shown), self.engine.connect() as conn:
            row = conn.execution_options(sqlite_begin="DEFERRED").execute(stmt).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def outbox_pending(self, limit: int) -> list[OutboxEntry]:
        stmt = (
            select(_OUTBOX)
            .where(_OUTBOX.c.delivered_at.is_(None))
            .order_by(_OUTBOX.c.position)
            .limit(limit)
        )
        with translating(self.url.shown), self.engine.connect() as conn:
            rows = conn.execution_options(sqlite_begin="DEFERRED").execute(stmt).all()
        return [_outbox_entry(r) for r in rows]

    def outbox_mark_delivered(self, positions: Sequence[int], at: pendulum.DateTime) -> int:
        done = 0
        with translating(self.url.shown), self.engine.begin() as conn:
            for start in range(0, len(positions), 500):
                part = list(positions[start : start + 500])
                result = conn.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.position.in_(part), _OUTBOX.c.delivered_at.is_(None))
                    .values(delivered_at=at)
                )
                done += int(result.rowcount)
        return done

    def last_event_subject(self, event: str) -> str | None:
        # Walks the seq index from the end: the latest entry of a frequent event is near it.
        stmt = (
            select(_AUDIT.c.subject_id)
            .where(_AUDIT.c.event == event)
            .order_by(_AUDIT.c.seq.desc())
            .limit(1)
        )
        with translating(self.url.shown), self.engine.connect() as conn:
            row = conn.execution_options(sqlite_begin="DEFERRED").execute(stmt).first()
        return None if row is None else str(row[0])

    def outbox_entries(self) -> Iterator[OutboxEntry]:
        stmt = select(_OUTBOX).order_by(_OUTBOX.c.position)
        with translating(self.url.shown), self.engine.connect() as conn:
            conn = conn.execution_options(
                sqlite_begin="DEFERRED", stream_results=True, yield_per=1000
            )
            with conn.execute(stmt) as result:
                for row in result:
                    yield _outbox_entry(row)

    @contextlib.contextmanager
    def relay_lock(self) -> Iterator[None]:
        """This process's lock, and on PostgreSQL a session advisory lock across processes.

        A SQLite file is a single-host store: run one relay process per file.
        """
        with self._relay_lock:
            if self.url.is_sqlite:
                yield
                return
            with translating(self.url.shown), self.engine.connect() as conn:
                conn.execute(select(func.pg_advisory_lock(RELAY_LOCK_KEY)))
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(select(func.pg_advisory_unlock(RELAY_LOCK_KEY)))
                    conn.commit()

    def close(self) -> None:
        self.engine.dispose()


def _duplicate_key(error: Exception) -> str | None:
    """The id a unique violation names in its detail (``Key (alert_id)=(AL-1) already
    exists.``), or ``None``."""
    detail = getattr(getattr(error, "diag", None), "message_detail", None) or ""
    found = re.match(r"Key \([^)]*\)=\((.*)\) already exists", detail)
    return None if found is None else found.group(1)
