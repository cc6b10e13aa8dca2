"""Import an interchange file in two passes: validate everything, then write in one transaction.

Pass 1 streams the file and checks every line: JSON, the schema, the domain
constructors and statutory rules, duplicate ids, references, and each record
against what the database already holds. It keeps ids (as 64-bit hashes),
the few records that must be resolved later (identities and locations), and
the problems found; never the records themselves. If anything is wrong it
raises :class:`~spo_tracker.errors.ImportValidationError` listing every
problem, and nothing is written.

Pass 2 reads the file again (persons first, because orders refer to them by
foreign key), skips what is already stored with the same content, and writes
the rest in the same unit of work, committed once. Any error rolls it all back.
"""

from __future__ import annotations

import collections
import datetime as _dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Final

import attrs

from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.errors import ImportIssue, ImportValidationError, InvalidValueError
from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._lines import (
    LineProblem,
    checker,
    file_digest,
    parse_line,
    read_lines,
    shorten,
)
from spo_tracker.interchange._records import OrderParts, Ref, Resolver, diff
from spo_tracker.interchange._schema import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_LINE_BYTES,
    RECORD_TYPES,
)
from spo_tracker.interchange._values import FieldError
from spo_tracker.storage import Actor, Store, UnitOfWork, scan_incident_rows

__all__ = ["ImportReport", "import_file"]

Record = dict[str, Any]

#: Incidents checked against the database, and written, this many at a time.
_CHUNK: Final = 1_000
_REASON: Final = "interchange import"


@attrs.frozen
class ImportReport:
    """What an import did.

    Attributes:
        source: the file imported.
        sha256: the SHA-256 of the file's bytes.
        records: records read, by type (the header not counted).
        created: records written, by type.
        unchanged: records already stored with the same content, or repeated in the
            file, by type: the part of the file that changed nothing.
    """

    source: str
    sha256: str
    records: Mapping[str, int]
    created: Mapping[str, int]
    unchanged: Mapping[str, int]

    @property
    def written(self) -> int:
        """How many records were written (0 for a repeated import)."""
        return sum(self.created.values())


def _id_hash(kind: str, key: str) -> int:
    # 64 bits: ids are remembered as hashes to bound memory; a collision is only
    # a suspected duplicate, which the resolution pass checks against the real ids.
    digest = hashlib.blake2b(f"{kind}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _label(record: Mapping[str, Any]) -> str:
    kind, key = record.get("type"), record.get("id")
    return f"{kind} {shorten(key, 80)}" if isinstance(key, str) else str(kind)


# --------------------------------------------------------------------------- building records


def _read(kind: str, record: Mapping[str, Any], resolve: Resolver) -> Any:
    """The domain object of a (schema-valid) record."""
    if kind == "person":
        if record["attributes"]["role"] == "defendant":
            return rec.read_defendant(record, resolve)
        return rec.read_protected_person(record)
    return _READERS[kind](record, resolve)


def _normal(kind: str, obj: Any, record: Mapping[str, Any]) -> Record:
    """A record's normal form: the record the domain object it describes is written as."""
    if kind in ("identity", "location"):
        return _renamed(_WRITTEN[kind](obj), record)
    if kind == "person":
        if isinstance(obj, Defendant):
            return rec.write_defendant(obj)[1]
        restricted = "restricted" in record["attributes"]
        return rec.write_protected_person(obj, include_restricted=restricted)
    return _WRITTEN[kind](obj)


def _build(kind: str, record: Mapping[str, Any], resolve: Resolver) -> tuple[Any, Record]:
    """The domain object of a (schema-valid) record and the record's normal form."""
    obj = _read(kind, record, resolve)
    return obj, _normal(kind, obj, record)


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
}
_WRITTEN: Final[dict[str, Callable[[Any], Record]]] = {
    "identity": rec.write_identity,
    "location": rec.write_location,
    "application": rec.write_application,
    "notification_duty": rec.write_duty,
    "incident": rec.write_incident,
    "alert": rec.write_alert,
}


@attrs.define
class _Group:
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
                return line, _label(version)
            for term_line, term in terms:
                if term.get("id") == record_id:
                    return term_line, _label(term)
        return self.line, _label(self.order)


def _dig(record: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """``record[k1][k2]...`` if every step is an object, else ``{}`` (for unchecked records)."""
    found: Any = record
    for key in keys:
        found = found.get(key) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def _extend(group: _Group, number: int, kind: str, record: Record) -> None:
    """Add a version, or a term of the last version, to an order's group."""
    if kind == "order_version":
        group.versions.append((number, record, []))
    elif group.versions:
        group.versions[-1][2].append((number, record))


@attrs.define
class _Pending:
    """A reference to a record not met yet: where it was first made, and how often."""

    line: int
    label: str
    path: str
    role: str | None
    count: int = 1


# --------------------------------------------------------------------------- pass 1


class _Validation:
    """Pass 1: every check, keeping ids and hashes only."""

    def __init__(self, store: Store, uow: UnitOfWork) -> None:
        self.uow = uow
        self.uow_store = store
        self.issues: list[ImportIssue] = []
        self.resolver = Resolver()
        self.object_lines: dict[tuple[str, str], int] = {}
        self.used: set[tuple[str, str]] = set()
        self.seen: dict[str, set[int]] = collections.defaultdict(set)
        self.roles: dict[str, str] = {}
        self.person_lines: set[int] = set()
        self.redundant: set[int] = set()
        self.suspects: set[tuple[str, int]] = set()
        self.pending: dict[tuple[str, str], _Pending] = {}
        self.chunk: list[tuple[int, str, Incident]] = []
        self._stored: dict[str, set[str]] = {}
        self.group: _Group | None = None
        self.counts: collections.Counter[str] = collections.Counter()
        self.restricted = False

    # -- reporting

    def issue(self, line: int, path: str, message: str, label: str = "") -> None:
        self.issues.append(ImportIssue(line, path, message, label))

    # -- the header

    def header(self, line: int, raw: bytes | None) -> bool:
        """Check line 1; ``False`` if the file cannot be read any further (not an
        interchange file, or a version this library cannot read)."""
        if raw is None:
            self.issue(line, "", f"the header line is over {MAX_LINE_BYTES:,} bytes")
            return False
        try:
            head = parse_line(raw)
        except LineProblem as problem:
            self.issue(line, "", f"the header is unreadable: {problem}")
            return False
        if head.get("type") != "header":
            found = shorten(head.get("type"))
            self.issue(line, "type", f"{found}: the first line must be the header record")
            return False
        if head.get("schema") != FORMAT_NAME:
            found = shorten(head.get("schema"))
            self.issue(line, "schema", f"{found} is not {FORMAT_NAME!r}: not an interchange file")
            return False
        if head.get("version") != FORMAT_VERSION:
            found = shorten(head.get("version"))
            self.issue(
                line,
                "version",
                f"{found} is not supported: this library reads interchange version "
                f"{FORMAT_VERSION}",
            )
            return False
        # Other header problems are reported, and the records are still checked.
        for path, message in checker().problems("header", head):
            self.issue(line, path, message, "header")
        self.restricted = head.get("restricted") is True
        return True

    # -- one line

    def line(self, number: int, raw: bytes | None) -> None:
        if raw is None:
            self.close_group()
            self.issue(number, "", f"over {MAX_LINE_BYTES:,} bytes (oversize line); not read")
            return
        try:
            record = parse_line(raw)
        except LineProblem as problem:
            self.close_group()
            self.issue(number, "", str(problem))
            return
        kind = record.get("type")
        if kind not in RECORD_TYPES:
            self.close_group()
            known = ", ".join(RECORD_TYPES)
            why = "a second header" if kind == "header" else "unknown record type"
            self.issue(number, "type", f"{shorten(kind)}: {why}; expected one of {known}")
            return
        self.counts[kind] += 1
        self.record(number, kind, record)

    def record(self, number: int, kind: str, record: Record) -> None:
        if kind not in ("order_version", "term"):
            self.close_group()
        label = _label(record)
        problems = checker().problems(kind, record)
        for path, message in problems:
            self.issue(number, path, message, label)
        if kind == "order":
            self.group = _Group(number, record, broken=bool(problems))
        elif kind in ("order_version", "term"):
            self.follow(number, kind, record, label, broken=bool(problems))
        elif problems:
            self.remember_unchecked(number, kind, record)
        else:
            self.check(number, kind, record, label)

    def remember(self, kind: str, key: object, number: int) -> None:
        """Note an id (so that later references to it are not reported as well)."""
        if not isinstance(key, str):
            return
        hashed = _id_hash(kind, key)
        if hashed in self.seen[kind]:
            self.suspects.add((kind, hashed))
        self.seen[kind].add(hashed)
        if kind in ("identity", "location"):
            self.object_lines.setdefault((kind, key), number)

    def remember_unchecked(self, number: int, kind: str, record: Record) -> None:
        """Note what a record that failed the schema says about itself: its id, a person's
        role, the identities and locations it uses. Its own problems are reported; this keeps
        them from being reported again as dangling references or unused identities."""
        key = record.get("id")
        self.remember(kind, key, number)
        role = _dig(record, "attributes").get("role")
        if kind == "person" and isinstance(key, str) and role in ("defendant", "protected_person"):
            self.roles.setdefault(key, role)
            self.person_lines.add(number)
        for value in _dig(record, "relationships").values():
            for link in value if isinstance(value, list) else [value]:
                if isinstance(link, dict) and link.get("type") in ("identity", "location"):
                    self.used.add((str(link.get("type")), str(link.get("id"))))

    def check(self, number: int, kind: str, record: Record, label: str) -> None:
        """Domain checks of one schema-valid record, then its references and the database."""
        key = str(record["id"])
        if kind == "person":
            self.person(number, record, label)
        self.references(number, label, record)
        obj: Any
        normal: Record
        try:
            obj = _read(kind, record, self.resolver)
            # An incident's normal form is needed only if its id is stored: see flush_incidents.
            normal = {} if kind == "incident" else _normal(kind, obj, record)
        except FieldError as error:
            self.issue(number, error.path, error.message, label)
            self.remember(kind, key, number)
            return
        self.remember(kind, key, number)
        if kind == "identity":
            self.resolver.identities.setdefault(key, obj)
        elif kind == "location":
            self.resolver.locations.setdefault(key, obj)
        elif kind == "incident":
            self.chunk.append((number, key, obj))
            if len(self.chunk) >= _CHUNK:
                self.flush_incidents()
        else:
            self.against_store(number, label, kind, key, normal)

    def person(self, number: int, record: Record, label: str) -> None:
        role = record["attributes"]["role"]
        self.roles.setdefault(str(record["id"]), role)
        self.person_lines.add(number)
        if "restricted" in record["attributes"] and not self.restricted:
            self.issue(
                number,
                "attributes.restricted",
                "restricted details in a file whose header says restricted: false",
                label,
            )

    # -- references

    def references(self, number: int, label: str, record: Record) -> None:
        for ref in rec.references(record):
            if ref.type in ("identity", "location"):
                self.used.add((ref.type, ref.id))
            elif not self.met(number, label, ref):
                self.pend(number, label, ref)

    def met(self, number: int, label: str, ref: Ref) -> bool:
        """Whether ``ref`` points at a record already read (checking a person's role)."""
        if ref.type == "person":
            role = self.roles.get(ref.id)
            if role is None:
                return False
            if ref.role is not None and role != ref.role:
                self.wrong_role(number, label, ref, role)
            return True
        return _id_hash(ref.type, ref.id) in self.seen[ref.type]

    def wrong_role(self, number: int, label: str, ref: Ref, role: str) -> None:
        found = role.replace("_", " ")
        wanted = (ref.role or "").replace("_", " ")
        self.issue(number, ref.path, f"person {ref.id!r} is a {found}, not a {wanted}", label)

    def pend(self, number: int, label: str, ref: Ref) -> None:
        found = self.pending.get((ref.type, ref.id))
        if found is None:
            self.pending[(ref.type, ref.id)] = _Pending(number, label, ref.path, ref.role)
        else:
            found.count += 1

    # -- order groups

    def follow(self, number: int, kind: str, record: Record, label: str, *, broken: bool) -> None:
        """An order_version or term: it must follow its order (or its version) directly."""
        group = self.group
        parent = "order" if kind == "order_version" else "order_version"
        link = _dig(record, "relationships", parent)
        expected = None
        if group is not None:
            expected = group.order.get("id")
            if kind == "term":
                expected = group.versions[-1][1].get("id") if group.versions else None
        if group is None or expected is None or link.get("id") != expected:
            if not broken:
                where = f"{parent} {shorten(link.get('id'))}"
                self.issue(
                    number,
                    f"relationships.{parent}",
                    f"does not follow {where}: an order's versions follow it, each "
                    "followed by its terms",
                    label,
                )
            if group is not None:
                group.broken = True
            return
        group.broken = group.broken or broken
        _extend(group, number, kind, record)

    def close_group(self) -> None:
        group, self.group = self.group, None
        if group is None:
            return
        key = group.order.get("id")
        self.remember("order", key, group.line)
        if group.broken:
            return
        try:
            order, problems = rec.read_order(group.parts())
        except FieldError as error:
            line, label = group.line_of(error.record_id)
            self.issue(line, error.path, error.message, label)
            return
        for record_id, problem in problems:
            line, label = group.line_of(record_id)
            self.issue(line, problem.path, problem.message, label)
        self.references(group.line, _label(group.order), group.order)
        self.order_against_store(group, order)

    # -- the database

    def against_store(self, number: int, label: str, kind: str, key: str, normal: Record) -> None:
        if kind == "person":
            theirs = self.stored_person(number, label, normal)
        else:
            theirs = None
            if key in self.stored(kind):
                theirs = _WRITTEN[kind](_repository(self.uow, kind).get(key))
        if theirs is not None:
            self.compare(number, label, normal, theirs)

    def compare(self, number: int, label: str, ours: Record, theirs: Record) -> None:
        # Plain equality first (fast, in C); diff() only to name the field that differs.
        found = None if ours == theirs else diff(ours, theirs)
        if found is None:
            self.redundant.add(number)
            return
        path, mine, stored = found
        self.issue(
            number,
            path,
            f"{shorten(mine)} differs from the stored record's {shorten(stored)}: the same id "
            "with different content",
            label,
        )

    def stored_person(self, number: int, label: str, normal: Record) -> Record | None:
        key, role = normal["id"], normal["attributes"]["role"]
        uow = self.uow
        stored_role = self.stored_role(key)
        if stored_role is None:
            return None
        if stored_role != role:
            self.issue(
                number,
                "attributes.role",
                f"{role!r} in the file, but {key!r} is stored as a {stored_role.replace('_', ' ')}",
                label,
            )
            return None
        if role == "defendant":
            return rec.write_defendant(uow.defendants.get(key))[1]
        if "restricted" in normal["attributes"]:
            person = uow.protected_persons.get(key, reason=f"{_REASON}: compare restricted details")
            return rec.write_protected_person(person, include_restricted=True)
        name = uow.protected_persons.get_name(key)
        return rec.write_protected_person(ProtectedPerson(key, name), include_restricted=False)

    def order_against_store(self, group: _Group, order: Order) -> None:
        if order.order_id not in self.stored("order"):
            return
        ours = rec.write_order(order)
        theirs = rec.write_order(self.uow.orders.get(order.order_id))
        lines = group.lines()
        for i, (mine, stored) in enumerate(zip(ours, theirs, strict=False)):
            if diff(mine, stored) is not None:
                self.compare(lines[i], _label(mine), mine, stored)
                return
        if len(ours) != len(theirs):
            self.issue(
                group.line,
                "",
                f"the stored order has {len(theirs)} version and term records, the file "
                f"{len(ours)}: the same id with different content",
                _label(group.order),
            )
            return
        self.redundant.update(lines)

    def flush_incidents(self) -> None:
        chunk, self.chunk = self.chunk, []
        if not chunk:
            return
        keys = [key for _, key, _ in chunk]
        stored = self.uow.find_incidents(keys) if self.any_incidents() else {}
        for number, key, incident in chunk:
            found = stored.get(key)
            if found is not None:
                normal = rec.write_incident(incident)
                self.compare(number, _label(normal), normal, rec.write_incident(found))

    def any_incidents(self) -> bool:
        """Whether the database holds any incident (an empty one needs no lookups)."""
        known = self._stored.get("incident:any")
        if known is None:
            rows = scan_incident_rows(self.uow_store, chunk_size=1)
            try:
                first = next(rows, None)
            finally:
                close = getattr(rows, "close", None)
                if close is not None:  # release the cursor the scan holds
                    close()
            known = self._stored["incident:any"] = set() if first is None else {first.incident_id}
        return bool(known)

    def stored(self, kind: str) -> set[str]:
        """The ids stored of a kind (read once: persons, orders and the like are few)."""
        found = self._stored.get(kind)
        if found is None:
            found = self._stored[kind] = set(_repository(self.uow, kind).ids())
        return found

    def stored_role(self, key: str) -> str | None:
        """``defendant`` or ``protected_person`` if a person with this id is stored."""
        if key in self.stored("defendant"):
            return "defendant"
        return "protected_person" if key in self.stored("protected_person") else None

    # -- the end of the file

    def finish(self, reread: Callable[[], Iterator[tuple[int, bytes | None]]]) -> None:
        self.close_group()
        self.flush_incidents()
        if self.suspects:
            _Duplicates(self).resolve(reread())
        for (kind, key), number in self.object_lines.items():
            if (kind, key) not in self.used:
                self.issue(
                    number,
                    "id",
                    f"no record refers to {kind} {key!r}; it would not be stored (an {kind} is "
                    "stored only through the persons and incidents that refer to it)",
                    f"{kind} {key!r}",
                )
        self.dangling()
        self.issues.sort(key=lambda i: (i.line, i.field, i.message))

    def dangling(self) -> None:
        """References not met in the file: they must be met in the database."""
        missing: dict[str, list[tuple[tuple[str, str], _Pending]]] = collections.defaultdict(list)
        for (kind, key), pending in self.pending.items():
            ref = Ref(pending.path, kind, key, pending.role)
            if self.met(pending.line, pending.label, ref):
                continue
            missing[kind].append(((kind, key), pending))
        stored_incidents: set[str] = set()
        if missing.get("incident"):
            keys = [key for (_, key), _ in missing["incident"]]
            for start in range(0, len(keys), _CHUNK):
                stored_incidents |= set(self.uow.find_incidents(keys[start : start + _CHUNK]))
        for kind, entries in missing.items():
            for (_, key), pending in entries:
                self.in_store(kind, key, pending, stored_incidents)

    def in_store(self, kind: str, key: str, pending: _Pending, incidents: set[str]) -> None:
        if kind == "person":
            stored = self.stored_role(key)
            if stored is not None and pending.role is not None and stored != pending.role:
                ref = Ref(pending.path, kind, key, pending.role)
                self.wrong_role(pending.line, pending.label, ref, stored)
            found = stored is not None
        elif kind == "incident":
            found = key in incidents
        else:
            found = key in self.stored(kind)
        if not found:
            more = (
                f" (and {pending.count - 1} more reference(s) to it)" if pending.count > 1 else ""
            )
            self.issue(
                pending.line,
                pending.path,
                f"dangling reference: no {kind} {key!r} in the file or in the database{more}",
                pending.label,
            )


class _Duplicates:
    """The resolution pass: ids met more than once, compared by their real ids and content."""

    def __init__(self, validation: _Validation) -> None:
        self.v = validation
        self.found: dict[tuple[str, str], list[tuple[int, list[Record], list[int]]]] = (
            collections.defaultdict(list)
        )

    def resolve(self, lines: Iterator[tuple[int, bytes | None]]) -> None:
        group: _Group | None = None
        for number, raw in lines:
            if number == 1 or raw is None:
                continue
            try:
                record = parse_line(raw)
            except LineProblem:
                continue
            kind = record.get("type")
            if kind in ("order_version", "term") and group is not None:
                group.broken = group.broken or bool(checker().problems(str(kind), record))
                _extend(group, number, str(kind), record)
                continue
            self.close(group)
            group = None
            if kind not in RECORD_TYPES or not isinstance(record.get("id"), str):
                continue
            if (kind, _id_hash(kind, record["id"])) not in self.v.suspects:
                continue
            if checker().problems(kind, record):
                continue  # reported in pass 1; not comparable
            if kind == "order":
                group = _Group(number, record)
            else:
                self.add(number, kind, record)
        self.close(group)
        self.judge()

    def add(self, number: int, kind: str, record: Record) -> None:
        try:
            _, normal = _build(kind, record, self.v.resolver)
        except (FieldError, LookupError, TypeError, ValueError):
            return  # already reported in pass 1
        self.found[(kind, record["id"])].append((number, [normal], [number]))

    def close(self, group: _Group | None) -> None:
        if group is None or group.broken:
            return
        try:
            order, _ = rec.read_order(group.parts())
        except (FieldError, LookupError, TypeError, ValueError):
            return
        key = ("order", str(group.order["id"]))
        self.found[key].append((group.line, rec.write_order(order), group.lines()))

    def judge(self) -> None:
        for occurrences in self.found.values():
            first = occurrences[0][1]
            for number, normal, lines in occurrences[1:]:
                self.compare(first, number, normal, lines)

    def compare(
        self, first: list[Record], number: int, normal: list[Record], lines: list[int]
    ) -> None:
        label = _label(normal[0])
        for i, (mine, earlier) in enumerate(zip(normal, first, strict=False)):
            found = diff(mine, earlier)
            if found is not None:
                path, ours, theirs = found
                self.v.issue(
                    lines[i],
                    path,
                    f"{shorten(ours)} differs from {shorten(theirs)} in the earlier record with "
                    "this id: duplicate id with different content",
                    label,
                )
                return
        if len(normal) != len(first):
            self.v.issue(
                number, "", "duplicate id with different content (versions or terms)", label
            )
            return
        self.v.redundant.update(lines)


# --------------------------------------------------------------------------- storage access


def _repository(uow: UnitOfWork, kind: str) -> Any:
    repositories = {
        "defendant": uow.defendants,
        "protected_person": uow.protected_persons,
        "application": uow.applications,
        "notification_duty": uow.notification_duties,
        "alert": uow.alerts,
        "order": uow.orders,
    }
    return repositories[kind]


# --------------------------------------------------------------------------- pass 2


class _Writer:
    """Pass 2: write what pass 1 found new, in the pass 1 unit of work."""

    def __init__(self, uow: UnitOfWork, validation: _Validation, batch_size: int) -> None:
        self.uow = uow
        self.v = validation
        self.batch_size = batch_size
        self.created: collections.Counter[str] = collections.Counter()
        self.incidents: list[Incident] = []
        self.group: _Group | None = None

    def persons(self, lines: Iterator[tuple[int, bytes | None]]) -> None:
        for number, raw in lines:
            if number in self.v.person_lines and number not in self.v.redundant and raw:
                record = parse_line(raw)
                obj = _read("person", record, self.v.resolver)
                if isinstance(obj, Defendant):
                    self.uow.defendants.add(obj, reason=_REASON)
                else:
                    self.uow.protected_persons.add(obj, reason=_REASON)
                self.created["person"] += 1

    def rest(self, lines: Iterator[tuple[int, bytes | None]]) -> None:
        for number, raw in lines:
            if number == 1 or raw is None or number in self.v.person_lines:
                continue
            if number in self.v.redundant:
                self.close()
                continue
            record = parse_line(raw)
            kind = record["type"]
            if kind in ("order_version", "term") and self.group is not None:
                _extend(self.group, number, kind, record)
            else:
                self.close()
                self.one(number, kind, record)
        self.close()
        self.flush()

    def one(self, number: int, kind: str, record: Record) -> None:
        if kind in ("identity", "location"):
            return  # stored inside the records that refer to them
        if kind == "order":
            self.group = _Group(number, record)
            return
        obj = _read(kind, record, self.v.resolver)
        if isinstance(obj, Incident):
            self.incidents.append(obj)
            if len(self.incidents) >= self.batch_size:
                self.flush()
            return
        _repository(self.uow, kind).add(obj, reason=_REASON)
        self.created[kind] += 1

    def close(self) -> None:
        group, self.group = self.group, None
        if group is not None:
            order, _ = rec.read_order(group.parts())
            self.uow.orders.add(order, reason=_REASON)
            self.created["order"] += 1
            self.created["order_version"] += len(group.versions)
            self.created["term"] += sum(len(terms) for _, _, terms in group.versions)

    def flush(self) -> None:
        batch, self.incidents = self.incidents, []
        if batch:
            self.uow.add_incidents(batch, reason=_REASON)
            self.created["incident"] += len(batch)


# --------------------------------------------------------------------------- the use case


def import_file(
    store: Store,
    path: str | Path,
    *,
    actor: Actor,
    at: _dt.datetime | None = None,
    batch_size: int = 5_000,
) -> ImportReport:
    """Import an interchange file into ``store``: all of it, or nothing.

    Re-importing records already stored with the same content changes nothing
    (they are matched by their stable external ids); the same id with different
    content is an error naming the record and the field.

    Args:
        store: where to write.
        path: the JSON Lines file (read three or four times; never held in memory).
        actor: who is importing, for the audit trail.
        at: when, for the audit trail (default: the store's clock).
        batch_size: incidents written per multi-row insert (all in one transaction).

    Returns:
        What was read, created and found unchanged.

    Raises:
        ImportValidationError: the file has problems; every one is listed with its line
            and field, and nothing was written.
        InvalidValueError: ``batch_size`` is not a whole number >= 1.
        OSError: the file cannot be read.
        DatabaseError: the database refused the writes (nothing was written).
    """
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InvalidValueError("batch_size", batch_size, "must be a whole number, 1 or more")
    source = Path(path)
    with store.unit_of_work(actor, at=at) as uow:
        validation, sha = _validate(store, uow, source)
        if validation.issues:
            raise ImportValidationError(str(source), validation.issues)
        writer = _Writer(uow, validation, batch_size)
        with _opened(source) as stream:
            again = file_digest()
            writer.persons(read_lines(stream, again))
            if again.hexdigest() != sha:
                issue = ImportIssue(1, "", "the file changed while it was being imported")
                raise ImportValidationError(str(source), [issue])
        with _opened(source) as stream:
            writer.rest(read_lines(stream))
        created = dict(sorted(writer.created.items()))
        if created:
            uow.note(
                "interchange.imported",
                "interchange_file",
                source.name,
                changes={"sha256": sha, "created": created},
                reason=_REASON,
            )
            uow.commit()
    return ImportReport(
        source=str(source),
        sha256=sha,
        records=dict(sorted(validation.counts.items())),
        created=created,
        unchanged=_unchanged(validation.counts, created),
    )


def _unchanged(counts: Mapping[str, int], created: Mapping[str, int]) -> dict[str, int]:
    # Identities and locations are stored inside persons and incidents, never on their own.
    kept = {k: n - created.get(k, 0) for k, n in sorted(counts.items())}
    return {k: n for k, n in kept.items() if n and k not in ("identity", "location")}


def _opened(source: Path) -> IO[bytes]:
    return source.open("rb")


def _validate(store: Store, uow: UnitOfWork, source: Path) -> tuple[_Validation, str]:
    validation = _Validation(store, uow)
    digest = file_digest()
    with _opened(source) as stream:
        lines = read_lines(stream, digest)
        first = next(lines, None)
        if first is None:
            validation.issue(1, "", "the file is empty: it needs at least the header line")
            return validation, digest.hexdigest()
        if not validation.header(*first):
            return validation, digest.hexdigest()
        for number, raw in lines:
            validation.line(number, raw)

    def reread() -> Iterator[tuple[int, bytes | None]]:
        with _opened(source) as stream:
            yield from read_lines(stream)

    validation.finish(reread)
    return validation, digest.hexdigest()
