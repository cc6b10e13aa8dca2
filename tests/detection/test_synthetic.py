"""The synthetic force: deterministic from its seed, streamed, shaped as documented."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection import Detector
from spo_tracker.detection.dated import requirement_alerts
from spo_tracker.detection.synthetic import REQUIREMENT_SHARES, SIGN_ON_SHARES, synthetic_force
from spo_tracker.domain.geo import Circle
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.orders import Order, OrderKind
from spo_tracker.domain.safety import exposure_warnings
from spo_tracker.domain.statutory_time import as_london_date
from spo_tracker.domain.terms import ExclusionZone, PositiveRequirement, SignOnSchedule, Term


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


# -- compliance ------------------------------------------------------------------------

#: After every synthetic order's made date: sign-on days run to here.
UNTIL = pendulum.datetime(2026, 6, 1, tz="UTC")


def _requirement_terms(order: Order) -> dict[str, Term]:
    """The order's positive requirement and sign-on terms, by id."""
    return {
        t.term_id: t
        for v in order.versions
        for t in v.terms
        if isinstance(t, (PositiveRequirement, SignOnSchedule))
    }


def test_compliance_is_the_same_for_a_seed_and_streamed() -> None:
    """Two forces from one seed give equal records; another seed other records; a
    generator, not a list; a later ``until`` only adds records."""
    one = synthetic_force(5, defendants=30, orders=36)
    records = one.compliance(until=UNTIL)
    assert isinstance(records, Iterator)
    listed = list(records)
    assert listed
    assert listed == list(synthetic_force(5, defendants=30, orders=36).compliance(until=UNTIL))
    other = synthetic_force(6, defendants=30, orders=36).compliance(until=UNTIL)
    assert listed != list(other)
    earlier = list(one.compliance(until=UNTIL.subtract(months=6)))
    assert set(earlier) < set(listed)
    assert all(r.at <= UNTIL.subtract(months=6) for r in earlier)


def test_compliance_is_recorded_only_against_requirement_terms_of_the_order() -> None:
    """Every record names an order with such a term, its defendant and that term; ids are
    unique; only orders with such terms get records."""
    force = synthetic_force(7, defendants=40, orders=48)
    by_id = {o.order_id: o for o in force.orders}
    records = list(force.compliance(until=UNTIL))
    assert len({r.record_id for r in records}) == len(records)
    for record in records:
        order = by_id[record.order_id]
        assert record.defendant_id == order.defendant_id
        assert record.term_id in _requirement_terms(order)
        assert record.at <= UNTIL
    with_terms = {o.order_id for o in force.orders if _requirement_terms(o)}
    assert {r.order_id for r in records} <= with_terms
    assert len({r.order_id for r in records}) > len(with_terms) // 2


def test_a_sign_on_lands_on_a_day_of_its_schedule() -> None:
    """Sign-ons made on time fall on a London weekday of the term's schedule, in the day."""
    force = synthetic_force(8, defendants=40, orders=48)
    by_id = {o.order_id: o for o in force.orders}
    on_time = [
        r
        for r in force.compliance(until=UNTIL)
        if isinstance(_requirement_terms(by_id[r.order_id])[r.term_id], SignOnSchedule)
        and as_london_date(r.at).toordinal() == int(r.record_id.rsplit("-", 1)[1])
    ]
    assert len(on_time) > 1_000
    for record in on_time:
        term = _requirement_terms(by_id[record.order_id])[record.term_id]
        assert isinstance(term, SignOnSchedule)
        assert as_london_date(record.at).weekday() in term.weekdays
        assert 9 <= record.at.in_timezone("Europe/London").hour < 17


def test_the_share_of_sign_on_days_missed_is_as_documented() -> None:
    """About ``SIGN_ON_SHARES[1] + SIGN_ON_SHARES[2]`` (4 %) of the sign-on days the rule
    checks raise an alert with the force's compliance; every one without it; and
    requirements: about the late and missed shares (10 %) alert."""
    force = synthetic_force(9, defendants=300, orders=360)
    records = list(force.compliance(until=UNTIL))
    alerts = requirement_alerts(force.orders, records, UNTIL)
    bare = requirement_alerts(force.orders, [], UNTIL)
    days = [a for a in bare if a.rule_id == "requirement.sign_on"]
    missed = [a for a in alerts if a.rule_id == "requirement.sign_on"]
    assert len(days) > 10_000
    share = len(missed) / len(days)
    expected = SIGN_ON_SHARES[1] + SIGN_ON_SHARES[2]
    assert expected - 0.01 < share <= expected + 0.005
    assert {a.alert_id for a in missed} <= {a.alert_id for a in days}
    due = [a for a in bare if a.rule_id == "requirement.positive"]
    unmet = [a for a in alerts if a.rule_id == "requirement.positive"]
    assert len(due) > 50
    late_or_missed = REQUIREMENT_SHARES[1] + REQUIREMENT_SHARES[2]
    assert 0 < len(unmet) < 2.5 * late_or_missed * len(due)
