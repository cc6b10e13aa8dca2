"""The s.9-s.11 failure and deadline rules breach detection calls (domain/notification.py)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.lifecycles.notification_duty import (
    check_deadline,
    part2_registered,
    record_false_information,
    record_new_home_address,
    record_new_name,
    record_notification,
    record_refusal,
    record_service,
)
from spo_tracker.domain.notification import (
    IdentityCheck,
    NotificationDuty,
    Offence,
    deadlines_approaching,
    first_day_of_failure,
    notification_deadline,
    notification_failures,
)
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError
from tests.lifecycles import model
from tests.lifecycles.builders import duty, london

SERVED_AT = london(2026, 3, 10, 14)
END = pendulum.datetime(2026, 3, 13, tz="Europe/London")
AREA = "West Midlands"


def served() -> NotificationDuty:
    """A duty served on 10 March 2026."""
    return record_service(duty(), at=SERVED_AT, actor="PC 1").subject


def notified(d: NotificationDuty, at: pendulum.DateTime) -> NotificationDuty:
    """Everything outstanding notified at ``at``."""
    return record_notification(
        d, at=at, actor="PC", station="Lloyd House", police_area=AREA
    ).subject


def test_three_days_beginning_with_the_day_of_service() -> None:
    """D, D+1, D+2; the first day of failure is D+3 (SPA2019 s.9(1), s.11)."""
    deadline = notification_deadline(pendulum.Date(2026, 3, 10))
    assert (deadline.first_day, deadline.last_day) == (
        pendulum.Date(2026, 3, 10),
        pendulum.Date(2026, 3, 12),
    )
    assert first_day_of_failure(deadline) == pendulum.Date(2026, 3, 13)


def test_no_failure_before_the_deadline_ends() -> None:
    """Up to the last microsecond of 12 March, nothing has failed."""
    assert notification_failures(served(), END.subtract(microseconds=1)) == ()


def test_initial_notification_not_made_is_st19002_and_continues() -> None:
    """The offence is committed on the first day of failure and continues (s.11)."""
    (failure,) = notification_failures(served(), END.add(days=5))
    assert failure.code == "ST19002"
    assert failure.section == "SPA2019 s.9(1), s.11(1)(a)"
    assert failure.first_day_of_failure == pendulum.Date(2026, 3, 13)
    assert failure.deadline is not None
    assert failure.deadline.last_day == pendulum.Date(2026, 3, 12)
    assert failure.continuing
    assert failure.ended_at is None


def test_a_late_notification_ends_the_failure_but_keeps_it() -> None:
    """Late notification is accepted; the failure stays on record, no longer continuing."""
    late_at = END.add(days=2)
    d = notified(check_deadline(served(), at=END, actor="job").subject, late_at)
    (failure,) = notification_failures(d, END.add(days=30))
    assert (failure.code, failure.continuing, failure.ended_at) == ("ST19002", False, late_at)
    (then,) = notification_failures(d, END.add(days=1))
    assert then.continuing
    assert notification_failures(notified(served(), END.subtract(hours=1)), END.add(days=30)) == ()


def test_new_name_and_new_address_failures_have_their_own_codes() -> None:
    """ST19003 (s.9(3)) and ST19004 (s.9(4)), each from its own day."""
    d = notified(served(), SERVED_AT.add(hours=2))
    d = record_new_name(d, at=london(2026, 4, 1, 9), actor="PC", name="Sam Example").subject
    d = record_new_home_address(
        d, at=london(2026, 4, 2, 9), actor="PC", address="2 New Road", police_area=AREA
    ).subject
    failures = notification_failures(d, london(2026, 4, 10))
    assert [(f.code, f.first_day_of_failure, f.detail) for f in failures] == [
        ("ST19003", pendulum.Date(2026, 4, 4), "Sam Example"),
        ("ST19004", pendulum.Date(2026, 4, 5), "2 New Road"),
    ]
    assert [f.section for f in failures] == [Offence.ST19003.section, Offence.ST19004.section]


def test_refusals_and_false_information_are_one_off_failures() -> None:
    """ST19005 (s.10(5), s.11(1)(a)) and ST19006 (s.11(1)(b)), on the day they happened."""
    given_at = SERVED_AT.add(hours=2)
    d = notified(served(), given_at)
    d = record_refusal(
        d, at=given_at.add(minutes=10), actor="PC", refused=IdentityCheck.PHOTOGRAPHS
    ).subject
    d = record_false_information(
        d, at=london(2026, 4, 20, 9), actor="DS", detail="false address"
    ).subject
    failures = notification_failures(d, london(2026, 5, 1))
    assert [(f.code, f.first_day_of_failure, f.continuing) for f in failures] == [
        ("ST19005", pendulum.Date(2026, 3, 10), False),
        ("ST19006", pendulum.Date(2026, 3, 10), False),
    ]
    assert failures[0].detail == "photographs"
    assert [f.code for f in notification_failures(d, london(2026, 4, 1))] == ["ST19005"]


def test_exemption_ends_a_continuing_failure() -> None:
    """SOA 2003 Part 2 begins: the failure before it stays, it no longer continues (s.9(5))."""
    registered_at = END.add(days=3)
    d = part2_registered(served(), at=registered_at, actor="PPU").subject
    (failure,) = notification_failures(d, END.add(days=40))
    assert (failure.continuing, failure.ended_at) == (False, registered_at)


def test_deadlines_approaching_lists_outstanding_items_ending_soon() -> None:
    """Within the window, sorted; past or far deadlines are left out."""
    d = served()
    (soon,) = deadlines_approaching(d, END.subtract(hours=5), dt.timedelta(hours=6))
    assert soon.ends_at == END
    assert soon.time_left == dt.timedelta(hours=5)
    assert soon.offence is Offence.ST19002
    assert deadlines_approaching(d, END.subtract(days=2), dt.timedelta(hours=6)) == ()
    assert deadlines_approaching(d, END, dt.timedelta(days=6)) == ()


def test_the_rules_refuse_bad_input() -> None:
    """Naive instants and non-positive windows are typed errors naming the value."""
    with pytest.raises(NaiveDatetimeError, match="now"):
        notification_failures(served(), dt.datetime(2026, 3, 20))
    with pytest.raises(InvalidValueError, match="within"):
        deadlines_approaching(served(), END, dt.timedelta(0))


@given(
    at=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),
        max_value=dt.datetime(2029, 12, 31),
        timezones=st.just(dt.UTC),
    )
)
def test_failure_starts_at_london_midnight_after_the_third_day(at: dt.datetime) -> None:
    """Whatever the clocks do: a failure exists exactly from 00:00 London on D+3."""
    service = pendulum.instance(at)
    d = record_service(duty(), at=service, actor="PC").subject
    third_day_end = model.day_end(model.london_day(at) + dt.timedelta(days=2))
    assert notification_failures(d, third_day_end - dt.timedelta(microseconds=1)) == ()
    (failure,) = notification_failures(d, third_day_end)
    assert failure.first_day_of_failure == model.london_day(at) + dt.timedelta(days=3)
