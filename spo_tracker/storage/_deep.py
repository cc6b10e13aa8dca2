"""Deep verification and checkpoints: the records against the trail, the trail against a file.

Deep verification recomputes the digest of every stored record (and of every
bulk incident batch, from its rows) and compares it with the digest the last
audit entry about it recorded: a record changed, deleted or inserted with SQL,
outside the library, is named by kind and id (never by a value).

A checkpoint is the trail's head (number and hash, and the genesis hash),
sealed with the audit key and written to a file outside the database; a later
verification with it fails if the trail no longer reaches that head.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import attrs
from sqlalchemy import select
from sqlmodel import Session

from spo_tracker.errors import (
    AuditKeyError,
    DetailsDisposedError,
    InvalidValueError,
    OutputWriteError,
    StoredRecordError,
)
from spo_tracker.storage import _codec
from spo_tracker.storage._audit import GENESIS_EVENT, AuditEntry, _adopted
from spo_tracker.storage._consult import people_of
from spo_tracker.storage._digests import batch_bytes, id_term, matches
from spo_tracker.storage._files import refuse_protected_output
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._mapping import MAPPERS, Mapper
from spo_tracker.storage._sql import SqlStore
from spo_tracker.storage._sql_audit import _PEOPLE
from spo_tracker.storage._sql_incidents import _BATCH_COLUMNS, _refs_json
from spo_tracker.storage._sql_records import SqlRecords, _table
from spo_tracker.storage._types import to_epoch_us

__all__ = ["Checkpoint", "Expected", "deep_findings", "read_checkpoint", "write_checkpoint"]

#: Bulk entries that store many records of a kind under one digest, without naming each.
_BULK_KINDS: Final = {"alert_batch": "alert", "compliance_batch": "compliance_record"}
#: The events of bulk entries that store records (a ``...skipped`` entry stores none).
_BULK_WRITES: Final = frozenset({"alerts.created", "compliance_records.recorded"})
_SUM_MODULUS: Final = 1 << 256


@attrs.define
class BulkTally:
    """What the trail says is stored of one bulk kind: how many records and the sum of their
    ids' hashes (``None`` once a batch written before ``ids_sum`` existed is met)."""

    count: int = 0
    total: int | None = 0

    def add(self, count: int, total: int | None) -> None:
        self.count += count
        self.total = None if self.total is None or total is None else self.total + total


_CHUNK: Final = 500
#: The text of a record that cannot be recomputed: a person whose key was destroyed.
DISPOSED: Final = b""


class Expected:
    """What the trail says the records hold: collected while the chain is walked."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], str] = {}
        self.batches: dict[str, str] = {}
        self.bulk_kinds: set[str] = set()
        self.tallies: dict[str, BulkTally] = {}
        self.legacy = False
        self.genesis_hash: str | None = None
        self.hashes: dict[int, str] = {}
        self.watch: int | None = None
        #: The rows the trail says ``audit_people`` holds: their count and sum of hashes.
        self.people = BulkTally()

    def collect(self, entries: Iterable[AuditEntry]) -> Iterator[AuditEntry]:
        """Pass ``entries`` through, remembering each record digest."""
        for entry in entries:
            if entry.seq == 0 and entry.event == GENESIS_EVENT:
                self.genesis_hash = entry.entry_hash
                self.legacy = _adopted(entry.changes) is not None
            if entry.seq == self.watch:
                self.hashes[entry.seq] = entry.entry_hash
            for person_kind, key in people_of(entry.subject_kind, entry.subject_id, entry.changes):
                self.people.add(1, _person_term(key, entry.seq, person_kind))
            digest, kind = entry.record_digest, entry.subject_kind
            if kind in _BULK_KINDS:
                self.bulk_kinds.add(_BULK_KINDS[kind])
                if entry.event in _BULK_WRITES:
                    self._tally(_BULK_KINDS[kind], entry.changes)
            elif digest is None:
                pass
            elif kind == "incident_batch":
                self.batches[entry.subject_id] = digest
            else:
                self.records[(kind, entry.subject_id)] = digest
                if entry.event == f"{kind}.created" and kind in _BULK_KINDS.values():
                    tally = self.tallies.setdefault(kind, BulkTally())
                    tally.add(1, id_term(entry.subject_id))
            yield entry

    def _tally(self, kind: str, changes: str) -> None:
        tally = self.tallies.setdefault(kind, BulkTally())
        try:
            found = json.loads(changes)
            count = int(found["count"])
            total = None if "ids_sum" not in found else int(str(found["ids_sum"]), 16)
        except (ValueError, TypeError, KeyError, AttributeError):
            count, total = 0, None
        tally.add(count, total)


def deep_findings(
    store: SqlStore, expected: Expected, keyring: AuditKeyring | None
) -> tuple[list[str], list[str]]:
    """Every difference between the stored records and the trail, and notes on what was
    not checked.

    Raises:
        AuditKeyError: record digests are keyed and ``keyring`` lacks their key.
    """
    findings: list[str] = []
    unchecked: dict[str, int] = {}
    session = Session(store.engine)
    try:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        records = SqlRecords(session, store.url.shown, data_keyring=store.data_keyring)
        for mapper in MAPPERS.values():
            _check_kind(session, records, mapper, expected, keyring, findings, unchecked)
        _check_batches(session, store.url.is_sqlite, expected, keyring, findings, unchecked)
        _check_people(session, expected, findings)
    finally:
        session.close()
    notes = [f"{n} {what}: not checked one by one" for what, n in sorted(unchecked.items())]
    return findings, notes


def _person_term(person_id: str, seq: int, kind: str) -> int:
    """One ``audit_people`` row's term in the index's sum (see :func:`id_term`)."""
    return id_term(f"{person_id}\x1f{seq}\x1f{kind}")


def _check_people(session: Session, expected: Expected, findings: list[str]) -> None:
    """The ``audit_people`` index holds exactly the rows the trail implies (DPA 2018 s.62:
    a row deleted would hide a consultation from ``audit log --person``)."""
    count, total = 0, 0
    stmt = select(_PEOPLE.c.person_id, _PEOPLE.c.seq, _PEOPLE.c.person_kind)
    for person_id, seq, kind in session.execute(stmt.execution_options(yield_per=5000)):
        count += 1
        total += _person_term(str(person_id), int(seq), str(kind))
    wanted = expected.people
    if count != wanted.count or total % _SUM_MODULUS != (wanted.total or 0) % _SUM_MODULUS:
        findings.append(
            f"audit_people: {count} rows, but the trail names {wanted.count}: the index of who "
            "consulted whom was changed outside the library"
        )


def _keys(session: Session, mapper: Mapper[Any]) -> list[str]:
    root = _table(mapper.root)
    column = root.c[mapper.key_column]
    stmt = select(column)
    if mapper.kind == "incident":  # those in a bulk batch are checked with their batch
        stmt = stmt.where(root.c.audit_batch.is_(None))
    return list(session.execute(stmt.order_by(column)).scalars())


def _check_kind(
    session: Session,
    records: SqlRecords,
    mapper: Mapper[Any],
    expected: Expected,
    keyring: AuditKeyring | None,
    findings: list[str],
    unchecked: dict[str, int],
) -> None:
    kind = mapper.kind
    stored = _keys(session, mapper)
    for start in range(0, len(stored), _CHUNK):
        for key, text in _texts(records, mapper, stored[start : start + _CHUNK]):
            digest = expected.records.get((kind, key))
            if digest is None:
                why = _unaudited(kind, expected)
                if why is None:
                    findings.append(f"{kind} {key!r}: not in the audit trail (added outside it)")
                else:
                    unchecked[why] = unchecked.get(why, 0) + 1
            elif text is None:
                findings.append(f"{kind} {key!r}: cannot be read (edited so it breaks a rule)")
            elif text is DISPOSED:
                why = f"{kind} records whose restricted details were disposed of"
                unchecked[why] = unchecked.get(why, 0) + 1
            else:
                _compare(digest, text, keyring, f"{kind} {key!r}", findings)
    _check_tally(kind, stored, expected, findings)
    present = set(stored)
    for wanted_kind, key in expected.records:
        if wanted_kind != kind or key in present:
            continue
        if not _in_batch(session, mapper, key):
            findings.append(f"{kind} {key!r}: deleted outside the library")
            continue
        for _, text in _texts(records, mapper, [key]):
            what = f"{kind} {key!r}"
            if text is None:
                findings.append(f"{what}: cannot be read (edited so it breaks a rule)")
            else:
                _compare(expected.records[(kind, key)], text, keyring, what, findings)


def _check_tally(kind: str, stored: list[str], expected: Expected, findings: list[str]) -> None:
    """A bulk kind's stored records against the trail's count and sum of id hashes."""
    tally = expected.tallies.get(kind)
    if tally is None or expected.legacy:  # records may predate the trail
        return
    if len(stored) != tally.count:
        findings.append(
            f"{kind} records: {len(stored):,} stored, the audit trail accounts for "
            f"{tally.count:,} (records inserted or deleted outside the library)"
        )
    elif tally.total is not None:
        found = sum(map(id_term, stored)) % _SUM_MODULUS
        if found != tally.total % _SUM_MODULUS:
            findings.append(
                f"{kind} records: their ids are not the ones the audit trail stored (a record "
                "replaced by another outside the library)"
            )


def _in_batch(session: Session, mapper: Mapper[Any], key: str) -> bool:
    """Whether ``key`` is an incident stored in a bulk batch (and changed since, alone)."""
    if mapper.kind != "incident":
        return False
    root = _table(mapper.root)
    stmt = select(root.c.incident_id).where(root.c.incident_id == key)
    return session.execute(stmt).first() is not None


def _unaudited(kind: str, expected: Expected) -> str | None:
    """Why a record without an entry of its own is not a finding (``None``: it is one)."""
    if kind in expected.bulk_kinds:
        return f"{kind} records stored in bulk"
    if expected.legacy:
        return f"{kind} records last written before record digests (0008)"
    return None


def _texts(
    records: SqlRecords, mapper: Mapper[Any], keys: list[str]
) -> Iterator[tuple[str, bytes | None]]:
    """Each record's canonical text (``None``: it no longer reads as a record; ``b""``: a
    protected person whose details were disposed of, whose digest cannot be recomputed).

    Raises:
        DataKeyError: a protected person's details are sealed and the data key is missing.
    """
    try:
        found = records.load_many(mapper, keys)
    except (StoredRecordError, DetailsDisposedError):
        found = {}
        for key in keys:
            try:
                found.update(records.load_many(mapper, [key]))
            except StoredRecordError:
                yield key, None
            except DetailsDisposedError:
                yield key, DISPOSED
    for key, obj in found.items():
        yield key, _codec.canonical_json(_codec.dump(obj, type(obj))).encode()


def _compare(
    digest: str, text: bytes, keyring: AuditKeyring | None, what: str, findings: list[str]
) -> None:
    verdict = matches(digest, text, keyring)
    if verdict is None:
        raise AuditKeyError(
            digest.split(":")[1], "record digests", "they are keyed: give this key to verify"
        )
    if not verdict:
        findings.append(f"{what}: differs from its last audit entry (changed outside the library)")


def _check_batches(
    session: Session,
    sqlite: bool,
    expected: Expected,
    keyring: AuditKeyring | None,
    findings: list[str],
    unchecked: dict[str, int],
) -> None:
    columns = ", ".join(_BATCH_COLUMNS)
    sql = f"SELECT {columns} FROM incidents WHERE audit_batch IS NOT NULL ORDER BY audit_batch"
    seen: set[str] = set()
    for batch, rows in _grouped(session.connection().exec_driver_sql(sql), sqlite):
        seen.add(batch)
        digest = expected.batches.get(batch)
        if digest is None:
            findings.append(f"incident_batch {batch!r}: not in the audit trail (added outside it)")
        elif any(("incident", row[0]) in expected.records for row in rows):
            why = "incident batches with an incident changed since"
            unchecked[why] = unchecked.get(why, 0) + 1
        else:
            _compare(digest, batch_bytes(rows), keyring, f"incident_batch {batch!r}", findings)
    for batch in sorted(set(expected.batches) - seen):
        findings.append(f"incident_batch {batch!r}: every row deleted outside the library")


def _grouped(result: Any, sqlite: bool) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """Rows by batch, each in the SQLite form the batch digest was computed over."""
    batch: str | None = None
    rows: list[tuple[Any, ...]] = []
    for raw in result:
        row = _normal(tuple(raw), sqlite)
        if row[-1] != batch:
            if batch is not None:
                yield batch, rows
            batch, rows = row[-1], []
        rows.append(row)
    if batch is not None:
        yield batch, rows


def _normal(r: tuple[Any, ...], sqlite: bool) -> tuple[Any, ...]:
    values = list(r)
    values[8] = bool(values[8])
    if not sqlite:
        values[1] = to_epoch_us(values[1])
        values[12] = _refs_json(tuple(values[12]))
        values[13] = None if values[13] is None else to_epoch_us(values[13])
    return tuple(values)


# -- checkpoints ---------------------------------------------------------------------------


@attrs.frozen
class Checkpoint:
    """The head of a trail at one moment, sealed with the audit key, kept outside the database.

    Attributes:
        genesis_hash: the trail's genesis entry hash (which trail it is).
        head_seq: the last entry's number then.
        head_hash: its hash.
        key_id: the key that sealed it (``None``: not sealed).
        mac: HMAC-SHA-256 of the three above under that key.
    """

    genesis_hash: str
    head_seq: int
    head_hash: str
    key_id: str | None = None
    mac: str | None = None

    @property
    def message(self) -> str:
        """What the seal covers."""
        return f"spo_tracker.checkpoint:{self.genesis_hash}:{self.head_seq}:{self.head_hash}"

    def sealed(self, keyring: AuditKeyring | None) -> Checkpoint:
        """This checkpoint sealed with the keyring's current key (unsealed without one)."""
        if keyring is None:
            return self
        key = keyring.current
        return attrs.evolve(self, key_id=key.key_id, mac=key.mac(self.message))

    def seal_problem(self, keyring: AuditKeyring | None) -> str | None:
        """Why its seal does not hold, or ``None`` if it holds.

        With a keyring, an unsealed checkpoint does not hold: anyone can write one
        (an edited file with its seal stripped would otherwise anchor a cut trail).
        """
        if self.key_id is None:
            if keyring is None:
                return None
            return (
                "the checkpoint is not sealed, yet an audit key is given: a checkpoint "
                "taken with the key is sealed, so this file was edited or replaced"
            )
        key = None if keyring is None else keyring.get(self.key_id)
        if key is None:
            return f"the checkpoint is sealed with key {self.key_id!r}; give that key"
        if not hmac.compare_digest(key.mac(self.message), self.mac or ""):
            return "the checkpoint's seal does not match (the file was edited)"
        return None


def write_checkpoint(
    checkpoint: Checkpoint,
    path: str | os.PathLike[str],
    *,
    protected: Iterable[str | os.PathLike[str]] = (),
    key_files: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Write ``checkpoint`` to ``path`` as JSON, readable by its owner only (mode 0600).

    The file is written beside ``path`` and renamed over it, so a reader never
    sees half of it. ``path`` may replace an earlier checkpoint, never a protected
    file (see :func:`~spo_tracker.storage.refuse_protected_output`).

    Args:
        checkpoint: the head to write.
        path: the file.
        protected: the database's files (``database_files(store)``), never replaced.
        key_files: the audit key files, never replaced (nor is any existing file that
            reads as a key file).

    Raises:
        OutputOntoDatabaseError: ``path`` is a protected file.
        OutputWriteError: the file cannot be written (a missing folder, a full disk...).
    """
    refuse_protected_output(path, database=protected, key_files=key_files, writing="checkpoint")
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    text = json.dumps(attrs.asdict(checkpoint), sort_keys=True, indent=2) + "\n"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
            os.write(descriptor, text.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except OSError as error:
        raise OutputWriteError(str(path), error.strerror or type(error).__name__) from None


def read_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """The checkpoint in the file at ``path``.

    Raises:
        InvalidValueError: the file cannot be read or is not a checkpoint.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Checkpoint(
            str(data["genesis_hash"]),
            int(data["head_seq"]),
            str(data["head_hash"]),
            None if data.get("key_id") is None else str(data["key_id"]),
            None if data.get("mac") is None else str(data["mac"]),
        )
    except OSError as error:
        raise InvalidValueError("checkpoint", str(path), error.strerror or "unreadable") from None
    except (ValueError, TypeError, KeyError, AttributeError):
        raise InvalidValueError("checkpoint", str(path), "is not a checkpoint file") from None
