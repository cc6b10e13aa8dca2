"""The demo and victim safety: its zones do not pinpoint a home, and neither its default
export nor its reports carry a protected person's address or whereabouts."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spo_tracker.cli import main
from spo_tracker.demo import REPORT_FILES, build_scenario
from spo_tracker.demo._scenario import Scenario
from spo_tracker.domain.geo import GeoPoint, distance_m
from spo_tracker.domain.safety import DEFAULT_DISTANCE_M, exposure_warnings
from spo_tracker.domain.terms import ExclusionZone

SEED, SCALE = 3, 1
#: A decimal number standing alone (not the seconds of a timestamp such as 14:09:52.4623).
_DECIMAL = re.compile(r"(?<![\d.:])-?\d{1,3}\.\d+(?![\d.])")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The scenario the demo below stores."""
    return build_scenario(seed=SEED, scale=SCALE)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's folder, with the default export (no restricted details) beside it."""
    folder = tmp_path_factory.mktemp("demo") / "out"
    database = f"sqlite:///{folder / 'spo-tracker.sqlite'}"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        demo_args = ["demo", "--scale", str(SCALE), "--seed", str(SEED), "--output", str(folder)]
        assert main(demo_args) == 0
        export = ["export", "--output", str(folder / "export.jsonl"), "--database", database]
        assert main([*export, "--at", "2026-03-20T09:00:00Z"]) == 0
    return folder


def _scenario_orders(scenario: Scenario) -> list[Any]:
    ids = {order_id for case in scenario.cases for order_id in case.order_ids}
    return [o for o in scenario.orders if o.order_id in ids]


def _restricted_points(scenario: Scenario) -> dict[tuple[float, float], str]:
    """Every home point and known place, as GeoJSON positions, by person id."""
    points: dict[tuple[float, float], str] = {}
    for person in scenario.protected_persons:
        details = person.restricted
        found = [p for _, p in details.places]
        if details.address is not None and details.address.location is not None:
            found.append(details.address.location)
        for point in found:
            points[(point.lon + 0.0, point.lat + 0.0)] = person.person_id
    return points


def _positions(value: object) -> Iterator[tuple[float, float]]:
    """Every [longitude, latitude] pair anywhere in a JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _positions(item)
    elif isinstance(value, list):
        if len(value) == 2 and all(isinstance(x, int | float) for x in value):
            yield (value[0] + 0.0, value[1] + 0.0)
        else:
            for item in value:
                yield from _positions(item)


def test_zone_a_covers_the_home_without_pinpointing_it(scenario: Scenario) -> None:
    """The closing-in story's zone contains P-1002's home, but its centre is a public
    place several hundred metres away."""
    order = next(o for o in scenario.orders if o.order_id == "SPO-1002")
    zone = next(t for t in order.terms if isinstance(t, ExclusionZone))
    person = next(p for p in scenario.protected_persons if p.person_id == "P-1002")
    home = person.restricted.address.location if person.restricted.address else None
    assert isinstance(home, GeoPoint)
    assert zone.zone.contains(home)
    assert zone.label == "Zone A"
    assert distance_m(zone.zone.centre, home) > DEFAULT_DISTANCE_M  # type: ignore[union-attr]


def test_the_scenarios_own_orders_raise_no_exposure_warnings(scenario: Scenario) -> None:
    """No zone centre or corner near, and no term text naming, any protected person's
    address or places."""
    for order in _scenario_orders(scenario):
        assert exposure_warnings(order, scenario.protected_persons) == (), order.order_id


def test_the_default_export_holds_no_restricted_point_or_address(
    demo: Path, scenario: Scenario
) -> None:
    """No zone, locality or other position equals a home or known place of a scenario
    person, and no address line or postcode of any protected person appears."""
    points = _restricted_points(scenario)
    own = {p.person_id for p in scenario.protected_persons if p.person_id.startswith("P-")}
    text = (demo / "export.jsonl").read_text("utf-8")
    leaks = []
    for line in text.splitlines():
        record = json.loads(line)
        for position in _positions(record):
            if points.get(position) in own:
                leaks.append((record["type"], record.get("id"), points[position]))
    assert leaks == []
    assert '"restricted":false' in text.splitlines()[0]
    for person in scenario.protected_persons:
        address = person.restricted.address
        if address is not None:
            assert [x for x in (*address.lines[:1], address.postcode) if x in text] == []


def test_the_default_reports_hold_no_restricted_detail(demo: Path, scenario: Scenario) -> None:
    """Neither address text nor a home or place coordinate, in any of the three reports."""
    reports = {fmt: (demo / name).read_text("utf-8") for fmt, name in REPORT_FILES.items()}
    numbers = {fmt: {float(n) for n in _DECIMAL.findall(text)} for fmt, text in reports.items()}
    for person in scenario.protected_persons:
        details = person.restricted
        points = [p for _, p in details.places]
        texts: list[str] = []
        if details.address is not None:
            texts += [details.address.lines[0], details.address.postcode]
            if details.address.location is not None:
                points.append(details.address.location)
        for fmt, text in reports.items():
            assert [t for t in texts if t in text] == [], (fmt, person.person_id)
            found = [p for p in points if {p.lat, p.lon} <= numbers[fmt]]
            assert found == [], (fmt, person.person_id)


def test_the_background_orders_do_not_pinpoint_homes(scenario: Scenario) -> None:
    """Every order, the background's included, passes the exposure check."""
    own = {o.order_id for o in _scenario_orders(scenario)}
    background = [o for o in scenario.orders if o.order_id not in own]
    assert background
    assert [
        o.order_id for o in background if exposure_warnings(o, scenario.protected_persons)
    ] == []
