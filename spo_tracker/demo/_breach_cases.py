"""The scenario's breach stories: messages on banned platforms, an exclusion zone
closed in on, contact through a third party, positive requirements not met.

Each adds its records and its :class:`~spo_tracker.demo._common.Case` to the builder.
"""

from __future__ import annotations

import pendulum

from spo_tracker.demo._common import (
    ABUSE,
    NOW,
    SEED_MESSAGES,
    Builder,
    Case,
    complied,
    defendant_with,
    full_order,
    message,
    on_day,
    protected_person,
    served,
)
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.identities import handle, phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.terms import (
    ExclusionZone,
    NoContact,
    NoOnlineReference,
    NoThirdPartyContact,
    PlatformBan,
    PositiveRequirement,
    RequirementKind,
    SignOnSchedule,
)

__all__ = [
    "exclusion_zone",
    "requirements",
    "seed_story",
    "third_party",
]


def seed_story(builder: Builder) -> None:
    """An SPO banning Instagram, Facebook and Twitter; 104 messages in one day from a new
    account, linked to the defendant only afterwards."""
    account = handle("instagram", "truth_teller_2026")
    builder.persons.append(
        protected_person(
            "P-1001", "Sarah Collins", "14 Wren Close", "B17 0QT", GeoPoint(52.4589, -1.9546)
        )
    )
    builder.defendants.append(
        defendant_with(
            "D-1001",
            "Mark Ellison",
            (phone("07700 900101"), on_day(2, 3, 10)),
            (account, on_day(17, 3, 11, 20)),
        )
    )
    order = full_order(
        "SPO-1001",
        "D-1001",
        ("P-1001",),
        on_day(2, 3, 10, 30),
        PlatformBan(term_id="T1", platforms=("instagram", "facebook", "twitter")),
        NoOnlineReference(term_id="T2", persons=("P-1001",)),
        PositiveRequirement(
            term_id="T3",
            requirement=RequirementKind.PERPETRATOR_PROGRAMME,
            description="attend an assessment for a stalking perpetrator programme",
            due_on=pendulum.Date(2026, 6, 30),
        ),
    )
    builder.orders.append(served(order, on_day(2, 3, 14, 5)))
    start = on_day(14, 3, 7, 2).int_timestamp
    times = sorted(builder.rng.sample(range(start, start + 16 * 3600), SEED_MESSAGES))
    for n, moment in enumerate(times):
        at = pendulum.from_timestamp(moment, tz="Europe/London")
        text = ABUSE[builder.rng.randrange(len(ABUSE))]
        builder.incidents.append(
            message(
                f"DEMO-1001-{n + 1:03d}", at, account, "P-1001", text, reported=on_day(15, 3, 10)
            )
        )
    builder.cases.append(
        Case(
            "seed",
            f"{SEED_MESSAGES} abusive Instagram messages in one day from a new account",
            "D-1001",
            ("SPO-1001",),
            "the account was linked to the defendant on 17 March, after the messages",
        )
    )


def exclusion_zone(builder: Builder) -> None:
    """Sightings closing in on an exclusion zone, then a GPS fix inside it; and a course
    of conduct against a person no order protects yet.

    Zone A covers P-1002's home without pinpointing it: the defendant is shown the
    zone, so it is a 650 m circle around a public place (a park gate) about 460 m
    south-west of the home, never a circle centred on the home itbuilder.
    """
    home = GeoPoint(52.4721, -1.9307)
    park_gate = GeoPoint(52.4690, -1.9352)
    builder.persons.append(
        protected_person("P-1002", "Priya Shah", "3 Calthorpe Road", "B15 1QQ", home)
    )
    builder.persons.append(
        protected_person(
            "P-1009", "Hannah Boyd", "27 Moor Green Lane", "B13 8NE", GeoPoint(52.43, -1.89)
        )
    )
    mobile = phone("07700 900102")
    builder.defendants.append(
        defendant_with("D-1002", "Liam Hargreaves", (mobile, on_day(10, 11, 12, year=2025)))
    )
    order = full_order(
        "SPO-1002",
        "D-1002",
        ("P-1002",),
        on_day(10, 11, 10, year=2025),
        NoContact(term_id="T1", persons=("P-1002",)),
        ExclusionZone(term_id="T2", zone=Circle(park_gate, 650.0), label="Zone A"),
    )
    builder.orders.append(served(order, on_day(11, 11, 9, year=2025)))
    approach = ((0.0085, 17, 18), (0.0062, 17, 21), (0.0047, 18, 19))
    for n, (offset, day, hour) in enumerate(approach, start=1):
        builder.incidents.append(
            Incident(
                incident_id=f"DEMO-1002-S{n}",
                occurred_at=on_day(day, 3, hour, 15),
                kind=IncidentKind.SIGHTING,
                defendant_id="D-1002",
                location=GeoPoint(round(home.lat + offset, 6), home.lon),
                summary="Seen by a patrol officer walking towards the area",
                reported_at=on_day(day, 3, hour + 1),
            )
        )
    builder.incidents.append(
        Incident(
            incident_id="DEMO-1002-G1",
            occurred_at=on_day(18, 3, 21, 40),
            kind=IncidentKind.LOCATION_FIX,
            defendant_id="D-1002",
            location=GeoPoint(round(home.lat + 0.0012, 6), round(home.lon - 0.0009, 6)),
            summary="Electronic monitoring fix inside the exclusion zone",
            reported_at=on_day(18, 3, 21, 52),
        )
    )
    for n, day in enumerate((10, 13, 16), start=1):
        builder.incidents.append(
            message(
                f"DEMO-1002-C{n}",
                on_day(day, 3, 22, 30),
                mobile,
                "P-1009",
                "Texts demanding to know where she has been and who she was with",
            )
        )
    builder.cases.append(
        Case(
            "zone",
            "exclusion zone approached, then entered",
            "D-1002",
            ("SPO-1002",),
            alert_kinds=("breach", "escalation"),
        )
    )
    builder.cases.append(
        Case(
            "course",
            "course of conduct against a person no order protects yet",
            "D-1002",
            note="P-1009 is not protected by any order: the alert suggests an SPO application",
            alert_kinds=("course_of_conduct",),
        )
    )


def third_party(builder: Builder) -> None:
    """Contact through the defendant's sister."""
    builder.persons.append(
        protected_person(
            "P-1008", "Amy Clarke", "40 Bristol Road", "B5 7SS", GeoPoint(52.46, -1.91)
        )
    )
    builder.defendants.append(defendant_with("D-1008", "Craig Dunn"))
    order = full_order(
        "SPO-1008",
        "D-1008",
        ("P-1008",),
        on_day(5, 1, 10),
        NoContact(term_id="T1", persons=("P-1008",)),
        NoThirdPartyContact(term_id="T2", persons=("P-1008",)),
    )
    builder.orders.append(served(order, on_day(5, 1, 14)))
    builder.incidents.append(
        Incident(
            incident_id="DEMO-1008-1",
            occurred_at=on_day(17, 3, 13, 0),
            kind=IncidentKind.THIRD_PARTY_CONTACT,
            defendant_id="D-1008",
            target_person_id="P-1008",
            via_third_party=True,
            summary="His sister came to her door with a letter from him",
            reported_at=on_day(17, 3, 15, 30),
        )
    )
    builder.cases.append(
        Case("third_party", "contact through a third party", "D-1008", ("SPO-1008",))
    )


def requirements(builder: Builder) -> None:
    """Positive requirements (SPA2019 s.1(2)(b)): an assessment attended in time, devices
    not surrendered by their due day, and Monday sign-ons with one Monday missed."""
    builder.persons.append(
        protected_person(
            "P-1010", "Megan Lloyd", "11 Vicarage Road", "B14 7QH", GeoPoint(52.43, -1.88)
        )
    )
    builder.defendants.append(defendant_with("D-1010", "Wayne Doyle"))
    order = full_order(
        "SPO-1010",
        "D-1010",
        ("P-1010",),
        on_day(5, 1, 10),
        NoContact(term_id="T1", persons=("P-1010",)),
        PositiveRequirement(
            term_id="T2",
            requirement=RequirementKind.ASSESSMENT,
            description="attend a stalking risk assessment",
            due_on=pendulum.Date(2026, 2, 27),
        ),
        PositiveRequirement(
            term_id="T3",
            requirement=RequirementKind.SURRENDER_DEVICES,
            description="surrender every mobile phone and laptop to Steelhouse Lane",
            due_on=pendulum.Date(2026, 3, 6),
        ),
        SignOnSchedule(term_id="T4", station="Steelhouse Lane", weekdays=frozenset({0})),
    )
    order = served(order, on_day(5, 1, 15))
    builder.orders.append(order)
    missed = pendulum.Date(2026, 3, 2)
    builder.compliance += [
        r
        for r in complied(order, NOW)
        if r.term_id != "T3" and not (r.term_id == "T4" and r.at.date() == missed)
    ]
    builder.cases.append(
        Case(
            "requirements",
            "a positive requirement not met and a sign-on day missed",
            "D-1010",
            ("SPO-1010",),
            "the assessment was attended (recorded, no alert); the devices were not "
            "surrendered by Fri 6 Mar 2026 and there is no sign-on on Mon 2 Mar 2026",
            alert_kinds=("breach",),
        )
    )
