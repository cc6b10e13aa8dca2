"""A boolean column that a hand edit filled with something other than 0 or 1 on SQLite.

SQLite has no boolean type and keeps any value; a truth test reads the text ``'false'``
as true. Every read refuses such a record by id and column instead (PostgreSQL's
columns hold booleans only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pendulum
import pytest

from spo_tracker.casework import run_detection
from spo_tracker.storage import SqlStore, scan_incident_rows, scan_incidents
from tests.storage.conftest import ACTOR
from tests.storage.hand_edits import each_refuses, edit, small_store

UNTIL = pendulum.datetime(2025, 1, 1, tz="UTC")
EDITS = {"false": "'false'", "two": "2", "half": "0.5", "bytes": "x'01'"}


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlStore]:
    """O-1 of D-1 protecting P-1, and incidents I-000000..I-000002 aimed at P-1."""
    found = small_store(sqlite_url, incidents=3, target_person_id="P-1")
    yield found
    found.close()


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_an_incident_flag_edited_by_hand_is_refused_by_name(store: SqlStore, value: str) -> None:
    """The incident scan, the lookup by id and a detection run refuse I-000000 naming it
    and ``via_third_party``; nothing is stored by the run."""
    assert len(list(scan_incident_rows(store, until=UNTIL))) == 3
    edit(store, f"UPDATE incidents SET via_third_party = {value} WHERE incident_id = 'I-000000'")

    def looked_up() -> object:
        with store.unit_of_work(ACTOR) as uow:
            return uow.find_incidents(["I-000000"])

    reads: list[Callable[[], object]] = [
        lambda: list(scan_incidents(store, until=UNTIL)),
        looked_up,
        lambda: run_detection(store, at=UNTIL, actor=ACTOR),
    ]
    each_refuses(reads, ("incident", "I-000000", "via_third_party"), ["'false'"])
    assert "detection.run" not in [e.event for e in store.audit_entries()]


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_an_order_flag_edited_by_hand_is_refused_by_name(store: SqlStore, value: str) -> None:
    """An order whose ``appeal_pending`` is neither 0 nor 1 is refused by id and column by
    the single and the bulk read, rather than read as an appeal pending."""
    edit(store, f"UPDATE orders SET appeal_pending = {value} WHERE order_id = 'O-1'")
    with store.unit_of_work(ACTOR) as uow:
        reads = (lambda: uow.orders.get("O-1"), lambda: uow.orders.get_many(["O-1"]))
        each_refuses(reads, ("order", "O-1", "appeal_pending"), ["'false'"])


def test_flags_stored_by_the_library_read_back(store: SqlStore) -> None:
    """0 and 1 (what the library writes) read back as False and True."""
    with store.unit_of_work(ACTOR) as uow:
        found = uow.find_incidents(["I-000000", "I-000001"])
        assert [found[k].via_third_party for k in sorted(found)] == [False, True]
        assert uow.orders.get("O-1").appeal_pending is False
