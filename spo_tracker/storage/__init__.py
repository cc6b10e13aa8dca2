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
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import (
    BatchRejectedError,
    InvalidValueError,
    SchemaVersionError,
    SpoTrackerError,
)
from spo_tracker.storage import _codec
from spo_tracker.storage._audit import (
    RETIRED_END,
    UNSEALED_END,
    Actor,
    AuditEntry,
    AuditReport,
    PendingEntry,
    check_chain,
)
from spo_tracker.storage._base import (
    AlertRepository,
    Clock,
    ComplianceRepository,
    DefendantRepository,
    IngestReport,
    OrderDates,
    OrderRepository,
    OutboxEntry,
    ProtectedPersonRepository,
    Repository,
    ScannedIncident,
    Store,
    UnitOfWork,
    check_compliance_fits,
    refuse_nul,
)
from spo_tracker.storage._crypto import (
    DATA_KEY_ENV,
    DATA_KEY_FILE_ENV,
    DataKey,
    DataKeyring,
    RotationReport,
    data_keyring_from_environment,
)
from spo_tracker.storage._deep import (
    Checkpoint,
    Expected,
    deep_findings,
    read_checkpoint,
    write_checkpoint,
)
from spo_tracker.storage._disposal import (
    DISPOSED_NAME,
    erase_defendant,
    erase_incident,
    erase_notification_duty,
    erase_protected_person,
    purge_erased_bytes,
)
from spo_tracker.storage._engine import (
    DatabaseUrl,
    current_revision,
    head_revision,
    make_engine,
    mask_url,
    parse_url,
    run_upgrade,
)
from spo_tracker.storage._files import refuse_output_onto, refuse_protected_output, sqlite_files
from spo_tracker.storage._keys import (
    KEY_FILE_ENV,
    AuditKey,
    AuditKeyring,
    keyring_from_environment,
    new_data_key_line,
    new_key_line,
)
from spo_tracker.storage._mapping_people import IDENTITIES_UNLINKED
from spo_tracker.storage._memory import InMemoryStore
from spo_tracker.storage._outbox import DeliveryReport, deliver_outbox, outbox_entries
from spo_tracker.storage._shredding import KEY_DESTROYED, rotate_data_key, shred_person_key
from spo_tracker.storage._sql import SqlStore
from spo_tracker.storage._tables import METADATA
from spo_tracker.storage._unit_of_work import DETECTION_RUN

__all__ = [
    "DATA_KEY_ENV",
    "DATA_KEY_FILE_ENV",
    "DEFAULT_URL",
    "DETECTION_RUN",
    "DISPOSED_NAME",
    "IDENTITIES_UNLINKED",
    "KEY_DESTROYED",
    "KEY_FILE_ENV",
    "METADATA",
    "RETIRED_END",
    "UNSEALED_END",
    "Actor",
    "AlertRepository",
    "AuditEntry",
    "AuditKey",
    "AuditKeyring",
    "AuditReport",
    "Checkpoint",
    "Clock",
    "ComplianceRepository",
    "DataKey",
    "DataKeyring",
    "DefendantRepository",
    "DeliveryReport",
    "InMemoryStore",
    "IngestReport",
    "OrderDates",
    "OrderRepository",
    "OutboxEntry",
    "ProtectedPersonRepository",
    "Repository",
    "RotationReport",
    "ScannedIncident",
    "SqlStore",
    "Store",
    "UnitOfWork",
    "check_compliance_fits",
    "checkpoint",
    "connect",
    "database_files",
    "deliver_outbox",
    "display_url",
    "erase_defendant",
    "erase_incident",
    "erase_notification_duty",
    "erase_protected_person",
    "head_revision",
    "ingest_incidents",
    "mask_url",
    "new_data_key_line",
    "new_key_line",
    "outbox_entries",
    "purge_erased_bytes",
    "read_checkpoint",
    "refuse_output_onto",
    "refuse_protected_output",
    "rotate_data_key",
    "scan_incident_rows",
    "scan_incidents",
    "schema_revision",
    "shred_person_key",
    "upgrade",
    "verify",
    "write_checkpoint",
]

#: The default database: a SQLite file in the current folder.
DEFAULT_URL = "sqlite:///spo-tracker.sqlite"


def _keyring(
    given: AuditKeyring | None, key_file: str | os.PathLike[str] | None
) -> AuditKeyring | None:
    """The audit keyring: the one given, else the key file, else the environment's."""
    if given is not None:
        return given
    if key_file is not None:
        return AuditKeyring.from_file(key_file)
    # connect() and upgrade() are the composition root: the one place the library reads
    # the environment, so that every process writing to a sealed trail finds the key.
    return keyring_from_environment(os.environ)


def _data_keyring(
    given: DataKeyring | None, key_file: str | os.PathLike[str] | None
) -> DataKeyring | None:
    """The data keyring: the one given, else the key file, else the environment's."""
    if given is not None:
        return given
    if key_file is not None:
        return DataKeyring.from_file(key_file)
    return data_keyring_from_environment(os.environ)


def connect(
    url: str = DEFAULT_URL,
    *,
    clock: Clock | None = None,
    audit_keyring: AuditKeyring | None = None,
    audit_key_file: str | os.PathLike[str] | None = None,
    data_keyring: DataKeyring | None = None,
    data_key_file: str | os.PathLike[str] | None = None,
) -> SqlStore:
    """Open the store at ``url`` after checking that its schema is up to date.

    Args:
        url: ``sqlite:///path`` (the default) or ``postgresql+psycopg://user@host/db``.
        clock: returns the current aware instant, for audit entries; without one,
            each unit of work needs ``at=``.
        audit_keyring: the audit keys that seal new entries and verify old ones.
        audit_key_file: a key file to read them from instead. With neither, the
            keys come from ``SPO_TRACKER_AUDIT_KEY_FILE`` or ``SPO_TRACKER_AUDIT_KEY``
            if set; otherwise entries are not sealed (see docs/storage.md).
        data_keyring: the data keys that wrap each protected person's own key (their
            restricted details are stored encrypted under it).
        data_key_file: a key file to read them from instead. With neither, the keys come
            from ``SPO_TRACKER_DATA_KEY_FILE`` or ``SPO_TRACKER_DATA_KEY`` if set;
            otherwise storing or reading restricted details raises
            :class:`~spo_tracker.errors.DataKeyError` (names still read).

    Raises:
        AuditKeyError: the key file or variable does not give a usable key.
        DataKeyError: the data key file or variable does not give a usable key.
        InvalidDatabaseUrlError: the URL is malformed or names another backend.
        DatabaseUnavailableError: the database cannot be reached (or the SQLite file is missing).
        SchemaVersionError: the schema is not at :func:`head_revision`; run :func:`upgrade`.
    """
    target = parse_url(url)
    keyring = _keyring(audit_keyring, audit_key_file)
    data_keys = _data_keyring(data_keyring, data_key_file)
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
    return SqlStore(engine, target, clock=clock, keyring=keyring, data_keyring=data_keys)


def upgrade(
    url: str = DEFAULT_URL,
    *,
    revision: str = "head",
    audit_keyring: AuditKeyring | None = None,
    audit_key_file: str | os.PathLike[str] | None = None,
    data_keyring: DataKeyring | None = None,
    data_key_file: str | os.PathLike[str] | None = None,
) -> str:
    """Create or migrate the database at ``url`` to ``revision``; returns the revision reached.

    A SQLite file is created if missing (its folder must exist). The genesis entry
    of the audit trail is sealed with the audit key, found as :func:`connect` finds it;
    restricted details stored in plaintext by an older release are encrypted with the
    data key (migration 0010), found the same way.

    Raises:
        AuditKeyError: the key file or variable does not give a usable key.
        DataKeyError: the data key file or variable does not give a usable key, or the
            database holds restricted details to encrypt and no data key is given.
        InvalidDatabaseUrlError: the URL is malformed or names another backend.
        DatabaseUnavailableError: the database cannot be reached.
    """
    target = parse_url(url)
    keyring = _keyring(audit_keyring, audit_key_file)
    data_keys = _data_keyring(data_keyring, data_key_file)
    engine = make_engine(target)
    try:
        run_upgrade(engine, target, revision, keyring=keyring, data_keyring=data_keys)
        return current_revision(engine, target) or ""
    finally:
        engine.dispose()


def display_url(url: str) -> str:
    """``url`` as it may be shown to people: checked, with any password hidden.

    Raises:
        InvalidDatabaseUrlError: the URL is malformed or names another backend.
    """
    return parse_url(url).shown


def database_files(database: str | Store) -> tuple[Path, ...]:
    """The files on disk that hold a database: for SQLite, the file and its side files.

    Outputs (reports, exports) must never be written over these: see
    :func:`refuse_output_onto`. Empty for PostgreSQL and for an in-memory store.

    Args:
        database: a database URL, or an open store.

    Raises:
        InvalidDatabaseUrlError: ``database`` is a malformed URL.
    """
    if isinstance(database, Store):
        target = database.url if isinstance(database, SqlStore) else None
    else:
        target = parse_url(database)
    return sqlite_files(target.sqlite_path) if target is not None and target.is_sqlite else ()


def schema_revision(url: str = DEFAULT_URL) -> str | None:
    """The schema revision of the database at ``url`` (``None`` if it has none)."""
    target: DatabaseUrl = parse_url(url)
    engine = make_engine(target)
    try:
        return current_revision(engine, target)
    finally:
        engine.dispose()


def verify(
    store: Store,
    *,
    audit_keyring: AuditKeyring | None = None,
    deep: bool = False,
    checkpoint: Checkpoint | None = None,
) -> AuditReport:
    """Check the store's audit trail: the genesis entry, every entry's hash and seal, every
    link and the head record; and, if asked, the records and a checkpoint.

    Args:
        store: the store.
        audit_keyring: the keys to check seals with (default: the store's own).
        deep: also recompute the digest of every stored record and bulk incident batch
            and compare it with the trail (SQL stores): finds direct edits of the tables.
        checkpoint: a head recorded earlier (:func:`checkpoint`); the trail must still
            reach it.

    Returns:
        The verdict; when broken, :attr:`AuditReport.first_bad_seq` names the first bad entry;
        deep findings are in :attr:`AuditReport.findings`.

    Raises:
        InvalidValueError: ``deep`` on the in-memory store.
        AuditKeyError: ``deep`` with record digests keyed by a key not given.
    """
    keyring = store.keyring if audit_keyring is None else audit_keyring
    if deep and not isinstance(store, SqlStore):
        raise InvalidValueError("deep", deep, "deep verification reads SQL tables; use a SqlStore")
    expected = Expected()
    expected.watch = None if checkpoint is None else checkpoint.head_seq
    head = store.audit_head()
    with contextlib.closing(store.audit_entries()) as entries:
        report = check_chain(expected.collect(entries), head, keyring=keyring)
    if not report.ok:
        return report
    if checkpoint is not None:
        problem = _checkpoint_problem(checkpoint, expected, keyring)
        if problem is not None:
            return attrs.evolve(report, ok=False, first_bad_seq=problem[0], problem=problem[1])
    if not deep:
        return report
    assert isinstance(store, SqlStore)
    findings, notes = deep_findings(store, expected, keyring)
    return attrs.evolve(
        report, ok=not findings, findings=tuple(findings), notes=(*report.notes, *notes)
    )


def _checkpoint_problem(
    checkpoint: Checkpoint, expected: Expected, keyring: AuditKeyring | None
) -> tuple[int, str] | None:
    seal = checkpoint.seal_problem(keyring)
    if seal is not None:
        return checkpoint.head_seq, seal
    if checkpoint.genesis_hash != expected.genesis_hash:
        return 0, "the genesis entry is not the checkpoint's (the trail was replaced)"
    found = expected.hashes.get(checkpoint.head_seq)
    if found is None:
        return checkpoint.head_seq, (
            f"the trail no longer reaches the checkpoint's head, entry {checkpoint.head_seq} "
            "(cut after the checkpoint)"
        )
    if found != checkpoint.head_hash:
        return checkpoint.head_seq, "entry differs from the checkpoint's head (rewritten)"
    return None


def checkpoint(store: Store, *, audit_keyring: AuditKeyring | None = None) -> Checkpoint:
    """The trail's head now, sealed with the audit key (the store's, by default); write it
    outside the database with :func:`write_checkpoint` and pass it to :func:`verify` later.

    Raises:
        InvalidValueError: the trail does not verify (a checkpoint would anchor a broken trail).
    """
    keyring = store.keyring if audit_keyring is None else audit_keyring
    expected = Expected()
    with contextlib.closing(store.audit_entries()) as entries:
        report = check_chain(expected.collect(entries), store.audit_head(), keyring=keyring)
    if not report.ok or expected.genesis_hash is None:
        raise InvalidValueError("audit trail", report.describe(), "verify it before a checkpoint")
    head = Checkpoint(expected.genesis_hash, report.head_seq, report.head_hash)
    return head.sealed(keyring)


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
    (``incidents.ingested``: count, first and last id, SHA-256 of the ids; its
    record digest covers the batch's rows, each of which names the batch in
    ``audit_batch``, so that ``verify(store, deep=True)`` can check them).
    ``incidents`` may be any iterable, consumed batch by batch.

    Raises:
        BatchRejectedError: a batch was refused and rolled back; earlier batches stay
            committed (its ``cause`` says why: a duplicate id, a bad item, or a value
            refused while ``incidents`` built the next item...).
        InvalidValueError: ``batch_size`` is not a whole number >= 1, or no time is known.
        PermissionDeniedError: the actor may not ingest (audited; nothing is stored).
    """
    size = _positive("batch_size", batch_size)
    if not isinstance(actor, Actor):
        raise InvalidValueError("actor", actor, "give an Actor(actor_id, role)")
    clock = _ingest_clock(store, at)
    with store.unit_of_work(actor, at=clock()) as uow:
        uow.authorise("ingest_incidents")  # a refusal is audited; nothing is stored
    batches = done = 0
    source = iter(incidents)
    while True:
        try:
            # Drawing the batch is inside: an incident built as it is drawn can be refused.
            batch = list(itertools.islice(source, size))
            if not batch:
                break
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
            refuse_nul(_codec.dump(item, Incident), "incident", item.incident_id)


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
