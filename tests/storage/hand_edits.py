"""Helpers for tests of values edited by hand in an SQLite database (past the library's
checks, as anyone with write access to the file could): a small store to edit, the edit,
and the refusal expected of every read."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
import sqlalchemy as sa

from spo_tracker.errors import StoredRecordError
from spo_tracker.storage import SqlStore, connect
from spo_tracker.storage._types import from_epoch_us
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock

#: A compliance record as a row, against order O-1's term T1 of defendant D-1.
COMPLIANCE_ROW = (
    "INSERT INTO compliance_records (record_id, defendant_id, order_id, term_id, at, "
    "at_tz, recorded_by, note, revision) VALUES (:k, 'D-1', 'O-1', 'T1', :at, "
    "'Europe/London', NULL, '', 1)"
)


def small_store(url: str, *, incidents: int = 0, **incident_changes: object) -> SqlStore:
    """A store at ``url`` holding defendant D-1, person P-1, their order O-1 and
    ``incidents`` incidents I-000000... of D-1 (with ``incident_changes``)."""
    store: SqlStore = connect(url, clock=fixed_clock)
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D-1"))
        uow.protected_persons.add(builders.person("P-1"))
        uow.orders.add(builders.order("O-1", "D-1", ("P-1",)))
        if incidents:
            uow.add_incidents(
                builders.incidents("I", incidents, defendant_id="D-1", **incident_changes)
            )
        uow.commit()
    return store


def add_compliance_rows(store: SqlStore, instants: dict[str, int]) -> None:
    """Compliance records of O-1's term T1 by id, each met at its microseconds, as rows
    (the order has no positive requirement to record them against)."""
    sqlite = store.url.is_sqlite  # PostgreSQL's column takes the instant itself
    rows = [{"k": k, "at": at if sqlite else from_epoch_us(at)} for k, at in instants.items()]
    with store.engine.begin() as conn:
        conn.execute(sa.text(COMPLIANCE_ROW), rows)


def edit(store: SqlStore, sql: str) -> None:
    """Run ``sql`` on the store's database, committed."""
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql))


def refusal(read: Callable[[], object]) -> StoredRecordError:
    """The StoredRecordError ``read`` raises."""
    with pytest.raises(StoredRecordError) as got:
        read()
    return got.value


def each_refuses(
    reads: Iterable[Callable[[], object]],
    named: tuple[str, str, str],
    hidden: Iterable[str] = (),
) -> None:
    """Every read raises a StoredRecordError naming ``(kind, key, field)`` and quoting none
    of ``hidden``."""
    for read in reads:
        found = refusal(read)
        assert (found.kind, found.key, found.field) == named
        for text in hidden:
            assert text not in str(found)
