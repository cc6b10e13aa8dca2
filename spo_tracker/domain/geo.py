"""Points and shapes on the WGS84 globe, for exclusion zones, localities and approaches.

Distances use the haversine formula on a sphere of the mean Earth radius;
at the scale of exclusion zones (metres to a few kilometres) its error is well
under 0.5 %, far inside the precision of a reported location. Polygons are
tested with ray casting in longitude/latitude, which is exact for the small,
non-polar shapes courts draw.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Final

import attrs

from spo_tracker.errors import InvalidValueError

__all__ = [
    "EARTH_RADIUS_M",
    "MAX_RADIUS_M",
    "Circle",
    "GeoPoint",
    "Polygon",
    "Shape",
    "distance_m",
]

EARTH_RADIUS_M: Final = 6_371_008.8

#: The largest circle radius, 50 km (library rule). A circle is an exclusion zone
#: or a locality around a point, a place and not a county: a 50 km radius already
#: covers about 7,850 square kilometres, as much as the largest police force areas
#: of England, so a larger one is a mistake (kilometres typed as metres) or an area
#: better drawn as a polygon, or left out (a term then applies throughout the UK,
#: SPA2019 s.2(4)). It is also the no-approach cap (``NoApproach.distance_m``), whose
#: distance detection draws as a circle round the protected person.
MAX_RADIUS_M: Final = 50_000.0

# Shewchuk's error bound for the floating-point 2D orientation test: a result
# larger than this times the sum of the products' magnitudes has the right sign.
_EPSILON: Final = 2.0**-53
_ORIENT_BOUND: Final = (3.0 + 16.0 * _EPSILON) * _EPSILON

# A point this close to an edge (in degrees, about 0.1 mm) is on it. The
# tolerance is a distance, so it means the same for a 2 m edge and a 2 km one.
_ON_EDGE_DEG: Final = 1e-9


def _is_number(value: object) -> bool:
    # bool is an int subclass: GeoPoint(True, False) is a mistake, not a position.
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Position:
    """Stands in an error for a coordinate it refuses: a position (even one out of range,
    ``152.4589`` for ``52.4589``) may be somebody's whereabouts, so it is never quoted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<value withheld: a coordinate may be someone's whereabouts>"


_POSITION: Final = _Position()


def _refused(field: str, value: object, limit: int) -> InvalidValueError:
    """The refusal of a coordinate, naming the field and, for a value that is not a
    number, its type; never the value."""
    what = "" if _is_number(value) else f", not {type(value).__name__}"
    return InvalidValueError(field, _POSITION, f"must be a number from -{limit} to {limit}{what}")


def _latitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (_is_number(value) and -90.0 <= value <= 90.0):
        raise _refused("latitude", value, 90)


def _longitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (_is_number(value) and -180.0 <= value <= 180.0):
        raise _refused("longitude", value, 180)


@attrs.frozen(order=True)
class GeoPoint:
    """A WGS84 position in decimal degrees.

    Raises:
        InvalidValueError: latitude outside [-90, 90] or longitude outside [-180, 180].
    """

    lat: float = attrs.field(validator=_latitude)
    lon: float = attrs.field(validator=_longitude)


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points, in metres (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _radius(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    # NaN fails both comparisons; infinity fails the cap.
    if not (_is_number(value) and 0 < value <= MAX_RADIUS_M):
        raise InvalidValueError(
            attribute.name,
            value,
            f"must be a positive number of metres, at most {MAX_RADIUS_M:,.0f} (library rule: "
            "a zone is a place, not a county; draw a larger area as a polygon)",
        )


@attrs.frozen
class Circle:
    """A circle: everything within ``radius_m`` metres of ``centre``.

    Raises:
        InvalidValueError: a radius that is not a number of metres above 0 and at most
            :data:`MAX_RADIUS_M` (50 km).
    """

    centre: GeoPoint
    radius_m: float = attrs.field(validator=_radius)

    def contains(self, point: GeoPoint) -> bool:
        """Whether ``point`` is inside or on the edge."""
        return distance_m(self.centre, point) <= self.radius_m

    def distance_outside_m(self, point: GeoPoint) -> float:
        """How far ``point`` is outside the circle (0 inside)."""
        return max(0.0, distance_m(self.centre, point) - self.radius_m)


def _ring_tuple(value: object) -> object:
    # Accept any sequence of points (a list is natural); the validator checks the rest.
    return tuple(value) if isinstance(value, list) else value


def _ring(_: object, attribute: attrs.Attribute[tuple[GeoPoint, ...]], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(p, GeoPoint) for p in value):
        raise InvalidValueError("polygon", value, "must be a sequence of GeoPoints")
    if len({(p.lat, p.lon) for p in value}) < 3:
        raise InvalidValueError("polygon", value, "needs at least three distinct points")
    crossing = _self_crossing(value)
    if crossing is not None:
        raise InvalidValueError(
            "polygon",
            value,
            f"{crossing}: the boundary must not cross or touch itself (a bow-tie has no "
            "single inside; give the zone as one simple ring, or as two zones)",
        )


_Point = tuple[float, float]


def _orientation(a: _Point, b: _Point, c: _Point) -> int:
    """1 if ``a, b, c`` turn left, -1 if right, 0 if collinear: exact for any floats.

    The float determinant decides when it is clear of its rounding error
    (Shewchuk's bound); otherwise it is computed exactly in rationals.
    """
    left = (a[0] - c[0]) * (b[1] - c[1])
    right = (a[1] - c[1]) * (b[0] - c[0])
    det = left - right
    bound = _ORIENT_BOUND * (abs(left) + abs(right))
    if det > bound:
        return 1
    if -det > bound:
        return -1
    fa, fb, fc = (tuple(map(Fraction, p)) for p in (a, b, c))
    exact = (fa[0] - fc[0]) * (fb[1] - fc[1]) - (fa[1] - fc[1]) * (fb[0] - fc[0])
    return (exact > 0) - (exact < 0)


def _within_box(a: _Point, b: _Point, p: _Point) -> bool:
    """Whether ``p`` (collinear with ``a`` and ``b``) lies on the segment ``a``-``b``."""
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _segments_meet(p1: _Point, p2: _Point, q1: _Point, q2: _Point) -> bool:
    """Whether the closed segments ``p1-p2`` and ``q1-q2`` have a point in common."""
    d1, d2 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    d3, d4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return (
        (d1 == 0 and _within_box(q1, q2, p1))
        or (d2 == 0 and _within_box(q1, q2, p2))
        or (d3 == 0 and _within_box(p1, p2, q1))
        or (d4 == 0 and _within_box(p1, p2, q2))
    )


def _folds_back(u: _Point, v: _Point, w: _Point) -> bool:
    """Whether edges ``u-v`` and ``v-w`` overlap beyond ``v`` (the ring doubles back)."""
    if _orientation(u, v, w) != 0:
        return False
    return (u[0] - v[0]) * (w[0] - v[0]) + (u[1] - v[1]) * (w[1] - v[1]) > 0


def _shown(point: _Point) -> str:
    """A (lon, lat) point as ``(lat, lon)``, the order GeoPoint takes."""
    return f"({point[1]}, {point[0]})"


def _vertices(ring: tuple[GeoPoint, ...]) -> list[_Point]:
    """The ring as (lon, lat) points, without the optional closing point or repeats in a row."""
    points = [(p.lon, p.lat) for p in ring]
    return [p for i, p in enumerate(points) if p != points[i - 1]]


def _self_crossing(ring: tuple[GeoPoint, ...]) -> str | None:
    """The first pair of edges of ``ring`` that cross, touch or overlap, described; or None.

    Edges that share a vertex meet there by construction and are refused only if
    they overlap beyond it. A sweep over the edges sorted by their west end
    compares only edges whose boxes overlap, so a long ring is not compared pair
    by pair.
    """
    pts = _vertices(ring)
    n = len(pts)
    edges = [(pts[i], pts[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        if _folds_back(edges[i - 1][0], pts[i], edges[i][1]):
            return f"the edges either side of {_shown(pts[i])} overlap"
    order = sorted(range(n), key=lambda k: min(edges[k][0][0], edges[k][1][0]))
    for pos, i in enumerate(order):
        (a, b) = edges[i]
        east, south, north = max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1])
        for j in order[pos + 1 :]:
            c, d = edges[j]
            if min(c[0], d[0]) > east:
                break
            if (j - i) % n in (1, n - 1) or max(c[1], d[1]) < south or min(c[1], d[1]) > north:
                continue
            if _segments_meet(a, b, c, d):
                first, second = sorted((i, j))
                return (
                    f"edge {_shown(edges[first][0])}-{_shown(edges[first][1])} crosses or "
                    f"touches edge {_shown(edges[second][0])}-{_shown(edges[second][1])}"
                )
    return None


@attrs.frozen
class Polygon:
    """A simple polygon given by its ring of vertices (closing point optional).

    Raises:
        InvalidValueError: fewer than three distinct points, or a ring that crosses,
            touches or doubles back on itself (not simple), naming the ring.
    """

    ring: tuple[GeoPoint, ...] = attrs.field(converter=_ring_tuple, validator=_ring)

    def contains(self, point: GeoPoint) -> bool:
        """Whether ``point`` is inside (ray casting; on an edge, within 0.1 mm, is inside)."""
        if self._on_edge(point):
            return True
        inside = False
        pts = self.ring
        for i in range(len(pts)):
            a, b = pts[i], pts[i - 1]
            if (a.lat > point.lat) != (b.lat > point.lat):
                cross = (b.lon - a.lon) * (point.lat - a.lat) / (b.lat - a.lat) + a.lon
                if point.lon < cross:
                    inside = not inside
        return inside

    def _on_edge(self, point: GeoPoint) -> bool:
        pts = self.ring
        for i in range(len(pts)):
            a, b = pts[i], pts[i - 1]
            dx, dy = b.lon - a.lon, b.lat - a.lat
            cross = dx * (point.lat - a.lat) - dy * (point.lon - a.lon)
            within = min(a.lon, b.lon) <= point.lon <= max(a.lon, b.lon) and min(
                a.lat, b.lat
            ) <= point.lat <= max(a.lat, b.lat)
            # |cross| / edge length is the point's distance from the edge's line.
            if within and abs(cross) <= _ON_EDGE_DEG * math.hypot(dx, dy):
                return True
        return False

    def distance_outside_m(self, point: GeoPoint) -> float:
        """How far ``point`` is outside the polygon, in metres (0 inside or on an edge)."""
        return 0.0 if self.contains(point) else self.edge_distance_m(point)

    def edge_distance_m(self, point: GeoPoint) -> float:
        """Distance from ``point`` to the nearest edge, in metres (local flat projection)."""
        scale = math.cos(math.radians(point.lat))
        best = math.inf
        pts = self.ring
        for i in range(len(pts)):
            a, b = pts[i], pts[i - 1]
            ax, ay = (a.lon - point.lon) * scale, a.lat - point.lat
            bx, by = (b.lon - point.lon) * scale, b.lat - point.lat
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
        return math.radians(best) * EARTH_RADIUS_M


Shape = Circle | Polygon
