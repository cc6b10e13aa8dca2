"""The synthetic force: deterministic from its seed, streamed, shaped as documented."""

from __future__ import annotations

import itertools

import attrs
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection import Detector
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.domain.geo import Circle
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.orders import OrderKind
from spo_tracker.domain.safety import exposure_warnings
from spo_tracker.domain.terms import ExclusionZone


def test_the_same_seed_gives_the_same_force_and_incidents() -> None:
    """Two builds from one seed are equal, and their incident streams too."""
    one, two = (
        synthetic_force(3, defendants=20, orders=25),
        synthetic_force(3, defendants=20, orders=25),
    )
    assert one.orders == two.orders
    assert one.defendants == two.defendants
    assert list(one.incidents(300)) == list(two.incidents(300))
    assert list(one.incidents(50, stream=1)) != list(one.incidents(50, stream=2))


def test_orders_have_five_to_fifteen_terms_and_extra_orders_are_interim() -> None:
    """12 orders for 10 defendants: two interim orders replaced by full ones."""
    force = synthetic_force(1, defendants=10, orders=12)
    assert len(force.orders) == 12
    assert sum(o.kind is OrderKind.INTERIM for o in force.orders) == 2
    assert all(5 <= len(o.versions[0].terms) <= 15 for o in force.orders)


def test_incidents_are_streamed_lazily_in_the_requested_number() -> None:
    """The stream is a generator of exactly ``count`` incidents with unique ids."""
    force = synthetic_force(2, defendants=30, orders=36)
    stream = force.incidents(1_000)
    first = list(itertools.islice(stream, 10))
    rest = list(stream)
    ids = [i.incident_id for i in first + rest]
    assert len(ids) == 1_000
    assert len(set(ids)) == 1_000


def test_the_mix_follows_the_requested_shares() -> None:
    """Location fixes are about the requested share of a long stream."""
    force = synthetic_force(4, defendants=50, orders=60)
    incidents = list(force.incidents(20_000, mix=(0.6, 0.3, 0.1)))
    fixes = sum(i.kind is IncidentKind.LOCATION_FIX for i in incidents) / len(incidents)
    assert 0.5 < fixes < 0.7
    reported = list(force.incidents(2_000, mix=(0.0, 0.0, 1.0)))
    assert sum(i.kind is IncidentKind.LOCATION_FIX for i in reported) / len(reported) < 0.2
    assert sum(i.target_person_id is not None for i in reported) / len(reported) > 0.8


def test_a_synthetic_force_detects_breaches_and_leaves_some_unattributed() -> None:
    """A scan of a small force raises breach alerts and reports unlinked accounts."""
    force = synthetic_force(5, defendants=40, orders=48)
    detector = Detector(force.orders, force.defendants, protected_persons=force.protected_persons)
    result = detector.scan(force.incidents(5_000))
    assert result.incidents_seen == 5_000
    assert any(a.rule_id.startswith("breach.") for a in result.alerts)
    assert result.unattributed


@given(seed=st.integers(0, 2**16))
def test_synthetic_orders_never_pinpoint_a_protected_persons_home(seed: int) -> None:
    """The synthetic force teaches good practice: no zone centre, polygon corner or locality
    within the exposure distance of a protected person's home or known place, in any
    version of any order."""
    force = synthetic_force(seed, defendants=4, orders=5)
    persons = force.protected_persons
    warned = [
        (o.order_id, v.number)
        for o in force.orders
        for v in o.versions
        if exposure_warnings(v.terms, persons)
    ]
    assert warned == []
    # The check can fire: each zone moved onto its person's home is warned about.
    for order in force.orders:
        homes = [
            p.restricted.places[0][1] for p in persons if p.person_id in order.protected_person_ids
        ]
        for term in order.versions[0].terms:
            if isinstance(term, ExclusionZone):
                moved = attrs.evolve(term, zone=Circle(homes[0], 500.0))
                assert exposure_warnings([moved], persons)
