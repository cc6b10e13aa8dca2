"""Bulk aggregate writes and reads (``add_many``, ``get_many``) on every backend.

``add_many`` must leave exactly what ``add`` one aggregate at a time leaves:
the same rows, the same audit entries (hash chain included) and the same
outbox events; and a batch with one bad aggregate writes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from sqlmodel import SQLModel

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.errors import ConstraintViolationError, DuplicateRecordError, InvalidValueError
from spo_tracker.interchange import Dataset
from spo_tracker.storage import InMemoryStore, SqlStore, Store, connect
from tests.interchange.strategies import datasets
from tests.storage import builders
from tests.storage.conftest import (
    ACTOR,
    BACKENDS,
    NOW,
    POSTGRES_ENV,
    PostgresServer,
    fixed_clock,
)

_FIXTURES = [HealthCheck.function_scoped_fixture]
#: The repositories ``add_many`` serves, parents first (orders refer to persons).
_KINDS = (
    "defendants",
    "protected_persons",
    "orders",
    "applications",
    "notification_duties",
    "alerts",
)


def _batches(data: Dataset) -> list[tuple[str, Sequence[Any]]]:
    return list(
        zip(
            _KINDS,
            (
                data.defendants,
                data.protected_persons,
                data.orders,
                data.applications,
                data.duties,
                data.alerts,
            ),
            strict=True,
        )
    )


def write_one_by_one(store: Store, data: Dataset) -> None:
    """Every aggregate through ``add``, in one committed unit of work."""
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        for kind, objs in _batches(data):
            for obj in objs:
                getattr(uow, kind).add(obj, reason="load")
        uow.commit()


def write_in_bulk(store: Store, data: Dataset) -> None:
    """Every kind through one ``add_many``, in one committed unit of work."""
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        for kind, objs in _batches(data):
            assert getattr(uow, kind).add_many(objs, reason="load") == len(objs)
        uow.commit()


def stored(store: Store) -> dict[str, dict[str, Any]]:
    """Every stored aggregate by kind and id, read one by one (``get``)."""
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        return {k: {i: getattr(uow, k).get(i) for i in getattr(uow, k).ids()} for k in _KINDS}


def rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a SQL store, sorted (empty for the in-memory store)."""
    if not isinstance(store, SqlStore):
        return {}
    found = {}
    with store.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name != "alembic_version":
                found[table.name] = sorted(map(tuple, conn.execute(sa.select(table))), key=repr)
    return found


def everything(store: Store) -> tuple[Any, ...]:
    """What a write leaves behind: aggregates, rows, audit entries, outbox entries."""
    return stored(store), rows(store), list(store.audit_entries()), list(store.outbox_entries())


def assert_same_result(first: Store, second: Store, data: Dataset) -> None:
    write_one_by_one(first, data)
    write_in_bulk(second, data)
    assert everything(second) == everything(first)


@given(data=datasets(max_incidents=0))
def test_bulk_adds_leave_what_one_by_one_adds_leave_in_memory(data: Dataset) -> None:
    """Same aggregates, audit entries (hashes too) and outbox events, for generated data."""
    assert_same_result(InMemoryStore(clock=fixed_clock), InMemoryStore(clock=fixed_clock), data)


@given(data=datasets(max_incidents=0))
@settings(suppress_health_check=_FIXTURES, max_examples=20)
def test_bulk_adds_leave_what_one_by_one_adds_leave_on_sqlite(
    data: Dataset, sqlite_template: Path, tmp_path: Path
) -> None:
    """The same on SQLite, down to every row of every table (fewer examples: fresh files)."""
    stores = []
    for name in ("one", "bulk"):
        path = tmp_path / f"{name}-{id(data)}.sqlite"
        shutil.copyfile(sqlite_template, path)
        stores.append(connect(f"sqlite:///{path}", clock=fixed_clock))
    try:
        assert_same_result(stores[0], stores[1], data)
    finally:
        for store in stores:
            store.close()


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set")
def test_bulk_adds_leave_what_one_by_one_adds_leave_on_postgres(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL (where the bulk path uses COPY), on a full dataset."""
    stores = [
        connect(postgres_server.url_for(name), clock=fixed_clock)
        for name in (postgres_server.create(template=postgres_server.template) for _ in "ab")
    ]
    try:
        assert_same_result(stores[0], stores[1], _full_dataset(20))
    finally:
        for store in stores:
            store.close()


def _full_dataset(count: int) -> Dataset:
    """``count`` defendants, each with two protected persons and an order of every term."""
    defendants, persons, orders = [], [], []
    for n in range(count):
        p1, p2 = f"P{n}a", f"P{n}b"
        defendants.append(builders.defendant(f"D{n}", identities=4))
        persons += [builders.person(p1), builders.person(p2, restricted=n % 2 == 0)]
        orders.append(builders.order(f"O{n}", f"D{n}", (p1, p2), versions=1 + n % 3))
    return Dataset(tuple(defendants), tuple(persons), orders=tuple(orders))


@pytest.fixture
def store(fresh_store: Store) -> Store:
    return fresh_store


def _nothing_written(store: Store, audit_before: int) -> None:
    assert stored(store) == {k: {} for k in _KINDS}
    assert len(list(store.audit_entries())) == audit_before
    assert list(store.outbox_entries()) == []


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
class TestBulkAggregates:
    """The bulk path's contract, the same on memory, SQLite and PostgreSQL."""

    def test_many_batches_worth_are_stored_as_given(self, store: Store) -> None:
        """1,100 defendants (three id-lookup chunks) and their orders read back equal."""
        data = _full_dataset(1_100)
        write_in_bulk(store, data)
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            assert uow.defendants.get_many(uow.defendants.ids()) == {
                d.defendant_id: d for d in data.defendants
            }
            assert uow.orders.get_many(uow.orders.ids()) == {o.order_id: o for o in data.orders}
        assert len([e for e in store.outbox_entries() if e.event.event_type == "OrderMade"]) == (
            1_100
        )

    def test_an_id_already_stored_refuses_the_whole_batch(self, store: Store) -> None:
        """The error names the stored id; the rest of the batch is not written."""
        write_in_bulk(store, Dataset(defendants=(builders.defendant("D-old"),)))
        before = len(list(store.audit_entries()))
        batch = [builders.defendant(f"D{n}") for n in range(3)] + [builders.defendant("D-old")]
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            with pytest.raises(DuplicateRecordError) as caught:
                uow.defendants.add_many(batch)
            assert caught.value.key == "D-old"
            uow.commit()
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            assert uow.defendants.ids() == ["D-old"]
        assert len(list(store.audit_entries())) == before

    def test_an_id_twice_in_the_batch_refuses_it(self, store: Store) -> None:
        """A repeated id is a DuplicateRecordError naming it, and nothing is written."""
        batch = [builders.defendant("D1"), builders.defendant("D2"), builders.defendant("D1")]
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            with pytest.raises(DuplicateRecordError) as caught:
                uow.defendants.add_many(batch)
            assert caught.value.key == "D1"
            uow.commit()
        _nothing_written(store, 1)  # the genesis entry only

    def test_a_missing_reference_refuses_the_batch_and_keeps_the_rest_of_the_work(
        self, store: Store
    ) -> None:
        """An order naming a person not stored: ConstraintViolationError naming that order;
        the batch's other orders are not written, the unit of work's earlier writes are."""
        data = _full_dataset(3)
        bad = builders.order("O-bad", "D0", ("P0a", "P-missing"))
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.defendants.add_many(data.defendants)
            uow.protected_persons.add_many(data.protected_persons)
            with pytest.raises(ConstraintViolationError) as caught:
                uow.orders.add_many([*data.orders, bad])
            assert caught.value.key == "O-bad"
            assert "P-missing" in str(caught.value)
            uow.commit()
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            assert uow.orders.ids() == []
            assert len(uow.defendants.ids()) == 3
        assert list(store.outbox_entries()) == []

    def test_bad_items_refuse_the_batch(self, store: Store) -> None:
        """A NUL character or an object of another kind: InvalidValueError, nothing written."""
        with pytest.raises(InvalidValueError, match="NUL"):
            attrs.evolve(builders.person("P2"), name="Jane\x00Doe")
        nul = builders.person("P2")
        object.__setattr__(nul, "name", "Jane\x00Doe")  # past the constructor: the store checks too
        for batch in ([builders.person("P1"), nul], [builders.person("P1"), "P2"]):
            with store.unit_of_work(ACTOR, at=NOW) as uow:
                with pytest.raises(InvalidValueError):
                    uow.protected_persons.add_many(batch)  # type: ignore[arg-type]
                uow.commit()
        _nothing_written(store, 1)  # the genesis entry only

    def test_an_empty_batch_writes_nothing(self, store: Store) -> None:
        """No rows, no audit entry, no event."""
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            assert uow.orders.add_many([]) == 0
            uow.commit()
        _nothing_written(store, 1)  # the genesis entry only

    def test_get_many_reads_what_get_reads(self, store: Store) -> None:
        """Every kind: equal objects, ids not stored absent, repeated ids read once."""
        data = _full_dataset(4)
        write_in_bulk(store, data)
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            for kind in _KINDS:
                repo = getattr(uow, kind)
                ids = repo.ids()
                assert repo.get_many([*ids, "missing", *ids]) == {i: repo.get(i) for i in ids}

    def test_get_many_audits_each_restricted_read(self, store: Store) -> None:
        """Reading persons in bulk writes a restricted-read entry for each with details,
        even when the unit of work is rolled back."""
        data = _full_dataset(2)
        write_in_bulk(store, data)
        before = len(list(store.audit_entries()))
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.protected_persons.get_many(["P0a", "P0b", "P1a", "P1b"], reason="report")
        *reads, consulted = list(store.audit_entries())[before:]
        assert [(e.event, e.subject_id, e.reason) for e in reads] == [
            ("protected_person.restricted_read", p, "report") for p in ("P0a", "P0b", "P1a")
        ]
        assert consulted.event == "persons.consulted"
        assert json.loads(consulted.changes)["people"] == {
            "protected_persons": ["P0a", "P0b", "P1a", "P1b"]
        }


def _record(key: str, order: str, n: int) -> ComplianceRecord:
    return ComplianceRecord(key, "D0", order, "T11", builders.MADE.add(days=n))


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
def test_compliance_lookups_follow_a_record_moved_to_another_order(store: Store) -> None:
    """A record corrected to another order of its defendant is found under the new order
    only, in the unit of work that moved it, after its commit, and not in an earlier
    snapshot (the in-memory store answers these from an index)."""
    data = _full_dataset(1)
    second = builders.order("O-2", "D0", ("P0a", "P0b"))
    write_in_bulk(store, attrs.evolve(data, orders=(*data.orders, second)))
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        uow.compliance.add_many([_record(f"C{n}", "O0", n) for n in range(3)])
        uow.commit()
    moved = _record("C1", "O-2", 1)

    def ids(uow: Any, order: str) -> list[str]:
        return [r.record_id for r in uow.compliance.for_order(order)]

    # SQL writers hold the database (SQLite) or see commits (READ COMMITTED): the older
    # snapshot that must not see the move is the in-memory store's alone.
    earlier = store.unit_of_work(ACTOR, at=NOW) if isinstance(store, InMemoryStore) else None
    if earlier is not None:
        earlier.__enter__()
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        uow.compliance.get("C1")
        uow.compliance.update(moved, reason="wrong order")
        assert (ids(uow, "O0"), ids(uow, "O-2")) == (["C0", "C2"], ["C1"])
        uow.commit()
    if earlier is not None:
        assert (ids(earlier, "O0"), ids(earlier, "O-2")) == (["C0", "C1", "C2"], [])
        earlier.__exit__(None, None, None)
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        assert (ids(uow, "O0"), ids(uow, "O-2")) == (["C0", "C2"], ["C1"])
        assert [r.record_id for r in uow.compliance.for_defendant("D0")] == ["C0", "C1", "C2"]
