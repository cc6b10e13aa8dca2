"""The bulk load against the reference path, on both SQL backends.

``get_many`` reads its rows through the driver (``_sql_rows.DriverRows``: each column
converted by its type's own result processing, each JSON text parsed once per load, the
parsed document shared by every row that holds that text). ``get`` is the reference:
SQLAlchemy's ORM rows, every JSON value parsed apart. Both must give equal records with
equal revisions, and refuse a row edited by hand with the same error.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.orders import Order
from spo_tracker.errors import StoredRecordError
from spo_tracker.storage import SqlStore, connect
from spo_tracker.storage._tables import OrderRow, OrderTermRow, OrderVersionRow
from tests import strategies
from tests.lifecycles import builders as lifecycle_builders
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock
from tests.storage.hand_edits import add_compliance_rows, edit, small_store
from tests.storage.test_stored_records import plant, stored_json

SQL_BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
)

_ids = itertools.count()


def _unique(prefix: str) -> str:
    return f"{prefix}-bulk-{next(_ids)}"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("shared_sqlite_store", id="sqlite"),
        pytest.param("shared_postgres_store", id="postgres", marks=pytest.mark.postgres),
    ],
)
def store(request: pytest.FixtureRequest) -> SqlStore:
    """A shared SQL store on each backend, holding protected persons P1 to P9."""
    store: SqlStore = request.getfixturevalue(request.param)
    builders.with_persons(store, ACTOR)
    return store


def _bulk_with_revisions(store: SqlStore, kind: str, keys: list[str]) -> dict[str, Any]:
    with store.unit_of_work(ACTOR) as uow:
        return dict(getattr(uow, kind).get_many_revisions(keys))


def _reference(store: SqlStore, kind: str, keys: list[str], **read: Any) -> dict[str, Any]:
    with store.unit_of_work(ACTOR) as uow:
        repo = getattr(uow, kind)
        return {k: (repo.get(k, **read), repo.revision(k)) for k in keys}


@given(
    first=strategies.orders(),
    others=st.lists(strategies.orders(), max_size=3),
    copies=st.integers(0, 3),
)
def test_bulk_loaded_orders_equal_the_reference(
    store: SqlStore, first: Order, others: list[Order], copies: int
) -> None:
    """Any orders (every term type, instants in any zone, 1-4 versions), some of them copies
    of the first (so every term document of the first is stored again, under other orders):
    the bulk load gives what the reference gives, and what was stored, with its revision."""
    made = [first, *others, *([first] * copies)]
    orders = [attrs.evolve(o, order_id=_unique("O"), defendant_id=_unique("D")) for o in made]
    with store.unit_of_work(ACTOR) as uow:
        for order in orders:
            uow.defendants.add(builders.defendant(order.defendant_id, identities=0))
        uow.orders.add_many(orders)
        uow.commit()
    keys = [o.order_id for o in orders]
    bulk = _bulk_with_revisions(store, "orders", keys)
    assert bulk == _reference(store, "orders", keys)
    assert {k: obj for k, (obj, _) in bulk.items()} == {o.order_id: o for o in orders}


@given(defendants=st.lists(strategies.defendants(), min_size=1, max_size=3))
def test_bulk_loaded_defendants_and_persons_equal_the_reference(
    store: SqlStore, defendants: list[Any]
) -> None:
    """Defendants (names, addresses with their points and days, identities linked at
    instants in any zone) and protected persons (restricted details sealed): the bulk
    load reads their rows through the driver too."""
    made = [attrs.evolve(d, defendant_id=_unique("D")) for d in defendants]
    persons = [builders.person(_unique("P")) for _ in defendants]
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add_many(made)
        uow.protected_persons.add_many(persons)
        uow.commit()
    keys = [d.defendant_id for d in made]
    assert _bulk_with_revisions(store, "defendants", keys) == _reference(store, "defendants", keys)
    people = [p.person_id for p in persons]
    with store.unit_of_work(ACTOR) as uow:
        bulk = uow.protected_persons.get_many(people, reason="test")
        one = {k: uow.protected_persons.get(k, reason="test") for k in people}
    assert bulk == one == {p.person_id: p for p in persons}


def test_bulk_loaded_duties_equal_the_reference(store: SqlStore) -> None:
    """Notification duties (one row each, the record as JSON) read the same both ways."""
    duties = [
        attrs.evolve(lifecycle_builders.duty(local_police_area=area), duty_id=_unique("DUTY"))
        for area in ("West Midlands", "Staffordshire", "West Midlands")
    ]
    with store.unit_of_work(ACTOR) as uow:
        uow.notification_duties.add_many(duties)
        uow.commit()
    keys = [d.duty_id for d in duties]
    bulk = _bulk_with_revisions(store, "notification_duties", keys)
    assert bulk == _reference(store, "notification_duties", keys)
    assert {k: obj for k, (obj, _) in bulk.items()} == {d.duty_id: d for d in duties}


# --- rows edited by hand: the same error both ways ----------------------------------------


@pytest.fixture(params=SQL_BACKENDS)
def fresh(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """A fresh SQL store holding orders O-1 and O-2 (the same terms) of D-1, protecting P-1."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    opened = connect(url, clock=fixed_clock)
    with opened.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D-1"))
        uow.protected_persons.add(builders.person("P-1"))
        uow.orders.add(builders.order("O-1", "D-1", ("P-1",)))
        uow.orders.add(builders.order("O-2", "D-1", ("P-1",)))
        uow.commit()
    yield opened
    opened.close()


def _term_document(store: SqlStore, change: Callable[[dict[str, Any]], Any]) -> None:
    """Every stored copy of term T4 (a circular exclusion zone) of both orders as
    ``change`` makes its parameters: the same document under both orders."""
    parameters = stored_json(
        store, OrderTermRow, "parameters", order_id="O-1", version_number=1, term_id="T4"
    )
    changed = change(parameters)
    plant(store, OrderTermRow, {"term_id": "T4"}, parameters=changed)


def _radius_over_the_cap(store: SqlStore) -> None:
    def change(parameters: dict[str, Any]) -> dict[str, Any]:
        parameters["zone"]["properties"]["radius_m"] = 60_000
        return parameters

    _term_document(store, change)


def _label_missing(store: SqlStore) -> None:
    _term_document(store, lambda p: {k: v for k, v in p.items() if k != "label"})


def _document_a_list(store: SqlStore) -> None:
    _term_document(store, lambda p: [p])


def _unknown_code(store: SqlStore) -> None:
    plant(store, OrderTermRow, {"term_id": "T4"}, code="SPO-P99")


def _ended_before_made(store: SqlStore) -> None:
    plant(
        store,
        OrderRow,
        {"defendant_id": "D-1"},
        state="discharged",
        ended_at=builders.MADE.subtract(days=1),
        ended_at_tz="Europe/London",
    )


def _unknown_zone(store: SqlStore) -> None:
    plant(store, OrderRow, {"defendant_id": "D-1"}, made_at_tz="Mars/Olympus_Mons")


def _unknown_cause(store: SqlStore) -> None:
    plant(store, OrderVersionRow, {"number": 1}, cause="overturned")


CORRUPTIONS = {
    "radius over the cap": _radius_over_the_cap,
    "a parameter missing": _label_missing,
    "a document of the wrong shape": _document_a_list,
    "an unknown term code": _unknown_code,
    "ended before made": _ended_before_made,
    "an unknown zone": _unknown_zone,
    "an unknown version cause": _unknown_cause,
}


def _one_order(url: str) -> SqlStore:
    """A store at ``url`` holding defendant D-1, person P-1 and their order O-1."""
    return small_store(url)


def _refusal(read: Callable[..., object], *args: Any) -> StoredRecordError:
    with pytest.raises(StoredRecordError) as got:
        read(*args)
    return got.value


def _same_refusal(bulk: StoredRecordError, reference: StoredRecordError) -> None:
    assert type(bulk) is type(reference)
    assert (bulk.kind, bulk.key, bulk.field) == (reference.kind, reference.key, reference.field)
    assert str(bulk) == str(reference)
    assert type(bulk.__cause__) is type(reference.__cause__)
    assert str(bulk.__cause__) == str(reference.__cause__)


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_row_edited_by_hand_is_refused_the_same_both_ways(
    fresh: SqlStore, corrupt: Callable[[SqlStore], None]
) -> None:
    """Each order is refused by name, with the same rule and field, by ``get`` and by the
    bulk load, whether read alone or after the other order holding the same rows."""
    corrupt(fresh)
    for key in ("O-1", "O-2"):
        with fresh.unit_of_work(ACTOR) as uow:
            reference = _refusal(uow.orders.get, key)
        with fresh.unit_of_work(ACTOR) as uow:
            bulk = _refusal(uow.orders.get_many, [key])
        assert reference.key == key
        _same_refusal(bulk, reference)
    with fresh.unit_of_work(ACTOR) as uow:
        both = _refusal(uow.orders.get_many, ["O-1", "O-2"])
    assert both.key in ("O-1", "O-2")


@pytest.mark.parametrize(
    "parameters",
    [
        pytest.param('{"zone": {"secret place', id="not JSON"),
        pytest.param("5", id="a bare number"),
    ],
)
def test_a_term_document_edited_by_hand_is_refused_the_same_both_ways(
    sqlite_url: str, parameters: str
) -> None:
    """SQLite keeps any text in a JSON column (PostgreSQL refuses it when written), and a
    bare number as a number (NUMERIC affinity): a term's parameters that are not a JSON
    document refuse the order by name, both ways (the bulk load reads a number as
    SQLAlchemy does, not with a TypeError), and the text is never quoted."""
    store = _one_order(sqlite_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE order_terms SET parameters = :p WHERE term_id = 'T4'"),
                {"p": parameters},
            )
        with store.unit_of_work(ACTOR) as uow:
            reference = _refusal(uow.orders.get, "O-1")
            bulk = _refusal(uow.orders.get_many, ["O-1"])
    finally:
        store.close()
    _same_refusal(bulk, reference)
    assert "secret place" not in str(bulk)


@pytest.mark.parametrize(
    ("repository", "key", "update"),
    [
        ("defendants", "D-1", "UPDATE defendants SET date_of_birth = '1990-13-45'"),
        ("defendants", "D-1", "UPDATE defendants SET date_of_birth = 19900101"),
        ("orders", "O-1", "UPDATE order_versions SET period_last_day = '2027-02-30'"),
        ("orders", "O-1", "UPDATE order_versions SET period_last_day = 'by 14 Sept 2027'"),
        ("orders", "O-1", "UPDATE orders SET made_at = 1767607200000000000"),
        ("orders", "O-1", "UPDATE orders SET made_at = '2026-01-05 10:00'"),
    ],
    ids=[
        "a date of birth that is no day",
        "a date of birth as a number",
        "an order's last day that is no day",
        "an order's last day as words",
        "an instant in nanoseconds",
        "an instant as text",
    ],
)
def test_a_date_column_edited_by_hand_is_refused_by_name_both_ways(
    sqlite_url: str, repository: str, key: str, update: str
) -> None:
    """SQLite keeps any text in a date column: a day that is no day (13th month, 30
    February) refuses its record by name, by ``get`` and by the bulk load alike, as a
    StoredRecordError (not the driver's ValueError), the text never quoted."""
    store = _one_order(sqlite_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(sa.text(update))
        with store.unit_of_work(ACTOR) as uow:
            reference = _refusal(getattr(uow, repository).get, key)
        with store.unit_of_work(ACTOR) as uow:
            bulk = _refusal(getattr(uow, repository).get_many, [key])
    finally:
        store.close()
    _same_refusal(bulk, reference)
    assert (bulk.kind, bulk.key) == (repository.removesuffix("s"), key)
    assert bulk.field is not None
    assert bulk.field in update
    for shown in ("13-45", "19900101", "02-30", "Sept", "176760720", "10:00"):
        assert shown not in str(bulk)


def test_an_order_date_edited_by_hand_refuses_the_nightly_run_by_name(sqlite_url: str) -> None:
    """The nightly run reads every order's dates without building the orders: a last day
    no date column can read makes it read the orders as a full run does, which refuses
    the one holding it by name and column (not the driver's ValueError quoting it)."""
    store = _one_order(sqlite_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE order_versions SET period_last_day = 'by 14 Sept'"))
        with store.unit_of_work(ACTOR) as uow:
            refusal = _refusal(uow.orders.dates)
    finally:
        store.close()
    assert (refusal.kind, refusal.key, refusal.field) == ("order", "O-1", "period_last_day")
    assert "Sept" not in str(refusal)


def _in_oldest_generation(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(generation=2))


def test_a_small_bulk_read_leaves_young_objects_young(store: SqlStore) -> None:
    """Only a load of more than 500 records moves the process's objects to the collector's
    oldest generation (``collector_paused(kept=True)``): a small read, made often, does
    not age young objects (cyclic garbage among them) each time."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.set_threshold(1_000_000_000, *threshold[1:])  # no collection starts by itself
    try:
        young = [["made before the read"]]
        with store.unit_of_work(ACTOR) as uow:
            assert len(uow.protected_persons.get_many(["P1", "P2"], reason="test")) == 2
        assert not _in_oldest_generation(young)
    finally:
        gc.set_threshold(*threshold)


def test_a_refused_bulk_load_leaves_what_it_built_young(fresh: SqlStore) -> None:
    """A bulk load that fails part way (an order edited by hand) does not move the
    records it built to the collector's oldest generation: a young collection frees them
    (retried loads do not pile them up)."""
    valid = [f"A-{n:02}" for n in range(30)]
    with fresh.unit_of_work(ACTOR) as uow:
        uow.orders.add_many([builders.order(key, "D-1", ("P-1",)) for key in valid])
        uow.commit()
    CORRUPTIONS["radius over the cap"](fresh)
    keys = [*valid, "O-1", *(f"X-{n}" for n in range(600))]  # more than 500: a kept load
    gc.collect()
    alive = _domain_objects()
    for _ in range(3):
        with fresh.unit_of_work(ACTOR) as uow, pytest.raises(StoredRecordError):
            uow.orders.get_many(keys)
    gc.collect(1)
    assert _domain_objects() == alive


def _domain_objects() -> int:
    """How many objects of the domain's types the collector tracks."""
    return sum(
        1 for o in gc.get_objects() if str(type(o).__module__).startswith("spo_tracker.domain")
    )


class _Node:
    """A thing to make a reference cycle of."""

    other: object = None


def test_garbage_made_before_a_kept_load_is_not_aged_with_its_records(store: SqlStore) -> None:
    """A load of more than 500 records collects the young generations as it begins: a
    cycle dropped just before it is freed by the next young collection, not kept until a
    full one (a service loading often would pile such garbage up)."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.set_threshold(1_000_000_000, *threshold[1:])  # no collection starts by itself
    try:
        node = _Node()
        node.other = node
        dropped = weakref.ref(node)
        del node
        with store.unit_of_work(ACTOR) as uow:
            assert uow.orders.get_many([f"none-{n}" for n in range(600)]) == {}
        gc.collect(1)
        assert dropped() is None
    finally:
        gc.set_threshold(*threshold)


@pytest.mark.parametrize("value", ["1768386600000000.5", "'1768386600000000x'"])
def test_a_compliance_instant_edited_by_hand_is_refused_by_name(
    sqlite_url: str, value: str
) -> None:
    """SQLite keeps a real number or text in the integer column of a compliance record's
    instant: the light reads of the dated checks refuse that record by id and column, as
    a StoredRecordError, never the driver's ValueError quoting it."""
    store = _one_order(sqlite_url)
    try:
        add_compliance_rows(store, {"C-1": 1768300000000000, "C-2": 1768386600000000})
        edit(store, f"UPDATE compliance_records SET at = {value} WHERE record_id = 'C-2'")
        with store.unit_of_work(ACTOR) as uow:
            grouped = _refusal(uow.compliance.times_by_term, ["O-1"])
            light = _refusal(uow.compliance.times_for_orders, ["O-1"])
    finally:
        store.close()
    for refusal in (grouped, light):
        assert (refusal.kind, refusal.key, refusal.field) == ("compliance_record", "C-2", "at")
        assert "17683866" not in str(refusal)
