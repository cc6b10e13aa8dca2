"""A small, hostile world for report tests: real detection over hand-built records.

One defendant (D1) under a full order protecting P1, whose restricted
compartment holds a home address and position; incidents whose summaries try
to smuggle markup, P1's name, address, postcode and coordinates into a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs
import pendulum

from spo_tracker.detection.engine import Detector
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.identities import handle
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
    ChiefOfficer,
    Defendant,
    Force,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
)
from spo_tracker.domain.statutory_time import as_london_date
from spo_tracker.domain.terms import ExclusionZone, NoContact, PlatformBan
from spo_tracker.reports import ReportContext

CHIEF: Final = ChiefOfficer(Force("20", "West Midlands Police"))
MADE: Final = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/London")
NOW: Final = pendulum.datetime(2026, 3, 20, 9, 0, tz="Europe/London")
HOME: Final = GeoPoint(52.4601, -1.9502)
VICTIM_NAME: Final = "Sarah Collins"
ADDRESS_LINE: Final = "12 Acacia Avenue"
POSTCODE: Final = "B17 9XX"
HOSTILE: Final = "<script>document.title='pwned'</script>"
ACCOUNT: Final = handle("instagram", "new_account_2026")

VICTIM: Final = ProtectedPerson(
    "P1",
    VICTIM_NAME,
    RestrictedDetails(
        address=Address((ADDRESS_LINE, "Harborne", "Birmingham"), POSTCODE, HOME),
        places=(("work", GeoPoint(52.4810, -1.8990)),),
    ),
)
DEFENDANT: Final = Defendant("D1", (NameUse("Mark Ellison"),)).link(
    ACCOUNT, pendulum.datetime(2026, 3, 16, 12, 0, tz="Europe/London")
)


def seed_order(*, order_id: str = "SPO-1", appeal_pending: bool = False) -> Order:
    """A full 2-year order banning three platforms, contact, and a zone around P1's home."""
    made_on = as_london_date(MADE)
    duration = Duration(years=2)
    terms = (
        PlatformBan(term_id="T1", platforms=("instagram", "facebook", "twitter")),
        NoContact(term_id="T2", persons=("P1",)),
        ExclusionZone(term_id="T3", zone=Circle(HOME, 500.0), label="Zone A"),
    )
    version = OrderVersion(
        1, VersionCause.MADE, made_on, duration, duration.period_from(made_on), terms
    )
    return Order(
        order_id=order_id,
        kind=OrderKind.FULL,
        origin=OrderOrigin.POLICE_APPLICATION,
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=CHIEF,
        court="Birmingham Magistrates' Court",
        made_at=MADE,
        versions=(version,),
        state=OrderState.SERVED,
        served_at=MADE.add(hours=2),
        appeal_pending=appeal_pending,
    )


_SUMMARIES: Final = (
    HOSTILE,
    f"Says he saw {VICTIM_NAME} outside {ADDRESS_LINE}, {POSTCODE}",
    "Sent a pin at 52.4601, -1.9502 with 'I know where you are'",
    'Quotes "you & me" and a <b>bold</b> claim',
    "sarah, answer me",
)


def messages(
    count: int, *, day: pendulum.DateTime | None = None, summaries: Sequence[str] = _SUMMARIES
) -> list[Incident]:
    """``count`` Instagram messages from the new account to P1 over one London day."""
    start = day or pendulum.datetime(2026, 3, 14, 7, 0, tz="Europe/London")
    return [
        Incident(
            incident_id=f"M{n:03d}",
            occurred_at=start.add(minutes=9 * n),
            kind=IncidentKind.MESSAGE,
            actor=ACCOUNT,
            target_person_id="P1",
            summary=summaries[n % len(summaries)],
            reported_at=start.add(days=1),
        )
        for n in range(count)
    ]


def zone_entry() -> Incident:
    """A location fix of D1 inside the exclusion zone, 100 m from P1's home."""
    return Incident(
        incident_id="L001",
        occurred_at=pendulum.datetime(2026, 3, 15, 22, 10, tz="Europe/London"),
        kind=IncidentKind.LOCATION_FIX,
        defendant_id="D1",
        location=GeoPoint(52.4610, -1.9502),
        summary=f"GPS fix near {ADDRESS_LINE}",
        reported_at=pendulum.datetime(2026, 3, 16, 8, 0, tz="Europe/London"),
    )


@attrs.frozen
class World:
    """The records, incidents and the alerts detection raised from them."""

    orders: tuple[Order, ...]
    incidents: tuple[Incident, ...]
    alerts: tuple[Alert, ...]

    @property
    def context(self) -> ReportContext:
        """The report context over everything in the world."""
        return ReportContext.of(
            orders=self.orders,
            defendants=(DEFENDANT,),
            protected_persons=(VICTIM,),
            incidents=self.incidents,
        )


def world(count: int = 12, *, appeal_pending: bool = False) -> World:
    """Detection over ``count`` messages and one zone entry against the seed order."""
    orders = (seed_order(appeal_pending=appeal_pending),)
    incidents = (*messages(count), zone_entry())
    detector = Detector(orders, (DEFENDANT,), protected_persons=(VICTIM,))
    return World(orders, incidents, detector.scan(incidents).alerts)
