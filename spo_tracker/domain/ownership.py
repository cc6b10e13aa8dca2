"""Who manages an order's case: the officer in the case, the managing unit and the force.

Kept as its own record, beside the order, not on the order itself: an
:class:`~spo_tracker.domain.orders.Order` is what a court made (its versions
are appended, never rewritten, SPA2019 s.6), and who manages the case is a
police decision that changes when an officer moves on. A separate record
keeps the order's history, its events and its interchange schema as they are,
and lets a case be re-assigned without touching the order's revision (so a
supervisor re-assigning a caseload never conflicts with an officer recording
service or a variation).
"""

from __future__ import annotations

import attrs
import pendulum

from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError

__all__ = ["CaseOwner"]


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise InvalidValueError(
            attribute.name, value, "must be non-empty text without surrounding spaces"
        )


def _aware(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="assigned_at")


@attrs.frozen
class CaseOwner:
    """The officer in the case, managing unit and force of one order.

    Attributes:
        order_id: the order whose case it is.
        officer: the officer in the case (a collar number or name).
        unit: the managing unit (e.g. a public protection unit).
        force: the force managing the case (its name or code).
        assigned_at: when the case was last assigned.
        assigned_by: who assigned it.
        revision: bumped by every re-assignment (optimistic concurrency).
    """

    order_id: str = attrs.field(validator=_text)
    officer: str = attrs.field(validator=_text)
    unit: str = attrs.field(validator=_text)
    force: str = attrs.field(validator=_text)
    assigned_at: pendulum.DateTime = attrs.field(converter=_aware)
    assigned_by: str = attrs.field(validator=_text)
    revision: int = 1

    def reassigned(
        self, *, officer: str, unit: str, force: str, at: pendulum.DateTime, by: str
    ) -> CaseOwner:
        """The case assigned anew, one revision on."""
        return attrs.evolve(
            self,
            officer=officer,
            unit=unit,
            force=force,
            assigned_at=at,
            assigned_by=by,
            revision=self.revision + 1,
        )
