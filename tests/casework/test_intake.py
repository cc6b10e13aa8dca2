"""Idempotent intake: re-sent records skipped, conflicts named, concurrent intakes finish."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

import attrs
import pendulum
import pytest

from spo_tracker import casework
from spo_tracker.detection import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.errors import (
    DuplicateRecordError,
    InvalidValueError,
    RecordConflictError,
    UnknownCodeError,
)
from spo_tracker.storage import SqlStore, Store, UnitOfWork, verify
from tests.casework.conftest import ACTOR, BACKENDS, open_store
from tests.storage import builders

AT = pendulum.datetime(2026, 3, 20, 9, tz="UTC")
MONDAY = pendulum.datetime(2024, 3, 18, 10, tz="Europe/London")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty store on each backend, with an order O1 of D1 (T12 a sign-on schedule)."""
    opened = open_store(request, request.param)
    with opened.unit_of_work(ACTOR, at=AT) as uow:
        uow.defendants.add(builders.defendant("D1"))
        uow.protected_persons.add(builders.person("P1", restricted=False))
        uow.orders.add(builders.order("O1", "D1", ("P1",)))
        uow.commit()
    yield opened
    opened.close()


def _ingest(store: Store, items: list[Incident], **options: object) -> casework.IntakeResult:
    return casework.ingest(store, items, actor=ACTOR, at=AT, **options)  # type: ignore[arg-type]


def _stored(store: Store, keys: list[str]) -> dict[str, Incident]:
    with store.unit_of_work(ACTOR, at=AT) as uow:
        return uow.find_incidents(keys)


def sign_on(key: str, day: int) -> ComplianceRecord:
    """A sign-on under T12 of O1, ``day`` days after a Monday."""
    return ComplianceRecord(key, "D1", "O1", "T12", MONDAY.add(days=day), note="front desk")


def test_a_resent_export_is_skipped_and_counted(store: Store) -> None:
    """'The last 48 hours' twice: the overlap is skipped, the batch is not rolled back."""
    first = builders.incidents("I", 30)
    assert _ingest(store, first[:20], batch_size=7) == casework.IntakeResult(20, 0, 3)
    result = _ingest(store, first[10:], batch_size=7)
    assert result == casework.IntakeResult(added=10, skipped=10, batches=3)
    assert _stored(store, [i.incident_id for i in first]) == {i.incident_id: i for i in first}
    assert verify(store).ok


def test_running_the_same_intake_again_changes_nothing_but_the_audit(store: Store) -> None:
    """A second run adds nothing; its audit entries say what was skipped."""
    items = builders.incidents("J", 5)
    _ingest(store, items)
    assert _ingest(store, items) == casework.IntakeResult(0, 5, 1)
    last = list(store.audit_entries())[-1]
    assert last.event == "incidents.skipped"
    assert '"count":5' in str(last.changes)


def test_an_incident_repeated_in_one_input_is_stored_once(store: Store) -> None:
    """An exact repeat within the input counts as skipped."""
    (one,) = builders.incidents("K", 1)
    assert _ingest(store, [one, one]) == casework.IntakeResult(1, 1, 1)


def test_on_duplicate_error_refuses_an_incident_already_stored(store: Store) -> None:
    """The stored id is named; nothing of that batch is written."""
    items = builders.incidents("L", 3)
    _ingest(store, items[:1])
    with pytest.raises(DuplicateRecordError, match="L-000000") as caught:
        _ingest(store, items, on_duplicate="error")
    assert not isinstance(caught.value, RecordConflictError)
    assert set(_stored(store, [i.incident_id for i in items])) == {"L-000000"}


def test_the_same_id_with_other_content_names_the_field_never_the_value(store: Store) -> None:
    """A conflict names the id and the field; the summary itself is not in the message."""
    (one,) = builders.incidents("M", 1)
    _ingest(store, [one])
    changed = attrs.evolve(one, summary="lives at 12 Acacia Avenue")
    others = builders.incidents("N", 2)
    with pytest.raises(RecordConflictError) as caught:
        _ingest(store, [*others, changed])
    assert (caught.value.key, caught.value.field) == ("M-000000", "summary")
    assert "Acacia" not in str(caught.value)
    assert "summary" in str(caught.value)
    assert _stored(store, ["N-000000", "N-000001"]) == {}


def test_the_same_instant_in_another_zone_is_the_same_incident(store: Store) -> None:
    """Times are compared as instants: London and UTC readings of one moment agree."""
    (one,) = builders.incidents("Q", 1)
    _ingest(store, [one])
    utc = attrs.evolve(one, occurred_at=one.occurred_at.in_timezone("UTC"))
    assert _ingest(store, [utc]) == casework.IntakeResult(0, 1, 1)


def test_bad_options_and_items_are_typed_errors(store: Store) -> None:
    """on_duplicate, batch_size and the items are checked; nothing is written."""
    items = builders.incidents("R", 2)
    with pytest.raises(UnknownCodeError, match="'replace'"):
        _ingest(store, items, on_duplicate="replace")
    with pytest.raises(InvalidValueError, match="batch_size"):
        _ingest(store, items, batch_size=0)
    with pytest.raises(InvalidValueError, match=r"records\[1\]"):
        _ingest(store, [items[0], "R-1"])  # type: ignore[list-item]
    twice = attrs.evolve(items[0], summary="other")
    with pytest.raises(InvalidValueError, match="different summary"):
        _ingest(store, [items[0], twice])
    assert _stored(store, ["R-000000", "R-000001"]) == {}


def test_compliance_records_resent_are_skipped(store: Store) -> None:
    """ingest_compliance: new ones added, stored ones skipped, a change named by field."""
    records = [sign_on(f"C-{n}", n * 7) for n in range(4)]
    first = casework.ingest_compliance(store, records[:2], actor=ACTOR, at=AT)
    assert first == casework.IntakeResult(2, 0, 1)
    again = casework.ingest_compliance(store, records, actor=ACTOR, at=AT)
    assert again == casework.IntakeResult(2, 2, 1)
    moved = attrs.evolve(records[0], note="other desk")
    with pytest.raises(RecordConflictError) as caught:
        casework.ingest_compliance(store, [moved], actor=ACTOR, at=AT)
    assert (caught.value.key, caught.value.field) == ("C-0", "note")
    with pytest.raises(DuplicateRecordError):
        casework.ingest_compliance(store, records, actor=ACTOR, at=AT, on_duplicate="error")


def _together(workers: list[Callable[[], object]]) -> list[BaseException]:
    """Run ``workers`` on real threads released together; the errors they raised."""
    errors: list[BaseException] = []
    gate = threading.Barrier(len(workers))

    def run(work: Callable[[], object]) -> None:
        try:
            gate.wait(timeout=60)
            work()
        except BaseException as error:  # collected and checked by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    return errors


def _lookups_meet(monkeypatch: pytest.MonkeyPatch, store: Store, parties: int) -> None:
    """Make each thread's first id lookup wait for the others' (not on SQLite, whose write
    transactions already take turns), so every intake looks up before any inserts: the
    race a retry must survive, made certain rather than left to timing."""
    if isinstance(store, SqlStore) and store.backend == "sqlite":
        return
    gate, done = threading.Barrier(parties), threading.local()
    original = UnitOfWork.compare_incidents

    def compare_incidents(self: UnitOfWork, items: Sequence[Incident]) -> tuple[set[str], set[str]]:
        found = original(self, items)
        if not getattr(done, "met", False):
            done.met = True
            gate.wait(timeout=60)
        return found

    monkeypatch.setattr(UnitOfWork, "compare_incidents", compare_incidents)


def test_two_overlapping_intakes_at_once_both_finish(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads ingest overlapping incidents: no duplicate-key error, each stored once."""
    items = builders.incidents("S", 60)
    results: list[casework.IntakeResult] = []
    _lookups_meet(monkeypatch, store, 2)

    def intake(part: list[Incident]) -> Callable[[], None]:
        return lambda: results.append(_ingest(store, part))

    assert _together([intake(items[:40]), intake(items[20:])]) == []
    monkeypatch.undo()
    assert sum(r.added for r in results) == 60
    assert sum(r.skipped for r in results) == 20
    assert _stored(store, [i.incident_id for i in items]) == {i.incident_id: i for i in items}
    assert verify(store).ok


def test_ids_are_found_only_by_a_reference_column(store: Store) -> None:
    """Repository.ids_where: by defendant or order; another column is a typed error."""
    with store.unit_of_work(ACTOR, at=AT) as uow:
        assert uow.orders.ids_where("defendant_id", "D1") == ["O1"]
        assert uow.orders.ids_where("defendant_id", "D-none") == []
        with pytest.raises(InvalidValueError, match="'state'"):
            uow.orders.ids_where("state", "made")


def test_stored_rows_are_compared_without_reading_records(store: Store) -> None:
    """compare_incidents: re-sent as stored, stored otherwise, or not stored at all."""
    items = builders.incidents("U", 4)
    _ingest(store, items[:3])
    changed = attrs.evolve(items[1], evidence_refs=("EX/9", 'quote " and é'))
    with store.unit_of_work(ACTOR, at=AT) as uow:
        same, other = uow.compare_incidents([items[0], changed, items[2], items[3]])
    assert same == {"U-000000", "U-000002"}
    assert other == {"U-000001"}
