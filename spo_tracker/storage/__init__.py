"""Storage on SQLite (the default) and PostgreSQL, with an in-memory twin.

The composition root is :func:`connect`::

    store = connect("sqlite:///spo-tracker.sqlite", clock=my_clock)
    with store.unit_of_work(Actor("PC 1234", "officer")) as uow:
        uow.orders.add(order, reason="made at Birmingham Magistrates' Court")
        uow.commit()

A unit of work is one transaction and rolls back unless ``commit()`` is
called. Every change appends an entry to a hash-chained audit trail in the
same transaction (:func:`verify` checks it). Updates are optimistic: a write
based on a stale ``revision`` raises
:class:`~spo_tracker.errors.ConcurrencyConflictError` and writes nothing.
Incidents arrive in bulk through :func:`ingest_incidents` and leave through
the streaming scans :func:`scan_incident_rows` (light rows, for breach
detection) and :func:`scan_incidents` (domain objects). The schema is managed
by Alembic migrations shipped in this package: :func:`upgrade`, or
``spo-tracker db upgrade``. Each unit of work also writes the domain events of
its changes (:mod:`spo_tracker.events`) to a transactional outbox, which
:func:`deliver_outbox` hands to a handler after commit. Compliance with
positive requirements (attendance, sign-ons: SPA2019 s.1(2)(b)) is recorded
through ``uow.compliance`` (:class:`ComplianceRepository`), one record at a
time or in bulk. Nothing here connects at import.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import itertools
from collections.abc import Iterable, Iterator

from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import (
    BatchRejectedError,
    InvalidValueError,
    SchemaVersionError,
    SpoTrackerError,
)
from spo_tracker.storage import _codec
from spo_tracker.storage._audit import Actor, AuditEntry, AuditReport, PendingEntry, check_chain
from spo_tracker.storage._base import (
    Clock,
    ComplianceRepository,
    DefendantRepository,
    IngestReport,
    OutboxEntry,
    ProtectedPersonRepository,
    Repository,
    ScannedIncident,
    Store,
    UnitOfWork,
    check_compliance_fits,
    refuse_nul,
)
from spo_tracker.storage._engine import (
    DatabaseUrl,
    current_revision,
    head_revision,
    make_engine,
    parse_url,
    run_upgrade,
)
from spo_tracker.storage._memory import InMemoryStore
from spo_tracker.storage._outbox import DeliveryReport, deliver_outbox, outbox_entries
from spo_tracker.storage._sql import SqlStore
from spo_tracker.storage._tables import METADATA

__all__ = [
    "DEFAULT_URL",
    "METADATA",
    "Actor",
    "AuditEntry",
    "AuditReport",
    "Clock",
    "ComplianceRepository",
    "DefendantRepository",
    "DeliveryReport",
    "InMemoryStore",
    "IngestReport",
    "OutboxEntry",
    "ProtectedPersonRepository",
    "Repository",
    "ScannedIncident",
    "SqlStore",
    "Store",
    "UnitOfWork",
    "check_compliance_fits",
    "connect",
    "deliver_outbox",
    "display_url",
    "head_revision",
    "ingest_incidents",
    "outbox_entries",
    "scan_incident_rows",
    "scan_incidents",
    "schema_revision",
    "upgrade",
    "verify",
]

#: The default database: a SQLite file in the current folder.
DEFAULT_URL = "sqlite:///spo-tracker.sqlite"


def connect(url: str = DEFAULT_URL, *, clock: Clock | None = None) -> SqlStore:
    """Open the store at ``url`` after checking that its schema is up to date.

    Args:
        url: ``sqlite:///path`` (the default) or ``postgresql+psycopg://user@host/db``.
        clock: returns the current aware instant, for audit entries; without one,
            each unit of work needs ``at=``.

    Raises:
        InvalidDatabaseUrlError: the URL is malformed or names another backend.
        DatabaseUnavailableError: the database cannot be reached (or the SQLite file is missing).
        SchemaVersionError: the schema is not at :func:`head_revision`; run :func:`upgrade`.
    """
    target = parse_url(url)
    if target.is_sqlite and not target.sqlite_path.is_file():
        from spo_tracker.errors import DatabaseUnavailableError

        raise DatabaseUnavailableError(
            target.shown,
            f"no database file at {str(target.sqlite_path)!r}; create it with "
            f"`spo-tracker db upgrade --database {target.shown}`",
        )
    engine = make_engine(target)
    try:
        found = current_revision(engine, target)
        if found != head_revision():
            raise SchemaVersionError(target.shown, found, head_revision())
    except SpoTrackerError:
        engine.dispose()
        raise
    return SqlStore(engine, target, clock=clock)


def upgrade(url: str = DEFAULT_URL, *, revision: str = "head") -> str:
    """Create or migrate the database at ``url`` to ``revision``; returns the revision reached.

    A SQLite file is created if missing (its folder must exist).

    Raises:
        InvalidDatabaseUrlError: the URL is malformed or names another backend.
        DatabaseUnavailableError: the database cannot be reached.
    """
    target = parse_url(url)
    engine = make_engine(target)
    try:
        run_upgrade(engine, target, revision)
        return current_revision(engine, target) or ""
    finally:
        engine.dispose()


def display_url(url: str) -> str:
    """``url`` as it may be shown to people: checked, with any password hidden.

    Raises:
        InvalidDatabaseUrlError: the URL is malformed or names another backend.
    """
    return parse_url(url).shown


def schema_revision(url: str = DEFAULT_URL) -> str | None:
    """The schema revision of the database at ``url`` (``None`` if it has none)."""
    target: DatabaseUrl = parse_url(url)
    engine = make_engine(target)
    try:
        return current_revision(engine, target)
    finally:
        engine.dispose()


def verify(store: Store) -> AuditReport:
    """Check the store's audit trail: every entry's hash, every link, and the head record.

    Returns:
        The verdict; when broken, :attr:`AuditReport.first_bad_seq` names the first bad entry.
    """
    head = store.audit_head()
    with contextlib.closing(store.audit_entries()) as entries:
        return check_chain(entries, head)


def _positive(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(name, value, "must be a whole number, 1 or more")
    return value


def ingest_incidents(
    store: Store,
    incidents: Iterable[Incident],
    *,
    actor: Actor,
    batch_size: int = 5_000,
    at: _dt.datetime | None = None,
) -> IngestReport:
    """Store incidents in validated batches, each one transaction (all or nothing).

    Each batch is checked (every item an :class:`Incident`, no id twice) and
    written with one multi-row insert of plain tuples and one audit entry
    (``incidents.ingested``: count, first and last id, SHA-256 of the ids).
    ``incidents`` may be any iterable, consumed batch by batch.

    Raises:
        BatchRejectedError: a batch was refused and rolled back; earlier batches stay
            committed (its ``cause`` says why: a duplicate id, a bad item...).
        InvalidValueError: ``batch_size`` is not a whole number >= 1, or no time is known.
    """
    size = _positive("batch_size", batch_size)
    if not isinstance(actor, Actor):
        raise InvalidValueError("actor", actor, "give an Actor(actor_id, role)")
    clock = _ingest_clock(store, at)
    batches = done = 0
    source = iter(incidents)
    while batch := list(itertools.islice(source, size)):
        try:
            _check_batch(batch, done)
            store.ingest_batch(batch, _batch_entry(batch, actor, clock()))
        except SpoTrackerError as error:
            raise BatchRejectedError(batches, batches, done, error) from error
        batches, done = batches + 1, done + len(batch)
    return IngestReport(batches, done)


def _ingest_clock(store: Store, at: _dt.datetime | None) -> Clock:
    if at is not None:
        fixed = ensure_aware(at, field="at")
        return lambda: fixed
    if store.clock is None:
        raise InvalidValueError("at", None, "give at=, or connect the store with a clock")
    return store.clock


def _check_batch(batch: list[Incident], offset: int) -> None:
    """Every item an Incident, no id twice, no NUL in its text (inlined: the bulk hot path)."""
    seen: set[str] = set()
    add = seen.add
    for n, item in enumerate(batch):
        if not isinstance(item, Incident):
            raise InvalidValueError(f"incidents[{offset + n}]", item, "is not an Incident")
        key, d, t = item.incident_id, item.defendant_id, item.target_person_id
        if key in seen:
            raise InvalidValueError("incident_id", key, "appears twice in the batch")
        add(key)
        if (
            "\x00" in key
            or "\x00" in item.summary
            or (d is not None and "\x00" in d)
            or (t is not None and "\x00" in t)
            or (item.evidence_refs and "\x00" in "".join(item.evidence_refs))
        ):
            refuse_nul(_codec.dump(item, Incident), "incident")


def _batch_entry(batch: list[Incident], actor: Actor, at: _dt.datetime) -> PendingEntry:
    ids = [i.incident_id for i in batch]
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    changes = {"count": len(ids), "first_id": ids[0], "last_id": ids[-1], "ids_sha256": digest}
    return PendingEntry(
        ensure_aware(at, field="at"),
        actor,
        "incidents.ingested",
        "incident_batch",
        f"{ids[0]}..{ids[-1]}",
        changes,
        "",
    )


def _scan_args(
    chunk_size: int, since: _dt.datetime | None, until: _dt.datetime | None
) -> tuple[int, _dt.datetime | None, _dt.datetime | None]:
    size = _positive("chunk_size", chunk_size)
    start = None if since is None else ensure_aware(since, field="since")
    end = None if until is None else ensure_aware(until, field="until")
    return size, start, end


def scan_incident_rows(
    store: Store,
    *,
    chunk_size: int = 10_000,
    since: _dt.datetime | None = None,
    until: _dt.datetime | None = None,
    defendant_id: str | None = None,
) -> Iterator[ScannedIncident]:
    """Stream incidents as light :class:`ScannedIncident` rows, oldest first.

    Rows come from the database ``chunk_size`` at a time (SQLite steps one
    cursor; PostgreSQL uses a server-side cursor), so memory stays bounded
    whatever the table's size. Close the iterator (or exhaust it) to release
    the connection.

    Args:
        since: only incidents at or after this instant.
        until: only incidents before this instant.
        defendant_id: only incidents attributed directly to this defendant.
    """
    size, start, end = _scan_args(chunk_size, since, until)
    return store.scan_rows(chunk_size=size, since=start, until=end, defendant_id=defendant_id)


def scan_incidents(
    store: Store,
    *,
    chunk_size: int = 10_000,
    since: _dt.datetime | None = None,
    until: _dt.datetime | None = None,
    defendant_id: str | None = None,
) -> Iterator[Incident]:
    """Stream incidents as domain :class:`Incident` objects, oldest first (bounded memory).

    Slower than :func:`scan_incident_rows` (each row is validated into a
    domain object); use it where the summary, evidence references or zones are needed.
    """
    size, start, end = _scan_args(chunk_size, since, until)
    return store.scan_full(chunk_size=size, since=start, until=end, defendant_id=defendant_id)
