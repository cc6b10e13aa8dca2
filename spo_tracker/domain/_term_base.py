"""The base of the term catalogue: :class:`Term`, its locality limit and nature, and
the checks of the order text a term holds (no address, no coordinates).

Private: import these from :mod:`spo_tracker.domain.terms`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from typing import ClassVar, Final

import attrs
import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.people import Withheld, address_likeness
from spo_tracker.domain.statutory_time import (
    DayPeriod,
    years_beginning_with,
)
from spo_tracker.domain.textfold import coordinate_spans, fold
from spo_tracker.domain.validators import (
    check_bool,
    check_id,
    check_text,
    identifier,
    instance_of,
    long_text,
    non_empty_text,
)
from spo_tracker.errors import InvalidValueError

__all__ = [
    "PROHIBITION",
    "REQUIREMENT",
    "Locality",
    "Term",
    "TermNature",
    "flag",
    "listing",
    "no_address",
    "no_position",
    "optional_place",
    "person_ids",
    "placeholders",
]

PROHIBITION = "SPA2019 s.1(2)(a)"
REQUIREMENT = "SPA2019 s.1(2)(b)"


class TermNature(enum.Enum):
    """Prohibition or positive requirement (SPA2019 s.1(2))."""

    PROHIBITION = "prohibition"
    REQUIREMENT = "requirement"


def no_address(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Text the defendant is shown that must not reveal an address (victim safety).

    The error names the field and the problem but never quotes the text, which
    may be a protected person's address.
    """
    if not isinstance(value, str) or not value or value.isspace():
        non_empty_text(_, attribute, value)  # no text to withhold: the message shows it
    text = check_text(attribute.name, value, shown=Withheld("order text"))
    # Folded too: a postcode with a no-break space or full-width digits, a house number
    # with a soft hyphen in its street, look-alike letters are still an address.
    folded = fold(text, casefold=False)
    problem = address_likeness(text)
    if problem is None and folded != text:  # plain text folds to itself: asked once
        problem = address_likeness(folded)
    problem = problem or _position(text)
    if problem is not None:
        raise InvalidValueError(
            attribute.name,
            Withheld("looks like an address"),
            f"{problem}; text in an order must not reveal an address: name the area "
            "(e.g. 'Zone A') or a public place instead",
        )


def _position(text: str) -> str | None:
    """What in ``text`` pinpoints a place on its own: coordinates (decimal or degrees,
    minutes and seconds, however spaced or written; grid references; see
    :func:`~spo_tracker.domain.textfold.coordinate_spans`), exactly as they were refused
    before 8 December 2026 (``codes=False``): an order stored then must stay readable.
    The forms that function learnt since are redacted wherever text is shown."""
    if coordinate_spans(fold(text), codes=False):
        return "contains coordinates"
    return None


_checked_text = long_text(blank_ok=False)


def no_position(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Order text that may name a place (a requirement's description, a sign-on station)
    but must not pinpoint one: coordinates are refused, unquoted (the zone's shape
    carries every position an order needs).

    A house number, street or postcode is not refused here: a station or a course
    has a public address. :func:`~spo_tracker.domain.safety.exposure_warnings`
    warns when one is a protected person's.
    """
    _checked_text(_, attribute, value)
    problem = _position(str(value))
    if problem is not None:
        raise InvalidValueError(
            attribute.name,
            Withheld("may pinpoint a place"),
            f"{problem}; text in an order must not pinpoint a place: name it instead",
        )


def person_ids(value: Iterable[str]) -> tuple[str, ...]:
    # A bare string is iterable too: "P1" would silently become the persons "1" and "P".
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("persons", value, "give a collection of person ids, e.g. ['P1']")
    given = tuple(value)
    if not given:
        raise InvalidValueError("persons", value, "name at least one person, each by an id")
    for person in given:
        check_id("persons", person)
    return tuple(sorted(set(given)))


def flag(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    check_bool(attribute.name, value)


def optional_place(_: object, attribute: attrs.Attribute[GeoPoint | None], value: object) -> None:
    if value is not None and not isinstance(value, GeoPoint):
        raise InvalidValueError(attribute.name, Withheld("a place"), "must be a GeoPoint or None")


@attrs.frozen
class Locality:
    """A locality limit (SPA2019 s.2(4)): the term applies only inside ``area``.

    ``name`` is order text the defendant is shown: text that looks like an address
    (a postcode, a house number and street) is refused.
    """

    name: str = attrs.field(validator=no_address)
    area: Circle | Polygon | None = attrs.field(
        default=None, validator=instance_of((Circle, Polygon), optional=True)
    )

    def covers(self, point: GeoPoint | None) -> bool:
        """Whether ``point`` is in the locality; an unknown point or area counts as inside."""
        if point is None or self.area is None:
            return True
        return self.area.contains(point)


@attrs.frozen(kw_only=True)
class Term:
    """A term of an order. Subclasses are the catalogue's term types.

    Attributes:
        term_id: stable id within the order, e.g. ``"T1"``.
        period: the term's own period, where it differs from the order's (s.3(3), s.6(e)).
        locality: the locality limit, if any (s.2(4), s.6(d)).
    """

    CODE: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    SECTION: ClassVar[str] = PROHIBITION
    NATURE: ClassVar[TermNature] = TermNature.PROHIBITION

    term_id: str = attrs.field(validator=identifier)
    period: DayPeriod | None = attrs.field(
        default=None, validator=instance_of(DayPeriod, optional=True)
    )
    locality: Locality | None = attrs.field(
        default=None, validator=instance_of(Locality, optional=True)
    )

    def describe(self) -> str:
        """The term's own words, without period or locality."""
        raise NotImplementedError

    def render(self, person_names: dict[str, str] | None = None) -> str:
        """Plain English for the order and reports, with period and locality appended.

        Args:
            person_names: names to put in place of the ``[person id]`` placeholders;
                an id without a name stays as its placeholder.
        """
        text = self.describe()
        if person_names:
            # One pass, so that a name that itself contains "[P2]" is not substituted again.
            text = _PLACEHOLDER.sub(lambda m: person_names.get(m[1], m[0]), text)
        if self.locality is not None:
            text += f", within {self.locality.name}"
        if self.period is not None:
            text += f", from {self.period.first_day} until the end of {self.period.last_day}"
        return text + "."

    def applies_at(self, at: pendulum.DateTime) -> bool:
        """Whether the term's own period (if any) covers the instant ``at``."""
        return self.period is None or self.period.contains(at)

    def short_of_two_years(self, order_made: pendulum.Date) -> bool:
        """OPEN point (SPA2019 s.3(3)): a term shorter than 2 years is a warning, not an error."""
        if self.period is None:
            return False
        return self.period.last_day < years_beginning_with(order_made, 2).last_day


_PLACEHOLDER: Final = re.compile(r"\[([^\[\]]+)\]")


def placeholders(persons: Sequence[str]) -> str:
    return " or ".join(f"[{p}]" for p in persons)


def listing(items: Sequence[str], conjunction: str) -> str:
    """``A``, ``A or B``, ``A, B or C``: a list as written in an order."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
