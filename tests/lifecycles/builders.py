"""Shared builders for the lifecycle tests: forces, instants, orders, duties, reviews."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.lifecycles import MACHINES, make_order
from spo_tracker.domain.lifecycles.application import Application, draft_application
from spo_tracker.domain.lifecycles.breach_review import BreachReview, flag_suspected_breach
from spo_tracker.domain.lifecycles.full_order import FullOrderState
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderKind, OrderState
from spo_tracker.domain.people import ChiefOfficer, Defendant, Force, ForceKind, NameUse
from spo_tracker.domain.terms import (
    ExclusionZone,
    NoContact,
    NoSurveillance,
    PositiveRequirement,
    Term,
)

WMP = ChiefOfficer(Force("20", "West Midlands Police"))
GMP = ChiefOfficer(Force("06", "Greater Manchester Police"))
MET = ChiefOfficer(Force("01", "Metropolitan Police Service"), title="Commissioner")
BTP = ChiefOfficer(Force("93", "British Transport Police", ForceKind.BRITISH_TRANSPORT_POLICE))

LONDON = "Europe/London"
MADE_AT = pendulum.datetime(2026, 3, 2, 10, 30, tz=LONDON)

NO_CONTACT = NoContact(term_id="T1", persons=("P1",))
NO_SURVEILLANCE = NoSurveillance(term_id="T2", persons=("P1",))
CENTRE = GeoPoint(52.4862, -1.8904)
ZONE = ExclusionZone(term_id="Z1", zone=Circle(CENTRE, 500), label="Zone A on the map")


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> pendulum.DateTime:
    """A London wall-clock instant."""
    return pendulum.datetime(year, month, day, hour, minute, tz=LONDON)


def assessment_at(point: GeoPoint, term_id: str = "R1") -> PositiveRequirement:
    """A requirement to attend an assessment at ``point``."""
    return PositiveRequirement(
        term_id=term_id,
        requirement="assessment",
        description="attend a stalking assessment",
        due_on=pendulum.Date(2026, 6, 1),
        place=point,
    )


def full(
    *,
    order_id: str = "SPO-1",
    made_at: pendulum.DateTime = MADE_AT,
    duration: Duration | None = None,
    terms: Iterable[Term] = (NO_CONTACT,),
    applicant: ChiefOfficer = WMP,
    replaces: Order | None = None,
    fixed: bool = True,
    application_id: str | None = None,
    **changes: Any,
) -> Order:
    """A full order made at ``made_at``: 2 years unless ``duration`` says otherwise, or
    until further order if not ``fixed``; on the replaced interim order's application."""
    if replaces is not None and application_id is None:
        application_id = replaces.application_id
    order = make_order(
        order_id=order_id,
        kind=OrderKind.FULL,
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=applicant,
        court="Birmingham Magistrates' Court",
        made_at=made_at,
        terms=terms,
        duration=(duration or Duration(years=2)) if fixed else None,
        replaces=replaces,
        application_id=application_id,
    ).order
    return attrs.evolve(order, **changes) if changes else order


def until_further_order(**changes: Any) -> Order:
    """A full order that runs until further order."""
    order = make_order(
        order_id="SPO-UFO",
        kind=OrderKind.FULL,
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=WMP,
        court="Birmingham Magistrates' Court",
        made_at=MADE_AT,
        terms=(NO_CONTACT,),
        duration=None,
    ).order
    return attrs.evolve(order, **changes) if changes else order


def interim(
    *,
    order_id: str = "ISPO-1",
    made_at: pendulum.DateTime = MADE_AT,
    duration: Duration | None = None,
    terms: Iterable[Term] = (NO_CONTACT,),
    **changes: Any,
) -> Order:
    """An interim order made at ``made_at`` (8 weeks unless ``duration`` says otherwise)."""
    order = make_order(
        order_id=order_id,
        kind=OrderKind.INTERIM,
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=WMP,
        court="Birmingham Magistrates' Court",
        made_at=made_at,
        terms=terms,
        duration=duration if duration is not None else Duration(weeks=8),
        application_id="APP-1",
    ).order
    return attrs.evolve(order, **changes) if changes else order


BORN = pendulum.Date(1990, 5, 1)


def defendant(born: pendulum.Date | None = BORN) -> Defendant:
    """The defendant D1."""
    return Defendant("D1", (NameUse("Alex Example"),), date_of_birth=born)


def draft(**changes: Any) -> Application:
    """A draft application by West Midlands Police."""
    app = draft_application(
        application_id="APP-1",
        defendant=defendant(),
        applicant=WMP,
        court="Birmingham Magistrates' Court",
        protected_person_ids=("P1",),
    )
    return attrs.evolve(app, **changes) if changes else app


def duty(**changes: Any) -> NotificationDuty:
    """A NOT_DUE duty under ISPO-1, local police area West Midlands."""
    return NotificationDuty(
        duty_id="DUTY-1",
        defendant_id="D1",
        order_id="ISPO-1",
        local_police_area=changes.pop("local_police_area", "West Midlands"),
        **changes,
    )


def review(**changes: Any) -> BreachReview:
    """A FLAGGED review of conduct a week after service."""
    flagged = flag_suspected_breach(
        review_id="REV-1",
        alert_id="AL-1",
        defendant_id="D1",
        order_id="SPO-1",
        term_id="T1",
        flagged_at=london(2026, 3, 10, 9),
        conduct_at=london(2026, 3, 9, 21),
        served_at=london(2026, 3, 2, 15),
    )
    return attrs.evolve(flagged, **changes) if changes else flagged


def subject_in(machine: str, state_name: str) -> Any:
    """A subject of ``machine`` in the state named ``state_name`` (other fields as built)."""
    if machine == "application":
        return draft(state=MACHINES[machine].states[state_name])
    if machine == "interim_order":
        return interim(state=OrderState[state_name])
    if machine == "full_order":
        return full(state=FullOrderState[state_name].order_state)
    if machine == "notification_duty":
        return duty(state=MACHINES[machine].states[state_name])
    if machine == "breach_review":
        return review(state=MACHINES[machine].states[state_name])
    raise AssertionError(f"no builder for {machine}")
