"""A stored record that breaks the library's rules is named on every read path, never a bare
error, and a protected person's restricted details are never quoted.

Rows are planted with SQL UPDATEs outside the library's mappers, as an earlier
release or a hand edit would leave them. The in-memory store holds domain
objects, which checked themselves when they were built, so it cannot hold
such a record: these tests run on the SQL backends only.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import SQLModel

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import GeoPoint, Polygon
from spo_tracker.errors import (
    DatabaseError,
    DuplicateRecordError,
    InvalidValueError,
    StoredRecordError,
)
from spo_tracker.storage import SqlStore, connect, scan_incident_rows, scan_incidents
from spo_tracker.storage._stored import refused
from spo_tracker.storage._tables import (
    ApplicationRow,
    ComplianceRecordRow,
    DefendantIdentityRow,
    DefendantNameRow,
    IncidentRow,
    OrderRow,
    OrderTermRow,
    OrderVersionRow,
)
from tests.lifecycles import builders as lifecycle_builders
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock, plant_details

Uid = Callable[[str], str]

SQL_BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
)


@pytest.fixture(params=SQL_BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """A fresh SQL store (SQLite, and PostgreSQL when its URL is set)."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    opened = connect(url, clock=fixed_clock)
    yield opened
    opened.close()


class Stored:
    """The ids of one defendant, protected person, order and incident, all valid when saved."""

    def __init__(self, store: SqlStore) -> None:
        self.defendant, self.person, self.order, self.incident = "D-1", "P-1", "O-1", "I-1"
        order = builders.order(self.order, self.defendant, (self.person,))
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add(builders.defendant(self.defendant))
            uow.protected_persons.add(builders.person(self.person))
            uow.orders.add(order)
            uow.incidents.add(builders.incident(self.incident))
            uow.commit()


@pytest.fixture
def stored(store: SqlStore) -> Stored:
    """The store holding one valid record of each kind."""
    return Stored(store)


def plant(store: SqlStore, model: type[SQLModel], where: Mapping[str, Any], **values: Any) -> None:
    """UPDATE rows of ``model`` matching ``where`` by SQL, past the library's checks (the
    column types still bind instants and JSON, so one call serves both backends)."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    stmt = sa.update(table).where(*(table.c[k] == v for k, v in where.items())).values(**values)
    with store.engine.begin() as conn:
        assert conn.execute(stmt).rowcount >= 1


def stored_json(store: SqlStore, model: type[SQLModel], column: str, **where: Any) -> Any:
    """The JSON in ``column`` of the one row of ``model`` matching ``where``."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    stmt = sa.select(table.c[column]).where(*(table.c[k] == v for k, v in where.items()))
    with store.engine.connect() as conn:
        return json.loads(json.dumps(conn.execute(stmt).scalar_one()))


def check_names(error: StoredRecordError, kind: str, key: str) -> None:
    """The error names the kind and id, says what to do, and is one line."""
    message = str(error)
    assert (error.kind, error.key) == (kind, key)
    assert f"stored {kind} {key!r}" in message
    assert "correct the record" in message
    assert "\n" not in message
    assert isinstance(error, DatabaseError)
    assert isinstance(error, ValueError)  # as the bare InvalidValueError was


def ended_before_made(store: SqlStore, order_id: str) -> None:
    """The order ended the day before it was made (SPA2019 orders end after they are made)."""
    plant(
        store,
        OrderRow,
        {"order_id": order_id},
        state="discharged",
        ended_at=builders.MADE.subtract(days=1),
        ended_at_tz="Europe/London",
    )


# --- orders -------------------------------------------------------------------------------


def test_an_order_ended_before_it_was_made_is_named_by_get_and_get_many(
    store: SqlStore, stored: Stored
) -> None:
    """get, get_many and an update's load each raise StoredRecordError naming the order, with
    the domain's message in it and as its cause."""
    ended_before_made(store, stored.order)
    with store.unit_of_work(ACTOR) as uow:
        with pytest.raises(StoredRecordError) as got:
            uow.orders.get(stored.order)
        with pytest.raises(StoredRecordError) as many:
            uow.orders.get_many([stored.order])
        with pytest.raises(StoredRecordError):
            uow.orders.update(builders.order(stored.order, "D-1", ("P-1",)), expected_revision=3)
    for error in (got.value, many.value):
        check_names(error, "order", stored.order)
        assert error.field == "ended_at"
        assert isinstance(error.__cause__, InvalidValueError)
        assert str(error.__cause__) in str(error)
        assert "is before made_at" in error.rule


def test_an_order_whose_versions_are_out_of_order_is_named(store: SqlStore, stored: Stored) -> None:
    """Version 2 moved before version 1: the order is named, the rule is the version order."""
    plant(
        store,
        OrderVersionRow,
        {"order_id": stored.order, "number": 2},
        decided_on=pendulum.Date(2024, 1, 1),
    )
    with store.unit_of_work(ACTOR) as uow, pytest.raises(StoredRecordError) as got:
        uow.orders.get(stored.order)
    check_names(got.value, "order", stored.order)
    assert got.value.field == "versions"
    assert "decided out of order" in str(got.value)


def test_other_records_still_read_around_a_bad_order(store: SqlStore, stored: Stored) -> None:
    """Only the bad record fails: another order, the defendant and the ids list still read."""
    other = builders.order("O-2", stored.defendant, (stored.person,))
    with store.unit_of_work(ACTOR) as uow:
        uow.orders.add(other)
        uow.commit()
    ended_before_made(store, stored.order)
    with store.unit_of_work(ACTOR) as uow:
        assert uow.orders.ids() == [stored.order, "O-2"]
        assert uow.orders.get("O-2") == other
        assert uow.defendants.get(stored.defendant).defendant_id == stored.defendant


def _term_parameters(store: SqlStore, order_id: str, term_id: str) -> dict[str, Any]:
    found: dict[str, Any] = stored_json(
        store, OrderTermRow, "parameters", order_id=order_id, version_number=1, term_id=term_id
    )
    return found


def _plant_term(store: SqlStore, order_id: str, term_id: str, parameters: Any) -> None:
    for number in (1, 2, 3):
        plant(
            store,
            OrderTermRow,
            {"order_id": order_id, "version_number": number, "term_id": term_id},
            parameters=parameters,
        )


def test_a_zone_over_the_radius_cap_names_the_order_and_the_radius(
    store: SqlStore, stored: Stored
) -> None:
    """A circle of 60 km (the cap is 50 km): the radius is named; the centre is not quoted."""
    parameters = _term_parameters(store, stored.order, "T4")
    parameters["zone"]["properties"]["radius_m"] = 60_000
    _plant_term(store, stored.order, "T4", parameters)
    with store.unit_of_work(ACTOR) as uow, pytest.raises(StoredRecordError) as got:
        uow.orders.get(stored.order)
    check_names(got.value, "order", stored.order)
    assert got.value.field == "radius_m"
    assert "60000" in str(got.value)
    assert str(builders.BIRMINGHAM.lat) not in str(got.value)


def test_a_crossed_polygon_names_the_order_and_withholds_every_corner(
    store: SqlStore, stored: Stored
) -> None:
    """A bow-tie zone (not a simple polygon): the message names the rule, never a corner."""
    corners = [[-1.90, 52.48], [-1.89, 52.49], [-1.89, 52.48], [-1.90, 52.49], [-1.90, 52.48]]
    parameters = _term_parameters(store, stored.order, "T5")
    parameters["zone"]["geometry"]["coordinates"] = [corners]
    _plant_term(store, stored.order, "T5", parameters)
    with store.unit_of_work(ACTOR) as uow, pytest.raises(StoredRecordError) as got:
        uow.orders.get(stored.order)
    message = str(got.value)
    check_names(got.value, "order", stored.order)
    assert "polygon=<coordinates withheld>" in message
    assert "must not cross or touch itself" in message
    for text in ("52.48", "52.49", "-1.9", "-1.89"):
        assert text not in message


# --- protected persons --------------------------------------------------------------------


def test_a_protected_person_is_named_with_the_field_only(store: SqlStore, stored: Stored) -> None:
    """A restricted place off the globe: the person and the field are named; no address, place
    label or coordinate is quoted, and no cause or context would quote one in a traceback."""
    places = [["3 Safe House Lane", {"lat": 95.25, "lon": -1.93}]]
    plant_details(store, stored.person, json.dumps({"address": None, "places": places}))
    with store.unit_of_work(ACTOR) as uow:
        with pytest.raises(StoredRecordError) as got:
            uow.protected_persons.get(stored.person, reason="test")
        with pytest.raises(StoredRecordError) as many:
            uow.protected_persons.get_many([stored.person], reason="test")
        assert uow.protected_persons.get_name(stored.person) == "Jane Doe"
    for error in (got.value, many.value):
        message = str(error)
        check_names(error, "protected_person", stored.person)
        assert error.field == "latitude"
        assert "field 'latitude'" in message
        for text in ("95.25", "-1.93", "Safe House", "B15", "52.45", "Jane"):
            assert text not in message
        assert error.__cause__ is None
        assert error.__context__ is None


# --- incidents ----------------------------------------------------------------------------


def test_an_incident_with_an_unknown_platform_is_named_on_every_read(
    store: SqlStore, stored: Stored
) -> None:
    """get, the batch lookup and the full scan name the incident; the scan stops there rather
    than skipping it (a skipped incident could hide a breach)."""
    plant(store, IncidentRow, {"incident_id": stored.incident}, platform="myspace")
    with store.unit_of_work(ACTOR) as uow:
        with pytest.raises(StoredRecordError) as got:
            uow.incidents.get(stored.incident)
        with pytest.raises(StoredRecordError) as found:
            uow.find_incidents([stored.incident])
    with pytest.raises(StoredRecordError) as scanned:
        list(scan_incidents(store))
    for error in (got.value, found.value, scanned.value):
        check_names(error, "incident", stored.incident)
        assert "'myspace'" in str(error)
        assert isinstance(error.__cause__, ValueError)
    # The light scan builds no domain objects: it passes the stored code through.
    assert [row.platform for row in scan_incident_rows(store)] == ["myspace"]


def test_adding_an_incident_over_a_bad_one_is_still_a_duplicate(
    store: SqlStore, stored: Stored
) -> None:
    """The duplicate check reads ids only: the bad stored incident does not mask the duplicate."""
    plant(store, IncidentRow, {"incident_id": stored.incident}, platform="myspace")
    with store.unit_of_work(ACTOR) as uow, pytest.raises(DuplicateRecordError) as got:
        uow.add_incidents([builders.incident("I-2"), builders.incident(stored.incident)])
    assert got.value.key == stored.incident


def test_an_incident_off_the_globe_withholds_its_coordinates(
    store: SqlStore, stored: Stored
) -> None:
    """An incident's place may be a protected person's: its coordinates are not quoted."""
    plant(store, IncidentRow, {"incident_id": stored.incident}, lat=123.456)
    with pytest.raises(StoredRecordError) as got:
        list(scan_incidents(store))
    check_names(got.value, "incident", stored.incident)
    assert "latitude=<coordinates withheld>" in str(got.value)
    assert "123.456" not in str(got.value)


# --- compliance and lifecycle subjects ----------------------------------------------------


def _met(stored: Stored, key: str) -> ComplianceRecord:
    return ComplianceRecord(
        key, stored.defendant, stored.order, "T11", pendulum.datetime(2024, 9, 1, tz="UTC")
    )


def test_a_compliance_record_is_named_by_the_compliance_reads(
    store: SqlStore, stored: Stored
) -> None:
    """for_order, for_defendant and get_many name a record whose term id was blanked."""
    with store.unit_of_work(ACTOR) as uow:
        uow.compliance.add(_met(stored, "C-1"))
        uow.commit()
    plant(store, ComplianceRecordRow, {"record_id": "C-1"}, term_id="  ")
    with store.unit_of_work(ACTOR) as uow:
        reads = (
            lambda: uow.compliance.for_order(stored.order),
            lambda: uow.compliance.for_defendant(stored.defendant),
            lambda: uow.compliance.get_many(["C-1"]),
            lambda: uow.compliance.get("C-1"),
        )
        for read in reads:
            with pytest.raises(StoredRecordError) as got:
                read()
            check_names(got.value, "compliance_record", "C-1")
            assert got.value.field == "term_id"


def test_recording_compliance_against_a_bad_order_names_the_order(
    store: SqlStore, stored: Stored
) -> None:
    """The compliance write loads its order to check the term: that read names the order."""
    ended_before_made(store, stored.order)
    with store.unit_of_work(ACTOR) as uow:
        with pytest.raises(StoredRecordError) as got:
            uow.compliance.add(_met(stored, "C-2"))
        with pytest.raises(StoredRecordError):
            uow.compliance.add_many([_met(stored, "C-3")])
    check_names(got.value, "order", stored.order)


@pytest.mark.parametrize(
    ("change", "cause", "shown"),
    [
        ({"state": "lost"}, ValueError, "'lost'"),
        ({"protected_person_ids": ["P-1", " "]}, InvalidValueError, "each must be a non-empty id"),
    ],
    ids=["unknown-state", "blank-person"],
)
def test_an_application_its_converters_refuse_is_named(
    store: SqlStore, change: dict[str, Any], cause: type[Exception], shown: str
) -> None:
    """An unknown state code, or a blank protected person id its converter refuses: the
    application is named by get and get_many."""
    app = lifecycle_builders.draft(application_id="APP-1")
    with store.unit_of_work(ACTOR) as uow:
        uow.applications.add(app)
        uow.commit()
    body = stored_json(store, ApplicationRow, "body", application_id="APP-1")
    plant(store, ApplicationRow, {"application_id": "APP-1"}, body={**body, **change})
    with store.unit_of_work(ACTOR) as uow:
        with pytest.raises(StoredRecordError) as got:
            uow.applications.get("APP-1")
        with pytest.raises(StoredRecordError):
            uow.applications.get_many(["APP-1"])
    check_names(got.value, "application", "APP-1")
    assert isinstance(got.value.__cause__, cause)
    assert shown in str(got.value)


# --- the message, as a property -----------------------------------------------------------

_OFF_GLOBE = st.floats(90.001, 1e6) | st.floats(-1e6, -90.001)
_KINDS = st.sampled_from(["order", "incident", "defendant", "alert", "protected_person"])


def _refusal(build: Callable[[], object]) -> InvalidValueError:
    with pytest.raises(InvalidValueError) as got:
        build()
    return got.value


@given(lat=_OFF_GLOBE, lon=st.floats(-180, 180), kind=_KINDS)
def test_a_refused_point_never_quotes_its_coordinates(lat: float, lon: float, kind: str) -> None:
    """Whatever the record, a point the domain refuses is named by field, never by value."""
    message = str(refused(kind, "K-1", _refusal(lambda: GeoPoint(lat, lon))))
    assert repr(lat) not in message
    assert "stored" in message
    assert "'K-1'" in message


@given(
    lat=st.floats(49.9, 58.7),
    lon=st.floats(-7.5, 1.7),
    size=st.floats(0.0001, 0.1),
    kind=_KINDS,
)
def test_a_refused_polygon_never_quotes_a_corner(
    lat: float, lon: float, size: float, kind: str
) -> None:
    """A bow-tie anywhere in the UK: the message names the polygon, never one of its corners."""
    top, east = lat + size, lon + size
    ring = (GeoPoint(lat, lon), GeoPoint(top, east), GeoPoint(lat, east), GeoPoint(top, lon))
    error = _refusal(lambda: Polygon(ring))
    message = str(refused(kind, "K-1", error))
    for value in (lat, lon, top, east):
        assert repr(value) not in message
    assert "polygon" in message


@given(text=st.text(min_size=1), field=st.sampled_from(["restricted.address", "name", "places"]))
def test_a_protected_persons_message_never_quotes_the_value(text: str, field: str) -> None:
    """For a protected person the message names the field, whatever the value and reason."""
    error = InvalidValueError(field, f"secret {text}", f"why: {text}")
    found = refused("protected_person", "P-9", error)
    assert f"secret {text}" not in str(found)
    assert f"why: {text}" not in str(found)
    assert f"field {field!r}" in str(found)
    assert found.__cause__ is None


# --- values that may be personal are never quoted (a hostile review, 7 December 2026) ------


def _everything_said(error: BaseException) -> str:
    """The error as a log shows it: the message, the cause, the context, the traceback."""
    return "".join(traceback.format_exception(error))


@pytest.mark.parametrize(
    ("model", "where", "values", "read"),
    [
        (DefendantNameRow, {"defendant_id": "D-1"}, {"name": "Zebedee\x01Quillan"}, "defendant"),
        (
            DefendantIdentityRow,
            {"defendant_id": "D-1", "position": 0},
            {"identity_key": "Zebedee Quillan"},
            "defendant",
        ),
        (
            DefendantIdentityRow,
            {"defendant_id": "D-1"},
            {"source": "Zebedee\x01Quillan at 14 Wren Close"},
            "defendant",
        ),
        (
            IncidentRow,
            {"incident_id": "I-1"},
            {"evidence_refs": ["CCTV at 14 Wren Close\x01"]},
            "incident",
        ),
        (
            IncidentRow,
            {"incident_id": "I-1"},
            {"target_person_id": "Zebedee\x01Quillan"},
            "incident",
        ),
        (IncidentRow, {"incident_id": "I-1"}, {"kind": "Zebedee Quillan"}, "incident"),
        (IncidentRow, {"incident_id": "I-1"}, {"occurred_at_tz": "14 Wren Close"}, "incident"),
    ],
    ids=["defendant-name", "identity-key", "link-source", "refs", "target", "kind", "zone"],
)
def test_a_refused_value_that_may_be_personal_is_never_quoted(
    store: SqlStore,
    stored: Stored,
    model: type[SQLModel],
    where: dict[str, Any],
    values: dict[str, Any],
    read: str,
) -> None:
    """A hand edit put a name or an address where a value of the library belongs: reading
    the record names it and the field, and neither the message, its cause, its context
    nor a logged traceback quotes the value."""
    plant(store, model, where, **values)
    repository = "defendants" if read == "defendant" else "incidents"
    key = stored.defendant if read == "defendant" else stored.incident
    with store.unit_of_work(ACTOR) as uow, pytest.raises(StoredRecordError) as got:
        getattr(uow, repository).get(key)
    check_names(got.value, read, stored.defendant if read == "defendant" else stored.incident)
    said = _everything_said(got.value)
    for secret in ("Zebedee", "Quillan", "Wren"):
        assert secret not in said


def test_an_unknown_code_that_is_a_plain_token_is_still_quoted(
    store: SqlStore, stored: Stored
) -> None:
    """A code, an id or a number is shown, to help whoever corrects the record."""
    plant(store, IncidentRow, {"incident_id": stored.incident}, kind="telepathy")
    with store.unit_of_work(ACTOR) as uow, pytest.raises(StoredRecordError) as got:
        uow.incidents.get(stored.incident)
    assert "'telepathy'" in str(got.value)


@pytest.mark.parametrize(
    "value",
    ["B170QT", "b17-0qt", "SW1A1AA", "Zebedee Quillan", "14 Wren", "mark.ellison", "07700900123"],
)
def test_a_postcode_or_text_with_a_space_is_withheld_a_code_is_not(value: str) -> None:
    """The rule of what a message may quote (``quotable``): a postcode written as one
    token is plain but an address; a name has a space."""
    found = refused("incident", "I-1", InvalidValueError("target_person_id", value, "bad"))
    assert value not in _everything_said(found)
    code = refused("incident", "I-1", InvalidValueError("kind", "telepathy", "unknown code"))
    assert "'telepathy'" in str(code)
