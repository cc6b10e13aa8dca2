"""The notification duty lifecycle's events, command and guards, each guard citing the
statute it enforces (see :mod:`spo_tracker.domain.lifecycles.notification_duty`, whose
table uses them and which re-exports them)."""

from __future__ import annotations

import enum
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.lifecycles._support import (
    day_start,
    first_conflict,
    london_day,
    period_end,
    to_event,
)
from spo_tracker.domain.notification import (
    IdentityCheck,
    ItemKind,
    NotificationDuty,
)
from spo_tracker.domain.statemachine import Guard
from spo_tracker.domain.statutory_time import ensure_aware, ensure_date
from spo_tracker.domain.validators import aware_at, non_empty_text

__all__ = [
    "ADDRESS_GIVEN",
    "ADDRESS_WITHIN",
    "AFTER_NOTIFYING",
    "AFTER_REGISTRATION",
    "CHRONO",
    "DEADLINE",
    "FALSE_AFTER",
    "FALSE_GIVEN",
    "FINAL_DAY",
    "FULL_ORDER",
    "IN_PERSON",
    "NAME_GIVEN",
    "NAME_WITHIN",
    "NEW_AREA",
    "NEW_NAME_ONLY",
    "REFUSAL",
    "SERVED",
    "UNSERVED",
    "DutyCommand",
    "DutyEvent",
    "after_a_notification",
    "arose_within_duty",
    "deadline_has_passed",
    "detail_given",
    "final_day_after_registration",
    "final_day_not_in_future",
    "in_chronological_order",
    "in_person_at_local_station",
    "name_not_yet_notified",
    "new_full_order_named",
    "new_police_area_given",
    "not_yet_served",
    "recorded_times",
    "refusal_named",
    "served_by_final_day",
]


class DutyEvent(enum.Enum):
    """What can happen to a notification duty."""

    ORDER_SERVED = "order_served"
    PART2_REGISTERED = "part2_registered"
    PART2_FINAL_DAY = "part2_final_day"
    PART2_FINAL_DAY_BEFORE_SERVICE = "part2_final_day_before_service"
    DEADLINE_PASSED = "deadline_passed"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    NEW_NAME = "new_name"
    NEW_HOME_ADDRESS = "new_home_address"
    FINGERPRINTS_REFUSED = "fingerprints_refused"
    FALSE_INFORMATION_RECORDED = "false_information_recorded"
    FULL_ORDER_REPLACES_INTERIM = "full_order_replaces_interim"
    ORDER_ENDED = "order_ended"


def _event(value: object) -> DutyEvent:
    return to_event(DutyEvent, value)


def _opt_day(value: object) -> pendulum.Date | None:
    return None if value is None else ensure_date(value, field="day")


def _notified_at(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="notified_at")


@attrs.frozen
class DutyCommand:
    """An event on a notification duty, with its payload.

    Attributes:
        station, police_area, in_person: NOTIFIED: where and how (s.10(1)-(3)).
        detail: NEW_NAME: the name; NEW_HOME_ADDRESS: a short address description;
            FALSE_INFORMATION_RECORDED: what was false.
        arose_on: NEW_NAME, NEW_HOME_ADDRESS: the day it happened (default: the day of ``at``).
        new_police_area: NEW_HOME_ADDRESS: the police area of the new home (s.10(3)(a)).
        refused: FINGERPRINTS_REFUSED: what was refused (s.10(5)).
        final_day: PART2_FINAL_DAY(_BEFORE_SERVICE): the final day (default: day of ``at``).
        full_order_id: FULL_ORDER_REPLACES_INTERIM: the new full order.
        notified_at: FALSE_INFORMATION_RECORDED: when the false information was given
            (default: the latest notification).
        note: free text for the audit trail.
    """

    event: DutyEvent = attrs.field(converter=_event)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    actor: str = attrs.field(validator=non_empty_text)
    station: str | None = attrs.field(default=None, kw_only=True)
    police_area: str | None = attrs.field(default=None, kw_only=True)
    in_person: bool = attrs.field(default=False, kw_only=True)
    detail: str = attrs.field(default="", kw_only=True)
    arose_on: pendulum.Date | None = attrs.field(default=None, kw_only=True, converter=_opt_day)
    new_police_area: str | None = attrs.field(default=None, kw_only=True)
    refused: IdentityCheck | None = attrs.field(default=None, kw_only=True)
    final_day: pendulum.Date | None = attrs.field(default=None, kw_only=True, converter=_opt_day)
    full_order_id: str | None = attrs.field(default=None, kw_only=True)
    notified_at: pendulum.DateTime | None = attrs.field(
        default=None, kw_only=True, converter=_notified_at
    )
    note: str = attrs.field(default="", kw_only=True)

    @property
    def day(self) -> pendulum.Date:
        """The London day of ``at``."""
        return london_day(self.at)


def _final_day(cmd: DutyCommand) -> pendulum.Date:
    return cmd.final_day if cmd.final_day is not None else cmd.day


def _arose_on(cmd: DutyCommand) -> pendulum.Date:
    return cmd.arose_on if cmd.arose_on is not None else cmd.day


def _same_area(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


# --- guards -----------------------------------------------------------------


def recorded_times(duty: NotificationDuty) -> list[tuple[str, pendulum.DateTime | None]]:
    """What a duty's state depends on, as (description, instant), for the chronology guard.

    Service and a Part 2 final day are kept as days, so the start of that London day.
    """
    last = duty.notifications[-1] if duty.notifications else None
    return [
        ("the order was served", None if duty.served_on is None else day_start(duty.served_on)),
        ("the Part 2 registration", duty.part2_registered_at),
        (
            "the Part 2 final day",
            None if duty.part2_final_day is None else day_start(duty.part2_final_day),
        ),
        ("the last notification", None if last is None else last.notified_at),
        ("its acknowledgement", None if last is None else last.acknowledged_at),
        ("the last refusal", duty.refusals[-1].at if duty.refusals else None),
        (
            "the last false information recorded",
            duty.false_information[-1].recorded_at if duty.false_information else None,
        ),
        ("an item was closed", duty.closed[-1].closed_at if duty.closed else None),
        ("the duty ended", duty.ended_at),
    ]


def in_chronological_order(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Library rule: no event is dated before what the duty already records.

    Not before service, the Part 2 registration or final day, the last
    notification (or its acknowledgement), refusal, false information or
    closed item.
    """
    return first_conflict(cmd.at, recorded_times(duty))


def final_day_after_registration(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The Part 2 requirements end on or after the day they began (SPA2019 s.9(5)-(6)).

    A final day before the recorded registration would turn an exempt duty into
    an overdue one for a time the defendant was exempt.
    """
    registered = duty.part2_registered_at
    if registered is None:
        return None  # recorded before the library kept the registration
    day = london_day(registered)
    if _final_day(cmd) < day:
        return (
            f"final_day={_final_day(cmd)}: before the Part 2 registration recorded on {day} "
            f"({registered.isoformat()})"
        )
    return None


def served_by_final_day(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The order was served (in effect, for the library) by the final day (s.9(6)(d))."""
    if duty.served_on is None:
        return "served_on=None: the order is not served yet; use PART2_FINAL_DAY_BEFORE_SERVICE"
    return None


def not_yet_served(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The order is not served, so the s.9(1) clock will start at service (OPEN choice)."""
    if duty.served_on is not None:
        return f"served_on={duty.served_on}: the order is served; use PART2_FINAL_DAY"
    return None


def final_day_not_in_future(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """A final day is recorded once it has come (s.9(6)(c))."""
    if _final_day(cmd) > cmd.day:
        return f"final_day={_final_day(cmd)}: after the day recorded, {cmd.day}"
    return None


def deadline_has_passed(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """An outstanding item's 3 days are over: the s.11 offence is committed (s.11(1))."""
    earliest = duty.earliest_deadline
    if earliest is None:
        return "outstanding=(): nothing is outstanding"
    if cmd.at < period_end(earliest):
        return (
            f"at={cmd.at.isoformat()}: the earliest deadline runs to the end of {earliest.last_day}"
        )
    return None


def in_person_at_local_station(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """In person, orally, at a police station in the local police area (s.10(1)-(3))."""
    if not cmd.in_person:
        return "in_person=False: notification is given in person, orally, at a police station"
    if not cmd.station:
        return f"station={cmd.station!r}: name the police station"
    if not _same_area(cmd.police_area, duty.local_police_area):
        return (
            f"police_area={cmd.police_area!r}: the station must be in the local police area "
            f"{duty.local_police_area!r}"
        )
    return None


def detail_given(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The name, address or false information is stated."""
    if not cmd.detail.strip():
        return f"detail={cmd.detail!r}: state what is notified or recorded"
    return None


def name_not_yet_notified(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Only a name not already notified must be notified (s.9(3)(b))."""
    wanted = cmd.detail.strip().casefold()
    for item in duty.items():
        if item.kind is ItemKind.NEW_NAME and item.detail.strip().casefold() == wanted:
            return f"detail={cmd.detail!r}: this name was already recorded on {item.arose_on}"
    return None


def arose_within_duty(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """A change after the duty began, and not in the future (s.9(3)-(4); earlier: s.9(2))."""
    day = _arose_on(cmd)
    if day > cmd.day:
        return f"arose_on={day}: after the day recorded, {cmd.day}"
    if duty.initial_from is None or day < duty.initial_from:
        return (
            f"arose_on={day}: before the duty began on {duty.initial_from}; it belongs in "
            "the initial notification (s.9(2))"
        )
    return None


def new_police_area_given(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The police area of the new home, where the change is notified (s.10(1), s.10(3)(a))."""
    if not cmd.new_police_area or not cmd.new_police_area.strip():
        return f"new_police_area={cmd.new_police_area!r}: name the new home's police area"
    return None


def after_a_notification(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Fingerprints, photographs and false information arise on a notification (s.10(5))."""
    if not duty.notifications:
        return "notifications=(): no notification has been given yet"
    return None


def refusal_named(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """Say what was refused: fingerprints, photographs or both (s.10(5)(a)-(c))."""
    if not isinstance(cmd.refused, IdentityCheck):
        return f"refused={cmd.refused!r}: fingerprints, photographs or both"
    return None


def new_full_order_named(duty: NotificationDuty, cmd: DutyCommand) -> str | None:
    """The full order that replaces the interim one is named (s.9(1)(a))."""
    if not cmd.full_order_id or cmd.full_order_id == duty.order_id:
        return f"full_order_id={cmd.full_order_id!r}: name the new full order"
    return None


_G = Guard[NotificationDuty, DutyCommand]
SERVED: Final = _G("served_by_final_day", "SPA2019 s.9(6)(d)", served_by_final_day)
UNSERVED: Final = _G("not_yet_served", "SPA2019 s.9(1), s.9(6)(d)", not_yet_served)
FINAL_DAY: Final = _G("final_day_not_in_future", "SPA2019 s.9(6)(c)", final_day_not_in_future)
AFTER_REGISTRATION: Final = _G(
    "final_day_after_registration", "SPA2019 s.9(5)-(6)", final_day_after_registration
)
CHRONO: Final = _G("in_chronological_order", "library", in_chronological_order)
DEADLINE: Final = _G("deadline_has_passed", "SPA2019 s.11(1)", deadline_has_passed)
IN_PERSON: Final = _G(
    "in_person_at_local_station", "SPA2019 s.10(1)-(3)", in_person_at_local_station
)
NAME_GIVEN: Final = _G("detail_given", "SPA2019 s.9(3)", detail_given)
ADDRESS_GIVEN: Final = _G("detail_given", "SPA2019 s.9(4)", detail_given)
FALSE_GIVEN: Final = _G("detail_given", "SPA2019 s.11(1)(b)", detail_given)
NEW_NAME_ONLY: Final = _G("name_not_yet_notified", "SPA2019 s.9(3)(b)", name_not_yet_notified)
NAME_WITHIN: Final = _G("arose_within_duty", "SPA2019 s.9(3)", arose_within_duty)
ADDRESS_WITHIN: Final = _G("arose_within_duty", "SPA2019 s.9(4)", arose_within_duty)
NEW_AREA: Final = _G("new_police_area_given", "SPA2019 s.10(1), s.10(3)(a)", new_police_area_given)
AFTER_NOTIFYING: Final = _G("after_a_notification", "SPA2019 s.10(5)", after_a_notification)
FALSE_AFTER: Final = _G("after_a_notification", "SPA2019 s.11(1)(b)", after_a_notification)
REFUSAL: Final = _G("refusal_named", "SPA2019 s.10(5)", refusal_named)
FULL_ORDER: Final = _G("new_full_order_named", "SPA2019 s.9(1)(a)", new_full_order_named)
