"""The mapper of orders: an order, its protected persons, and every version with its terms."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pendulum

from spo_tracker.domain.appeals import PendingAppeal
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
)
from spo_tracker.domain.people import ChiefOfficer, Force, ForceKind
from spo_tracker.domain.statutory_time import DayPeriod
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import _codec
from spo_tracker.storage._mapping_base import (
    ChildSpec,
    Mapper,
    RowSet,
    _in_zone_or_none,
    _required_day,
    _zone_or_none,
)
from spo_tracker.storage._tables import (
    OrderProtectedPersonRow,
    OrderRow,
    OrderTermRow,
    OrderVersionRow,
)
from spo_tracker.storage._types import in_zone, zone_name

__all__ = ["OrderMapper"]


def _dump_appeal(appeal: PendingAppeal | None) -> dict[str, Any] | None:
    """The appeal pending on an order (SPA2019 s.7) as the JSON of ``orders.pending_appeal``."""
    return None if appeal is None else _codec.dump(appeal, PendingAppeal)


def _load_appeal(data: dict[str, Any] | None) -> PendingAppeal | None:
    """The appeal of ``orders.pending_appeal``; NULL (none, or stored before 0006) is ``None``."""
    return None if data is None else _codec.load(data, PendingAppeal)


def _dump_spans(spans: tuple[tuple[_dt.datetime, _dt.datetime], ...]) -> list[list[str]] | None:
    """The spans an order was not in force (SPA2019 s.7(4)) as ``orders.not_in_force``
    JSON: ``[start, end]`` pairs of zoned instant text; ``NULL`` for none."""
    return [[_codec.zoned_text(a), _codec.zoned_text(b)] for a, b in spans] or None


def _load_spans(
    data: list[list[str]] | None,
) -> tuple[tuple[pendulum.DateTime, pendulum.DateTime], ...]:
    """The spans of ``orders.not_in_force``; NULL (none, or stored before 0007) is ``()``."""
    return tuple((_codec.parse_instant(a), _codec.parse_instant(b)) for a, b in data or ())


class OrderMapper(Mapper[Order]):
    """An order, its protected persons, and every version with its terms."""

    kind = "order"
    domain = Order
    root = OrderRow
    key_column = "order_id"
    key_column_on_children = "order_id"
    children = (
        ChildSpec(OrderProtectedPersonRow, ("position",)),
        ChildSpec(OrderVersionRow, ("number",), append_only=True),
        ChildSpec(OrderTermRow, ("version_number", "position"), append_only=True),
    )
    revisioned = True

    def from_domain(self, obj: Order, revision: int) -> RowSet:
        key, force = obj.order_id, obj.applicant.force
        root = OrderRow(
            order_id=key,
            kind=obj.kind.value,
            origin=obj.origin.value,
            defendant_id=obj.defendant_id,
            applicant_force_code=force.code,
            applicant_force_name=force.name,
            applicant_force_kind=force.kind.value,
            applicant_title=obj.applicant.title,
            court=obj.court,
            made_at=obj.made_at,
            made_at_tz=zone_name(obj.made_at),
            state=obj.state.value,
            application_id=obj.application_id,
            replaces_order_id=obj.replaces_order_id,
            served_at=obj.served_at,
            served_at_tz=_zone_or_none(obj.served_at),
            appeal_pending=obj.appeal_pending,
            pending_appeal=_dump_appeal(obj.appeal),
            ended_at=obj.ended_at,
            ended_at_tz=_zone_or_none(obj.ended_at),
            end_reason=obj.end_reason,
            not_in_force=_dump_spans(obj.not_in_force),
            revision=revision,
        )
        persons = [
            OrderProtectedPersonRow(order_id=key, position=i, person_id=p)
            for i, p in enumerate(obj.protected_person_ids)
        ]
        versions = [self._version_row(key, v) for v in obj.versions]
        terms = [
            self._term_row(key, v.number, i, t) for v in obj.versions for i, t in enumerate(v.terms)
        ]
        return RowSet(
            root, {OrderProtectedPersonRow: persons, OrderVersionRow: versions, OrderTermRow: terms}
        )

    @staticmethod
    def _version_row(key: str, version: OrderVersion) -> OrderVersionRow:
        length, period = version.duration, version.period
        return OrderVersionRow(
            order_id=key,
            number=version.number,
            cause=version.cause.value,
            decided_on=version.decided_on,
            duration_years=None if length is None else length.years,
            duration_months=None if length is None else length.months,
            duration_weeks=None if length is None else length.weeks,
            duration_days=None if length is None else length.days,
            period_first_day=None if period is None else period.first_day,
            period_last_day=None if period is None else period.last_day,
            reason=version.reason,
            decided_at=version.decided_at,
            decided_at_tz=_zone_or_none(version.decided_at),
        )

    @staticmethod
    def _term_row(key: str, number: int, position: int, term: Any) -> OrderTermRow:
        code, params = _codec.dump_term(term)
        return OrderTermRow(
            order_id=key,
            version_number=number,
            position=position,
            term_id=term.term_id,
            code=code,
            parameters=params,
        )

    def references(self, obj: Order) -> list[tuple[str, str]]:
        """Its defendant, protected persons and, if it names one, the application it was
        made on: an order may not point at an application that is not stored (no foreign
        key holds that link, so the store checks it, as the interchange import does)."""
        found = [("defendant", obj.defendant_id)] + [
            ("protected_person", p) for p in obj.protected_person_ids
        ]
        if obj.application_id is not None:
            found.append(("application", obj.application_id))
        return found

    def check_update(self, before: Order, after: Order) -> None:
        """Stored versions are never rewritten (SPA2019 s.6: each is a record of the court)."""
        kept = after.versions[: len(before.versions)]
        if kept != before.versions:
            changed = next(
                (b.number for b, a in zip(before.versions, kept, strict=False) if a != b),
                len(kept) + 1,
            )
            raise InvalidValueError(
                "versions", changed, "a stored order version is never rewritten or removed"
            )

    def to_domain(self, rows: RowSet) -> Order:
        r: OrderRow = rows.root
        terms: dict[int, list[Any]] = {}
        for t in rows.of(OrderTermRow):
            terms.setdefault(t.version_number, []).append(
                _codec.load_term(t.code, t.term_id, t.parameters)
            )
        versions = tuple(
            self._version(v, tuple(terms.get(v.number, ()))) for v in rows.of(OrderVersionRow)
        )
        force = Force(
            code=r.applicant_force_code,
            name=r.applicant_force_name,
            kind=ForceKind(r.applicant_force_kind),
        )
        return Order(
            order_id=r.order_id,
            kind=OrderKind(r.kind),
            origin=OrderOrigin(r.origin),
            defendant_id=r.defendant_id,
            protected_person_ids=tuple(p.person_id for p in rows.of(OrderProtectedPersonRow)),
            applicant=ChiefOfficer(force=force, title=r.applicant_title),
            court=r.court,
            made_at=in_zone(r.made_at, r.made_at_tz),
            versions=versions,
            state=OrderState(r.state),
            application_id=r.application_id,
            replaces_order_id=r.replaces_order_id,
            served_at=_in_zone_or_none(r.served_at, r.served_at_tz),
            appeal_pending=r.appeal_pending,
            appeal=_load_appeal(r.pending_appeal),
            ended_at=_in_zone_or_none(r.ended_at, r.ended_at_tz),
            end_reason=r.end_reason,
            not_in_force=_load_spans(r.not_in_force),
            revision=r.revision,
        )

    @staticmethod
    def _version(row: OrderVersionRow, terms: tuple[Any, ...]) -> OrderVersion:
        duration = None
        if row.duration_years is not None:
            duration = Duration(
                years=row.duration_years,
                months=row.duration_months or 0,
                weeks=row.duration_weeks or 0,
                days=row.duration_days or 0,
            )
        period = None
        if row.period_first_day is not None and row.period_last_day is not None:
            period = DayPeriod(
                first_day=_required_day(row.period_first_day),
                last_day=_required_day(row.period_last_day),
            )
        return OrderVersion(
            number=row.number,
            cause=VersionCause(row.cause),
            decided_on=_required_day(row.decided_on),
            duration=duration,
            period=period,
            terms=terms,
            reason=row.reason,
            decided_at=_in_zone_or_none(row.decided_at, row.decided_at_tz),
        )
