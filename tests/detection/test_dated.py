"""Dated rules: requirements, sign-on days, notification, interim endings and renewals."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection import (
    AlertKind,
    ComplianceRecord,
    DetectionConfig,
    Detector,
    interim_ending_alerts,
    notification_alerts,
    renewal_review_alerts,
    requirement_alerts,
)
from spo_tracker.domain.notification import (
    ClosedItem,
    Closure,
    IdentityCheck,
    ItemKind,
    NotifiableItem,
    NotificationDuty,
    Refusal,
)
from spo_tracker.domain.orders import Duration, Order, OrderKind, OrderState
from spo_tracker.domain.statutory_time import start_of_london_day
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError
from spo_tracker.reports import last_day_text
from tests.detection.builders import MADE, make_defendant, make_order
from tests.strategies import dst_change_days

SPRING = pendulum.Date(2026, 3, 29)  # clocks go forward: the London day is 23 hours
AUTUMN = pendulum.Date(2026, 10, 25)  # clocks go back: 25 hours


def _requirement(due: pendulum.Date) -> PositiveRequirement:
    return PositiveRequirement(
        term_id="T1", requirement="assessment", description="attend an assessment", due_on=due
    )


def _record(at: pendulum.DateTime, term_id: str = "T1") -> ComplianceRecord:
    return ComplianceRecord(f"C-{term_id}-{at.isoformat()}", "D1", "O1", term_id, at)


def test_a_requirement_met_in_the_last_london_hour_of_a_dst_day_is_in_time() -> None:
    """Due 29 March 2026: 23:30 BST (22:30 UTC) is in time; 00:30 BST the next day is late."""
    order = make_order(_requirement(SPRING))
    end = start_of_london_day(SPRING.add(days=1))
    assert end == pendulum.datetime(2026, 3, 29, 23, tz="UTC")
    later = end.add(days=2)
    in_time = _record(pendulum.datetime(2026, 3, 29, 22, 30, tz="UTC"))
    assert requirement_alerts([order], [in_time], later) == []
    late = _record(pendulum.datetime(2026, 3, 29, 23, 30, tz="UTC"))
    (alert,) = requirement_alerts([order], [late], later)
    assert alert.rule_id == "requirement.positive"
    assert alert.breach_time == end
    assert alert.deadline == end
    assert alert.section == "SPA2019 s.8(1)"
    assert alert.related_sections == ("SPA2019 s.1(2)(b)",)
    assert "recorded late" in alert.explanation


@given(day=dst_change_days(2021, 2035))
def test_requirement_deadlines_follow_london_days_across_clock_changes(day: pendulum.Date) -> None:
    """On any clock-change day, the failure starts at the next London midnight, not UTC's."""
    order = make_order(_requirement(day), made_at=start_of_london_day(day.subtract(days=30)))
    end = start_of_london_day(day.add(days=1))
    assert requirement_alerts([order], [], end.subtract(microseconds=1)) == []
    (alert,) = requirement_alerts([order], [], end)
    assert alert.breach_time == end
    assert requirement_alerts([order], [_record(end.subtract(microseconds=1))], end) == []


def test_a_requirement_of_an_unserved_order_is_flagged_pre_service() -> None:
    """Due before the order was served: flagged, and marked as a possible lack of knowledge."""
    due = MADE.add(days=5).date()
    order = make_order(_requirement(due), served_at=MADE.add(days=20))
    (alert,) = requirement_alerts([order], [], MADE.add(days=30))
    assert alert.pre_service


def test_a_requirement_whose_order_ended_first_does_not_fail() -> None:
    """An order discharged before the due date imposes nothing on that date."""
    order = make_order(
        _requirement(MADE.add(days=20).date()),
        state=OrderState.DISCHARGED,
        ended_at=MADE.add(days=10),
    )
    assert requirement_alerts([order], [], MADE.add(days=40)) == []


def test_missed_sign_on_days_are_grouped_and_a_dst_night_counts_for_its_london_day() -> None:
    """Sundays: 23:30 BST on 29 March (22:30 UTC) counts for it; 23:30 UTC is Monday."""
    schedule = SignOnSchedule(term_id="T2", station="Lloyd House", weekdays={6})
    order = make_order(schedule, made_at=pendulum.datetime(2026, 3, 1, 9, tz="Europe/London"))
    at = pendulum.datetime(2026, 4, 13, tz="Europe/London")
    sundays = [pendulum.Date(2026, 3, d) for d in (8, 15, 22, 29)] + [
        pendulum.Date(2026, 4, d) for d in (5, 12)
    ]
    signed = [_record(start_of_london_day(d).add(hours=10), "T2") for d in sundays]
    signed[3] = _record(pendulum.datetime(2026, 3, 29, 22, 30, tz="UTC"), "T2")
    assert requirement_alerts([order], signed, at) == []
    signed[3] = _record(pendulum.datetime(2026, 3, 29, 23, 30, tz="UTC"), "T2")
    (missed_29,) = requirement_alerts([order], signed, at)
    assert missed_29.count == 1
    assert missed_29.window_start == start_of_london_day(SPRING)
    missed = requirement_alerts([order], signed[:2], at, config=DetectionConfig(group_days=7))
    assert sum(a.count for a in missed) == 4
    assert all(a.rule_id == "requirement.sign_on" for a in missed)
    first = requirement_alerts([order], signed[:2], at, since=start_of_london_day(sundays[3]))
    assert sum(a.count for a in first) == 3


def test_the_day_an_order_is_made_is_not_a_sign_on_day() -> None:
    """Only whole London days in force count: the day made (from 09:00) does not."""
    made = pendulum.datetime(2026, 3, 1, 9, tz="Europe/London")  # a Sunday
    order = make_order(SignOnSchedule(term_id="T2", station="X", weekdays={6}), made_at=made)
    assert requirement_alerts([order], [], made.add(days=1)) == []


def _interim(application: str = "A1") -> Order:
    return make_order(
        SignOnSchedule(term_id="T1", station="X", weekdays={0}),
        kind=OrderKind.INTERIM,
        duration=Duration(months=2),
        application_id=application,
    )


def test_an_interim_order_near_its_end_with_the_application_open_raises_an_alert() -> None:
    """Within 14 London days of the end of its fixed period (SPA2019 s.5(6))."""
    order = _interim()
    end = start_of_london_day(pendulum.Date(2026, 3, 12))  # made 12 Jan, 2 months
    assert order.period is not None
    assert order.period.ends_at == end
    opens = start_of_london_day(pendulum.Date(2026, 2, 26))
    assert interim_ending_alerts([order], opens.subtract(microseconds=1)) == []
    (alert,) = interim_ending_alerts([order], opens)
    assert alert.kind is AlertKind.INTERIM_ENDING
    assert alert.deadline == end
    assert alert.identified_at == opens
    assert interim_ending_alerts([order], end) == []
    decided = interim_ending_alerts([order], opens, determined_application_ids={"A1"})
    assert decided == []


def test_a_fixed_full_order_near_expiry_raises_a_renewal_review() -> None:
    """90 London days before a fixed order expires (SPA2019 s.4); not for indefinite orders."""
    order = make_order(_requirement(MADE.add(days=30).date()))
    assert order.period is not None
    end = order.period.ends_at
    (alert,) = renewal_review_alerts([order], end.subtract(days=30))
    assert alert.kind is AlertKind.RENEWAL_REVIEW
    assert alert.section == "SPA2019 s.4"
    # The one wording of a deadline, as reports, CSV and case files give it.
    assert alert.title.endswith(f"; {last_day_text(end)}")
    assert renewal_review_alerts([order], end.subtract(days=120)) == []
    indefinite = make_order(_requirement(MADE.add(days=30).date()), duration=None)
    assert renewal_review_alerts([indefinite], end.subtract(days=30)) == []


def _duty(served: pendulum.Date, **changes: object) -> NotificationDuty:
    item = NotifiableItem.arising(ItemKind.INITIAL, served, "SPA2019 s.9(1)")
    values: dict[str, object] = {
        "duty_id": "N1",
        "defendant_id": "D1",
        "order_id": "O1",
        "local_police_area": "West Midlands",
        "served_on": served,
        "outstanding": (item,),
    }
    values.update(changes)
    return NotificationDuty(**values)  # type: ignore[arg-type]


def test_initial_notification_missed_across_the_spring_change_is_st19002() -> None:
    """Served 27 March 2026: due by the end of 29 March (23:00 UTC); failure from 30 March."""
    duty = _duty(pendulum.Date(2026, 3, 27))
    deadline = pendulum.datetime(2026, 3, 29, 23, tz="UTC")
    (soon,) = notification_alerts([duty], deadline.subtract(hours=2))
    assert soon.kind is AlertKind.DEADLINE_APPROACHING
    assert soon.deadline == deadline
    assert soon.cjs_code == "ST19002"
    (failure,) = notification_alerts([duty], deadline)
    assert failure.kind is AlertKind.NOTIFICATION
    assert failure.cjs_code == "ST19002"
    assert failure.breach_time == deadline
    assert failure.section == "SPA2019 s.9(1), s.11(1)(a)"
    assert "continues" in failure.explanation


def test_initial_notification_missed_across_the_autumn_change() -> None:
    """Served 23 October 2026: the failure starts at 00:00 GMT on 26 October."""
    (failure,) = notification_alerts(
        [_duty(pendulum.Date(2026, 10, 23))], pendulum.datetime(2026, 10, 27, tz="UTC")
    )
    assert failure.breach_time == pendulum.datetime(2026, 10, 26, tz="UTC")


def test_refusal_and_late_notification_become_alerts() -> None:
    """A refused photograph is ST19005; a late address notification is ST19004, ended."""
    moved = NotifiableItem.arising(ItemKind.NEW_HOME_ADDRESS, AUTUMN, "SPA2019 s.9(4)")
    duty = _duty(
        pendulum.Date(2026, 10, 1),
        outstanding=(),
        closed=(ClosedItem(moved, pendulum.datetime(2026, 11, 2, tz="UTC"), Closure.NOTIFIED),),
        refusals=(
            Refusal(pendulum.datetime(2026, 11, 3, 12, tz="UTC"), IdentityCheck.PHOTOGRAPHS),
        ),
    )
    alerts = notification_alerts([duty], pendulum.datetime(2026, 12, 1, tz="UTC"))
    assert sorted(a.cjs_code or "" for a in alerts) == ["ST19004", "ST19005"]
    address = next(a for a in alerts if a.cjs_code == "ST19004")
    assert "ended" in address.explanation


def test_the_detector_gathers_every_dated_alert_in_order() -> None:
    """dated_alerts combines requirements, interim endings, renewals and notification."""
    order = make_order(_requirement(MADE.add(days=3).date()))
    detector = Detector([order], [make_defendant()])
    duty = _duty(MADE.date())
    alerts = detector.dated_alerts(MADE.add(days=10), duties=[duty])
    assert {a.rule_id for a in alerts} == {"requirement.positive", "notification.ST19002"}
    assert list(alerts) == sorted(alerts, key=lambda a: a.sort_key)


def test_dated_checks_refuse_naive_times_and_wrong_records() -> None:
    """A naive ``at`` and a record of the wrong type are typed errors naming the value."""
    order = make_order(_requirement(MADE.add(days=3).date()))
    with pytest.raises(NaiveDatetimeError, match="2026"):
        requirement_alerts([order], [], dt.datetime(2026, 5, 1))
    with pytest.raises(InvalidValueError, match="'oops'"):
        requirement_alerts([order], ["oops"], MADE)  # type: ignore[list-item]
    with pytest.raises(NaiveDatetimeError):
        ComplianceRecord("C1", "D1", "O1", "T1", dt.datetime(2026, 5, 1))


@pytest.mark.parametrize(
    ("field", "value"),
    [("record_id", ""), ("record_id", 7), ("recorded_by", " "), ("note", None), ("term_id", "")],
)
def test_a_compliance_record_refuses_bad_values_naming_them(field: str, value: object) -> None:
    """Each bad field is an InvalidValueError naming the field and the value."""
    good = ComplianceRecord("C1", "D1", "O1", "T1", MADE, recorded_by="PC 1", note="")
    with pytest.raises(InvalidValueError, match=field) as caught:
        attrs.evolve(good, **{field: value})  # type: ignore[arg-type]
    assert caught.value.value == value


def test_a_compliance_record_keeps_its_id_author_and_note() -> None:
    """The id, who recorded it and the note are kept; the last two are keyword-only."""
    record = ComplianceRecord("ATT-9", "D1", "O1", "T1", MADE, recorded_by="PC 1", note="on time")
    assert (record.record_id, record.recorded_by, record.note) == ("ATT-9", "PC 1", "on time")
    assert ComplianceRecord("ATT-9", "D1", "O1", "T1", MADE).recorded_by is None


@given(hours=st.integers(1, 72))
def test_the_notification_warning_window_is_configurable(hours: int) -> None:
    """A deadline is 'approaching' exactly within the configured hours before it."""
    duty = _duty(pendulum.Date(2026, 3, 27))
    deadline = pendulum.datetime(2026, 3, 29, 23, tz="UTC")
    config = DetectionConfig(notification_warning_hours=hours)
    inside = notification_alerts([duty], deadline.subtract(hours=hours), config=config)
    outside = notification_alerts(
        [duty], deadline.subtract(hours=hours, microseconds=1), config=config
    )
    assert [a.kind for a in inside] == [AlertKind.DEADLINE_APPROACHING]
    assert outside == []
