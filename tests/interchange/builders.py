"""A fixed dataset holding every record type, for the mutation and bad-input tests."""

from __future__ import annotations

import attrs
import pendulum

from spo_tracker.domain.alerts import BREACH_CODE, Alert, AlertKind, Severity
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.identities import handle
from spo_tracker.domain.incidents import CrimeClassification
from spo_tracker.domain.lifecycles.application import Application, ApplicationState, AreaConnection
from spo_tracker.domain.notification import (
    ClosedItem,
    Closure,
    DutyState,
    ItemKind,
    NotifiableItem,
    Notification,
    NotificationDuty,
)
from spo_tracker.domain.orders import OrderKind
from spo_tracker.interchange import Dataset
from tests.storage import builders

__all__ = ["full_dataset"]

SERVED = pendulum.datetime(2024, 3, 16, 14, 30, tz="Europe/London")


def _application() -> Application:
    return Application(
        application_id="APP-1",
        defendant_id="D1",
        applicant=builders.WMP,
        court="Birmingham Magistrates' Court",
        state=ApplicationState.GRANTED,
        protected_person_ids=("P1",),
        laid_at=pendulum.datetime(2024, 2, 1, 10, tz="Europe/London"),
        area_connection=AreaConnection.RESIDES_IN_AREA,
        determined_at=builders.MADE,
        order_id="SPO-1",
    )


def _duty() -> NotificationDuty:
    initial = NotifiableItem.arising(ItemKind.INITIAL, SERVED.date(), "SPA2019 s.9(1)")
    given = SERVED.add(days=1)
    return NotificationDuty(
        duty_id="ND-1",
        defendant_id="D1",
        order_id="SPO-1",
        local_police_area="West Midlands",
        state=DutyState.UP_TO_DATE,
        served_on=SERVED.date(),
        initial_from=SERVED.date(),
        closed=(ClosedItem(initial, given, Closure.NOTIFIED),),
        notifications=(Notification(given, "Lloyd House", "West Midlands", (initial,), given),),
    )


def full_dataset(*, incidents: int = 6) -> Dataset:
    """A defendant, two protected persons, an application, an order with three versions and
    every term type, its notification duty, two compliance records (T11, T12), incidents
    (some by a stranger's account) and an alert resting on two of them."""
    actor = handle("instagram", "@stalker")
    made = [
        builders.incident(
            f"I-{n:04d}",
            n,
            defendant_id="D1" if n % 3 else None,
            target_person_id="P1",
            actor=actor if n % 2 else None,
            classification=CrimeClassification.STALKING if n % 4 == 0 else None,
        )
        for n in range(incidents)
    ]
    evidence = made[:2]
    alert = Alert(
        alert_id="AL-0000000000000000001",
        rule_id="breach.no_contact",
        kind=AlertKind.BREACH,
        severity=Severity.HIGH,
        defendant_id="D1",
        order_id="SPO-1",
        term_id="T1",
        term_code="SPO-P01",
        section="SPA2019 s.8(1)",
        cjs_code=BREACH_CODE,
        title="Suspected breach of no contact",
        explanation="For review: a court decides whether there was a reasonable excuse.",
        evidence_ids=tuple(i.incident_id for i in evidence),
        count=len(evidence),
        first_seen=evidence[0].occurred_at,
        last_seen=evidence[-1].occurred_at,
        breach_time=evidence[0].occurred_at,
        identified_at=evidence[-1].reported_at or evidence[-1].occurred_at,
        protected_person_ids=("P1",),
    )
    order = builders.order("SPO-1", "D1", ("P1", "P2"))
    assert order.kind is OrderKind.FULL
    return Dataset(
        defendants=(builders.defendant("D1"),),
        protected_persons=(builders.person("P1"), builders.person("P2", restricted=False)),
        applications=(_application(),),
        orders=(attrs.evolve(order, revision=1),),
        duties=(_duty(),),
        incidents=tuple(made),
        alerts=(alert,),
        compliance=(
            ComplianceRecord(
                "ATT-1", "D1", "SPO-1", "T11", SERVED.add(days=3), recorded_by="PC 7", note="seen"
            ),
            ComplianceRecord("SIGN-1", "D1", "SPO-1", "T12", SERVED.add(days=4)),
        ),
    )
