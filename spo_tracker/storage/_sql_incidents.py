"""The SQL of the incidents table on either dialect: its columns, an incident as the plain
tuple a backend stores and back, the bulk insert's statement and a bulk batch's digest."""

from __future__ import annotations

import functools
import json
import json.encoder
from collections.abc import Callable, Sequence
from typing import Any, Final

from sqlalchemy.engine import Connection

from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import CrimeClassification, Incident, IncidentKind
from spo_tracker.storage._base import ScannedIncident
from spo_tracker.storage._digests import batch_bytes, digest_bytes
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._mapping import incident_from_values
from spo_tracker.storage._sql_bulk import _copy
from spo_tracker.storage._stored import READ_ERRORS, UnreadableValue, read_json, refused
from spo_tracker.storage._tables import IncidentRow
from spo_tracker.storage._types import from_epoch_us, in_zone, to_epoch_us, zone_name

_INCIDENTS: Final = IncidentRow.__table__  # type: ignore[attr-defined]
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


def _incident_row(i: Incident, *batch: str, sqlite: bool) -> tuple[Any, ...]:
    """An incident as the plain tuple its backend stores, with its ``audit_batch`` last if
    one is given. SQLite's instants are UTC microseconds and its coordinates floats, so
    that the tuple reads back equal (its text is what a batch digest covers); PostgreSQL
    takes aware datetimes for timestamptz."""
    where, actor, occurred, reported = i.location, i.actor, i.occurred_at, i.reported_at
    lat: Any = None
    lon: Any = None
    if where is not None:
        lat, lon = (float(where.lat), float(where.lon)) if sqlite else (where.lat, where.lon)
    return (
        i.incident_id,
        to_epoch_us(occurred) if sqlite else occurred,
        zone_name(occurred),
        _code(i.kind),
        _code(i.platform),
        None if actor is None else actor.key,
        i.defendant_id,
        i.target_person_id,
        i.via_third_party,
        lat,
        lon,
        i.summary,
        _refs_json(i.evidence_refs),
        to_epoch_us(reported) if sqlite and reported is not None else reported,
        None if reported is None else zone_name(reported),
        _code(i.classification),
        1,
        *batch,
    )


def _instant(us: object, column: str) -> Any:
    """SQLite's whole microseconds as an instant; refused naming ``column`` otherwise (a
    hand edit: text, a real number, a time beyond the calendar), the value not quoted."""
    try:
        return from_epoch_us(us)  # type: ignore[arg-type]
    except (TypeError, OverflowError, ValueError):
        raise UnreadableValue(column).refusal() from None


def _incident_from_row(r: Sequence[Any], *, sqlite: bool) -> Incident:
    """The domain incident from a raw row of ``_COLUMNS`` (without the revision)."""
    occurred, refs, reported = r[1], r[12], r[13]
    if sqlite:
        occurred, refs = _instant(occurred, "occurred_at"), read_json(refs)
        reported = None if reported is None else _instant(reported, "reported_at")
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
        failure = error
    # Raised outside the except block: a value withheld from the message is not kept in
    # the error's context either (see ``refused``).
    raise refused("incident", r[0], failure)


def _batch_digest(
    incidents: Sequence[Incident],
    sqlite_rows: list[tuple[Any, ...]] | None,
    batch: str,
    keyring: AuditKeyring | None,
) -> str:
    """The digest of a bulk batch: its SQLite-form rows (the rows in hand on SQLite) in id
    order, as :func:`batch_rows` reads them back on either backend."""
    rows = (
        sqlite_rows
        if sqlite_rows is not None
        else [_incident_row(i, batch, sqlite=True) for i in incidents]
    )
    return digest_bytes(batch_bytes(rows), keyring)


def _batch_rows(
    incidents: Sequence[Incident], batch: str, keyring: AuditKeyring | None, *, sqlite: bool
) -> tuple[list[tuple[Any, ...]], str]:
    """The rows a bulk batch inserts on its backend, naming ``batch`` as their
    ``audit_batch``, and the batch's digest."""
    rows = [_incident_row(i, batch, sqlite=sqlite) for i in incidents]
    return rows, _batch_digest(incidents, rows if sqlite else None, batch, keyring)


def _write_incidents(conn: Connection, rows: list[tuple[Any, ...]], *, sqlite: bool) -> None:
    """Insert the rows of :func:`_batch_rows` in the connection's current transaction:
    executemany on SQLite, ``COPY`` on PostgreSQL."""
    if sqlite:
        conn.exec_driver_sql(_incident_sql(sqlite=True), rows)
    else:
        _copy(conn, f"COPY incidents ({', '.join(_BATCH_COLUMNS)}) FROM STDIN", rows)


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
