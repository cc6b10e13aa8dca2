"""export(import(x)) == x, idempotent re-import, and the restricted compartment."""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.domain.lifecycles.notification_duty import part2_final_day
from spo_tracker.domain.notification import DutyState
from spo_tracker.domain.statutory_time import as_london_date, as_utc
from spo_tracker.errors import GuardRejectedError, ImportValidationError
from spo_tracker.interchange import Dataset, import_file, write_dataset
from spo_tracker.interchange._import import _header_noted
from spo_tracker.storage import InMemoryStore, Store, connect
from tests import strategies
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import (
    ACTOR,
    AT,
    Writer,
    changes,
    dataset_text,
    store_text,
)
from tests.interchange.strategies import datasets
from tests.storage import builders
from tests.storage.conftest import PostgresServer, fixed_clock

_FIXTURES = [HealthCheck.function_scoped_fixture]


def _round_trip(store: Store, path: Path, text: str) -> None:
    report = import_file(store, path, actor=ACTOR, at=AT)
    assert store_text(store, include_restricted=True) == text
    assert report.written > 0 or text.count("\n") == 1


@given(data=datasets())
@settings(suppress_health_check=_FIXTURES)
def test_export_of_import_gives_back_the_file_in_memory(data: Dataset, write: Writer) -> None:
    """A generated dataset's file, imported and exported again, is the same file."""
    text = dataset_text(data, include_restricted=True)
    _round_trip(InMemoryStore(clock=fixed_clock), write(text), text)


@given(data=datasets(max_incidents=4))
@settings(suppress_health_check=_FIXTURES, max_examples=15)
def test_export_of_import_gives_back_the_file_on_sqlite(
    data: Dataset, write: Writer, sqlite_template: Path, tmp_path: Path
) -> None:
    """The same on SQLite (fewer examples: each needs a fresh database file)."""
    database = tmp_path / f"round-{id(data)}.sqlite"
    shutil.copyfile(sqlite_template, database)
    text = dataset_text(data, include_restricted=True)
    store = connect(f"sqlite:///{database}", clock=fixed_clock)
    try:
        _round_trip(store, write(text), text)
    finally:
        store.close()
        database.unlink()


@pytest.mark.postgres
@given(data=datasets(max_incidents=4))
@settings(suppress_health_check=_FIXTURES, max_examples=5)
def test_export_of_import_gives_back_the_file_on_postgresql(
    data: Dataset, write: Writer, postgres_server: PostgresServer
) -> None:
    """The same on PostgreSQL (a fresh database per example, from the migrated template)."""
    name = postgres_server.create(template=postgres_server.template)
    text = dataset_text(data, include_restricted=True)
    store = connect(postgres_server.url_for(name), clock=fixed_clock)
    try:
        _round_trip(store, write(text), text)
    finally:
        store.close()
        postgres_server.drop_later(name)


@given(data=datasets())
@settings(suppress_health_check=_FIXTURES)
def test_reimporting_the_same_file_changes_nothing(data: Dataset, write: Writer) -> None:
    """A second import of a file writes nothing and adds no audit entry, but one noting
    the stored protected persons it named (not compared: a re-import must not confirm a guess)."""
    text = dataset_text(data)
    path = write(text)
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, path, actor=ACTOR, at=AT)
    before, entries = store_text(store), changes(store)
    again = import_file(store, path, actor=ACTOR, at=AT)
    assert again.written == 0
    assert again.unchanged == {
        k: v for k, v in again.records.items() if k not in ("identity", "location")
    }
    assert store_text(store) == before
    # Reads (the comparison, the export above) are consultations, not changes (DPA 2018 s.62).
    assert changes(store) == entries + (1 if data.protected_persons else 0)


def test_a_repeated_record_in_one_file_is_imported_once(write: Writer) -> None:
    """The same record twice in a file (same id, same content) is stored once."""
    data = Dataset(defendants=(builders.defendant("D1"),))
    lines = dataset_text(data).split("\n")[:-1]
    store = InMemoryStore(clock=fixed_clock)
    report = import_file(store, write("\n".join([*lines, lines[-1], ""])), actor=ACTOR, at=AT)
    assert report.created == {"person": 1}
    assert report.unchanged == {"person": 1}


def test_restricted_details_are_not_exported_by_default(write: Writer) -> None:
    """Without the option a protected person's address and places never leave the store."""
    data = Dataset(protected_persons=(builders.person("P1"),))
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write(dataset_text(data, include_restricted=True)), actor=ACTOR, at=AT)
    shared = store_text(store)
    assert "Safe House" not in shared
    assert '"restricted":false' in shared
    assert "B15 2TT" in store_text(store, include_restricted=True)


def test_reading_restricted_details_for_an_export_is_audited(write: Writer) -> None:
    """Every export reads the restricted details, and writes the read to the audit trail:
    one with restricted details to include them, a default one to redact free text."""
    data = Dataset(protected_persons=(builders.person("P1"),))
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write(dataset_text(data, include_restricted=True)), actor=ACTOR, at=AT)
    store_text(store)
    reads = [e for e in store.audit_entries() if e.event == "protected_person.restricted_read"]
    assert [(e.subject_id, e.actor_id) for e in reads] == [("P1", ACTOR.actor_id)]
    assert "redacting free text" in (reads[0].reason or "")
    store_text(store, include_restricted=True)
    reads = [e for e in store.audit_entries() if e.event == "protected_person.restricted_read"]
    assert [(e.subject_id, e.actor_id) for e in reads] == [("P1", ACTOR.actor_id)] * 2


def test_a_file_without_restricted_details_leaves_stored_ones_alone(write: Writer) -> None:
    """Re-importing a shared (unrestricted) file over a full record is not a conflict."""
    data = Dataset(protected_persons=(builders.person("P1"),))
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write(dataset_text(data, include_restricted=True)), actor=ACTOR, at=AT)
    report = import_file(store, write(dataset_text(data)), actor=ACTOR, at=AT)
    assert report.written == 0
    assert "Safe House" in store_text(store, include_restricted=True)


def test_restricted_details_in_an_unrestricted_file_are_refused(write: Writer) -> None:
    """A header saying restricted: false with restricted details in a record is an error."""
    text = dataset_text(
        Dataset(protected_persons=(builders.person("P1"),)), include_restricted=True
    )
    text = text.replace('"restricted":true', '"restricted":false', 1)
    with pytest.raises(ImportValidationError) as raised:
        import_file(InMemoryStore(clock=fixed_clock), write(text), actor=ACTOR, at=AT)
    assert [(i.line, i.field) for i in raised.value.errors] == [(2, "attributes.restricted")]


def test_an_import_is_one_audit_entry_naming_the_file(write: Writer) -> None:
    """The import itself is audited: the file's SHA-256, what was created, the header's source."""
    out = io.StringIO()
    write_dataset(out, Dataset(defendants=(builders.defendant("D1"),)), at=AT, source="20")
    path = write(out.getvalue())
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, path, actor=ACTOR, at=AT)
    (entry,) = [e for e in store.audit_entries() if e.event == "interchange.imported"]
    changes = json.loads(entry.changes)
    assert changes["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry.subject_id == f"sha256:{changes['sha256']}"  # never the file's name
    assert changes["created"] == {"person": 1}
    assert changes["header"]["source"] == "20"


def test_an_imports_audit_entry_keeps_no_name_or_address_from_the_files_name_or_header(
    tmp_path: Path,
) -> None:
    """The trail is append-only: a file named, or a header written, with a person's name,
    address or position keeps none of it there; the SHA-256 still names the file (a
    hostile review, 7 December 2026)."""
    out = io.StringIO()
    write_dataset(out, Dataset(defendants=(builders.defendant("D1"),)), at=AT, source="20")
    header, *rest = out.getvalue().splitlines(keepends=True)
    document = json.loads(header)
    document["generator"] = "Jane Moonstone lives at 14 Wrenfield Close"
    document["source"] = "B17 0QT 52.451234,-1.930345"
    path = tmp_path / "Jane Moonstone - 14 Wrenfield Close B17 0QT.jsonl"
    path.write_text(json.dumps(document) + "\n" + "".join(rest), encoding="utf-8")
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, path, actor=ACTOR, at=AT)
    (entry,) = [e for e in store.audit_entries() if e.event == "interchange.imported"]
    kept = f"{entry.subject_id} {entry.changes}"
    for secret in ("Moonstone", "Wrenfield", "B17", "52.45", "1.93"):
        assert secret not in kept
    assert json.loads(entry.changes)["header"]["created_at"] == document["created_at"]
    assert json.loads(entry.changes)["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_version_1_0_file_still_imports(write: Writer) -> None:
    """A 1.0 file (no compliance records) imports; its export differs only in the version."""
    data = attrs.evolve(full_dataset(), compliance=())
    text = dataset_text(data)
    old = text.replace('"version":"1.1"', '"version":"1.0"', 1)
    assert old != text
    store = InMemoryStore(clock=fixed_clock)
    assert import_file(store, write(old), actor=ACTOR, at=AT).written > 0
    assert store_text(store) == text


def test_compliance_before_its_order_is_written_after_it(write: Writer) -> None:
    """References may point to a later line: compliance lines first still import."""
    lines = dataset_text(full_dataset()).split("\n")[:-1]
    kept = [line for line in lines if '"type":"compliance"' not in line]
    moved = [line for line in lines if '"type":"compliance"' in line]
    assert len(moved) == 2
    reordered = [kept[0], *moved, *kept[1:]]
    store = InMemoryStore(clock=fixed_clock)
    report = import_file(store, write("\n".join(reordered) + "\n"), actor=ACTOR, at=AT)
    assert report.created["compliance"] == 2
    assert store_text(store) == dataset_text(full_dataset())


def _groups(lines: list[str]) -> list[list[str]]:
    """The record lines as movable groups: an order keeps its versions and terms after it."""
    groups: list[list[str]] = []
    for line in lines:
        if json.loads(line)["type"] in ("order_version", "term"):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


@given(
    data=datasets(), order=st.randoms(use_true_random=False), batch=st.sampled_from((1, 3, 5_000))
)
@settings(suppress_health_check=_FIXTURES)
def test_records_in_any_order_import_to_the_same_store(
    data: Dataset, order: random.Random, batch: int, write: Writer
) -> None:
    """A reference to a record may point to any line: the file's records shuffled (an order
    before its application, a compliance record before its order...) import to what the file
    in export order gives, whatever the batch size. Identities and locations (objects, not
    records) stay first: they must be defined before the lines that use them."""
    text = dataset_text(data, include_restricted=True)
    header, *records = text.splitlines()
    groups = _groups(records)
    objects = [g for g in groups if json.loads(g[0])["type"] in ("identity", "location")]
    movable = [g for g in groups if g not in objects]
    order.shuffle(movable)
    lines = (line for group in [*objects, *movable] for line in group)
    shuffled = "\n".join([header, *lines]) + "\n"
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write(shuffled), actor=ACTOR, at=AT, batch_size=batch)
    assert store_text(store, include_restricted=True) == text


def test_an_order_before_its_application_imports(write: Writer) -> None:
    """The full dataset with every application line moved to the end of the file."""
    text = dataset_text(full_dataset(), include_restricted=True)
    header, *records = text.splitlines()
    groups = _groups(records)
    applications = [g for g in groups if json.loads(g[0])["type"] == "application"]
    assert applications
    rest = [g for g in groups if json.loads(g[0])["type"] != "application"]
    moved = "\n".join([header, *(line for g in [*rest, *applications] for line in g)]) + "\n"
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write(moved), actor=ACTOR, at=AT, batch_size=1)
    assert store_text(store, include_restricted=True) == text


@given(registered=strategies.aware_datetimes(2025, 2030))
@settings(suppress_health_check=_FIXTURES)
def test_a_part_2_registration_comes_back_and_still_bounds_the_final_day(
    write: Writer, registered: pendulum.DateTime
) -> None:
    """SPA2019 s.9(5)-(6): the instant the defendant became subject to Part 2 survives a
    file, so a final day before its London day is still refused after the import."""
    exempt = attrs.evolve(
        full_dataset().duties[0], state=DutyState.EXEMPT, part2_registered_at=registered
    )
    data = attrs.evolve(full_dataset(), duties=(exempt,))
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write(dataset_text(data)), actor=ACTOR, at=AT)
    with store.unit_of_work(ACTOR, at=AT) as uow:
        duty = uow.notification_duties.get(exempt.duty_id)
    # The same instant, read back in UTC; compared in UTC because Python never counts a
    # time in a clock-change fold equal to the same instant in another zone.
    back = duty.part2_registered_at
    assert back is not None
    assert as_utc(back) == as_utc(registered)
    assert attrs.evolve(duty, part2_registered_at=registered) == exempt
    day, later = as_london_date(registered), registered.add(days=1)
    with pytest.raises(GuardRejectedError) as refused:
        part2_final_day(duty, at=later, actor="PPU", final_day=day.subtract(days=1))
    assert refused.value.guard == "final_day_after_registration"
    ended = part2_final_day(duty, at=later, actor="PPU", final_day=day).subject
    assert (ended.part2_final_day, ended.part2_registered_at) == (day, None)


@pytest.mark.parametrize(
    "source", ["B170QT", "B17-0QT", "12-LARK-RISE", "SARAH-COLLINS", "07700900123", "Collins"]
)
def test_a_header_source_that_is_not_a_force_code_is_not_kept(source: str) -> None:
    """Only a force's code (``20``, ``WMP``) goes into the append-only trail."""
    kept = _header_noted({"source": source, "generator": "spo-tracker 0.1.0"})
    assert kept["source"] != source
    assert kept["generator"] == "spo-tracker 0.1.0"
    assert _header_noted({"source": "20"})["source"] == "20"
