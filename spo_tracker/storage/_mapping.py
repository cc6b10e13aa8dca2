"""Explicit mapping between domain aggregates and their rows, both ways.

One mapper per aggregate, in :data:`MAPPERS`. ``from_domain`` turns a domain object
into a :class:`RowSet` (its root row and child rows); ``to_domain`` builds the domain
object back, field by field, through the domain's own constructors (so its
validators run). Rows are never domain objects and never ``Cls(**row)``.

The :class:`Mapper` base and its helpers are in :mod:`~spo_tracker.storage._mapping_base`;
the mappers, per aggregate family, in :mod:`~spo_tracker.storage._mapping_people`,
:mod:`~spo_tracker.storage._mapping_incidents`, :mod:`~spo_tracker.storage._mapping_orders`
and :mod:`~spo_tracker.storage._mapping_records`. Their names are importable from here too.
"""

from __future__ import annotations

from typing import Any

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.retention import RetentionReview
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage._mapping_base import (
    CHANGED,
    WITHHELD,
    ChildSpec,
    Mapper,
    PersonalDataMapper,
    RowSet,
    identity_from_key,
)
from spo_tracker.storage._mapping_incidents import IncidentMapper, incident_from_values
from spo_tracker.storage._mapping_orders import OrderMapper
from spo_tracker.storage._mapping_people import DefendantMapper, ProtectedPersonMapper
from spo_tracker.storage._mapping_records import (
    AlertMapper,
    CaseOwnerMapper,
    ComplianceMapper,
    NotificationDutyMapper,
    RetentionReviewMapper,
    SubjectMapper,
)
from spo_tracker.storage._tables import (
    AlertRow,
    ApplicationRow,
    BreachReviewRow,
    CaseOwnerRow,
    NotificationDutyRow,
)

__all__ = [
    "CHANGED",
    "MAPPERS",
    "WITHHELD",
    "AlertMapper",
    "CaseOwnerMapper",
    "ChildSpec",
    "ComplianceMapper",
    "DefendantMapper",
    "IncidentMapper",
    "Mapper",
    "NotificationDutyMapper",
    "OrderMapper",
    "PersonalDataMapper",
    "ProtectedPersonMapper",
    "RetentionReviewMapper",
    "RowSet",
    "SubjectMapper",
    "identity_from_key",
    "incident_from_values",
    "mapper_for",
]


MAPPERS: dict[type, Mapper[Any]] = {
    Defendant: DefendantMapper(),
    ProtectedPerson: ProtectedPersonMapper(),
    Incident: IncidentMapper(),
    Order: OrderMapper(),
    Application: SubjectMapper(
        "application",
        Application,
        ApplicationRow,
        "application_id",
        {"defendant_id": lambda a: a.defendant_id, "state": lambda a: a.state.value},
    ),
    NotificationDuty: NotificationDutyMapper(
        "notification_duty",
        NotificationDuty,
        NotificationDutyRow,
        "duty_id",
        {
            "defendant_id": lambda d: d.defendant_id,
            "order_id": lambda d: d.order_id,
            "state": lambda d: d.state.value,
        },
    ),
    BreachReview: SubjectMapper(
        "breach_review",
        BreachReview,
        BreachReviewRow,
        "review_id",
        {
            "alert_id": lambda r: r.alert_id,
            "defendant_id": lambda r: r.defendant_id,
            "order_id": lambda r: r.order_id,
            "state": lambda r: r.state.value,
        },
    ),
    ComplianceRecord: ComplianceMapper(),
    CaseOwner: CaseOwnerMapper(
        "case_owner",
        CaseOwner,
        CaseOwnerRow,
        "order_id",
        {"officer": lambda c: c.officer, "unit": lambda c: c.unit, "force": lambda c: c.force},
    ),
    RetentionReview: RetentionReviewMapper(),
    Alert: AlertMapper(
        "alert",
        Alert,
        AlertRow,
        "alert_id",
        {
            "defendant_id": lambda a: a.defendant_id,
            "order_id": lambda a: a.order_id,
            "kind": lambda a: a.kind.value,
        },
    ),
}


def mapper_for(obj: object) -> Mapper[Any]:
    """The mapper for a domain object's class.

    Raises:
        InvalidValueError: the library does not store objects of this class.
    """
    mapper = MAPPERS.get(type(obj))
    if mapper is None:
        known = ", ".join(sorted(c.__name__ for c in MAPPERS))
        raise InvalidValueError("record", type(obj).__name__, f"not stored; stored are {known}")
    return mapper
