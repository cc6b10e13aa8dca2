"""One rule per prohibition in the term catalogue: what conduct a term forbids.

Each :class:`TermRule` has a stable ``rule_id``, the section the offence rests
on (breach of an SPO or interim SPO, SPA2019 s.8(1)), the term's own section
(a prohibition, SPA2019 s.1(2)(a)) and the CJS offence code it points to
(``ST19001``). Its ``matches`` function is pure: given the term, an incident
already attributed to the order's defendant, and the protected persons' known
places, it says whether the incident's *content* falls within the prohibition.

Whether the term *bites* at that moment (its own period, the order's life and
version, its locality) is decided by :func:`term_bites`; :func:`suspected_breaches`
puts the two together and is the reference the compiled engine is tested
against. Software only flags a suspected breach for review: "without
reasonable excuse" is for a court (SPA2019 s.8(1)).

Interpretations (the Act lists no conduct; these follow the CPS term list and
PHA 1997 s.2A(3)):

- direct contact is a communication (message, call, email, letter, gift,
  threat) aimed at a protected person and not made through someone else;
- contact through a third party is a third-party-contact incident, or any
  communication marked ``via_third_party``, aimed at a protected person;
- a platform ban is broken by *any* activity of the defendant on a banned
  platform, from any linked account, whoever it is aimed at;
- an incident places the defendant at its location only for presence kinds
  (:data:`PRESENCE_KINDS`) not made through someone else; exclusion zones and
  approach distances use only those;
- an approach is a reported approach of a protected person, or a presence
  incident within the term's distance of a place the person is known to be
  (their restricted places, never shown in any alert);
- surveillance is monitoring, following or loitering aimed at a protected person;
- an online reference is an online-reference incident or a post about a
  protected person;
- the browsing-history term is broken by a report that a device's history was
  deleted or withheld.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol, cast

import attrs
import pendulum

from spo_tracker.domain.alerts import BREACH_CODE, Severity
from spo_tracker.domain.geo import EARTH_RADIUS_M, GeoPoint, distance_m
from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import COMMUNICATION_KINDS, Incident, IncidentKind
from spo_tracker.domain.orders import Order
from spo_tracker.domain.terms import (
    DeviceBrowsingHistory,
    ExclusionZone,
    NoApproach,
    NoContact,
    NoOnlineReference,
    NoRecordingImages,
    NoSurveillance,
    NoThirdPartyContact,
    PlatformBan,
    Term,
)

__all__ = [
    "BREACH_SECTION",
    "PLACE_FREE",
    "PRESENCE_CODES",
    "PRESENCE_KINDS",
    "RULES",
    "RULES_BY_ID",
    "Observed",
    "Places",
    "TermRule",
    "rule_for",
    "suspected_breaches",
    "term_bites",
]

#: Breach of an SPO or interim SPO without reasonable excuse.
BREACH_SECTION: Final = "SPA2019 s.8(1)"

#: A protected person's known places (restricted: used for matching, never reported).
Places = Mapping[str, tuple[GeoPoint, ...]]


class Observed(Protocol):
    """What a rule's content test reads of an incident.

    An :class:`~spo_tracker.domain.incidents.Incident` is one; so is the engine's
    view of a stored incident row, which a batch scan builds only for the rows
    that reach a content test (the rest are never turned into objects).
    """

    @property
    def kind(self) -> IncidentKind:
        """What happened."""

    @property
    def platform(self) -> Platform | None:
        """The platform it happened on, if online."""

    @property
    def target_person_id(self) -> str | None:
        """The person it was aimed at, if any."""

    @property
    def via_third_party(self) -> bool:
        """Made through another person."""

    @property
    def location(self) -> GeoPoint | None:
        """Where it happened, if known."""


#: Kinds of incident that put the defendant at the incident's location.
PRESENCE_KINDS: Final = frozenset(
    {
        IncidentKind.SIGHTING,
        IncidentKind.LOCATION_FIX,
        IncidentKind.APPROACH,
        IncidentKind.FOLLOWING,
        IncidentKind.LOITERING,
        IncidentKind.DAMAGE,
        IncidentKind.RECORDING_IMAGES,
    }
)

#: The same as codes (``IncidentKind`` values): a str hashes in C, an enum member in Python.
PRESENCE_CODES: Final = frozenset(k.value for k in PRESENCE_KINDS)

_THIRD_PARTY_KINDS: Final = COMMUNICATION_KINDS | {IncidentKind.THIRD_PARTY_CONTACT}
_SURVEILLANCE_KINDS: Final = frozenset(
    {IncidentKind.MONITORING, IncidentKind.FOLLOWING, IncidentKind.LOITERING}
)
_REFERENCE_KINDS: Final = frozenset({IncidentKind.ONLINE_REFERENCE, IncidentKind.POST})
_NONE: Final[Places] = {}


def _persons(term: Any) -> tuple[str, ...]:
    persons: tuple[str, ...] = term.persons
    return persons


def contacts_directly(term: Term, incident: Observed, places: Places) -> bool:
    """A communication aimed at a protected person, not through someone else."""
    return (
        incident.kind in COMMUNICATION_KINDS
        and not incident.via_third_party
        and incident.target_person_id in _persons(term)
    )


def contacts_through_third_party(term: Term, incident: Observed, places: Places) -> bool:
    """A third-party contact, or a communication made via someone else, aimed at the person."""
    if incident.target_person_id not in _persons(term):
        return False
    if incident.kind is IncidentKind.THIRD_PARTY_CONTACT:
        return True
    return incident.via_third_party and incident.kind in COMMUNICATION_KINDS


def uses_banned_platform(term: Term, incident: Observed, places: Places) -> bool:
    """Any activity on a banned platform, whoever it is aimed at."""
    return cast(PlatformBan, term).bans(incident.platform)


def _present_at(incident: Observed) -> GeoPoint | None:
    if incident.kind._value_ in PRESENCE_CODES and not incident.via_third_party:
        return incident.location
    return None


def enters_zone(term: Term, incident: Observed, places: Places) -> bool:
    """A presence incident inside the exclusion zone (edge included)."""
    point = _present_at(incident)
    return point is not None and cast(ExclusionZone, term).zone.contains(point)


def approaches(term: Term, incident: Observed, places: Places) -> bool:
    """A reported approach of a protected person, or presence near their known places."""
    term = cast(NoApproach, term)
    if incident.kind is IncidentKind.APPROACH and incident.target_person_id in term.persons:
        return not incident.via_third_party
    point = _present_at(incident)
    if point is None:
        return False
    # A great-circle distance is at least the latitude difference: a cheap, exact pre-test.
    reach_deg = math.degrees(term.distance_m / EARTH_RADIUS_M)
    return any(
        abs(place.lat - point.lat) <= reach_deg and distance_m(point, place) <= term.distance_m
        for person in term.persons
        for place in places.get(person, ())
    )


def refers_online(term: Term, incident: Observed, places: Places) -> bool:
    """An online reference to, or a post about, a protected person."""
    return incident.kind in _REFERENCE_KINDS and incident.target_person_id in _persons(term)


def surveils(term: Term, incident: Observed, places: Places) -> bool:
    """Monitoring, following or loitering aimed at a protected person (PHA 1997 s.2A(3))."""
    return incident.kind in _SURVEILLANCE_KINDS and incident.target_person_id in _persons(term)


def records_images(term: Term, incident: Observed, places: Places) -> bool:
    """Photographing or filming a protected person."""
    return incident.kind is IncidentKind.RECORDING_IMAGES and incident.target_person_id in _persons(
        term
    )


def hides_browsing_history(term: Term, incident: Observed, places: Places) -> bool:
    """A report that a device's browsing history was deleted or withheld."""
    return incident.kind is IncidentKind.DEVICE_HISTORY_DELETED


Matcher = Callable[[Term, Observed, Places], bool]

# Content tests that can only match an incident aimed at one of the term's persons.
_TARGETED: Final[frozenset[Matcher]] = frozenset(
    {contacts_directly, contacts_through_third_party, refers_online, surveils, records_images}
)

#: Content tests that read only an incident's kind, its target and whether it was made
#: through someone else (never its place, platform or time, nor the places given): the
#: batch scan remembers their answers for those three values.
PLACE_FREE: Final[frozenset[Matcher]] = _TARGETED | {hides_browsing_history}


@attrs.frozen
class TermRule:
    """A breach rule for one term type.

    Attributes:
        rule_id: stable id, e.g. ``breach.platform_ban``.
        term_type: the catalogue class the rule reads.
        section: the offence, SPA2019 s.8(1).
        cjs_code: ``ST19001`` (breach of an SPO or interim SPO).
        severity: the severity of an alert it raises (a threat raises it to critical).
        trigger_kinds: incident kinds that can match; ``None`` means any kind
            (the platform ban, which is indexed by platform instead).
        phrase: plain English for explanations: what the evidence appears to show.
        needs_target: the rule only matches incidents aimed at one of the term's
            ``persons`` (lets the engine skip the call otherwise).
        matches: the pure content test.
    """

    rule_id: str
    term_type: type[Term]
    section: str
    cjs_code: str
    severity: Severity
    trigger_kinds: frozenset[IncidentKind] | None
    phrase: str
    needs_target: bool
    matches: Matcher = attrs.field(eq=False)

    @property
    def term_section(self) -> str:
        """The section the term itself rests on (its catalogue ``SECTION``)."""
        return self.term_type.SECTION


def _rule(
    rule_id: str,
    term_type: type[Term],
    severity: Severity,
    kinds: frozenset[IncidentKind] | None,
    phrase: str,
    matches: Matcher,
) -> TermRule:
    targeted = matches in _TARGETED
    return TermRule(
        rule_id, term_type, BREACH_SECTION, BREACH_CODE, severity, kinds, phrase, targeted, matches
    )


#: One rule per prohibition term type, keyed by the term's catalogue code.
RULES: Final[Mapping[str, TermRule]] = {
    rule.term_type.CODE: rule
    for rule in (
        _rule(
            "breach.no_contact",
            NoContact,
            Severity.HIGH,
            COMMUNICATION_KINDS,
            "direct contact with a protected person",
            contacts_directly,
        ),
        _rule(
            "breach.no_third_party_contact",
            NoThirdPartyContact,
            Severity.HIGH,
            _THIRD_PARTY_KINDS,
            "contact with a protected person through another person",
            contacts_through_third_party,
        ),
        _rule(
            "breach.platform_ban",
            PlatformBan,
            Severity.MEDIUM,
            None,
            "activity on a banned platform",
            uses_banned_platform,
        ),
        _rule(
            "breach.exclusion_zone",
            ExclusionZone,
            Severity.CRITICAL,
            PRESENCE_KINDS,
            "presence inside the exclusion zone",
            enters_zone,
        ),
        _rule(
            "breach.no_approach",
            NoApproach,
            Severity.CRITICAL,
            PRESENCE_KINDS,
            "approaching a protected person within the distance set by the order",
            approaches,
        ),
        _rule(
            "breach.no_online_reference",
            NoOnlineReference,
            Severity.MEDIUM,
            _REFERENCE_KINDS,
            "an online reference to a protected person",
            refers_online,
        ),
        _rule(
            "breach.no_surveillance",
            NoSurveillance,
            Severity.HIGH,
            _SURVEILLANCE_KINDS,
            "following, watching, loitering near or monitoring a protected person",
            surveils,
        ),
        _rule(
            "breach.no_recording_images",
            NoRecordingImages,
            Severity.HIGH,
            frozenset({IncidentKind.RECORDING_IMAGES}),
            "recording images of a protected person",
            records_images,
        ),
        _rule(
            "breach.device_browsing_history",
            DeviceBrowsingHistory,
            Severity.MEDIUM,
            frozenset({IncidentKind.DEVICE_HISTORY_DELETED}),
            "use of a device whose browsing history was deleted or withheld",
            hides_browsing_history,
        ),
    )
}

#: The same rules keyed by rule id.
RULES_BY_ID: Final[Mapping[str, TermRule]] = {r.rule_id: r for r in RULES.values()}


def rule_for(term: Term) -> TermRule | None:
    """The breach rule for a prohibition; ``None`` for positive requirements (dated rules)."""
    return RULES.get(term.CODE)


def term_bites(order: Order, term: Term, at: pendulum.DateTime, where: GeoPoint | None) -> bool:
    """Whether ``term`` binds the defendant at instant ``at`` and place ``where``.

    True when the order is in force at ``at`` (made, not ended, inside the fixed
    period of the version in force: an order under appeal stays in force,
    SPA2019 s.7), the term is in that version, ``at`` is inside the term's own
    period (s.3(3)) and ``where`` is inside its locality, if it has one (s.2(4);
    an unknown place counts as inside). Service is *not* required: conduct before
    service is flagged as pre-service instead.
    """
    if not order.in_force_at(at):
        return False
    version = order.version_at(at)
    if all(t != term for t in version.terms):
        return False
    if not term.applies_at(at):
        return False
    return term.locality is None or term.locality.covers(where)


def suspected_breaches(
    order: Order, incident: Incident, places: Places = _NONE
) -> list[tuple[TermRule, Term]]:
    """The reference check: every term of ``order`` the incident appears to breach.

    The incident must already be attributed to the order's defendant. This is
    the slow, obviously-correct path (it uses the domain's own ``in_force_at``
    and ``version_at``); the engine compiles the same logic for speed and is
    tested against it.
    """
    at = incident.occurred_at
    if not order.in_force_at(at):
        return []
    found = []
    for term in order.version_at(at).terms:
        rule = rule_for(term)
        if rule is None or not rule.matches(term, incident, places):
            continue
        if term_bites(order, term, at, incident.location):
            found.append((rule, term))
    return found
