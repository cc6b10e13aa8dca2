"""An instant column that a hand edit filled with text, bytes or a number no instant can be
(an infinity, a huge integer) on SQLite.

SQLite keeps any value in any column and sorts text and bytes after every number, so a
filter such as ``occurred_at < ?`` or ``at <= ?`` would leave such a row out without a
word: an incident would never be scanned, and a sign-on made would be reported missed.
Every read that filters on an instant refuses the first such record instead, by id and
column, never quoting the value (PostgreSQL's columns hold instants only).
"""

from __future__ import annotations

from collections.abc import Callable

import pendulum
import pytest
import sqlalchemy as sa

from spo_tracker.casework import run_detection
from spo_tracker.errors import InvalidValueError, StoredRecordError
from spo_tracker.storage import (
    SqlStore,
    Store,
    connect,
    scan_incident_rows,
    scan_incidents,
)
from tests.storage import builders
from tests.storage.conftest import ACTOR, BACKENDS, fixed_clock

UNTIL = pendulum.datetime(2025, 1, 1, tz="UTC")
EDITS = {
    "text": "'2024-06-01T08:00:00 yesterday'",
    "bytes": "x'00ff'",
    "infinity": "9e999",
    "minus-infinity": "-9e999",
    "past-2200": "9223372036854775807",
    "before-1900": "-9223372036854775807",
}


def _store(url: str) -> SqlStore:
    """Defendant D-1, person P-1, order O-1, incidents I-1..I-3 and compliance records."""
    store: SqlStore = connect(url, clock=fixed_clock)
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D-1"))
        uow.protected_persons.add(builders.person("P-1"))
        uow.orders.add(builders.order("O-1", "D-1", ("P-1",)))
        uow.add_incidents(builders.incidents("I", 3, defendant_id="D-1"))
        uow.commit()
    insert = (
        "INSERT INTO compliance_records (record_id, defendant_id, order_id, term_id, at, "
        "at_tz, recorded_by, note, revision) VALUES (:k, 'D-1', 'O-1', 'T1', :at, "
        "'Europe/London', NULL, '', 1)"
    )
    with store.engine.begin() as conn:
        conn.execute(sa.text(insert), [{"k": "C-1", "at": 1717228800000000}])
        conn.execute(sa.text(insert), [{"k": "C-2", "at": 1717315200000000}])
    return store


def _edit(store: SqlStore, sql: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql))


def _refused(read: Callable[[], object]) -> StoredRecordError:
    with pytest.raises(StoredRecordError) as got:
        read()
    return got.value


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_an_incident_instant_edited_into_text_is_refused_by_every_scan(
    sqlite_url: str, value: str
) -> None:
    """The full scans (light rows and incidents) and the incremental reads (by audit
    batch, by defendant) refuse incident I-000001 naming it and ``occurred_at``."""
    store = _store(sqlite_url)
    try:
        assert len(list(scan_incident_rows(store, until=UNTIL))) == 3  # read before the edit
        _edit(store, f"UPDATE incidents SET occurred_at = {value} WHERE incident_id = 'I-000001'")
        head = store.audit_head()
        assert head is not None
        reads: list[Callable[[], object]] = [
            lambda: list(scan_incident_rows(store, until=UNTIL)),
            lambda: list(scan_incidents(store, until=UNTIL)),
            lambda: list(store.scan_rows_of(defendant_ids=["D-1"], actor_keys=[], until=UNTIL)),
            lambda: list(store.scan_recorded_rows(after=0, through=head[0], until=UNTIL)),
        ]
        for read in reads:
            refusal = _refused(read)
            assert (refusal.kind, refusal.key, refusal.field) == (
                "incident",
                "I-000001",
                "occurred_at",
            )
            assert "yesterday" not in str(refusal)
            assert "00ff" not in str(refusal)
    finally:
        store.close()


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_a_compliance_instant_edited_into_text_is_refused_by_every_filtered_read(
    sqlite_url: str, value: str
) -> None:
    """The dated checks' reads that filter on the instant met refuse record C-2 naming it
    and ``at``, rather than leaving the sign-on out (a false "missed" alert)."""
    store = _store(sqlite_url)
    try:
        with store.unit_of_work(ACTOR) as uow:  # read before the edit
            assert len(uow.compliance.times_for_orders(["O-1"], until=UNTIL)) == 2
        _edit(store, f"UPDATE compliance_records SET at = {value} WHERE record_id = 'C-2'")
        early = pendulum.datetime(2024, 1, 1, tz="UTC")
        with store.unit_of_work(ACTOR) as uow:
            reads: list[Callable[[], object]] = [
                lambda: uow.compliance.times_for_orders(["O-1"], until=UNTIL),
                lambda: uow.compliance.times_by_term(["O-1"], until=UNTIL),
                lambda: uow.compliance.times_by_term(
                    ["O-1"], until=UNTIL, since=early, whole_terms=[("O-1", "T1")]
                ),
                lambda: uow.compliance.orders_met_between(early, UNTIL),
            ]
            for read in reads:
                refusal = _refused(read)
                assert (refusal.kind, refusal.key, refusal.field) == (
                    "compliance_record",
                    "C-2",
                    "at",
                )
                assert "yesterday" not in str(refusal)
    finally:
        store.close()


def test_a_detection_run_over_an_incident_edited_into_text_stores_nothing(
    sqlite_url: str,
) -> None:
    """The run is refused naming the incident; no alert and no run is stored."""
    store = _store(sqlite_url)
    try:
        _edit(store, "UPDATE incidents SET occurred_at = 'soon' WHERE incident_id = 'I-000002'")
        refusal = _refused(lambda: run_detection(store, at=UNTIL, actor=ACTOR))
        assert (refusal.key, refusal.field) == ("I-000002", "occurred_at")
        events = [e.event for e in store.audit_entries()]
        assert "detection.run" not in events
        assert "alerts.created" not in events
    finally:
        store.close()


@pytest.mark.parametrize(
    "value", ["'2024-06-01T08:00:00 yesterday'", "x'00ff'", "1717315200000000.5"]
)
def test_the_record_reads_of_compliance_refuse_an_instant_edited_by_hand(
    sqlite_url: str, value: str
) -> None:
    """``for_order``, ``for_orders`` and ``for_defendant`` (whole validated records) refuse
    record C-2 by id and column, never a bare TypeError and never a real number read as an
    instant rounded to the microsecond."""
    store = _store(sqlite_url)
    try:
        _edit(store, f"UPDATE compliance_records SET at = {value} WHERE record_id = 'C-2'")
        with store.unit_of_work(ACTOR) as uow:
            reads: list[Callable[[], object]] = [
                lambda: uow.compliance.for_order("O-1"),
                lambda: uow.compliance.for_order("O-1", until=UNTIL),
                lambda: uow.compliance.for_orders(["O-1"]),
                lambda: uow.compliance.for_defendant("D-1"),
            ]
            for read in reads:
                refusal = _refused(read)
                assert (refusal.kind, refusal.key, refusal.field) == (
                    "compliance_record",
                    "C-2",
                    "at",
                )
                assert "yesterday" not in str(refusal)
                assert "17173152" not in str(refusal)
    finally:
        store.close()


def test_an_incident_instant_edited_into_a_real_number_is_refused(sqlite_url: str) -> None:
    """An incident read whole refuses an occurrence SQLite holds as a real number by id and
    column, rather than reading it rounded to the microsecond."""
    store = _store(sqlite_url)
    try:
        _edit(
            store,
            "UPDATE incidents SET occurred_at = occurred_at + 0.5 WHERE incident_id = 'I-000001'",
        )
        refusal = _refused(lambda: list(scan_incidents(store, until=UNTIL)))
        assert (refusal.kind, refusal.key) == ("incident", "I-000001")
    finally:
        store.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("key", [5, None, ["O-1"], b"O-1"], ids=["int", "none", "list", "bytes"])
def test_compliance_looked_up_by_something_other_than_an_id_is_refused_naming_it(
    fresh_store: Store, backend: str, key: object
) -> None:
    """A typed error naming the argument, never the driver's binding error or an empty
    answer for a number."""
    with fresh_store.unit_of_work(ACTOR) as uow:
        for read, field in (
            (lambda: uow.compliance.for_order(key), "order_id"),  # type: ignore[arg-type]
            (lambda: uow.compliance.for_defendant(key), "defendant_id"),  # type: ignore[arg-type]
            (lambda: uow.compliance.for_orders([key]), "order_ids[0]"),  # type: ignore[list-item]
        ):
            with pytest.raises(InvalidValueError) as got:
                read()
            assert got.value.field == field
        with pytest.raises(InvalidValueError):
            uow.compliance.for_orders("O-1")
