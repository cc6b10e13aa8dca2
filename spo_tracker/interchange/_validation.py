"""Pass 1 of an import: check every line, keeping ids (as hashes) and problems only.

Each line is parsed, checked against the JSON Schema, built through the
domain's constructors, checked for duplicate ids, and compared with what the
database holds; references are resolved at the end against the file and the
database. Nothing here writes: :mod:`spo_tracker.interchange._import` runs
this pass, then writes only if it found no problem.

The pieces are by concern: reading records and order groups in
:mod:`~spo_tracker.interchange._checking`, the problems found and the
comparisons with the database in :mod:`~spo_tracker.interchange._against_store`,
the resolution pass of repeated ids in :mod:`~spo_tracker.interchange._duplicates`.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from typing import Any, Final

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._against_store import CHUNK, AgainstStore
from spo_tracker.interchange._checking import (
    Group,
    Pending,
    Record,
    dig,
    extend,
    id_hash,
    label_of,
    normal_form,
    nul_paths,
    protected,
    read,
    repository,
    terms_of,
)
from spo_tracker.interchange._duplicates import Duplicates
from spo_tracker.interchange._leaks import secret_values
from spo_tracker.interchange._lines import LineProblem, checker, parse_line, shorten
from spo_tracker.interchange._records import Ref, Resolver
from spo_tracker.interchange._schema import (
    INTERCHANGE_FORMAT,
    MAX_LINE_BYTES,
    READABLE_VERSIONS,
    RECORD_TYPES,
)
from spo_tracker.interchange._values import FieldError
from spo_tracker.storage import Store, UnitOfWork

# Group, extend, read and repository are imported from here by the import's pass 2.
__all__ = ["Group", "Validation", "extend", "read", "repository"]

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
_NUL_ESCAPE: Final = b"\\u0000"


class Validation(AgainstStore):
    """Pass 1: every check, keeping ids and hashes only."""

    def __init__(
        self, store: Store, uow: UnitOfWork, *, max_line_bytes: int = MAX_LINE_BYTES
    ) -> None:
        super().__init__(store, uow)
        self.max_line_bytes = max_line_bytes
        self.resolver = Resolver()
        self.object_lines: dict[tuple[str, str], int] = {}
        self.used: set[tuple[str, str]] = set()
        self.seen: dict[str, set[int]] = collections.defaultdict(set)
        self.roles: dict[str, str] = {}
        self.person_lines: set[int] = set()
        self.suspects: set[tuple[str, int]] = set()
        self.pending: dict[tuple[str, str], Pending] = {}
        self.version = ""
        self.group: Group | None = None
        self.counts: collections.Counter[str] = collections.Counter()
        self.restricted = False
        self.header_fields: dict[str, Any] = {}

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
        label = label_of(record)
        for path in nul_paths(record):
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
        label = label_of(record)
        withhold = protected(kind, record)
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
        attributes = dig(record, "attributes")
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
        hashed = id_hash(kind, key)
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
        role = dig(record, "attributes").get("role")
        if kind == "person" and isinstance(key, str) and role in ("defendant", "protected_person"):
            self.roles.setdefault(key, role)
            self.person_lines.add(number)
        for value in dig(record, "relationships").values():
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
            normal = {} if kind == "incident" else normal_form(kind, obj, record)
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
            if len(self.chunk) >= CHUNK:
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
        if len(self.compliance_chunk) >= CHUNK:
            self.flush_compliance()

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
        return id_hash(ref.type, ref.id) in self.seen[ref.type]

    def wrong_role(self, number: int, label: str, ref: Ref, role: str) -> None:
        found = role.replace("_", " ")
        wanted = (ref.role or "").replace("_", " ")
        self.issue(number, ref.path, f"person {ref.id!r} is a {found}, not a {wanted}", label)

    def pend(self, number: int, label: str, ref: Ref) -> None:
        """Keep a reference for the end: its first place, and how many there are."""
        found = self.pending.get((ref.type, ref.id))
        if found is None:
            self.pending[(ref.type, ref.id)] = Pending(number, label, ref.path, ref.role)
        else:
            found.count += 1

    # -- order groups

    def follow(self, number: int, kind: str, record: Record, label: str, *, broken: bool) -> None:
        """An order_version or term: it must follow its order (or its version) directly."""
        group = self.group
        parent = "order" if kind == "order_version" else "order_version"
        link = dig(record, "relationships", parent)
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
        self.references(group.line, label_of(group.order), group.order)
        self.order_terms[order.order_id] = terms_of(order)
        self.order_against_store(group, order)

    def finish(self, reread: Callable[[], Iterator[tuple[int, bytes | None]]]) -> None:
        """After the last line: repeats, unused identities and locations, references."""
        self.close_group()
        self.flush_incidents()
        self.flush_compliance()
        self.compliance_fits()
        if self.suspects:
            Duplicates(self).resolve(reread())
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
        missing: dict[str, list[tuple[tuple[str, str], Pending]]] = collections.defaultdict(list)
        for (kind, key), pending in self.pending.items():
            ref = Ref(pending.path, kind, key, pending.role)
            if self.met(pending.line, pending.label, ref):
                continue
            missing[kind].append(((kind, key), pending))
        stored_incidents: set[str] = set()
        if missing.get("incident"):
            keys = [key for (_, key), _ in missing["incident"]]
            for start in range(0, len(keys), CHUNK):
                stored_incidents |= set(self.uow.find_incidents(keys[start : start + CHUNK]))
        for kind, entries in missing.items():
            for (_, key), pending in entries:
                self.in_store(kind, key, pending, stored_incidents)

    def in_store(self, kind: str, key: str, pending: Pending, incidents: set[str]) -> None:
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
