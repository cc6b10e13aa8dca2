"""The compiled per-defendant index that makes force-scale scanning fast.

For each defendant, every prohibition term of every order version is compiled
once into a :class:`TermEntry` whose ``[lo, hi)`` epoch-second bounds are the
intersection of the order's life (made, not ended, inside the version's fixed
period), the span of days on which that version is the one in force
(``Order.version_at``) and the term's own period. The per-incident path is
then a dict lookup by incident kind (or platform, for bans) and two float
comparisons per candidate term, before the rule's pure content test.

The bounds reproduce :meth:`Order.in_force_at` and :meth:`Order.version_at`
exactly (a version binds from the instant it was decided; an order restored on
appeal is not in force in the span it was discharged); the tests check the
engine against :func:`rules.suspected_breaches`, which calls those methods
directly.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator
from typing import Final, cast

from spo_tracker.detection._clock import INF, epoch
from spo_tracker.detection.rules import PLACE_FREE, PRESENCE_CODES, RULES, Places, TermRule
from spo_tracker.domain.geo import EARTH_RADIUS_M, Circle, Polygon
from spo_tracker.domain.identities import SOCIAL_MEDIA
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.orders import Order, OrderState, OrderVersion
from spo_tracker.domain.terms import ExclusionZone, Locality, NoApproach, PlatformBan, Term
from spo_tracker.errors import InvalidValueError

__all__ = [
    "Box",
    "DefendantPlan",
    "Route",
    "TermEntry",
    "box_around",
    "compile_plans",
    "version_spans",
]

#: A latitude/longitude box ``(south, north, west, east)`` in degrees.
Box = tuple[float, float, float, float]
_SLACK_DEG: Final = 1e-7  # about 1 cm: generous, the box is only a shortcut

_FINAL: Final = frozenset(
    {OrderState.DISCHARGED, OrderState.EXPIRED, OrderState.CEASED, OrderState.QUASHED}
)


class TermEntry:
    """One term of one order version, with the epoch-second span in which it bites."""

    __slots__ = (
        "alone",
        "appeal",
        "box",
        "code",
        "exempt",
        "hi",
        "id_prefix",
        "lo",
        "locality",
        "match",
        "order",
        "order_id",
        "persons",
        "place_free",
        "protected",
        "related",
        "rule",
        "served",
        "term",
        "term_id",
        "wording",
    )

    def __init__(
        self,
        lo: float,
        hi: float,
        rule: TermRule,
        term: Term,
        order: Order,
        served: float,
        places: Places,
    ) -> None:
        self.lo = lo
        self.hi = hi
        self.rule = rule
        self.match = rule.matches
        self.term = term
        self.term_id = term.term_id
        self.code = term.CODE
        self.locality: Locality | None = term.locality
        self.order = order
        self.order_id = order.order_id
        self.served = served
        self.appeal = order.appeal_pending
        # A cheap pre-filter before the rule's own test: rules that need the incident to be
        # aimed at a protected person name them here; ``None`` means "any target or none".
        self.persons: frozenset[str] | None = (
            frozenset(term.persons) if rule.needs_target else None  # type: ignore[attr-defined]
        )
        # The rule reads only the incident's kind, target and via (rules.PLACE_FREE).
        self.place_free = rule.matches in PLACE_FREE
        self.wording: tuple[str, str] | None = None  # alert title and body, on first use
        self.id_prefix: hashlib._Hash | None = None  # alert id hash state, on first use
        # Shared by every alert on this term (fewer objects for the garbage collector).
        self.related: tuple[str, ...] = (rule.term_section,)
        # No other entry shares this term's alert ids (another version or span of it):
        # its hits need no merging when alerts are built. Set by ``compile_plans``; until
        # then ``False``, which is always right (merging one entry changes nothing).
        self.alone = False
        self.protected: tuple[str, ...] = tuple(sorted(set(order.protected_person_ids)))
        # A shortcut before the rule's own test: the rule cannot match an incident
        # located outside ``box`` (or with no location), unless its kind is ``exempt``.
        # Exclusion zones: the zone's box. No approach: the boxes of the persons' known
        # places widened by the distance (a reported approach is exempt).
        self.box: Box | None = None
        self.exempt: frozenset[str] = frozenset()
        if isinstance(term, ExclusionZone):
            self.box = box_around(term.zone, 0.0)
        elif isinstance(term, NoApproach):
            self.box = _places_box(term, places)
            self.exempt = frozenset({IncidentKind.APPROACH.value})


class DefendantPlan:
    """Everything the engine needs about one defendant's orders, precomputed.

    Attributes:
        by_kind: incident kind code to the entries whose rule that kind can trigger
            (keyed by the enum's string value: hashing a str is cheaper than an enum).
        by_platform: platform code to the platform-ban entries that ban it.
        zones: exclusion-zone entries with their watch boxes (the zone widened by the
            watch distance), for the closing-in alert.
        protection: protected person id to the spans in which a live order protects them.
        orders: the defendant's orders.
        routes: incident kind code to a :data:`Route`: the kind's entries, a guard
            box and whether the kind is watched near zones (see :meth:`route`).
    """

    __slots__ = ("by_kind", "by_platform", "orders", "protection", "routes", "zones")

    def __init__(self) -> None:
        self.by_kind: dict[str, list[TermEntry]] = {}
        self.by_platform: dict[str, list[TermEntry]] = {}
        self.zones: list[tuple[TermEntry, Box | None]] = []
        self.protection: dict[str, list[tuple[float, float, Order]]] = {}
        self.orders: list[Order] = []
        self.routes: dict[str, Route] = {}

    def protected_at(self, person_id: str, seconds: float) -> bool:
        """Whether a live order of this defendant protects ``person_id`` at that instant."""
        for lo, hi, _ in self.protection.get(person_id, ()):  # noqa: SIM110 (no generator per call)
            if lo <= seconds < hi:
                return True
        return False

    def protecting(self, person_id: str, seconds: float) -> Order | None:
        """The live order (lowest id first) protecting ``person_id`` at that instant, if any."""
        found = [o for lo, hi, o in self.protection.get(person_id, ()) if lo <= seconds < hi]
        return min(found, key=lambda o: o.order_id) if found else None

    def route(self) -> None:
        """Build :attr:`routes` from the entries and zones (once, after every order is added).

        A kind's guard box holds every box its entries and (for presence kinds) the
        zones' watch boxes can match in: an incident of that kind located outside
        it, or with no location, can neither match those entries nor be watched
        near a zone, so the batch scan skips them all with one test. ``None`` when
        some entry has no box or is exempt from it for that kind (no shortcut).
        """
        watch_boxes = [box for _, box in self.zones]
        kinds = set(self.by_kind) | (PRESENCE_CODES if self.zones else set())
        for kind in kinds:
            entries = tuple(self.by_kind.get(kind, ()))
            watched = kind in PRESENCE_CODES and bool(self.zones)
            boxes = [None if kind in e.exempt else e.box for e in entries]
            boxes += watch_boxes if watched else []
            self.routes[kind] = (entries, _union(boxes), watched)

    def mark_alone(self) -> None:
        """Mark the entries that share their term's alert ids (order, term and rule) with
        no other entry of this plan: :attr:`TermEntry.alone` (once, after every order)."""
        seen: dict[tuple[str, str, str], list[TermEntry]] = {}
        entries = {
            e for group in (*self.by_kind.values(), *self.by_platform.values()) for e in group
        }
        for e in entries:
            seen.setdefault((e.order_id, e.term_id, e.rule.rule_id), []).append(e)
        for shared in seen.values():
            for e in shared:
                e.alone = len(shared) == 1

    def _add(self, entry: TermEntry, watch_m: float) -> None:
        kinds = entry.rule.trigger_kinds
        if kinds is None:
            ban = cast(PlatformBan, entry.term)  # only bans are indexed by platform
            platforms = set(ban.platforms) | (set(SOCIAL_MEDIA) if ban.any_social_media else set())
            for platform in platforms:
                self.by_platform.setdefault(platform.value, []).append(entry)
            return
        for kind in kinds:
            self.by_kind.setdefault(kind.value, []).append(entry)
        if isinstance(entry.term, ExclusionZone):
            self.zones.append((entry, box_around(entry.term.zone, watch_m)))


#: What the batch scan does with one incident kind for one defendant: the entries to
#: test, a guard box outside which none of them (nor zone watching) can apply, or
#: ``None`` for no shortcut, and whether the kind is watched near exclusion zones.
Route = tuple[tuple[TermEntry, ...], "Box | None", bool]


def _union(boxes: list[Box | None]) -> Box | None:
    """The box around ``boxes``; ``None`` if any is ``None`` (no shortcut) or there are none."""
    if not boxes or any(b is None for b in boxes):
        return None
    known = [b for b in boxes if b is not None]
    return (
        min(b[0] for b in known),
        max(b[1] for b in known),
        min(b[2] for b in known),
        max(b[3] for b in known),
    )


def _check_order(order: Order) -> None:
    if not isinstance(order, Order):
        raise InvalidValueError("order", order, "expected an Order")
    if order.state in _FINAL and order.ended_at is None:
        raise InvalidValueError(
            "ended_at", None, f"order {order.order_id!r} is {order.state.value} but has no end time"
        )


def version_spans(order: Order) -> Iterator[tuple[float, float, OrderVersion]]:
    """Each version with the epoch-second spans in which it is the version in force.

    A later version is in force from the moment it was decided (its
    ``starts_at``: ``decided_at``, or the start of its London day for a version
    recorded without it) until the next version starts (``Order.version_at``),
    within the order's life: from ``made_at`` until ``ended_at`` and the end of
    that version's fixed period, less the spans in which the order was not in
    force (``Order.in_force_at``). A version cut by such a span gives one span
    on each side; spans come in time order.
    """
    _check_order(order)
    life_lo = epoch(order.made_at)
    life_hi = INF if order.ended_at is None else epoch(order.ended_at)
    gaps = [(epoch(start), epoch(end)) for start, end in order.not_in_force]
    versions = order.versions
    starts = [-INF, *(epoch(v.starts_at) for v in versions[1:])]
    for k, version in enumerate(versions):
        lo = max(starts[k], life_lo)
        hi = min(starts[k + 1] if k + 1 < len(versions) else INF, life_hi)
        if version.period is not None:
            hi = min(hi, epoch(version.period.ends_at))
        for piece_lo, piece_hi in _minus(lo, hi, gaps):
            yield piece_lo, piece_hi, version


def _minus(lo: float, hi: float, gaps: list[tuple[float, float]]) -> Iterator[tuple[float, float]]:
    """The non-empty parts of ``[lo, hi)`` outside every gap (gaps in order, disjoint)."""
    for gap_lo, gap_hi in gaps:
        if gap_lo >= hi:
            break
        if gap_lo > lo:
            yield lo, gap_lo
        lo = max(lo, gap_hi)
    if lo < hi:
        yield lo, hi


def _term_span(term: Term, lo: float, hi: float) -> tuple[float, float]:
    if term.period is None:
        return lo, hi
    return max(lo, epoch(term.period.starts_at)), min(hi, epoch(term.period.ends_at))


def _compile_order(plan: DefendantPlan, order: Order, watch_m: float, places: Places) -> None:
    served = INF if order.served_at is None else epoch(order.served_at)
    plan.orders.append(order)
    for v_lo, v_hi, version in version_spans(order):
        for person in order.protected_person_ids:
            plan.protection.setdefault(person, []).append((v_lo, v_hi, order))
        for term in version.terms:
            rule = RULES.get(term.CODE)
            if rule is None:
                continue  # positive requirements are dated rules, not incident rules
            lo, hi = _term_span(term, v_lo, v_hi)
            if lo < hi:
                plan._add(TermEntry(lo, hi, rule, term, order, served, places), watch_m)


def compile_plans(
    orders: Iterable[Order], *, watch_m: float = 0.0, places: Places | None = None
) -> dict[str, DefendantPlan]:
    """A :class:`DefendantPlan` per defendant id with at least one order.

    ``watch_m`` widens each exclusion zone's watch box (for closing-in alerts);
    ``places`` are the protected persons' known places (for approach boxes).

    Raises:
        InvalidValueError: two orders share an id, or an order in a final state
            (discharged, expired, ceased, quashed) has no ``ended_at``.
    """
    plans: dict[str, DefendantPlan] = {}
    seen: set[str] = set()
    for order in orders:
        _check_order(order)
        if order.order_id in seen:
            raise InvalidValueError("order_id", order.order_id, "appears twice")
        seen.add(order.order_id)
        plan = plans.setdefault(order.defendant_id, DefendantPlan())
        _compile_order(plan, order, watch_m, places or {})
    for plan in plans.values():
        plan.route()
        plan.mark_alone()
    return plans


def _lon_half_width(radius_m: float, max_abs_lat: float) -> float | None:
    """Widest longitude difference of a point within ``radius_m`` (haversine), or ``None``.

    From the haversine formula: distance <= r needs
    ``cos(lat_max) * sin(dlon / 2) <= sin(r / 2R)``.
    """
    bound = math.sin(radius_m / (2 * EARTH_RADIUS_M)) / math.cos(math.radians(max_abs_lat))
    if bound >= 1.0:
        return None
    return math.degrees(2 * math.asin(bound))


#: A box no point is inside (south above north).
_NOWHERE: Final[Box] = (1.0, -1.0, 0.0, 0.0)


def _places_box(term: NoApproach, places: Places) -> Box | None:
    """The box around every known place of the term's persons, widened by its distance."""
    boxes = [
        box_around(Circle(place, term.distance_m), 0.0)
        for person in term.persons
        for place in places.get(person, ())
    ]
    return _union(boxes) if boxes else _NOWHERE


def box_around(shape: Circle | Polygon, margin_m: float) -> Box | None:
    """A box holding every point within ``margin_m`` metres of ``shape`` (or inside it).

    Conservative by construction: a point outside the box is certainly outside
    the shape and further than ``margin_m`` from it, both for the haversine
    circle test and for the polygon's ray casting and flat edge distance.
    ``None`` (no shortcut) near the poles or across the antimeridian.
    """
    if isinstance(shape, Circle):
        south, north = shape.centre.lat, shape.centre.lat
        west, east = shape.centre.lon, shape.centre.lon
        reach = shape.radius_m + margin_m
    else:
        lats = [p.lat for p in shape.ring]
        lons = [p.lon for p in shape.ring]
        south, north, west, east = min(lats), max(lats), min(lons), max(lons)
        reach = margin_m
    dlat = math.degrees(reach / EARTH_RADIUS_M)
    south, north = south - dlat - _SLACK_DEG, north + dlat + _SLACK_DEG
    if max(abs(south), abs(north)) > 85.0:
        return None
    dlon = _lon_half_width(reach, max(abs(south), abs(north)))
    if dlon is None:
        return None
    west, east = west - dlon - _SLACK_DEG, east + dlon + _SLACK_DEG
    if west < -180.0 or east > 180.0:
        return None
    return south, north, west, east
