"""Export to the interchange format: from a store, or from domain objects held by the caller.

Records are written in dependency order, one per line: the header; each
defendant preceded by the identity and location records it refers to;
protected persons; applications; each order followed by its versions, each
version followed by its terms; notification duties; compliance records;
incidents, oldest first,
each preceded by its acting identity if that was not written yet; alerts.
Within each kind, records are sorted by id, so the same content always gives
the same bytes.

Protected persons' restricted details (their address and places) are left
out unless ``include_restricted=True`` is given, for a force-to-force
transfer; reading them from a store is then written to its audit trail.

A default export (without restricted details) is also *scrubbed*: every
free-text field (see :data:`FREE_TEXT`) goes through the reports' redaction
(:class:`~spo_tracker.reports.Redactor`), against the names, addresses,
postcodes and coordinates of every protected person exported, so that a
summary such as "I know you live at 14 Wren Close" does not carry the address
out. Reading the restricted details for that is audited like a report's read.
An export with restricted details is a verbatim copy and is not scrubbed.

A protected person whose details were erased, with their key
(:func:`~spo_tracker.storage.shred_person_key`) or by a retention disposal, is
exported from a store by name only, in either kind of export, and the free text a
person typed (see :data:`WITHHELD_TEXT`) of every record concerning them is
withheld whole: their address can no longer be recognised in it, and an
importing store would know them with no details to scrub. A record concerns
them if it names them, or the defendant of an order or application naming them,
or one of that defendant's identities, or an incident one of that defendant's
alerts rests on, or a record that concerns them (so the defendant's orders, with
their versions and terms, applications, duties, compliance, incidents, those by
the defendant's identities, and alerts). Concern is judged by these links, not
by the text: text about them in a record of no such link (an incident by an
identity no alert of the case rests on and the defendant no longer holds, or by
another defendant) is scrubbed against the readable persons only.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Final, Protocol

import attrs

from spo_tracker import __version__
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson, RestrictedDetails
from spo_tracker.domain.redaction import WITHHELD, ForceScrubber
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.terms import CATALOGUE_VERSION
from spo_tracker.errors import OutputWriteError, PermissionDeniedError
from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._schema import FORMAT_VERSION, INTERCHANGE_FORMAT
from spo_tracker.interchange._values import instant_text
from spo_tracker.storage import (
    DISPOSED_NAME,
    Actor,
    Store,
    UnitOfWork,
    database_files,
    refuse_output_onto,
    scan_incidents,
)

__all__ = [
    "FREE_TEXT",
    "WITHHELD_TEXT",
    "Dataset",
    "ExportReport",
    "export_file",
    "write_dataset",
    "write_store",
]

Record = dict[str, Any]

#: The attributes (by name, at any depth) holding text a person typed, scrubbed in a
#: default export. Person, identity and location records are structural (a defendant's
#: names and addresses, identifiers) and are written as they are; so are ids, codes,
#: days, instants and geometry (an incident's position is not free text).
FREE_TEXT: Final = frozenset(
    {
        "summary",
        "evidence_refs",
        "note",
        "reason",
        "end_reason",
        "court",
        "detail",
        "station",
        "police_area",
        "local_police_area",
        "title",
        "explanation",
        "recorded_by",
        "force_name",
        "description",
        "label",
        "name",
        "section",
        "related_sections",
    }
)
#: The free text a person typed (not a court's or a force's names, an applicant's title,
#: or the library's section names), withheld whole from a record concerning a protected
#: person whose details were erased (see the module docstring); and an alert's title.
WITHHELD_TEXT: Final = frozenset(
    {
        "summary",
        "evidence_refs",
        "note",
        "reason",
        "end_reason",
        "detail",
        "description",
        "label",
        "name",
        "explanation",
    }
)
#: An alert's own attributes withheld besides (its title may quote a zone's label).
_ALERT_WITHHELD: Final = frozenset({"title"})
#: Record types whose attributes are not scrubbed (see :data:`FREE_TEXT`).
_STRUCTURAL: Final = frozenset({"person", "identity", "location"})


@attrs.frozen
class Dataset:
    """Domain records to export without a store (an integrator's own objects, or a test's).

    Attributes:
        defendants, protected_persons, applications, orders, duties, alerts: the records.
        incidents: the incidents; any iterable, consumed once, so a generator keeps
            memory bounded (give them oldest first to match a store's export).
        compliance: compliance with positive requirements (sorted by id when written).
    """

    defendants: tuple[Defendant, ...] = ()
    protected_persons: tuple[ProtectedPerson, ...] = ()
    applications: tuple[Application, ...] = ()
    orders: tuple[Order, ...] = ()
    duties: tuple[NotificationDuty, ...] = ()
    incidents: Iterable[Incident] = ()
    alerts: tuple[Alert, ...] = ()
    compliance: tuple[ComplianceRecord, ...] = ()


@attrs.frozen
class ExportReport:
    """What an export wrote.

    Attributes:
        records: records written, by type (the header not counted).
        restricted: whether protected persons' restricted details were included.
    """

    records: dict[str, int]
    restricted: bool


class _Source(Protocol):
    """Where the records come from, each kind sorted by id (incidents oldest first)."""

    def defendants(self) -> Iterable[Defendant]: ...
    def protected_persons(self) -> Iterable[ProtectedPerson]: ...
    def applications(self) -> Iterable[Application]: ...
    def orders(self) -> Iterable[Order]: ...
    def duties(self) -> Iterable[NotificationDuty]: ...
    def compliance(self) -> Iterable[ComplianceRecord]: ...
    def incidents(self) -> Iterable[Incident]: ...
    def alerts(self) -> Iterable[Alert]: ...


@attrs.frozen
class _DatasetSource:
    data: Dataset

    def defendants(self) -> Iterable[Defendant]:
        return sorted(self.data.defendants, key=lambda d: d.defendant_id)

    def protected_persons(self) -> Iterable[ProtectedPerson]:
        return sorted(self.data.protected_persons, key=lambda p: p.person_id)

    def applications(self) -> Iterable[Application]:
        return sorted(self.data.applications, key=lambda a: a.application_id)

    def orders(self) -> Iterable[Order]:
        return sorted(self.data.orders, key=lambda o: o.order_id)

    def duties(self) -> Iterable[NotificationDuty]:
        return sorted(self.data.duties, key=lambda d: d.duty_id)

    def compliance(self) -> Iterable[ComplianceRecord]:
        return sorted(self.data.compliance, key=lambda r: r.record_id)

    def incidents(self) -> Iterable[Incident]:
        return self.data.incidents

    def alerts(self) -> Iterable[Alert]:
        return sorted(self.data.alerts, key=lambda a: a.alert_id)


@attrs.frozen
class _StoreSource:
    store: Store
    uow: UnitOfWork
    include_restricted: bool
    #: The persons read with their details (a default export reads them to scrub with).
    persons: Mapping[str, ProtectedPerson]

    def defendants(self) -> Iterator[Defendant]:
        return (self.uow.defendants.get(k) for k in sorted(self.uow.defendants.ids()))

    def protected_persons(self) -> Iterator[ProtectedPerson]:
        people = self.uow.protected_persons
        for key in sorted(people.ids()):
            found = self.persons.get(key)
            if self.include_restricted and found is not None:
                yield found
            else:
                # The name only: not exported (a default export), or erased with the key.
                yield ProtectedPerson(key, people.get_name(key))

    def applications(self) -> Iterator[Application]:
        return (self.uow.applications.get(k) for k in sorted(self.uow.applications.ids()))

    def orders(self) -> Iterator[Order]:
        return (self.uow.orders.get(k) for k in sorted(self.uow.orders.ids()))

    def duties(self) -> Iterator[NotificationDuty]:
        repository = self.uow.notification_duties
        return (repository.get(k) for k in sorted(repository.ids()))

    def compliance(self) -> Iterator[ComplianceRecord]:
        # Read 500 at a time by id: a force holds millions (daily sign-ons).
        keys = sorted(self.uow.compliance.ids())
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            found = self.uow.compliance.get_many(part)
            yield from (found[k] for k in part)

    def incidents(self) -> Iterator[Incident]:
        return scan_incidents(self.store)

    def alerts(self) -> Iterator[Alert]:
        return (self.uow.alerts.get(k) for k in sorted(self.uow.alerts.ids()))


def _header(at: _dt.datetime, source: str | None, restricted: bool) -> Record:
    return {
        "type": "header",
        "schema": INTERCHANGE_FORMAT,
        "version": FORMAT_VERSION,
        "created_at": instant_text(ensure_aware(at, field="at")),
        "generator": f"spo-tracker {__version__}",
        "source": source,
        "term_catalogue": CATALOGUE_VERSION,
        "restricted": restricted,
    }


def _records(source: _Source, *, include_restricted: bool) -> Iterator[Record]:
    """Every record of ``source`` in dependency order (see the module docstring)."""
    written: set[str] = set()

    def once(record: Record) -> Iterator[Record]:
        key = f"{record['type']}\x1f{record['id']}"
        if key not in written:
            written.add(key)
            yield record

    for defendant in source.defendants():
        for linked in defendant.identities:
            yield from once(rec.write_identity(linked.identity))
        locations, person = rec.write_defendant(defendant)
        for location in locations:
            yield from once(location)
        yield person
    for protected in source.protected_persons():
        yield rec.write_protected_person(protected, include_restricted=include_restricted)
    yield from map(rec.write_application, source.applications())
    for order in source.orders():
        yield from rec.write_order(order)
    yield from map(rec.write_duty, source.duties())
    yield from map(rec.write_compliance, source.compliance())
    for incident in source.incidents():
        if incident.actor is not None:
            yield from once(rec.write_identity(incident.actor))
        yield rec.write_incident(incident)
    yield from map(rec.write_alert, source.alerts())


def _scrub_value(value: Any, scrub: Callable[[str], str], free: bool) -> Any:
    if isinstance(value, str):
        return scrub(value) if free and value else value
    if isinstance(value, list):
        return [_scrub_value(v, scrub, free) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, scrub, k in FREE_TEXT) for k, v in value.items()}
    return value


def _withheld_value(value: Any, free: bool) -> Any:
    if isinstance(value, str):
        return WITHHELD if free and value else value
    if isinstance(value, list):
        return [_withheld_value(v, free) for v in value]
    if isinstance(value, dict):
        return {k: _withheld_value(v, k in WITHHELD_TEXT) for k, v in value.items()}
    return value


def _names_any(value: Any, ids: frozenset[str]) -> bool:
    """Whether any text in ``value`` (at any depth) is one of ``ids``."""
    if isinstance(value, str):
        return value in ids
    if isinstance(value, list):
        return any(_names_any(v, ids) for v in value)
    if isinstance(value, dict):
        return any(_names_any(v, ids) for v in value.values())
    return False


def _links_any(value: Any, links: set[tuple[str, str]]) -> bool:
    """Whether any link (``{"type": ..., "id": ...}``, at any depth) in ``value`` is to a
    record of ``links`` (a type and an id: ids are unique within a type only)."""
    if isinstance(value, list):
        return any(_links_any(v, links) for v in value)
    if not isinstance(value, dict):
        return False
    kind, key = value.get("type"), value.get("id")
    if isinstance(kind, str) and isinstance(key, str) and (kind, key) in links:
        return True
    return any(_links_any(v, links) for v in value.values())


def _withheld(record: Record) -> Any:
    """The record's attributes with the text a person typed withheld whole."""
    extra = _ALERT_WITHHELD if record["type"] == "alert" else frozenset()
    return {
        key: _withheld_value(value, key in WITHHELD_TEXT or key in extra)
        for key, value in record["attributes"].items()
    }


@attrs.frozen
class _Concern:
    """What marks a record as concerning a person whose details were erased.

    Attributes:
        persons: those persons' ids (named by links, or as plain ids in attributes: a
            term's persons, an alert's protected persons).
        links: the records (type, id) whose own records and whose linkers concern them:
            those persons and the defendants of the orders and applications naming them
            (``person``), those defendants' identities (``identity``: an incident by one
            is theirs) and the incidents their alerts rest on (``incident``).
    """

    persons: frozenset[str] = frozenset()
    links: frozenset[tuple[str, str]] = frozenset()


def _concerning(uow: UnitOfWork, disposed: frozenset[str]) -> _Concern:
    """The :class:`_Concern` of the persons of ``disposed`` (see the module docstring).
    Read only if there are such persons: the orders naming them by the index, every
    application, those defendants and their alerts."""
    if not disposed:
        return _Concern()
    orders = sorted({o for found in uow.orders.protecting(disposed).values() for o in found})
    defendants = {o.defendant_id for o in uow.orders.get_many(orders).values()}
    applications = uow.applications.get_many(uow.applications.ids()).values()
    defendants |= {a.defendant_id for a in applications if disposed & set(a.protected_person_ids)}
    identities = {
        linked.identity.key
        for defendant in uow.defendants.get_many(sorted(defendants)).values()
        for linked in defendant.identities
    }
    # The incidents their alerts rest on: most name only the phone or account that acted,
    # which the defendant may no longer hold (unlinked, or erased by a disposal).
    alerts = [a for d in sorted(defendants) for a in uow.alerts.ids_where("defendant_id", d)]
    evidence = {i for alert in uow.alerts.get_many(alerts).values() for i in alert.evidence_ids}
    links = {("person", key) for key in disposed | defendants}
    links |= {("identity", key) for key in identities}
    links |= {("incident", key) for key in evidence}
    return _Concern(disposed, frozenset(links))


def _scrubbed(
    records: Iterable[Record],
    scrub: Callable[[str], str] | None,
    concern: _Concern = _Concern(),
) -> Iterator[Record]:
    """``records`` with every free-text attribute scrubbed (see :data:`FREE_TEXT`; not if
    ``scrub`` is ``None``), and the text a person typed withheld from each record that
    ``concern`` marks, or that links to a record withheld before it (records come in
    dependency order: an order's versions and terms after it)."""
    links = set(concern.links)
    for record in records:
        if record["type"] in _STRUCTURAL or "attributes" not in record:
            yield record
            continue
        attributes = record["attributes"]
        own = (record["type"], record["id"])
        if links and (
            own in links
            or _links_any(record.get("relationships"), links)
            or _names_any(attributes, concern.persons)
        ):
            links.add(own)
            attributes = _withheld(record)
        if scrub is not None:
            attributes = _scrub_value(attributes, scrub, False)
        yield record if attributes is record["attributes"] else {**record, "attributes": attributes}


#: Characters some line splitters treat as line ends; escaped so a line is a line everywhere.
_LINE_BREAKS: Final = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _line(record: Record) -> str:
    """One record as one line of UTF-8 JSON, compact, ending with a newline."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Safe: these characters can only occur inside JSON strings, where the escape is valid.
    return text.translate(_LINE_BREAKS) + "\n"


def _write(out: IO[str], header: Record, records: Iterable[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    out.write(_line(header))
    for record in records:
        out.write(_line(record))
        counts[record["type"]] = counts.get(record["type"], 0) + 1
    return dict(sorted(counts.items()))


def write_dataset(
    out: IO[str],
    data: Dataset,
    *,
    at: _dt.datetime,
    include_restricted: bool = False,
    source: str | None = None,
) -> ExportReport:
    """Write ``data`` to ``out`` as an interchange file.

    Args:
        out: a text stream (UTF-8).
        data: the records.
        at: the export time written in the header (the library never reads the clock).
        include_restricted: include protected persons' restricted details (for a
            force-to-force transfer only); without it, every free-text field is
            scrubbed of the protected persons' names, addresses, postcodes and
            coordinates (see the module docstring), so the file is lossy by design.
        source: who produced the file (e.g. a force code), written in the header.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """
    header = _header(at, source, include_restricted)
    records = _records(_DatasetSource(data), include_restricted=include_restricted)
    if not include_restricted:
        persons = {p.person_id: p for p in data.protected_persons}
        records = _scrubbed(records, ForceScrubber(persons))
    return ExportReport(_write(out, header, records), include_restricted)


def write_store(
    out: IO[str],
    store: Store,
    *,
    actor: Actor,
    at: _dt.datetime,
    include_restricted: bool = False,
    source: str | None = None,
) -> ExportReport:
    """Write everything in ``store`` to ``out`` as an interchange file (streamed).

    Incidents are streamed from the database in chunks, so memory stays
    bounded; the other records are read one at a time.

    Args:
        actor: who is exporting; a read of restricted details (to include them, or
            to redact free text in a default export) is audited under this actor.
        at: the export time, for the header and the audit trail.
        include_restricted: see :func:`write_dataset`.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
        DatabaseError: the database could not be read.
        PermissionDeniedError: the actor may not export (``export``), or not with the
            restricted details (``export_restricted`` and ``read_restricted``, each
            needing a purpose); audited, nothing is written.
    """
    header = _header(at, source, include_restricted)
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("export_restricted" if include_restricted else "export")
        people = uow.protected_persons
        ids = sorted(people.ids())
        if include_restricted:
            why = "interchange export with restricted details"
            persons = people.get_many(ids, reason=why, skip_unreadable=True)
        else:
            why = "interchange export: redacting free text"
            with uow._processing():  # read to scrub free text, never written out
                persons = people.get_many(ids, reason=why, skip_unreadable=True)
        # Their details erased (the key destroyed, or a retention disposal): by name
        # only, and the text about them withheld.
        erased = RestrictedDetails()
        disposed = frozenset(ids) - persons.keys()
        disposed |= {
            k for k, p in persons.items() if p.name == DISPOSED_NAME and p.restricted == erased
        }
        found = _StoreSource(store, uow, include_restricted, persons)
        records = _records(found, include_restricted=include_restricted)
        if not include_restricted or disposed:
            scrub = None if include_restricted else ForceScrubber(persons)
            records = _scrubbed(records, scrub, _concerning(uow, disposed))
        counts = _write(out, header, records)
        # One disclosure entry naming everyone the export read (DPA 2018 s.62(1)(d)).
        changes = {
            "restricted": include_restricted,
            "records": dict(counts),
            "details_disposed": len(disposed),
        }
        uow.disclose(
            "interchange.exported",
            "export",
            str(header["created_at"]),
            changes=changes,
            reason="interchange export",
        )
        uow.commit()
    return ExportReport(counts, include_restricted)


def export_file(
    store: Store,
    path: str | Path,
    *,
    actor: Actor,
    at: _dt.datetime,
    include_restricted: bool = False,
    source: str | None = None,
) -> ExportReport:
    """Export ``store`` to the file ``path``, atomically: a failed export leaves no file.

    Raises:
        OutputOntoDatabaseError: ``path`` is the store's database file or one of its side
            files (also through a symbolic or hard link); nothing is written.
        OutputWriteError: the file cannot be written (a missing folder, a full disk...).
        NaiveDatetimeError: ``at`` has no time zone.
        DatabaseError: the database could not be read.
    """
    target = Path(path)
    refuse_output_onto(target, database_files(store))
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as error:
        raise OutputWriteError(str(target), error.strerror or str(error)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            report = write_store(
                out,
                store,
                actor=actor,
                at=at,
                include_restricted=include_restricted,
                source=source,
            )
        os.replace(temporary, target)
    except PermissionDeniedError:  # a PermissionError, but no file problem
        raise
    except OSError as error:
        raise OutputWriteError(str(target), error.strerror or str(error)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return report
