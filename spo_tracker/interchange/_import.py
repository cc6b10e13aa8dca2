"""Import an interchange file in two passes: validate everything, then write in one transaction.

Pass 1 (:mod:`spo_tracker.interchange._validation`) streams the file and
checks every line: JSON, the schema, the domain constructors and statutory
rules, duplicate ids, references, and each record against what the database
already holds. It keeps ids (as 64-bit hashes), the few records that must be
resolved later (identities and locations), and the problems found; never the
records themselves. If anything is wrong, :func:`import_file` raises
:class:`~spo_tracker.errors.ImportValidationError` listing every problem, and
nothing is written.

Pass 2 reads the file again (persons first, because orders refer to them by
foreign key), skips what is already stored with the same content, and writes
the rest in the same unit of work, committed once. Any error rolls it all back.

Every pass reads the same open file (:class:`~spo_tracker.interchange._lines.SourceFile`),
no further than its size when opened, and each line is checked against the hash
pass 1 kept before it is used: what is written is exactly what was validated. A
file that changes meanwhile (a line rewritten, lines appended) is refused with
:class:`~spo_tracker.errors.ImportSourceError` and nothing is written. A path that
is not a regular file (a FIFO, ``/dev/zero``) or is over the size limit is refused
before anything is read.
"""

from __future__ import annotations

import collections
import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant
from spo_tracker.errors import (
    ConstraintViolationError,
    ImportValidationError,
    InvalidValueError,
)
from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._lines import DEFAULT_MAX_IMPORT_BYTES, SourceFile, parse_line
from spo_tracker.interchange._schema import MAX_LINE_BYTES
from spo_tracker.interchange._validation import Group, Validation, extend, read, repository
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = ["DEFAULT_MAX_IMPORT_BYTES", "ImportReport", "import_file"]

Record = dict[str, Any]

#: Why the records were written, for the audit trail.
_REASON: Final = "interchange import"


@attrs.frozen
class ImportReport:
    """What an import did.

    Attributes:
        source: the file imported.
        sha256: the SHA-256 of the file's bytes.
        records: records read, by type (the header not counted).
        created: records written, by type.
        unchanged: records that changed nothing, by type: already stored with the same
            content, repeated in the file, or counted in ``not_compared``.
        not_compared: of ``unchanged``, the protected persons already stored (as
            ``person``): skipped without being compared with the file, whose name and
            details for them may differ. An import never says whether a stored protected
            person matches (that would confirm a guessed name or address); each such
            import is noted in the audit trail as
            ``interchange.protected_persons_not_compared``. See :func:`import_file`.
    """

    source: str
    sha256: str
    records: Mapping[str, int]
    created: Mapping[str, int]
    unchanged: Mapping[str, int]
    not_compared: Mapping[str, int] = attrs.field(factory=dict)

    @property
    def written(self) -> int:
        """How many records were written (0 for a repeated import)."""
        return sum(self.created.values())


# --------------------------------------------------------------------------- pass 2


#: Kinds written first in a flush: what other records refer to (the rest follow).
_WRITE_ORDER: Final = {"defendant": 0, "protected_person": 1, "application": 2, "order": 3}


class _Writer:
    """Pass 2: write what pass 1 found new, in the pass 1 unit of work.

    Records are queued by kind and written through the storage's bulk paths,
    ``batch_size`` at a time (``add_many`` for persons, orders, applications,
    duties and alerts; ``add_incidents``; ``compliance.add_many``). A reference
    may point to any line of the file, and storage checks that what a record
    refers to is stored first, so a flush writes persons, then applications, then
    orders and the rest, then compliance records; an order whose application is
    further on in the file, and a compliance record whose order is, wait until
    the end of the file.
    """

    def __init__(self, uow: UnitOfWork, validation: Validation, batch_size: int) -> None:
        self.uow = uow
        self.v = validation
        self.batch_size = batch_size
        self.created: collections.Counter[str] = collections.Counter()
        # Aggregates waiting for their bulk write, by record kind, in file order.
        self.queued: dict[str, list[Any]] = {}
        self.queued_count = 0
        self.incidents: list[Incident] = []
        self.compliance: list[ComplianceRecord] = []
        # Compliance records whose order comes later in the file: written at the end.
        self.waiting: list[ComplianceRecord] = []
        # Orders whose application comes later in the file: written at the end.
        self.waiting_orders: list[Order] = []
        self.orders: set[str] = set()
        self.applications: set[str] = set()
        self.group: Group | None = None

    def persons(self, lines: Iterator[tuple[int, bytes | None]]) -> None:
        for number, raw in lines:
            if number in self.v.person_lines and number not in self.v.redundant and raw:
                obj = read("person", parse_line(raw), self.v.resolver)
                kind = "defendant" if isinstance(obj, Defendant) else "protected_person"
                self.queue(kind, obj)
                self.created["person"] += 1
        self.flush()

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
                extend(self.group, number, kind, record)
            else:
                self.close()
                self.one(number, kind, record)
        self.close()
        for order in self.waiting_orders:
            self.queue("order", order)
            self.orders.add(order.order_id)
        self.waiting_orders = []
        self.compliance += self.waiting
        self.waiting = []
        self.flush()

    def one(self, number: int, kind: str, record: Record) -> None:
        if kind in ("identity", "location"):
            return  # stored inside the records that refer to them
        if kind == "order":
            self.group = Group(number, record)
            return
        obj = read(kind, record, self.v.resolver)
        if isinstance(obj, Incident):
            self.incidents.append(obj)
            if len(self.incidents) >= self.batch_size:
                self.flush()
            return
        if isinstance(obj, ComplianceRecord):
            if obj.order_id not in self.orders and obj.order_id not in self.v.stored("order"):
                self.waiting.append(obj)
                return
            self.compliance.append(obj)
            if len(self.compliance) >= self.batch_size:
                self.flush()
            return
        if isinstance(obj, Application):
            self.applications.add(obj.application_id)
        self.queue(kind, obj)
        self.created[kind] += 1

    def queue(self, kind: str, obj: Any) -> None:
        """Queue a new aggregate of ``kind`` for the next bulk write."""
        self.queued.setdefault(kind, []).append(obj)
        self.queued_count += 1
        if self.queued_count >= self.batch_size:
            self.flush()

    def close(self) -> None:
        group, self.group = self.group, None
        if group is not None:
            order, _ = rec.read_order(group.parts())
            application = order.application_id
            if (
                application is None
                or application in self.applications
                or application in self.v.stored("application")
            ):
                self.queue("order", order)
                self.orders.add(order.order_id)
            else:
                self.waiting_orders.append(order)
            self.created["order"] += 1
            self.created["order_version"] += len(group.versions)
            self.created["term"] += sum(len(terms) for _, _, terms in group.versions)

    def flush(self) -> None:
        """Write everything queued: aggregates (orders among them), incidents, compliance."""
        queued, self.queued, self.queued_count = self.queued, {}, 0
        for kind in sorted(queued, key=lambda k: _WRITE_ORDER.get(k, len(_WRITE_ORDER))):
            repository(self.uow, kind).add_many(queued[kind], reason=_REASON)
        batch, self.incidents = self.incidents, []
        if batch:
            self.uow.add_incidents(batch, reason=_REASON)
            self.created["incident"] += len(batch)
        met, self.compliance = self.compliance, []
        if met:
            self.created["compliance"] += self.uow.compliance.add_many(met, reason=_REASON)


# --------------------------------------------------------------------------- the use case


def import_file(
    store: Store,
    path: str | Path,
    *,
    actor: Actor,
    at: _dt.datetime | None = None,
    batch_size: int = 5_000,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> ImportReport:
    """Import an interchange file into ``store``: all of it, or nothing.

    Re-importing records already stored with the same content changes nothing
    (they are matched by their stable external ids); the same id with different
    content is an error naming the record and the field. The file is opened once
    and read in several passes; each pass must read exactly the bytes the first
    validated, or nothing is imported. Two imports at once both finish: if
    another writer stores some of the file's records after this import
    validated the file, the database refuses the duplicates, everything is
    rolled back, and the import runs again (validating anew, so what the other
    stored is found unchanged), up to :data:`ATTEMPTS` times.

    Args:
        store: where to write.
        path: the JSON Lines file, a regular file (read three or four times; never held
            in memory).
        actor: who is importing, for the audit trail.
        at: when, for the audit trail (default: the store's clock).
        batch_size: records of a kind written per bulk insert (persons, orders, other
            aggregates, incidents, compliance records; all in one transaction).
        max_bytes: the largest file accepted (default 8 GiB).
        max_line_bytes: the longest line accepted, newline excluded (default and most:
            the format's 1 MiB); each longer line is reported, unread.

    Returns:
        What was read, created and found unchanged.

    Raises:
        ImportValidationError: the file has problems; every one is listed with its line
            and field, and nothing was written.
        ImportSourceError: not a regular file (a FIFO, a device, a folder), over
            ``max_bytes``, or changed while it was being imported; nothing was written.
        InvalidValueError: ``batch_size``, ``max_bytes`` or ``max_line_bytes`` is not a
            whole number in range.
        OSError: the file cannot be opened.
        DatabaseError: the database refused the writes (nothing was written).
    """
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InvalidValueError("batch_size", batch_size, "must be a whole number, 1 or more")
    source = Path(path)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _import_once(
                store,
                source,
                actor=actor,
                at=at,
                batch_size=batch_size,
                max_bytes=max_bytes,
                max_line_bytes=max_line_bytes,
            )
        except ConstraintViolationError:
            # The file validated, so a refused write is a record another writer stored
            # meanwhile (validation checks every rule a constraint does): run it again.
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


#: How many times an import runs when another writer stores some of its records meanwhile.
ATTEMPTS: Final = 5


def _import_once(
    store: Store,
    source: Path,
    *,
    actor: Actor,
    at: _dt.datetime | None,
    batch_size: int,
    max_bytes: int,
    max_line_bytes: int,
) -> ImportReport:
    """One attempt at :func:`import_file`: one unit of work, committed once or not at all."""
    with (
        SourceFile(source, max_bytes=max_bytes, max_line_bytes=max_line_bytes) as lines,
        store.unit_of_work(actor, at=at) as uow,
    ):
        uow.authorise("import")
        validation = _validate(store, uow, lines)
        if validation.issues:
            raise ImportValidationError(str(source), validation.issues)
        writer = _Writer(uow, validation, batch_size)
        writer.persons(lines.again())
        writer.rest(lines.again())
        lines.check_unchanged()
        created = dict(sorted(writer.created.items()))
        if validation.not_compared:  # a probe of stored protected persons is audited too
            # (and each is a consultation of that person, noted as it was looked up, which
            # `audit log --person` finds: see ``AgainstStore.stored_role``)
            uow.note(
                "interchange.protected_persons_not_compared",
                "interchange_file",
                _file_subject(lines.sha256),
                changes={"sha256": lines.sha256, "ids": sorted(validation.not_compared)},
                reason=_REASON,
            )
        if created:
            uow.note(
                "interchange.imported",
                "interchange_file",
                _file_subject(lines.sha256),
                changes={
                    "sha256": lines.sha256,
                    "created": created,
                    "header": _header_noted(validation.header_fields),
                },
                reason=_REASON,
            )
        if created or validation.not_compared:
            uow.commit()
    return ImportReport(
        source=str(source),
        sha256=lines.sha256,
        records=dict(sorted(validation.counts.items())),
        created=created,
        unchanged=_unchanged(validation.counts, created),
        not_compared={"person": n} if (n := validation.not_compared_records) else {},
    )


#: What the audit trail, which can never be edited, keeps of a header: a force code, this
#: library's own generator line and an instant. Anything else, and the file's name, is
#: not kept: whoever wrote the file chose them, and could have written a person's name or
#: address there (``sarah_collins_new_address.jsonl``), which the trail would then keep
#: for good. The file is identified by its SHA-256.
_HEADER_NOTED: Final = {
    "source": re.compile(r"[0-9]{1,4}|[A-Z]{2,4}"),  # 20, WMP: a force's code
    "generator": re.compile(r"spo-tracker [0-9][0-9A-Za-z.+-]{0,30}"),
    "created_at": re.compile(r"[0-9][0-9T:.+Z-]{0,39}"),
}
#: In place of a header value the audit trail does not keep.
_NOT_NOTED: Final = "(withheld: not a code, this library's generator or an instant)"


def _file_subject(sha256: str) -> str:
    """The audit subject of an imported file: its SHA-256 (never its name)."""
    return f"sha256:{sha256}"


def _header_noted(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The header's ``source``, ``created_at`` and ``generator`` as the trail keeps them."""
    kept: dict[str, Any] = {}
    for key, value in fields.items():
        pattern = _HEADER_NOTED.get(key)
        plain = isinstance(value, str) and pattern is not None and pattern.fullmatch(value)
        kept[key] = value if value is None or plain else _NOT_NOTED
    return kept


def _unchanged(counts: Mapping[str, int], created: Mapping[str, int]) -> dict[str, int]:
    # Identities and locations are stored inside persons and incidents, never on their own.
    kept = {k: n - created.get(k, 0) for k, n in sorted(counts.items())}
    return {k: n for k, n in kept.items() if n and k not in ("identity", "location")}


def _validate(store: Store, uow: UnitOfWork, source: SourceFile) -> Validation:
    validation = Validation(store, uow, max_line_bytes=source.max_line_bytes)
    lines = source.first_pass()
    first = next(lines, None)
    if first is None:
        validation.issue(1, "", "the file is empty: it needs at least the header line")
        return validation
    if not validation.header(*first):
        return validation
    for number, raw in lines:
        validation.line(number, raw)
    validation.finish(source.again)
    return validation
