"""The compiled plans' routes: one guard box per incident kind that the batch scan may trust."""

from __future__ import annotations

from spo_tracker.detection.compiled import Box, compile_plans
from spo_tracker.detection.rules import PRESENCE_CODES
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.incidents import IncidentKind as K
from spo_tracker.domain.terms import ExclusionZone, NoApproach, NoContact
from tests.detection.builders import make_order

HOME = GeoPoint(52.4862, -1.8904)
WORK = GeoPoint(52.4000, -1.5000)


def _inside(inner: Box, outer: Box) -> bool:
    return (
        outer[0] <= inner[0]
        and inner[1] <= outer[1]
        and outer[2] <= inner[2]
        and inner[3] <= outer[3]
    )


def test_a_location_kind_guard_holds_every_entry_box_and_watch_box() -> None:
    """A location fix outside the guard can match no entry and is near no zone."""
    plan = compile_plans(
        [
            make_order(
                ExclusionZone(term_id="T1", zone=Circle(HOME, 300), label="Zone A"),
                NoApproach(term_id="T2", persons=["P1"], distance_m=100),
            )
        ],
        watch_m=1_000.0,
        places={"P1": (WORK,)},
    )["D1"]
    entries, guard, watched = plan.routes[K.LOCATION_FIX.value]
    assert guard is not None
    assert watched
    assert {e.term_id for e in entries} == {"T1", "T2"}
    for e in entries:
        assert e.box is not None
        assert _inside(e.box, guard)
    for _, box in plan.zones:
        assert box is not None
        assert _inside(box, guard)


def test_a_kind_exempt_from_a_box_or_without_boxes_has_no_guard() -> None:
    """A reported approach is exempt from the distance box; a message has no box at all."""
    plan = compile_plans(
        [
            make_order(
                NoApproach(term_id="T2", persons=["P1"], distance_m=100),
                NoContact(term_id="T3", persons=["P1"]),
            )
        ],
        places={"P1": (WORK,)},
    )["D1"]
    assert plan.routes[K.APPROACH.value][1] is None
    assert plan.routes[K.MESSAGE.value][1] is None
    assert not plan.routes[K.MESSAGE.value][2]


def test_presence_kinds_are_routed_for_zone_watching_even_without_entries() -> None:
    """Every presence kind is watched near a zone, whether or not a term matches it."""
    plan = compile_plans(
        [make_order(ExclusionZone(term_id="T1", zone=Circle(HOME, 300), label="Zone A"))],
        watch_m=500.0,
    )["D1"]
    assert set(plan.routes) >= PRESENCE_CODES
    assert all(plan.routes[code][2] for code in PRESENCE_CODES)
