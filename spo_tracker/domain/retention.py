"""Retention review and disposal under the Management of Police Information (MoPI).

Police information is reviewed, retained or disposed of under the Code of
Practice on the Management of Police Information and the College of Policing
Authorised Professional Practice (APP) "Information management: Management
of police information - Retention, review and disposal", which sorts records
into groups with their review periods:

- **group 1, certain public protection matters**: kept while the subject may
  pose a risk; reviewed every 10 years to check the record is still adequate
  and up to date;
- **group 2, other sexual, violent or serious offences**: reviewed 10 years
  after the last event (a 10-year clear period);
- **group 3, all other offences**: reviewed after a 6-year clear period.

Which group an SPO case belongs to is an OPEN point in the domain notes. The
default here is **group 2**: stalking is a violent or serious offence in the
APP's sense (Protection from Harassment Act 1997 s.2A, s.4A), and an SPO is a
civil order (SPA2019 s.1) that the library records without the matters that
put a record in group 1 (MAPPA management, a potentially dangerous person).
A force that manages its SPO subjects as group 1 passes its own
:class:`RetentionSchedule` (``default="mopi-1"``).

A **case** is a defendant with their orders, applications, notification
duties, alerts and breach reviews, case owners, compliance records, the
incidents attributed to them (or aimed at a person their orders protect
without naming a defendant), and the persons their orders protect. Its id is
the defendant's id.

Everything here is pure: the caller passes ``at`` (aware) and the case's
facts; days are Europe/London calendar days.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.limits import LONG_TEXT_MAX_LENGTH
from spo_tracker.domain.statutory_time import as_london_date, corresponding_date, ensure_aware
from spo_tracker.domain.validators import check_text, identifier, non_empty_text
from spo_tracker.errors import InvalidValueError, RetentionReasonMissingError, UnknownCodeError

__all__ = [
    "APP_SOURCE",
    "DEFAULT_SCHEDULE",
    "MOPI_GROUPS",
    "RetentionCategory",
    "RetentionDecision",
    "RetentionReview",
    "RetentionSchedule",
    "case_clear_day",
    "next_review_day",
    "retention_decision",
]

#: Where the groups and their review periods come from.
APP_SOURCE: Final = (
    "College of Policing APP, Information management: Management of police "
    "information - Retention, review and disposal (MoPI)"
)


def _positive(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise InvalidValueError(attribute.name, value, "must be a whole number of years, 1 to 100")


@attrs.frozen
class RetentionCategory:
    """One retention category: a MoPI group, or a force's own.

    Attributes:
        code: stable code, e.g. ``mopi-2``.
        title: the group's name, e.g. ``Other sexual, violent or serious offences``.
        review_years: years from the case's last event (or last review) to its next review.
        source: where the category and its period come from.
    """

    code: str = attrs.field(validator=identifier)
    title: str = attrs.field(validator=non_empty_text)
    review_years: int = attrs.field(validator=_positive)
    source: str = attrs.field(default=APP_SOURCE, validator=non_empty_text)


#: The MoPI groups of the APP, with their review periods.
MOPI_GROUPS: Final = (
    RetentionCategory("mopi-1", "Certain public protection matters", 10),
    RetentionCategory("mopi-2", "Other sexual, violent or serious offences", 10),
    RetentionCategory("mopi-3", "All other offences", 6),
)


def _categories(value: object) -> tuple[RetentionCategory, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("categories", value, "give a sequence of RetentionCategory")
    found = tuple(value)
    if not found or not all(isinstance(c, RetentionCategory) for c in found):
        raise InvalidValueError("categories", value, "give at least one RetentionCategory")
    codes = [c.code for c in found]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise InvalidValueError("categories", twice, "each code may appear once")
    return found


def _assigned(value: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("assigned", value, "give a mapping of case id to category code")
    return dict(value)


@attrs.frozen
class RetentionSchedule:
    """A force's retention schedule: its categories and the one SPO cases fall in by default.

    Attributes:
        categories: the categories, each with its review period.
        default: the code of the category of a case not given another (``mopi-2``: see
            the module notes for why).
        assigned: case ids placed in another category by the force, by id.

    Raises:
        InvalidValueError: no categories, a code twice, a category not in the schedule.
    """

    categories: tuple[RetentionCategory, ...] = attrs.field(
        default=MOPI_GROUPS, converter=_categories
    )
    default: str = "mopi-2"
    assigned: Mapping[str, str] = attrs.field(factory=dict, converter=_assigned)

    def __attrs_post_init__(self) -> None:
        self.category(self.default)
        for code in self.assigned.values():
            self.category(code)

    def category(self, code: str) -> RetentionCategory:
        """The category with ``code``.

        Raises:
            UnknownCodeError: the schedule has no such category, naming those it has.
        """
        for found in self.categories:
            if found.code == code:
                return found
        raise UnknownCodeError("retention category", code, [c.code for c in self.categories])

    def category_of(self, case_id: str) -> RetentionCategory:
        """The category of the case ``case_id``: the force's assignment, or the default."""
        return self.category(self.assigned.get(case_id, self.default))


#: The schedule used when a force gives none: the MoPI groups, SPO cases in group 2.
DEFAULT_SCHEDULE: Final = RetentionSchedule()


class RetentionDecision(enum.Enum):
    """What a retention review decided (MoPI: every decision to retain is recorded)."""

    RETAIN = "retain"
    DISPOSE = "dispose"


def _last_day(days: Iterable[_dt.date | None]) -> pendulum.Date | None:
    found = [pendulum.Date(d.year, d.month, d.day) for d in days if d is not None]
    return max(found, default=None)


def case_clear_day(
    *,
    order_end_days: Iterable[_dt.date | None],
    incident_times: Iterable[_dt.datetime],
    last_review_at: _dt.datetime | None = None,
) -> pendulum.Date | None:
    """The day a case's clear period starts from: its last event, as a London day.

    The latest of the day its last order ended, the London day of its last
    incident, and the London day of its last retention review. ``None`` when
    the case has none of them (a defendant with no order, incident or review).

    Args:
        order_end_days: the last day of each order (``None`` for one without an end).
        incident_times: when each incident happened (aware).
        last_review_at: when the last retention review was decided (aware), if any.
    """
    days: list[_dt.date | None] = list(order_end_days)
    days.extend(as_london_date(ensure_aware(t, field="occurred_at")) for t in incident_times)
    if last_review_at is not None:
        days.append(as_london_date(ensure_aware(last_review_at, field="last_review_at")))
    return _last_day(days)


def next_review_day(clear_day: _dt.date, category: RetentionCategory) -> pendulum.Date:
    """The day a case is due for review: ``review_years`` after its clear day (MoPI, APP
    review periods), by the library's corresponding-date rule (29 February rolls to 1 March)."""
    return corresponding_date(clear_day, years=category.review_years)


def retention_decision(value: object) -> RetentionDecision:
    """``value`` as a decision (``retain`` or ``dispose``).

    Raises:
        UnknownCodeError: anything else, naming the decisions there are.
    """
    if isinstance(value, RetentionDecision):
        return value
    for decision in RetentionDecision:
        if value == decision.value:
            return decision
    raise UnknownCodeError("decision", value, [d.value for d in RetentionDecision])


def _decided_at(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="decided_at")


def _reason(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise RetentionReasonMissingError(value)
    check_text("reason", value, max_length=LONG_TEXT_MAX_LENGTH, multiline=True)


@attrs.frozen
class RetentionReview:
    """One recorded retention decision on a case (MoPI: record each decision and why).

    Attributes:
        review_id: stable id, e.g. ``RR-D1-20361001``.
        case_id: the case (its defendant's id).
        decision: retain or dispose.
        reason: why, in the reviewer's words (required: a decision without a reason is
            refused); it is kept after disposal, so it must not name people.
        category: the code of the case's retention category when decided.
        decided_at: when (aware).
        decided_by: who decided (the actor's id).
        role: the role they acted in.
        next_review: the next review day for a case retained; ``None`` once disposed of.
    """

    review_id: str = attrs.field(validator=identifier)
    case_id: str = attrs.field(validator=identifier)
    decision: RetentionDecision = attrs.field(converter=retention_decision)
    reason: str = attrs.field(validator=_reason)
    category: str = attrs.field(validator=identifier)
    decided_at: pendulum.DateTime = attrs.field(converter=_decided_at)
    decided_by: str = attrs.field(validator=non_empty_text)
    role: str = attrs.field(validator=non_empty_text)
    next_review: pendulum.Date | None = None

    def __attrs_post_init__(self) -> None:
        retained = self.decision is RetentionDecision.RETAIN
        if retained != (self.next_review is not None):
            raise InvalidValueError(
                "next_review",
                self.next_review,
                "a retained case has a next review; a disposed one has none",
            )
