"""Walks through every lifecycle by its use-case functions: every table event fires at least once.

Each walk returns the ``Fired`` results in the order they happened, so the event
tests can check the event of every transition the Act allows, built from real
subjects (not hand-made records).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spo_tracker.domain.lifecycles import (
    dismiss_appeal,
    expire_order,
    lodge_appeal,
    quash_on_appeal,
    serve_order,
    vary_on_appeal,
)
from spo_tracker.domain.lifecycles.application import (
    AreaConnection,
    CourtFindings,
    allow_interim_refusal_appeal,
    allow_refusal_appeal,
    apply_for_interim,
    decide_interim,
    dismiss_refusal_appeal,
    grant_application,
    lay_application,
    lodge_interim_refusal_appeal,
    lodge_refusal_appeal,
    refuse_application,
    withdraw_application,
)
from spo_tracker.domain.lifecycles.breach_review import (
    DismissalReason,
    assign_review,
    confirm_and_refer,
    dismiss,
    give_warning,
    start_review,
)
from spo_tracker.domain.lifecycles.full_order import (
    discharge_on_appeal,
    discharge_order,
    renew_order,
    restore_on_appeal,
    vary_order,
)
from spo_tracker.domain.lifecycles.interim_order import (
    MainOutcome,
    cease_on_determination,
    discharge_interim_order,
    renew_interim_order,
    vary_interim_order,
)
from spo_tracker.domain.lifecycles.notification_duty import (
    acknowledge_notification,
    check_deadline,
    open_duty,
    order_ended,
    part2_final_day,
    part2_registered,
    record_false_information,
    record_new_home_address,
    record_new_name,
    record_notification,
    record_refusal,
    record_service,
    replace_interim_with_full,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.notification import IdentityCheck, NotificationDuty
from spo_tracker.domain.orders import Duration, Order
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.terms import NoContact, NoSurveillance
from tests.lifecycles.builders import WMP, draft, full, interim, london, review

__all__ = ["ALL_WALKS", "NEW_ADDRESS", "NEW_NAME", "every_fired"]

ACTOR = "PC 4471"
OFFICER = Party.chief_officer(WMP)
FINDINGS = CourtFindings(True, True, True)
#: Personal details a duty walk notifies: events must never carry them.
NEW_NAME = "Alexander Sample"
NEW_ADDRESS = "27 Larch Grove, Selly Oak"
EXTRA = NoSurveillance(term_id="T2", persons=("P1",))

Walk = list[Fired[Any]]


def _chain(start: Any, *steps: Any) -> Walk:
    """Fire ``steps`` (functions of the current subject) in turn from ``start``."""
    fired: Walk = []
    subject = start
    for step in steps:
        result = step(subject)
        fired.append(result)
        subject = result.subject
    return fired


def application_walks() -> list[Walk]:
    """Laid, interim applied and decided, granted; refused, appealed, dismissed;
    refused, appealed, made on appeal;
    interim orders refused and appealed: dismissed, made on appeal, lapsed on determination."""
    laid_at = london(2026, 2, 2, 10)
    lay = lambda a: lay_application(  # noqa: E731
        a, at=laid_at, actor=ACTOR, area_connection=AreaConnection.RESIDES_IN_AREA
    )
    appeal = lambda a: lodge_refusal_appeal(  # noqa: E731
        a, at=laid_at.add(days=20), actor="force solicitor", appellant=OFFICER
    )
    return [
        _chain(
            draft(),
            lay,
            lambda a: apply_for_interim(a, at=laid_at.add(days=1), actor=ACTOR, applicant=WMP),
            lambda a: decide_interim(
                a, at=laid_at.add(days=2), actor=ACTOR, granted=True, interim_order_id="ISPO-1"
            ),
            lambda a: grant_application(
                a, at=laid_at.add(days=40), actor=ACTOR, findings=FINDINGS, order_id="SPO-1"
            ),
        ),
        _chain(
            draft(),
            lay,
            lambda a: refuse_application(a, at=laid_at.add(days=9), actor=ACTOR),
            appeal,
            lambda a: dismiss_refusal_appeal(a, at=laid_at.add(days=60), actor="Crown Court"),
        ),
        _chain(  # one appeal per refusal (s.7(4)): allowed on a second refused application
            draft(),
            lay,
            lambda a: refuse_application(a, at=laid_at.add(days=9), actor=ACTOR),
            appeal,
            lambda a: allow_refusal_appeal(
                a, at=laid_at.add(days=90), actor="Crown Court", findings=FINDINGS, order_id="SPO-9"
            ),
        ),
        _chain(draft(), lambda a: withdraw_application(a, at=laid_at, actor=ACTOR, note="no")),
        *interim_appeal_walks(lay, laid_at),
    ]


def interim_appeal_walks(lay: Any, laid_at: Any) -> list[Walk]:
    """The refusal of an interim order appealed (s.7(2)): dismissed, a later refusal's appeal
    allowed, then a
    second refusal's appeal lapsing when the application is granted (s.5(6)(b)); and one
    lapsing when it is withdrawn."""

    def apply(days: int) -> Callable[[Any], Fired[Any]]:
        return lambda a: apply_for_interim(a, at=laid_at.add(days=days), actor=ACTOR, applicant=WMP)

    def refuse(days: int) -> Callable[[Any], Fired[Any]]:
        return lambda a: decide_interim(a, at=laid_at.add(days=days), actor=ACTOR, granted=False)

    def appeal(days: int) -> Callable[[Any], Fired[Any]]:
        return lambda a: lodge_interim_refusal_appeal(
            a, at=laid_at.add(days=days), actor="force solicitor", appellant=OFFICER
        )

    return [
        _chain(
            draft(),
            lay,
            apply(1),
            refuse(2),
            appeal(5),
            lambda a: dismiss_refusal_appeal(a, at=laid_at.add(days=12), actor="Crown Court"),
            apply(13),  # one appeal per refusal (s.7(4)): a later refusal is appealed
            refuse(14),
            appeal(15),
            lambda a: allow_interim_refusal_appeal(
                a, at=laid_at.add(days=19), actor="Crown Court", interim_order_id="ISPO-CC"
            ),
            apply(20),
            refuse(21),
            appeal(22),
            lambda a: grant_application(
                a, at=laid_at.add(days=40), actor=ACTOR, findings=FINDINGS, order_id="SPO-2"
            ),
        ),
        _chain(
            draft(),
            lay,
            apply(1),
            refuse(2),
            appeal(5),
            lambda a: withdraw_application(a, at=laid_at.add(days=8), actor=ACTOR),
        ),
    ]


def _order_appeals(start: Any, served_at: Any) -> list[Walk]:
    """Service, then an appeal dismissed, varied and quashed (each lodged after the last)."""
    serve = lambda o: serve_order(o, at=served_at, actor=ACTOR)  # noqa: E731

    def lodge(days: int) -> Callable[[Order], Fired[Order]]:
        return lambda o: lodge_appeal(o, at=served_at.add(days=days), actor="solicitor")

    return [
        _chain(
            start,
            serve,
            lodge(3),
            lambda o: dismiss_appeal(o, at=served_at.add(days=9), actor="Crown Court"),
            lodge(10),
            lambda o: vary_on_appeal(
                o,
                at=served_at.add(days=12),
                actor="Crown Court",
                terms=(NoContact(term_id="T1", persons=("P1",)), EXTRA),
            ),
            lodge(13),
            lambda o: quash_on_appeal(o, at=served_at.add(days=14), actor="Crown Court"),
        )
    ]


def interim_walks() -> list[Walk]:
    """Varied, renewed, appeals; discharged; expired; ceased on determination."""
    served_at = london(2026, 3, 2, 15)
    made = interim()
    return [
        _chain(
            made,
            lambda o: serve_order(o, at=served_at, actor=ACTOR),
            lambda o: vary_interim_order(
                o,
                at=served_at.add(days=2),
                actor=ACTOR,
                applied_by=OFFICER,
                terms=(NoContact(term_id="T1", persons=("P1",)), EXTRA),
            ),
            lambda o: renew_interim_order(
                o,
                at=served_at.add(days=20),
                actor=ACTOR,
                applied_by=OFFICER,
                duration=Duration(weeks=12),
            ),
        ),
        *_order_appeals(made, served_at),
        _chain(
            made,
            lambda o: discharge_interim_order(
                o, at=served_at.add(days=5), actor=ACTOR, applied_by=Party.defendant()
            ),
        ),
        _chain(made, lambda o: expire_order(o, at=served_at.add(weeks=9), actor="system:expiry")),
        _chain(
            made,
            lambda o: cease_on_determination(
                o,
                at=served_at.add(days=30),
                actor=ACTOR,
                outcome=MainOutcome.GRANTED,
                application_id="APP-1",
            ),
        ),
    ]


def full_walks() -> list[Walk]:
    """Varied, renewed, appeals; discharged with the s.4(4)(b) consents; expired."""
    served_at = london(2026, 3, 2, 15)
    made = full()
    return [
        _chain(
            made,
            lambda o: serve_order(o, at=served_at, actor=ACTOR),
            lambda o: vary_order(
                o,
                at=served_at.add(days=30),
                actor=ACTOR,
                applied_by=OFFICER,
                terms=(NoContact(term_id="T1", persons=("P1",)), EXTRA),
                necessary_to_protect=True,
            ),
            lambda o: renew_order(
                o,
                at=served_at.add(years=1),
                actor=ACTOR,
                applied_by=OFFICER,
                duration=Duration(years=3),
            ),
        ),
        *_order_appeals(made, served_at),
        _chain(
            made,
            lambda o: vary_order(
                o,
                at=served_at.add(days=20),
                actor=ACTOR,
                applied_by=Party.defendant(),
                terms=(NoContact(term_id="T1", persons=("P1",)), EXTRA),
                necessary_to_protect=True,
            ),
            lambda o: lodge_appeal(
                o,
                at=served_at.add(days=25),
                actor="force solicitor",
                appellant=OFFICER,
                against=AppealAgainst.s4_order(version=2, on_application_of=Party.defendant()),
            ),
        ),
        _chain(
            made,
            lambda o: serve_order(o, at=served_at, actor=ACTOR),
            lambda o: discharge_order(
                o,
                at=served_at.add(days=100),
                actor=ACTOR,
                applied_by=OFFICER,
                consents=(Party.defendant(), OFFICER),
            ),
            lambda o: lodge_appeal(
                o,
                at=served_at.add(days=110),
                actor="defence solicitor",
                against=AppealAgainst.discharge(on_application_of=OFFICER),
            ),
            lambda o: restore_on_appeal(o, at=served_at.add(days=150), actor="Crown Court"),
            lambda o: lodge_appeal(
                o,
                at=served_at.add(days=160),
                actor="defence solicitor",
                against=AppealAgainst.discharge_refusal(on_application_of=Party.defendant()),
            ),
            lambda o: discharge_on_appeal(o, at=served_at.add(days=200), actor="Crown Court"),
        ),
        _chain(
            made, lambda o: expire_order(o, at=served_at.add(years=2, days=2), actor="system:x")
        ),
    ]


def duty_walks() -> list[Walk]:
    """Due, missed, notified late, acknowledged, changes, refusals, transfer, exemption, end."""
    served_at = london(2026, 3, 10, 14)
    start = open_duty(duty_id="DUTY-1", order=interim(), local_police_area="West Midlands")

    def notify(d: NotificationDuty, days: int) -> Fired[NotificationDuty]:
        return record_notification(
            d,
            at=served_at.add(days=days),
            actor=ACTOR,
            station="Lloyd House",
            police_area="West Midlands",
        )

    return [
        _chain(
            start,
            lambda d: record_service(d, at=served_at, actor=ACTOR),
            lambda d: check_deadline(d, at=served_at.add(days=4), actor="system:deadlines"),
            lambda d: notify(d, 5),
            lambda d: acknowledge_notification(d, at=served_at.add(days=5, hours=1), actor=ACTOR),
            lambda d: record_new_name(d, at=served_at.add(days=8), actor=ACTOR, name=NEW_NAME),
            lambda d: record_new_home_address(
                d,
                at=served_at.add(days=9),
                actor=ACTOR,
                address=NEW_ADDRESS,
                police_area="West Midlands",
            ),
            lambda d: notify(d, 10),
            lambda d: record_refusal(
                d, at=served_at.add(days=10, hours=1), actor=ACTOR, refused=IdentityCheck.BOTH
            ),
            lambda d: record_false_information(
                d, at=served_at.add(days=11), actor=ACTOR, detail="the address was not his home"
            ),
            lambda d: replace_interim_with_full(
                d, at=served_at.add(days=30), actor=ACTOR, full_order_id="SPO-1"
            ),
            lambda d: part2_registered(d, at=served_at.add(days=40), actor="PPU"),
            lambda d: part2_final_day(d, at=served_at.add(days=60), actor="PPU"),
            lambda d: order_ended(d, at=served_at.add(days=90), actor=ACTOR),
        ),
        _chain(
            start,
            lambda d: part2_registered(d, at=served_at.subtract(days=5), actor="PPU"),
            lambda d: record_service(d, at=served_at, actor=ACTOR),
        ),
        _chain(
            start,
            lambda d: part2_registered(d, at=served_at.subtract(days=5), actor="PPU"),
            lambda d: part2_final_day(d, at=served_at.subtract(days=1), actor="PPU"),
        ),
    ]


def review_walks() -> list[Walk]:
    """Started and confirmed; dismissed on sight; started and dismissed as a duplicate;
    assigned, started and a warning given."""
    at = london(2026, 3, 11, 9)
    start = lambda r: start_review(r, at=at, actor="DS 12")  # noqa: E731
    return [
        _chain(
            review(),
            start,
            lambda r: confirm_and_refer(
                r, at=at.add(hours=2), actor="DS 12", referral_reference="20/1234/26"
            ),
        ),
        _chain(
            review(),
            lambda r: dismiss(r, at=at, actor="DS 12", reason=DismissalReason.FALSE_MATCH),
        ),
        _chain(
            review(),
            start,
            lambda r: dismiss(
                r,
                at=at.add(hours=1),
                actor="DS 12",
                reason=DismissalReason.DUPLICATE,
                duplicate_of="REV-0",
            ),
        ),
        _chain(
            review(),
            lambda r: assign_review(r, at=at, actor="Sgt 3", assignee="DS 12"),
            lambda r: start_review(r, at=at.add(hours=1), actor="DS 12"),
            lambda r: give_warning(r, at=at.add(hours=2), actor="DS 12", note="words of advice"),
        ),
    ]


ALL_WALKS = (application_walks, interim_walks, full_walks, duty_walks, review_walks)


def every_fired() -> list[Fired[Any]]:
    """Every transition of every walk, in order."""
    return [fired for walks in ALL_WALKS for walk in walks() for fired in walk]
