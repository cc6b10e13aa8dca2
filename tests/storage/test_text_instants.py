"""An instant column that a hand edit filled with text, bytes or a number no instant can be
(an infinity, a huge integer) on SQLite.

SQLite keeps any value in any column and sorts text and bytes after every number, so a
filter such as ``occurred_at < ?`` or ``at <= ?`` would leave such a row out without a
word: an incident would never be scanned, and a sign-on made would be reported missed.
Every read that filters on an instant refuses the first such record instead, by id and
column, never quoting the value (PostgreSQL's columns hold instants only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pendulum
import pytest

from spo_tracker.casework import run_detection
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import (
    SqlStore,
    Store,
    UnitOfWork,
    scan_incident_rows,
    scan_incidents,
)
from spo_tracker.storage._sql_records import SqlRecords
from tests.storage.conftest import ACTOR, BACKENDS
from tests.storage.hand_edits import (
    add_compliance_rows,
    each_refuses,
    edit,
    refusal,
    small_store,
)

UNTIL = pendulum.datetime(2025, 1, 1, tz="UTC")
EDITS = {
    "text": "'2024-06-01T08:00:00 yesterday'",
    "bytes": "x'00ff'",
    "infinity": "9e999",
    "minus-infinity": "-9e999",
    "past-2200": "9223372036854775807",
    "before-1900": "-9223372036854775807",
}
#: What a refusal must not quote of the values edited in.
HIDDEN = ("yesterday", "00ff", "17173152")


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlStore]:
    """O-1 of D-1 protecting P-1, incidents I-000000..I-000002 and compliance C-1, C-2."""
    found = small_store(sqlite_url, incidents=3)
    add_compliance_rows(found, {"C-1": 1717228800000000, "C-2": 1717315200000000})
    yield found
    found.close()


def _incident_scans(store: SqlStore, head: int) -> list[Callable[[], object]]:
    """Every read of incidents: the full scans (light rows and incidents) and the
    incremental reads (by defendant, by audit entries through ``head``)."""
    return [
        lambda: list(scan_incident_rows(store, until=UNTIL)),
        lambda: list(scan_incidents(store, until=UNTIL)),
        lambda: list(store.scan_rows_of(defendant_ids=["D-1"], actor_keys=[], until=UNTIL)),
        lambda: list(store.scan_recorded_rows(after=0, through=head, until=UNTIL)),
    ]


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_an_incident_instant_edited_into_text_is_refused_by_every_scan(
    store: SqlStore, value: str
) -> None:
    """The full scans (light rows and incidents) and the incremental reads (by audit
    batch, by defendant) refuse incident I-000001 naming it and ``occurred_at``."""
    assert len(list(scan_incident_rows(store, until=UNTIL))) == 3  # read before the edit
    edit(store, f"UPDATE incidents SET occurred_at = {value} WHERE incident_id = 'I-000001'")
    head = store.audit_head()
    assert head is not None
    each_refuses(_incident_scans(store, head[0]), ("incident", "I-000001", "occurred_at"), HIDDEN)


@pytest.mark.parametrize("value", EDITS.values(), ids=EDITS.keys())
def test_a_compliance_instant_edited_into_text_is_refused_by_every_filtered_read(
    store: SqlStore, value: str
) -> None:
    """The dated checks' reads that filter on the instant met refuse record C-2 naming it
    and ``at``, rather than leaving the sign-on out (a false "missed" alert)."""
    with store.unit_of_work(ACTOR) as uow:  # read before the edit
        assert len(uow.compliance.times_for_orders(["O-1"], until=UNTIL)) == 2
    edit(store, f"UPDATE compliance_records SET at = {value} WHERE record_id = 'C-2'")
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
        each_refuses(reads, ("compliance_record", "C-2", "at"), HIDDEN)


def test_a_detection_run_over_an_incident_edited_into_text_stores_nothing(
    store: SqlStore,
) -> None:
    """The run is refused naming the incident; no alert and no run is stored."""
    edit(store, "UPDATE incidents SET occurred_at = 'soon' WHERE incident_id = 'I-000002'")
    found = refusal(lambda: run_detection(store, at=UNTIL, actor=ACTOR))
    assert (found.key, found.field) == ("I-000002", "occurred_at")
    events = [e.event for e in store.audit_entries()]
    assert "detection.run" not in events
    assert "alerts.created" not in events


@pytest.mark.parametrize(
    "value", ["'2024-06-01T08:00:00 yesterday'", "x'00ff'", "1717315200000000.5"]
)
def test_the_record_reads_of_compliance_refuse_an_instant_edited_by_hand(
    store: SqlStore, value: str
) -> None:
    """``for_order``, ``for_orders`` and ``for_defendant`` (whole validated records) refuse
    record C-2 by id and column, never a bare TypeError and never a real number read as an
    instant rounded to the microsecond."""
    edit(store, f"UPDATE compliance_records SET at = {value} WHERE record_id = 'C-2'")
    with store.unit_of_work(ACTOR) as uow:
        reads: list[Callable[[], object]] = [
            lambda: uow.compliance.for_order("O-1"),
            lambda: uow.compliance.for_order("O-1", until=UNTIL),
            lambda: uow.compliance.for_orders(["O-1"]),
            lambda: uow.compliance.for_defendant("D-1"),
        ]
        each_refuses(reads, ("compliance_record", "C-2", "at"), HIDDEN)


def test_an_incident_instant_edited_into_a_real_number_is_refused(store: SqlStore) -> None:
    """An incident read whole refuses an occurrence SQLite holds as a real number by id and
    column, rather than reading it rounded to the microsecond."""
    edit(
        store, "UPDATE incidents SET occurred_at = occurred_at + 0.5 WHERE incident_id = 'I-000001'"
    )
    found = refusal(lambda: list(scan_incidents(store, until=UNTIL)))
    assert (found.kind, found.key) == ("incident", "I-000001")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "key", [5, None, ["O-1"], b"O-1", "O\x00-1"], ids=["int", "none", "list", "bytes", "nul"]
)
def test_records_looked_up_by_something_other_than_an_id_are_refused_naming_it(
    fresh_store: Store, backend: str, key: object
) -> None:
    """A typed error naming the argument, never the driver's binding error, an aborted
    transaction or an empty answer for a number."""
    reads: list[tuple[Callable[[UnitOfWork], object], str]] = [
        (lambda uow: uow.compliance.for_order(key), "order_id"),  # type: ignore[arg-type]
        (lambda uow: uow.compliance.for_defendant(key), "defendant_id"),  # type: ignore[arg-type]
        (lambda uow: uow.compliance.for_orders([key]), "order_ids[0]"),  # type: ignore[list-item]
        (lambda uow: uow.compliance.times_for_orders([key]), "order_ids[0]"),  # type: ignore[list-item]
        (lambda uow: uow.compliance.times_by_term([key]), "order_ids[0]"),  # type: ignore[list-item]
        (lambda uow: uow.breach_reviews.for_alert(key), "alert_id"),  # type: ignore[arg-type]
    ]
    with fresh_store.unit_of_work(ACTOR) as uow:
        for read, field in reads:
            with pytest.raises(InvalidValueError) as got:
                read(uow)
            assert got.value.field == field
        for many in (
            uow.compliance.for_orders,
            uow.compliance.times_for_orders,
            uow.compliance.times_by_term,
        ):
            with pytest.raises(InvalidValueError):
                many("O-1")  # a text is not a collection of ids
        assert uow.compliance.for_order("O-1") == []  # the unit of work is still usable


PG_EDITS = {
    "infinity": "'infinity'",
    "minus-infinity": "'-infinity'",
    "year-4000": "'4000-01-01T00:00:00Z'",
    "year-1800": "'1800-01-01T00:00:00Z'",
}


@pytest.mark.postgres
@pytest.mark.parametrize("value", PG_EDITS.values(), ids=PG_EDITS.keys())
def test_an_instant_postgresql_holds_out_of_range_is_refused_by_every_filtered_read(
    postgres_url: str, value: str
) -> None:
    """PostgreSQL's ``timestamptz`` takes ``'infinity'`` and any year: an incident or a
    compliance record edited so is refused by id and column by the scans and the dated
    checks' reads, rather than dropping out of their filters (a sign-on reported missed,
    an incident never scanned)."""
    store = small_store(postgres_url, incidents=3)
    try:
        add_compliance_rows(store, {"C-1": 1717228800000000, "C-2": 1717315200000000})
        edit(store, f"UPDATE incidents SET occurred_at = {value} WHERE incident_id = 'I-000001'")
        edit(store, f"UPDATE compliance_records SET at = {value} WHERE record_id = 'C-2'")
        head = store.audit_head()
        assert head is not None
        scans = [
            *_incident_scans(store, head[0]),
            lambda: run_detection(store, at=UNTIL, actor=ACTOR),
        ]
        each_refuses(scans, ("incident", "I-000001", "occurred_at"), ["infinity", "4000"])
        early = pendulum.datetime(2024, 1, 1, tz="UTC")
        reads: list[Callable[[UnitOfWork], object]] = [
            lambda uow: uow.compliance.times_for_orders(["O-1"], until=UNTIL),
            lambda uow: uow.compliance.times_by_term(["O-1"], until=UNTIL),
            lambda uow: uow.compliance.orders_met_between(early, UNTIL),
        ]
        for read in reads:  # each in its own unit of work: a refusal ends its transaction
            with store.unit_of_work(ACTOR) as uow:
                each_refuses([functools.partial(read, uow)], ("compliance_record", "C-2", "at"))
    finally:
        store.close()


REPORT_EDITS = {
    "text": "'soon'",
    "bytes": "x'01'",
    "infinity": "9e999",
    "past-2200": "9223372036854775807",
    "half": "reported_at + 0.5",
}


@pytest.mark.parametrize("value", REPORT_EDITS.values(), ids=REPORT_EDITS.keys())
def test_a_report_time_edited_by_hand_is_refused_by_name_by_a_detection_run(
    sqlite_url: str, value: str
) -> None:
    """The light scan refuses a tested row whose report time is not whole microseconds
    in the supported range (never a bare TypeError or OverflowError), and the run falls
    back to the read that names the incident and column; nothing is stored."""
    store = small_store(sqlite_url, incidents=3, target_person_id="P-1")
    try:
        edit(store, f"UPDATE incidents SET reported_at = {value} WHERE incident_id = 'I-000001'")
        found = refusal(lambda: run_detection(store, at=UNTIL, actor=ACTOR))
        assert (found.kind, found.key, found.field) == ("incident", "I-000001", "reported_at")
        assert "detection.run" not in [e.event for e in store.audit_entries()]
    finally:
        store.close()


def test_a_fractional_occurrence_is_refused_by_name_by_a_detection_run(store: SqlStore) -> None:
    """An occurrence SQLite holds as a real number inside the range passes the index probe:
    the light scan refuses it when it tests the row, the run names it, and the light row's
    own ``occurred_at`` is a typed error naming the incident."""
    edit(
        store, "UPDATE incidents SET occurred_at = occurred_at + 0.5 WHERE incident_id = 'I-000001'"
    )
    found = refusal(lambda: run_detection(store, at=UNTIL, actor=ACTOR))
    assert (found.kind, found.key, found.field) == ("incident", "I-000001", "occurred_at")
    row = next(r for r in scan_incident_rows(store, until=UNTIL) if r.incident_id == "I-000001")
    with pytest.raises(InvalidValueError, match="I-000001"):
        _ = row.occurred_at


def test_a_record_mended_between_the_two_reads_is_still_a_typed_refusal(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``for_order`` reads an unreadable record, then reads again in bulk to name it; if
    that read refuses nothing (the record was mended in between), the first error stands
    as a StoredRecordError of the kind, never a bare TypeError."""
    edit(store, "UPDATE compliance_records SET at = 'soon' WHERE record_id = 'C-2'")
    monkeypatch.setattr(SqlRecords, "load_many_revisions", lambda self, mapper, keys: {})
    with store.unit_of_work(ACTOR) as uow:
        found = refusal(lambda: uow.compliance.for_order("O-1"))
    assert (found.kind, found.key) == ("compliance_record", None)
    assert "soon" not in str(found)


@pytest.mark.postgres
@pytest.mark.parametrize("value", ["'infinity'", "'-infinity'"])
def test_a_report_time_postgresql_cannot_convert_is_refused_by_name(
    postgres_url: str, value: str
) -> None:
    """A report time of ``'infinity'`` stops the scan's query on the server (it cannot be
    converted to microseconds) or its driver: the scans and a detection run then name the
    incident and column rather than give the driver's error alone; nothing is stored."""
    store = small_store(postgres_url, incidents=3, target_person_id="P-1")
    try:
        edit(store, f"UPDATE incidents SET reported_at = {value} WHERE incident_id = 'I-000001'")
        reads: list[Callable[[], object]] = [
            lambda: list(scan_incident_rows(store, until=UNTIL)),
            lambda: list(scan_incidents(store, until=UNTIL)),
            lambda: run_detection(store, at=UNTIL, actor=ACTOR),
        ]
        each_refuses(reads, ("incident", "I-000001", "reported_at"))
        assert "detection.run" not in [e.event for e in store.audit_entries()]
    finally:
        store.close()
