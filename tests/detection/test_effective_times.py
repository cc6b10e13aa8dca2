"""When an order bites: a variation from the moment decided, not in the discharged span.

Regressions for reviewer findings 5 (a variation applied from the start of its
London day) and 4 (an order restored on appeal treated as in force while it
stood discharged), through the real lifecycle and both detection paths.
"""

from __future__ import annotations

import pendulum

from spo_tracker.detection import ComplianceRecord, Detector, requirement_alerts
from spo_tracker.detection.compiled import version_spans
from spo_tracker.detection.rules import suspected_breaches
from spo_tracker.domain.incidents import IncidentKind as K
from spo_tracker.domain.lifecycles import lodge_appeal, serve_order
from spo_tracker.domain.lifecycles.full_order import (
    discharge_order,
    restore_on_appeal,
    vary_order,
)
from spo_tracker.domain.lifecycles.making import make_order
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.orders import Duration, Order
from spo_tracker.domain.people import ChiefOfficer, Force
from spo_tracker.domain.statutory_time import as_london_date
from spo_tracker.domain.terms import (
    NoContact,
    NoOnlineReference,
    PositiveRequirement,
    SignOnSchedule,
    Term,
)
from tests.detection.builders import incident, make_defendant

L = "Europe/London"
CO = ChiefOfficer(Force("20", "West Midlands Police"))
MADE = pendulum.datetime(2026, 3, 2, 10, tz=L)
T1 = NoContact(term_id="T1", persons=("P1",))
T2 = NoOnlineReference(term_id="T2", persons=("P1",))
POLICE, DEFENDANT = Party.chief_officer(CO), Party.defendant()


def _served(*terms: Term) -> Order:
    made = make_order(
        order_id="O1",
        kind="full",
        defendant_id="D1",
        protected_person_ids=["P1"],
        applicant=CO,
        court="Birmingham Magistrates' Court",
        made_at=MADE,
        terms=list(terms) or [T1],
        duration=Duration(years=2),
    ).order
    return serve_order(made, at=MADE.add(hours=1), actor="PC").subject


def _varied(order: Order, at: pendulum.DateTime, terms: list[Term]) -> Order:
    """``order`` varied by the court at ``at`` on the police's application, to ``terms``."""
    return vary_order(
        order, at=at, actor="court", applied_by=POLICE, terms=terms, necessary_to_protect=True
    ).subject


def _hits(order: Order, kind: K, at: pendulum.DateTime) -> set[str]:
    """Term ids the engine flags for one incident, checked against the rules' own answer."""
    event = incident("I1", at, kind)
    alerts = Detector([order], [make_defendant("D1")]).scan([event]).alerts
    engine = {a.term_id for a in alerts if a.term_id is not None}
    assert engine == {term.term_id for _, term in suspected_breaches(order, event)}
    return engine


def _restored() -> Order:
    """Discharged 10 June 2026 10:00, restored on appeal 9 August 2026 10:00."""
    discharged = discharge_order(
        _served(),
        at=pendulum.datetime(2026, 6, 10, 10, tz=L),
        actor="court",
        applied_by=DEFENDANT,
        consents=[DEFENDANT, POLICE],
        home_force=CO,
    ).subject
    appealed = lodge_appeal(
        discharged,
        at=pendulum.datetime(2026, 6, 11, 10, tz=L),
        actor="clerk",
        appellant=POLICE,
        against=AppealAgainst.discharge(on_application_of=DEFENDANT),
        home_force=CO,
    ).subject
    at = pendulum.datetime(2026, 8, 9, 10, tz=L)
    return restore_on_appeal(appealed, at=at, actor="Crown Court").subject


def test_a_term_added_at_1600_does_not_flag_a_post_at_0900_the_same_day() -> None:
    """Finding 5: the variation binds from 16:00, not from midnight."""
    varied = _varied(_served(), pendulum.datetime(2026, 4, 10, 16, tz=L), [T1, T2])
    assert _hits(varied, K.POST, pendulum.datetime(2026, 4, 10, 9, tz=L)) == set()
    assert _hits(varied, K.POST, pendulum.datetime(2026, 4, 10, 16, tz=L)) == {"T2"}


def test_a_term_removed_at_1600_still_flags_a_message_at_0900_the_same_day() -> None:
    """Finding 5: the term binds until the variation removing it is decided."""
    varied = vary_order(
        _served(T1, T2),
        at=pendulum.datetime(2026, 5, 1, 16, tz=L),
        actor="court",
        applied_by=DEFENDANT,
        terms=[T2],
    ).subject
    assert _hits(varied, K.MESSAGE, pendulum.datetime(2026, 5, 1, 9, tz=L)) == {"T1"}
    assert _hits(varied, K.MESSAGE, pendulum.datetime(2026, 5, 1, 16, tz=L)) == set()


def test_conduct_while_discharged_is_not_flagged_after_restoration() -> None:
    """Finding 4: no order was in force between the discharge and the restoration
    (SPA2019 s.7(4), s.8(1)); before and after, the order bites."""
    restored = _restored()
    assert _hits(restored, K.MESSAGE, pendulum.datetime(2026, 6, 10, 9, tz=L)) == {"T1"}
    assert _hits(restored, K.MESSAGE, pendulum.datetime(2026, 7, 10, 9, tz=L)) == set()
    assert _hits(restored, K.MESSAGE, pendulum.datetime(2026, 8, 9, 9, 59, tz=L)) == set()
    assert _hits(restored, K.MESSAGE, pendulum.datetime(2026, 8, 9, 10, tz=L)) == {"T1"}


def test_version_spans_leave_out_the_discharged_span() -> None:
    """The compiled spans of a restored order: before the discharge, after the restoration."""
    restored = _restored()
    spans = [(lo, hi) for lo, hi, _ in version_spans(restored)]
    off = pendulum.datetime(2026, 6, 10, 10, tz=L).timestamp()
    on = pendulum.datetime(2026, 8, 9, 10, tz=L).timestamp()
    assert restored.period is not None
    assert spans == [(MADE.timestamp(), off), (on, restored.period.ends_at.timestamp())]


def test_sign_on_days_in_the_discharged_span_are_not_missed() -> None:
    """Dated checks: a sign-on schedule does not bind while the order stood discharged, and
    a variation at midday keeping the schedule leaves that day bound throughout."""
    every_day = SignOnSchedule(term_id="S1", station="Lloyd House", weekdays=frozenset(range(7)))
    restored = _restored_with(every_day)
    at = pendulum.datetime(2026, 8, 20, tz=L)
    missed = requirement_alerts([restored], [], at, since=pendulum.datetime(2026, 6, 8, tz=L))
    days = {as_london_date(a.window_start) for a in missed if a.window_start is not None}
    assert pendulum.Date(2026, 6, 9) in days  # bound all day, before the discharge
    assert pendulum.Date(2026, 6, 10) not in days  # discharged at 10:00
    assert not any(pendulum.Date(2026, 6, 11) <= d <= pendulum.Date(2026, 8, 9) for d in days)
    assert pendulum.Date(2026, 8, 10) in days  # bound again all day
    signed = [ComplianceRecord("C1", "D1", "O1", "S1", pendulum.datetime(2026, 8, 10, 9, tz=L))]
    again = requirement_alerts([restored], signed, at, since=pendulum.datetime(2026, 8, 10, tz=L))
    assert pendulum.Date(2026, 8, 10) not in {
        as_london_date(a.window_start) for a in again if a.window_start is not None
    }


def _restored_with(term: SignOnSchedule) -> Order:
    """As :func:`_restored`, the order holding ``term`` too (added at midday 1 June)."""
    varied = _varied(_served(), pendulum.datetime(2026, 6, 1, 12, tz=L), [T1, term])
    kept = _varied(varied, pendulum.datetime(2026, 6, 5, 12, tz=L), [T1, term, T2])
    discharged = discharge_order(
        kept,
        at=pendulum.datetime(2026, 6, 10, 10, tz=L),
        actor="court",
        applied_by=DEFENDANT,
        consents=[DEFENDANT, POLICE],
        home_force=CO,
    ).subject
    appealed = lodge_appeal(
        discharged,
        at=pendulum.datetime(2026, 6, 11, 10, tz=L),
        actor="clerk",
        appellant=POLICE,
        against=AppealAgainst.discharge(on_application_of=DEFENDANT),
        home_force=CO,
    ).subject
    at = pendulum.datetime(2026, 8, 9, 10, tz=L)
    return restore_on_appeal(appealed, at=at, actor="Crown Court").subject


def test_a_midday_variation_keeping_a_sign_on_term_leaves_that_day_checked() -> None:
    """5 June: varied at 12:00 keeping S1 unchanged, so the day is bound throughout."""
    every_day = SignOnSchedule(term_id="S1", station="Lloyd House", weekdays=frozenset(range(7)))
    restored = _restored_with(every_day)
    at = pendulum.datetime(2026, 6, 9, tz=L)
    missed = requirement_alerts([restored], [], at, since=pendulum.datetime(2026, 6, 4, tz=L))
    days = {as_london_date(a.window_start) for a in missed if a.window_start is not None}
    assert days == {pendulum.Date(2026, 6, d) for d in (4, 5, 6, 7, 8)}


def _missed_days(order: Order, at: pendulum.DateTime, since: pendulum.DateTime) -> set[object]:
    missed = requirement_alerts([order], [], at, since=since)
    return {as_london_date(a.window_start) for a in missed if a.window_start is not None}


def test_a_midday_variation_changing_the_schedule_checks_a_day_both_schedules_keep() -> None:
    """Mondays, then from 12:00 on Monday 16 March Mondays and Thursdays: that Monday is a
    sign-on day under both versions, so with no sign-on it is missed (review R2, finding 3);
    a day only the new schedule has, split by the variation, is not checked."""
    mondays = SignOnSchedule(term_id="S1", station="Lloyd House", weekdays=frozenset({0}))
    both = SignOnSchedule(term_id="S1", station="Lloyd House", weekdays=frozenset({0, 3}))
    start = _varied(_served(), pendulum.datetime(2026, 3, 5, 12, tz=L), [T1, mondays])
    varied = _varied(start, pendulum.datetime(2026, 3, 16, 12, tz=L), [T1, both])
    at, since = pendulum.datetime(2026, 3, 24, tz=L), pendulum.datetime(2026, 3, 9, tz=L)
    assert _missed_days(varied, at, since) == {
        pendulum.Date(2026, 3, 9),  # Monday, the old schedule only
        pendulum.Date(2026, 3, 16),  # Monday, varied at noon: both schedules have Mondays
        pendulum.Date(2026, 3, 19),  # Thursday, the new schedule
        pendulum.Date(2026, 3, 23),  # Monday
    }
    # Varied at noon on Thursday 12 March instead: that Thursday was not a sign-on day under
    # the schedule in force that morning, so it is not checked.
    thursday = _varied(start, pendulum.datetime(2026, 3, 12, 12, tz=L), [T1, both])
    days = _missed_days(thursday, at, since)
    assert pendulum.Date(2026, 3, 12) not in days
    assert pendulum.Date(2026, 3, 19) in days


def test_compliance_before_a_requirement_existed_does_not_meet_it() -> None:
    """A requirement added by a variation on 20 March, due 1 April: a record dated 1 March
    (before the order was made) does not meet it (review R2, finding 2); one after does."""
    due = pendulum.Date(2026, 4, 1)
    assessment = PositiveRequirement(
        term_id="R1", requirement="assessment", description="attend an assessment", due_on=due
    )
    varied = _varied(_served(), pendulum.datetime(2026, 3, 20, 15, tz=L), [T1, assessment])
    now = pendulum.datetime(2026, 4, 10, tz=L)

    def missed(at: pendulum.DateTime) -> list[str]:
        record = ComplianceRecord("C1", "D1", "O1", "R1", at)
        return [a.rule_id for a in requirement_alerts([varied], [record], now)]

    assert missed(pendulum.datetime(2026, 3, 1, 9, tz=L)) == ["requirement.positive"]
    assert missed(pendulum.datetime(2026, 3, 20, 14, tz=L)) == ["requirement.positive"]
    assert missed(pendulum.datetime(2026, 3, 20, 16, tz=L)) == []
    assert missed(pendulum.datetime(2026, 3, 31, 16, tz=L)) == []
