"""Domain objects for the storage tests: full records that exercise every stored field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import Platform, device, email, handle, phone
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
from spo_tracker.domain.people import (
    Address,
    AddressPeriod,
    ChiefOfficer,
    Defendant,
    Force,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
    SexOffenderRegistration,
)
from spo_tracker.domain.statutory_time import days_beginning_with
from spo_tracker.domain.terms import (
    DeviceBrowsingHistory,
    ExclusionZone,
    Locality,
    NoApproach,
    NoContact,
    NoOnlineReference,
    NoRecordingImages,
    NoSurveillance,
    NoThirdPartyContact,
    PlatformBan,
    PositiveRequirement,
    RequirementKind,
    SignOnSchedule,
    Term,
)
from spo_tracker.storage import Actor, Store

WMP = ChiefOfficer(Force("20", "West Midlands Police"))
MADE = pendulum.datetime(2024, 3, 15, 14, 30, tz="Europe/London")
BIRMINGHAM = GeoPoint(52.4862, -1.8904)


def defendant(key: str, *, identities: int = 2) -> Defendant:
    """A defendant with two names, an address history, linked identities and SOA registration."""
    linked = (
        LinkedIdentity(phone("07700 900123"), pendulum.datetime(2024, 1, 5, 9, tz="Europe/London")),
        LinkedIdentity(
            handle("x", f"@{key.lower()}"), pendulum.datetime(2024, 7, 1, tz="Asia/Tokyo")
        ),
        LinkedIdentity(email(f"{key.lower()}@example.org"), MADE, source="intelligence"),
        LinkedIdentity(device("AA:BB:CC:DD:EE:FF"), MADE),
    )
    return Defendant(
        defendant_id=key,
        names=(NameUse("John Smith"), NameUse("Jack Smith", pendulum.Date(2023, 2, 1))),
        date_of_birth=pendulum.Date(1988, 2, 29),
        addresses=(
            AddressPeriod(
                Address(("1 Old Road", "Aston"), "B6 4AA", BIRMINGHAM),
                pendulum.Date(2020, 1, 1),
                pendulum.Date(2023, 12, 31),
            ),
            AddressPeriod(Address(("2 New Street",), "B2 4QA"), pendulum.Date(2024, 1, 1)),
        ),
        identities=linked[:identities],
        soa_registration=SexOffenderRegistration(
            pendulum.Date(2019, 5, 1), pendulum.Date(2024, 5, 1)
        ),
    )


def person(key: str, *, restricted: bool = True) -> ProtectedPerson:
    """A protected person, with an address and places in the restricted compartment."""
    details = RestrictedDetails()
    if restricted:
        details = RestrictedDetails(
            address=Address(("3 Safe House Lane",), "B15 2TT", GeoPoint(52.45, -1.93)),
            places=(("work", GeoPoint(52.48, -1.9)), ("gym", GeoPoint(52.47, -1.88))),
        )
    return ProtectedPerson(key, "Jane Doe", details)


def with_persons(store: Store, actor: Actor) -> None:
    """Protected persons P1 to P9 in ``store`` (those not stored yet), unrestricted: what a
    shared store needs before orders naming them."""
    with store.unit_of_work(actor) as uow:
        for n in range(1, 10):
            if not uow.protected_persons.exists(f"P{n}"):
                uow.protected_persons.add(person(f"P{n}", restricted=False))
        uow.commit()


def every_term(persons: tuple[str, ...]) -> tuple[Term, ...]:
    """One term of every catalogue type, with periods, localities, circles and polygons."""
    square = Polygon(
        (
            GeoPoint(52.48, -1.90),
            GeoPoint(52.48, -1.89),
            GeoPoint(52.49, -1.89),
            GeoPoint(52.48, -1.90),
        )
    )
    city = Locality("Birmingham", Circle(BIRMINGHAM, 8_000))
    return (
        NoContact(term_id="T1", persons=persons),
        NoThirdPartyContact(term_id="T2", persons=persons, locality=Locality("England")),
        PlatformBan(
            term_id="T3",
            platforms=frozenset({Platform.INSTAGRAM, Platform.FACEBOOK, Platform.X}),
            any_social_media=True,
        ),
        ExclusionZone(term_id="T4", zone=Circle(BIRMINGHAM, 500.5), label="Zone A"),
        ExclusionZone(term_id="T5", zone=square, label="Zone B", locality=city),
        NoApproach(term_id="T6", persons=persons, distance_m=100),
        NoOnlineReference(term_id="T7", persons=persons),
        NoSurveillance(term_id="T8", persons=persons, period=days_beginning_with(MADE.date(), 400)),
        NoRecordingImages(term_id="T9", persons=persons),
        DeviceBrowsingHistory(term_id="T10"),
        PositiveRequirement(
            term_id="T11",
            requirement=RequirementKind.PERPETRATOR_PROGRAMME,
            description="attend a perpetrator programme",
            due_on=pendulum.Date(2024, 9, 30),
            place=GeoPoint(52.5, -1.95),
        ),
        SignOnSchedule(term_id="T12", station="Lloyd House", weekdays=frozenset({0, 3})),
    )


def order(
    key: str,
    defendant_id: str,
    persons: tuple[str, ...],
    *,
    versions: int = 3,
    application_id: str | None = None,
) -> Order:
    """A full order with ``versions`` versions (made, varied, renewed) and every term type."""
    made_on = MADE.date()
    terms = every_term(persons)
    duration = Duration(years=2)
    history = [
        OrderVersion(1, VersionCause.MADE, made_on, duration, duration.period_from(made_on), terms)
    ]
    if versions >= 2:
        varied = tuple(t for t in terms if t.term_id != "T10")
        history.append(
            OrderVersion(
                2,
                VersionCause.VARIED,
                pendulum.Date(2024, 8, 1),
                duration,
                duration.period_from(made_on),
                varied,
                reason="T10 removed on variation",
            )
        )
    for number in range(3, versions + 1):
        longer = Duration(years=number, months=6)
        history.append(
            OrderVersion(
                number,
                VersionCause.RENEWED,
                pendulum.Date(2025, 3, 1),
                longer,
                longer.period_from(made_on),
                history[-1].terms,
            )
        )
    return Order(
        order_id=key,
        kind=OrderKind.FULL,
        origin=OrderOrigin.POLICE_APPLICATION,
        defendant_id=defendant_id,
        protected_person_ids=persons,
        applicant=WMP,
        court="Birmingham Magistrates' Court",
        made_at=MADE,
        versions=tuple(history),
        state=OrderState.SERVED,
        application_id=application_id,
        served_at=MADE.add(days=1).in_timezone("America/New_York"),
        revision=versions,
    )


def vary(current: Order, reason: str = "varied") -> Order:
    """``current`` with one more version (a variation dropping nothing), revision moved on."""
    last = current.current
    extra = OrderVersion(
        last.number + 1,
        VersionCause.VARIED,
        last.decided_on,
        last.duration,
        last.period,
        last.terms,
        reason=reason,
    )
    return attrs.evolve(current, versions=(*current.versions, extra), revision=current.revision + 1)


def incident(key: str, n: int = 0, **changes: Any) -> Incident:
    """An incident ``n`` minutes after a base time, with every field filled."""
    base = Incident(
        incident_id=key,
        occurred_at=pendulum.datetime(2024, 6, 1, 8, tz="Europe/London").add(minutes=n),
        kind=IncidentKind.MESSAGE,
        actor=handle("instagram", "@stalker"),
        defendant_id="D-none",
        target_person_id="P-none",
        via_third_party=n % 2 == 1,
        location=GeoPoint(52.48, -1.9 + n / 1e5),
        summary=f"message {n}: don't ignore me",
        evidence_refs=(f"EX/{n}", "CAD 123"),
        reported_at=pendulum.datetime(2024, 6, 2, 10, tz="UTC"),
    )
    return attrs.evolve(base, **changes)


def incidents(prefix: str, count: int, **changes: Any) -> list[Incident]:
    """``count`` incidents ``prefix-0`` ... one minute apart."""
    return [incident(f"{prefix}-{n:06d}", n, **changes) for n in range(count)]


Builder = Callable[[str], object]
