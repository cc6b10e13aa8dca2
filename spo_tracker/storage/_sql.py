"""The SQL backend (SQLite and PostgreSQL): the store, its units of work, incident scans and
the audit trail and outbox reads."""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from collections.abc import Collection, Generator, Iterator, Sequence
from typing import Any, Final

import attrs
import pendulum
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from spo_tracker.domain.incidents import Incident
from spo_tracker.errors import ConstraintViolationError, DatabaseError, DuplicateRecordError
from spo_tracker.storage._audit import Actor, AuditEntry, PendingEntry
from spo_tracker.storage._base import (
    Clock,
    OutboxEntry,
    PendingEvent,
    ScannedIncident,
    Store,
    UnitOfWork,
    check_ingest_entry,
)
from spo_tracker.storage._crypto import DataKeyring
from spo_tracker.storage._engine import DatabaseUrl, translate, translating
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._sql_audit import (
    _AUDIT,
    _HEAD,
    _OUTBOX,
    _PEOPLE,
    _audit_entry,
    _outbox_entry,
    append_audit,
    append_events,
)
from spo_tracker.storage._sql_bulk import _first_line
from spo_tracker.storage._sql_incidents import (
    _COLUMNS,
    _INCIDENTS,
    _LIGHT,
    _batch_rows,
    _scanned,
    _stored_incident,
    _write_incidents,
)
from spo_tracker.storage._sql_records import SqlRecords
from spo_tracker.storage._stored import UnreadableValue, refused
from spo_tracker.storage._types import stray_instant_probe, to_epoch_us

__all__ = ["SqlStore", "SqlUnitOfWork"]


#: The PostgreSQL advisory lock key one outbox relay holds at a time ("SPO_OB" in ASCII).
RELAY_LOCK_KEY: Final = 0x53504F5F4F42


#: The audit subjects that add or change incidents: a bulk batch, or one incident.
_INCIDENT_KINDS: Final = frozenset({"incident_batch", "incident"})


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
        self._mark = "?" if url.is_sqlite else "%s"
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
        check_ingest_entry(entry)
        sqlite = self.url.is_sqlite
        rows, digest = _batch_rows(incidents, entry.subject_id, self.keyring, sqlite=sqlite)
        entry = attrs.evolve(entry, record_digest=digest)
        try:
            with self.engine.connect() as conn:
                conn.begin()
                _write_incidents(conn, rows, sqlite=sqlite)
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

    def _refuse_stray_instants(self) -> None:
        """Refuse the first incident (by id) whose occurrence instant a hand edit made
        something no instant of the library can be (text or bytes on SQLite, an infinity
        or a year outside the supported range on either), by id and column: it would drop
        out of ``occurred_at < ?`` and the incident out of every scan without a word
        (:func:`~spo_tracker.storage._types.stray_instant_probe`: the column's greatest and least
        values, two index seeks)."""
        probe = stray_instant_probe(
            "incidents", "incident_id", "occurred_at", sqlite=self.url.is_sqlite
        )
        with translating(self.url.shown), self.engine.connect() as conn:
            key = probe.first_stray(conn.execution_options(sqlite_begin="DEFERRED"))
        if key is not None:
            raise refused("incident", key, UnreadableValue("occurred_at").refusal())

    def _refuse_stray_reports(self) -> None:
        """After the driver failed a scan: refuse the first incident whose report time a
        hand edit made something no instant of the library can be (PostgreSQL's
        ``'infinity'``, which the scan cannot convert), by id and column, if there is one.
        The column has no index: a search of the table, on this error path only."""
        probe = stray_instant_probe(
            "incidents", "incident_id", "reported_at", sqlite=self.url.is_sqlite
        )
        with translating(self.url.shown), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="DEFERRED")
            key = conn.exec_driver_sql(probe.find, probe.parameters).scalar()
        if key is not None:
            raise refused("incident", key, UnreadableValue("reported_at").refusal())

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
                self._refuse_stray_reports()
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
        self._refuse_stray_instants()
        sql, params = self._scan_sql(self._light_columns(), since, until, defendant_id)
        for chunk in self._stream(sql, params, chunk_size):
            # The driver's tuples become rows in C: no Python frame per row.
            yield from map(_scanned, chunk)

    def _rows_where(
        self, condition: str, values: Sequence[str], until: _dt.datetime
    ) -> Iterator[ScannedIncident]:
        """Light rows before ``until`` where ``condition`` (holding ``{marks}`` for a list
        of values) holds, 500 values per query."""
        self._refuse_stray_instants()
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
        # Through the actor_key index: without statistics SQLite chose the index on
        # (defendant_id, occurred_at) for "defendant_id IS NULL" and walked every
        # unattributed row for each 500 keys (a third of a force's incidents; 0.38 s a
        # query at 1,000,000 against 6 ms). A unary plus keeps SQLite off that index.
        unnamed = "+defendant_id" if self.url.is_sqlite else "defendant_id"
        yield from self._rows_where(
            f"{unnamed} IS NULL AND actor_key IN ({{marks}})", list(actor_keys), until
        )

    def audit_entries_between(
        self,
        after: int,
        through: int,
        *,
        kinds: Collection[str],
        excluding: Collection[str] = (),
    ) -> list[AuditEntry]:
        column = _AUDIT.c.seq
        stmt = select(_AUDIT).where(
            column > after, column <= through, _AUDIT.c.subject_kind.in_(sorted(kinds))
        )
        if excluding:
            stmt = stmt.where(_AUDIT.c.event.not_in(sorted(excluding)))
        stmt = stmt.order_by(column)
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
        self._refuse_stray_instants()
        sql, params = self._scan_sql(_COLUMNS[:-1], since, until, defendant_id)
        sqlite = self.url.is_sqlite
        for chunk in self._stream(sql, params, chunk_size):
            for r in chunk:
                yield _stored_incident(r, sqlite=sqlite)

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
