"""What a hostile file plants where it does not belong is never quoted back by a refusal.

An address is planted in every field of every record type of a full file: as text, in
an array, in an object, as an array of arrays, as repeated items, and as the name of
an unknown field. No schema problem may quote it (a name or an address can be put
anywhere; a refusal message goes to logs and to whoever runs the import).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any, Final

import pytest

from spo_tracker.errors import ImportValidationError
from spo_tracker.interchange import import_file
from spo_tracker.interchange._checking import protected
from spo_tracker.interchange._lines import checker
from spo_tracker.storage import InMemoryStore
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import ACTOR, AT, Writer, dataset_text

MARKER: Final = "12 Acacia Avenue B13 9QT"
#: What must not appear in a message, compared in lower case.
_TELLTALES: Final = ("acacia", "b13", "9qt")

_RECORDS: Final = [
    json.loads(line)
    for line in dataset_text(full_dataset(), include_restricted=True).split("\n")[:-1]
]

#: Values planted in place of a field's value.
_VALUES: Final[dict[str, Any]] = {
    "text": MARKER,
    "one item": [MARKER],
    "repeated items": [MARKER, MARKER],
    "object": {"k": MARKER},
    "nested arrays": [[[MARKER]]],
    "objects": [{"a": MARKER}, {"a": MARKER}],
}
#: Names of unknown fields planted next to a field.
_NAMES: Final[dict[str, str]] = {
    "address": MARKER,
    "long address": "Acacia_Avenue_12_" * 3,
}


def _paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


def _planted(record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Copies of ``record``, each with the marker planted in one place."""
    for path in list(_paths(record))[1:]:
        if path == ("type",):
            continue  # another type is another record type, checked with its own schema
        for label, value in _VALUES.items():
            planted = copy.deepcopy(record)
            parent: Any = planted
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = copy.deepcopy(value)
            yield f"{path} = {label}", planted
    for path in _paths(record):
        target: Any = record
        for part in path:
            target = target[part]
        if not isinstance(target, dict):
            continue
        for label, name in _NAMES.items():
            planted = copy.deepcopy(record)
            parent = planted
            for part in path:
                parent = parent[part]
            parent[name] = 1
            yield f"{path} + field named {label}", planted


def _leaks(kind: str, record: dict[str, Any]) -> list[str]:
    problems = checker().problems(kind, record, withhold=protected(kind, record))
    return [
        f"{field}: {message}"
        for field, message in problems
        if any(t in f"{field} {message}".lower() for t in _TELLTALES)
    ]


@pytest.mark.parametrize(
    "index", range(1, len(_RECORDS)), ids=[f"{r['type']}-{r.get('id')}" for r in _RECORDS[1:]]
)
def test_no_schema_problem_quotes_a_planted_address(index: int) -> None:
    """Every field of the record, every shape of planted value: no message quotes it."""
    record = _RECORDS[index]
    kind = record["type"]
    found, refused = {}, 0
    for where, planted in _planted(record):
        problems = checker().problems(kind, planted, withhold=protected(kind, planted))
        refused += bool(problems)
        leaks = _leaks(kind, planted)
        if leaks:
            found[where] = leaks
    assert refused, "nothing planted was refused: the test checked nothing"
    assert found == {}


def test_the_records_cover_every_record_type() -> None:
    """The planted records include one of every type the format has."""
    kinds = {r["type"] for r in _RECORDS}
    assert kinds >= {
        "header",
        "identity",
        "location",
        "person",
        "application",
        "order",
        "order_version",
        "term",
        "incident",
        "alert",
        "compliance",
    }


def _record(kind: str, **match: Any) -> dict[str, Any]:
    for record in _RECORDS:
        if record["type"] == kind and all(
            record["attributes"].get(k) == v for k, v in match.items()
        ):
            return copy.deepcopy(record)
    raise LookupError(kind)  # pragma: no cover - the tests name real records


def test_a_huge_unknown_field_name_is_not_echoed() -> None:
    """A 500,000-character field name gives a short message."""
    incident = _record("incident")
    incident["attributes"]["x" * 500_000] = 1
    problems = checker().problems("incident", incident)
    assert problems == [("attributes", "an unknown field (name withheld)")]


def test_a_field_name_is_shown_when_it_looks_like_one() -> None:
    """A misspelt field is still named (the message is no use otherwise); several are listed."""
    incident = _record("incident")
    incident["attributes"]["mood"] = 1
    incident["attributes"]["colour"] = 1
    incident["attributes"]["B13 9QT"] = 1
    assert checker().problems("incident", incident) == [
        ("attributes", "unknown fields 'colour', 'mood' and 1 more (name withheld)")
    ]


def test_no_unknown_field_is_named_in_restricted_details() -> None:
    """Inside ``attributes.restricted``, and anywhere on a protected person's line, even a
    name that looks like a field (a postcode without its space does) is withheld."""
    person = _record("person", role="protected_person")
    person["attributes"]["restricted"]["B139QT"] = 1
    person["attributes"]["mood"] = 1
    assert checker().problems("person", person, withhold=True) == [
        ("attributes", "an unknown field (name withheld)"),
        ("attributes.restricted", "an unknown field (name withheld)"),
    ]
    person["attributes"]["restricted"]["B139QX"] = 1
    assert ("attributes.restricted", "2 unknown fields (names withheld)") in checker().problems(
        "person", person, withhold=False
    )


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (
            lambda a: a.update(kind=[MARKER]),
            "attributes.kind",
            "an array is not a known code; expected one of",
        ),
        (
            lambda a: a.update(kind={"k": MARKER}),
            "attributes.kind",
            "an object is not a known code; expected one of",
        ),
        (
            lambda a: a.update(kind=MARKER),
            "attributes.kind",
            "a string is not a known code; expected one of",
        ),
        (
            lambda a: a.update(geometry={"type": "Point", "coordinates": [MARKER]}),
            "attributes.geometry.coordinates",
            "has fewer than 2 items",
        ),
        (
            lambda a: a.update(occurred_at=MARKER),
            "attributes.occurred_at",
            "a string is not an RFC 3339 instant with a UTC offset",
        ),
    ],
    ids=["enum-array", "enum-object", "enum-text", "min-items", "instant-text"],
)
def test_a_refusal_says_what_rule_is_broken_without_the_value(
    write: Writer, edit: Any, field: str, message: str
) -> None:
    """Through a whole import: the rule broken, named by the field, the value not quoted."""
    lines = list(_RECORDS)
    i = next(n for n, r in enumerate(lines) if r["type"] == "incident")
    incident = copy.deepcopy(lines[i])
    edit(incident["attributes"])
    lines[i] = incident
    raw = "".join(json.dumps(r) + "\n" for r in lines)
    with pytest.raises(ImportValidationError) as raised:
        import_file(InMemoryStore(), write(raw), actor=ACTOR, at=AT)
    issues = [(e.line, e.field, e.message) for e in raised.value.errors]
    assert any((line, f) == (i + 1, field) and m.startswith(message) for line, f, m in issues), (
        issues
    )
    assert not any(t in str(raised.value).lower() for t in _TELLTALES)
    assert not any(t in repr(issues).lower() for t in _TELLTALES)


def test_repeated_items_are_named_without_the_items() -> None:
    """A list that must not repeat an item says so, not which item (an address can repeat)."""
    term = next(copy.deepcopy(r) for r in _RECORDS if "platforms" in str(r))
    term["attributes"]["parameters"]["platforms"] = [MARKER, MARKER]
    problems = checker().problems("term", term)
    assert ("attributes.parameters.platforms", "has repeated items") in problems
    assert not any(t in repr(problems).lower() for t in _TELLTALES)


def test_a_code_and_a_naive_instant_are_still_quoted() -> None:
    """What says what is wrong and cannot be free text is quoted as before."""
    incident = _record("incident")
    incident["attributes"]["kind"] = "telepathy"
    incident["attributes"]["occurred_at"] = "2024-06-01T08:00:00"
    problems = dict(checker().problems("incident", incident))
    assert problems["attributes.kind"].startswith("'telepathy' is not a known code")
    assert problems["attributes.occurred_at"] == (
        "'2024-06-01T08:00:00' has no UTC offset: naive timestamps are refused"
    )
