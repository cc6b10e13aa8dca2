"""Defendants, protected persons, chief officers and forces.

A protected person's address is held in a :class:`RestrictedDetails`
compartment: it is never rendered in anything a defendant may see, and reports
leave it out entirely. Errors about an address or a restricted place name the
field and the problem but never quote the value (it stands as :class:`Withheld`):
an error message ends up in logs, on a terminal and in bug reports.

:func:`address_likeness` says whether free text looks like a postal address
(a UK postcode, a postcode district, or a house number followed by a street);
the term catalogue uses it to refuse exclusion-zone labels and locality names
that would reveal one.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.limits import POSTCODE_MAX_LENGTH
from spo_tracker.domain.statutory_time import corresponding_date, ensure_aware, ensure_date
from spo_tracker.domain.validators import (
    Withheld,
    a_date,
    check_text,
    identifier,
    instance_of,
    non_empty_text,
    optional_date,
)
from spo_tracker.errors import InvalidValueError

__all__ = [
    "MAX_ADDRESS_LINES",
    "MAX_FORCE_CODE_LENGTH",
    "Address",
    "AddressPeriod",
    "ChiefOfficer",
    "Defendant",
    "Force",
    "ForceKind",
    "LinkedIdentity",
    "NameUse",
    "ProtectedPerson",
    "RestrictedDetails",
    "SexOffenderRegistration",
    "Withheld",
    "address_likeness",
    "street_patterns",
]


#: What a refusal of a defendant's name, address or linked identity shows instead of it.
_PERSONAL: Final = Withheld("personal data")


def _personal_text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """attrs validator: non-blank short text that is personal data (a name; the source of a
    link, which may name a witness or a victim): refused unquoted."""
    check_text(attribute.name, value, shown=_PERSONAL)


def _tuple_of(field: str, kind: type[object]) -> Callable[[object], tuple[Any, ...]]:
    """A converter: a sequence of ``kind`` as a tuple (a bare string or a mapping is refused)."""

    def convert(value: object) -> tuple[Any, ...]:
        # A name or an address given bare ("Mark Ellison") is personal data: not quoted.
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            reason = f"give a sequence of {kind.__name__}, not {type(value).__name__}"
            raise InvalidValueError(field, _PERSONAL, reason)
        items = tuple(value)
        for i, item in enumerate(items):
            if not isinstance(item, kind):
                reason = f"item {i} is not a {kind.__name__} but a {type(item).__name__}"
                raise InvalidValueError(field, _PERSONAL, reason)
        return items

    convert.__name__ = f"to_{field}"
    return convert


#: The longest force code (as in the interchange).
MAX_FORCE_CODE_LENGTH: Final = 32


def _force_code(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    check_text("code", value, max_length=MAX_FORCE_CODE_LENGTH)


def _restricted_name(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    # A protected person's name is restricted: an error names the field, never the name.
    check_text("name", value, shown=Withheld())


def _aware(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="linked_at")


# --------------------------------------------------------------------------- address-like text


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: The UK postcode areas (the letters before the first digit), for postcode districts.
_AREAS: Final = _words(
    "AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH "
    "DL DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA "
    "KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO "
    "PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W "
    "WA WC WD WF WN WR WS WV YO ZE"
)
#: Words (and their usual abbreviations) that end a street name in a UK address.
STREET_WORDS: Final = _words(
    "Road Rd Street St Avenue Ave Av Close Cl Lane Ln Drive Dr Way Crescent Cres Place Pl "
    "Grove Gr Gardens Gdns Terrace Terr Tce Court Ct Square Sq Mews Walk Hill Row Rise "
    "Parade Pde Green View Vale Park Wharf Quay Boulevard Croft Gate Meadow Meadows "
    "Fields Chase Approach Hollow Yard Passage"
)
_STREET: Final = "|".join(sorted(STREET_WORDS, key=lambda w: (-len(w), w)))
# Words that may sit between a number and a street word without making it an address:
# "3 schools on Hill Street" and "a 5 minute walk" are not house numbers. Matched in lower
# case only: "12 Mile End Road" is an address.
_NOT_STREET_NAME: Final = _words(
    "on of in at near by and or from to within around minute minutes min mins mile miles "
    "metre metres meter meters m km yard yards hour hours"
)
_POSTCODE: Final = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}(?![A-Za-z0-9])", re.I
)
_DISTRICT: Final = re.compile(
    rf"(?<![A-Za-z0-9])(?:{'|'.join(_AREAS)})(?:[0-9]{{1,2}}|[0-9][A-Z])(?![A-Za-z0-9])"
    r"(?!\s+motorway)"  # "the M6 motorway" is a road, not Manchester's M6 district
)
#: Units after a number that make it a quantity, not a house number ("500 m", "5 Minutes").
UNIT_WORDS: Final = frozenset(
    _words(
        "m metre metres meter meters km kms kilometre kilometres kilometer kilometers mi mile "
        "miles yd yds yard yards ft foot feet s sec secs second seconds min mins minute minutes "
        "h hr hrs hour hours day days week weeks month months year years mph kph"
    )
)
# A number with any letters after it (a house "3a", a quantity "500m", an ordinal "3rd"),
# perhaps a range ("7-9"), then a word; not the digits of "A38", "1.5" or "10:30".
_NAMED: Final = re.compile(
    r"(?<![\w.:])[0-9]{1,4}(?P<letters>[a-z]*)(?:\s*[-/]\s*[0-9]{1,4}[a-z]?)?"
    r",?\s+(?P<word>[^\W\d_][\w'’.-]*)",
    re.I,
)
_HOUSE: Final = re.compile(
    r"(?<![\w.])[0-9]{1,4}[a-z]?(?:\s*[-/]\s*[0-9]{1,4}[a-z]?)?,?\s+"
    rf"(?:(?!(?-i:{'|'.join(_NOT_STREET_NAME)})\b)[\w'’.-]+,?\s+){{0,3}}"
    rf"(?:{_STREET})\.?(?!\w)",
    re.I,
)


def address_likeness(text: str) -> str | None:
    """What in ``text`` looks like part of a postal address, or ``None``.

    Three shapes are recognised: a full UK postcode (``B13 9QT``, any case), a
    postcode district on its own (``B13``, ``SW1A``: capitals, a real postcode
    area; "the M6 motorway" is a road), and a house number followed within three
    words by a street word (``12 Acacia Ave``, ``3a The Mews``; see
    :data:`STREET_WORDS`) or by a capitalised word, which may be a street with no
    street word (``7 Kingsway``, ``12 The Acacias``) unless it is a unit
    (``500 M``, ``5 Minutes``: a quantity). A street
    named without a number (``Wake Green Road``) is not an address: it names a
    street, not a home. Text without digits never looks like an address.

    Returns:
        A short description of the problem (never the text itself), or ``None``.
    """
    if not any(c.isdigit() for c in text):
        return None
    if _POSTCODE.search(text):
        return "contains a UK postcode"
    if _DISTRICT.search(text):
        return "contains a postcode district (an outward code)"
    if _HOUSE.search(text):
        return "contains a house number followed by a street"
    if _names_after_a_number(text):
        return "contains a house number followed by a name"
    return None


def _names_after_a_number(text: str) -> bool:
    """Whether a number in ``text`` is followed by a capitalised word that is not a unit.

    A street need not end in a street word (``7 Kingsway``, ``12 The Acacias``),
    so a number followed by a name reads as a house number; a quantity with its
    unit (``500 M``, ``5 Minutes``, ``500m Radius``) does not.
    """
    for found in _NAMED.finditer(text):
        if len(found["letters"]) > 1 or found["letters"].lower() in UNIT_WORDS:
            continue  # "500m Radius" is a distance, "3rd Floor" an ordinal; "3a" is a house
        word = found["word"]
        if word[0].isupper() and word.lower().rstrip(".") not in UNIT_WORDS:
            return True
    return False


_NUMBERED: Final = re.compile(
    r"^\s*(?:(?:flat|apartment|unit)\s+\w+\s*,?\s*)?"
    r"(?P<number>[0-9]{1,4}[a-z]?(?:\s*[-/]\s*[0-9]{1,4}[a-z]?)?)\s*,?\s+(?P<street>.+?)\s*$",
    re.I,
)
_ENDS_IN_STREET_WORD: Final = re.compile(rf"^(?P<core>.+?)\s+(?:{_STREET})\.?$", re.I)
_ANY_STREET_WORD: Final = rf"(?:\s+(?:{_STREET})(?!\w)\.?)?"


def street_patterns(
    address: Address, *, literal: Callable[[str], str] = re.escape
) -> tuple[tuple[str, str], ...]:
    """How each line of ``address`` that names a street may be written in free text.

    A line such as ``12 Acacia Avenue`` gives a pattern matching the house
    number with the street's name however its street word is written
    (``12 Acacia Ave``, ``12, Acacia Avenue``, ``12 acacia``) and the street
    without the number (``Acacia Avenue``, ``Acacia Rd``). Only lines with a
    house number or ending in a street word count: a town line (``Birmingham``)
    locates no one.

    Args:
        address: the address.
        literal: the regex source of a word or house number of the line as written
            (``re.escape``; the redactor also lets a zero stand for the letter O).

    Returns:
        One ``(key, pattern)`` per such line: ``key`` is the street's own name in
        lower case (a cheap substring test before the regex), ``pattern`` a
        case-insensitive regex source, unanchored and word-bounded.
    """
    found = []
    for line in address.lines:
        numbered = _NUMBERED.match(line)
        street = numbered["street"].strip() if numbered else line.strip()
        ends = _ENDS_IN_STREET_WORD.match(street)
        if numbered is None and ends is None:
            continue
        core = ends["core"].strip() if ends else street
        if len(core) < 3 or core.lower() == "the":
            core = street  # "1 The Mews": "The" alone would match everywhere
        name = r"\s+".join(literal(w) for w in core.split())
        # The street by its own name, with any street word ("Acacia Ave" for "Acacia Avenue").
        parts = [rf"{name}\s+(?:{_STREET})\.?" if core != street else name]
        if numbered:
            number = r"\s*[-/]\s*".join(
                literal(n.strip()) for n in re.split("[-/]", numbered["number"])
            )
            parts.append(rf"{number}\s*,?\s+{name}{_ANY_STREET_WORD}")
        found.append((core.lower(), rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)"))
    return tuple(found)


class ForceKind(enum.Enum):
    """Which chief officers may apply (SPA2019 s.1(1), s.14(1))."""

    TERRITORIAL = "territorial"
    BRITISH_TRANSPORT_POLICE = "btp"
    MINISTRY_OF_DEFENCE_POLICE = "mdp"


@attrs.frozen
class Force:
    """A police force whose chief officer may apply for an SPO (SPA2019 s.14(1))."""

    code: str = attrs.field(validator=_force_code)
    name: str = attrs.field(validator=non_empty_text)
    kind: ForceKind = ForceKind.TERRITORIAL


@attrs.frozen
class ChiefOfficer:
    """A chief officer of police (SPA2019 s.1(1)): the only applicant for an SPO."""

    force: Force = attrs.field(validator=instance_of(Force))
    title: str = attrs.field(default="Chief Constable", validator=non_empty_text)

    @property
    def key(self) -> str:
        """Stable key for consents and audit: the force code."""
        return self.force.code


#: The most lines an address may have (as in the interchange).
MAX_ADDRESS_LINES: Final = 10


def _lines(value: object) -> tuple[str, ...]:
    # A bare string is iterable too: "12 Acacia Avenue" would become one line per letter.
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("address.lines", Withheld(), "give the lines as a sequence")
    lines = tuple(value)
    if not lines:
        raise InvalidValueError("address.lines", lines, "needs at least one line")
    if len(lines) > MAX_ADDRESS_LINES:
        raise InvalidValueError("address.lines", Withheld(), f"over {MAX_ADDRESS_LINES} lines")
    for i, line in enumerate(lines):
        if isinstance(line, str) and (not line or line.isspace()):
            raise InvalidValueError(
                f"address.lines[{i}]", Withheld(), "is blank: every line needs text"
            )
        check_text(f"address.lines[{i}]", line, shown=Withheld())
    return lines


def _postcode(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    check_text(
        "address.postcode", value, max_length=POSTCODE_MAX_LENGTH, blank_ok=True, shown=Withheld()
    )


def _location(_: object, attribute: attrs.Attribute[GeoPoint | None], value: object) -> None:
    if value is not None and not isinstance(value, GeoPoint):
        raise InvalidValueError("address.location", Withheld(), "must be a GeoPoint or None")


@attrs.frozen
class Address:
    """A postal address; a home address is the sole or main UK residence (SPA2019 s.14(1)).

    Raises:
        InvalidValueError: no lines, a blank line, a postcode that is not text or a
            location that is not a :class:`GeoPoint`; the message names the field
            (``address.lines[1]``) and the problem, never the address.
    """

    lines: tuple[str, ...] = attrs.field(converter=_lines)
    postcode: str = attrs.field(validator=_postcode)
    location: GeoPoint | None = attrs.field(default=None, validator=_location)

    def __repr__(self) -> str:
        # Any address may be a protected person's home: an error quoting a value's repr
        # (an Address given where an Incident was expected) must not carry it.
        return "Address(<withheld>)"


@attrs.frozen
class AddressPeriod:
    """Where a defendant lived, from a day and, once it ends, until a day."""

    address: Address = attrs.field(validator=instance_of(Address))
    from_day: pendulum.Date = attrs.field(converter=a_date)
    until_day: pendulum.Date | None = attrs.field(default=None, converter=optional_date)

    def __attrs_post_init__(self) -> None:
        if self.until_day is not None and self.until_day < self.from_day:
            raise InvalidValueError(
                "until_day", self.until_day, f"is before from_day {self.from_day}"
            )


@attrs.frozen
class NameUse:
    """A name the defendant uses or has used, from a day (SPA2019 s.9(2)(a), s.9(3))."""

    name: str = attrs.field(validator=_personal_text)
    from_day: pendulum.Date | None = attrs.field(default=None, converter=optional_date)


@attrs.frozen
class LinkedIdentity:
    """An identity the police have linked to a defendant, and when they did."""

    identity: Identity = attrs.field(validator=instance_of(Identity))
    linked_at: pendulum.DateTime = attrs.field(converter=_aware)
    source: str = attrs.field(default="officer", validator=_personal_text)


@attrs.frozen
class SexOffenderRegistration:
    """Subject to SOA 2003 Part 2 notification; exempt from SPA s.9 while it lasts (s.9(5)-(7)).

    Attributes:
        final_day: the last day of the Part 2 requirements, once known.
    """

    since: pendulum.Date = attrs.field(converter=a_date)
    final_day: pendulum.Date | None = attrs.field(default=None, converter=optional_date)

    def __attrs_post_init__(self) -> None:
        if self.final_day is not None and self.final_day < self.since:
            raise InvalidValueError("final_day", self.final_day, f"is before since {self.since}")


def _names(value: object) -> tuple[NameUse, ...]:
    return _tuple_of("names", NameUse)(value)


def _addresses(value: object) -> tuple[AddressPeriod, ...]:
    return _tuple_of("addresses", AddressPeriod)(value)


def _identities(value: object) -> tuple[LinkedIdentity, ...]:
    return _tuple_of("identities", LinkedIdentity)(value)


@attrs.frozen
class Defendant:
    """A person against whom an SPO is sought or made.

    Attributes:
        defendant_id: stable id.
        names: every name used (s.9(2)(a)); the first is the main one.
        date_of_birth: decides youth court (SPA2019 s.13(1)).
        addresses: home address history (s.9(2)(b)).
        identities: phones, emails, handles and devices linked to the defendant.
        soa_registration: SOA 2003 Part 2 registration, if any (s.9(5)-(7)).
    """

    defendant_id: str = attrs.field(validator=identifier)
    names: tuple[NameUse, ...] = attrs.field(converter=_names)
    date_of_birth: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    addresses: tuple[AddressPeriod, ...] = attrs.field(default=(), converter=_addresses)
    identities: tuple[LinkedIdentity, ...] = attrs.field(default=(), converter=_identities)
    soa_registration: SexOffenderRegistration | None = attrs.field(
        default=None,
        validator=instance_of(SexOffenderRegistration, optional=True),
    )

    def __attrs_post_init__(self) -> None:
        if not self.names:
            raise InvalidValueError("names", self.names, "a defendant needs at least one name")
        for name in self.names:
            if not isinstance(name, NameUse):
                raise InvalidValueError("names", name, "give each name as a NameUse")

    @property
    def subject_id(self) -> str:
        """The id, for lifecycles and audit."""
        return self.defendant_id

    @property
    def display_name(self) -> str:
        """The main name."""
        return self.names[0].name

    def is_youth_on(self, day: _dt.date) -> bool:
        """Under 18 on ``day``: the application goes to the youth court (SPA2019 s.13(1)).

        The 18th birthday follows the library's 29 February convention
        (:mod:`~spo_tracker.domain.statutory_time`): someone born on 29 February
        turns 18 on 1 March in a common year, not on 28 February.
        """
        if self.date_of_birth is None:
            return False
        return ensure_date(day, field="day") < corresponding_date(self.date_of_birth, years=18)

    def link(self, identity: Identity, at: _dt.datetime, source: str = "officer") -> Defendant:
        """A copy with ``identity`` linked at ``at``; one already linked is kept as it was."""
        if any(li.identity == identity for li in self.identities):
            return self
        linked = LinkedIdentity(identity, ensure_aware(at, field="at"), source)
        return attrs.evolve(self, identities=(*self.identities, linked))


def _restricted_address(
    _: object, attribute: attrs.Attribute[Address | None], value: object
) -> None:
    if value is not None and not isinstance(value, Address):
        raise InvalidValueError("restricted.address", Withheld(), "must be an Address or None")


def _places(value: object) -> tuple[tuple[str, GeoPoint], ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("restricted.places", Withheld(), "give a sequence of places")
    places = tuple(value)
    for i, place in enumerate(places):
        if not isinstance(place, tuple | list) or len(place) != 2:
            raise InvalidValueError(
                f"restricted.places[{i}]", Withheld(), "give each place as (label, GeoPoint)"
            )
        label, point = place
        if not isinstance(label, str) or not label.strip():
            raise InvalidValueError(f"restricted.places[{i}].label", Withheld(), "is blank")
        check_text(f"restricted.places[{i}].label", label, shown=Withheld())
        if not isinstance(point, GeoPoint):
            raise InvalidValueError(f"restricted.places[{i}]", Withheld(), "needs a GeoPoint")
    return tuple((label, point) for label, point in places)


@attrs.frozen
class RestrictedDetails:
    """The restricted compartment: a protected person's whereabouts. Never reported.

    Raises:
        InvalidValueError: an address that is not an :class:`Address`, or a place that is
            not a (non-blank label, :class:`GeoPoint`) pair; the message never quotes it.
    """

    address: Address | None = attrs.field(default=None, validator=_restricted_address)
    places: tuple[tuple[str, GeoPoint], ...] = attrs.field(default=(), converter=_places)

    def __repr__(self) -> str:
        return "RestrictedDetails(<restricted>)"


@attrs.frozen
class ProtectedPerson:
    """A person an order protects (SPA2019 s.2(1)(c)); may not be the victim of the acts.

    Attributes:
        person_id: stable id.
        name: shown to officers; redacted in reports by default; not in the repr.
        restricted: address and places, kept out of every report and export for defendants.
    """

    person_id: str = attrs.field(validator=identifier)
    # Not in the repr either: a ProtectedPerson given where something else was expected
    # is quoted by the error that refuses it (``incidents[0]=ProtectedPerson(...)``).
    name: str = attrs.field(validator=_restricted_name, repr=False)
    restricted: RestrictedDetails = attrs.field(factory=RestrictedDetails, repr=False)

    @property
    def subject_id(self) -> str:
        """The id, for audit."""
        return self.person_id
