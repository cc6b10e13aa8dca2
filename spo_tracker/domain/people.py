"""Defendants, protected persons, chief officers and forces.

A protected person's address is held in a :class:`RestrictedDetails`
compartment: it is never rendered in anything a defendant may see, and reports
leave it out entirely.
"""

from __future__ import annotations

import datetime as _dt
import enum

import attrs
import pendulum

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.statutory_time import corresponding_date, ensure_aware, ensure_date
from spo_tracker.errors import InvalidValueError

__all__ = [
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
]


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(attribute.name, value, "must be non-empty text")


def _opt_date(value: object) -> pendulum.Date | None:
    return None if value is None else ensure_date(value, field="date")


def _date(value: object) -> pendulum.Date:
    return ensure_date(value, field="date")


def _aware(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="linked_at")


class ForceKind(enum.Enum):
    """Which chief officers may apply (SPA2019 s.1(1), s.14(1))."""

    TERRITORIAL = "territorial"
    BRITISH_TRANSPORT_POLICE = "btp"
    MINISTRY_OF_DEFENCE_POLICE = "mdp"


@attrs.frozen
class Force:
    """A police force whose chief officer may apply for an SPO (SPA2019 s.14(1))."""

    code: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)
    kind: ForceKind = ForceKind.TERRITORIAL


@attrs.frozen
class ChiefOfficer:
    """A chief officer of police (SPA2019 s.1(1)): the only applicant for an SPO."""

    force: Force
    title: str = "Chief Constable"

    @property
    def key(self) -> str:
        """Stable key for consents and audit: the force code."""
        return self.force.code


@attrs.frozen
class Address:
    """A postal address; a home address is the sole or main UK residence (SPA2019 s.14(1))."""

    lines: tuple[str, ...]
    postcode: str
    location: GeoPoint | None = None

    def __attrs_post_init__(self) -> None:
        if not self.lines or not all(isinstance(x, str) and x.strip() for x in self.lines):
            raise InvalidValueError("address.lines", self.lines, "needs at least one line")


@attrs.frozen
class AddressPeriod:
    """Where a defendant lived, from a day and, once it ends, until a day."""

    address: Address
    from_day: pendulum.Date = attrs.field(converter=_date)
    until_day: pendulum.Date | None = attrs.field(default=None, converter=_opt_date)

    def __attrs_post_init__(self) -> None:
        if self.until_day is not None and self.until_day < self.from_day:
            raise InvalidValueError(
                "until_day", self.until_day, f"is before from_day {self.from_day}"
            )


@attrs.frozen
class NameUse:
    """A name the defendant uses or has used, from a day (SPA2019 s.9(2)(a), s.9(3))."""

    name: str = attrs.field(validator=_text)
    from_day: pendulum.Date | None = attrs.field(default=None, converter=_opt_date)


@attrs.frozen
class LinkedIdentity:
    """An identity the police have linked to a defendant, and when they did."""

    identity: Identity
    linked_at: pendulum.DateTime = attrs.field(converter=_aware)
    source: str = "officer"


@attrs.frozen
class SexOffenderRegistration:
    """Subject to SOA 2003 Part 2 notification; exempt from SPA s.9 while it lasts (s.9(5)-(7)).

    Attributes:
        final_day: the last day of the Part 2 requirements, once known.
    """

    since: pendulum.Date = attrs.field(converter=_date)
    final_day: pendulum.Date | None = attrs.field(default=None, converter=_opt_date)

    def __attrs_post_init__(self) -> None:
        if self.final_day is not None and self.final_day < self.since:
            raise InvalidValueError("final_day", self.final_day, f"is before since {self.since}")


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

    defendant_id: str = attrs.field(validator=_text)
    names: tuple[NameUse, ...]
    date_of_birth: pendulum.Date | None = attrs.field(default=None, converter=_opt_date)
    addresses: tuple[AddressPeriod, ...] = ()
    identities: tuple[LinkedIdentity, ...] = ()
    soa_registration: SexOffenderRegistration | None = None

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


@attrs.frozen
class RestrictedDetails:
    """The restricted compartment: a protected person's whereabouts. Never reported."""

    address: Address | None = None
    places: tuple[tuple[str, GeoPoint], ...] = ()

    def __repr__(self) -> str:
        return "RestrictedDetails(<restricted>)"


@attrs.frozen
class ProtectedPerson:
    """A person an order protects (SPA2019 s.2(1)(c)); may not be the victim of the acts.

    Attributes:
        person_id: stable id.
        name: shown to officers; redacted in reports by default.
        restricted: address and places, kept out of every report and export for defendants.
    """

    person_id: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)
    restricted: RestrictedDetails = attrs.field(factory=RestrictedDetails, repr=False)

    @property
    def subject_id(self) -> str:
        """The id, for audit."""
        return self.person_id
