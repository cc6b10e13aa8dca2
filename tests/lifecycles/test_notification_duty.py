"""The notification-duty lifecycle (SPA2019 s.9-s.11)."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest

from spo_tracker.domain.lifecycles import full_order, lodge_appeal
from spo_tracker.domain.lifecycles.notification_duty import (
    MACHINE,
    DutyCommand,
    DutyEvent,
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
    recorded_times,
    replace_interim_with_full,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.notification import (
    Closure,
    DutyState,
    IdentityCheck,
    ItemKind,
    NotificationDuty,
)
from spo_tracker.domain.orders import Order, OrderState
from spo_tracker.errors import GuardRejectedError, InvalidValueError
from tests.lifecycles.builders import WMP, duty, full, interim, london
from tests.lifecycles.registry import covers

St, Ev = DutyState, DutyEvent
SERVED_AT = london(2026, 3, 10, 14)
DEADLINE_END = pendulum.datetime(2026, 3, 13, tz="Europe/London")
AREA = "West Midlands"
AFTER_CHANGES = (St.DUE, St.OVERDUE, St.NOTIFIED, St.UP_TO_DATE)
LIVE = (St.NOT_DUE, St.EXEMPT, *AFTER_CHANGES)


def notify(d: NotificationDuty, at: pendulum.DateTime) -> NotificationDuty:
    """Notify in person at Lloyd House in the local area."""
    return record_notification(
        d, at=at, actor="PC 1", station="Lloyd House", police_area=AREA
    ).subject


def reach(state: DutyState) -> NotificationDuty:
    """A duty in ``state``, reached by real transitions."""
    fresh = duty()
    if state is St.NOT_DUE:
        return fresh
    if state is St.EXEMPT:
        return part2_registered(fresh, at=SERVED_AT.subtract(days=1), actor="PPU").subject
    due = record_service(fresh, at=SERVED_AT, actor="PC 1").subject
    if state is St.DUE:
        return due
    if state is St.OVERDUE:
        return check_deadline(due, at=DEADLINE_END, actor="job").subject
    notified = notify(due, SERVED_AT.add(days=1))
    if state is St.NOTIFIED:
        return notified
    return acknowledge_notification(
        notified, at=SERVED_AT.add(days=1, hours=1), actor="PC 1"
    ).subject


def refusal(d: NotificationDuty, cmd: DutyCommand) -> GuardRejectedError:
    """The guard error ``cmd`` raises; the duty is left as it was."""
    before = (d, d.revision)
    with pytest.raises(GuardRejectedError) as caught:
        MACHINE.fire(d, cmd)
    assert (d, d.revision) == before
    return caught.value


def command(event: DutyEvent, at: pendulum.DateTime, **payload: Any) -> DutyCommand:
    """A command recorded by an officer."""
    return DutyCommand(event, at, "PC 1", **payload)


# --- rows -----------------------------------------------------------------------


@covers("notification_duty", (St.NOT_DUE, Ev.ORDER_SERVED))
def test_service_opens_the_initial_notification() -> None:
    """3 days beginning with the date of service (SPA2019 s.9(1))."""
    fired = record_service(duty(), at=SERVED_AT, actor="PC 1")
    d = fired.subject
    assert d.state is St.DUE
    assert d.served_on == d.initial_from == pendulum.Date(2026, 3, 10)
    (item,) = d.outstanding
    assert item.kind is ItemKind.INITIAL
    assert item.section == "SPA2019 s.9(1)"
    assert item.deadline.last_day == pendulum.Date(2026, 3, 12)


@covers("notification_duty", (St.EXEMPT, Ev.ORDER_SERVED))
def test_service_while_exempt_is_recorded_and_nothing_is_due() -> None:
    """SOA 2003 Part 2: exempt (SPA2019 s.9(5))."""
    d = record_service(reach(St.EXEMPT), at=SERVED_AT, actor="PC 1").subject
    assert d.state is St.EXEMPT
    assert d.served_on == pendulum.Date(2026, 3, 10)
    assert d.outstanding == ()


@covers("notification_duty", (St.EXEMPT, Ev.PART2_FINAL_DAY))
def test_the_final_day_starts_the_clock_when_the_order_is_served() -> None:
    """3 days beginning with the final day (SPA2019 s.9(6)-(7))."""
    served = record_service(reach(St.EXEMPT), at=SERVED_AT, actor="PC 1").subject
    final = pendulum.Date(2026, 6, 30)
    d = part2_final_day(served, at=london(2026, 7, 1, 9), actor="PPU", final_day=final).subject
    assert d.state is St.DUE
    (item,) = d.outstanding
    assert (item.arose_on, item.deadline.last_day) == (final, pendulum.Date(2026, 7, 2))
    assert item.section == "SPA2019 s.9(1), s.9(7)"
    assert d.part2_final_day == final


@covers("notification_duty", (St.EXEMPT, Ev.PART2_FINAL_DAY_BEFORE_SERVICE))
def test_a_final_day_before_service_waits_for_service() -> None:
    """OPEN choice: the s.9(1) clock starts at service, not at an earlier final day."""
    d = part2_final_day(reach(St.EXEMPT), at=SERVED_AT, actor="PPU").subject
    assert d.state is St.NOT_DUE
    assert d.part2_final_day == pendulum.Date(2026, 3, 10)
    later = record_service(d, at=london(2026, 4, 1, 10), actor="PC 1").subject
    assert later.outstanding[0].arose_on == pendulum.Date(2026, 4, 1)


@covers("notification_duty", (St.DUE, Ev.DEADLINE_PASSED))
def test_the_duty_is_overdue_from_the_first_day_of_failure() -> None:
    """From 00:00 London on day D+3 (SPA2019 s.11(1))."""
    d = check_deadline(reach(St.DUE), at=DEADLINE_END, actor="job").subject
    assert d.state is St.OVERDUE


@covers("notification_duty", (St.DUE, Ev.NOTIFIED), (St.OVERDUE, Ev.NOTIFIED))
def test_notification_closes_everything_outstanding_even_late() -> None:
    """In person at a local station (s.10(1)-(3)); late is accepted and stays late (s.11)."""
    on_time = notify(reach(St.DUE), SERVED_AT.add(days=1))
    assert on_time.state is St.NOTIFIED
    assert on_time.outstanding == ()
    assert not on_time.closed[0].late
    late = notify(reach(St.OVERDUE), DEADLINE_END.add(days=2))
    assert late.state is St.NOTIFIED
    assert late.closed[0].late
    assert late.closed[0].closure is Closure.NOTIFIED
    assert late.notifications[-1].station == "Lloyd House"


@covers("notification_duty", (St.NOTIFIED, Ev.ACKNOWLEDGED))
def test_acknowledgement_in_writing_brings_the_duty_up_to_date() -> None:
    """SPA2019 s.10(4)."""
    d = acknowledge_notification(reach(St.NOTIFIED), at=SERVED_AT.add(days=2), actor="PC 1")
    assert d.subject.state is St.UP_TO_DATE
    assert d.subject.notifications[0].acknowledged_at == SERVED_AT.add(days=2)


@covers("notification_duty", *((s, Ev.NEW_NAME) for s in AFTER_CHANGES))
def test_a_new_name_opens_an_item_with_its_own_deadline() -> None:
    """3 days beginning with the day the name is first used (SPA2019 s.9(3))."""
    used = pendulum.Date(2026, 5, 4)
    for state in AFTER_CHANGES:
        d = record_new_name(
            reach(state), at=london(2026, 5, 5, 9), actor="PC", name="Sam Example", used_from=used
        ).subject
        assert d.state is (St.OVERDUE if state is St.OVERDUE else St.DUE)
        item = d.outstanding[-1]
        assert (item.kind, item.detail, item.arose_on) == (ItemKind.NEW_NAME, "Sam Example", used)
        assert item.deadline.last_day == pendulum.Date(2026, 5, 6)


@covers("notification_duty", *((s, Ev.NEW_HOME_ADDRESS) for s in AFTER_CHANGES))
def test_a_new_home_address_opens_an_item_and_moves_the_local_area() -> None:
    """SPA2019 s.9(4); notify in the new home's police area (s.10(3)(a))."""
    for state in AFTER_CHANGES:
        d = record_new_home_address(
            reach(state),
            at=london(2026, 5, 5, 9),
            actor="PC",
            address="Flat 2, Example Road, Leeds",
            police_area="West Yorkshire",
        ).subject
        assert d.outstanding[-1].kind is ItemKind.NEW_HOME_ADDRESS
        assert d.local_police_area == "West Yorkshire"


@covers("notification_duty", *((s, Ev.FINGERPRINTS_REFUSED) for s in AFTER_CHANGES))
def test_a_refusal_is_recorded_without_moving_the_duty() -> None:
    """SPA2019 s.10(5), s.11(1)(a), once a notification has been given."""
    for state in AFTER_CHANGES:
        start = reach(state) if state is not St.DUE else reach(St.UP_TO_DATE)
        if state is St.DUE:
            start = record_new_name(start, at=london(2026, 5, 5, 9), actor="PC", name="Sam").subject
        if state is St.OVERDUE:
            start = notify(reach(St.OVERDUE), DEADLINE_END.add(days=1))
            start = record_new_name(start, at=london(2026, 5, 5, 9), actor="PC", name="Sam").subject
            start = check_deadline(start, at=london(2026, 5, 9), actor="job").subject
        d = record_refusal(
            start, at=london(2026, 5, 10, 9), actor="PC", refused=IdentityCheck.BOTH
        ).subject
        assert d.state is start.state is state
        assert d.refusals[-1].refused is IdentityCheck.BOTH


@covers("notification_duty", *((s, Ev.FALSE_INFORMATION_RECORDED) for s in AFTER_CHANGES))
def test_false_information_is_recorded_against_the_notification() -> None:
    """SPA2019 s.11(1)(b)."""
    up = reach(St.UP_TO_DATE)
    starts = {
        St.NOTIFIED: reach(St.NOTIFIED),
        St.UP_TO_DATE: up,
        St.DUE: record_new_name(up, at=london(2026, 5, 5, 9), actor="PC", name="Sam").subject,
    }
    overdue = notify(reach(St.OVERDUE), DEADLINE_END.add(days=1))
    overdue = record_new_name(overdue, at=london(2026, 5, 5, 9), actor="PC", name="Sam").subject
    starts[St.OVERDUE] = check_deadline(overdue, at=london(2026, 5, 9), actor="job").subject
    for state, start in starts.items():
        d = record_false_information(
            start, at=london(2026, 6, 1, 9), actor="DS", detail="address given was a car park"
        ).subject
        assert d.state is state
        record = d.false_information[-1]
        assert record.notified_at == start.notifications[-1].notified_at
        assert record.detail == "address given was a car park"


@covers("notification_duty", *((s, Ev.FULL_ORDER_REPLACES_INTERIM) for s in LIVE))
def test_a_full_order_replacing_the_interim_never_reopens_the_initial_notification() -> None:
    """Same state, same items; only the order changes (SPA2019 s.9(1)(a))."""
    for state in LIVE:
        start = reach(state)
        d = replace_interim_with_full(
            start, at=london(2026, 5, 1, 10), actor="clerk", full_order_id="SPO-1"
        ).subject
        assert d.state is state
        assert d.items() == start.items()
        assert (d.order_id, d.replaced_order_ids) == ("SPO-1", ("ISPO-1",))


@covers("notification_duty", *((s, Ev.ORDER_ENDED) for s in LIVE))
def test_the_duty_ends_with_the_order_and_keeps_its_history() -> None:
    """Outstanding items close as ORDER_ENDED; ENDED accepts nothing."""
    for state in LIVE:
        start = reach(state)
        d = order_ended(start, at=london(2026, 6, 1), actor="job").subject
        assert d.state is St.ENDED
        assert d.outstanding == ()
        assert all(c.closure is Closure.ORDER_ENDED for c in d.closed[len(start.closed) :])
        assert MACHINE.allowed_events(d) == ()


@covers("notification_duty", *((s, Ev.PART2_REGISTERED) for s in LIVE if s is not St.EXEMPT))
def test_registration_under_part_2_exempts_from_then_on() -> None:
    """SPA2019 s.9(5): outstanding items close as EXEMPTED."""
    for state in LIVE:
        if state is St.EXEMPT:
            continue
        d = part2_registered(reach(state), at=london(2026, 6, 1), actor="PPU").subject
        assert d.state is St.EXEMPT
        assert d.outstanding == ()


# --- guards ---------------------------------------------------------------------


def test_the_deadline_has_not_passed_one_microsecond_before_london_midnight() -> None:
    """deadline_has_passed (SPA2019 s.11(1))."""
    error = refusal(
        reach(St.DUE), command(Ev.DEADLINE_PASSED, DEADLINE_END.subtract(microseconds=1))
    )
    assert (error.guard, error.section) == ("deadline_has_passed", "SPA2019 s.11(1)")
    assert "2026-03-12" in error.reason


def test_in_summer_the_deadline_ends_at_2300_utc() -> None:
    """Europe/London days: the end of D+2 is 22:59:59.999999 UTC in BST."""
    summer = record_service(duty(), at=london(2026, 7, 10, 12), actor="PC 1").subject
    at_2259 = pendulum.datetime(2026, 7, 12, 22, 59, 59, tz="UTC")
    assert refusal(summer, command(Ev.DEADLINE_PASSED, at_2259)).guard == "deadline_has_passed"
    at_2300 = pendulum.datetime(2026, 7, 12, 23, 0, tz="UTC")
    assert check_deadline(summer, at=at_2300, actor="job").subject.state is St.OVERDUE


def test_notification_must_be_in_person_at_a_station_in_the_local_area() -> None:
    """in_person_at_local_station (SPA2019 s.10(1)-(3)), naming the offending value."""
    due = reach(St.DUE)
    at = SERVED_AT.add(hours=3)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"station": "Lloyd House", "police_area": AREA}, "in_person=False"),
        ({"in_person": True, "police_area": AREA}, "station=None"),
        (
            {"in_person": True, "station": "Bridewell", "police_area": "Merseyside"},
            "'Merseyside'",
        ),
    ]
    for payload, says in cases:
        error = refusal(due, command(Ev.NOTIFIED, at, **payload))
        assert (error.guard, error.section) == ("in_person_at_local_station", "SPA2019 s.10(1)-(3)")
        assert says in error.reason
    ok = command(
        Ev.NOTIFIED, at, in_person=True, station="Lloyd House", police_area=" west midlands "
    )
    assert MACHINE.fire(due, ok).subject.state is St.NOTIFIED


def test_a_new_name_must_be_given_new_and_within_the_duty() -> None:
    """detail_given, name_not_yet_notified (s.9(3)(b)), arose_within_duty (s.9(3))."""
    up = reach(St.UP_TO_DATE)
    at = london(2026, 5, 5, 9)
    assert refusal(up, command(Ev.NEW_NAME, at, detail="  ")).guard == "detail_given"
    named = record_new_name(up, at=at, actor="PC", name="Sam Example").subject
    again = refusal(named, command(Ev.NEW_NAME, at, detail="sam example"))
    assert (again.guard, again.section) == ("name_not_yet_notified", "SPA2019 s.9(3)(b)")
    early = refusal(up, command(Ev.NEW_NAME, at, detail="Jo", arose_on=pendulum.Date(2026, 3, 1)))
    assert (early.guard, early.section) == ("arose_within_duty", "SPA2019 s.9(3)")
    assert "2026-03-01" in early.reason
    future = refusal(up, command(Ev.NEW_NAME, at, detail="Jo", arose_on=pendulum.Date(2026, 5, 6)))
    assert future.guard == "arose_within_duty"


def test_a_new_home_address_needs_its_police_area() -> None:
    """new_police_area_given (SPA2019 s.10(1), s.10(3)(a))."""
    error = refusal(
        reach(St.UP_TO_DATE), command(Ev.NEW_HOME_ADDRESS, london(2026, 5, 5), detail="x")
    )
    assert (error.guard, error.section) == ("new_police_area_given", "SPA2019 s.10(1), s.10(3)(a)")


def test_refusals_and_false_information_follow_a_notification() -> None:
    """after_a_notification (SPA2019 s.10(5)); refusal_named."""
    due = reach(St.DUE)
    error = refusal(
        due, command(Ev.FINGERPRINTS_REFUSED, SERVED_AT, refused=IdentityCheck.FINGERPRINTS)
    )
    assert (error.guard, error.section) == ("after_a_notification", "SPA2019 s.10(5)")
    unnamed = refusal(reach(St.NOTIFIED), command(Ev.FINGERPRINTS_REFUSED, SERVED_AT.add(days=2)))
    assert (unnamed.guard, unnamed.reason) == (
        "refusal_named",
        "refused=None: fingerprints, photographs or both",
    )
    false = refusal(due, command(Ev.FALSE_INFORMATION_RECORDED, SERVED_AT, detail="lie"))
    assert false.section == "SPA2019 s.11(1)(b)"


def test_the_final_day_guards() -> None:
    """served_by_final_day / not_yet_served / final_day_not_in_future (s.9(6))."""
    exempt = reach(St.EXEMPT)
    at = london(2026, 7, 1, 9)
    unserved = refusal(exempt, command(Ev.PART2_FINAL_DAY, at))
    assert (unserved.guard, unserved.section) == ("served_by_final_day", "SPA2019 s.9(6)(d)")
    served = record_service(exempt, at=SERVED_AT, actor="PC").subject
    assert refusal(served, command(Ev.PART2_FINAL_DAY_BEFORE_SERVICE, at)).guard == "not_yet_served"
    ahead = refusal(served, command(Ev.PART2_FINAL_DAY, at, final_day=pendulum.Date(2026, 7, 2)))
    assert (ahead.guard, ahead.section) == ("final_day_not_in_future", "SPA2019 s.9(6)(c)")


def test_a_final_day_before_service_day_starts_the_clock_at_service() -> None:
    """The later of the final day and the day of service (OPEN choice)."""
    served = record_service(reach(St.EXEMPT), at=SERVED_AT, actor="PC").subject
    d = part2_final_day(  # registered on 9 March, the day before service
        served, at=SERVED_AT.add(days=1), actor="PPU", final_day=pendulum.Date(2026, 3, 9)
    )
    assert d.subject.outstanding[0].arose_on == pendulum.Date(2026, 3, 10)
    assert d.subject.part2_registered_at is None  # no longer subject to Part 2


def test_the_replacing_full_order_must_be_named() -> None:
    """new_full_order_named (SPA2019 s.9(1)(a))."""
    error = refusal(reach(St.DUE), command(Ev.FULL_ORDER_REPLACES_INTERIM, SERVED_AT))
    assert (error.guard, error.section) == ("new_full_order_named", "SPA2019 s.9(1)(a)")


def test_a_duty_is_not_opened_for_a_full_order_that_replaces_an_interim_one() -> None:
    """The interim order's duty continues instead (SPA2019 s.9(1)(a))."""
    replacing = full(replaces=interim())
    with pytest.raises(InvalidValueError, match="'ISPO-1'"):
        open_duty(duty_id="DUTY-2", order=replacing, local_police_area=AREA)
    opened = open_duty(duty_id="DUTY-3", order=interim(), local_police_area=AREA)
    assert (opened.state, opened.order_id) == (St.NOT_DUE, "ISPO-1")


# --- time order, Part 2 registration, and the hand-over from an ended duty ---------


def test_a_final_day_before_the_recorded_registration_is_refused() -> None:
    """final_day_after_registration (SPA2019 s.9(5)-(6)): exempt is not turned overdue."""
    exempt = record_service(reach(St.EXEMPT), at=SERVED_AT, actor="PC").subject
    assert exempt.part2_registered_at == SERVED_AT.subtract(days=1)
    for event in (Ev.PART2_FINAL_DAY, Ev.PART2_FINAL_DAY_BEFORE_SERVICE):
        subject = exempt if event is Ev.PART2_FINAL_DAY else reach(St.EXEMPT)
        error = refusal(
            subject,
            command(event, SERVED_AT.add(days=30), final_day=pendulum.Date(2020, 1, 1)),
        )
        assert (error.guard, error.section) == (
            "final_day_after_registration",
            "SPA2019 s.9(5)-(6)",
        )
        assert "final_day=2020-01-01" in error.reason
        assert "2026-03-09" in error.reason


@pytest.mark.parametrize(
    ("state", "event", "at", "conflict"),
    [
        (
            St.DUE,
            Ev.NOTIFIED,
            london(2026, 3, 9, 23, 59),
            "the order was served at 2026-03-10T00:00",
        ),
        (St.NOTIFIED, Ev.ACKNOWLEDGED, london(2026, 3, 11, 13), "the last notification at"),
        (St.UP_TO_DATE, Ev.NEW_NAME, london(2026, 3, 11, 14, 30), "its acknowledgement at"),
        (St.EXEMPT, Ev.ORDER_SERVED, london(2026, 3, 9, 13), "the Part 2 registration at"),
        (St.OVERDUE, Ev.PART2_REGISTERED, london(2026, 3, 9, 23), "the order was served at"),
    ],
)
def test_duty_events_dated_before_what_it_records_are_refused(
    state: DutyState, event: DutyEvent, at: pendulum.DateTime, conflict: str
) -> None:
    """in_chronological_order (library), naming both instants; the duty unchanged."""
    subject = reach(state)
    assert any(t is not None and at < t for _, t in recorded_times(subject))
    error = refusal(subject, command(event, at, detail="Alex Other", station="Lloyd House"))
    assert (error.guard, error.section) == ("in_chronological_order", "library")
    assert f"at={at.to_iso8601_string()}: before {conflict}" in error.reason


def _interim_duty_ended_at(ended_at: pendulum.DateTime, state: DutyState) -> NotificationDuty:
    return order_ended(reach(state), at=ended_at, actor="system").subject


REPLACED_AT = london(2026, 4, 20, 11)


@covers("notification_duty", (St.DUE, Ev.ORDER_ENDED))
def test_an_ended_interim_duty_continues_under_the_full_order_that_replaced_it() -> None:
    """s.9(1)(a), s.5(6)(b): same id, what it owed outstanding again, nothing re-opened."""
    ended = _interim_duty_ended_at(REPLACED_AT, St.DUE)
    assert ended.state is St.ENDED
    replacing = full(made_at=REPLACED_AT, replaces=interim())
    continued = open_duty(
        duty_id="DUTY-1", order=replacing, local_police_area=AREA, continues=ended
    )
    assert (continued.state, continued.order_id, continued.ended_at) == (St.DUE, "SPO-1", None)
    assert continued.replaced_order_ids == ("ISPO-1",)
    assert [i.kind for i in continued.outstanding] == [ItemKind.INITIAL]
    assert continued.outstanding[0].arose_on == pendulum.Date(2026, 3, 10)  # not restarted
    assert continued.revision == ended.revision + 1
    named = record_new_name(
        continued, at=REPLACED_AT.add(days=2), actor="PC", name="Alex Other"
    ).subject
    assert [i.kind for i in named.outstanding] == [ItemKind.INITIAL, ItemKind.NEW_NAME]


@pytest.mark.parametrize(
    ("state", "continues_in"),
    [
        (St.NOT_DUE, St.NOT_DUE),
        (St.EXEMPT, St.EXEMPT),
        (St.NOTIFIED, St.NOTIFIED),
        (St.UP_TO_DATE, St.UP_TO_DATE),
    ],
)
def test_a_continued_duty_is_in_the_state_it_ended_from(
    state: DutyState, continues_in: DutyState
) -> None:
    """Nothing owed: exempt, unserved, notified or up to date, as before the end."""
    ended = _interim_duty_ended_at(REPLACED_AT, state)
    replacing = full(made_at=REPLACED_AT, replaces=interim())
    continued = open_duty(
        duty_id="DUTY-1", order=replacing, local_police_area=AREA, continues=ended
    )
    assert continued.state is continues_in
    assert continued.outstanding == ()


def test_only_the_replaced_orders_ended_duty_is_continued() -> None:
    """Typed errors naming the duty: live, ended too early, another order, another id."""
    replacing = full(made_at=REPLACED_AT, replaces=interim())
    live = reach(St.DUE)
    other_order = attrs.evolve(replacing, replaces_order_id="ISPO-9")
    cases = [
        (live, "DUTY-1", "is due: a live duty continues"),
        (_interim_duty_ended_at(REPLACED_AT.subtract(days=1), St.DUE), "DUTY-1", "not in force"),
        (_interim_duty_ended_at(REPLACED_AT, St.DUE), "DUTY-2", "keeps its id 'DUTY-1'"),
    ]
    for ended, duty_id, problem in cases:
        with pytest.raises(InvalidValueError) as caught:
            open_duty(duty_id=duty_id, order=replacing, local_police_area=AREA, continues=ended)
        assert problem in str(caught.value)
    with pytest.raises(InvalidValueError, match="'ISPO-9'"):
        open_duty(
            duty_id="DUTY-1",
            order=other_order,
            local_police_area=AREA,
            continues=_interim_duty_ended_at(REPLACED_AT, St.DUE),
        )
    with pytest.raises(InvalidValueError, match="replaces"):
        open_duty(
            duty_id="DUTY-1",
            order=full(),
            local_police_area=AREA,
            continues=_interim_duty_ended_at(REPLACED_AT, St.DUE),
        )


# --- an order restored on appeal keeps its duty (SPA2019 s.7(4), s.9(1)) -----------

DEFENDANT = Party.defendant()
POLICE = Party.chief_officer(WMP)
DISCHARGED_AT = london(2026, 4, 10, 11)
RESTORED_AT = london(2026, 5, 1, 15)


def _discharged() -> Order:
    """SPO-1, served on SERVED_AT, discharged at DISCHARGED_AT on the defendant's application."""
    order = full(served_at=SERVED_AT, state=OrderState.SERVED)
    return full_order.discharge_order(
        order,
        at=DISCHARGED_AT,
        actor="court",
        applied_by=DEFENDANT,
        consents=(DEFENDANT, POLICE),
        home_force=WMP,
    ).subject


def _restored(at: pendulum.DateTime = RESTORED_AT) -> Order:
    """The discharge appealed by the police and quashed at ``at`` (s.7(3)-(4))."""
    appealed = lodge_appeal(
        _discharged(),
        at=DISCHARGED_AT.add(days=1),
        actor="court",
        appellant=POLICE,
        against=AppealAgainst.discharge(on_application_of=DEFENDANT),
    ).subject
    return full_order.restore_on_appeal(appealed, at=at, actor="Crown Court").subject


def _own_duty_ended_at(ended_at: pendulum.DateTime, state: DutyState) -> NotificationDuty:
    """SPO-1's duty, reached in ``state`` by real transitions, ended at ``ended_at``."""
    return order_ended(
        attrs.evolve(reach(state), order_id="SPO-1"), at=ended_at, actor="system"
    ).subject


def test_a_restored_orders_duty_continues_without_a_new_initial_notification() -> None:
    """s.7(4), s.9(1): the notification given before the discharge is not asked for again."""
    ended = _own_duty_ended_at(DISCHARGED_AT, St.UP_TO_DATE)
    continued = open_duty(
        duty_id="DUTY-1", order=_restored(), local_police_area=AREA, continues=ended
    )
    assert (continued.state, continued.order_id, continued.ended_at) == (
        St.UP_TO_DATE,
        "SPO-1",
        None,
    )
    assert continued.replaced_order_ids == ()
    assert continued.outstanding == ()
    assert continued.notifications == ended.notifications
    assert continued.revision == ended.revision + 1
    moved = record_new_home_address(
        continued,
        at=RESTORED_AT.add(days=2),
        actor="PC",
        address="1 New Street",
        police_area=AREA,
    ).subject
    assert [i.kind for i in moved.outstanding] == [ItemKind.NEW_HOME_ADDRESS]
    assert moved.state is St.DUE


def test_a_restored_orders_duty_owes_again_what_the_discharge_closed() -> None:
    """An initial notification missed before the discharge is owed again, not restarted."""
    ended = _own_duty_ended_at(DISCHARGED_AT, St.OVERDUE)
    assert [c.closure for c in ended.closed] == [Closure.ORDER_ENDED]
    continued = open_duty(
        duty_id="DUTY-1", order=_restored(), local_police_area=AREA, continues=ended
    )
    assert continued.state is St.DUE
    assert [i.kind for i in continued.outstanding] == [ItemKind.INITIAL]
    assert continued.outstanding[0].arose_on == pendulum.Date(2026, 3, 10)  # not restarted
    assert continued.closed == ()
    overdue = check_deadline(continued, at=RESTORED_AT.add(minutes=1), actor="job").subject
    assert overdue.state is St.OVERDUE


def test_a_duty_ended_after_the_discharge_was_recorded_late_still_continues() -> None:
    """The end may be recorded after the discharge, up to the restoration itself."""
    for ended_at in (DISCHARGED_AT.add(days=3), RESTORED_AT):
        ended = _own_duty_ended_at(ended_at, St.NOTIFIED)
        continued = open_duty(
            duty_id="DUTY-1", order=_restored(), local_police_area=AREA, continues=ended
        )
        assert continued.state is St.NOTIFIED


def test_only_the_duty_the_discharge_ended_continues_under_the_restored_order() -> None:
    """Typed errors naming the duty; nothing is changed."""
    restored = _restored()
    cases = [
        (restored, reach(St.DUE), "DUTY-1", "'ISPO-1'"),
        (restored, attrs.evolve(reach(St.DUE), order_id="SPO-1"), "DUTY-1", "only a duty that"),
        (
            restored,
            _own_duty_ended_at(DISCHARGED_AT.subtract(days=1), St.DUE),
            "DUTY-1",
            "not while",
        ),
        (restored, _own_duty_ended_at(RESTORED_AT.add(days=1), St.DUE), "DUTY-1", "not while"),
        (
            full(served_at=SERVED_AT),
            _own_duty_ended_at(DISCHARGED_AT, St.DUE),
            "DUTY-1",
            "not while",
        ),
        (_discharged(), _own_duty_ended_at(DISCHARGED_AT, St.DUE), "DUTY-1", "is not restored"),
        (restored, _own_duty_ended_at(DISCHARGED_AT, St.DUE), "DUTY-2", "keeps its id 'DUTY-1'"),
        (
            restored,
            attrs.evolve(_own_duty_ended_at(DISCHARGED_AT, St.DUE), defendant_id="D2"),
            "DUTY-1",
            "of 'D2', not 'D1'",
        ),
    ]
    for order, ended, duty_id, problem in cases:
        before = (ended, ended.revision)
        with pytest.raises(InvalidValueError) as caught:
            open_duty(duty_id=duty_id, order=order, local_police_area=AREA, continues=ended)
        assert problem in str(caught.value)
        assert (ended, ended.revision) == before
