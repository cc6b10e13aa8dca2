"""A deliberately naive re-implementation of detection, for the property tests.

Nothing here is shared with :mod:`spo_tracker.detection`: attribution is a
linear search, the order's life and version are worked out with pendulum
comparisons straight from the records, each term type's conduct test is its
own if-chain, and grouping is a dictionary of sets. It is slow and obvious;
the engine must agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pendulum

from spo_tracker.domain.geo import GeoPoint, distance_m
from spo_tracker.domain.identities import SOCIAL_MEDIA
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.orders import Order, OrderVersion
from spo_tracker.domain.people import Defendant
from spo_tracker.domain.statutory_time import as_london_date, start_of_london_day
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

K = IncidentKind
COMMUNICATION = {K.MESSAGE, K.CALL, K.EMAIL, K.LETTER, K.GIFT, K.THREAT}
PRESENCE = {
    K.SIGHTING,
    K.LOCATION_FIX,
    K.APPROACH,
    K.FOLLOWING,
    K.LOITERING,
    K.DAMAGE,
    K.RECORDING_IMAGES,
}
RULE_IDS: dict[type[Term], str] = {
    NoContact: "breach.no_contact",
    NoThirdPartyContact: "breach.no_third_party_contact",
    PlatformBan: "breach.platform_ban",
    ExclusionZone: "breach.exclusion_zone",
    NoApproach: "breach.no_approach",
    NoOnlineReference: "breach.no_online_reference",
    NoSurveillance: "breach.no_surveillance",
    NoRecordingImages: "breach.no_recording_images",
    DeviceBrowsingHistory: "breach.device_browsing_history",
}

Hit = tuple[str, str, str]  # order id, term id, rule id
GroupKey = tuple[str, str, str, str, int]  # defendant, order, term, rule, window


def attribute(incident: Incident, defendants: Sequence[Defendant]) -> str | None:
    """Officer attribution first, else the one defendant linked to the actor."""
    if incident.defendant_id is not None:
        return incident.defendant_id
    if incident.actor is None:
        return None
    owners = {
        d.defendant_id for d in defendants for li in d.identities if li.identity == incident.actor
    }
    return owners.pop() if len(owners) == 1 else None


def _t(instant: pendulum.DateTime) -> float:
    """The instant as seconds since the epoch: two datetimes in the same zone compare by
    their wall clocks, fold ignored (Python's rule), so the repeated autumn hour must be
    compared as instants."""
    return instant.timestamp()


def _starts(version: OrderVersion) -> pendulum.DateTime:
    """When a later version takes over: the instant decided, else the start of its day."""
    if version.decided_at is not None:
        return version.decided_at
    return start_of_london_day(version.decided_on)


def version_in_force(order: Order, at: pendulum.DateTime) -> OrderVersion | None:
    """The version binding at ``at``, or ``None`` if the order is not in force then."""
    t = _t(at)
    if t < _t(order.made_at):
        return None
    if order.ended_at is not None and t >= _t(order.ended_at):
        return None
    if any(_t(start) <= t < _t(end) for start, end in order.not_in_force):
        return None  # discharged, then restored on appeal: not in force in between
    chosen = order.versions[0]
    for version in order.versions[1:]:
        if _t(_starts(version)) <= t:
            chosen = version
    period = chosen.period
    if period is not None and t >= _t(start_of_london_day(period.last_day.add(days=1))):
        return None
    return chosen


def _aimed(term: Term, incident: Incident) -> bool:
    return incident.target_person_id in getattr(term, "persons", ())


def _here(incident: Incident) -> GeoPoint | None:
    if incident.kind in PRESENCE and not incident.via_third_party:
        return incident.location
    return None


def content(term: Term, incident: Incident, places: Mapping[str, Sequence[GeoPoint]]) -> bool:
    """Whether the incident's conduct is what the term forbids (time and place aside)."""
    kind = incident.kind
    if isinstance(term, NoContact):
        return kind in COMMUNICATION and not incident.via_third_party and _aimed(term, incident)
    if isinstance(term, NoThirdPartyContact):
        through = kind is K.THIRD_PARTY_CONTACT or (
            incident.via_third_party and kind in COMMUNICATION
        )
        return through and _aimed(term, incident)
    if isinstance(term, PlatformBan):
        platform = incident.platform
        if platform is None:
            return False
        return platform in term.platforms or (term.any_social_media and platform in SOCIAL_MEDIA)
    if isinstance(term, ExclusionZone):
        point = _here(incident)
        return point is not None and term.zone.contains(point)
    if isinstance(term, NoApproach):
        if kind is K.APPROACH and _aimed(term, incident) and not incident.via_third_party:
            return True
        point = _here(incident)
        if point is None:
            return False
        for person in term.persons:
            for place in places.get(person, ()):
                if distance_m(point, place) <= term.distance_m:
                    return True
        return False
    if isinstance(term, NoOnlineReference):
        return kind in (K.ONLINE_REFERENCE, K.POST) and _aimed(term, incident)
    if isinstance(term, NoSurveillance):
        return kind in (K.MONITORING, K.FOLLOWING, K.LOITERING) and _aimed(term, incident)
    if isinstance(term, NoRecordingImages):
        return kind is K.RECORDING_IMAGES and _aimed(term, incident)
    if isinstance(term, DeviceBrowsingHistory):
        return kind is K.DEVICE_HISTORY_DELETED
    return False  # positive requirements are not broken by incidents


def breaches(
    orders: Iterable[Order],
    defendants: Sequence[Defendant],
    places: Mapping[str, Sequence[GeoPoint]],
    incident: Incident,
) -> set[Hit]:
    """Every (order, term, rule) the incident appears to breach."""
    who = attribute(incident, defendants)
    if who is None:
        return set()
    at = incident.occurred_at
    found = set()
    for order in orders:
        if order.defendant_id != who:
            continue
        version = version_in_force(order, at)
        if version is None:
            continue
        for term in version.terms:
            if type(term) not in RULE_IDS:
                continue
            if term.period is not None and not (
                _t(start_of_london_day(term.period.first_day))
                <= _t(at)
                < _t(start_of_london_day(term.period.last_day.add(days=1)))
            ):
                continue
            area = None if term.locality is None else term.locality.area
            location = incident.location
            if area is not None and location is not None and not area.contains(location):
                continue
            if content(term, incident, places):
                found.add((order.order_id, term.term_id, RULE_IDS[type(term)]))
    return found


def grouped(
    orders: Sequence[Order],
    defendants: Sequence[Defendant],
    places: Mapping[str, Sequence[GeoPoint]],
    incidents: Iterable[Incident],
    group_days: int = 1,
) -> dict[GroupKey, set[str]]:
    """Suspected breaches grouped by defendant, order, term, rule and London-day window."""
    groups: dict[GroupKey, set[str]] = {}
    for incident in incidents:
        who = attribute(incident, defendants)
        for order_id, term_id, rule_id in breaches(orders, defendants, places, incident):
            window = as_london_date(incident.occurred_at).toordinal() // group_days
            key = (str(who), order_id, term_id, rule_id, window)
            groups.setdefault(key, set()).add(incident.incident_id)
    return groups
