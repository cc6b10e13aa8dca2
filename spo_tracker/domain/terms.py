"""The versioned catalogue of SPO terms: prohibitions and positive requirements.

Every term type has a stable code, a plain-English rendering and the statute
it rests on. A term may have its own period (SPA2019 s.3(3), recorded under
s.6(e)) and a locality limit (s.2(4), recorded under s.6(d)); without a
locality it applies throughout the United Kingdom.

Catalogue version history: ``1`` (first release).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from typing import ClassVar, Final

import attrs
import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import SOCIAL_MEDIA, Platform, normalise_platform
from spo_tracker.domain.people import Withheld, address_likeness
from spo_tracker.domain.statutory_time import (
    DayPeriod,
    days_beginning_with,
    ensure_date,
    years_beginning_with,
)
from spo_tracker.domain.textfold import coordinate_spans, fold
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "CATALOGUE_VERSION",
    "TERM_TYPES",
    "DeviceBrowsingHistory",
    "ExclusionZone",
    "Locality",
    "NoApproach",
    "NoContact",
    "NoOnlineReference",
    "NoRecordingImages",
    "NoSurveillance",
    "NoThirdPartyContact",
    "PlatformBan",
    "PositiveRequirement",
    "RequirementKind",
    "SignOnSchedule",
    "Term",
    "TermNature",
    "catalogue_examples",
    "catalogue_markdown",
    "find_incompatibilities",
    "term_type",
]

CATALOGUE_VERSION: Final = "1"

_PROHIBITION = "SPA2019 s.1(2)(a)"
_REQUIREMENT = "SPA2019 s.1(2)(b)"


class TermNature(enum.Enum):
    """Prohibition or positive requirement (SPA2019 s.1(2))."""

    PROHIBITION = "prohibition"
    REQUIREMENT = "requirement"


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(attribute.name, value, "must be non-empty text")


def _no_address(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Text the defendant is shown that must not reveal an address (victim safety).

    The error names the field and the problem but never quotes the text, which
    may be a protected person's address.
    """
    _text(_, attribute, value)
    text = str(value)
    # Folded too: a postcode with a no-break space or full-width digits, a house number
    # with a soft hyphen in its street, look-alike letters are still an address.
    problem = address_likeness(text) or address_likeness(fold(text, casefold=False))
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
    minutes and seconds, however spaced or written; see
    :func:`~spo_tracker.domain.textfold.coordinate_spans`)."""
    if coordinate_spans(fold(text)):
        return "contains coordinates"
    return None


def _no_position(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Order text that may name a place (a requirement's description, a sign-on station)
    but must not pinpoint one: coordinates are refused, unquoted (the zone's shape
    carries every position an order needs).

    A house number, street or postcode is not refused here: a station or a course
    has a public address. :func:`~spo_tracker.domain.safety.exposure_warnings`
    warns when one is a protected person's.
    """
    _text(_, attribute, value)
    problem = _position(str(value))
    if problem is not None:
        raise InvalidValueError(
            attribute.name,
            Withheld("may pinpoint a place"),
            f"{problem}; text in an order must not pinpoint a place: name it instead",
        )


def _persons(value: Iterable[str]) -> tuple[str, ...]:
    # A bare string is iterable too: "P1" would silently become the persons "1" and "P".
    if isinstance(value, str):
        raise InvalidValueError("persons", value, "give a collection of person ids, e.g. ['P1']")
    given = tuple(value)
    if not given or not all(isinstance(p, str) and p.strip() for p in given):
        raise InvalidValueError(
            "persons", value, "name at least one person, each by a non-empty id"
        )
    return tuple(sorted(set(given)))


@attrs.frozen
class Locality:
    """A locality limit (SPA2019 s.2(4)): the term applies only inside ``area``.

    ``name`` is order text the defendant is shown: text that looks like an address
    (a postcode, a house number and street) is refused.
    """

    name: str = attrs.field(validator=_no_address)
    area: Circle | Polygon | None = None

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
    SECTION: ClassVar[str] = _PROHIBITION
    NATURE: ClassVar[TermNature] = TermNature.PROHIBITION

    term_id: str = attrs.field(validator=_text)
    period: DayPeriod | None = None
    locality: Locality | None = None

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


def _names(persons: Sequence[str]) -> str:
    return " or ".join(f"[{p}]" for p in persons)


def _listing(items: Sequence[str], conjunction: str) -> str:
    """``A``, ``A or B``, ``A, B or C``: a list as written in an order."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


@attrs.frozen(kw_only=True)
class NoContact(Term):
    """Not to contact the named persons directly by any means."""

    CODE: ClassVar[str] = "SPO-P01"
    TITLE: ClassVar[str] = "No contact"

    persons: tuple[str, ...] = attrs.field(converter=_persons)

    def describe(self) -> str:
        return (
            f"Not to contact {_names(self.persons)} by any means, including in person, "
            "by telephone, text message, email, letter or social media"
        )


@attrs.frozen(kw_only=True)
class NoThirdPartyContact(Term):
    """Not to contact the named persons through another person."""

    CODE: ClassVar[str] = "SPO-P02"
    TITLE: ClassVar[str] = "No contact through third parties"

    persons: tuple[str, ...] = attrs.field(converter=_persons)

    def describe(self) -> str:
        return f"Not to contact {_names(self.persons)} through any other person"


def _platforms(value: Iterable[str | Platform]) -> frozenset[Platform]:
    # A bare name would be iterated letter by letter ("x" happens to be a platform).
    if isinstance(value, str | Platform):
        raise InvalidValueError("platforms", value, "give a collection of platforms, e.g. ['x']")
    return frozenset(normalise_platform(p) for p in value)


@attrs.frozen(kw_only=True)
class PlatformBan(Term):
    """Not to use the named platforms at all (the West Midlands platform bans)."""

    CODE: ClassVar[str] = "SPO-P03"
    TITLE: ClassVar[str] = "Platform ban"

    platforms: frozenset[Platform] = attrs.field(converter=_platforms, factory=frozenset)
    any_social_media: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.platforms and not self.any_social_media:
            raise InvalidValueError("platforms", self.platforms, "ban at least one platform")

    def bans(self, platform: Platform | None) -> bool:
        """Whether activity on ``platform`` is banned."""
        if platform is None:
            return False
        return platform in self.platforms or (self.any_social_media and platform in SOCIAL_MEDIA)

    def describe(self) -> str:
        names = sorted(p.label for p in self.platforms)
        if self.any_social_media:
            names.append("any other social media" if names else "any social media")
        return f"Not to use or hold an account on {_listing(names, 'or')}"


def _shape(_: object, attribute: attrs.Attribute[Circle | Polygon], value: object) -> None:
    if not isinstance(value, Circle | Polygon):
        raise InvalidValueError("zone", value, "must be a Circle or a Polygon")


@attrs.frozen(kw_only=True)
class ExclusionZone(Term):
    """Not to enter a zone drawn on a map.

    The zone and its label are order content the defendant is shown (they must
    know where not to go), so neither may reveal a protected person's address.
    ``label`` is refused when it looks like an address (a UK postcode or
    postcode district, or a house number and a street or name, see
    :func:`~spo_tracker.domain.people.address_likeness`); a street named without a
    number is allowed. Where the zone is drawn is checked against the protected
    persons' restricted details by :func:`~spo_tracker.domain.safety.exposure_warnings`.

    Raises:
        InvalidValueError: the label is blank or looks like an address (the message
            names the field and the problem, never the label).
    """

    CODE: ClassVar[str] = "SPO-P04"
    TITLE: ClassVar[str] = "Exclusion zone"

    zone: Circle | Polygon = attrs.field(validator=_shape)
    label: str = attrs.field(validator=_no_address)

    def describe(self) -> str:
        return (
            f"Not to enter the exclusion zone {self.label}, "
            "as shown on the map attached to the order"
        )


def _distance(_: object, attribute: attrs.Attribute[float], value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 50_000:
        raise InvalidValueError(
            "distance_m", value, "must be more than 0 and at most 50,000 metres"
        )


@attrs.frozen(kw_only=True)
class NoApproach(Term):
    """Not to approach within a distance of the named persons."""

    CODE: ClassVar[str] = "SPO-P05"
    TITLE: ClassVar[str] = "No approach"

    persons: tuple[str, ...] = attrs.field(converter=_persons)
    distance_m: float = attrs.field(validator=_distance)

    def describe(self) -> str:
        return f"Not to approach within {self.distance_m:g} metres of {_names(self.persons)}"


@attrs.frozen(kw_only=True)
class NoOnlineReference(Term):
    """Not to refer to the named persons online, directly or indirectly."""

    CODE: ClassVar[str] = "SPO-P06"
    TITLE: ClassVar[str] = "No online reference"

    persons: tuple[str, ...] = attrs.field(converter=_persons)

    def describe(self) -> str:
        return (
            f"Not to refer to {_names(self.persons)} on any social media or website, "
            "directly or indirectly"
        )


@attrs.frozen(kw_only=True)
class NoSurveillance(Term):
    """Not to watch, follow, loiter near or monitor the named persons (PHA 1997 s.2A(3))."""

    CODE: ClassVar[str] = "SPO-P07"
    TITLE: ClassVar[str] = "No surveillance"

    persons: tuple[str, ...] = attrs.field(converter=_persons)

    def describe(self) -> str:
        return (
            f"Not to follow, watch, loiter near or monitor {_names(self.persons)}, "
            "in person or by electronic means"
        )


@attrs.frozen(kw_only=True)
class NoRecordingImages(Term):
    """Not to photograph or film the named persons."""

    CODE: ClassVar[str] = "SPO-P08"
    TITLE: ClassVar[str] = "No recording images"

    persons: tuple[str, ...] = attrs.field(converter=_persons)

    def describe(self) -> str:
        return f"Not to take or record any image of {_names(self.persons)}"


@attrs.frozen(kw_only=True)
class DeviceBrowsingHistory(Term):
    """Not to use an internet-capable device unless it keeps and shows its browsing history."""

    CODE: ClassVar[str] = "SPO-P09"
    TITLE: ClassVar[str] = "Device browsing history"

    def describe(self) -> str:
        return (
            "Not to use any device capable of accessing the internet unless it keeps "
            "a browsing history and the history is made available to the police on request"
        )


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
    SECTION: ClassVar[str] = _REQUIREMENT
    NATURE: ClassVar[TermNature] = TermNature.REQUIREMENT

    requirement: RequirementKind = attrs.field(converter=_requirement_kind)
    description: str = attrs.field(validator=_no_position)
    due_on: pendulum.Date = attrs.field(converter=_due_on)
    place: GeoPoint | None = None

    def describe(self) -> str:
        return f"To {self.description} by the end of {self.due_on}"


def _weekdays(value: Iterable[int]) -> frozenset[int]:
    if not isinstance(value, Iterable) or isinstance(value, str):
        raise InvalidValueError("weekdays", value, "give a collection of days, e.g. [0, 3]")
    days = frozenset(value)
    if not days or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
    ):
        raise InvalidValueError("weekdays", value, "give days 0 (Monday) to 6 (Sunday)")
    return days


_DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@attrs.frozen(kw_only=True)
class SignOnSchedule(Term):
    """Sign on at a police station on given weekdays (London calendar days)."""

    CODE: ClassVar[str] = "SPO-R02"
    TITLE: ClassVar[str] = "Sign-on schedule"
    SECTION: ClassVar[str] = _REQUIREMENT
    NATURE: ClassVar[TermNature] = TermNature.REQUIREMENT

    station: str = attrs.field(validator=_no_position)
    weekdays: frozenset[int] = attrs.field(converter=_weekdays)
    place: GeoPoint | None = None

    def describe(self) -> str:
        days = _listing([_DAY_NAMES[d] for d in sorted(self.weekdays)], "and")
        return f"To sign on in person at {self.station} police station every {days}"


#: Every term type by its stable code.
TERM_TYPES: Final[dict[str, type[Term]]] = {
    cls.CODE: cls
    for cls in (
        NoContact,
        NoThirdPartyContact,
        PlatformBan,
        ExclusionZone,
        NoApproach,
        NoOnlineReference,
        NoSurveillance,
        NoRecordingImages,
        DeviceBrowsingHistory,
        PositiveRequirement,
        SignOnSchedule,
    )
}


def term_type(code: str) -> type[Term]:
    """The term class for a catalogue code.

    Raises:
        UnknownCodeError: not a code in this catalogue version.
    """
    try:
        return TERM_TYPES[code]
    except KeyError:
        raise UnknownCodeError("term code", code, sorted(TERM_TYPES)) from None


def _places(terms: Iterable[Term]) -> list[tuple[Term, GeoPoint]]:
    found: list[tuple[Term, GeoPoint]] = []
    for term in terms:
        place = getattr(term, "place", None)
        if isinstance(place, GeoPoint):
            found.append((term, place))
    return found


def find_incompatibilities(new: Iterable[Term], existing: Iterable[Term]) -> list[str]:
    """Clashes between a new order's terms and a live order's (SPA2019 s.2(6)-(7)).

    The library's concrete test (the court decides the rest): a requirement to
    be at a place (an assessment, a sign-on station) that lies inside an
    exclusion zone of the other order, in either direction.

    Returns:
        One sentence per clash; empty when none was found.
    """
    new, existing = list(new), list(existing)
    clashes = []
    for zones, places in ((existing, new), (new, existing)):
        for zone in (t for t in zones if isinstance(t, ExclusionZone)):
            for term, place in _places(places):
                if zone.zone.contains(place):
                    clashes.append(
                        f"term {term.term_id} ({term.TITLE}) requires presence inside "
                        f"exclusion zone {zone.term_id} ({zone.label})"
                    )
    return clashes


#: The placeholder names used by the catalogue page's example renderings.
_EXAMPLE_NAMES: Final = {"P1": "the protected person"}


def catalogue_examples() -> dict[str, Term]:
    """One example of each term type, by code: the renderings shown in ``docs/terms.md``.

    Every code in :data:`TERM_TYPES` must have an example here; the docs test
    fails otherwise, so a new term type cannot reach the catalogue page unseen.
    """
    persons = ("P1",)
    examples: tuple[Term, ...] = (
        NoContact(term_id="T1", persons=persons),
        NoThirdPartyContact(term_id="T2", persons=persons),
        PlatformBan(term_id="T3", platforms=("instagram", "twitter"), any_social_media=True),
        ExclusionZone(term_id="T4", zone=Circle(GeoPoint(52.4862, -1.8904), 500), label="A"),
        NoApproach(term_id="T5", persons=persons, distance_m=100),
        NoOnlineReference(term_id="T6", persons=persons),
        NoSurveillance(term_id="T7", persons=persons),
        NoRecordingImages(term_id="T8", persons=persons),
        DeviceBrowsingHistory(term_id="T9"),
        PositiveRequirement(
            term_id="T10",
            requirement=RequirementKind.PERPETRATOR_PROGRAMME,
            description="attend an assessment for a stalking perpetrator programme",
            due_on=pendulum.Date(2026, 6, 30),
        ),
        SignOnSchedule(term_id="T11", station="Birmingham Central", weekdays=(0, 3)),
    )
    return {term.CODE: term for term in examples}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _parameters(cls: type[Term]) -> str:
    common = {a.name for a in attrs.fields(Term)}
    names = [a.name for a in attrs.fields(cls) if a.name not in common]
    return ", ".join(f"`{n}`" for n in names) or "none"


def catalogue_markdown() -> str:
    """The term catalogue as the Markdown page ``docs/terms.md``.

    Generated from :data:`TERM_TYPES` (code, title, nature, section, parameters)
    and :func:`catalogue_examples` (the plain-English renderings), so the page
    cannot drift from the code; a test compares the committed page with this.

    Raises:
        KeyError: a term type in :data:`TERM_TYPES` has no example.
    """
    examples = catalogue_examples()
    rows = [
        f"| {code} | {_cell(cls.TITLE)} | {cls.NATURE.value} | {cls.SECTION} "
        f"| {_parameters(cls)} | {_cell(examples[code].render(_EXAMPLE_NAMES))} |"
        for code, cls in TERM_TYPES.items()
    ]
    limited = attrs.evolve(
        examples[NoContact.CODE],
        locality=Locality(name="the West Midlands police area"),
        period=days_beginning_with(pendulum.Date(2026, 3, 2), 365),
    )
    lines = [
        "# Term catalogue",
        "",
        "<!-- Generated by spo_tracker.domain.terms.catalogue_markdown(); do not edit by hand.",
        "     Regenerate: .venv/bin/python -c 'from spo_tracker.domain.terms import",
        '     catalogue_markdown as m; print(m(), end="")\' > docs/terms.md -->',
        "",
        f"Catalogue version {CATALOGUE_VERSION}. Each term type of a Stalking Protection",
        "Order has a stable code, a title, its nature (a prohibition or a positive",
        "requirement, SPA2019 s.1(2)) and the section it rests on. The last column",
        "renders an example of each, with the protected person's name in place of",
        f'`[P1]`: here, "{_EXAMPLE_NAMES["P1"]}".',
        "",
        "| Code | Title | Nature | Section | Parameters | Plain English (example) |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "## Period and locality",
        "",
        "Any term may have its own period where it differs from the order's",
        "(SPA2019 s.3(3), stated under s.6(e)), and a locality limit (s.2(4), stated",
        "under s.6(d)); without a locality a term applies throughout the United",
        "Kingdom. Both are appended to the rendering:",
        "",
        f"> {_cell(limited.render(_EXAMPLE_NAMES))}",
        "",
    ]
    return "\n".join(lines)
