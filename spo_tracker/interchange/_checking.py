"""What both checking passes of an import share: records read into the domain and
their normal forms, orders with their versions and terms, ids remembered as hashes.

:mod:`spo_tracker.interchange._validation` (pass 1) and
:mod:`spo_tracker.interchange._duplicates` (the resolution pass) build on these;
nothing here writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import attrs

from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant
from spo_tracker.domain.terms import Term
from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._lines import shorten
from spo_tracker.interchange._records import OrderParts, Resolver
from spo_tracker.storage import UnitOfWork

__all__ = [
    "FIT_PATHS",
    "WRITERS",
    "Group",
    "Pending",
    "Record",
    "build",
    "dig",
    "extend",
    "id_hash",
    "label_of",
    "normal_form",
    "nul_paths",
    "protected",
    "read",
    "repository",
    "terms_of",
]

Record = dict[str, Any]


def id_hash(kind: str, key: str) -> int:
    # 64 bits: ids are remembered as hashes to bound memory; a collision is only
    # a suspected duplicate, which the resolution pass checks against the real ids.
    digest = hashlib.blake2b(f"{kind}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """The JSON paths of the texts in ``value`` that hold a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from nul_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from nul_paths(item, f"{path}[{i}]")


def protected(kind: object, record: Mapping[str, Any]) -> bool:
    """Whether a record may be a protected person's (any person not plainly a defendant)."""
    return kind == "person" and dig(record, "attributes").get("role") != "defendant"


def label_of(record: Mapping[str, Any]) -> str:
    kind, key = record.get("type"), record.get("id")
    return f"{kind} {shorten(key, 80)}" if isinstance(key, str) else str(kind)


# --------------------------------------------------------------------------- building records


def read(kind: str, record: Mapping[str, Any], resolve: Resolver) -> Any:
    """The domain object of a (schema-valid) record."""
    if kind == "person":
        if record["attributes"]["role"] == "defendant":
            return rec.read_defendant(record, resolve)
        return rec.read_protected_person(record)
    return _READERS[kind](record, resolve)


def normal_form(kind: str, obj: Any, record: Mapping[str, Any]) -> Record:
    """A record's normal form: the record the domain object it describes is written as."""
    if kind in ("identity", "location"):
        return _renamed(WRITERS[kind](obj), record)
    if kind == "person":
        if isinstance(obj, Defendant):
            return rec.write_defendant(obj)[1]
        restricted = "restricted" in record["attributes"]
        return rec.write_protected_person(obj, include_restricted=restricted)
    return WRITERS[kind](obj)


def build(kind: str, record: Mapping[str, Any], resolve: Resolver) -> tuple[Any, Record]:
    """The domain object of a (schema-valid) record and the record's normal form."""
    obj = read(kind, record, resolve)
    return obj, normal_form(kind, obj, record)


def _renamed(normal: Record, record: Mapping[str, Any]) -> Record:
    """An identity's or location's normal form keeps the file's id (others refer to it)."""
    return {**normal, "id": record["id"]}


_READERS: Final[dict[str, Callable[[Any, Resolver], Any]]] = {
    "identity": lambda r, _: rec.read_identity(r),
    "location": lambda r, _: rec.read_location(r),
    "application": lambda r, _: rec.read_application(r),
    "notification_duty": lambda r, _: rec.read_duty(r),
    "incident": rec.read_incident,
    "alert": lambda r, _: rec.read_alert(r),
    "compliance": lambda r, _: rec.read_compliance(r),
}
WRITERS: Final[dict[str, Callable[[Any], Record]]] = {
    "identity": rec.write_identity,
    "location": rec.write_location,
    "application": rec.write_application,
    "notification_duty": rec.write_duty,
    "incident": rec.write_incident,
    "alert": rec.write_alert,
    "compliance": rec.write_compliance,
}


@attrs.define
class Group:
    """An order and the version and term records that follow it, with their lines."""

    line: int
    order: Record
    versions: list[tuple[int, Record, list[tuple[int, Record]]]] = attrs.field(factory=list)
    broken: bool = False

    def parts(self) -> OrderParts:
        return OrderParts(
            self.order, tuple((v, tuple(t for _, t in terms)) for _, v, terms in self.versions)
        )

    def lines(self) -> list[int]:
        out = [self.line]
        for line, _, terms in self.versions:
            out += [line, *(n for n, _ in terms)]
        return out

    def line_of(self, record_id: str | None) -> tuple[int, str]:
        """The line and label of the group's record with this id (the order's by default)."""
        for line, version, terms in self.versions:
            if version.get("id") == record_id:
                return line, label_of(version)
            for term_line, term in terms:
                if term.get("id") == record_id:
                    return term_line, label_of(term)
        return self.line, label_of(self.order)


def dig(record: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """``record[k1][k2]...`` if every step is an object, else ``{}`` (for unchecked records)."""
    found: Any = record
    for key in keys:
        found = found.get(key) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def extend(group: Group, number: int, kind: str, record: Record) -> None:
    """Add a version, or a term of the last version, to an order's group."""
    if kind == "order_version":
        group.versions.append((number, record, []))
    elif group.versions:
        group.versions[-1][2].append((number, record))


@attrs.define
class Pending:
    """A reference to a record not met yet: where it was first made, and how often."""

    line: int
    label: str
    path: str
    role: str | None
    count: int = 1


# --------------------------------------------------------------------------- storage access


def repository(uow: UnitOfWork, kind: str) -> Any:
    """The unit of work's repository for a record type (or a person role)."""
    repositories = {
        "defendant": uow.defendants,
        "protected_person": uow.protected_persons,
        "application": uow.applications,
        "notification_duty": uow.notification_duties,
        "alert": uow.alerts,
        "order": uow.orders,
        "compliance": uow.compliance,
    }
    return repositories[kind]


#: Where a compliance record's misfit with its order is, by the field the check names.
FIT_PATHS: Final = {"term_id": "attributes.term_id", "defendant_id": "relationships.defendant"}


def terms_of(order: Order) -> tuple[str, dict[str, list[Term]]]:
    """An order's defendant and its terms by id, over every version."""
    terms: dict[str, list[Term]] = {}
    for version in order.versions:
        for term in version.terms:
            terms.setdefault(term.term_id, []).append(term)
    return order.defendant_id, terms
