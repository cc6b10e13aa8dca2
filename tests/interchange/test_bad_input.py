"""Bad input: each problem is named with its line and field, every one is reported, and
nothing is imported."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from spo_tracker.domain.appeals import AppealAgainst, Party, PendingAppeal
from spo_tracker.errors import ImportIssue, ImportValidationError, InvalidValueError
from spo_tracker.interchange import MAX_LINE_BYTES, Dataset, import_file
from spo_tracker.interchange._lines import LineProblem, checker, parse_line
from spo_tracker.interchange._records import write_appeal
from spo_tracker.storage import InMemoryStore, Store
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import (
    ACTOR,
    AT,
    Writer,
    changes,
    dataset_text,
    store_text,
)
from tests.storage import builders
from tests.storage.conftest import fixed_clock

_LINES = dataset_text(full_dataset(), include_restricted=True).split("\n")[:-1]

Edit = Callable[[dict[str, Any]], None]


def _index(kind: str, key: str) -> int:
    """The 0-based position of the record ``kind``/``key`` in the base file."""
    for i, line in enumerate(_LINES):
        record = json.loads(line)
        if record["type"] == kind and record.get("id") == key:
            return i
    raise LookupError(f"{kind} {key}")  # pragma: no cover - the tests name real records


def _edited(kind: str, key: str, edit: Edit) -> list[str]:
    lines = list(_LINES)
    i = _index(kind, key)
    record = json.loads(lines[i])
    edit(record)
    lines[i] = json.dumps(record, separators=(",", ":"))
    return lines


def _problems(write: Writer, lines: list[str], store: Store | None = None) -> list[ImportIssue]:
    """The problems an import of ``lines`` reports; asserts that nothing changed."""
    store = store or InMemoryStore(clock=fixed_clock)
    before, entries = store_text(store, include_restricted=True), changes(store)
    with pytest.raises(ImportValidationError) as raised:
        import_file(store, write("".join(f"{line}\n" for line in lines)), actor=ACTOR, at=AT)
    assert store_text(store, include_restricted=True) == before
    assert changes(store) == entries
    return list(raised.value.errors)


def _where(issues: list[ImportIssue]) -> list[tuple[int, str]]:
    return [(i.line, i.field) for i in issues]


def _set(path: str, value: Any) -> Edit:
    def edit(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = record
        for part in parents:
            target = target[part]
        target[last] = value

    return edit


def _line(kind: str, key: str) -> int:
    return _index(kind, key) + 1


# --------------------------------------------------------------------------- the header


def test_a_wrong_schema_version_is_refused_on_line_1(write: Writer) -> None:
    """Version 2.0 is named, with the version this library reads."""
    head = json.loads(_LINES[0]) | {"version": "2.0"}
    issues = _problems(write, [json.dumps(head), *_LINES[1:]])
    assert _where(issues) == [(1, "version")]
    assert "not a supported version" in issues[0].message
    assert "2.0" not in issues[0].message  # not echoed (review L1)
    assert "1.0 and 1.1" in issues[0].message


def test_a_file_that_is_not_an_interchange_file_is_refused(write: Writer) -> None:
    """Another schema name in the header: not our format."""
    head = json.loads(_LINES[0]) | {"schema": "someone-else/format"}
    assert _where(_problems(write, [json.dumps(head), *_LINES[1:]])) == [(1, "schema")]


def test_a_file_without_a_header_is_refused(write: Writer) -> None:
    """The first line must be the header."""
    issues = _problems(write, _LINES[1:])
    assert _where(issues) == [(1, "type")]
    assert "header" in issues[0].message


def test_an_empty_file_is_refused(write: Writer) -> None:
    """Not even a header."""
    assert _where(_problems(write, [])) == [(1, "")]


def test_an_unknown_term_catalogue_is_refused(write: Writer) -> None:
    """The header names the catalogue version its term codes come from."""
    head = json.loads(_LINES[0]) | {"term_catalogue": "99"}
    assert _where(_problems(write, [json.dumps(head), *_LINES[1:]])) == [(1, "term_catalogue")]


def test_other_header_problems_do_not_stop_the_records_being_checked(write: Writer) -> None:
    """A naive export time is reported, and so is a bad record further down."""
    head = json.loads(_LINES[0]) | {"created_at": "2025-06-01T12:00:00"}
    lines = [json.dumps(head), *_LINES[1:], '{"type":"vehicle","id":"V1"}']
    assert _where(_problems(write, lines)) == [(1, "created_at"), (len(lines), "type")]


# --------------------------------------------------------------------------- lines and types


def test_an_unknown_record_type_names_its_line(write: Writer) -> None:
    """A type the format does not have."""
    lines = [*_LINES[:3], '{"type":"vehicle","id":"V1"}', *_LINES[3:]]
    issues = _problems(write, lines)
    assert _where(issues) == [(4, "type")]
    assert issues[0].message.startswith("unknown record type")
    assert "vehicle" not in issues[0].message  # not echoed (review L1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ("", "blank line"),
        ('{"type": "incident", "type": "alert"}', "appears twice"),
        ('{"type": "incident", "id": "I-9", "n": NaN}', "NaN is not a JSON number"),
        (b"\xff\xfe".decode("latin-1"), "not UTF-8"),
        ('{"type": "incident", "n": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"type": "incident", "n": ' + "9" * 5_000 + "}", "more digits than can be read"),
    ],
    ids=["not-json", "array", "blank", "key-twice", "nan", "not-utf8", "deep", "5000-digits"],
)
def test_an_unreadable_line_names_its_line(write: Writer, text: str, expected: str) -> None:
    """Bad JSON, a non-object, a blank line, a repeated key, NaN, bad UTF-8, JSON nested
    100,000 deep (not a RecursionError), a 5,000-digit integer (not a ValueError)."""
    lines = [*_LINES[:2], text, *_LINES[2:]]
    raw = "".join(f"{line}\n" for line in lines).encode("utf-8")
    if expected == "not UTF-8":
        raw = raw.replace(text.encode("utf-8"), b"\xff\xfe")
    with pytest.raises(ImportValidationError) as raised:
        import_file(InMemoryStore(), write(raw), actor=ACTOR, at=AT)
    assert [(i.line, i.field) for i in raised.value.errors] == [(3, "")]
    assert expected in raised.value.errors[0].message


@pytest.mark.parametrize("depth", [100, 260, 900])
def test_a_deeply_nested_record_is_a_line_problem(write: Writer, depth: int) -> None:
    """Nesting that json reads but jsonschema-rs cannot check (from about 255 levels; the
    deepest valid record has about 10) is a problem of its line, not an unexpected error."""
    text = '{"type": "incident", "id": "I-9", "n": ' + "[" * depth + "]" * depth + "}"
    issues = _problems(write, [*_LINES[:2], text, *_LINES[2:]])
    assert _where(issues) == [(3, "")]
    assert issues[0].message == "JSON nested too deeply (more than 64 levels)"


def test_a_record_too_deep_for_the_schema_engine_is_reported_not_raised() -> None:
    """The schema check itself never raises on nesting jsonschema-rs cannot follow (a record
    that did not come through parse_line)."""
    record = {"type": "incident", "id": "I-9", "n": json.loads("[" * 300 + "]" * 300)}
    assert checker().problems("incident", record) == [("", "too deeply nested to check")]


def test_nesting_up_to_the_limit_is_checked_as_usual() -> None:
    """64 levels (the record is the first) parse; the schema then names the unknown field."""
    text = '{"type": "incident", "id": "I-9", "n": ' + "[" * 63 + "]" * 63 + "}"
    record = parse_line(text.encode("utf-8"))
    assert ("", "unknown field 'n'") in checker().problems("incident", record)
    deeper = '{"type": "incident", "n": ' + "[" * 64 + "]" * 64 + "}"
    with pytest.raises(LineProblem, match="nested too deeply"):
        parse_line(deeper.encode("utf-8"))


def test_an_oversize_line_is_refused_without_reading_it(write: Writer) -> None:
    """A line over the limit is named and skipped; the rest is still checked."""
    huge = '{"type":"incident","id":"I-9","pad":"' + "x" * MAX_LINE_BYTES + '"}'
    issues = _problems(write, [*_LINES[:2], huge, *_LINES[2:]])
    assert _where(issues) == [(3, "")]
    assert "oversize line" in issues[0].message


# --------------------------------------------------------------------------- fields


def test_an_oversize_field_names_the_field(write: Writer) -> None:
    """A summary over 10,000 characters."""
    lines = _edited("incident", "I-0002", _set("attributes.summary", "x" * 10_001))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("incident", "I-0002"), "attributes.summary")]
    assert "10,001 characters, over the limit of 10,000" in issues[0].message
    assert "xxxxxxxx" * 20 not in issues[0].message


@pytest.mark.parametrize(
    "instant",
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
    ],
)
def test_an_instant_outside_the_supported_range_names_the_field(
    write: Writer, instant: str
) -> None:
    """The range of spo_tracker.domain.limits (1900 to 2200 UTC), as on every other path."""
    lines = _edited("incident", "I-0002", _set("attributes.occurred_at", instant))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("incident", "I-0002"), "attributes.occurred_at")]
    assert instant in issues[0].message


def test_a_naive_timestamp_names_the_field(write: Writer) -> None:
    """An instant without a UTC offset is refused, and said to be naive."""
    lines = _edited("incident", "I-0002", _set("attributes.occurred_at", "2024-06-01T08:00:00"))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("incident", "I-0002"), "attributes.occurred_at")]
    assert "naive" in issues[0].message


def test_a_naive_timestamp_inside_a_relationship_names_its_path(write: Writer) -> None:
    """Deep paths are named in full."""
    lines = _edited(
        "person",
        "D1",
        lambda r: r["relationships"]["identities"][1]["meta"].update(linked_at="2024-01-01 10:00"),
    )
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("person", "D1"), "relationships.identities[1].meta.linked_at")]


@pytest.mark.parametrize(
    ("kind", "key", "path", "value"),
    [
        ("incident", "I-0002", "attributes.kind", "telepathy"),
        ("incident", "I-0002", "attributes.platform", "myspace"),
        ("incident", "I-0002", "attributes.classification", "8Z"),
        ("order", "SPO-1", "attributes.result_code", "3308"),
        ("order", "SPO-1", "attributes.state", "paused"),
        ("term", "SPO-1/v1/T1", "attributes.code", "SPO-P99"),
        ("alert", "AL-0000000000000000001", "attributes.cjs_code", "ST19099"),
        ("identity", "phone:+447700900123", "attributes.kind", "pager"),
        ("application", "APP-1", "attributes.court_kind", "crown"),
    ],
)
def test_an_unknown_code_names_the_field(
    write: Writer, kind: str, key: str, path: str, value: str
) -> None:
    """CJS, HOCR, catalogue and the library's own codes: only known ones are accepted."""
    issues = _problems(write, _edited(kind, key, _set(path, value)))
    assert (_line(kind, key), path) in _where(issues)
    assert any(f"{value!r} is not a known code" in i.message for i in issues)


def test_an_unknown_field_is_named(write: Writer) -> None:
    """A field the format does not have is refused (it would be silently lost)."""
    issues = _problems(write, _edited("incident", "I-0002", _set("attributes.mood", "angry")))
    assert _where(issues) == [(_line("incident", "I-0002"), "attributes")]
    assert "'mood'" in issues[0].message


def test_a_missing_required_field_is_named(write: Writer) -> None:
    """The path names the missing field itself."""
    lines = _edited("incident", "I-0002", lambda r: r["attributes"].pop("occurred_at"))
    assert _where(_problems(write, lines)) == [
        (_line("incident", "I-0002"), "attributes.occurred_at")
    ]


def test_an_identity_value_is_checked_by_its_kind(write: Writer) -> None:
    """A phone number that is not one."""
    lines = _edited("identity", "phone:+447700900123", _set("attributes.value", "call me"))
    issues = _problems(write, lines)
    assert (_line("identity", "phone:+447700900123"), "attributes.value") in _where(issues)


def test_an_unknown_term_parameter_is_named(write: Writer) -> None:
    """The catalogue's parameters are checked per code."""
    lines = _edited("term", "SPO-1/v1/T6", _set("attributes.parameters.distance_m", -5))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("term", "SPO-1/v1/T6"), "attributes.parameters.distance_m")]


def test_an_open_polygon_ring_is_refused(write: Writer) -> None:
    """GeoJSON rings are closed: the last position repeats the first."""

    def edit(record: dict[str, Any]) -> None:
        record["attributes"]["parameters"]["zone"]["geometry"]["coordinates"][0][-1] = [-1.95, 52.5]

    issues = _problems(write, _edited("term", "SPO-1/v1/T5", edit))
    path = "attributes.parameters.zone.geometry.coordinates[0]"
    assert _where(issues) == [(_line("term", "SPO-1/v1/T5"), path)]
    assert "not closed" in issues[0].message


# --------------------------------------------------------------------------- references


def test_a_dangling_reference_names_the_record_and_relationship(write: Writer) -> None:
    """An incident attributed to a defendant nobody has."""
    lines = _edited(
        "incident", "I-0002", _set("relationships.defendant", {"type": "person", "id": "D9"})
    )
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("incident", "I-0002"), "relationships.defendant")]
    assert "dangling reference: no person 'D9'" in issues[0].message
    assert issues[0].record == "incident 'I-0002'"


def test_many_references_to_one_missing_record_are_counted(write: Writer) -> None:
    """Reported once, at the first reference, with the count of the others."""
    lines = list(_LINES)
    del lines[_index("person", "D1")]
    issues = _problems(write, lines)
    dangling = [i for i in issues if "no person 'D1'" in i.message]
    assert len(dangling) == 1
    assert "more reference(s) to it" in dangling[0].message


def test_a_reference_to_a_stored_record_is_not_dangling(write: Writer) -> None:
    """References resolve against the database too."""
    store = InMemoryStore(clock=fixed_clock)
    seed = Dataset(defendants=(builders.defendant("D7"),))
    import_file(store, write(dataset_text(seed)), actor=ACTOR, at=AT)
    lines = _edited(
        "incident", "I-0002", _set("relationships.defendant", {"type": "person", "id": "D7"})
    )
    report = import_file(store, write("".join(f"{x}\n" for x in lines)), actor=ACTOR, at=AT)
    assert report.created["incident"] == 6


def test_a_person_of_the_wrong_role_is_named(write: Writer) -> None:
    """An order's defendant must be a defendant, not a protected person."""
    lines = _edited(
        "order", "SPO-1", _set("relationships.defendant", {"type": "person", "id": "P2"})
    )
    issues = _problems(write, lines)
    assert (_line("order", "SPO-1"), "relationships.defendant") in _where(issues)
    assert any("is a protected person, not a defendant" in i.message for i in issues)


def test_an_identity_must_come_before_the_records_that_use_it(write: Writer) -> None:
    """Identities and locations are read before their users (a streaming import)."""
    lines = list(_LINES)
    i = _index("identity", "handle:instagram:stalker")
    moved = lines.pop(i)
    lines.append(moved)
    issues = _problems(write, lines)
    assert ("relationships.actor.id") in [field for _, field in _where(issues)]
    assert any("not defined on an earlier line" in x.message for x in issues)


def test_an_identity_no_record_uses_is_refused(write: Writer) -> None:
    """It would not be stored, so it would be silently lost."""
    extra = '{"type":"identity","id":"X1","attributes":{"kind":"email","value":"a@b.org"}}'
    issues = _problems(write, [*_LINES[:2], extra, *_LINES[2:]])
    assert _where(issues) == [(3, "id")]


def test_a_version_must_follow_its_order(write: Writer) -> None:
    """An order's versions and terms follow it directly."""
    lines = list(_LINES)
    i = _index("order_version", "SPO-1/v2")
    lines.append(lines.pop(i))
    issues = _problems(write, lines)
    assert (len(lines), "relationships.order") in _where(issues)


# --------------------------------------------------------------------------- duplicates


def test_a_duplicate_id_with_different_content_names_the_field(write: Writer) -> None:
    """The second record with the id is named, with the field that differs."""
    i = _index("incident", "I-0002")
    record = json.loads(_LINES[i])
    record["attributes"]["summary"] = "something else"
    lines = [*_LINES, json.dumps(record)]
    issues = _problems(write, lines)
    assert _where(issues) == [(len(lines), "attributes.summary")]
    assert "duplicate id with different content" in issues[0].message


def test_a_stored_id_with_different_content_names_the_field(write: Writer) -> None:
    """Re-importing a changed record is an error, not an update."""
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write("".join(f"{x}\n" for x in _LINES)), actor=ACTOR, at=AT)
    lines = _edited("order_version", "SPO-1/v2", _set("attributes.reason", "rewritten"))
    issues = _problems(write, lines, store)
    assert _where(issues) == [(_line("order_version", "SPO-1/v2"), "attributes.reason")]
    assert "differs from the stored record" in issues[0].message


def test_a_stored_person_with_another_role_is_named(write: Writer) -> None:
    """The same id as a defendant in the file and a protected person in the database."""
    store = InMemoryStore(clock=fixed_clock)
    seed = Dataset(protected_persons=(builders.person("D1", restricted=False),))
    import_file(store, write(dataset_text(seed)), actor=ACTOR, at=AT)
    issues = _problems(write, _LINES, store)
    assert (_line("person", "D1"), "attributes.role") in _where(issues)
    # The refusal tells the importer D1 is a stored protected person: D1's own log shows it.
    logged = [e.event for e in store.audit_entries_for("D1")]
    assert logged.count("persons.consulted") == 1


def test_a_reference_met_by_a_stored_protected_person_logs_a_consultation(
    write: Writer,
) -> None:
    """A file that refers to P1 without holding P1 imports where an unknown id would be
    refused: that tells the importer P1 is a stored protected person, so P1's own log
    shows it (DPA 2018 s.62(1)(c)), whether the import is then refused or not."""
    lines = [line for i, line in enumerate(_LINES) if i != _index("person", "P1")]
    store = InMemoryStore(clock=fixed_clock)
    seed = Dataset(protected_persons=(builders.person("P1"),))
    import_file(store, write(dataset_text(seed)), actor=ACTOR, at=AT)
    assert "persons.consulted" not in [e.event for e in store.audit_entries_for("P1")]
    import_file(store, write("".join(f"{x}\n" for x in lines)), actor=ACTOR, at=AT)
    logged = [e.event for e in store.audit_entries_for("P1")]
    assert logged.count("persons.consulted") == 1
    refused = _edited("order", "SPO-1", _set("attributes.court", ""))
    refused = [line for i, line in enumerate(refused) if i != _index("person", "P1")]
    _problems(write, refused, store)
    logged = [e.event for e in store.audit_entries_for("P1")]
    assert logged.count("persons.consulted") == 2


# --------------------------------------------------------------------------- statutory rules


def test_a_full_order_fixed_for_under_two_years_is_refused(write: Writer) -> None:
    """SPA2019 s.3(2): a fixed full order runs at least 2 years from the day made."""

    def shorter(record: dict[str, Any]) -> None:
        record["attributes"]["duration"] = {"years": 1, "months": 0, "weeks": 0, "days": 0}
        record["attributes"]["period"] = {"first_day": "2024-03-15", "last_day": "2025-03-14"}

    issues = _problems(write, _edited("order_version", "SPO-1/v1", shorter))
    assert _where(issues) == [(_line("order_version", "SPO-1/v1"), "attributes.period")]
    assert "SPA2019 s.3(2)" in issues[0].message


def test_an_interim_order_without_a_fixed_period_is_refused(write: Writer) -> None:
    """SPA2019 s.5(6)(a): an interim order has a fixed period."""
    lines = _edited("order", "SPO-1", _set("attributes.result_code", "3306"))
    for i, line in enumerate(lines):
        record = json.loads(line)
        if record["type"] == "order_version":
            record["attributes"].update(duration=None, period=None)
            lines[i] = json.dumps(record)
    issues = _problems(write, lines)
    assert (_line("order_version", "SPO-1/v1"), "attributes.period") in _where(issues)
    assert any("SPA2019 s.5(6)(a)" in i.message for i in issues)


def test_a_notification_deadline_must_be_three_days_beginning_with_the_day(
    write: Writer,
) -> None:
    """SPA2019 s.9(1): the 3 days beginning with the day it arose (day 1, 2, 3)."""

    def edit(record: dict[str, Any]) -> None:
        item = record["attributes"]["closed"][0]["item"]
        item["deadline"] = {"first_day": "2024-03-16", "last_day": "2024-03-19"}

    issues = _problems(write, _edited("notification_duty", "ND-1", edit))
    path = "attributes.closed[0].item.deadline"
    assert _where(issues) == [(_line("notification_duty", "ND-1"), path)]
    assert "SPA2019 s.9(1)" in issues[0].message


def test_an_alert_count_must_match_its_evidence(write: Writer) -> None:
    """The alert's own rule: count equals the number of evidence incidents."""
    issues = _problems(
        write, _edited("alert", "AL-0000000000000000001", _set("attributes.count", 5))
    )
    assert _where(issues) == [(_line("alert", "AL-0000000000000000001"), "attributes.count")]


# --------------------------------------------------------------------------- every error


def test_every_problem_is_reported_in_line_order(write: Writer) -> None:
    """Several bad lines: each is named, sorted by line, and nothing is imported."""
    lines = _edited("incident", "I-0001", _set("attributes.kind", "telepathy"))
    lines = [*lines[:3], '{"type":"vehicle","id":"V1"}', *lines[3:]]
    lines.append("not json")
    record = json.loads(lines[_index("incident", "I-0004") + 1])
    record["attributes"]["occurred_at"] = "2024-06-01"
    lines[_index("incident", "I-0004") + 1] = json.dumps(record)
    issues = _problems(write, lines)
    assert [i.line for i in issues] == sorted(i.line for i in issues)
    assert len(issues) == 4
    assert str(issues[0]).startswith("line 4: type: unknown record type")


def test_the_error_message_summarises_and_names_the_file(write: Writer) -> None:
    """The exception's one-line message: the file, the count, the first problem."""
    path = write("".join(f"{x}\n" for x in _LINES[1:]))
    with pytest.raises(
        ImportValidationError, match=r"1 error, nothing was imported; first: line 1"
    ):
        import_file(InMemoryStore(), path, actor=ACTOR, at=AT)


def test_a_bad_batch_size_is_refused_before_reading(write: Writer) -> None:
    """A typed error naming the value."""
    with pytest.raises(InvalidValueError, match="batch_size=0"):
        import_file(InMemoryStore(), write(""), actor=ACTOR, at=AT, batch_size=0)


# --------------------------------------------------------------------------- compliance


def test_compliance_against_a_prohibition_is_refused(write: Writer) -> None:
    """T1 is a no-contact term: compliance is recorded only against positive requirements."""
    lines = _edited("compliance", "SIGN-1", _set("attributes.term_id", "T1"))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("compliance", "SIGN-1"), "attributes.term_id")]
    assert "SPO-P01 No contact" in issues[0].message
    assert "SPA2019 s.1(2)(b)" in issues[0].message


def test_compliance_against_a_term_the_order_lacks_is_refused(write: Writer) -> None:
    """A term id no version of the order has, named."""
    lines = _edited("compliance", "ATT-1", _set("attributes.term_id", "T99"))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("compliance", "ATT-1"), "attributes.term_id")]
    assert "'T99'" in issues[0].message


def test_compliance_for_a_missing_order_is_a_dangling_reference(write: Writer) -> None:
    """No order SPO-9 in the file or the database."""
    lines = _edited("compliance", "ATT-1", _set("relationships.order.id", "SPO-9"))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("compliance", "ATT-1"), "relationships.order")]
    assert "no order 'SPO-9'" in issues[0].message


def test_compliance_of_another_defendant_is_refused(write: Writer) -> None:
    """The order is against D1; a record naming protected person P1 as defendant is refused."""
    lines = _edited("compliance", "ATT-1", _set("relationships.defendant.id", "P1"))
    issues = _problems(write, lines)
    assert (_line("compliance", "ATT-1"), "relationships.defendant") in _where(issues)


def test_compliance_with_a_naive_time_is_refused(write: Writer) -> None:
    """``at`` without a UTC offset, named."""
    lines = _edited("compliance", "ATT-1", _set("attributes.at", "2024-03-20T10:00:00"))
    issues = _problems(write, lines)
    assert _where(issues) == [(_line("compliance", "ATT-1"), "attributes.at")]


def test_a_compliance_record_in_a_version_1_0_file_is_refused(write: Writer) -> None:
    """Version 1.0 had no compliance records: the header must say 1.1."""
    head = json.loads(_LINES[0]) | {"version": "1.0"}
    issues = _problems(write, [json.dumps(head), *_LINES[1:]])
    assert _where(issues) == [
        (_line("compliance", "ATT-1"), "type"),
        (_line("compliance", "SIGN-1"), "type"),
    ]


def test_a_stored_compliance_record_with_other_content_is_refused(write: Writer) -> None:
    """The same id with a different note than the stored record: named, nothing imported."""
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write("".join(f"{line}\n" for line in _LINES)), actor=ACTOR, at=AT)
    lines = _edited("compliance", "ATT-1", _set("attributes.note", "other"))
    issues = _problems(write, lines, store)
    assert _where(issues) == [(_line("compliance", "ATT-1"), "attributes.note")]
    assert "the same id with different content" in issues[0].message


def test_appeal_details_and_appeal_states_in_a_version_1_0_file_are_refused(
    write: Writer,
) -> None:
    """Version 1.0 had no appeal details (SPA2019 s.7) and no appeal states: named, per line."""
    appeal = write_appeal(PendingAppeal(Party.defendant(), AppealAgainst.making()))
    lines = _edited("order", "SPO-1", _set("attributes.appeal", appeal))
    i = _index("order", "SPO-1")
    order = json.loads(lines[i])
    order["attributes"]["appeal_pending"] = True
    lines[i] = json.dumps(order)
    i = _index("application", "APP-1")
    application = json.loads(lines[i])
    application["attributes"]["state"] = "refusal_appealed"
    lines[i] = json.dumps(application)
    wanted = {
        (_line("order", "SPO-1"), "attributes.appeal"),
        (_line("application", "APP-1"), "attributes.state"),
    }
    head = json.loads(_LINES[0]) | {"version": "1.0"}
    assert wanted <= set(_where(_problems(write, [json.dumps(head), *lines[1:]])))
    # The same records in a 1.1 file import.
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write("".join(f"{line}\n" for line in lines)), actor=ACTOR, at=AT)
    with store.unit_of_work(ACTOR, at=AT) as uow:
        assert uow.orders.get("SPO-1").appeal is not None


def _version_1_0_edits() -> list[str]:
    """The base file with SPO-1's version 2 decided at a stated instant and SPO-1 not in force
    for a span (what interchange 1.1 added for SPA2019 s.7(4) and variations)."""
    order = json.loads(_LINES[_index("order", "SPO-1")])
    version = json.loads(_LINES[_index("order_version", "SPO-1/v2")])
    made = order["attributes"]["made_at"]
    decided = (
        version["attributes"]["decided_at"] or f"{version['attributes']['decided_on']}T15:00:00Z"
    )
    lines = _edited("order_version", "SPO-1/v2", _set("attributes.decided_at", decided))
    i = _index("order", "SPO-1")
    edited = json.loads(lines[i])
    edited["attributes"]["not_in_force"] = [{"start": made, "end": decided}]
    lines[i] = json.dumps(edited)
    return lines


def test_version_instants_and_spans_not_in_force_in_a_version_1_0_file_are_refused(
    write: Writer,
) -> None:
    """Version 1.0 had no decided_at and no not_in_force: named, per line; in 1.1 they import."""
    lines = _version_1_0_edits()
    wanted = {
        (_line("order", "SPO-1"), "attributes.not_in_force"),
        (_line("order_version", "SPO-1/v2"), "attributes.decided_at"),
    }
    head = json.loads(_LINES[0]) | {"version": "1.0"}
    assert wanted <= set(_where(_problems(write, [json.dumps(head), *lines[1:]])))
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write("".join(f"{line}\n" for line in lines)), actor=ACTOR, at=AT)
    with store.unit_of_work(ACTOR, at=AT) as uow:
        order = uow.orders.get("SPO-1")
        assert order.not_in_force
        assert order.versions[1].decided_at is not None


def test_a_version_1_0_file_without_them_still_imports(write: Writer) -> None:
    """The base file as 1.0 (no compliance records, appeal details, instants or spans)
    imports: versions take effect from the start of their day, no span."""
    head = json.loads(_LINES[0]) | {"version": "1.0"}
    plain = []
    for line in _LINES[1:]:
        record = json.loads(line)
        if record["type"] == "compliance":
            continue  # 1.1 added them
        attributes = record.get("attributes") or {}
        for name in ("decided_at", "not_in_force", "appeal", "part2_registered_at"):
            attributes.pop(name, None)
        plain.append(json.dumps(record))
    store = InMemoryStore(clock=fixed_clock)
    text = "".join(f"{line}\n" for line in [json.dumps(head), *plain])
    import_file(store, write(text), actor=ACTOR, at=AT)
    with store.unit_of_work(ACTOR, at=AT) as uow:
        order = uow.orders.get("SPO-1")
        assert order.not_in_force == ()
        assert all(v.decided_at is None for v in order.versions)
        assert uow.notification_duties.get("ND-1").part2_registered_at is None


#: ND-1 exempt from the day after it notified: its defendant became subject to the Sexual
#: Offences Act 2003 Part 2 requirements (SPA2019 s.9(5)).
_REGISTERED = "2024-03-18T09:15:00.000000Z"


def _registered(value: object) -> list[str]:
    """The base file with ND-1 exempt and its Part 2 registration time set to ``value``."""

    def edit(record: dict[str, Any]) -> None:
        record["attributes"].update(state="exempt", part2_registered_at=value)

    return _edited("notification_duty", "ND-1", edit)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("2024-03-18T09:15:00", "naive"),
        ("2024-03-18 09:15", "naive"),
        ("2024-02-30T09:15:00Z", "2024-02-30T09:15:00Z"),
        ("2024-03-18", "2024-03-18"),
        (20240318, "20240318"),
    ],
)
def test_a_part_2_registration_time_must_be_an_aware_instant(
    write: Writer, value: object, said: str
) -> None:
    """SPA2019 s.9(5): a naive or unreal registration time is named, with the value."""
    issues = _problems(write, _registered(value))
    where = (_line("notification_duty", "ND-1"), "attributes.part2_registered_at")
    assert _where(issues) == [where]
    assert said in issues[0].message


def test_a_part_2_registration_time_in_a_version_1_0_file_is_refused(write: Writer) -> None:
    """Version 1.0 had no part2_registered_at: named on its line; null is still read as none,
    and in 1.1 it imports."""
    head = json.loads(_LINES[0]) | {"version": "1.0"}
    lines = _registered(_REGISTERED)
    issues = _problems(write, [json.dumps(head), *lines[1:]])
    line = _line("notification_duty", "ND-1")
    assert [i for i in issues if i.line == line] == [
        ImportIssue(
            line,
            "attributes.part2_registered_at",
            "part2_registered_at needs interchange version 1.1 or later",
            "notification_duty 'ND-1'",
        )
    ]
    nulled = _problems(write, [json.dumps(head), *_registered(None)[1:]])
    assert line not in {i.line for i in nulled}  # only the compliance lines are 1.1-only
    store = InMemoryStore(clock=fixed_clock)
    import_file(store, write("".join(f"{line}\n" for line in lines)), actor=ACTOR, at=AT)
    with store.unit_of_work(ACTOR, at=AT) as uow:
        duty = uow.notification_duties.get("ND-1")
    assert duty.part2_registered_at == pendulum.datetime(2024, 3, 18, 9, 15, tz="UTC")


# --------------------------------------------------------------------------- restricted details

#: What the base file's protected person P1 holds in their restricted compartment.
_P1_SECRETS = ("Safe House", "B15 2TT", "1.93", "52.45", "152.45", "1.9,", "52.48", "work", "gym")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("address.lines", ["3 Safe House Lane", "   "], "restricted.address.lines"),
        ("address.lines", ["3 Safe House Lane", 52.45], "restricted.address.lines[1]"),
        ("address.postcode", 152.45, "restricted.address.postcode"),
        (
            "address.geometry",
            {"type": "Point", "coordinates": [-1.93, 152.45]},
            "restricted.address.geometry.coordinates[1]",
        ),
        (
            "address.geometry",
            {"type": "Point", "coordinates": ["-1.93", "52.45"]},
            "restricted.address.geometry.coordinates[0]",
        ),
        (
            "places",
            [{"label": "work", "geometry": {"type": "Point", "coordinates": [-1.93, 52.45, 1]}}],
            "restricted.places[0].geometry.coordinates",
        ),
        (
            "places",
            [{"label": "  ", "geometry": {"type": "Point", "coordinates": [-1.9, 52.48]}}],
            "restricted.places[0].label",
        ),
    ],
)
def test_bad_restricted_details_are_named_without_their_value(
    write: Writer, path: str, value: Any, field: str
) -> None:
    """A protected person's address, postcode or place is never quoted in an import error."""
    lines = _edited("person", "P1", _set(f"attributes.restricted.{path}", value))
    issues = _problems(write, lines)
    assert issues
    assert issues[0].line == _line("person", "P1")
    assert issues[0].field == f"attributes.{field}"
    for issue in issues:
        assert "withheld" in str(issue)
        assert not [s for s in _P1_SECRETS if s in str(issue)], str(issue)


def test_a_blank_restricted_address_line_is_reported_as_blank(write: Writer) -> None:
    """Not "needs at least one line": the address has one, the second is blank."""
    lines = _edited(
        "person", "P1", _set("attributes.restricted.address.lines", ["3 Safe House Lane", "  "])
    )
    (issue,) = _problems(write, lines)
    assert "lines[1]" in str(issue)
    assert "is blank" in issue.message
    assert "at least one line" not in issue.message


def test_an_appeals_lodging_instant_is_read_and_a_bad_one_named(write: Writer) -> None:
    """lodged_at (1.1) comes back as written; absent, the appeal has none; naive, named."""
    lodged_at = pendulum.datetime(2026, 3, 20, 9, tz="Europe/London")
    appeal = write_appeal(
        PendingAppeal(Party.defendant(), AppealAgainst.making(), lodged_at=lodged_at)
    )
    assert appeal is not None

    def with_appeal(details: dict[str, Any]) -> list[str]:
        lines = _edited("order", "SPO-1", _set("attributes.appeal", details))
        i = _index("order", "SPO-1")
        order = json.loads(lines[i])
        order["attributes"]["appeal_pending"] = True
        lines[i] = json.dumps(order)
        return lines

    absent = {k: v for k, v in appeal.items() if k != "lodged_at"}
    cases = ((appeal, lodged_at), ({**appeal, "lodged_at": None}, None), (absent, None))
    for details, wanted in cases:
        store = InMemoryStore(clock=fixed_clock)
        lines = with_appeal(details)
        import_file(store, write("".join(f"{line}\n" for line in lines)), actor=ACTOR, at=AT)
        with store.unit_of_work(ACTOR, at=AT) as uow:
            stored = uow.orders.get("SPO-1").appeal
            assert stored is not None
            assert stored.lodged_at == wanted
    bad = with_appeal({**appeal, "lodged_at": "2026-03-20T09:00:00"})
    assert _where(_problems(write, bad)) == [
        (_line("order", "SPO-1"), "attributes.appeal.lodged_at")
    ]


# --------------------------------------------------------------------------- values never quoted


def _set_station(record: dict[str, Any]) -> None:
    record["attributes"]["notifications"][0]["station"] = "front desk, 14 Wrenfield Close\x01"


@pytest.mark.parametrize(
    ("kind", "key", "edit", "field"),
    [
        ("person", "D1", _set("attributes.names", [{"name": "Zebedee\x01Quillan"}]), "names[0]"),
        ("order", "SPO-1", _set("attributes.applicant.title", "DCC 14 Wrenfield\x01"), "applicant"),
        ("notification_duty", "ND-1", _set_station, "notifications[0]"),
        ("application", "APP-1", _set("attributes.court", "Zebedee Quillan\x01"), "court"),
        (
            "identity",
            "phone:+447700900123",
            _set("attributes.value", "07700 900123 Zebedee Quillan"),
            "value",
        ),
    ],
    ids=["defendant-name", "applicant-title", "station", "court", "identity"],
)
def test_text_a_constructor_refuses_is_named_on_its_line_never_quoted(
    write: Writer, kind: str, key: str, edit: Edit, field: str
) -> None:
    """A name, a title or a station holding a control character: one problem on the
    record's line (before, the title and the station escaped the line check as a bare
    error), the field named, the text not quoted (a hostile review, 7 December 2026)."""
    issues = _problems(write, _edited(kind, key, edit))
    (own,) = [i for i in issues if i.line == _line(kind, key)]
    assert field in own.field
    for issue in issues:  # an identity's id no longer matching its value: a second issue
        for secret in ("Zebedee", "Quillan", "Wrenfield"):
            assert secret not in issue.message


def test_comparing_an_order_with_a_stored_one_logs_its_protected_persons(write: Writer) -> None:
    """A file's SPO-1 protecting P1 against a stored SPO-1 protecting P9: the refusal
    ("differs") tells the importer that the stored order does not protect P1 alone, a
    consultation of P9 though the file never names P9 (DPA 2018 s.62(1)(c))."""
    from spo_tracker.domain.terms import NoContact
    from tests.detection.builders import make_order

    def order(person: str) -> Any:
        return make_order(
            NoContact(term_id="T1", persons=(person,)), order_id="SPO-1", defendant_id="D1",
            persons=(person,),
        )  # fmt: skip

    store = InMemoryStore(clock=fixed_clock)
    defendant = builders.defendant("D1")
    seed = Dataset(
        defendants=(defendant,), protected_persons=(builders.person("P9"),), orders=(order("P9"),)
    )
    import_file(store, write(dataset_text(seed)), actor=ACTOR, at=AT)
    before = [e.event for e in store.audit_entries_for("P9")].count("persons.consulted")
    probe = Dataset(
        defendants=(defendant,), protected_persons=(builders.person("P1"),), orders=(order("P1"),)
    )
    with pytest.raises(ImportValidationError, match="differ"):
        import_file(store, write(dataset_text(probe)), actor=ACTOR, at=AT)
    after = [e.event for e in store.audit_entries_for("P9")].count("persons.consulted")
    assert after == before + 1


def test_comparing_an_incident_with_a_stored_one_logs_its_target(write: Writer) -> None:
    """A file's CAD-1 aimed at P1 against a stored CAD-1 aimed at P9: "differs at the
    target" tells the importer whom the stored incident was aimed at, a consultation of
    P9 though the file never names P9 (a hostile review's probe, 8 December 2026)."""
    store = InMemoryStore(clock=fixed_clock)
    defendant = builders.defendant("D1")
    stored = builders.incident("CAD-1", defendant_id="D1", target_person_id="P9")
    seed = Dataset(
        defendants=(defendant,), protected_persons=(builders.person("P9"),), incidents=(stored,)
    )
    import_file(store, write(dataset_text(seed)), actor=ACTOR, at=AT)
    before = [e.event for e in store.audit_entries_for("P9")].count("persons.consulted")
    probe = builders.incident("CAD-1", defendant_id="D1", target_person_id="P1")
    with pytest.raises(ImportValidationError, match="target_person_id"):
        import_file(
            store, write(dataset_text(Dataset(defendants=(defendant,), incidents=(probe,)))),
            actor=ACTOR, at=AT,
        )  # fmt: skip
    after = [e.event for e in store.audit_entries_for("P9")].count("persons.consulted")
    assert after == before + 1
