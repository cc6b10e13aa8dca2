"""Small builders for detection tests: orders, defendants and incidents in a line each."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pendulum

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity, handle
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
)
from spo_tracker.domain.people import ChiefOfficer, Defendant, Force, NameUse
from spo_tracker.domain.statutory_time import as_london_date
from spo_tracker.domain.terms import Term

CHIEF = ChiefOfficer(Force("20", "West Midlands Police"))
MADE = pendulum.datetime(2026, 1, 12, 10, 30, tz="Europe/London")
ACCOUNT = handle("instagram", "watcher_1")
TWO_YEARS = Duration(years=2)


def make_order(
    *terms: Term,
    order_id: str = "O1",
    defendant_id: str = "D1",
    made_at: pendulum.DateTime = MADE,
    kind: OrderKind = OrderKind.FULL,
    duration: Duration | None = TWO_YEARS,
    persons: Sequence[str] = ("P1",),
    served_at: pendulum.DateTime | None = None,
    served: bool = True,
    state: OrderState | None = None,
    ended_at: pendulum.DateTime | None = None,
    appeal_pending: bool = False,
    application_id: str | None = None,
) -> Order:
    """An order made at ``made_at`` with one version holding ``terms``; served an hour later."""
    made_on = as_london_date(made_at)
    period = None if duration is None else duration.period_from(made_on)
    version = OrderVersion(1, VersionCause.MADE, made_on, duration, period, tuple(terms))
    if served and served_at is None:
        served_at = made_at.add(hours=1)
    chosen = state or (OrderState.SERVED if served_at is not None else OrderState.MADE)
    return Order(
        order_id=order_id,
        kind=kind,
        origin=OrderOrigin.POLICE_APPLICATION,
        defendant_id=defendant_id,
        protected_person_ids=tuple(persons),
        applicant=CHIEF,
        court="Birmingham Magistrates' Court",
        made_at=made_at,
        versions=(version,),
        state=chosen,
        served_at=served_at,
        ended_at=ended_at,
        appeal_pending=appeal_pending,
        application_id=application_id,
    )


def vary(order: Order, on: pendulum.Date, *terms: Term) -> Order:
    """The order with a new version decided on ``on`` holding ``terms``."""
    current = order.current
    version = OrderVersion(
        current.number + 1, VersionCause.VARIED, on, current.duration, current.period, terms
    )
    return attrs.evolve(order, versions=(*order.versions, version), revision=order.revision + 1)


def make_defendant(
    defendant_id: str = "D1", *identities: Identity, linked_at: pendulum.DateTime = MADE
) -> Defendant:
    """A defendant with the given identities linked at ``linked_at``."""
    defendant = Defendant(defendant_id, (NameUse(f"Defendant {defendant_id}"),))
    for identity in identities:
        defendant = defendant.link(identity, linked_at)
    return defendant


def incident(
    incident_id: str,
    at: pendulum.DateTime,
    kind: IncidentKind | str = IncidentKind.MESSAGE,
    *,
    actor: Identity | None = None,
    defendant_id: str | None = "D1",
    target: str | None = "P1",
    location: GeoPoint | None = None,
    via_third_party: bool = False,
    platform: str | None = None,
    reported_at: pendulum.DateTime | None = None,
) -> Incident:
    """An incident; attributed directly to D1 unless an actor or another id is given."""
    return Incident(
        incident_id=incident_id,
        occurred_at=at,
        kind=kind,
        platform=platform,
        actor=actor,
        defendant_id=None if actor is not None else defendant_id,
        target_person_id=target,
        via_third_party=via_third_party,
        location=location,
        reported_at=reported_at,
    )
