"""The shared strategies reach the edge cases they promise (so other suites can rely on them)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

import pendulum
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from spo_tracker.domain.geo import Polygon
from spo_tracker.domain.identities import PLATFORM_ALIASES, Identity, IdentityKind
from spo_tracker.domain.orders import Order
from spo_tracker.domain.statutory_time import LONDON
from tests.strategies import (
    ZONES,
    aware_datetimes,
    identities,
    last_sunday,
    london_dates,
    orders,
    platform_names,
    polygons,
)

T = TypeVar("T")


class _Found(Exception):
    """Stops a search at the first example that matches."""


def reaches(strategy: st.SearchStrategy[T], condition: Callable[[T], bool], budget: int = 500) -> T:
    """The first drawn example that satisfies ``condition``, within ``budget`` draws.

    Generation only (no shrinking, no database), with a fixed budget: this is a
    search, so it runs the same under every Hypothesis profile.
    """
    found: list[T] = []

    @settings(
        max_examples=budget,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def search(value: T) -> None:
        if condition(value):
            found.append(value)
            raise _Found

    with contextlib.suppress(_Found):
        search()
    assert found, f"no example in {budget} draws satisfied the condition"
    return found[0]


def is_convex(polygon: Polygon) -> bool:
    """All turns of the (open) ring have the same sign."""
    ring = polygon.ring[:-1] if polygon.ring[0] == polygon.ring[-1] else polygon.ring
    signs = set()
    for i in range(len(ring)):
        a, b, c = ring[i - 2], ring[i - 1], ring[i]
        cross = (b.lon - a.lon) * (c.lat - b.lat) - (b.lat - a.lat) * (c.lon - b.lon)
        signs.add(cross > 0)
    return len(signs) == 1


def test_london_dates_reach_clock_change_days_and_29_february() -> None:
    """Both clock-change Sundays, 29 February and the day after a change are drawn."""
    dates = london_dates()
    reaches(dates, lambda d: d == last_sunday(d.year, 3))
    reaches(dates, lambda d: d == last_sunday(d.year, 10))
    reaches(dates, lambda d: (d.month, d.day) == (2, 29))
    reaches(dates, lambda d: d.subtract(days=1) == last_sunday(d.year, 10))


@pytest.mark.parametrize("zone", ZONES)
def test_aware_datetimes_reach_every_zone(zone: str) -> None:
    """Each listed zone is drawn."""
    reaches(aware_datetimes(), lambda t: t.timezone_name == zone)


def test_aware_datetimes_reach_the_repeated_autumn_hour_and_london_midnight() -> None:
    """The second 01:xx on an October change day, and a London midnight exactly."""
    found = reaches(
        aware_datetimes(),
        lambda t: t.in_timezone(LONDON).fold == 1 and t.in_timezone(LONDON).hour == 1,
    )
    assert found.in_timezone(LONDON).month == 10
    reaches(aware_datetimes(), lambda t: t.in_timezone(LONDON).time() == pendulum.Time(0, 0))


def test_polygons_are_convex_or_concave_as_asked() -> None:
    """convex=True gives convex rings; convex=False reaches concave ones."""
    convex = reaches(polygons(convex=True), lambda p: len(p.ring) >= 5)
    assert is_convex(convex)
    reaches(polygons(convex=False), lambda p: not is_convex(p))


@pytest.mark.parametrize("kind", list(IdentityKind))
def test_identities_reach_every_kind(kind: IdentityKind) -> None:
    """identities() draws phones, emails, handles and devices."""
    found: Identity = reaches(identities(), lambda i: i.kind is kind)
    assert found.kind is kind


def test_platform_names_reach_aliases() -> None:
    """Aliases such as 'twitter' are drawn, not only canonical codes."""
    aliases = {a.casefold() for a in PLATFORM_ALIASES}
    reaches(platform_names(), lambda pair: " ".join(pair[0].split()).casefold() in aliases)


def test_orders_reach_several_versions_and_both_kinds() -> None:
    """Orders with three or more versions, interim and full, with and without a period."""
    many: Order = reaches(orders(), lambda o: len(o.versions) >= 3)
    assert [v.number for v in many.versions] == list(range(1, len(many.versions) + 1))
    reaches(orders(), lambda o: o.kind.value == "interim")
    reaches(orders(), lambda o: o.period is None)
