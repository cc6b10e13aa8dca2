"""One input boundary for the store: a bad value is a typed error before anything is written,
a refused incident leaves detection working, a stored document that cannot be parsed is named,
and every backend reads back exactly what it accepted, edge values included."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.cli import main
from spo_tracker.detection.intake import incident_from_record
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.limits import ID_MAX_LENGTH, INSTANT_MAX, INSTANT_MIN
from spo_tracker.domain.people import Address, ProtectedPerson, RestrictedDetails
from spo_tracker.errors import BatchRejectedError, InvalidValueError, StoredRecordError
from spo_tracker.storage import SqlStore, Store, connect, ingest_incidents, scan_incidents
from tests import strategies
from tests.storage import builders
from tests.storage.conftest import ACTOR, BACKENDS, fixed_clock, plant_details

SQL_BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
)
#: DateTime.MinValue as .NET writes it under BST: year 1 at +01:00 (year 0 in UTC).
YEAR_ONE = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture(params=SQL_BACKENDS)
def sql_store(request: pytest.FixtureRequest) -> Iterator[tuple[SqlStore, str]]:
    """A fresh SQL store and its URL (SQLite, and PostgreSQL when its URL is set)."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    opened = connect(url, clock=fixed_clock)
    yield opened, url
    opened.close()


def _ids(store: Store) -> list[str]:
    return [i.incident_id for i in scan_incidents(store)]


# --- instants out of range ----------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: builders.incident("I-bad", occurred_at=YEAR_ONE),
        lambda: attrs.evolve(builders.incident("I-bad"), reported_at=YEAR_ONE),
        lambda: incident_from_record(
            {"incident_id": "I-bad", "kind": "message", "occurred_at": "0001-01-01T00:00:00+01:00"}
        ),
    ],
    ids=["constructor", "evolve", "record"],
)
def test_a_year_one_incident_is_refused_naming_the_field(build: Callable[[], Incident]) -> None:
    """.NET's DateTime.MinValue under BST: an InvalidValueError naming the field and the range."""
    with pytest.raises(InvalidValueError, match="1900-01-01T00:00:00Z") as err:
        build()
    assert err.value.field in {"occurred_at", "reported_at"}


def test_after_a_refused_year_one_incident_scan_report_and_export_still_work(
    sql_store: tuple[SqlStore, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad incident in a batch never reaches the table, so detection keeps working."""
    store, url = sql_store

    def night() -> Iterator[Incident]:
        yield builders.incident("I-1")
        yield builders.incident("I-2", occurred_at=YEAR_ONE)  # refused as it is built

    with pytest.raises(BatchRejectedError) as err:
        ingest_incidents(store, night(), actor=ACTOR, batch_size=1)
    assert (err.value.committed_batches, err.value.committed_records) == (1, 1)
    assert isinstance(err.value.cause, InvalidValueError)
    assert _ids(store) == ["I-1"]
    at = "2026-03-20T09:00:00Z"
    assert main(["--database", url, "scan", "--at", at]) == 0
    report = tmp_path / "r.json"
    argv = ["--database", url, "report", "--at", at, "--format", "json", "--output", str(report)]
    assert main(argv) == 0
    export = tmp_path / "e.jsonl"
    assert main(["--database", url, "export", "--output", str(export)]) == 0
    assert '"I-1"' in export.read_text(encoding="utf-8")
    capsys.readouterr()


# --- bad values in bulk ingest ------------------------------------------------------------


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("summary", None),
        ("defendant_id", 123),
        ("location", (52, -1)),
        ("via_third_party", "no"),
        ("evidence_refs", "EX/1"),
        ("target_person_id", ["P1"]),
        ("incident_id", "x" * (ID_MAX_LENGTH + 1)),
        ("incident_id", "I\ud800"),
        ("summary", "a\x00b"),
    ],
)
def test_a_bad_value_in_bulk_ingest_is_a_batch_rejected_error(
    fresh_store: Store, field: str, value: object
) -> None:
    """Built as the batches are drawn: the earlier batch stays, the caller learns which."""

    def incidents() -> Iterator[Incident]:
        yield builders.incident("I-1")
        changes: dict[str, Any] = {field: value}
        yield attrs.evolve(builders.incident("I-2"), **changes)

    with pytest.raises(BatchRejectedError) as err:
        ingest_incidents(fresh_store, incidents(), actor=ACTOR, batch_size=1)
    assert err.value.batch_index == 1
    assert err.value.committed_records == 1
    assert isinstance(err.value.cause, InvalidValueError)
    assert err.value.cause.field == field
    assert _ids(fresh_store) == ["I-1"]


# --- stored documents that cannot be parsed -----------------------------------------------


def _plant_address(store: SqlStore, person_id: str, document: str) -> None:
    """Seal ``document`` as the address JSON by raw SQL (as a hand edit by someone holding
    the data key would): the details are stored encrypted, so the document is inside the
    ciphertext on both backends."""
    plant_details(store, person_id, '{"address": ' + document + ', "places": []}')


#: Valid JSON, nested deeper than Python's parser goes (PostgreSQL's accepts it).
_DEEP = "[" * 5_000 + "]" * 5_000


def _stored_person(store: SqlStore) -> str:
    with store.unit_of_work(ACTOR) as uow:
        uow.protected_persons.add(builders.person("P-1"))
        uow.commit()
    return "P-1"


def test_an_unparsable_restricted_document_is_a_stored_record_error(
    sql_store: tuple[SqlStore, str],
) -> None:
    """A document too deep to parse, or one that does not parse at all (a truncated
    address), sealed under the person's key: the person is named, the value never quoted,
    no cause kept (on both backends: the document is inside the ciphertext)."""
    store, _ = sql_store
    person = _stored_person(store)
    for document in [_DEEP, '{"lines": ["3 Safe House Lane"', "not json"]:
        _plant_address(store, person, document)
        with store.unit_of_work(ACTOR) as uow, pytest.raises(StoredRecordError) as err:
            uow.protected_persons.get(person, reason="test")
        message = str(err.value)
        assert (err.value.kind, err.value.key) == ("protected_person", person)
        assert "Safe House" not in message
        assert "[[" not in message
        assert err.value.__cause__ is None


# --- what is accepted reads back the same everywhere --------------------------------------

_counter = itertools.count(1)
_EDGE_INSTANTS = st.sampled_from(
    [
        pendulum.instance(INSTANT_MIN),
        pendulum.instance(INSTANT_MAX - dt.timedelta(microseconds=1)),
        pendulum.instance(INSTANT_MIN).in_timezone("Europe/London"),
        pendulum.instance(INSTANT_MAX - dt.timedelta(microseconds=1)).in_timezone("Asia/Tokyo"),
    ]
)
_UNICODE = st.characters(exclude_categories=("Cs", "Cc"))
_refs = st.text(_UNICODE, min_size=1, max_size=200).filter(str.strip)


def _edge_ids() -> st.SearchStrategy[str]:
    """Ids of 1, 40 and 128 characters (the limit), any printable character, astral planes too."""
    sizes = st.sampled_from([1, 40, ID_MAX_LENGTH])
    return sizes.flatmap(lambda n: st.text(_UNICODE, min_size=n, max_size=n).filter(str.strip))


def _unique(key: str) -> str:
    """``key`` made unique in the run (the shared stores keep every record), its length kept."""
    tag = f"#{next(_counter):07d}"
    return key[: max(1, ID_MAX_LENGTH - len(tag))] + tag if len(key) > len(tag) else key + tag


@st.composite
def _edge_incidents(draw: st.DrawFn) -> Incident:
    base = draw(strategies.incidents())
    return attrs.evolve(
        base,
        incident_id=draw(_edge_ids()),
        occurred_at=draw(_EDGE_INSTANTS | strategies.aware_datetimes()),
        reported_at=draw(st.none() | _EDGE_INSTANTS),
        defendant_id=draw(st.none() | _edge_ids()),
        summary=draw(strategies.free_texts(max_size=300)),
        location=draw(st.none() | st.sampled_from([GeoPoint(90, 180), GeoPoint(-90, -180)])),
        evidence_refs=tuple(draw(st.lists(_refs, max_size=3))),
    )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("shared_memory_store", id="memory"),
        pytest.param("shared_sqlite_store", id="sqlite"),
        pytest.param("shared_postgres_store", id="postgres", marks=pytest.mark.postgres),
    ],
)
def store(request: pytest.FixtureRequest) -> Store:
    """The shared store of each backend: each reads back what it accepted, so all agree."""
    shared: Store = request.getfixturevalue(request.param)
    return shared


def _read_back(store: Store, obj: Incident | ProtectedPerson) -> Incident | ProtectedPerson:
    with store.unit_of_work(ACTOR) as uow:
        uow.repository_for(obj).add(obj)
        uow.commit()
    with store.unit_of_work(ACTOR) as uow:
        if isinstance(obj, ProtectedPerson):
            return uow.protected_persons.get(obj.person_id, reason="test")
        return uow.incidents.get(obj.incident_id)


@given(incident=_edge_incidents())
def test_edge_incidents_read_back_identical_on_every_backend(
    store: Store, incident: Incident
) -> None:
    """Max-length unicode ids, range-edge instants, poles, astral text: the same everywhere."""
    incident = attrs.evolve(incident, incident_id=_unique(incident.incident_id))
    back = _read_back(store, incident)
    assert back == incident
    assert isinstance(back, Incident)
    assert back.occurred_at.in_timezone("UTC") == incident.occurred_at.in_timezone("UTC")


@given(
    person_id=_edge_ids(),
    name=st.text(_UNICODE, min_size=1, max_size=200).filter(str.strip),
    line=st.text(_UNICODE, min_size=1, max_size=200).filter(str.strip),
    postcode=st.text(_UNICODE, max_size=16),
)
def test_edge_persons_read_back_identical_on_every_backend(
    store: Store, person_id: str, name: str, line: str, postcode: str
) -> None:
    """Names, address lines and postcodes at their limits, any printable character."""
    address = Address((line,), postcode, GeoPoint(-90, 180))
    person = ProtectedPerson(_unique(person_id), name, RestrictedDetails(address=address))
    assert _read_back(store, person) == person
