"""Points, distances, circles and polygons for exclusion zones and localities.

Oracles written independently of the module: distance by the chord between
3-D unit vectors, destination points by the spherical direct formula, and
polygon membership by a winding number (the module uses ray casting).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spo_tracker.domain.geo import (
    EARTH_RADIUS_M,
    MAX_RADIUS_M,
    Circle,
    GeoPoint,
    Polygon,
    distance_m,
)
from spo_tracker.domain.terms import NoApproach
from spo_tracker.errors import InvalidValueError
from tests.strategies import circles, geo_points, metres_to_degrees, polygons, uk_points

R = EARTH_RADIUS_M


def chord_distance(a: GeoPoint, b: GeoPoint) -> float:
    """Oracle: great-circle distance from the straight chord between unit vectors."""

    def unit(p: GeoPoint) -> tuple[float, float, float]:
        lat, lon = math.radians(p.lat), math.radians(p.lon)
        return math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)

    chord = math.dist(unit(a), unit(b))
    return 2 * R * math.asin(min(1.0, chord / 2))


def destination(start: GeoPoint, bearing_deg: float, metres: float) -> GeoPoint:
    """Oracle: the point ``metres`` from ``start`` on ``bearing_deg`` (spherical direct)."""
    lat1, lon1 = math.radians(start.lat), math.radians(start.lon)
    theta, delta = math.radians(bearing_deg), metres / R
    lat2 = math.asin(
        math.sin(lat1) * math.cos(delta) + math.cos(lat1) * math.sin(delta) * math.cos(theta)
    )
    lon2 = lon1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(lat1),
        math.cos(delta) - math.sin(lat1) * math.sin(lat2),
    )
    return GeoPoint(math.degrees(lat2), math.degrees(lon2))


def winding_number(ring: tuple[GeoPoint, ...], p: GeoPoint) -> int:
    """Oracle: Sunday's winding number of the ring around ``p`` (x = lon, y = lat)."""

    def is_left(a: GeoPoint, b: GeoPoint) -> float:
        return (b.lon - a.lon) * (p.lat - a.lat) - (p.lon - a.lon) * (b.lat - a.lat)

    wn = 0
    for i in range(len(ring)):
        a, b = ring[i], ring[(i + 1) % len(ring)]
        if a.lat <= p.lat < b.lat and is_left(a, b) > 0:
            wn += 1
        elif b.lat <= p.lat < a.lat and is_left(a, b) < 0:
            wn -= 1
    return wn


def degrees_to_edges(ring: tuple[GeoPoint, ...], p: GeoPoint) -> float:
    """Oracle helper: the planar (degree) distance from ``p`` to the nearest edge."""
    best = math.inf
    for i in range(len(ring)):
        a, b = ring[i], ring[(i + 1) % len(ring)]
        dx, dy = b.lon - a.lon, b.lat - a.lat
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else ((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / length2
        t = max(0.0, min(1.0, t))
        best = min(best, math.hypot(p.lon - (a.lon + t * dx), p.lat - (a.lat + t * dy)))
    return best


def square(south: float, west: float, size: float) -> Polygon:
    """A lat/lon square given by its south-west corner."""
    return Polygon(
        (
            GeoPoint(south, west),
            GeoPoint(south, west + size),
            GeoPoint(south + size, west + size),
            GeoPoint(south + size, west),
        )
    )


# --------------------------------------------------------------------------- distances


@pytest.mark.parametrize(
    ("a", "b", "expected_m", "tolerance_m"),
    [
        (GeoPoint(0, 0), GeoPoint(0, 1), 2 * math.pi * R / 360, 1e-6),
        (GeoPoint(0, 0), GeoPoint(0, 90), math.pi * R / 2, 1e-6),
        (GeoPoint(90, 0), GeoPoint(-90, 0), math.pi * R, 1e-6),
        # Near antipodes haversine is ill-conditioned: 0.2 m in 20,000 km, irrelevant here.
        (GeoPoint(10, 20), GeoPoint(-10, -160), math.pi * R, 1.0),
        (GeoPoint(0, 179.5), GeoPoint(0, -179.5), 2 * math.pi * R / 360, 1e-6),
        # London (Charing Cross) to Paris (Notre-Dame): about 343.5 km on the mean sphere.
        (GeoPoint(51.5074, -0.1278), GeoPoint(48.8566, 2.3522), 343_556, 100),
        # London to Edinburgh: about 534 km.
        (GeoPoint(51.5074, -0.1278), GeoPoint(55.9533, -3.1883), 534_000, 1_000),
    ],
)
def test_haversine_matches_known_distances(
    a: GeoPoint, b: GeoPoint, expected_m: float, tolerance_m: float
) -> None:
    """A degree of the equator, a quarter and half great circle, antipodes, two cities."""
    assert distance_m(a, b) == pytest.approx(expected_m, abs=tolerance_m)


@given(a=geo_points(), b=geo_points())
def test_distance_agrees_with_an_independent_chord_formula(a: GeoPoint, b: GeoPoint) -> None:
    """Haversine and the 3-D chord agree to a millimetre, or 1e-7 over long distances."""
    assert distance_m(a, b) == pytest.approx(chord_distance(a, b), rel=1e-7, abs=1e-3)


@given(a=geo_points(), b=geo_points())
def test_distance_is_symmetric_and_zero_only_to_itself(a: GeoPoint, b: GeoPoint) -> None:
    """d(a, b) == d(b, a); d(a, a) == 0; never negative or over half the globe."""
    assert distance_m(a, b) == pytest.approx(distance_m(b, a), abs=1e-9)
    assert distance_m(a, a) == 0.0
    assert 0.0 <= distance_m(a, b) <= math.pi * R + 1e-6


@given(a=geo_points(), b=geo_points(), c=geo_points())
def test_distance_obeys_the_triangle_inequality(a: GeoPoint, b: GeoPoint, c: GeoPoint) -> None:
    """Going via b is never shorter than going direct."""
    assert distance_m(a, c) <= distance_m(a, b) + distance_m(b, c) + 1e-6


@given(a=uk_points(), b=uk_points(), c=uk_points())
def test_triangle_inequality_at_the_scale_of_a_zone(a: GeoPoint, b: GeoPoint, c: GeoPoint) -> None:
    """The same at UK scale, where exclusion zones are drawn."""
    assert distance_m(a, c) <= distance_m(a, b) + distance_m(b, c) + 1e-6


# --------------------------------------------------------------------------- coordinates


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (90.000001, 0.0, "latitude"),
        (-91, 0.0, "latitude"),
        (math.nan, 0.0, "latitude"),
        (math.inf, 0.0, "latitude"),
        ("51.5", 0.0, "latitude"),
        (True, 0.0, "latitude"),
        (None, 0.0, "latitude"),
        (0.0, 180.5, "longitude"),
        (0.0, -181, "longitude"),
        (0.0, math.nan, "longitude"),
        (0.0, False, "longitude"),
    ],
)
def test_coordinates_out_of_range_raise_naming_the_field_not_the_value(
    lat: object, lon: object, field: str
) -> None:
    """Out of range, not finite, not a number, or a boolean: a typed error naming the field
    (and a wrong type), never the value: ``152.4589`` given for ``52.4589`` is somebody's
    whereabouts all the same (a hostile review, 7 December 2026)."""
    with pytest.raises(InvalidValueError) as err:
        GeoPoint(lat, lon)  # type: ignore[arg-type]
    assert err.value.field == field
    given = lat if field == "latitude" else lon
    assert "withheld" in str(err.value)
    assert repr(given) not in str(err.value).replace(f"not {type(given).__name__}", "")
    if not isinstance(given, int | float) or isinstance(given, bool):
        assert f"not {type(given).__name__}" in str(err.value)


@given(lat=st.floats(allow_nan=False).filter(lambda v: abs(v) > 90))
def test_every_latitude_beyond_a_pole_is_refused(lat: float) -> None:
    """No latitude past ±90 is accepted."""
    with pytest.raises(InvalidValueError, match="latitude"):
        GeoPoint(lat, 0.0)


@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_every_coordinate_in_range_is_accepted(lat: float, lon: float) -> None:
    """The closed ranges, ends included."""
    assert GeoPoint(lat, lon).lat == lat


# --------------------------------------------------------------------------- circles


@given(circle=circles(), bearing=st.floats(0, 360), fraction=st.floats(0, 3))
def test_circle_contains_exactly_the_points_within_its_radius(
    circle: Circle, bearing: float, fraction: float
) -> None:
    """contains(p) iff distance <= radius; distance_outside is 0 exactly then."""
    point = destination(circle.centre, bearing, circle.radius_m * fraction)
    d = distance_m(circle.centre, point)
    assert circle.contains(point) == (d <= circle.radius_m)
    outside = circle.distance_outside_m(point)
    assert (outside == 0.0) == circle.contains(point)
    if not circle.contains(point):
        assert outside == pytest.approx(d - circle.radius_m)


@given(circle=circles(), bearing=st.floats(0, 360))
def test_a_point_just_inside_or_just_outside_a_circle_flips(circle: Circle, bearing: float) -> None:
    """A centimetre in is inside; a centimetre out is outside."""
    assert circle.contains(destination(circle.centre, bearing, circle.radius_m - 0.01))
    assert not circle.contains(destination(circle.centre, bearing, circle.radius_m + 0.01))


@pytest.mark.parametrize("radius", [0, -1, math.nan, math.inf, True, "100"])
def test_a_circle_needs_a_positive_finite_radius(radius: object) -> None:
    """A typed error naming the radius."""
    with pytest.raises(InvalidValueError, match="radius_m") as err:
        Circle(GeoPoint(52, -1), radius)  # type: ignore[arg-type]
    assert err.value.value is radius or err.value.value == radius


# --------------------------------------------------------------------------- polygons


@given(polygon=polygons(), data=st.data())
def test_polygon_contains_agrees_with_a_winding_number(
    polygon: Polygon, data: st.DataObject
) -> None:
    """Ray casting and the winding number agree for convex and concave simple polygons."""
    lats = [p.lat for p in polygon.ring]
    lons = [p.lon for p in polygon.ring]
    pad_lat, pad_lon = (max(lats) - min(lats)) / 4, (max(lons) - min(lons)) / 4
    point = GeoPoint(
        data.draw(st.floats(min(lats) - pad_lat, max(lats) + pad_lat)),
        data.draw(st.floats(min(lons) - pad_lon, max(lons) + pad_lon)),
    )
    # Within 1e-8 degrees (a millimetre) of an edge both answers are legitimate.
    assume(degrees_to_edges(polygon.ring, point) > 1e-8)
    assert polygon.contains(point) == (winding_number(polygon.ring, point) != 0)


@given(polygon=polygons(), data=st.data())
def test_vertices_of_a_polygon_and_points_on_its_edges_are_inside(
    polygon: Polygon, data: st.DataObject
) -> None:
    """A point on the boundary counts as inside (the order includes its line)."""
    ring = polygon.ring
    i = data.draw(st.integers(0, len(ring) - 1))
    a, b = ring[i], ring[i - 1]
    assert polygon.contains(a)
    midpoint = GeoPoint((a.lat + b.lat) / 2, (a.lon + b.lon) / 2)
    assert polygon.contains(midpoint)
    assert polygon.distance_outside_m(midpoint) == 0.0


@given(
    polygon=st.one_of(polygons(), polygons(min_radius_m=0.5, max_radius_m=5)),
    data=st.data(),
)
def test_a_point_just_inside_or_just_outside_an_edge_flips(
    polygon: Polygon, data: st.DataObject
) -> None:
    """About 1 cm either side of an edge's midpoint: inside on the left, outside on the right.

    Small polygons too: the on-edge tolerance must be a distance, not grow on short edges.
    """
    ring = polygon.ring
    i = data.draw(st.integers(0, len(ring) - 1))
    a, b = ring[i - 1], ring[i]  # counter-clockwise: the inside is on the left of a -> b
    dx, dy = b.lon - a.lon, b.lat - a.lat
    length = math.hypot(dx, dy)
    assume(length > 1e-6)
    eps = 1e-7  # degrees, about a centimetre
    mid_lon, mid_lat = (a.lon + b.lon) / 2, (a.lat + b.lat) / 2
    left = GeoPoint(mid_lat + eps * dx / length, mid_lon - eps * dy / length)
    right = GeoPoint(mid_lat - eps * dx / length, mid_lon + eps * dy / length)
    assume(degrees_to_edges(ring, left) > eps / 2 and degrees_to_edges(ring, right) > eps / 2)
    assert polygon.contains(left)
    assert not polygon.contains(right)
    assert polygon.distance_outside_m(right) > 0.0


@given(polygon=polygons(), point=uk_points())
def test_polygon_distance_outside_is_zero_exactly_when_contained(
    polygon: Polygon, point: GeoPoint
) -> None:
    """distance_outside_m == 0 iff contains; outside it is the distance to the boundary."""
    outside = polygon.distance_outside_m(point)
    assert (outside == 0.0) == polygon.contains(point)
    assert outside >= 0.0


def test_millimetres_outside_a_two_metre_edge_is_outside() -> None:
    """The on-edge tolerance is about 0.1 mm whatever the edge's length."""
    dlat, dlon = metres_to_degrees(2, 52.0)
    sw, se, nw = GeoPoint(52.0, -1.0), GeoPoint(52.0, -1.0 + dlon), GeoPoint(52.0 + dlat, -1.0)
    small = Polygon((sw, se, nw))
    # Step off the middle of the diagonal edge se-nw, outwards (north-east) and inwards.
    off = 2.7e-8 / math.hypot(dlat, dlon)  # degrees: a few millimetres in all
    mid_lat, mid_lon = (se.lat + nw.lat) / 2, (se.lon + nw.lon) / 2
    just_out = GeoPoint(mid_lat + off * dlon, mid_lon + off * dlat)
    just_in = GeoPoint(mid_lat - off * dlon, mid_lon - off * dlat)
    assert not small.contains(just_out)
    assert 0.0 < small.distance_outside_m(just_out) < 0.01
    assert small.contains(just_in)


def test_a_u_shaped_zone_excludes_its_notch() -> None:
    """A concave U: the arms are inside, the gap between them is not."""
    u = Polygon(
        (
            GeoPoint(52.00, -1.00),
            GeoPoint(52.00, -0.97),
            GeoPoint(52.03, -0.97),
            GeoPoint(52.03, -0.98),
            GeoPoint(52.01, -0.98),
            GeoPoint(52.01, -0.99),
            GeoPoint(52.03, -0.99),
            GeoPoint(52.03, -1.00),
        )
    )
    assert u.contains(GeoPoint(52.02, -0.995))  # left arm
    assert u.contains(GeoPoint(52.02, -0.975))  # right arm
    assert u.contains(GeoPoint(52.005, -0.985))  # base
    assert not u.contains(GeoPoint(52.02, -0.985))  # the notch
    assert u.distance_outside_m(GeoPoint(52.02, -0.985)) == pytest.approx(
        0.005 * math.pi / 180 * R * math.cos(math.radians(52.02)), rel=0.01
    )


def test_distance_outside_a_square_is_the_distance_to_its_nearest_edge() -> None:
    """100 m east of a square's east edge is 100 m outside it."""
    zone = square(52.0, -1.0, 0.01)
    dlat, dlon = metres_to_degrees(100, 52.005)
    outside = GeoPoint(52.005, -0.99 + dlon)
    assert zone.distance_outside_m(outside) == pytest.approx(100, rel=1e-3)
    assert dlat > 0


def test_a_closing_point_does_not_change_the_shape() -> None:
    """A ring may repeat its first point at the end."""
    open_ring = square(52.0, -1.0, 0.01)
    closed = Polygon((*open_ring.ring, open_ring.ring[0]))
    for p in (GeoPoint(52.005, -0.995), GeoPoint(52.02, -0.995), GeoPoint(52.0, -0.995)):
        assert closed.contains(p) == open_ring.contains(p)


def test_a_polygon_accepts_a_list_of_points() -> None:
    """A list is converted to the tuple ring."""
    polygon = Polygon([GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(1, 0)])
    assert polygon.ring == (GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(1, 0))


@pytest.mark.parametrize(
    "ring",
    [
        (),
        (GeoPoint(0, 0), GeoPoint(0, 1)),
        (GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(0, 0)),
        (GeoPoint(0, 0), GeoPoint(0, 1), (1.0, 0.0)),
        "not a ring",
    ],
)
def test_a_polygon_needs_three_distinct_points(ring: object) -> None:
    """Fewer than three distinct GeoPoints, or other things, are a typed error naming them."""
    with pytest.raises(InvalidValueError, match="polygon") as err:
        Polygon(ring)
    assert err.value.value == (tuple(ring) if isinstance(ring, list) else ring)


# --------------------------------------------------------------------------- library limits


def test_a_circle_radius_is_capped_at_50_km() -> None:
    """Library rule: 50 km is accepted, a millimetre more (or 1e9 m) refused naming it."""
    assert Circle(GeoPoint(52, -1), MAX_RADIUS_M).radius_m == 50_000
    for radius in (MAX_RADIUS_M + 0.001, 1e9):
        with pytest.raises(InvalidValueError, match="radius_m") as err:
            Circle(GeoPoint(52, -1), radius)
        assert err.value.value == radius
        assert "50,000" in str(err.value)


def test_the_circle_cap_is_the_no_approach_cap() -> None:
    """Detection draws a no-approach distance as a circle: the largest must be a circle."""
    assert NoApproach(term_id="T1", persons=("P1",), distance_m=MAX_RADIUS_M).distance_m == (
        Circle(GeoPoint(52, -1), MAX_RADIUS_M).radius_m
    )
    with pytest.raises(InvalidValueError):
        NoApproach(term_id="T1", persons=("P1",), distance_m=MAX_RADIUS_M + 1)


# A grid step of 1/1024 degree is exact in binary, so the tests below decide by exact
# integer arithmetic which side of a line a vertex is on.
_STEP = 1 / 1024


def _grid_point(x: int, y: int) -> GeoPoint:
    return GeoPoint(52 + y * _STEP, -1 + x * _STEP)


@st.composite
def monotone_rings(draw: st.DrawFn) -> list[GeoPoint]:
    """Random simple polygons (x-monotone, often concave) on an exact grid.

    Vertices with distinct x are split by the line from the westmost to the
    eastmost: those below it (or on it) form the lower chain, west to east; those
    above, the upper chain, east to west. Each chain stays on its side of the
    line, so the ring never crosses itself.
    """
    xs = sorted(draw(st.lists(st.integers(0, 400), min_size=4, max_size=30, unique=True)))
    ys = draw(st.lists(st.integers(-200, 200), min_size=len(xs), max_size=len(xs)))
    (x0, y0), (x1, y1) = (xs[0], ys[0]), (xs[-1], ys[-1])

    def side(x: int, y: int) -> int:  # > 0 above the line, exactly
        return (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)

    middle = list(zip(xs[1:-1], ys[1:-1], strict=True))
    lower = [p for p in middle if side(*p) <= 0]
    upper = [p for p in middle if side(*p) > 0]
    assume(upper)  # the line itself is then an edge, with the upper chain above it
    chain = [(x0, y0), *lower, (x1, y1), *reversed(upper)]
    return [_grid_point(x, y) for x, y in chain]


@given(monotone_rings(), st.integers(0, 29), st.booleans())
def test_random_simple_polygons_are_accepted(ring: list[GeoPoint], turn: int, close: bool) -> None:
    """Any simple ring is accepted, from whichever vertex it starts, closed or not."""
    start = turn % len(ring)
    rotated = ring[start:] + ring[:start]
    polygon = Polygon(rotated + rotated[:1] if close else rotated)
    assert polygon.contains(ring[0])


@given(polygons())
def test_star_shaped_polygons_are_accepted(polygon: Polygon) -> None:
    """The shared strategy's convex and concave star-shaped rings are simple."""
    assert Polygon(polygon.ring) == polygon


@st.composite
def bow_ties(draw: st.DrawFn) -> list[GeoPoint]:
    """A convex ring with a stretch reversed: two edges cross (a 2-opt move undone)."""
    count = draw(st.integers(4, 16))
    centre = draw(uk_points())
    radius = draw(st.floats(100, 20_000))
    base = draw(st.floats(0, 2 * math.pi))
    jitters = draw(st.lists(st.floats(-0.3, 0.3), min_size=count, max_size=count))
    step = 2 * math.pi / count
    dlat, dlon = metres_to_degrees(radius, centre.lat)
    ring = [
        GeoPoint(centre.lat + dlat * math.sin(a), centre.lon + dlon * math.cos(a))
        for a in (base + step * (i + j) for i, j in enumerate(jitters))
    ]
    # Reverse ring[i+1..j]: edges (i, i+1) and (j, j+1) become (i, j) and (i+1, j+1),
    # the two diagonals of four points in convex position, which cross.
    i = draw(st.integers(0, count - 3))
    j = draw(st.integers(i + 2, min(count - 1, i + count - 2)))
    assume((j + 1) % count != i)
    return ring[: i + 1] + ring[i + 1 : j + 1][::-1] + ring[j + 1 :]


@given(bow_ties())
def test_self_crossing_polygons_are_refused(ring: list[GeoPoint]) -> None:
    """A ring whose edges cross is a typed error naming the ring and the crossing edges."""
    with pytest.raises(InvalidValueError, match="crosses") as err:
        Polygon(ring)
    assert err.value.field == "polygon"
    assert err.value.value == tuple(ring)


@pytest.mark.parametrize(
    ("ring", "problem"),
    [
        # The reviewer's bow-tie.
        ([(52, -1), (52.1, -1), (52, -1.1), (52.1, -1.1)], "crosses"),
        # A figure of eight that touches itself at a vertex.
        ([(0, 0), (1, 1), (0, 2), (0.5, 1), (1, 0), (2, 1), (1, 2)], "touches"),
        # A vertex on another edge.
        ([(0, 0), (2, 0), (2, 2), (1, 0), (0, 2)], "touches"),
        # A spike back along the edge it came by.
        ([(0, 0), (2, 0), (1, 0), (1, 1)], "overlap"),
        # Three points in a line.
        ([(0, 0), (1, 0), (2, 0)], "overlap"),
    ],
)
def test_rings_that_touch_or_double_back_are_refused(
    ring: list[tuple[float, float]], problem: str
) -> None:
    """Touching, a vertex on an edge, a spike or a flat ring is not a simple polygon."""
    with pytest.raises(InvalidValueError, match=problem):
        Polygon([GeoPoint(lat, lon) for lat, lon in ring])


def test_repeated_points_in_a_row_are_not_a_crossing() -> None:
    """A vertex given twice in a row (or the closing point) is a zero-length edge, allowed."""
    ring = [GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(0, 1), GeoPoint(1, 1), GeoPoint(0, 0)]
    assert Polygon(ring).contains(GeoPoint(0.2, 0.5))
