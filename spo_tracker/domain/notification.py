"""The notification requirements (SPA2019 s.9-s.11): facts, deadlines and failures.

A defendant subject to an SPO or interim SPO must notify the police of every
name used and their home address within 3 days beginning with the date of
service (s.9(1)-(2)); a full order that replaces an interim one does not
restart that (s.9(1)(a)). A new name or a new home address must be notified
within 3 days beginning with the day it happens (s.9(3)-(4)). People subject to
the Sexual Offences Act 2003 Part 2 requirements are exempt (s.9(5)); if that
ends on a "final day" while an order is in effect, the 3 days begin with the
final day (s.9(6)-(7)). Notification is in person at a police station in the
local police area (s.10(1)-(3)), acknowledged in writing (s.10(4)); the police
may take fingerprints and photographs to verify identity (s.10(5)-(6)).

The offence (s.11(1)) is committed on the first day of failure and continues
while the failure lasts; here "3 days beginning with day D" ends at the end of
D+2, London time, so the first day of failure is D+3 (see
:mod:`spo_tracker.domain.statutory_time`).

This module holds the records (:class:`NotificationDuty` and its parts) and
the pure rules breach detection calls: :func:`notification_failures` and
:func:`deadlines_approaching`. The lifecycle that moves a duty from state to
state is :mod:`spo_tracker.domain.lifecycles.notification_duty`.

Section citations for the fingerprints offence follow the offence wording
published with the Act's commencement (s.10(5), s.11(1)(a)); false information
is s.11(1)(b).
"""

from __future__ import annotations

import datetime as _dt
import enum
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.statutory_time import (
    DayPeriod,
    as_london_date,
    as_utc,
    days_beginning_with,
    ensure_aware,
    ensure_date,
)
from spo_tracker.domain.validators import (
    a_date,
    aware_at,
    check_ids,
    identifier,
    long_text,
    non_empty_text,
    optional_aware_at,
    optional_date,
)
from spo_tracker.errors import InvalidValueError

__all__ = [
    "NOTIFICATION_DAYS",
    "ApproachingDeadline",
    "ClosedItem",
    "Closure",
    "DutyState",
    "FalseInformation",
    "IdentityCheck",
    "ItemKind",
    "NotifiableItem",
    "Notification",
    "NotificationDuty",
    "NotificationFailure",
    "Offence",
    "Refusal",
    "deadlines_approaching",
    "first_day_of_failure",
    "notification_deadline",
    "notification_failures",
]

#: "within the period of 3 days beginning with" (SPA2019 s.9(1), s.9(3), s.9(4)).
NOTIFICATION_DAYS: Final = 3


class DutyState(enum.Enum):
    """Where a defendant's notification duty under one order is."""

    NOT_DUE = "not_due"
    EXEMPT = "exempt"
    DUE = "due"
    OVERDUE = "overdue"
    NOTIFIED = "notified"
    UP_TO_DATE = "up_to_date"
    ENDED = "ended"


class Offence(enum.Enum):
    """The s.11 offences, by CJS offence code, with the section each rests on."""

    ST19002 = "SPA2019 s.9(1), s.11(1)(a)"
    ST19003 = "SPA2019 s.9(3), s.11(1)(a)"
    ST19004 = "SPA2019 s.9(4), s.11(1)(a)"
    ST19005 = "SPA2019 s.10(5), s.11(1)(a)"
    ST19006 = "SPA2019 s.11(1)(b)"

    @property
    def code(self) -> str:
        """The CJS offence code."""
        return self.name

    @property
    def section(self) -> str:
        """The sections the offence rests on."""
        return self.value

    @property
    def title(self) -> str:
        """Plain English."""
        return _TITLES[self]


_TITLES: Final = {
    Offence.ST19002: "initial notification not made within 3 days of service",
    Offence.ST19003: "new name not notified within 3 days",
    Offence.ST19004: "new home address not notified within 3 days",
    Offence.ST19005: "failed to allow fingerprints or photographs to be taken",
    Offence.ST19006: "notified information known to be false",
}


class ItemKind(enum.Enum):
    """What must be notified."""

    INITIAL = "initial"
    NEW_NAME = "new_name"
    NEW_HOME_ADDRESS = "new_home_address"

    @property
    def offence(self) -> Offence:
        """The offence if it is not notified in time."""
        return _ITEM_OFFENCES[self]


_ITEM_OFFENCES: Final = {
    ItemKind.INITIAL: Offence.ST19002,
    ItemKind.NEW_NAME: Offence.ST19003,
    ItemKind.NEW_HOME_ADDRESS: Offence.ST19004,
}


class Closure(enum.Enum):
    """How an outstanding item stopped being outstanding."""

    NOTIFIED = "notified"
    EXEMPTED = "exempted"  # SOA 2003 Part 2 requirements began (s.9(5))
    ORDER_ENDED = "order_ended"


class IdentityCheck(enum.Enum):
    """What the police asked to take (SPA2019 s.10(5)(a)-(c))."""

    FINGERPRINTS = "fingerprints"
    PHOTOGRAPHS = "photographs"
    BOTH = "both"


def notification_deadline(day: _dt.date) -> DayPeriod:
    """The 3 days beginning with ``day`` (SPA2019 s.9(1), s.9(3)-(4))."""
    return days_beginning_with(day, NOTIFICATION_DAYS)


def first_day_of_failure(deadline: DayPeriod) -> pendulum.Date:
    """The day after the deadline's last day: the offence is committed from then (s.11)."""
    return deadline.last_day.add(days=1)


@attrs.frozen
class NotifiableItem:
    """Something the defendant must notify, and by when.

    Attributes:
        kind: initial notification, new name or new home address.
        arose_on: the day the duty arose (service, final day, name used, move).
        deadline: the 3 days beginning with ``arose_on``.
        section: the section imposing it, e.g. ``SPA2019 s.9(1), s.9(7)`` after a final day.
        detail: the name or a short address description (never a protected person's data).
    """

    kind: ItemKind
    arose_on: pendulum.Date = attrs.field(converter=a_date)
    deadline: DayPeriod
    section: str
    detail: str = attrs.field(default="", validator=long_text())

    @classmethod
    def arising(
        cls, kind: ItemKind, day: _dt.date, section: str, detail: str = ""
    ) -> NotifiableItem:
        """An item arising on ``day``, with its 3-day deadline."""
        first = ensure_date(day, field="day")
        return cls(kind, first, notification_deadline(first), section, detail)

    @property
    def offence(self) -> Offence:
        """The offence if it is not notified in time."""
        return self.kind.offence


@attrs.frozen
class ClosedItem:
    """An item that is no longer outstanding, and how and when it stopped."""

    item: NotifiableItem
    closed_at: pendulum.DateTime = attrs.field(converter=aware_at)
    closure: Closure

    @property
    def late(self) -> bool:
        """Closed at or after the end of its deadline."""
        return self.closed_at >= self.item.deadline.ends_at


@attrs.frozen
class Notification:
    """A notification given in person at a police station (SPA2019 s.10(1)-(4))."""

    notified_at: pendulum.DateTime = attrs.field(converter=aware_at)
    station: str = attrs.field(validator=non_empty_text)
    police_area: str = attrs.field(validator=non_empty_text)
    items: tuple[NotifiableItem, ...]
    acknowledged_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=optional_aware_at
    )


@attrs.frozen
class Refusal:
    """A refusal to allow fingerprints or photographs (SPA2019 s.10(5), s.11(1)(a))."""

    at: pendulum.DateTime = attrs.field(converter=aware_at)
    refused: IdentityCheck
    note: str = attrs.field(default="", validator=long_text())


@attrs.frozen
class FalseInformation:
    """A record that notified information was known to be false (SPA2019 s.11(1)(b))."""

    recorded_at: pendulum.DateTime = attrs.field(converter=aware_at)
    notified_at: pendulum.DateTime = attrs.field(converter=aware_at)
    detail: str = attrs.field(validator=long_text())


def _order_ids(value: object) -> tuple[str, ...]:
    return check_ids("replaced_order_ids", value)


@attrs.frozen
class NotificationDuty:
    """A defendant's notification duty under one order (and the full order replacing it).

    Attributes:
        duty_id: stable id.
        defendant_id: the defendant.
        order_id: the order the duty runs under now (the full order once it replaces
            the interim one, s.9(1)(a)).
        local_police_area: the police area of the home address, where notifications are
            given (s.10(1)); without a home address in England and Wales, the area of the
            court that last made an order (s.10(2)).
        state: lifecycle state.
        served_on: the day the order was served.
        initial_from: the day the initial duty began (service, or a final day, s.9(7)).
        outstanding: items not yet notified.
        closed: items notified, exempted or ended, with when.
        notifications: every notification given.
        refusals: fingerprint or photograph refusals.
        false_information: records of false information notified.
        replaced_order_ids: the interim orders a full order replaced (s.9(1)(a)).
        part2_final_day: the last SOA 2003 Part 2 final day recorded (s.9(6)).
        part2_registered_at: when the defendant became subject to the Part 2
            requirements, while they are (s.9(5)); cleared by a final day (s.9(6)).
            A final day before it is refused. ``None`` for duties recorded before
            the library kept it.
        ended_at: when the order ended.
        revision: bumped by every fired event.
    """

    duty_id: str = attrs.field(validator=identifier)
    defendant_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    local_police_area: str = attrs.field(validator=non_empty_text)
    state: DutyState = DutyState.NOT_DUE
    served_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    initial_from: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    outstanding: tuple[NotifiableItem, ...] = ()
    closed: tuple[ClosedItem, ...] = ()
    notifications: tuple[Notification, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    false_information: tuple[FalseInformation, ...] = ()
    replaced_order_ids: tuple[str, ...] = attrs.field(default=(), converter=_order_ids)
    part2_final_day: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    ended_at: pendulum.DateTime | None = attrs.field(default=None, converter=optional_aware_at)
    revision: int = 1
    part2_registered_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=optional_aware_at, kw_only=True
    )

    @property
    def subject_id(self) -> str:
        """The duty id."""
        return self.duty_id

    @property
    def earliest_deadline(self) -> DayPeriod | None:
        """The soonest deadline among outstanding items."""
        if not self.outstanding:
            return None
        return min((i.deadline for i in self.outstanding), key=lambda p: p.last_day)

    def items(self) -> tuple[NotifiableItem, ...]:
        """Every item, closed or outstanding."""
        return (*(c.item for c in self.closed), *self.outstanding)


# --- failures ---------------------------------------------------------------


@attrs.frozen
class NotificationFailure:
    """A suspected s.11 offence, for review (software flags; a court decides excuse).

    Attributes:
        offence: the CJS offence code and its sections.
        first_day_of_failure: the London day the offence is first committed.
        deadline: the period that was missed (``None`` for refusals and false information).
        continuing: the failure still lasts at ``now`` (s.11: the offence continues).
        ended_at: when it stopped (notified late, exempted, order ended), if it has.
        detail: the item's detail or the refusal's note.
    """

    offence: Offence
    first_day_of_failure: pendulum.Date
    deadline: DayPeriod | None
    continuing: bool
    ended_at: pendulum.DateTime | None
    detail: str = ""

    @property
    def code(self) -> str:
        """The CJS offence code, e.g. ``ST19002``."""
        return self.offence.code

    @property
    def section(self) -> str:
        """The sections the offence rests on."""
        return self.offence.section


def _item_failure(
    item: NotifiableItem, closed_at: pendulum.DateTime | None, now: pendulum.DateTime
) -> NotificationFailure | None:
    ends = item.deadline.ends_at
    if now < ends or (closed_at is not None and closed_at < ends):
        return None
    still = closed_at is None or closed_at > now
    return NotificationFailure(
        offence=item.offence,
        first_day_of_failure=first_day_of_failure(item.deadline),
        deadline=item.deadline,
        continuing=still,
        ended_at=None if still else closed_at,
        detail=item.detail,
    )


def _one_off(offence: Offence, at: pendulum.DateTime, detail: str) -> NotificationFailure:
    return NotificationFailure(offence, as_london_date(at), None, False, at, detail)


def notification_failures(
    duty: NotificationDuty, now: _dt.datetime
) -> tuple[NotificationFailure, ...]:
    """Every suspected notification offence on ``duty`` as of ``now``.

    An item not notified by the end of its deadline is a failure from the day
    after, continuing until it is notified (late notification is accepted but
    the failure stays on record), the Part 2 requirements begin, or the order
    ends. Refusals (ST19005) and false information (ST19006) are one-off
    failures on the day recorded. Facts recorded after ``now`` are ignored, so
    the same duty answers "what had failed by then" for any past instant.

    Returns:
        Failures sorted by first day of failure, then offence code.

    Raises:
        NaiveDatetimeError: ``now`` has no time zone.
    """
    # In UTC: compared with a London time in the repeated autumn hour, a London
    # ``now`` would be ordered by wall clock (same tzinfo), not as an instant.
    at = as_utc(now, field="now")
    found = [_item_failure(c.item, c.closed_at, at) for c in duty.closed]
    found += [_item_failure(item, None, at) for item in duty.outstanding]
    found += [
        _one_off(Offence.ST19005, r.at, f"{r.refused.value} {r.note}".strip())
        for r in duty.refusals
        if r.at <= at
    ]
    found += [
        _one_off(Offence.ST19006, f.notified_at, f.detail)
        for f in duty.false_information
        if f.recorded_at <= at
    ]
    failures = [f for f in found if f is not None]
    return tuple(sorted(failures, key=lambda f: (f.first_day_of_failure, f.code)))


@attrs.frozen
class ApproachingDeadline:
    """An outstanding item whose deadline ends soon."""

    item: NotifiableItem
    ends_at: pendulum.DateTime
    time_left: _dt.timedelta

    @property
    def offence(self) -> Offence:
        """The offence if it is missed."""
        return self.item.offence


def deadlines_approaching(
    duty: NotificationDuty, now: _dt.datetime, within: _dt.timedelta
) -> tuple[ApproachingDeadline, ...]:
    """Outstanding items whose deadline ends after ``now`` and no later than ``now + within``.

    Only items still outstanding count; the duty's outstanding list is what the
    lifecycle holds now, so pass the current duty.

    Raises:
        NaiveDatetimeError: ``now`` has no time zone.
        InvalidValueError: ``within`` is not a positive timedelta.
    """
    at = ensure_aware(now, field="now")
    if not isinstance(within, _dt.timedelta) or within <= _dt.timedelta(0):
        raise InvalidValueError("within", within, "must be a positive timedelta")
    soon = []
    for item in duty.outstanding:
        ends = item.deadline.ends_at
        if at < ends <= at + within:
            soon.append(ApproachingDeadline(item, ends, ends - at))
    return tuple(sorted(soon, key=lambda a: a.ends_at))
