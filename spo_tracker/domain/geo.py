"""Points and shapes on the WGS84 globe, for exclusion zones, localities and approaches.

Distances use the haversine formula on a sphere of the mean Earth radius;
at the scale of exclusion zones (metres to a few kilometres) its error is well
under 0.5 %, far inside the precision of a reported location. Polygons are
tested with ray casting in longitude/latitude, which is exact for the small,
non-polar shapes courts draw.
"""

from __future__ import annotations

import math
from typing import Final

import attrs

from spo_tracker.errors import InvalidValueError

__all__ = ["EARTH_RADIUS_M", "Circle", "GeoPoint", "Polygon", "Shape", "distance_m"]

EARTH_RADIUS_M: Final = 6_371_008.8

# A point this close to an edge (in degrees, about 0.1 mm) is on it. The
# tolerance is a distance, so it means the same for a 2 m edge and a 2 km one.
_ON_EDGE_DEG: Final = 1e-9


def _is_number(value: object) -> bool:
    # bool is an int subclass: GeoPoint(True, False) is a mistake, not a position.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _latitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (_is_number(value) and -90.0 <= value <= 90.0):
        raise InvalidValueError("latitude", value, "must be a number from -90 to 90")


def _longitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (_is_number(value) and -180.0 <= value <= 180.0):
        raise InvalidValueError("longitude", value, "must be a number from -180 to 180")


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


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (_is_number(value) and value > 0 and math.isfinite(value)):
        raise InvalidValueError(attribute.name, value, "must be a positive number of metres")


@attrs.frozen
class Circle:
    """A circle: everything within ``radius_m`` metres of ``centre``."""

    centre: GeoPoint
    radius_m: float = attrs.field(validator=_positive)

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


@attrs.frozen
class Polygon:
    """A simple polygon given by its ring of vertices (closing point optional)."""

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
