"""Pass 1 of an import: check every line, keeping ids (as hashes) and problems only.

Each line is parsed, checked against the JSON Schema, built through the
domain's constructors, checked for duplicate ids, and compared with what the
database holds; references are resolved at the end against the file and the
database. Nothing here writes: :mod:`spo_tracker.interchange._import` runs
this pass, then writes only if it found no problem.
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import attrs

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant
from spo_tracker.domain.terms import Term
from spo_tracker.errors import ImportIssue, InvalidValueError
from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._leaks import quotes_any, secret_values
from spo_tracker.interchange._lines import LineProblem, checker, parse_line, shorten
from spo_tracker.interchange._records import OrderParts, Ref, Resolver, diff
from spo_tracker.interchange._schema import (
    INTERCHANGE_FORMAT,
    MAX_LINE_BYTES,
    READABLE_VERSIONS,
    RECORD_TYPES,
)
from spo_tracker.interchange._values import FieldError
from spo_tracker.storage import Store, UnitOfWork, check_compliance_fits, scan_incident_rows

__all__ = ["Group", "Validation", "extend", "read", "repository"]

Record = dict[str, Any]

#: Incidents checked against the database this many at a time.
_CHUNK: Final = 1_000
#: The application states version 1.0 could carry; later states need 1.1 (appeals, s.7(2)).
_APPLICATION_STATES_1_0: Final = frozenset(
    {"draft", "laid", "interim_applied", "granted", "refused", "withdrawn"}
)
#: The attributes, by record type, that version 1.1 added (null or empty means absent).
_ONLY_IN_1_1: Final[dict[str, tuple[str, ...]]] = {
    "order": ("not_in_force",),
    "order_version": ("decided_at",),
    "application": (),
    "notification_duty": ("part2_registered_at",),
}
#: Why restricted details are read while an import is checked (for the audit trail).
_REASON: Final = "interchange import"


def _id_hash(kind: str, key: str) -> int:
    # 64 bits: ids are remembered as hashes to bound memory; a collision is only
    # a suspected duplicate, which the resolution pass checks against the real ids.
    digest = hashlib.blake2b(f"{kind}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


#: What a problem on a protected person's line says if its message would quote the record.
_WITHHELD_MESSAGE: Final = "refused (message withheld: it would quote a protected person's details)"


_NUL_ESCAPE: Final = b"\\u0000"


def _nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """The JSON paths of the texts in ``value`` that hold a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{i}]")


def _protected(kind: object, record: Mapping[str, Any]) -> bool:
    """Whether a record may be a protected person's (any person not plainly a defendant)."""
    return kind == "person" and _dig(record, "attributes").get("role") != "defendant"


def _label(record: Mapping[str, Any]) -> str:
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
    obj = read(kind, record, resolve)
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
    "compliance": lambda r, _: rec.read_compliance(r),
}
_WRITTEN: Final[dict[str, Callable[[Any], Record]]] = {
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


def extend(group: Group, number: int, kind: str, record: Record) -> None:
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


class Validation:
    """Pass 1: every check, keeping ids and hashes only."""

    def __init__(
        self, store: Store, uow: UnitOfWork, *, max_line_bytes: int = MAX_LINE_BYTES
    ) -> None:
        self.max_line_bytes = max_line_bytes
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
        # Protected persons in the file already stored: skipped, never compared (see
        # stored_person); the import notes them in the audit trail.
        self.not_compared: set[str] = set()
        self.not_compared_records = 0  # their lines (an id may be repeated in the file)
        self.suspects: set[tuple[str, int]] = set()
        self.pending: dict[tuple[str, str], _Pending] = {}
        self.chunk: list[tuple[int, str, Incident]] = []
        self.compliance_chunk: list[tuple[int, str, Record]] = []
        # (order, term, defendant) -> the first line, label and record naming them
        self.compliance_terms: dict[tuple[str, str, str], tuple[int, str, ComplianceRecord]] = {}
        # order id -> (defendant id, terms by id) for the orders read in the file
        self.order_terms: dict[str, tuple[str, dict[str, list[Term]]]] = {}
        self.version = ""
        self._stored: dict[str, set[str]] = {}
        self.group: Group | None = None
        self.counts: collections.Counter[str] = collections.Counter()
        self.restricted = False
        self.header_fields: dict[str, Any] = {}
        # The values of the protected person's record being checked, never to be quoted.
        self.secret_line = 0
        self.secrets: tuple[str, ...] = ()

    # -- reporting

    def issue(self, line: int, path: str, message: str, label: str = "") -> None:
        """Record one problem; on a protected person's line, one that quotes none of the
        record's values (a second line of defence: the messages there are built not to)."""
        if line == self.secret_line and quotes_any(message, self.secrets):
            message = _WITHHELD_MESSAGE
        self.issues.append(ImportIssue(line, path, message, label))

    # -- the header

    def header(self, line: int, raw: bytes | None) -> bool:
        """Check line 1; ``False`` if the file cannot be read any further (not an
        interchange file, or a version this library cannot read)."""
        if raw is None:
            self.issue(line, "", f"the header line is over {self.max_line_bytes:,} bytes")
            return False
        try:
            head = parse_line(raw)
        except LineProblem as problem:
            self.issue(line, "", f"the header is unreadable: {problem}")
            return False
        # The values found are not quoted: a file can put anything there (a name, a postcode).
        if head.get("type") != "header":
            self.issue(line, "type", "the first line must be the header record")
            return False
        if head.get("schema") != INTERCHANGE_FORMAT:
            self.issue(line, "schema", f"not {INTERCHANGE_FORMAT!r}: not an interchange file")
            return False
        if head.get("version") not in READABLE_VERSIONS:
            self.issue(
                line,
                "version",
                "not a supported version: this library reads interchange versions "
                f"{' and '.join(READABLE_VERSIONS)}",
            )
            return False
        self.version = str(head["version"])
        # Other header problems are reported, and the records are still checked.
        for path, message in checker().problems("header", head):
            self.issue(line, path, message, "header")
        self.restricted = head.get("restricted") is True
        self.header_fields = {k: head.get(k) for k in ("source", "created_at", "generator")}
        return True

    # -- one line

    def line(self, number: int, raw: bytes | None) -> None:
        """Check one line after the header."""
        if raw is None:
            self.close_group()
            self.issue(number, "", f"over {self.max_line_bytes:,} bytes (oversize line); not read")
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
            # The value is not quoted: a file can put anything there (a name, a postcode).
            self.issue(number, "type", f"{why}; expected one of {known}")
            return
        self.counts[kind] += 1
        self.record(number, kind, record)
        if _NUL_ESCAPE in raw:  # JSON can carry a NUL only escaped: a cheap first test
            self.nul(number, record)

    def nul(self, number: int, record: Record) -> None:
        """Report each text of ``record`` holding a NUL character by its path (the store
        would refuse it when writing, with no line number); the text is never quoted."""
        label = _label(record)
        for path in _nul_paths(record):
            self.issue(
                number,
                path,
                "text may not contain a NUL character (PostgreSQL cannot store it; value withheld)",
                label,
            )

    def record(self, number: int, kind: str, record: Record) -> None:
        """Check one record of a known type: the schema, then the rest if it passes."""
        if kind not in ("order_version", "term"):
            self.close_group()
        label = _label(record)
        withhold = _protected(kind, record)
        self.secret_line, self.secrets = (number, secret_values(record)) if withhold else (0, ())
        problems = checker().problems(kind, record, withhold=withhold)
        for path, message in problems:
            self.issue(number, path, message, label)
        if self.version == "1.0" and kind in _ONLY_IN_1_1:
            self.only_in_1_0(number, kind, record, label)
        if kind == "order":
            self.group = Group(number, record, broken=bool(problems))
        elif kind in ("order_version", "term"):
            self.follow(number, kind, record, label, broken=bool(problems))
        elif problems:
            self.remember_unchecked(number, kind, record)
        else:
            self.check(number, kind, record, label)

    def only_in_1_0(self, number: int, kind: str, record: Record, label: str) -> None:
        """A 1.0 file cannot hold what 1.1 added to orders, applications and duties: a
        pending appeal's details (SPA2019 s.7), the application states of an appeal, the
        spans a restored order was not in force (s.7(4)), the instant a version was decided
        and when a defendant became subject to the Part 2 requirements (s.9(5))."""
        attributes = _dig(record, "attributes")
        for name in _ONLY_IN_1_1[kind]:
            if attributes.get(name) not in (None, []):
                self.issue(
                    number,
                    f"attributes.{name}",
                    f"{name} needs interchange version 1.1 or later",
                    label,
                )
        if kind in ("order", "application") and attributes.get("appeal") is not None:
            self.issue(
                number,
                "attributes.appeal",
                "appeal details need interchange version 1.1 or later",
                label,
            )
        state = attributes.get("state")
        if (
            kind == "application"
            and isinstance(state, str)
            and state not in _APPLICATION_STATES_1_0
        ):
            self.issue(
                number,
                "attributes.state",
                f"{shorten(state)} needs interchange version 1.1 or later",
                label,
            )

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
            obj = read(kind, record, self.resolver)
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
        elif kind == "compliance":
            self.compliance(number, label, obj, normal)
        else:
            self.against_store(number, label, kind, key, normal)

    def person(self, number: int, record: Record, label: str) -> None:
        """Note a person's role and line (persons are written first in pass 2)."""
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

    def compliance(self, number: int, label: str, obj: ComplianceRecord, normal: Record) -> None:
        """A compliance record: not in a 1.0 file; its term is checked at the end (the order
        may come later, or be stored); compared with the database in chunks."""
        if self.version == "1.0":
            self.issue(
                number, "type", "compliance records need interchange version 1.1 or later", label
            )
        triple = (obj.order_id, obj.term_id, obj.defendant_id)
        self.compliance_terms.setdefault(triple, (number, label, obj))
        self.compliance_chunk.append((number, obj.record_id, normal))
        if len(self.compliance_chunk) >= _CHUNK:
            self.flush_compliance()

    def flush_compliance(self) -> None:
        """Compare the compliance records read since the last flush with any stored."""
        chunk, self.compliance_chunk = self.compliance_chunk, []
        if not chunk:
            return
        stored = self.uow.compliance.get_many([key for _, key, _ in chunk])
        for number, key, normal in chunk:
            found = stored.get(key)
            if found is not None:
                self.compare(number, _label(normal), normal, rec.write_compliance(found))

    def compliance_fits(self) -> None:
        """Each compliance record's term is a positive requirement or sign-on schedule of its
        order, against the order's defendant (SPA2019 s.1(2)(b)); orders not found are
        reported as dangling references instead."""
        for (order_id, _, _), (number, label, record) in self.compliance_terms.items():
            found = self.order_terms.get(order_id)
            if found is None and order_id in self.stored("order"):
                order = self.uow.orders.get(order_id)
                found = self.order_terms[order_id] = _terms_of(order)
            if found is None:
                continue
            try:
                check_compliance_fits(record, *found)
            except InvalidValueError as error:
                path = _FIT_PATHS.get(error.field, "attributes")
                self.issue(number, path, str(error), label)

    # -- references

    def references(self, number: int, label: str, record: Record) -> None:
        """Check each reference now, or keep it for the end if its target is not read yet."""
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
        """Keep a reference for the end: its first place, and how many there are."""
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
        extend(group, number, kind, record)

    def close_group(self) -> None:
        """Check the order just read with its versions and terms, as one order."""
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
        self.order_terms[order.order_id] = _terms_of(order)
        self.order_against_store(group, order)

    # -- the database

    def against_store(self, number: int, label: str, kind: str, key: str, normal: Record) -> None:
        """Compare a record with the stored one of the same id, if there is one."""
        if kind == "person":
            theirs = self.stored_person(number, label, normal)
        else:
            theirs = None
            if key in self.stored(kind):
                theirs = _WRITTEN[kind](repository(self.uow, kind).get(key))
        if theirs is not None:
            self.compare(number, label, normal, theirs)

    def compare(self, number: int, label: str, ours: Record, theirs: Record) -> None:
        """Equal: nothing to write for this line. Different: a problem naming the field."""
        # Plain equality first (fast, in C); diff() only to name the field that differs.
        found = None if ours == theirs else diff(ours, theirs)
        if found is None:
            self.redundant.add(number)
            return
        # Neither value is quoted: any field may carry a protected person's details, and
        # repeated probes would otherwise read the stored record out one field at a time.
        self.issue(
            number,
            found[0],
            "differs from the stored record with this id (values withheld): the same id "
            "with different content",
            label,
        )

    def stored_person(self, number: int, label: str, normal: Record) -> Record | None:
        """The stored person with this id in normal form (of the same role), if any."""
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
        # A protected person already stored is never compared with the file, neither its
        # name nor its restricted details: any answer ("differs" or "the same", a field
        # named, an exit code) would confirm a guessed name or address one probe at a
        # time. It is skipped whatever the file says (an import never changes a stored
        # record), and the import notes the probe in the audit trail.
        self.redundant.add(number)
        self.not_compared.add(key)
        self.not_compared_records += 1
        return None

    def order_against_store(self, group: Group, order: Order) -> None:
        """Compare an order with the stored one, record by record, naming the first difference."""
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
        """Compare the incidents read since the last flush with any stored under their ids."""
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
            found = self._stored[kind] = set(repository(self.uow, kind).ids())
        return found

    def stored_role(self, key: str) -> str | None:
        """``defendant`` or ``protected_person`` if a person with this id is stored."""
        if key in self.stored("defendant"):
            return "defendant"
        return "protected_person" if key in self.stored("protected_person") else None

    # -- the end of the file

    def finish(self, reread: Callable[[], Iterator[tuple[int, bytes | None]]]) -> None:
        """After the last line: repeats, unused identities and locations, references."""
        self.close_group()
        self.flush_incidents()
        self.flush_compliance()
        self.compliance_fits()
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
        """A reference not met in the file: report it unless the database holds its target."""
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

    def __init__(self, validation: Validation) -> None:
        self.v = validation
        self.found: dict[tuple[str, str], list[tuple[int, list[Record], list[int]]]] = (
            collections.defaultdict(list)
        )

    def resolve(self, lines: Iterator[tuple[int, bytes | None]]) -> None:
        """Read the file again, collecting the records whose id was seen more than once."""
        group: Group | None = None
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
                extend(group, number, str(kind), record)
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
                group = Group(number, record)
            else:
                self.add(number, kind, record)
        self.close(group)
        self.judge()

    def add(self, number: int, kind: str, record: Record) -> None:
        """Keep one occurrence's normal form."""
        try:
            _, normal = _build(kind, record, self.v.resolver)
        except (FieldError, LookupError, TypeError, ValueError):
            return  # already reported in pass 1
        self.found[(kind, record["id"])].append((number, [normal], [number]))

    def close(self, group: Group | None) -> None:
        """Keep one occurrence of an order, as its records' normal forms."""
        if group is None or group.broken:
            return
        try:
            order, _ = rec.read_order(group.parts())
        except (FieldError, LookupError, TypeError, ValueError):
            return
        key = ("order", str(group.order["id"]))
        self.found[key].append((group.line, rec.write_order(order), group.lines()))

    def judge(self) -> None:
        """Compare each later occurrence of an id with the first."""
        for occurrences in self.found.values():
            first_line, first = occurrences[0][0], occurrences[0][1]
            for number, normal, lines in occurrences[1:]:
                self.compare(first, first_line, number, normal, lines)

    def compare(
        self,
        first: list[Record],
        first_line: int,
        number: int,
        normal: list[Record],
        lines: list[int],
    ) -> None:
        label = _label(normal[0])
        for i, (mine, earlier) in enumerate(zip(normal, first, strict=False)):
            found = diff(mine, earlier)
            if found is not None:
                self.v.issue(
                    lines[i],
                    found[0],
                    f"differs from the earlier record with this id on line {first_line} "
                    "(values withheld): duplicate id with different content",
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
_FIT_PATHS: Final = {"term_id": "attributes.term_id", "defendant_id": "relationships.defendant"}


def _terms_of(order: Order) -> tuple[str, dict[str, list[Term]]]:
    """An order's defendant and its terms by id, over every version."""
    terms: dict[str, list[Term]] = {}
    for version in order.versions:
        for term in version.terms:
            terms.setdefault(term.term_id, []).append(term)
    return order.defendant_id, terms
