"""A boolean column that a hand edit filled with something other than 0 or 1 on SQLite.

SQLite has no boolean type and keeps any value; a truth test reads the text ``'false'``
as true. Every read refuses such a record by id and column instead (PostgreSQL's
columns hold booleans only).
"""

from __future__ import annotations

from collections.abc import Callable

import pendulum
import pytest
import sqlalchemy as sa

from spo_tracker.casework import run_detection
from spo_tracker.errors import StoredRecordError
from spo_tracker.storage import SqlStore, connect, scan_incident_rows, scan_incidents
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock

UNTIL = pendulum.datetime(2025, 1, 1, tz="UTC")
EDITS = {"false": "'false'", "two": "2", "half": "0.5", "bytes": "x'01'"}


def _store(url: str) -> SqlStore:
    store: SqlStore = connect(url, clock=fixed_clock)
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D-1"))
        uow.protected_persons.add(builders.person("P-1"))
        uow.orders.add(builders.order("O-1", "D-1", ("P-1",)))
        uow.add_incidents(builders.incidents("I", 3, defendant_id="D-1", target_person_id="P-1"))
        uow.commit()
    return store


def _edit(store: SqlStore, sql: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql))


def _refused(read: Callable[[], object]) -> StoredRecordError:
    with pytest.raises(StoredRecordError) as got:
        read()
    return got.value


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_an_incident_flag_edited_by_hand_is_refused_by_name(sqlite_url: str, value: str) -> None:
    """The incident scan, the lookup by id and a detection run refuse I-000000 naming it
    and ``via_third_party``; nothing is stored by the run."""
    store = _store(sqlite_url)
    try:
        assert len(list(scan_incident_rows(store, until=UNTIL))) == 3
        edit = f"UPDATE incidents SET via_third_party = {value} WHERE incident_id = 'I-000000'"
        _edit(store, edit)

        def looked_up() -> object:
            with store.unit_of_work(ACTOR) as uow:
                return uow.find_incidents(["I-000000"])

        reads: list[Callable[[], object]] = [
            lambda: list(scan_incidents(store, until=UNTIL)),
            looked_up,
            lambda: run_detection(store, at=UNTIL, actor=ACTOR),
        ]
        for read in reads:
            refusal = _refused(read)
            assert (refusal.kind, refusal.key, refusal.field) == (
                "incident",
                "I-000000",
                "via_third_party",
            )
            assert "false" not in str(refusal)
        assert "detection.run" not in [e.event for e in store.audit_entries()]
    finally:
        store.close()


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_an_order_flag_edited_by_hand_is_refused_by_name(sqlite_url: str, value: str) -> None:
    """An order whose ``appeal_pending`` is neither 0 nor 1 is refused by id and column by
    the single and the bulk read, rather than read as an appeal pending."""
    store = _store(sqlite_url)
    try:
        _edit(store, f"UPDATE orders SET appeal_pending = {value} WHERE order_id = 'O-1'")
        with store.unit_of_work(ACTOR) as uow:
            for read in (lambda: uow.orders.get("O-1"), lambda: uow.orders.get_many(["O-1"])):
                refusal = _refused(read)
                assert (refusal.kind, refusal.key, refusal.field) == (
                    "order",
                    "O-1",
                    "appeal_pending",
                )
    finally:
        store.close()


def test_flags_stored_by_the_library_read_back(sqlite_url: str) -> None:
    """0 and 1 (what the library writes) read back as False and True."""
    store = _store(sqlite_url)
    try:
        with store.unit_of_work(ACTOR) as uow:
            found = uow.find_incidents(["I-000000", "I-000001"])
            assert [found[k].via_third_party for k in sorted(found)] == [False, True]
            assert uow.orders.get("O-1").appeal_pending is False
    finally:
        store.close()
