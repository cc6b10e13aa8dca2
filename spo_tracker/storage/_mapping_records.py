"""The mappers of single-row records: lifecycle subjects (applications, notification
duties, breach reviews), alerts, case owners, compliance records and retention reviews."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from sqlmodel import SQLModel

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.retention import RetentionReview
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import _codec
from spo_tracker.storage._mapping_base import CHANGED, WITHHELD, Mapper, RowSet, _day
from spo_tracker.storage._stored import json_text
from spo_tracker.storage._tables import ComplianceRecordRow, RetentionReviewRow
from spo_tracker.storage._types import in_zone, zone_name

__all__ = [
    "AlertMapper",
    "CaseOwnerMapper",
    "ComplianceMapper",
    "NotificationDutyMapper",
    "RetentionReviewMapper",
    "SubjectMapper",
]


class SubjectMapper(Mapper[Any]):
    """A lifecycle subject (application, notification duty, breach review): one row each.

    The key columns are copied out for queries; the whole record is kept as
    JSON through the private converter, with its ``revision`` in its own column.
    """

    revisioned = True
    plain_body = True

    def __init__(
        self,
        kind: str,
        domain: type,
        root: type[SQLModel],
        key_column: str,
        columns: Mapping[str, Callable[[Any], Any]],
    ) -> None:
        self.kind = kind  # type: ignore[misc]
        self.domain = domain  # type: ignore[misc]
        self.root = root  # type: ignore[misc]
        self.key_column = key_column  # type: ignore[misc]
        self.key_column_on_children = key_column  # type: ignore[misc]
        self._columns = dict(columns)

    def from_domain(self, obj: Any, revision: int) -> RowSet:
        values = {name: read(obj) for name, read in self._columns.items()}
        values[self.key_column] = self.key(obj)
        values["body"] = _codec.dump(obj, self.domain)
        values["revision"] = revision
        return RowSet(self.root(**values))

    def to_domain(self, rows: RowSet) -> Any:
        return _codec.load(rows.root.body, self.domain)

    def stored_text(self, obj: Any) -> str | None:
        return json_text(_codec.dump(obj, self.domain))


#: The keys, anywhere in a notification duty, whose text is personal: a notified name or
#: address (``NotifiableItem.detail``), a refusal's note, false information given.
_DUTY_PERSONAL: Final = frozenset({"detail", "note"})


def _withhold(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: WITHHELD if k in _DUTY_PERSONAL and v not in (None, "") else _withhold(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_withhold(v) for v in value]
    return value


class NotificationDutyMapper(SubjectMapper):
    """A notification duty: its audit entries never carry the name or address notified
    (SPA2019 s.9(2)) nor a note: those are written as :data:`WITHHELD` / :data:`CHANGED`,
    so disposal can erase them from the record and nothing of them stays in the trail."""

    def snapshot(self, obj: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = _withhold(dict(_codec.dump(obj, self.domain)))
        return dumped

    def audit_diff(self, before: Any, after: Any) -> dict[str, Any]:
        from spo_tracker.storage._audit import diff

        changes = diff(self.snapshot(before), self.snapshot(after))
        if not changes and before != after:
            changes["personal"] = CHANGED
        return changes


class AlertMapper(SubjectMapper):
    """An alert (which carries no revision of its own): key columns plus the record as JSON."""

    revisioned = False

    def root_values(self, obj: Any, revision: int, *, body: Any = None) -> dict[str, Any]:
        """The alert's row as column values, built directly (a detection run stores tens
        of thousands: no row object is made, and a dump already made is not made again)."""
        values = {name: read(obj) for name, read in self._columns.items()}
        values[self.key_column] = self.key(obj)
        values["body"] = _codec.dump(obj, self.domain) if body is None else body
        values["revision"] = revision
        return values


class CaseOwnerMapper(SubjectMapper):
    """Who manages an order's case: the order must be stored first."""

    def references(self, obj: Any) -> list[tuple[str, str]]:
        return [("order", obj.order_id)]


class ComplianceMapper(Mapper[ComplianceRecord]):
    """A compliance record (a requirement met, a sign-on made), as one flat row."""

    kind = "compliance_record"
    domain = ComplianceRecord
    root = ComplianceRecordRow
    key_column = "record_id"
    key_column_on_children = "record_id"

    def from_domain(self, obj: ComplianceRecord, revision: int) -> RowSet:
        return RowSet(
            ComplianceRecordRow(
                record_id=obj.record_id,
                defendant_id=obj.defendant_id,
                order_id=obj.order_id,
                term_id=obj.term_id,
                at=obj.at,
                at_tz=zone_name(obj.at),
                recorded_by=obj.recorded_by,
                note=obj.note,
                revision=revision,
            )
        )

    def root_values(
        self, obj: ComplianceRecord, revision: int, *, body: Any = None
    ) -> dict[str, Any]:
        # Built directly: a SQLModel row per record costs ~100 us, too much for daily sign-ons.
        return {
            "record_id": obj.record_id,
            "defendant_id": obj.defendant_id,
            "order_id": obj.order_id,
            "term_id": obj.term_id,
            "at": obj.at,
            "at_tz": zone_name(obj.at),
            "recorded_by": obj.recorded_by,
            "note": obj.note,
            "revision": revision,
        }

    def to_domain(self, rows: RowSet) -> ComplianceRecord:
        r: ComplianceRecordRow = rows.root
        return ComplianceRecord(
            r.record_id,
            r.defendant_id,
            r.order_id,
            r.term_id,
            in_zone(r.at, r.at_tz),
            recorded_by=r.recorded_by,
            note=r.note,
        )

    def references(self, obj: ComplianceRecord) -> list[tuple[str, str]]:
        return [("order", obj.order_id), ("defendant", obj.defendant_id)]


class RetentionReviewMapper(Mapper[RetentionReview]):
    """A retention decision on a case, as one flat row (migration 0011)."""

    kind = "retention_review"
    domain = RetentionReview
    root = RetentionReviewRow
    key_column = "review_id"
    key_column_on_children = "review_id"

    def from_domain(self, obj: RetentionReview, revision: int) -> RowSet:
        return RowSet(
            RetentionReviewRow(
                review_id=obj.review_id,
                case_id=obj.case_id,
                decision=obj.decision.value,
                category=obj.category,
                reason=obj.reason,
                decided_by=obj.decided_by,
                role=obj.role,
                decided_at=obj.decided_at,
                decided_at_tz=zone_name(obj.decided_at),
                next_review=obj.next_review,
                revision=revision,
            )
        )

    def to_domain(self, rows: RowSet) -> RetentionReview:
        r: RetentionReviewRow = rows.root
        return RetentionReview(
            review_id=r.review_id,
            case_id=r.case_id,
            decision=r.decision,
            reason=r.reason,
            category=r.category,
            decided_at=in_zone(r.decided_at, r.decided_at_tz),
            decided_by=r.decided_by,
            role=r.role,
            next_review=_day(r.next_review),
        )

    def check_update(self, before: RetentionReview, after: RetentionReview) -> None:
        """A recorded decision is never rewritten (MoPI: each decision stays on record)."""
        raise InvalidValueError(
            "retention review", before.review_id, "a recorded decision is never rewritten"
        )
