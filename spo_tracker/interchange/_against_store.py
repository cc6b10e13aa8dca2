"""Pass 1's reporting and its comparisons with the database.

:class:`AgainstStore` is the base of :class:`~spo_tracker.interchange._validation.Validation`:
it holds the problems found, and compares each record read with the stored record
of the same id (a record equal to it is redundant: nothing to write; one that
differs is a problem naming the field, never the values). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.terms import Term
from spo_tracker.errors import ImportIssue, InvalidValueError
from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._checking import (
    FIT_PATHS,
    WRITERS,
    Group,
    Record,
    label_of,
    repository,
    terms_of,
)
from spo_tracker.interchange._leaks import quotes_any
from spo_tracker.interchange._records import diff
from spo_tracker.storage import Store, UnitOfWork, check_compliance_fits, scan_incident_rows

__all__ = ["CHUNK", "AgainstStore"]

#: Incidents checked against the database this many at a time.
CHUNK: Final = 1_000
#: What a problem on a protected person's line says if its message would quote the record.
_WITHHELD_MESSAGE: Final = "refused (message withheld: it would quote a protected person's details)"


class AgainstStore:
    """The problems found so far, and the checks of records against the database."""

    def __init__(self, store: Store, uow: UnitOfWork) -> None:
        self.uow = uow
        self.uow_store = store
        self.issues: list[ImportIssue] = []
        self.redundant: set[int] = set()
        # Protected persons in the file already stored: skipped, never compared (see
        # stored_person); the import notes them in the audit trail.
        self.not_compared: set[str] = set()
        self.not_compared_records = 0  # their lines (an id may be repeated in the file)
        self.chunk: list[tuple[int, str, Incident]] = []
        self.compliance_chunk: list[tuple[int, str, Record]] = []
        # (order, term, defendant) -> the first line, label and record naming them
        self.compliance_terms: dict[tuple[str, str, str], tuple[int, str, ComplianceRecord]] = {}
        # order id -> (defendant id, terms by id) for the orders read in the file
        self.order_terms: dict[str, tuple[str, dict[str, list[Term]]]] = {}
        self._stored: dict[str, set[str]] = {}
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

    def flush_compliance(self) -> None:
        """Compare the compliance records read since the last flush with any stored."""
        chunk, self.compliance_chunk = self.compliance_chunk, []
        if not chunk:
            return
        stored = self.uow.compliance.get_many([key for _, key, _ in chunk])
        for number, key, normal in chunk:
            found = stored.get(key)
            if found is not None:
                self.compare(number, label_of(normal), normal, rec.write_compliance(found))

    def compliance_fits(self) -> None:
        """Each compliance record's term is a positive requirement or sign-on schedule of its
        order, against the order's defendant (SPA2019 s.1(2)(b)); orders not found are
        reported as dangling references instead."""
        for (order_id, _, _), (number, label, record) in self.compliance_terms.items():
            found = self.order_terms.get(order_id)
            if found is None and order_id in self.stored("order"):
                order = self.uow.orders.get(order_id)
                found = self.order_terms[order_id] = terms_of(order)
            if found is None:
                continue
            try:
                check_compliance_fits(record, *found)
            except InvalidValueError as error:
                path = FIT_PATHS.get(error.field, "attributes")
                self.issue(number, path, str(error), label)

    # -- references

    # -- the database

    def against_store(self, number: int, label: str, kind: str, key: str, normal: Record) -> None:
        """Compare a record with the stored one of the same id, if there is one."""
        if kind == "person":
            theirs = self.stored_person(number, label, normal)
        else:
            theirs = None
            if key in self.stored(kind):
                theirs = WRITERS[kind](repository(self.uow, kind).get(key))
        if theirs is not None:
            self.compare(number, label, normal, theirs)

    def compare(self, number: int, label: str, ours: Record, theirs: Record) -> None:
        """Equal: nothing to write for this line. Different: a problem naming the field.

        Either answer tells the importer something of the stored record, and so of the
        stored protected persons it names (an incident's target, an alert's or an
        application's persons): each is a consultation of those persons, noted as
        :meth:`stored_role` notes one (DPA 2018 s.62(1)(c))."""
        named = self.stored("protected_person").intersection(_strings(theirs))
        if named:
            self.uow.consulted(protected_persons=sorted(named))
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
        """Compare an order with the stored one, record by record, naming the first difference.

        Whether they differ, and where, tells the importer something of whom the stored
        order protects (a file's order naming P9 where the stored one names P1 "differs"):
        a consultation of the stored order's protected persons, noted as
        :meth:`stored_role` notes one, even when the import is refused."""
        if order.order_id not in self.stored("order"):
            return
        kept = self.uow.orders.get(order.order_id)
        self.uow.consulted(protected_persons=list(kept.protected_person_ids))
        ours = rec.write_order(order)
        theirs = rec.write_order(kept)
        lines = group.lines()
        for i, (mine, stored) in enumerate(zip(ours, theirs, strict=False)):
            if diff(mine, stored) is not None:
                self.compare(lines[i], label_of(mine), mine, stored)
                return
        if len(ours) != len(theirs):
            self.issue(
                group.line,
                "",
                f"the stored order has {len(theirs)} version and term records, the file "
                f"{len(ours)}: the same id with different content",
                label_of(group.order),
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
                self.compare(number, label_of(normal), normal, rec.write_incident(found))

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
        """``defendant`` or ``protected_person`` if a person with this id is stored.

        Any answer the import then gives about a stored protected person (a record not
        compared, a role refused, a reference met where an unknown id is refused) tells
        the importer that this id is a stored protected person: a consultation of their
        record, noted here, which the unit of work writes even when it imports nothing
        (DPA 2018 s.62(1)(c)).
        """
        if key in self.stored("defendant"):
            return "defendant"
        if key in self.stored("protected_person"):
            self.uow.consulted(protected_persons=[key])
            return "protected_person"
        return None

    # -- the end of the file


def _strings(value: object) -> Iterator[str]:
    """Every text in a written record, at any depth (ids among them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
