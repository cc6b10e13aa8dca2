"""A default export scrubs every free-text field; an export with restricted details does not.

A file is built from the full dataset with a protected person's name, street,
postcode and home coordinates planted in every free-text field of every record
type (:data:`~spo_tracker.interchange._export.FREE_TEXT`), imported into each
backend, and exported again. Leaks are looked for independently of the
redaction under test: each planted string as typed, or with only whitespace
removed and case ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.cli import main
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.people import Address, ProtectedPerson, RestrictedDetails
from spo_tracker.domain.redaction import ForceScrubber, Redactor
from spo_tracker.errors import ImportValidationError
from spo_tracker.interchange import Dataset, import_file, interchange_schema
from spo_tracker.interchange._export import FREE_TEXT
from spo_tracker.storage import InMemoryStore, Store, connect
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import ACTOR, AT, Writer, changes, dataset_text, store_text
from tests.storage.conftest import fixed_clock

Record = dict[str, Any]

NAME: Final = "Sarah Quenby"
STREET: Final = "14 Wren Close"
POSTCODE: Final = "B17 0QT"
LAT, LON = 52.4589, -1.9546
#: What is planted in every free-text field: the protected person's name, street, postcode
#: and home position, once as typed and once respaced.
PLANTED: Final = (
    f"{NAME}, I know you live at {STREET}, {POSTCODE} ({LAT}, {LON}); "
    "also QUENBY at 14 wren close b170qt"
)
#: The strings that must not appear in a default export (outside the person's own name).
SECRETS: Final = (NAME, "Sarah", "Quenby", STREET, "Wren Close", POSTCODE, str(LAT), str(LON))
#: Term text that names a protected place is refused on entry, so not planted.
_TERM_TEXT: Final = frozenset({"label", "name", "description", "station"})


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _leaks(text: str) -> list[str]:
    squeezed = _squeezed(text)
    return [s for s in SECRETS if s in text or _squeezed(s) in squeezed]


def _plant(value: Any, free: bool, kind: str, planted: list[str]) -> Any:
    if isinstance(value, str) and free:
        return PLANTED
    if isinstance(value, list):
        return [_plant(v, free, kind, planted) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            plant = key in FREE_TEXT and not (kind == "term" and key in _TERM_TEXT)
            if plant and isinstance(item, str | list):
                planted.append(f"{kind}.{key}")
            out[key] = _plant(item, plant, kind, planted)
        return out
    return value


def planted_records() -> tuple[list[Record], list[str]]:
    """The full dataset's records with P1's details replaced by the planted ones and the
    planted text in every free-text field; and where it was planted (``type.field``)."""
    lines = dataset_text(full_dataset(), include_restricted=True).split("\n")[:-1]
    records = [json.loads(line) for line in lines]
    planted: list[str] = []
    out = [records[0]]
    for record in records[1:]:
        if record["type"] == "person" and record["id"] == "P1":
            record["attributes"]["name"] = NAME
            record["attributes"]["restricted"]["address"] = {
                "lines": [STREET, "Birmingham"],
                "postcode": POSTCODE,
                "geometry": {"type": "Point", "coordinates": [LON, LAT]},
            }
        elif record["type"] not in ("person", "identity", "location"):
            record["attributes"] = _plant(record["attributes"], False, record["type"], planted)
        out.append(record)
    return out, planted


def planted_text() -> str:
    records, _ = planted_records()
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _fields(text: str) -> Iterator[tuple[Record, str]]:
    for line in text.split("\n")[1:-1]:
        yield json.loads(line), line


def test_every_record_type_with_free_text_is_planted() -> None:
    """The plant reaches every record type that has free text (a guard on the test)."""
    _, planted = planted_records()
    kinds = {p.split(".")[0] for p in planted}
    assert kinds >= {
        "incident",
        "application",
        "order",
        "order_version",
        "notification_duty",
        "compliance",
        "alert",
    }, kinds


def _check(store: Store, write: Writer) -> None:
    import_file(store, write(planted_text()), actor=ACTOR, at=AT)
    shared = store_text(store)
    header = json.loads(shared.split("\n")[0])
    assert header["restricted"] is False
    for record, line in _fields(shared):
        if record["type"] == "person" and record["id"] == "P1":
            # The person's own record keeps its name (not a restricted detail) and nothing else.
            assert "restricted" not in record["attributes"]
            line = line.replace(NAME, "")
        assert not _leaks(line), (record["type"], _leaks(line))
        assert not list(_VALIDATOR.iter_errors(record)), record
    full = store_text(store, include_restricted=True)
    for record, line in _fields(full):
        if record["type"] not in ("person", "identity", "location", "term"):
            assert PLANTED in line, record["type"]
    reads = [e for e in store.audit_entries() if e.event == "protected_person.restricted_read"]
    assert {e.subject_id for e in reads} >= {"P1"}
    assert all(e.actor_id == ACTOR.actor_id for e in reads)


_VALIDATOR: Final = jsonschema_rs.validator_for(interchange_schema())


def test_default_export_is_scrubbed_in_memory(write: Writer) -> None:
    """Memory: no planted value in a default export, each verbatim with restricted details."""
    _check(InMemoryStore(clock=fixed_clock), write)


def test_default_export_is_scrubbed_on_sqlite(write: Writer, sqlite_url: str) -> None:
    """The same on SQLite."""
    store = connect(sqlite_url, clock=fixed_clock)
    try:
        _check(store, write)
    finally:
        store.close()


@pytest.mark.postgres
def test_default_export_is_scrubbed_on_postgresql(write: Writer, postgres_url: str) -> None:
    """The same on PostgreSQL."""
    store = connect(postgres_url, clock=fixed_clock)
    try:
        _check(store, write)
    finally:
        store.close()


def test_a_dataset_export_is_scrubbed_too() -> None:
    """``write_dataset`` scrubs like ``write_store`` (its persons' details at hand)."""
    person = ProtectedPerson(
        "P1", NAME, RestrictedDetails(Address((STREET,), POSTCODE, GeoPoint(LAT, LON)))
    )
    incident = Incident(
        incident_id="I-1",
        occurred_at=AT,
        kind=IncidentKind.SIGHTING,
        summary=f"Sarah, I know you live at {STREET}, {POSTCODE}",
        target_person_id="P1",
    )
    data = Dataset(protected_persons=(person,), incidents=(incident,))
    lines = dataset_text(data).split("\n")
    assert not _leaks(lines[-2])
    assert "I know you live at" in lines[-2]
    assert STREET in dataset_text(data, include_restricted=True).split("\n")[-2]


def test_reimporting_a_scrubbed_export_into_its_source_is_refused_whole(write: Writer) -> None:
    """A scrubbed export differs from its source wherever text was redacted, so importing it
    back is refused as a conflict (same ids, different content): nothing is overwritten."""
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write(planted_text()), actor=ACTOR, at=AT)
    before, entries = store_text(store, include_restricted=True), changes(store)
    with pytest.raises(ImportValidationError) as raised:
        import_file(store, write(store_text(store)), actor=ACTOR, at=AT)
    issues = [str(issue) for issue in raised.value.errors]
    assert issues
    assert all("different content" in issue for issue in issues), issues
    assert not _leaks(str(raised.value)), str(raised.value)
    assert not any(_leaks(issue) for issue in issues)
    assert store_text(store, include_restricted=True) == before
    assert changes(store) == entries


def test_reimporting_an_unchanged_scrubbed_export_writes_nothing(write: Writer) -> None:
    """Where nothing was redacted, a default export re-imports as already stored."""
    store = InMemoryStore(clock=fixed_clock)
    import_file(
        store, write(dataset_text(full_dataset(), include_restricted=True)), actor=ACTOR, at=AT
    )
    report = import_file(store, write(store_text(store)), actor=ACTOR, at=AT)
    assert report.written == 0


_PEOPLE: Final = {
    f"P{i}": ProtectedPerson(
        f"P{i}",
        name,
        RestrictedDetails(
            Address((street, "Birmingham"), postcode, GeoPoint(52.4 + i / 100, -1.9))
        ),
    )
    for i, (name, street, postcode) in enumerate(
        [
            (NAME, STREET, POSTCODE),
            ("Al Bo", "3 Safe House Lane", "B15 2TT"),
            ("Jane Doe", "Flat 2, 7 Acacia Avenue", "B13 9QT"),
        ]
    )
}


@given(
    text=st.lists(
        st.sampled_from(
            [
                "Sarah",
                "QUENBY",
                "14 wren close",
                "b170qt",
                "al",
                "Al Bo",
                "7 Acacia Ave",
                "B13  9QT",
                "52.4589, -1.9546",
                "Birmingham",
                "the shop",
                "Jane",
                "\u00a0",
                " ",
                ", ",
            ]
        )
        | st.text(max_size=6),
        max_size=8,
    ).map("".join)
)
def test_the_export_scrubs_exactly_as_the_redactor_with_every_person(text: str) -> None:
    """The export's indexed scrubber gives the redactor's answer with every person in scope."""
    everyone = Redactor(_PEOPLE, include_names=False).scrub_wording(text, sorted(_PEOPLE))
    assert ForceScrubber(_PEOPLE)(text) == everyone


def test_the_command_line_export_is_scrubbed_unless_restricted(
    write: Writer, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`spo-tracker export` scrubs; `--include-restricted` writes the text verbatim; the
    command's own output names nothing planted."""
    at = "2025-06-01T12:00:00+00:00"
    assert main(["--database", sqlite_url, "import", str(write(planted_text())), "--at", at]) == 0
    shared, full = tmp_path / "shared.jsonl", tmp_path / "full.jsonl"
    base = ["export", "--database", sqlite_url, "--at", at, "--output"]
    assert main([*base, str(shared)]) == 0
    assert main([*base, str(full), "--include-restricted"]) == 0
    printed = capsys.readouterr()
    assert not _leaks(printed.out + printed.err)
    for record, line in _fields(shared.read_text(encoding="utf-8")):
        if record["type"] == "person" and record["id"] == "P1":
            line = line.replace(NAME, "")
        assert not _leaks(line), record["type"]
    assert PLANTED in full.read_text(encoding="utf-8")
