"""Round trips: save then load gives an equal domain object, on every backend.

Aware datetimes in many zones (the instant is kept; it comes back in UTC),
circles and polygons (as GeoJSON), and orders with several versions holding
every term type.
"""

from __future__ import annotations

import itertools
import json

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.appeals import PendingAppeal
from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import ApplicationState
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import (
    Address,
    AddressPeriod,
    Defendant,
    ProtectedPerson,
    RestrictedDetails,
    SexOffenderRegistration,
)
from spo_tracker.domain.terms import TERM_TYPES, Term
from spo_tracker.errors import InvalidValueError, UnknownCodeError
from spo_tracker.storage import Store
from spo_tracker.storage._codec import (
    canonical_json,
    dump,
    dump_shape,
    dump_term,
    load,
    load_shape,
    load_term,
)
from spo_tracker.storage._types import from_epoch_us, in_zone, to_epoch_us, zone_name
from tests import strategies
from tests.interchange.strategies import appeal_fields, appeals
from tests.lifecycles import builders as lifecycle_builders
from tests.storage import builders
from tests.storage.conftest import ACTOR

_ids = itertools.count(1)

# -- the private converter, without a database -------------------------------------------


@given(strategies.terms())
def test_every_term_type_round_trips_through_json(term: Term) -> None:
    """Code plus JSON parameters give back an equal term, whatever its type."""
    code, params = dump_term(term)
    text = canonical_json(params)
    assert load_term(code, term.term_id, json.loads(text)) == term


def test_the_strategies_cover_every_term_type() -> None:
    """The property above is only as good as the strategies: they cover the catalogue."""
    assert set(strategies.TERM_STRATEGIES) == set(TERM_TYPES.values())


@given(st.one_of(strategies.circles(), strategies.polygons()))
def test_zones_round_trip_as_geojson_features(zone: Circle | Polygon) -> None:
    """A circle is a Point with a radius; a polygon a closed ring, as GeoJSON requires."""
    feature = dump_shape(zone)
    assert feature["type"] == "Feature"
    geometry = feature["geometry"]
    if isinstance(zone, Polygon):
        ring = geometry["coordinates"][0]
        assert geometry["type"] == "Polygon"
        assert ring[0] == ring[-1]
        assert len(ring) >= 4
    else:
        assert geometry["type"] == "Point"
        assert geometry["coordinates"] == [zone.centre.lon, zone.centre.lat]
    assert load_shape(json.loads(canonical_json(feature))) == zone


def test_a_polygon_given_closed_comes_back_closed() -> None:
    """Whether the ring repeated its first point is kept, so the polygons stay equal."""
    a, b, c = GeoPoint(52.0, -1.0), GeoPoint(52.0, -1.1), GeoPoint(52.1, -1.1)
    for ring in ((a, b, c), (a, b, c, a)):
        assert load_shape(dump_shape(Polygon(ring))) == Polygon(ring)


def test_an_unknown_term_code_is_a_typed_error() -> None:
    """A stored code the catalogue does not know is named, not guessed."""
    with pytest.raises(UnknownCodeError, match="SPO-X99"):
        load_term("SPO-X99", "T1", {})


def test_a_missing_term_parameter_is_a_typed_error() -> None:
    """A parameter missing from storage is named."""
    with pytest.raises(InvalidValueError, match="persons"):
        load_term("SPO-P01", "T1", {"period": None, "locality": None})


def test_a_geojson_line_is_not_a_zone() -> None:
    """Only Point and Polygon Features are zones."""
    with pytest.raises(InvalidValueError, match="zone"):
        load_shape({"type": "Feature", "geometry": {"type": "LineString"}})


@given(strategies.aware_datetimes())
def test_instants_keep_their_instant_exactly(at: pendulum.DateTime) -> None:
    """Microseconds since the epoch and the zone name give back an equal datetime, even in
    a clock-change fold (which Python never counts equal to the same instant elsewhere)."""
    back = in_zone(from_epoch_us(to_epoch_us(at)), zone_name(at))
    assert back == at
    assert back.utcoffset() == at.utcoffset()
    assert from_epoch_us(to_epoch_us(at)).timestamp() == at.timestamp()


@given(strategies.aware_datetimes())
def test_datetimes_in_records_keep_their_instant(at: pendulum.DateTime) -> None:
    """Inside JSON records too (lifecycle subjects): an equal datetime, zone and all."""
    back = load(json.loads(canonical_json(dump(at, pendulum.DateTime))), pendulum.DateTime)
    assert back == at
    assert back.utcoffset() == at.utcoffset()


# -- through each store --------------------------------------------------------------------


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("shared_memory_store", id="memory"),
        pytest.param("shared_sqlite_store", id="sqlite"),
        pytest.param("shared_postgres_store", id="postgres", marks=pytest.mark.postgres),
    ],
)
def store(request: pytest.FixtureRequest) -> Store:
    """A shared store on each backend, holding protected persons P1 to P9."""
    store: Store = request.getfixturevalue(request.param)
    builders.with_persons(store, ACTOR)
    return store


def _unique(prefix: str) -> str:
    return f"{prefix}-rt-{next(_ids)}"


def _round_trip(store: Store, obj: object, *, before: tuple[object, ...] = ()) -> object:
    with store.unit_of_work(ACTOR) as uow:
        for needed in before:
            uow.repository_for(needed).add(needed)
        repo = uow.repository_for(obj)
        repo.add(obj)
        uow.commit()
    with store.unit_of_work(ACTOR) as uow:
        return uow.repository_for(obj).get(uow.repository_for(obj)._mapper.key(obj))


@given(order=strategies.orders(), appeal=appeal_fields(), data=st.data())
def test_orders_round_trip(
    store: Store, order: Order, appeal: tuple[bool, PendingAppeal | None], data: st.DataObject
) -> None:
    """Any order: kinds, origins, 1-4 versions (with the instant decided or, as stored
    before 0007, without), every term type, instants in any zone, any appeal pending
    (SPA2019 s.7), with its details or without (stored before 0006), and the spans a
    restored order was not in force (s.7(4))."""
    defendant = builders.defendant(_unique("D"), identities=0)
    pending, details = appeal
    order = attrs.evolve(
        order,
        order_id=_unique("O"),
        defendant_id=defendant.defendant_id,
        appeal_pending=pending,
        appeal=details,
        not_in_force=data.draw(strategies.not_in_force_spans(order.made_at)),
    )
    assert _round_trip(store, order, before=(defendant,)) == order


@given(appeal=appeals(on_application=True), refused=st.booleans())
def test_an_applications_appeal_against_refusal_round_trips(
    store: Store, appeal: PendingAppeal, refused: bool
) -> None:
    """SPA2019 s.7(2): the appeal and the state it is pending in come back as stored."""
    state = ApplicationState.REFUSED if refused else ApplicationState.REFUSAL_APPEALED
    app = attrs.evolve(
        lifecycle_builders.draft(application_id=_unique("APP")),
        state=state,
        appeal=None if refused else appeal,
    )
    assert _round_trip(store, app) == app


@st.composite
def _defendants(draw: st.DrawFn) -> Defendant:
    base = draw(strategies.defendants())
    lines = draw(
        st.lists(st.sampled_from(["1 High St", "Flat 2", "Aston"]), min_size=1, max_size=10)
    )
    start = draw(strategies.london_dates(1990, 2030))
    period = AddressPeriod(
        Address(tuple(lines), "B1 1AA", draw(st.none() | strategies.uk_points())),
        start,
        draw(st.none() | st.just(start.add(days=draw(st.integers(0, 2000))))),
    )
    soa = draw(st.none() | st.builds(SexOffenderRegistration, strategies.london_dates()))
    return attrs.evolve(base, defendant_id=_unique("D"), addresses=(period,), soa_registration=soa)


@given(defendant=_defendants())
def test_defendants_round_trip(store: Store, defendant: Defendant) -> None:
    """Names, addresses, identities linked at instants in any zone, SOA registration."""
    assert _round_trip(store, defendant) == defendant


@st.composite
def _people(draw: st.DrawFn) -> ProtectedPerson:
    address = draw(st.none() | st.builds(Address, st.just(("3 Safe Lane",)), st.just("B15 2TT")))
    places = draw(st.lists(st.tuples(st.sampled_from(["work", "gym"]), strategies.uk_points())))
    restricted = RestrictedDetails(address=address, places=tuple(places))
    return ProtectedPerson(_unique("P"), draw(st.sampled_from(["Jane", "Sam O'Neil"])), restricted)


@given(person=_people())
def test_protected_persons_round_trip(store: Store, person: ProtectedPerson) -> None:
    """The restricted compartment comes back whole (empty, address only, places only)."""
    assert _round_trip(store, person) == person


@given(
    incident=strategies.incidents().filter(lambda i: "\x00" not in i.summary),
    reported=st.none() | strategies.aware_datetimes(),
    refs=st.lists(st.text("ABC/0123456789", min_size=1), max_size=3),
)
def test_incidents_round_trip(
    store: Store, incident: Incident, reported: pendulum.DateTime | None, refs: list[str]
) -> None:
    """Any incident, with report times and evidence references."""
    incident = attrs.evolve(
        incident, incident_id=_unique("I"), reported_at=reported, evidence_refs=tuple(refs)
    )
    assert _round_trip(store, incident) == incident
