"""The versioned catalogue of SPO terms: prohibitions and positive requirements.

Every term type has a stable code, a plain-English rendering and the statute
it rests on. A term may have its own period (SPA2019 s.3(3), recorded under
s.6(e)) and a locality limit (s.2(4), recorded under s.6(d)); without a
locality it applies throughout the United Kingdom.

The base (:class:`Term`, :class:`Locality`, the checks of order text) is in
:mod:`spo_tracker.domain._term_base`, the positive requirements in
:mod:`spo_tracker.domain._term_requirements`; import them all from here.

Catalogue version history: ``1`` (first release).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Final

import attrs
import pendulum

from spo_tracker.domain._term_base import (
    Locality,
    Term,
    TermNature,
    flag,
    listing,
    no_address,
    person_ids,
    placeholders,
)
from spo_tracker.domain._term_requirements import (
    PositiveRequirement,
    RequirementKind,
    SignOnSchedule,
)
from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import SOCIAL_MEDIA, Platform, normalise_platform
from spo_tracker.domain.statutory_time import days_beginning_with
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


@attrs.frozen(kw_only=True)
class NoContact(Term):
    """Not to contact the named persons directly by any means."""

    CODE: ClassVar[str] = "SPO-P01"
    TITLE: ClassVar[str] = "No contact"

    persons: tuple[str, ...] = attrs.field(converter=person_ids)

    def describe(self) -> str:
        return (
            f"Not to contact {placeholders(self.persons)} by any means, including in person, "
            "by telephone, text message, email, letter or social media"
        )


@attrs.frozen(kw_only=True)
class NoThirdPartyContact(Term):
    """Not to contact the named persons through another person."""

    CODE: ClassVar[str] = "SPO-P02"
    TITLE: ClassVar[str] = "No contact through third parties"

    persons: tuple[str, ...] = attrs.field(converter=person_ids)

    def describe(self) -> str:
        return f"Not to contact {placeholders(self.persons)} through any other person"


def _platforms(value: Iterable[str | Platform]) -> frozenset[Platform]:
    # A bare name would be iterated letter by letter ("x" happens to be a platform).
    if isinstance(value, str | bytes | Platform) or not isinstance(value, Iterable):
        raise InvalidValueError("platforms", value, "give a collection of platforms, e.g. ['x']")
    return frozenset(normalise_platform(p) for p in value)


@attrs.frozen(kw_only=True)
class PlatformBan(Term):
    """Not to use the named platforms at all (the West Midlands platform bans)."""

    CODE: ClassVar[str] = "SPO-P03"
    TITLE: ClassVar[str] = "Platform ban"

    platforms: frozenset[Platform] = attrs.field(converter=_platforms, factory=frozenset)
    any_social_media: bool = attrs.field(default=False, validator=flag)

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
        return f"Not to use or hold an account on {listing(names, 'or')}"


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
    label: str = attrs.field(validator=no_address)

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

    persons: tuple[str, ...] = attrs.field(converter=person_ids)
    distance_m: float = attrs.field(validator=_distance)

    def describe(self) -> str:
        return f"Not to approach within {self.distance_m:g} metres of {placeholders(self.persons)}"


@attrs.frozen(kw_only=True)
class NoOnlineReference(Term):
    """Not to refer to the named persons online, directly or indirectly."""

    CODE: ClassVar[str] = "SPO-P06"
    TITLE: ClassVar[str] = "No online reference"

    persons: tuple[str, ...] = attrs.field(converter=person_ids)

    def describe(self) -> str:
        return (
            f"Not to refer to {placeholders(self.persons)} on any social media or website, "
            "directly or indirectly"
        )


@attrs.frozen(kw_only=True)
class NoSurveillance(Term):
    """Not to watch, follow, loiter near or monitor the named persons (PHA 1997 s.2A(3))."""

    CODE: ClassVar[str] = "SPO-P07"
    TITLE: ClassVar[str] = "No surveillance"

    persons: tuple[str, ...] = attrs.field(converter=person_ids)

    def describe(self) -> str:
        return (
            f"Not to follow, watch, loiter near or monitor {placeholders(self.persons)}, "
            "in person or by electronic means"
        )


@attrs.frozen(kw_only=True)
class NoRecordingImages(Term):
    """Not to photograph or film the named persons."""

    CODE: ClassVar[str] = "SPO-P08"
    TITLE: ClassVar[str] = "No recording images"

    persons: tuple[str, ...] = attrs.field(converter=person_ids)

    def describe(self) -> str:
        return f"Not to take or record any image of {placeholders(self.persons)}"


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
