"""The demo's scenario: the seed story, the lifecycle's hard cases and background volume.

Everything is fictional and deterministic. The scenario's own records are
built through the library's lifecycle functions (so every order is made,
served, replaced or appealed the way the Act allows, and a refused discharge
is refused by the statutory guard itself); the background is the seeded
synthetic force of :mod:`spo_tracker.detection.synthetic`, scaled.

The demo's "now" is :data:`NOW` (Friday 20 March 2026, 09:00 London time):
every scenario event happens before it, and it is the generation time of the
reports, so a run never depends on the wall clock.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterator
from typing import Final

import attrs
import pendulum

from spo_tracker.detection.synthetic import SyntheticForce, synthetic_force
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.identities import Identity, handle, phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.lifecycles import lodge_appeal, make_order, serve_order
from spo_tracker.domain.lifecycles.full_order import discharge_order
from spo_tracker.domain.lifecycles.interim_order import (
    MainOutcome,
    cease_on_determination,
    serve_interim_order,
)
from spo_tracker.domain.lifecycles.notification_duty import (
    check_deadline,
    open_duty,
    record_notification,
    record_service,
    replace_interim_with_full,
)
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderKind
from spo_tracker.domain.people import (
    Address,
    ChiefOfficer,
    Defendant,
    Force,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
)
from spo_tracker.domain.terms import (
    ExclusionZone,
    NoApproach,
    NoContact,
    NoOnlineReference,
    NoThirdPartyContact,
    PlatformBan,
    PositiveRequirement,
    RequirementKind,
    SignOnSchedule,
    Term,
)
from spo_tracker.errors import GuardRejectedError

__all__ = [
    "BACKGROUND_DEFENDANTS",
    "BACKGROUND_INCIDENTS",
    "BACKGROUND_ORDERS",
    "DEFAULT_SCALE",
    "NOW",
    "SEED_MESSAGES",
    "Case",
    "Scenario",
    "build_scenario",
]

#: The demo's "now": the time the reports are generated for.
NOW: Final = pendulum.datetime(2026, 3, 20, 9, 0, tz="Europe/London")
#: The seed story: abusive messages in one London day (West Midlands Police, 2020).
SEED_MESSAGES: Final = 104
#: Background volume per unit of ``--scale`` (the default scale is :data:`DEFAULT_SCALE`).
BACKGROUND_DEFENDANTS: Final = 20
BACKGROUND_ORDERS: Final = 24
BACKGROUND_INCIDENTS: Final = 5_000
#: The default scale: 200 defendants, 240 orders and 50,000 incidents of background, a
#: large force's SPO caseload over two years.
DEFAULT_SCALE: Final = 10

_LONDON: Final = pendulum.timezone("Europe/London")
_FORCE: Final = Force("20", "West Midlands Police")
_CHIEF: Final = ChiefOfficer(_FORCE)
_COURT: Final = "Birmingham Magistrates' Court"
_AREA: Final = "West Midlands"
_ACTOR: Final = "demo:PC 4471"
_TWO_YEARS: Final = Duration(years=2)
_ABUSE: Final = (
    "You think blocking me works? I'm still here.",
    "Answer me. You owe me that much.",
    "Everyone will know what you did.",
    "I saw your story. Nice try hiding.",
    "Why are you ignoring me?",
    "You'll regret going to the police.",
    "I made this account just for you.",
    "Still awake? I am.",
)


def _at(day: int, month: int, hour: int, minute: int = 0, year: int = 2026) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz="Europe/London")


@attrs.frozen
class Case:
    """One story in the scenario, for the summary.

    Attributes:
        key: a stable key (``seed``, ``zone``...).
        title: what it shows, in a few words.
        defendant_id: the defendant.
        order_ids: the orders involved.
        note: what happened that is not an alert (e.g. a refused discharge), if anything.
        alert_kinds: the kinds of the defendant's alerts that belong to this story
            (empty: all of them).
    """

    key: str
    title: str
    defendant_id: str
    order_ids: tuple[str, ...] = ()
    note: str = ""
    alert_kinds: tuple[str, ...] = ()


@attrs.frozen
class Scenario:
    """Everything the demo stores and checks.

    Attributes:
        seed: the seed of the background and of the seed story's timings.
        scale: how many units of background volume.
        defendants: the scenario's defendants and the background's.
        protected_persons: the same for protected persons.
        orders: every order, in its state as of :data:`NOW`.
        duties: the notification duties the scenario tracks.
        cases: the stories, in the order the summary tells them.
        incidents: the scenario's own incidents.
        background: the synthetic force whose incidents are streamed.
        background_incidents: how many background incidents to stream.
        compliance: the scenario's own compliance records (the background's are
            generated by :meth:`all_compliance`: every background requirement is met).
    """

    seed: int
    scale: int
    defendants: tuple[Defendant, ...]
    protected_persons: tuple[ProtectedPerson, ...]
    orders: tuple[Order, ...]
    duties: tuple[NotificationDuty, ...]
    cases: tuple[Case, ...]
    incidents: tuple[Incident, ...]
    background: SyntheticForce = attrs.field(repr=False)
    background_incidents: int
    compliance: tuple[ComplianceRecord, ...] = ()

    @property
    def incident_count(self) -> int:
        """Scenario and background incidents together."""
        return len(self.incidents) + self.background_incidents

    def all_incidents(self) -> Iterator[Incident]:
        """The scenario's incidents, then the background's, streamed."""
        yield from self.incidents
        yield from self.background.incidents(self.background_incidents)

    def all_compliance(self) -> Iterator[ComplianceRecord]:
        """The scenario's compliance records, then the background's, streamed: in the
        background every positive requirement is met and every sign-on day signed."""
        yield from self.compliance
        for order in self.background.orders:
            yield from complied(order, NOW)


def complied(order: Order, until: pendulum.DateTime) -> Iterator[ComplianceRecord]:
    """Records of a defendant who complied with every positive requirement of ``order``
    (SPA2019 s.1(2)(b)) up to ``until``: each requirement met on its due day, a sign-on on
    every scheduled London day from the day the order was made."""
    first, last = order.made_at.in_timezone("Europe/London").date(), until.date()
    done: set[str] = set()
    for version in order.versions:
        for term in version.terms:
            if term.term_id in done:
                continue
            done.add(term.term_id)
            if isinstance(term, PositiveRequirement) and term.due_on <= last:
                due = term.due_on
                at = pendulum.datetime(due.year, due.month, due.day, 11, tz="Europe/London")
                yield _met(f"REQ-{order.order_id}-{term.term_id}", order, term.term_id, at)
            elif isinstance(term, SignOnSchedule):
                yield from _signed(order, term, first, last)


def _signed(
    order: Order, term: SignOnSchedule, first: pendulum.Date, last: pendulum.Date
) -> Iterator[ComplianceRecord]:
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        if (ordinal + 6) % 7 in term.weekdays:  # ordinal 1 (1 January 1) was a Monday
            day = _dt.date.fromordinal(ordinal)
            at = pendulum.DateTime(day.year, day.month, day.day, 10, tzinfo=_LONDON)
            key = f"SIGN-{order.order_id}-{term.term_id}-{day.isoformat()}"
            yield _met(key, order, term.term_id, at, station=term.station)


def _met(
    key: str, order: Order, term_id: str, at: pendulum.DateTime, *, station: str = ""
) -> ComplianceRecord:
    note = f"signed on at {station}" if station else "attended"
    return ComplianceRecord(
        key, order.defendant_id, order.order_id, term_id, at, recorded_by=_ACTOR, note=note
    )


def _person(person_id: str, name: str, line: str, postcode: str, at: GeoPoint) -> ProtectedPerson:
    address = Address((line, "Birmingham"), postcode, at)
    return ProtectedPerson(person_id, name, RestrictedDetails(address=address))


def _defendant(
    defendant_id: str, name: str, *linked: tuple[Identity, pendulum.DateTime]
) -> Defendant:
    defendant = Defendant(defendant_id, (NameUse(name),))
    for identity, when in linked:
        defendant = defendant.link(identity, when)
    return defendant


def _full(
    order_id: str,
    defendant_id: str,
    persons: tuple[str, ...],
    made_at: pendulum.DateTime,
    *terms: Term,
    replaces: Order | None = None,
) -> Order:
    made = make_order(
        order_id=order_id,
        kind=OrderKind.FULL,
        defendant_id=defendant_id,
        protected_person_ids=persons,
        applicant=_CHIEF,
        court=_COURT,
        made_at=made_at,
        terms=terms,
        duration=_TWO_YEARS,
        application_id=f"APP-{defendant_id}",
        replaces=replaces,
        reason="made on the chief officer's application",
    )
    return made.order


def _served(order: Order, at: pendulum.DateTime) -> Order:
    return serve_order(order, at=at, actor=_ACTOR).subject


def _message(
    incident_id: str,
    at: pendulum.DateTime,
    actor: Identity,
    target: str,
    summary: str,
    *,
    kind: IncidentKind = IncidentKind.MESSAGE,
    reported: pendulum.DateTime | None = None,
) -> Incident:
    return Incident(
        incident_id=incident_id,
        occurred_at=at,
        kind=kind,
        actor=actor,
        target_person_id=target,
        summary=summary,
        reported_at=reported or at.add(hours=20),
    )


@attrs.define
class _Builder:
    """Collects the scenario's records case by case."""

    rng: random.Random
    defendants: list[Defendant] = attrs.field(factory=list)
    persons: list[ProtectedPerson] = attrs.field(factory=list)
    orders: list[Order] = attrs.field(factory=list)
    duties: list[NotificationDuty] = attrs.field(factory=list)
    incidents: list[Incident] = attrs.field(factory=list)
    cases: list[Case] = attrs.field(factory=list)
    compliance: list[ComplianceRecord] = attrs.field(factory=list)

    def seed_story(self) -> None:
        """An SPO banning Instagram, Facebook and Twitter; 104 messages in one day from a new
        account, linked to the defendant only afterwards."""
        account = handle("instagram", "truth_teller_2026")
        self.persons.append(
            _person(
                "P-1001", "Sarah Collins", "14 Wren Close", "B17 0QT", GeoPoint(52.4589, -1.9546)
            )
        )
        self.defendants.append(
            _defendant(
                "D-1001",
                "Mark Ellison",
                (phone("07700 900101"), _at(2, 3, 10)),
                (account, _at(17, 3, 11, 20)),
            )
        )
        order = _full(
            "SPO-1001",
            "D-1001",
            ("P-1001",),
            _at(2, 3, 10, 30),
            PlatformBan(term_id="T1", platforms=("instagram", "facebook", "twitter")),
            NoOnlineReference(term_id="T2", persons=("P-1001",)),
            PositiveRequirement(
                term_id="T3",
                requirement=RequirementKind.PERPETRATOR_PROGRAMME,
                description="attend an assessment for a stalking perpetrator programme",
                due_on=pendulum.Date(2026, 6, 30),
            ),
        )
        self.orders.append(_served(order, _at(2, 3, 14, 5)))
        start = _at(14, 3, 7, 2).int_timestamp
        times = sorted(self.rng.sample(range(start, start + 16 * 3600), SEED_MESSAGES))
        for n, moment in enumerate(times):
            at = pendulum.from_timestamp(moment, tz="Europe/London")
            text = _ABUSE[self.rng.randrange(len(_ABUSE))]
            self.incidents.append(
                _message(
                    f"DEMO-1001-{n + 1:03d}", at, account, "P-1001", text, reported=_at(15, 3, 10)
                )
            )
        self.cases.append(
            Case(
                "seed",
                f"{SEED_MESSAGES} abusive Instagram messages in one day from a new account",
                "D-1001",
                ("SPO-1001",),
                "the account was linked to the defendant on 17 March, after the messages",
            )
        )

    def exclusion_zone(self) -> None:
        """Sightings closing in on an exclusion zone, then a GPS fix inside it; and a course
        of conduct against a person no order protects yet.

        Zone A covers P-1002's home without pinpointing it: the defendant is shown the
        zone, so it is a 650 m circle around a public place (a park gate) about 460 m
        south-west of the home, never a circle centred on the home itself.
        """
        home = GeoPoint(52.4721, -1.9307)
        park_gate = GeoPoint(52.4690, -1.9352)
        self.persons.append(_person("P-1002", "Priya Shah", "3 Calthorpe Road", "B15 1QQ", home))
        self.persons.append(
            _person(
                "P-1009", "Hannah Boyd", "27 Moor Green Lane", "B13 8NE", GeoPoint(52.43, -1.89)
            )
        )
        mobile = phone("07700 900102")
        self.defendants.append(
            _defendant("D-1002", "Liam Hargreaves", (mobile, _at(10, 11, 12, year=2025)))
        )
        order = _full(
            "SPO-1002",
            "D-1002",
            ("P-1002",),
            _at(10, 11, 10, year=2025),
            NoContact(term_id="T1", persons=("P-1002",)),
            ExclusionZone(term_id="T2", zone=Circle(park_gate, 650.0), label="Zone A"),
        )
        self.orders.append(_served(order, _at(11, 11, 9, year=2025)))
        approach = ((0.0085, 17, 18), (0.0062, 17, 21), (0.0047, 18, 19))
        for n, (offset, day, hour) in enumerate(approach, start=1):
            self.incidents.append(
                Incident(
                    incident_id=f"DEMO-1002-S{n}",
                    occurred_at=_at(day, 3, hour, 15),
                    kind=IncidentKind.SIGHTING,
                    defendant_id="D-1002",
                    location=GeoPoint(round(home.lat + offset, 6), home.lon),
                    summary="Seen by a patrol officer walking towards the area",
                    reported_at=_at(day, 3, hour + 1),
                )
            )
        self.incidents.append(
            Incident(
                incident_id="DEMO-1002-G1",
                occurred_at=_at(18, 3, 21, 40),
                kind=IncidentKind.LOCATION_FIX,
                defendant_id="D-1002",
                location=GeoPoint(round(home.lat + 0.0012, 6), round(home.lon - 0.0009, 6)),
                summary="Electronic monitoring fix inside the exclusion zone",
                reported_at=_at(18, 3, 21, 52),
            )
        )
        for n, day in enumerate((10, 13, 16), start=1):
            self.incidents.append(
                _message(
                    f"DEMO-1002-C{n}",
                    _at(day, 3, 22, 30),
                    mobile,
                    "P-1009",
                    "Texts demanding to know where she has been and who she was with",
                )
            )
        self.cases.append(
            Case(
                "zone",
                "exclusion zone approached, then entered",
                "D-1002",
                ("SPO-1002",),
                alert_kinds=("breach", "escalation"),
            )
        )
        self.cases.append(
            Case(
                "course",
                "course of conduct against a person no order protects yet",
                "D-1002",
                note="P-1009 is not protected by any order: the alert suggests an SPO application",
                alert_kinds=("course_of_conduct",),
            )
        )

    def missed_notification(self) -> None:
        """Served on 9 March; nothing notified by the end of 11 March (SPA2019 s.9(1))."""
        self.persons.append(
            _person("P-1003", "Joanne Price", "8 Oakfield Road", "B29 7HH", GeoPoint(52.44, -1.94))
        )
        self.defendants.append(_defendant("D-1003", "Gary Norton"))
        order = _full(
            "SPO-1003",
            "D-1003",
            ("P-1003",),
            _at(9, 3, 10),
            NoContact(term_id="T1", persons=("P-1003",)),
            NoApproach(term_id="T2", persons=("P-1003",), distance_m=100.0),
        )
        served_at = _at(9, 3, 15)
        self.orders.append(_served(order, served_at))
        duty = open_duty(duty_id="DUTY-1003", order=order, local_police_area=_AREA)
        duty = record_service(duty, at=served_at, actor=_ACTOR).subject
        duty = check_deadline(duty, at=_at(12, 3, 9), actor="demo:deadline-job").subject
        self.duties.append(duty)
        self.cases.append(
            Case(
                "notification",
                "initial notification missed (3 days beginning with the day of service)",
                "D-1003",
                ("SPO-1003",),
                "served Mon 9 Mar 2026; the last day to notify was Wed 11 Mar 2026",
            )
        )

    def interim_then_full(self) -> None:
        """An interim order, a breach under it, then the full order replacing it."""
        self.persons.append(
            _person("P-1004", "Emma Turner", "51 Church Lane", "B20 2HP", GeoPoint(52.51, -1.91))
        )
        mobile = phone("07700 900104")
        self.defendants.append(_defendant("D-1004", "Kieran Walsh", (mobile, _at(12, 1, 12))))
        interim = make_order(
            order_id="SPO-1004-I",
            kind=OrderKind.INTERIM,
            defendant_id="D-1004",
            protected_person_ids=("P-1004",),
            applicant=_CHIEF,
            court=_COURT,
            made_at=_at(12, 1, 11),
            terms=(NoContact(term_id="T1", persons=("P-1004",)),),
            duration=Duration(months=3),
            application_id="APP-D-1004",
        ).order
        interim = serve_interim_order(interim, at=_at(12, 1, 16), actor=_ACTOR).subject
        duty = open_duty(duty_id="DUTY-1004", order=interim, local_police_area=_AREA)
        duty = record_service(duty, at=_at(12, 1, 16), actor=_ACTOR).subject
        duty = record_notification(
            duty, at=_at(13, 1, 10), actor=_ACTOR, station="Steelhouse Lane", police_area=_AREA
        ).subject
        full = _full(
            "SPO-1004",
            "D-1004",
            ("P-1004",),
            _at(23, 2, 11),
            NoContact(term_id="T1", persons=("P-1004",)),
            NoThirdPartyContact(term_id="T2", persons=("P-1004",)),
            replaces=interim,
        )
        interim = cease_on_determination(
            interim,
            at=_at(23, 2, 11),
            actor=_ACTOR,
            outcome=MainOutcome.GRANTED,
            application_id="APP-D-1004",
        ).subject
        full = _served(full, _at(23, 2, 11, 30))
        duty = replace_interim_with_full(
            duty, at=_at(23, 2, 11, 30), actor=_ACTOR, full_order_id="SPO-1004"
        ).subject
        self.orders += [interim, full]
        self.duties.append(duty)
        self.incidents.append(
            _message(
                "DEMO-1004-1",
                _at(2, 2, 23, 5),
                mobile,
                "P-1004",
                "Called twice late at night",
                kind=IncidentKind.CALL,
            )
        )
        self.incidents.append(
            _message(
                "DEMO-1004-2", _at(6, 3, 19, 45), mobile, "P-1004", "Text message asking to meet"
            )
        )
        self.cases.append(
            Case(
                "interim",
                "interim order, then the full order replacing it (SPA2019 s.5(6)(b), s.9(1)(a))",
                "D-1004",
                ("SPO-1004-I", "SPO-1004"),
                "the interim order ceased when the full order was made; the notification "
                "given under the interim order still stands",
            )
        )

    def discharge_refused(self) -> None:
        """The defendant applies to discharge before the 2-year point without the consents."""
        self.persons.append(
            _person("P-1005", "Laura Hughes", "2 Station Road", "B73 5JX", GeoPoint(52.56, -1.82))
        )
        self.defendants.append(_defendant("D-1005", "Shaun Pike"))
        order = _full(
            "SPO-1005",
            "D-1005",
            ("P-1005",),
            _at(2, 6, 10, year=2025),
            NoContact(term_id="T1", persons=("P-1005",)),
        )
        order = _served(order, _at(2, 6, 15, year=2025))
        try:
            discharge_order(
                order,
                at=_at(16, 3, 10),
                actor="demo:court clerk",
                applied_by=Party.defendant(),
                consents=(Party.defendant(),),
                home_force=_CHIEF,
            )
            note = "UNEXPECTED: the discharge was allowed"
        except GuardRejectedError as refused:
            note = f"{type(refused).__name__}: {refused}"
        self.orders.append(order)
        self.cases.append(
            Case(
                "discharge",
                "discharge refused before the 2-year point",
                "D-1005",
                ("SPO-1005",),
                note,
            )
        )

    def appeal_pending(self) -> None:
        """An appeal lodged (no stay, SPA2019 s.7); a breach while it is pending."""
        self.persons.append(
            _person("P-1006", "Chloe Martin", "19 Hagley Road", "B16 8LB", GeoPoint(52.47, -1.93))
        )
        mobile = phone("07700 900106")
        self.defendants.append(_defendant("D-1006", "Darren Cole", (mobile, _at(2, 2, 12))))
        order = _full(
            "SPO-1006",
            "D-1006",
            ("P-1006",),
            _at(2, 2, 10),
            NoContact(term_id="T1", persons=("P-1006",)),
        )
        order = _served(order, _at(2, 2, 16))
        order = lodge_appeal(order, at=_at(20, 2, 12), actor="demo:crown court").subject
        self.orders.append(order)
        self.incidents.append(
            _message(
                "DEMO-1006-1",
                _at(12, 3, 20, 10),
                mobile,
                "P-1006",
                "Phoned her workplace",
                kind=IncidentKind.CALL,
            )
        )
        self.cases.append(
            Case("appeal", "a breach while an appeal is pending", "D-1006", ("SPO-1006",))
        )

    def renewal_due(self) -> None:
        """A 2-year order ending on 12 May 2026: inside the renewal-review window."""
        self.persons.append(
            _person("P-1007", "Rachel Evans", "7 Mill Street", "B72 1TJ", GeoPoint(52.56, -1.82))
        )
        self.defendants.append(_defendant("D-1007", "Neil Foster"))
        order = _full(
            "SPO-1007",
            "D-1007",
            ("P-1007",),
            _at(13, 5, 10, year=2024),
            NoContact(term_id="T1", persons=("P-1007",)),
        )
        self.orders.append(_served(order, _at(13, 5, 15, year=2024)))
        self.cases.append(
            Case(
                "renewal",
                "renewal review due (last day: Tue 12 May 2026 (London))",
                "D-1007",
                ("SPO-1007",),
            )
        )

    def third_party(self) -> None:
        """Contact through the defendant's sister."""
        self.persons.append(
            _person("P-1008", "Amy Clarke", "40 Bristol Road", "B5 7SS", GeoPoint(52.46, -1.91))
        )
        self.defendants.append(_defendant("D-1008", "Craig Dunn"))
        order = _full(
            "SPO-1008",
            "D-1008",
            ("P-1008",),
            _at(5, 1, 10),
            NoContact(term_id="T1", persons=("P-1008",)),
            NoThirdPartyContact(term_id="T2", persons=("P-1008",)),
        )
        self.orders.append(_served(order, _at(5, 1, 14)))
        self.incidents.append(
            Incident(
                incident_id="DEMO-1008-1",
                occurred_at=_at(17, 3, 13, 0),
                kind=IncidentKind.THIRD_PARTY_CONTACT,
                defendant_id="D-1008",
                target_person_id="P-1008",
                via_third_party=True,
                summary="His sister came to her door with a letter from him",
                reported_at=_at(17, 3, 15, 30),
            )
        )
        self.cases.append(
            Case("third_party", "contact through a third party", "D-1008", ("SPO-1008",))
        )

    def requirements(self) -> None:
        """Positive requirements (SPA2019 s.1(2)(b)): an assessment attended in time, devices
        not surrendered by their due day, and Monday sign-ons with one Monday missed."""
        self.persons.append(
            _person("P-1010", "Megan Lloyd", "11 Vicarage Road", "B14 7QH", GeoPoint(52.43, -1.88))
        )
        self.defendants.append(_defendant("D-1010", "Wayne Doyle"))
        order = _full(
            "SPO-1010",
            "D-1010",
            ("P-1010",),
            _at(5, 1, 10),
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
        order = _served(order, _at(5, 1, 15))
        self.orders.append(order)
        missed = pendulum.Date(2026, 3, 2)
        self.compliance += [
            r
            for r in complied(order, NOW)
            if r.term_id != "T3" and not (r.term_id == "T4" and r.at.date() == missed)
        ]
        self.cases.append(
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


def build_scenario(*, seed: int = 0, scale: int = DEFAULT_SCALE) -> Scenario:
    """The demo scenario for ``seed`` at ``scale`` units of background volume (0: none)."""
    builder = _Builder(random.Random(f"spo-demo-{seed}"))
    builder.seed_story()
    builder.exclusion_zone()
    builder.missed_notification()
    builder.interim_then_full()
    builder.discharge_refused()
    builder.appeal_pending()
    builder.renewal_due()
    builder.third_party()
    builder.requirements()
    force = synthetic_force(
        seed, defendants=BACKGROUND_DEFENDANTS * scale, orders=BACKGROUND_ORDERS * scale
    )
    return Scenario(
        seed=seed,
        scale=scale,
        defendants=(*builder.defendants, *force.defendants),
        protected_persons=(*builder.persons, *force.protected_persons),
        orders=(*builder.orders, *force.orders),
        duties=tuple(builder.duties),
        cases=tuple(builder.cases),
        incidents=tuple(builder.incidents),
        background=force,
        background_incidents=BACKGROUND_INCIDENTS * scale,
        compliance=tuple(builder.compliance),
    )
