"""The scenario's lifecycle stories: a missed notification, an interim order replaced
by a full one, a refused discharge, a pending appeal and a renewal coming due.

Each adds its records and its :class:`~spo_tracker.demo._common.Case` to the builder.
"""

from __future__ import annotations

from spo_tracker.demo._common import (
    ACTOR,
    AREA,
    CHIEF,
    COURT,
    Builder,
    Case,
    defendant_with,
    full_order,
    message,
    on_day,
    protected_person,
    served,
)
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import phone
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.lifecycles import lodge_appeal, make_order
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
from spo_tracker.domain.orders import Duration, OrderKind
from spo_tracker.domain.terms import (
    NoApproach,
    NoContact,
    NoThirdPartyContact,
)
from spo_tracker.errors import GuardRejectedError

__all__ = [
    "appeal_pending",
    "discharge_refused",
    "interim_then_full",
    "missed_notification",
    "renewal_due",
]


def missed_notification(builder: Builder) -> None:
    """Served on 9 March; nothing notified by the end of 11 March (SPA2019 s.9(1))."""
    builder.persons.append(
        protected_person(
            "P-1003", "Joanne Price", "8 Oakfield Road", "B29 7HH", GeoPoint(52.44, -1.94)
        )
    )
    builder.defendants.append(defendant_with("D-1003", "Gary Norton"))
    order = full_order(
        "SPO-1003",
        "D-1003",
        ("P-1003",),
        on_day(9, 3, 10),
        NoContact(term_id="T1", persons=("P-1003",)),
        NoApproach(term_id="T2", persons=("P-1003",), distance_m=100.0),
    )
    served_at = on_day(9, 3, 15)
    builder.orders.append(served(order, served_at))
    duty = open_duty(duty_id="DUTY-1003", order=order, local_police_area=AREA)
    duty = record_service(duty, at=served_at, actor=ACTOR).subject
    duty = check_deadline(duty, at=on_day(12, 3, 9), actor="demo:deadline-job").subject
    builder.duties.append(duty)
    builder.cases.append(
        Case(
            "notification",
            "initial notification missed (3 days beginning with the day of service)",
            "D-1003",
            ("SPO-1003",),
            "served Mon 9 Mar 2026; the last day to notify was Wed 11 Mar 2026",
        )
    )


def interim_then_full(builder: Builder) -> None:
    """An interim order, a breach under it, then the full order replacing it."""
    builder.persons.append(
        protected_person(
            "P-1004", "Emma Turner", "51 Church Lane", "B20 2HP", GeoPoint(52.51, -1.91)
        )
    )
    mobile = phone("07700 900104")
    builder.defendants.append(defendant_with("D-1004", "Kieran Walsh", (mobile, on_day(12, 1, 12))))
    interim = make_order(
        order_id="SPO-1004-I",
        kind=OrderKind.INTERIM,
        defendant_id="D-1004",
        protected_person_ids=("P-1004",),
        applicant=CHIEF,
        court=COURT,
        made_at=on_day(12, 1, 11),
        terms=(NoContact(term_id="T1", persons=("P-1004",)),),
        duration=Duration(months=3),
        application_id="APP-D-1004",
    ).order
    interim = serve_interim_order(interim, at=on_day(12, 1, 16), actor=ACTOR).subject
    duty = open_duty(duty_id="DUTY-1004", order=interim, local_police_area=AREA)
    duty = record_service(duty, at=on_day(12, 1, 16), actor=ACTOR).subject
    duty = record_notification(
        duty, at=on_day(13, 1, 10), actor=ACTOR, station="Steelhouse Lane", police_area=AREA
    ).subject
    full = full_order(
        "SPO-1004",
        "D-1004",
        ("P-1004",),
        on_day(23, 2, 11),
        NoContact(term_id="T1", persons=("P-1004",)),
        NoThirdPartyContact(term_id="T2", persons=("P-1004",)),
        replaces=interim,
    )
    interim = cease_on_determination(
        interim,
        at=on_day(23, 2, 11),
        actor=ACTOR,
        outcome=MainOutcome.GRANTED,
        application_id="APP-D-1004",
    ).subject
    full = served(full, on_day(23, 2, 11, 30))
    duty = replace_interim_with_full(
        duty, at=on_day(23, 2, 11, 30), actor=ACTOR, full_order_id="SPO-1004"
    ).subject
    builder.orders += [interim, full]
    builder.duties.append(duty)
    builder.incidents.append(
        message(
            "DEMO-1004-1",
            on_day(2, 2, 23, 5),
            mobile,
            "P-1004",
            "Called twice late at night",
            kind=IncidentKind.CALL,
        )
    )
    builder.incidents.append(
        message(
            "DEMO-1004-2", on_day(6, 3, 19, 45), mobile, "P-1004", "Text message asking to meet"
        )
    )
    builder.cases.append(
        Case(
            "interim",
            "interim order, then the full order replacing it (SPA2019 s.5(6)(b), s.9(1)(a))",
            "D-1004",
            ("SPO-1004-I", "SPO-1004"),
            "the interim order ceased when the full order was made; the notification "
            "given under the interim order still stands",
        )
    )


def discharge_refused(builder: Builder) -> None:
    """The defendant applies to discharge before the 2-year point without the consents."""
    builder.persons.append(
        protected_person(
            "P-1005", "Laura Hughes", "2 Station Road", "B73 5JX", GeoPoint(52.56, -1.82)
        )
    )
    builder.defendants.append(defendant_with("D-1005", "Shaun Pike"))
    order = full_order(
        "SPO-1005",
        "D-1005",
        ("P-1005",),
        on_day(2, 6, 10, year=2025),
        NoContact(term_id="T1", persons=("P-1005",)),
    )
    order = served(order, on_day(2, 6, 15, year=2025))
    try:
        discharge_order(
            order,
            at=on_day(16, 3, 10),
            actor="demo:court clerk",
            applied_by=Party.defendant(),
            consents=(Party.defendant(),),
            home_force=CHIEF,
        )
        note = "UNEXPECTED: the discharge was allowed"
    except GuardRejectedError as refused:
        note = f"{type(refused).__name__}: {refused}"
    builder.orders.append(order)
    builder.cases.append(
        Case(
            "discharge",
            "discharge refused before the 2-year point",
            "D-1005",
            ("SPO-1005",),
            note,
        )
    )


def appeal_pending(builder: Builder) -> None:
    """An appeal lodged (no stay, SPA2019 s.7); a breach while it is pending."""
    builder.persons.append(
        protected_person(
            "P-1006", "Chloe Martin", "19 Hagley Road", "B16 8LB", GeoPoint(52.47, -1.93)
        )
    )
    mobile = phone("07700 900106")
    builder.defendants.append(defendant_with("D-1006", "Darren Cole", (mobile, on_day(2, 2, 12))))
    order = full_order(
        "SPO-1006",
        "D-1006",
        ("P-1006",),
        on_day(2, 2, 10),
        NoContact(term_id="T1", persons=("P-1006",)),
    )
    order = served(order, on_day(2, 2, 16))
    order = lodge_appeal(order, at=on_day(20, 2, 12), actor="demo:crown court").subject
    builder.orders.append(order)
    builder.incidents.append(
        message(
            "DEMO-1006-1",
            on_day(12, 3, 20, 10),
            mobile,
            "P-1006",
            "Phoned her workplace",
            kind=IncidentKind.CALL,
        )
    )
    builder.cases.append(
        Case("appeal", "a breach while an appeal is pending", "D-1006", ("SPO-1006",))
    )


def renewal_due(builder: Builder) -> None:
    """A 2-year order ending on 12 May 2026: inside the renewal-review window."""
    builder.persons.append(
        protected_person(
            "P-1007", "Rachel Evans", "7 Mill Street", "B72 1TJ", GeoPoint(52.56, -1.82)
        )
    )
    builder.defendants.append(defendant_with("D-1007", "Neil Foster"))
    order = full_order(
        "SPO-1007",
        "D-1007",
        ("P-1007",),
        on_day(13, 5, 10, year=2024),
        NoContact(term_id="T1", persons=("P-1007",)),
    )
    builder.orders.append(served(order, on_day(13, 5, 15, year=2024)))
    builder.cases.append(
        Case(
            "renewal",
            "renewal review due (last day: Tue 12 May 2026 (London))",
            "D-1007",
            ("SPO-1007",),
        )
    )
