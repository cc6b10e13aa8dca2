"""The record operations of one SQL transaction: aggregates loaded, inserted and replaced
under optimistic concurrency, lookups, and incidents inserted, loaded and compared in bulk."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, Final

from sqlalchemy import Text, bindparam, cast, delete, insert, select, update
from sqlmodel import Session, SQLModel

from spo_tracker._gc import collector_paused
from spo_tracker.domain.incidents import Incident
from spo_tracker.errors import (
    ConcurrencyConflictError,
    ConstraintViolationError,
    DatabaseBusyError,
    DatabaseError,
    DuplicateRecordError,
    NotFoundError,
    StoredRecordError,
)
from spo_tracker.storage import _engine
from spo_tracker.storage._backend import OrderDates
from spo_tracker.storage._crypto import PERSON_KEYS, DataKeyring, PersonKeys
from spo_tracker.storage._engine import translating
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._mapping import MAPPERS, ChildSpec, Mapper, RowSet
from spo_tracker.storage._sql_bulk import _copy_rows, _duplicate_key, _first_line, _insert_driver
from spo_tracker.storage._sql_compliance import SqlComplianceTimes
from spo_tracker.storage._sql_dates import order_dates
from spo_tracker.storage._sql_incidents import (
    _COLUMNS,
    _INCIDENTS,
    _batch_rows,
    _incident_row,
    _stored_incident,
    _write_incidents,
)
from spo_tracker.storage._sql_rows import DriverRows
from spo_tracker.storage._stored import READ_ERRORS, UnreadableValue, read_json, refused
from spo_tracker.storage._tables import (
    DefendantIdentityRow,
    OrderProtectedPersonRow,
    ProtectedPersonRow,
    RestrictedDetailsRow,
)

__all__ = ["SqlRecords"]


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _values(row: SQLModel) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in _table(type(row)).columns}


#: Should every order read after all: the value is in a column no order is built from.
_UNREADABLE_DATES: Final = (
    "an order's dates cannot be read: a date or instant column holds a value edited by hand "
    "outside the library; correct it in the database"
)


@functools.cache
def _key_column(kind: str) -> Any:
    """The id column of the root table of the records of ``kind``."""
    mapper = next(m for m in MAPPERS.values() if m.kind == kind)
    return _table(mapper.root).c[mapper.key_column]


def _pk(row: SQLModel) -> tuple[Any, ...]:
    return tuple(getattr(row, c.name) for c in _table(type(row)).primary_key.columns)


def _has_append_only(mapper: Mapper[Any]) -> bool:
    return any(spec.append_only for spec in mapper.children)


class SqlRecords(SqlComplianceTimes):
    """The record operations of one SQL transaction (a SQLModel session); the light
    compliance reads are :class:`~spo_tracker.storage._sql_compliance.SqlComplianceTimes`."""

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
        unreadable = False
        with translating(self._url, kind=mapper.kind, key=key):
            try:
                rows = self._rows(mapper, key, lock=lock)
            except READ_ERRORS:
                # A value its column's type refuses as the driver reads it (SQLite keeps any
                # text or number in a date or instant column edited by hand).
                unreadable = True
        if unreadable:
            # Read as the bulk load reads it, which refuses the record by name and column,
            # the value not quoted (UnreadableValue).
            self.load_many_revisions(mapper, [key])
            raise refused(mapper.kind, key, ValueError(UnreadableValue.MESSAGE))
        if rows is None:
            return None
        if lock and mapper.restricted:
            # The row is locked: its key is read as it stands now, not as first read.
            self.person_keys.forget(key)
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
        self,
        kind: str,
        tables: Mapping[type[SQLModel], Sequence[Mapping[str, Any]]],
        *,
        as_text: Sequence[str] = (),
    ) -> None:
        """Insert the rows of each table in order, in one savepoint: a multi-row INSERT on
        SQLite, ``COPY`` on PostgreSQL (several times the rows per second of executemany);
        the columns named in ``as_text`` hold the JSON text to store (not serialised again)."""
        if self._sqlite:
            with translating(self._url, kind=kind), self._session.begin_nested():
                for model, rows in tables.items():
                    if rows and as_text:
                        _insert_driver(self._session.connection(), _table(model), rows, as_text)
                    elif rows:
                        self._session.execute(insert(_table(model)), rows)
            return
        conn = self._session.connection()
        try:
            with translating(self._url, kind=kind), conn.begin_nested():
                for model, rows in tables.items():
                    if rows:
                        _copy_rows(conn, _table(model), rows, as_text)
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

    def find_defendants(self, identity_keys: Sequence[str]) -> dict[str, list[str]]:
        table = _table(DefendantIdentityRow)
        return self._grouped(table.c.identity_key, table.c.defendant_id, identity_keys)

    def find_orders_protecting(self, person_ids: Sequence[str]) -> dict[str, list[str]]:
        table = _table(OrderProtectedPersonRow)
        return self._grouped(table.c.person_id, table.c.order_id, person_ids)

    def _grouped(self, key: Any, value: Any, keys: Sequence[str]) -> dict[str, list[str]]:
        """Per key among ``keys`` (500 a query), the distinct values of ``value`` in the
        rows whose ``key`` column holds it, sorted; a key in no row is absent."""
        found: dict[str, list[str]] = {}
        wanted = sorted(set(keys))
        with translating(self._url):
            for start in range(0, len(wanted), 500):
                stmt = (
                    select(key, value)
                    .where(key.in_(wanted[start : start + 500]))
                    .distinct()
                    .order_by(key, value)
                )
                for k, v in self._session.execute(stmt):
                    found.setdefault(k, []).append(v)
        return found

    def insert_incidents(self, incidents: list[Incident], batch: str) -> str:
        sqlite = self._sqlite
        rows, digest = _batch_rows(incidents, batch, self._keyring, sqlite=sqlite)
        conn = self._session.connection()
        try:
            with translating(self._url, kind="incident"), conn.begin_nested():
                _write_incidents(conn, rows, sqlite=sqlite)
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
        self, mapper: Mapper[Any], objs: list[Any], texts: Sequence[str] | None = None
    ) -> None:
        with translating(self._url, kind=mapper.kind):
            self._refuse_stored(mapper, [mapper.key(o) for o in objs])
        if texts is None:
            rows = [mapper.root_values(o, 1) for o in objs]
            self._insert_rows(mapper.kind, {mapper.root: rows})
            return
        rows = [mapper.root_values(o, 1, body=t) for o, t in zip(objs, texts, strict=True)]
        self._insert_rows(mapper.kind, {mapper.root: rows}, as_text=("body",))

    def load_many(self, mapper: Mapper[Any], keys: Sequence[str]) -> dict[str, Any]:
        return {key: obj for key, (obj, _) in self.load_many_revisions(mapper, keys).items()}

    def load_many_revisions(
        self, mapper: Mapper[Any], keys: Sequence[str]
    ) -> dict[str, tuple[Any, int]]:
        mapper = self._bind(mapper)
        unique = list(dict.fromkeys(keys))
        # A load of more than one query's worth (a force's records) is kept: it goes
        # straight to the collector's oldest generation (spo_tracker._gc). Not every small
        # read: each would age the process's young objects, cyclic garbage included.
        kept = len(unique) > 500
        with translating(self._url, kind=mapper.kind), collector_paused(kept=kept):
            return self._built(mapper, unique)

    def _built(self, mapper: Mapper[Any], keys: list[str]) -> dict[str, tuple[Any, int]]:
        """:meth:`load_many_revisions` of ids given once each: the rows read through the
        driver, 500 ids per query. Its rows and parsed JSON are dropped when it returns,
        before the collector runs again, which then never walks them."""
        reader, found = DriverRows(self._session.connection()), {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            if mapper.restricted:
                self.person_keys.preload(part)
            roots = reader.rows(_table(mapper.root), mapper.key_column, part)
            children = {s.table: self._children(reader, mapper, s, part) for s in mapper.children}
            for row in roots:
                key = getattr(row, mapper.key_column)
                rows = RowSet(row, {t: got.get(key, []) for t, got in children.items()})
                found[key] = (mapper.from_rows(rows), int(row.revision))
        return found

    def load_many_unless_same(
        self, mapper: Mapper[Any], texts: Mapping[str, str]
    ) -> tuple[dict[str, tuple[Any, int]], dict[str, int]]:
        keys = list(texts)
        if mapper.children or mapper.restricted or not mapper.plain_body:
            return self.load_many_revisions(mapper, keys), {}
        table = _table(mapper.root)
        column = table.c[mapper.key_column]
        # The body as the text the column holds (PostgreSQL's json keeps it verbatim): a
        # record stored as exactly the text given is not parsed, nor built.
        shown = [cast(c, Text).label(c.name) if c.name == "body" else c for c in table.columns]
        changed: dict[str, tuple[Any, int]] = {}
        same: dict[str, int] = {}
        with translating(self._url, kind=mapper.kind), collector_paused():
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                for row in self._session.execute(select(*shown).where(column.in_(part))):
                    key, revision = getattr(row, mapper.key_column), int(row.revision)
                    if row.body == texts[key]:
                        same[key] = revision
                        continue
                    root = SimpleNamespace(**{**row._asdict(), "body": read_json(row.body)})
                    changed[key] = (mapper.from_rows(RowSet(root)), revision)
        return changed, same

    def replace_many(self, mapper: Mapper[Any], items: Sequence[tuple[Any, Any, int, int]]) -> None:
        if mapper.children:  # rows to delete and insert per aggregate: one at a time,
            # all in one savepoint, so a refused one undoes those written before it
            with self._session.begin_nested():
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

    @staticmethod
    def _children(
        reader: DriverRows, mapper: Mapper[Any], spec: ChildSpec, keys: list[str]
    ) -> dict[str, list[Any]]:
        """The child rows of ``spec`` for ``keys``, by parent id, each list in its order."""
        parent = mapper.key_column_on_children
        rows = reader.rows(_table(spec.table), parent, keys, (parent, *spec.order_by))
        found: dict[str, list[Any]] = {}
        for row in rows:
            found.setdefault(getattr(row, parent), []).append(row)
        return found

    def find_keys(self, mapper: Mapper[Any], column: str, value: str) -> list[str]:
        table = _table(mapper.root)
        key = table.c[mapper.key_column]
        stmt = select(key).where(table.c[column] == value).order_by(key)
        with translating(self._url, kind=mapper.kind):
            return list(self._session.execute(stmt).scalars())

    def find(self, mapper: Mapper[Any], column: str, value: str) -> list[Any]:
        return self.find_in(mapper, column, [value])

    def find_in(self, mapper: Mapper[Any], column: str, values: Sequence[str]) -> list[Any]:
        table, found = _table(mapper.root), []
        with translating(self._url, kind=mapper.kind):
            try:
                for start in range(0, len(values), 500):
                    stmt = select(table).where(table.c[column].in_(values[start : start + 500]))
                    found += [mapper.from_rows(RowSet(r)) for r in self._session.execute(stmt)]
                return found
            except StoredRecordError:
                raise  # a record refused by name as it was built
            except READ_ERRORS as error:
                # A value its column's type refuses as the driver reads it (a hand edit).
                failed = error
        # Read as the bulk load reads them, which refuses the record holding it by name and
        # column, the value not quoted (UnreadableValue); if it refuses none (the record
        # was mended meanwhile), the first error stands, as a refusal of the kind.
        self.load_many_revisions(mapper, self._keys_where(mapper, column, values))
        raise refused(mapper.kind, None, failed)

    def _keys_where(self, mapper: Mapper[Any], column: str, values: Sequence[str]) -> list[str]:
        """The keys of the root rows whose ``column`` is one of ``values``, in key order."""
        table, keys = _table(mapper.root), list[str]()
        key = table.c[mapper.key_column]
        with translating(self._url, kind=mapper.kind):
            for start in range(0, len(values), 500):
                stmt = select(key).where(table.c[column].in_(values[start : start + 500]))
                keys += self._session.execute(stmt).scalars()
        return sorted(keys)

    def _rows_by_key(self, select: str, key: str, keys: Sequence[str]) -> Iterator[Any]:
        """The driver's rows of ``select ... WHERE key IN (...)``, 500 keys per query."""
        mark = "?" if self._sqlite else "%s"
        conn = self._session.connection()
        for start in range(0, len(keys), 500):
            part = tuple(keys[start : start + 500])
            sql = f"{select} WHERE {key} IN ({', '.join([mark] * len(part))})"
            yield from conn.exec_driver_sql(sql, part)

    def alert_counts(self, alert_ids: Sequence[str]) -> dict[str, int]:
        # The count from the stored body by the database's own JSON function: no body is
        # sent back or parsed here.
        count = "json_extract(body, '$.count')" if self._sqlite else "(body ->> 'count')::integer"
        with translating(self._url, kind="alert"):
            select = f"SELECT alert_id, {count} FROM alerts"
            return dict(self._rows_by_key(select, "alert_id", alert_ids))

    def order_dates(self) -> list[OrderDates]:
        with translating(self._url, kind="order"):
            try:
                return order_dates(self._session)
            except READ_ERRORS:
                pass  # a date or instant edited by hand that its column's type refuses
        # Every order read as a full run reads them, which refuses the one holding it by
        # name and column, the value not quoted.
        orders = next(m for m in MAPPERS.values() if m.kind == "order")
        self.load_many(orders, self.keys(orders))
        raise DatabaseError(f"{self._url}: {_UNREADABLE_DATES}")

    def _duplicate(self, incidents: list[Incident]) -> DuplicateRecordError:
        # Ids only: a stored incident that no longer reads is still a duplicate, not an error.
        ids = [i.incident_id for i in incidents]
        stored = self._stored(_INCIDENTS.c.incident_id, ids)
        return DuplicateRecordError("incident", next((k for k in ids if k in stored), None))

    def load_incidents(self, keys: Sequence[str]) -> dict[str, Incident]:
        found = {}
        with translating(self._url, kind="incident"):
            select = f"SELECT {', '.join(_COLUMNS[:-1])} FROM incidents"
            for row in self._rows_by_key(select, "incident_id", keys):
                incident = _stored_incident(row, sqlite=self._sqlite)
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
                    full = _incident_row(incident, sqlite=sqlite)
                    if sqlite:
                        mine = full[:-1]
                    else:  # the JSON column reads back as a list
                        mine = (*full[:12], list(incident.evidence_refs), *full[13:-1])
                    (same if tuple(row) == mine else other).add(row[0])
        return same, other

    def unreadable_persons(self, keys: Sequence[str]) -> set[str]:
        # Details still stored sealed under a key destroyed (a tombstone: the key row kept
        # with no wrapped key, see PersonKeys.shred); a retention disposal empties them first.
        details = _table(RestrictedDetailsRow)
        wanted, found = sorted(set(keys)), set[str]()
        with translating(self._url):
            for start in range(0, len(wanted), 500):
                stmt = (
                    select(PERSON_KEYS.c.person_id)
                    .join(details, details.c.person_id == PERSON_KEYS.c.person_id)
                    .where(
                        PERSON_KEYS.c.person_id.in_(wanted[start : start + 500]),
                        PERSON_KEYS.c.wrapped.is_(None),
                        details.c.sealed.is_not(None),
                    )
                )
                found.update(self._session.execute(stmt).scalars())
        return found

    def person_name(self, key: str) -> str:
        table = _table(ProtectedPersonRow)
        with translating(self._url):
            name = self._session.execute(
                select(table.c.name).where(table.c.person_id == key)
            ).scalar()
        if name is None:
            raise NotFoundError("protected_person", key)
        return str(name)
