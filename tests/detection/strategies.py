"""Hypothesis strategies for detection: whole histories of orders, people and incidents.

Built on the shared strategies in :mod:`tests.strategies` (which weight DST
changes, London midnights, concave polygons and platform aliases), and steered
so that incidents land where the rules are decided: at the instants orders are
made, served, varied and end, on term period edges, and inside, on and just
outside exclusion zones and approach distances.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Final, TypeVar

import attrs
import pendulum
from hypothesis import strategies as st

from spo_tracker.detection import DetectionConfig, Detector
from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import Identity, Platform
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.orders import Order, OrderState, OrderVersion
from spo_tracker.domain.people import Defendant, NameUse, ProtectedPerson, RestrictedDetails
from spo_tracker.domain.statutory_time import days_beginning_with
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
from tests.strategies import (
    aware_datetimes,
    due_from,
    identities,
    metres_to_degrees,
    not_in_force_spans,
    orders,
    terms,
    uk_points,
)

DEFENDANTS = ("D1", "D2", "D3")
PERSONS = tuple(f"P{n}" for n in range(1, 10))
_FINAL = (OrderState.DISCHARGED, OrderState.EXPIRED, OrderState.CEASED, OrderState.QUASHED)


@attrs.frozen
class History:
    """Orders, defendants, protected persons' places and incidents, ready to detect on."""

    orders: tuple[Order, ...]
    defendants: tuple[Defendant, ...]
    persons: tuple[ProtectedPerson, ...]
    incidents: tuple[Incident, ...]

    @property
    def places(self) -> dict[str, tuple[GeoPoint, ...]]:
        """Each protected person's restricted places."""
        return {p.person_id: tuple(pt for _, pt in p.restricted.places) for p in self.persons}

    def detector(self, config: DetectionConfig | None = None) -> Detector:
        """A detector over this history's orders and people."""
        return Detector(self.orders, self.defendants, config=config, protected_persons=self.persons)


@st.composite
def lived_orders(draw: st.DrawFn, order_id: str, term_types: tuple[type[Term], ...] = ()) -> Order:
    """An order from the shared strategy, given a defendant, service, appeal and maybe an end.

    With ``term_types``, every version's terms are redrawn from those types only.
    """
    order = draw(orders(max_versions=3))
    if term_types:
        versions = tuple(_only(draw, v, term_types) for v in order.versions)
        named = {p for v in versions for t in v.terms for p in getattr(t, "persons", ())}
        order = attrs.evolve(
            order, versions=versions, protected_person_ids=tuple(sorted(named)) or ("P1",)
        )
    order = attrs.evolve(
        order, versions=tuple(_near_periods(draw, v, order.made_on) for v in order.versions)
    )
    made = order.made_at
    served = draw(
        st.one_of(st.none(), st.integers(0, 15 * 86_400).map(lambda s: made.add(seconds=s)))
    )
    state = OrderState.SERVED if served is not None else OrderState.MADE
    ended = None
    if draw(st.integers(0, 3)) == 0:
        state = draw(st.sampled_from(_FINAL))
        ended = made.add(seconds=draw(st.integers(0, 900 * 86_400)))
    return attrs.evolve(
        order,
        order_id=order_id,
        defendant_id=draw(st.sampled_from(DEFENDANTS[:2])),
        served_at=served,
        state=state,
        ended_at=ended,
        appeal_pending=draw(st.booleans()),
        not_in_force=draw(not_in_force_spans(made, until=ended)),
    )


def _only(draw: st.DrawFn, version: OrderVersion, types: tuple[type[Term], ...]) -> OrderVersion:
    drawn = draw(st.lists(terms(*types), min_size=1, max_size=3))
    renumbered = tuple(attrs.evolve(t, term_id=f"T{i}") for i, t in enumerate(drawn, start=1))
    return attrs.evolve(version, terms=due_from(renumbered, version.decided_on))


def _near_periods(draw: st.DrawFn, version: OrderVersion, made_on: pendulum.Date) -> OrderVersion:
    """Terms' own periods moved near the day made, and localities around the term's zone.

    The shared strategy draws both anywhere (2020-2040, all of the UK), where they
    would almost never meet an incident; here they sit where they decide things.
    """
    moved = []
    for term in version.terms:
        if term.period is not None:
            start = made_on.add(days=draw(st.integers(-10, 60)))
            term = attrs.evolve(term, period=days_beginning_with(start, draw(st.integers(1, 400))))
        if term.locality is not None and term.locality.area is not None and draw(st.booleans()):
            centre = draw(uk_points())
            if isinstance(term, ExclusionZone):
                zone = term.zone
                centre = zone.centre if isinstance(zone, Circle) else zone.ring[0]
            area = Circle(centre, draw(st.floats(100, 30_000)))
            term = attrs.evolve(term, locality=attrs.evolve(term.locality, area=area))
        moved.append(term)
    # A term moved here is a new term of this version: a requirement is due from its day.
    return attrs.evolve(version, terms=due_from(tuple(moved), version.decided_on))


def _anchors(order: Order) -> tuple[pendulum.DateTime, ...]:
    """Instants where the rules change their answer for this order, and its early life.

    Starts (made, served, a version decided, a term's period starting) are given
    twice, so more incidents fall while the order bites; ends once.
    """
    starts = [order.made_at, order.made_at]
    starts += [order.served_at] if order.served_at is not None else []
    ends = [order.ended_at] if order.ended_at is not None else []
    for start, end in order.not_in_force:
        starts.append(end)
        ends.append(start)
    for version in order.versions:
        starts.append(version.starts_at)
        if version.period is not None:
            ends.append(version.period.ends_at)
        for term in version.terms:
            if term.period is not None:
                starts.append(term.period.starts_at)
                ends.append(term.period.ends_at)
    last = min(ends, default=order.made_at.add(years=3))
    useful = [a for a in (*starts, *starts, *ends) if order.made_at.subtract(days=2) <= a <= last]
    return tuple(useful)


def _offset(point: GeoPoint, metres: float, angle: float) -> GeoPoint:
    dlat, dlon = metres_to_degrees(metres, point.lat)
    lat = max(-90.0, min(90.0, point.lat + dlat * math.sin(angle)))
    lon = max(-180.0, min(180.0, point.lon + dlon * math.cos(angle)))
    return GeoPoint(lat, lon)


T = TypeVar("T")

# Strategies built once: building them inside every draw costs more than the drawing.
_ANGLES: Final = st.floats(0, 2 * math.pi)
_CIRCLE_SHARES: Final = st.one_of(st.sampled_from((0.0, 0.999, 1.001)), st.floats(0, 2.5))
_RING_SHARES: Final = st.one_of(st.sampled_from((0.0, 0.5, 0.999, 1.001)), st.floats(0, 1.5))
_PLACE_OFFSETS: Final = st.floats(0, 600)
_MICRO_OFFSETS: Final = st.sampled_from((-1, 0, 1)).map(lambda us: dt.timedelta(microseconds=us))
_SECOND_OFFSETS: Final = st.integers(-86_400, 20 * 86_400).map(lambda s: dt.timedelta(seconds=s))
_OFFSETS: Final = st.one_of(_MICRO_OFFSETS, _SECOND_OFFSETS)
_TIME_ZONES: Final = ("UTC", "Europe/London", "America/New_York")
_ANY_TIME: Final = aware_datetimes(2020, 2043)
_HOW: Final = ("direct", "actor", "actor", "direct", "stranger", "none")


def _pick(draw: st.DrawFn, items: Sequence[T]) -> T:
    """One of ``items`` (cheaper than building a ``sampled_from`` for each draw)."""
    return items[draw(st.integers(0, len(items) - 1))]


def _near_zone(draw: st.DrawFn, zone: Circle | Polygon) -> GeoPoint:
    """A point inside, on the edge of, or just outside ``zone``."""
    angle = draw(_ANGLES)
    if isinstance(zone, Circle):
        return _offset(zone.centre, zone.radius_m * draw(_CIRCLE_SHARES), angle)
    vertex = _pick(draw, zone.ring)
    lat = sum(p.lat for p in zone.ring) / len(zone.ring)
    lon = sum(p.lon for p in zone.ring) / len(zone.ring)
    share = draw(_RING_SHARES)
    return GeoPoint(lat + (vertex.lat - lat) * share, lon + (vertex.lon - lon) * share)


def _location(
    draw: st.DrawFn,
    zones: Sequence[Circle | Polygon],
    places: Sequence[GeoPoint],
    focus: Term | None,
) -> GeoPoint | None:
    if isinstance(focus, ExclusionZone) and draw(st.integers(0, 2)) > 0:
        return _near_zone(draw, focus.zone)
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return None
    if choice == 2 and zones:
        return _near_zone(draw, _pick(draw, zones))
    if choice == 3 and places:
        return _offset(_pick(draw, places), draw(_PLACE_OFFSETS), draw(_ANGLES))
    point: GeoPoint = draw(uk_points())
    return point


_K = IncidentKind
#: Kinds worth trying against each term type (the rest are drawn too, less often).
_RELEVANT: dict[type[Term], tuple[IncidentKind, ...]] = {
    NoContact: (_K.MESSAGE, _K.CALL, _K.EMAIL, _K.LETTER, _K.GIFT, _K.THREAT),
    NoThirdPartyContact: (_K.THIRD_PARTY_CONTACT, _K.MESSAGE, _K.CALL),
    PlatformBan: (_K.ONLINE_ACTIVITY, _K.MESSAGE, _K.POST),
    ExclusionZone: (_K.SIGHTING, _K.LOCATION_FIX, _K.LOITERING, _K.MESSAGE),
    NoApproach: (_K.APPROACH, _K.SIGHTING, _K.LOITERING, _K.LOCATION_FIX),
    NoOnlineReference: (_K.ONLINE_REFERENCE, _K.POST, _K.MESSAGE),
    NoSurveillance: (_K.MONITORING, _K.FOLLOWING, _K.LOITERING, _K.SIGHTING),
    NoRecordingImages: (_K.RECORDING_IMAGES, _K.SIGHTING),
    DeviceBrowsingHistory: (_K.DEVICE_HISTORY_DELETED, _K.ONLINE_ACTIVITY),
}
_KINDS: Final = tuple(IncidentKind)
_PLATFORMS: Final = tuple(Platform)


@attrs.frozen
class _Focus:
    """An order and one of its terms that a drawn incident is aimed at."""

    order: Order
    term: Term
    anchors: tuple[pendulum.DateTime, ...]


def _time(draw: st.DrawFn, focus: _Focus | None) -> pendulum.DateTime:
    if focus is None or not focus.anchors:
        instant: pendulum.DateTime = draw(_ANY_TIME)
        return instant
    moved = _pick(draw, focus.anchors) + draw(_OFFSETS)
    return pendulum.instance(moved).in_timezone(_pick(draw, _TIME_ZONES))


def _attribution(
    draw: st.DrawFn, focus: _Focus | None, linked: dict[str, tuple[Identity, ...]]
) -> tuple[Identity | None, str | None]:
    """(actor, direct defendant id): linked account, officer attribution, stranger, or none."""
    how = _pick(draw, _HOW)
    who = _pick(draw, DEFENDANTS) if focus is None else focus.order.defendant_id
    if how == "actor" and linked[who]:
        return _pick(draw, linked[who]), None
    if how == "stranger":
        stranger: Identity = draw(identities())
        return stranger, None
    if how == "none" and focus is None:
        return None, None
    return None, who


@st.composite
def _incident(
    draw: st.DrawFn,
    incident_id: str,
    focuses: Sequence[_Focus],
    linked: dict[str, tuple[Identity, ...]],
    zones: Sequence[Circle | Polygon],
    places: Sequence[GeoPoint],
) -> Incident:
    focus = _pick(draw, focuses) if focuses and draw(st.integers(0, 5)) > 0 else None
    term = None if focus is None else focus.term
    relevant = () if term is None else _RELEVANT.get(type(term), ())
    kind = (
        _pick(draw, relevant) if relevant and draw(st.integers(0, 2)) > 0 else _pick(draw, _KINDS)
    )
    actor, defendant_id = _attribution(draw, focus, linked)
    platform = None if actor is None else actor.platform
    if platform is None and draw(st.booleans()):
        banned = tuple(getattr(term, "platforms", ()))
        mine = bool(banned) and draw(st.integers(0, 1)) == 1
        platform = _pick(draw, banned if mine else _PLATFORMS)
    persons = tuple(getattr(term, "persons", ()))
    target = None
    if draw(st.integers(0, 3)) > 0:
        target = _pick(draw, persons if persons and draw(st.integers(0, 3)) > 0 else PERSONS)
    return Incident(
        incident_id=incident_id,
        occurred_at=_time(draw, focus),
        kind=kind,
        platform=platform,
        actor=actor,
        defendant_id=defendant_id,
        target_person_id=target,
        via_third_party=draw(st.integers(0, 5)) == 0,
        location=_location(draw, zones, places, term),
        reported_at=_time(draw, focus) if draw(st.booleans()) else None,
    )


@st.composite
def histories(
    draw: st.DrawFn,
    *,
    max_orders: int = 3,
    min_incidents: int = 0,
    max_incidents: int = 20,
    term_types: tuple[type[Term], ...] = (),
) -> History:
    """Three defendants (D3 has no order), up to ``max_orders`` orders, and incidents.

    With ``term_types``, the orders hold terms of those types only.
    """
    count = draw(st.integers(1, max_orders))
    built = [draw(lived_orders(f"O{n}", term_types)) for n in range(1, count + 1)]
    pool = draw(st.lists(identities(), min_size=1, max_size=5, unique=True))
    linked: dict[str, tuple[Identity, ...]] = dict.fromkeys(DEFENDANTS, ())
    for identity in pool:
        owners = draw(st.sampled_from((("D1",), ("D2",), ("D1",), ("D1", "D2"))))
        for owner in owners:
            linked[owner] += (identity,)
    defendants = tuple(Defendant(d, (NameUse(f"Defendant {d}"),)) for d in DEFENDANTS)
    linked_at = draw(aware_datetimes(2020, 2043))
    defendants = tuple(_link_all(d, linked[d.defendant_id], linked_at) for d in defendants)
    zones = [
        t.zone for o in built for v in o.versions for t in v.terms if isinstance(t, ExclusionZone)
    ]
    place_of = {p: draw(uk_points()) if not zones else _near_zone(draw, zones[0]) for p in PERSONS}
    persons = tuple(
        ProtectedPerson(p, f"Person {p}", RestrictedDetails(places=(("home", place_of[p]),)))
        for p in PERSONS
    )
    focuses = [_Focus(o, t, tuple(_anchors(o))) for o in built for v in o.versions for t in v.terms]
    n = draw(st.integers(min_incidents, max_incidents))
    incidents = tuple(
        draw(_incident(f"I{i}", focuses, linked, zones, list(place_of.values())))
        for i in range(1, n + 1)
    )
    return History(tuple(built), defendants, persons, incidents)


def _link_all(defendant: Defendant, ids: Sequence[Identity], at: pendulum.DateTime) -> Defendant:
    for identity in ids:
        defendant = defendant.link(identity, at)
    return defendant
