"""The catalogue's positive requirements (SPA2019 s.1(2)(b)): do something by a due
day, or sign on at a police station on given weekdays.

Private: import these from :mod:`spo_tracker.domain.terms`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import ClassVar, Final

import attrs
import pendulum

from spo_tracker.domain._term_base import (
    REQUIREMENT,
    Term,
    TermNature,
    listing,
    no_position,
    optional_place,
)
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.statutory_time import (
    ensure_date,
)
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "PositiveRequirement",
    "RequirementKind",
    "SignOnSchedule",
]


class RequirementKind(enum.Enum):
    """Positive requirements in the CPS guidance list."""

    ASSESSMENT = "assessment"
    PERPETRATOR_PROGRAMME = "perpetrator_programme"
    MENTAL_HEALTH_ASSESSMENT = "mental_health_assessment"
    DRUG_OR_ALCOHOL_PROGRAMME = "drug_or_alcohol_programme"
    SURRENDER_DEVICES = "surrender_devices"
    ACCOUNT_ACCESS = "account_access"
    OTHER = "other"


def _requirement_kind(value: str | RequirementKind) -> RequirementKind:
    if isinstance(value, RequirementKind):
        return value
    try:
        return RequirementKind(value)
    except ValueError:
        raise UnknownCodeError("requirement", value, [k.value for k in RequirementKind]) from None


def _due_on(value: object) -> pendulum.Date:
    return ensure_date(value, field="due_on")


@attrs.frozen(kw_only=True)
class PositiveRequirement(Term):
    """Do something by a due date (attend an assessment, surrender devices...)."""

    CODE: ClassVar[str] = "SPO-R01"
    TITLE: ClassVar[str] = "Positive requirement"
    SECTION: ClassVar[str] = REQUIREMENT
    NATURE: ClassVar[TermNature] = TermNature.REQUIREMENT

    requirement: RequirementKind = attrs.field(converter=_requirement_kind)
    description: str = attrs.field(validator=no_position)
    due_on: pendulum.Date = attrs.field(converter=_due_on)
    place: GeoPoint | None = attrs.field(default=None, validator=optional_place)

    def describe(self) -> str:
        return f"To {self.description} by the end of {self.due_on}"


def _weekdays(value: Iterable[int]) -> frozenset[int]:
    if not isinstance(value, Iterable) or isinstance(value, str):
        raise InvalidValueError("weekdays", value, "give a collection of days, e.g. [0, 3]")
    given = tuple(value)
    if not given or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in given
    ):
        raise InvalidValueError("weekdays", value, "give days 0 (Monday) to 6 (Sunday)")
    return frozenset(given)


_DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@attrs.frozen(kw_only=True)
class SignOnSchedule(Term):
    """Sign on at a police station on given weekdays (London calendar days)."""

    CODE: ClassVar[str] = "SPO-R02"
    TITLE: ClassVar[str] = "Sign-on schedule"
    SECTION: ClassVar[str] = REQUIREMENT
    NATURE: ClassVar[TermNature] = TermNature.REQUIREMENT

    station: str = attrs.field(validator=no_position)
    weekdays: frozenset[int] = attrs.field(converter=_weekdays)
    place: GeoPoint | None = attrs.field(default=None, validator=optional_place)

    def describe(self) -> str:
        days = listing([_DAY_NAMES[d] for d in sorted(self.weekdays)], "and")
        return f"To sign on in person at {self.station} police station every {days}"


#: Every term type by its stable code.
