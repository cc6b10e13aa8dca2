"""The parts of an order's record: its kind, origin, state, the causes of its versions, a
duration, and one version (re-exported by :mod:`spo_tracker.domain.orders`)."""

from __future__ import annotations

import datetime as _dt
import enum
import functools
from collections.abc import Iterable, Mapping
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.statutory_time import (
    DayPeriod,
    add_calendar,
    as_london_date,
    ensure_aware,
    ensure_date,
    start_of_london_day,
)
from spo_tracker.domain.terms import Term
from spo_tracker.domain.validators import (
    instance_of,
    long_text,
)
from spo_tracker.errors import (
    InvalidValueError,
)

__all__ = [
    "MAX_DURATION_PART",
    "Duration",
    "OrderKind",
    "OrderOrigin",
    "OrderState",
    "OrderVersion",
    "VersionCause",
]


class OrderKind(enum.Enum):
    """Interim order (SPA2019 s.5) or full order (s.2)."""

    INTERIM = "interim"
    FULL = "full"

    @property
    def result_code(self) -> str:
        """CJS result code: 3306 interim SPO, 3307 SPO."""
        return "3306" if self is OrderKind.INTERIM else "3307"


class OrderOrigin(enum.Enum):
    """How the order came about; court-made orders are for the pending Crime and Policing law."""

    POLICE_APPLICATION = "police_application"
    COURT_ON_CONVICTION = "court_on_conviction"
    COURT_ON_ACQUITTAL = "court_on_acquittal"


class OrderState(enum.Enum):
    """Where an order is in its lifecycle."""

    MADE = "made"
    SERVED = "served"
    DISCHARGED = "discharged"
    EXPIRED = "expired"
    CEASED = "ceased"
    QUASHED = "quashed"

    @property
    def live(self) -> bool:
        """Made or served: the order is in force (an appeal does not stay it, SPA2019 s.7)."""
        return self in (OrderState.MADE, OrderState.SERVED)


class VersionCause(enum.Enum):
    """What produced an order version."""

    MADE = "made"
    VARIED = "varied"
    RENEWED = "renewed"
    VARIED_ON_APPEAL = "varied_on_appeal"


#: The largest number of any one unit in a stated duration (as in the interchange).
MAX_DURATION_PART: Final = 1000


def _nonneg(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_DURATION_PART:
        raise InvalidValueError(
            attribute.name, value, f"must be a whole number from 0 to {MAX_DURATION_PART:,}"
        )


def _version_number(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(attribute.name, value, "must be a whole number, 1 or more")


def _decided_on(value: object) -> pendulum.Date:
    return ensure_date(value, field="decided_on")


def _terms(value: object) -> tuple[Term, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidValueError("terms", value, "give a sequence of Term records")
    terms = tuple(value)
    for i, term in enumerate(terms):
        if not isinstance(term, Term):
            raise InvalidValueError(f"terms[{i}]", term, "is not a Term")
    return terms


@attrs.frozen
class Duration:
    """A calendar length stated in an order (SPA2019 s.6(b)), counted from a day as day 1."""

    years: int = attrs.field(default=0, validator=_nonneg)
    months: int = attrs.field(default=0, validator=_nonneg)
    weeks: int = attrs.field(default=0, validator=_nonneg)
    days: int = attrs.field(default=0, validator=_nonneg)

    def __attrs_post_init__(self) -> None:
        if not (self.years or self.months or self.weeks or self.days):
            raise InvalidValueError("duration", self, "must be longer than zero")

    def period_from(self, day: _dt.date) -> DayPeriod:
        """The days of this length beginning with ``day`` (``day`` is day 1).

        Raises:
            InvalidValueError: ``day`` is not a calendar date (a datetime is refused).
        """
        first = ensure_date(day, field="day")
        after = add_calendar(
            first, years=self.years, months=self.months, weeks=self.weeks, days=self.days
        )
        return DayPeriod(first, after.subtract(days=1))

    def render(self) -> str:
        """E.g. ``2 years`` or ``1 year, 6 months``."""
        parts = [
            f"{n} {unit}{'' if n == 1 else 's'}"
            for n, unit in (
                (self.years, "year"),
                (self.months, "month"),
                (self.weeks, "week"),
                (self.days, "day"),
            )
            if n
        ]
        return ", ".join(parts)


@functools.lru_cache(maxsize=4096)
def _day_start(day: pendulum.Date) -> pendulum.DateTime:
    """The instant ``day`` begins in London (cached: version_at asks for it often)."""
    return start_of_london_day(day)


def _decided_at(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="decided_at")


@attrs.frozen
class OrderVersion:
    """One immutable version of an order's content.

    A later version is in force from the moment the court decided it,
    ``decided_at``; before that the version it replaced still binds (a
    variation made at 16:00 does not reach back to conduct at 09:00 the same
    day). Versions written before the library kept that instant have
    ``decided_at=None`` and are taken to be in force from the start of the
    London day ``decided_on`` (the documented fallback, docs/domain.md).

    Attributes:
        number: 1 for the order as made, then 2, 3...
        cause: made, varied, renewed or varied on appeal.
        decided_on: the day the court made this version.
        duration: the fixed period stated (s.6(b)), or ``None`` for "until further order".
        period: the days the order runs, counted from the day the order was made;
            ``None`` for "until further order".
        terms: prohibitions and requirements (s.6(c)-(e)).
        reason: the court's reason or note, for the audit trail.
        decided_at: the instant the court decided this version (aware, on the
            London day ``decided_on``); ``None`` for data written before it was kept.
            Version 1 is in force from the order's ``made_at`` whatever this says.
    """

    number: int = attrs.field(validator=_version_number)
    cause: VersionCause = attrs.field(validator=instance_of(VersionCause))
    decided_on: pendulum.Date = attrs.field(converter=_decided_on)
    duration: Duration | None = attrs.field(validator=instance_of(Duration, optional=True))
    period: DayPeriod | None = attrs.field(validator=instance_of(DayPeriod, optional=True))
    terms: tuple[Term, ...] = attrs.field(converter=_terms)
    reason: str = attrs.field(default="", validator=long_text())
    decided_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=_decided_at, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        if self.decided_at is not None and as_london_date(self.decided_at) != self.decided_on:
            raise InvalidValueError(
                "decided_at",
                self.decided_at,
                f"falls on another London day than decided_on {self.decided_on}",
            )
        if (self.duration is None) != (self.period is None):
            # s.6(b): a fixed period is stated with its length; "until further order" has neither.
            raise InvalidValueError(
                "period",
                self.period,
                f"must be given with a duration, and only then ({self.duration})",
            )
        if not self.terms:
            raise InvalidValueError("terms", self.terms, "an order needs at least one term")
        ids = [t.term_id for t in self.terms]
        if len(set(ids)) != len(ids):
            raise InvalidValueError("terms", ids, "term ids must be unique within an order")

    @property
    def starts_at(self) -> pendulum.DateTime:
        """When this version replaces the one before it: ``decided_at``, or for a version
        recorded without it, the start of the London day ``decided_on``."""
        if self.decided_at is not None:
            return self.decided_at
        return _day_start(self.decided_on)

    def term(self, term_id: str) -> Term:
        """The term with that id."""
        for t in self.terms:
            if t.term_id == term_id:
                return t
        raise InvalidValueError("term_id", term_id, "no such term in this version")
