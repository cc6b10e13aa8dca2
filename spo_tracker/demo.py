"""The bundled demo (grown into the full SQLite scenario by the demo issue)."""

from __future__ import annotations

import argparse

import pendulum

from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderVersion,
    VersionCause,
)
from spo_tracker.domain.people import ChiefOfficer, Force
from spo_tracker.domain.statutory_time import as_london_date, days_beginning_with
from spo_tracker.domain.terms import NoContact, PlatformBan

__all__ = ["run_demo"]


def run_demo(args: argparse.Namespace) -> int:
    """Build the seed order and print what it says and when its deadlines fall."""
    made_at = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/London")
    made_on = as_london_date(made_at)
    duration = Duration(years=2)
    order = Order(
        order_id="SPO-DEMO-1",
        kind=OrderKind.FULL,
        origin=OrderOrigin.POLICE_APPLICATION,
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=ChiefOfficer(Force("20", "West Midlands Police")),
        court="Birmingham Magistrates' Court",
        made_at=made_at,
        versions=(
            OrderVersion(
                number=1,
                cause=VersionCause.MADE,
                decided_on=made_on,
                duration=duration,
                period=duration.period_from(made_on),
                terms=(
                    NoContact(term_id="T1", persons=("P1",)),
                    PlatformBan(term_id="T2", platforms={"instagram", "facebook", "twitter"}),
                ),
            ),
        ),
    )
    print(f"Order {order.order_id} ({order.kind.value}, result code {order.kind.result_code})")
    for term in order.terms:
        print(f"  {term.CODE} {term.render({'P1': 'the protected person'})}")
    print(f"  2-year point (SPA2019 s.4(4)(b)): end of {order.two_year_point.last_day}")
    served = days_beginning_with(made_on, 3)
    print(f"  initial notification due by (SPA2019 s.9(1)): end of {served.last_day}")
    return 0
