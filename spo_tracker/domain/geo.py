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


def _latitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and -90.0 <= value <= 90.0):
        raise InvalidValueError("latitude", value, "must be a number from -90 to 90")


def _longitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and -180.0 <= value <= 180.0):
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
    if not (isinstance(value, int | float) and value > 0 and math.isfinite(value)):
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


def _ring(_: object, attribute: attrs.Attribute[tuple[GeoPoint, ...]], value: object) -> None:
    if not isinstance(value, tuple) or len({(p.lat, p.lon) for p in value}) < 3:
        raise InvalidValueError("polygon", value, "needs at least three distinct points")


@attrs.frozen
class Polygon:
    """A simple polygon given by its ring of vertices (closing point optional)."""

    ring: tuple[GeoPoint, ...] = attrs.field(validator=_ring)

    def contains(self, point: GeoPoint) -> bool:
        """Whether ``point`` is inside (ray casting; a point on an edge counts as inside)."""
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
            cross = (b.lon - a.lon) * (point.lat - a.lat) - (b.lat - a.lat) * (point.lon - a.lon)
            within = min(a.lon, b.lon) <= point.lon <= max(a.lon, b.lon) and min(
                a.lat, b.lat
            ) <= point.lat <= max(a.lat, b.lat)
            if within and abs(cross) < 1e-12:
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
