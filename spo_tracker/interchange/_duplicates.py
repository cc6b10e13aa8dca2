"""The resolution pass of an import: ids met more than once, compared by their real ids.

Pass 1 (:mod:`spo_tracker.interchange._validation`) remembers ids as 64-bit
hashes; a repeated hash is only a suspected duplicate, which this pass checks by
reading the file again and comparing each later occurrence with the first.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import TYPE_CHECKING

from spo_tracker.interchange import _records as rec
from spo_tracker.interchange._checking import Group, Record, build, extend, id_hash, label_of
from spo_tracker.interchange._lines import LineProblem, checker, parse_line
from spo_tracker.interchange._records import diff
from spo_tracker.interchange._schema import RECORD_TYPES
from spo_tracker.interchange._values import FieldError

if TYPE_CHECKING:
    from spo_tracker.interchange._validation import Validation

__all__ = ["Duplicates"]


class Duplicates:
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
            if (kind, id_hash(kind, record["id"])) not in self.v.suspects:
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
            _, normal = build(kind, record, self.v.resolver)
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
        label = label_of(normal[0])
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
