"""Incidents reported against a defendant: what happened, when, how and to whom."""

from __future__ import annotations

import enum
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity, Platform, normalise_platform
from spo_tracker.domain.limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.validators import (
    Withheld,
    check_bool,
    check_ids,
    check_text,
    find_bad_in_line,
    identifier,
    optional_identifier,
)
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "COMMUNICATION_KINDS",
    "MAX_EVIDENCE_REFS",
    "CrimeClassification",
    "Incident",
    "IncidentKind",
    "parse_classification",
    "parse_kind",
]


#: The most evidence references one incident may carry (as in the interchange).
MAX_EVIDENCE_REFS: Final = 100


class IncidentKind(enum.Enum):
    """What the incident was (acts associated with stalking: PHA 1997 s.2A(3))."""

    MESSAGE = "message"
    CALL = "call"
    POST = "post"
    EMAIL = "email"
    LETTER = "letter"
    GIFT = "gift"
    APPROACH = "approach"
    FOLLOWING = "following"
    LOITERING = "loitering"
    MONITORING = "monitoring"
    RECORDING_IMAGES = "recording_images"
    THIRD_PARTY_CONTACT = "third_party_contact"
    ONLINE_REFERENCE = "online_reference"
    ONLINE_ACTIVITY = "online_activity"
    THREAT = "threat"
    DAMAGE = "damage"
    SIGHTING = "sighting"
    LOCATION_FIX = "location_fix"
    DEVICE_HISTORY_DELETED = "device_history_deleted"


#: Kinds that are a communication with the person targeted.
COMMUNICATION_KINDS = frozenset(
    {
        IncidentKind.MESSAGE,
        IncidentKind.CALL,
        IncidentKind.EMAIL,
        IncidentKind.LETTER,
        IncidentKind.GIFT,
        IncidentKind.THREAT,
    }
)


def parse_kind(value: str | IncidentKind) -> IncidentKind:
    """The incident kind for a code.

    Raises:
        UnknownCodeError: not a known kind.
    """
    if isinstance(value, IncidentKind):
        return value
    try:
        return IncidentKind(value)
    except ValueError:
        raise UnknownCodeError("kind", value, [k.value for k in IncidentKind]) from None


class CrimeClassification(enum.Enum):
    """Home Office Counting Rules classification of the crime recorded, where one applies.

    The value is the HOCR code: 8Q stalking (PHA 1997 s.2A, s.4A), 8L harassment,
    8M racially or religiously aggravated harassment.
    """

    STALKING = "8Q"
    HARASSMENT = "8L"
    AGGRAVATED_HARASSMENT = "8M"


def parse_classification(value: str | CrimeClassification | None) -> CrimeClassification | None:
    """The HOCR classification for a code, or ``None`` for none.

    Raises:
        UnknownCodeError: not one of the codes.
    """
    if value is None or isinstance(value, CrimeClassification):
        return value
    try:
        return CrimeClassification(value)
    except ValueError:
        known = [c.value for c in CrimeClassification]
        raise UnknownCodeError("classification", value, known) from None


def _aware(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="occurred_at")


def _reported_at(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="reported_at")


def _platform(value: object) -> Platform | None:
    return None if value is None else normalise_platform(value)  # type: ignore[arg-type]


#: What refusals of these fields show instead of the value: an officer's reference
#: (``CCTV at 14 Wren Close``), an identity and a position may each be personal data or a
#: protected person's whereabouts.
_REFS_WITHHELD: Final = Withheld("an evidence reference may hold an address")
_IDENTITY_WITHHELD: Final = Withheld("an identity is personal data")
_PLACE_WITHHELD: Final = Withheld("a location may be someone's whereabouts")


def _evidence_refs(value: object) -> tuple[str, ...]:
    if type(value) is tuple and len(value) <= MAX_EVIDENCE_REFS:
        for ref in value:  # the common case: short, printable, non-blank references
            if (
                type(ref) is not str
                or not 0 < len(ref) <= SHORT_TEXT_MAX_LENGTH
                or ref.isspace()
                or find_bad_in_line(ref)
            ):
                break
        else:
            return value
    refs = check_ids("evidence_refs", value, max_length=SHORT_TEXT_MAX_LENGTH, shown=_REFS_WITHHELD)
    if len(refs) > MAX_EVIDENCE_REFS:
        raise InvalidValueError(
            "evidence_refs", f"{len(refs)} references", f"at most {MAX_EVIDENCE_REFS} allowed"
        )
    return refs


def _via_third_party(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if value is not True and value is not False:
        check_bool(attribute.name, value)


def _actor(_: object, attribute: attrs.Attribute[Identity | None], value: object) -> None:
    if value is not None and not isinstance(value, Identity):
        # A phone number or an account (and a name beside it) is personal data: not quoted.
        reason = f"must be an Identity or None, not {type(value).__name__}"
        raise InvalidValueError("actor", _IDENTITY_WITHHELD, reason)


def _location(_: object, attribute: attrs.Attribute[GeoPoint | None], value: object) -> None:
    if value is not None and not isinstance(value, GeoPoint):
        reason = f"must be a GeoPoint or None, not {type(value).__name__}"
        raise InvalidValueError("location", _PLACE_WITHHELD, reason)


def _summary(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Free text that may hold a protected person's details: refused unquoted."""
    check_text(
        attribute.name,
        value,
        max_length=LONG_TEXT_MAX_LENGTH,
        blank_ok=True,
        multiline=True,
        shown=Withheld("incident summary"),
    )


@attrs.frozen
class Incident:
    """One reported incident.

    Attributes:
        incident_id: stable id (the force's reference).
        occurred_at: when it happened; aware.
        kind: what happened.
        platform: the channel or platform, normalised (``twitter`` is ``x``).
        actor: the identity that acted, if the report names one.
        defendant_id: direct attribution by an officer (sightings, approaches).
        target_person_id: the person it was aimed at, if any.
        via_third_party: made through another person (a friend, a relative).
        location: where it happened, if known.
        summary: free text; always escaped in reports.
        evidence_refs: exhibit or system references.
        reported_at: when the police learned of it (timeliness), if known.
        classification: the HOCR classification of the crime recorded for it, if any.
    """

    incident_id: str = attrs.field(validator=identifier)
    occurred_at: pendulum.DateTime = attrs.field(converter=_aware)
    kind: IncidentKind = attrs.field(converter=parse_kind)
    platform: Platform | None = attrs.field(default=None, converter=_platform)
    actor: Identity | None = attrs.field(default=None, validator=_actor)
    defendant_id: str | None = attrs.field(default=None, validator=optional_identifier)
    target_person_id: str | None = attrs.field(default=None, validator=optional_identifier)
    via_third_party: bool = attrs.field(default=False, validator=_via_third_party)
    location: GeoPoint | None = attrs.field(default=None, validator=_location)
    summary: str = attrs.field(default="", validator=_summary)
    evidence_refs: tuple[str, ...] = attrs.field(default=(), converter=_evidence_refs)
    reported_at: pendulum.DateTime | None = attrs.field(default=None, converter=_reported_at)
    classification: CrimeClassification | None = attrs.field(
        default=None, converter=parse_classification
    )

    def __attrs_post_init__(self) -> None:
        actor = self.actor
        if actor is not None and actor.platform is not None:
            if self.platform is None:
                object.__setattr__(self, "platform", actor.platform)
            elif self.platform is not actor.platform:
                # A handle belongs to one platform: a different channel is a data error.
                raise InvalidValueError(
                    "platform", self.platform, f"the actor {actor.key} is on {actor.platform.value}"
                )
