"""Victim safety: whether an order's terms could lead the defendant to a protected person.

An exclusion zone is order content the defendant is shown: they must know
where not to go. So a zone must be *drawn* so that it covers an area without
pinpointing a protected person's home or the places they go, and nothing
else in the order's wording may carry their address. The term catalogue
already refuses labels and locality names that look like an address
(:func:`~spo_tracker.domain.people.address_likeness`); this module compares
an order's terms with the protected persons' restricted details, which only
the police hold, and warns:

- ``zone_centre_near_place``: a circular zone's centre lies within the
  distance (default :data:`DEFAULT_DISTANCE_M`) of a protected person's home
  address point or one of their known places. A circle centred on a home
  tells the defendant where the home is.
- ``zone_vertex_near_place``: a polygon's corner lies within that distance of
  one; a corner drawn on the home pinpoints it just as well.
- ``text_names_address``: the text of a term (a zone's label, a locality's
  name, a sign-on station, a requirement's description) contains a protected
  person's postcode or the house number or street of one of their address
  lines (however the street word is abbreviated, see
  :func:`~spo_tracker.domain.people.street_patterns`). A street named without a
  number is allowed by the catalogue; it is warned about here when it is the
  protected person's own street.

A term whose text contains a protected person's *name* is refused, not warned
about (:class:`~spo_tracker.errors.InvalidValueError`): order text has no
reason to name the person it protects, and the defendant is shown it. The name
is matched folded (:mod:`~spo_tracker.domain.textfold`: any case, spacing,
punctuation between letters, look-alike letters), whole (``Sarah Collins``,
``SARAH-COLLINS``, ``SarahCollins``) or any part of three letters or more on
its own, as a word (``Collins Park`` for Sarah Collins; ``Al`` and ``Jo`` are
too short to tell from ordinary words). This is eager: a public place that
shares a protected person's first name or surname must be worded otherwise.

A zone that merely *contains* a home is what zones are for and is not warned
about. Warnings are for officers: they name the term, the person and the rule,
never the coordinates, the distance found or the address. The check is pure:
no clock, no storage, no I/O.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Iterator
from typing import Final

import attrs

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.geo import distance_m as _metres
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Address, ProtectedPerson, Withheld, street_patterns
from spo_tracker.domain.terms import (
    ExclusionZone,
    PositiveRequirement,
    SignOnSchedule,
    Term,
)
from spo_tracker.domain.textfold import fold, folded_address, spaced
from spo_tracker.errors import InvalidValueError

__all__ = [
    "DEFAULT_DISTANCE_M",
    "MIN_NAME_PART",
    "SAFETY_SECTION",
    "ExposureRule",
    "ExposureWarning",
    "exposure_warnings",
    "refuse_named_persons",
]

#: How close a zone's centre or corner may come to a home or known place unwarned.
DEFAULT_DISTANCE_M: Final = 250.0
#: What the warnings are about, where a statutory section would stand (not a rule of the Act).
SAFETY_SECTION: Final = "victim safety"


class ExposureRule(enum.Enum):
    """The ways a term can point to a protected person's whereabouts."""

    ZONE_CENTRE_NEAR_PLACE = "zone_centre_near_place"
    ZONE_VERTEX_NEAR_PLACE = "zone_vertex_near_place"
    TEXT_NAMES_ADDRESS = "text_names_address"


@attrs.frozen
class ExposureWarning:
    """A term that may reveal where a protected person lives or goes.

    Attributes:
        rule: which check found it.
        term_id: the term at fault.
        person_id: the protected person it may expose.
        message: plain English naming the term, the person and the rule; never a
            coordinate, a distance found or any address text.
    """

    rule: ExposureRule
    term_id: str
    person_id: str
    message: str


@attrs.frozen
class _Place:
    """One restricted point of a person, described without revealing it."""

    what: str
    point: GeoPoint


def _places(person: ProtectedPerson) -> list[_Place]:
    details = person.restricted
    found = []
    if details.address is not None and details.address.location is not None:
        found.append(_Place("home address", details.address.location))
    for i, (_, point) in enumerate(details.places, start=1):
        found.append(_Place(f"known place {i}", point))
    return found


def _distance(value: object) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidValueError("distance_m", value, "must be a finite number of metres, 0 or more")
    return float(value)


def _zone_warnings(
    term: ExclusionZone, person: ProtectedPerson, within: float
) -> Iterator[ExposureWarning]:
    shape = term.zone
    corners: tuple[GeoPoint, ...]
    if isinstance(shape, Circle):
        rule, corners, part = ExposureRule.ZONE_CENTRE_NEAR_PLACE, (shape.centre,), "centre"
    else:
        assert isinstance(shape, Polygon)
        rule, corners, part = ExposureRule.ZONE_VERTEX_NEAR_PLACE, shape.ring, "a corner"
    for place in _places(person):
        if any(_metres(c, place.point) <= within for c in corners):
            yield ExposureWarning(
                rule,
                term.term_id,
                person.person_id,
                f"term {term.term_id}: {part} of the exclusion zone lies within {within:g} m "
                f"of protected person {person.person_id}'s {place.what} ({rule.value}); "
                "redraw it so that it covers the area without pinpointing the place",
            )


def _texts(term: Term) -> list[tuple[str, str]]:
    """The term's free text fields that end up in the order's wording, by name."""
    texts = []
    if isinstance(term, ExclusionZone):
        texts.append(("label", term.label))
    if isinstance(term, SignOnSchedule):
        texts.append(("station", term.station))
    if isinstance(term, PositiveRequirement):
        texts.append(("description", term.description))
    if term.locality is not None:
        texts.append(("locality", term.locality.name))
    return texts


def _text_pattern(person: ProtectedPerson) -> re.Pattern[str] | None:
    """One pattern for the person's postcode (with any spacing) and the streets of their
    address, to be matched against folded text (:mod:`~spo_tracker.domain.textfold`)."""
    address = person.restricted.address
    if address is None:
        return None
    folded = Address(folded_address(address.lines), "")
    parts = [pattern for _, pattern in street_patterns(folded)]
    code = fold(address.postcode).strip()
    if code:
        parts.append(rf"(?<!\w){spaced(code)}(?!\w)")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


#: The shortest part of a name that is refused on its own in order text.
MIN_NAME_PART: Final = 3


def _name_pattern(person: ProtectedPerson) -> re.Pattern[str]:
    """The person's name, whole or any part of :data:`MIN_NAME_PART` letters or more,
    as a word of folded text with anything but letters and digits between its letters."""
    words = [w for w in re.split(r"[\W_]+", fold(person.name)) if w]
    texts = {"".join(words), *(w for w in words if len(w) >= MIN_NAME_PART)}
    body = "|".join(
        r"[\W_]*".join(re.escape(c) for c in t)
        for t in sorted(texts, key=lambda t: (-len(t), t))
        if t
    )
    return re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])")


def refuse_named_persons(terms: Iterable[Term], persons: Iterable[ProtectedPerson]) -> None:
    """Refuse terms whose text names one of ``persons`` (see the module's description).

    Raises:
        InvalidValueError: naming the term and its field; the text and the name are
            withheld.
    """
    patterns = [(person, _name_pattern(person)) for person in persons]
    for term in terms:
        for field, text in _texts(term):
            folded = fold(text)
            for person, pattern in patterns:
                if pattern.search(folded):
                    raise InvalidValueError(
                        f"term {term.term_id} {field}",
                        Withheld("order text"),
                        f"names protected person {person.person_id} (their name, or part of "
                        "it); order text must not name the person it protects: name the "
                        "area (e.g. 'Zone A') or a public place instead",
                    )


def _text_warnings(term: Term, person: ProtectedPerson) -> Iterator[ExposureWarning]:
    pattern = _text_pattern(person)
    if pattern is None:
        return
    rule = ExposureRule.TEXT_NAMES_ADDRESS
    for name, text in _texts(term):
        # Folded: a soft hyphen, an odd space or a Cyrillic letter does not hide a street.
        if pattern.search(fold(text)):
            yield ExposureWarning(
                rule,
                term.term_id,
                person.person_id,
                f"term {term.term_id}: its {name} contains the postcode or a street of "
                f"protected person {person.person_id}'s address ({rule.value}); "
                "reword it so that it does not point to their home",
            )


def exposure_warnings(
    subject: Order | Iterable[Term],
    protected_persons: Iterable[ProtectedPerson],
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
) -> tuple[ExposureWarning, ...]:
    """Warnings for terms that may reveal where a protected person lives or goes.

    Args:
        subject: an order (its current terms) or the terms themselves.
        protected_persons: the persons to check against, with their restricted
            details; a person without an address point or places gives no
            distance warnings, one without an address no text warnings.
        distance_m: how close (in metres) a zone's centre or corner may come to a
            home or known place before it is warned about.

    Returns:
        The warnings, in term order then person order; empty when none.

    Raises:
        InvalidValueError: a distance that is negative or not a finite number, a
            protected person that is not a :class:`ProtectedPerson`, or a term whose
            text names a protected person (:func:`refuse_named_persons`: refused, so
            that :func:`~spo_tracker.domain.lifecycles.making.make_order` given the
            persons refuses the order).
    """
    within = _distance(distance_m)
    terms = subject.terms if isinstance(subject, Order) else tuple(subject)
    persons = tuple(protected_persons)
    for person in persons:
        if not isinstance(person, ProtectedPerson):
            raise InvalidValueError(
                "protected_persons", type(person).__name__, "give ProtectedPerson records"
            )
    refuse_named_persons(terms, persons)
    found: list[ExposureWarning] = []
    for term in terms:
        for person in persons:
            if isinstance(term, ExclusionZone):
                found.extend(_zone_warnings(term, person, within))
            found.extend(_text_warnings(term, person))
    return tuple(found)
