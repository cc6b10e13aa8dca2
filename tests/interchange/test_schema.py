"""The JSON Schema: shipped, current, valid, covering the catalogue; every refusal explained."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema_rs
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.terms import TERM_TYPES
from spo_tracker.interchange import RECORD_TYPES, Dataset, interchange_schema
from spo_tracker.interchange._lines import _explain, _leaves, checker
from spo_tracker.interchange.schema import (
    INTERCHANGE_SCHEMA_FILE,
    field_reference_markdown,
    schema_text,
)
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import dataset_text
from tests.interchange.strategies import datasets

ROOT = Path(__file__).resolve().parents[2]
_SHIPPED = ROOT / "spo_tracker" / "interchange" / INTERCHANGE_SCHEMA_FILE
_DOCS = ROOT / "docs" / "interchange.md"
_BLOCK = re.compile(
    r"<!-- BEGIN FIELD REFERENCE.*?-->\n(.*?)<!-- END FIELD REFERENCE -->", re.DOTALL
)


def _document(kind: str) -> dict[str, Any]:
    shipped = interchange_schema()
    return {"$schema": shipped["$schema"], "$defs": shipped["$defs"], "$ref": f"#/$defs/{kind}"}


_VALIDATORS = {
    kind: jsonschema_rs.validator_for(_document(kind)) for kind in ("header", *RECORD_TYPES)
}


def test_the_shipped_schema_is_the_generated_one() -> None:
    """Regenerate with ``python -m spo_tracker.interchange.schema`` when this fails."""
    assert _SHIPPED.read_text(encoding="utf-8") == schema_text()


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    """Checked against the meta-schema."""
    jsonschema_rs.meta.validate(interchange_schema())
    assert interchange_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_catalogue_code_has_its_parameters_in_the_schema() -> None:
    """A new term type cannot be exported without a schema for its parameters."""
    branches = interchange_schema()["$defs"]["term"]["allOf"]
    codes = [b["if"]["properties"]["attributes"]["properties"]["code"]["const"] for b in branches]
    assert codes == list(TERM_TYPES)


def test_enumerations_come_from_the_domain() -> None:
    """The incident kinds in the schema are the domain's, in order."""
    kinds = interchange_schema()["$defs"]["incident"]["properties"]["attributes"]["properties"][
        "kind"
    ]
    assert kinds["enum"] == [k.value for k in IncidentKind]


def _records(data: Dataset) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in dataset_text(data, include_restricted=True).split("\n")[:-1]
    ]


@given(data=datasets())
def test_every_exported_record_is_valid_against_the_schema(data: Dataset) -> None:
    """The schema accepts everything the exporter writes."""
    for record in _records(data):
        kind = record["type"]
        assert not list(_VALIDATORS[kind].iter_errors(record)), record
        assert _VALIDATORS[kind].is_valid(record)
        assert checker().problems(kind, record) == []


_BASE = _records(full_dataset())
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**33), 2**33),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(
        ["2024-01-01T10:00:00", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z\n", "2024-02-30"]
    ),
    st.sampled_from(["8Q", "x", "", "a\x00b"]),
    st.just([0.0, 0.0, 0.0]),
    st.just([]),
    st.just({}),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _exists(record: dict[str, Any], field: str) -> bool:
    """Whether the field path ``a.b[2].c`` (as a problem names it) is in ``record``."""
    value: Any = record
    for name, index in re.findall(r"\.?([^.\[\]]+)|\[(\d+)\]", field):
        if index:
            if not isinstance(value, list) or int(index) >= len(value):
                return False
            value = value[int(index)]
        elif not isinstance(value, dict) or name not in value:
            return False
        else:
            value = value[name]
    return True


@given(st.data())
def test_every_refusal_is_explained_on_a_field_of_the_record(data: st.DataObject) -> None:
    """On corrupted records, the checker finds problems exactly when the schema refuses the
    record, and each names a field that is there (or, if required, whose parent is)."""
    record = json.loads(json.dumps(data.draw(st.sampled_from(_BASE))))
    kind = record["type"]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(record)[1:]))
        parent = record
        for part in path[:-1]:
            parent = parent[part]
        # A copy: st.just gives the same list each time, which could be put inside itself.
        parent[path[-1]] = copy.deepcopy(data.draw(_VALUES))
    problems = checker().problems(kind, record)
    assert bool(problems) == (not _VALIDATORS[kind].is_valid(record))
    assert ("", "refused by the JSON Schema") not in problems  # the unexplained fallback
    for field, message in problems:
        assert message, field
        if message == "is required":
            assert _exists(record, field.rpartition(".")[0]), (field, record)
            assert not _exists(record, field), (field, record)
        else:
            assert _exists(record, field), (field, message, record)


def test_an_extra_coordinate_is_named_on_its_array() -> None:
    """``"items": false`` is broken by the third item; the problem names the coordinates."""
    record = json.loads(json.dumps(next(r for r in _BASE if r["type"] == "incident")))
    record["attributes"]["geometry"] = {"type": "Point", "coordinates": [-1.9, 52.48, 7, 8]}
    assert checker().problems("incident", record) == [
        ("attributes.geometry.coordinates", "has more items than allowed")
    ]


def test_a_trailing_newline_breaks_an_anchored_pattern() -> None:
    """Patterns are ECMA-262: ``$`` is the end of the text, not before a final newline."""
    record = json.loads(json.dumps(next(r for r in _BASE if r["type"] == "incident")))
    record["attributes"]["occurred_at"] += "\n"
    ((field, message),) = checker().problems("incident", record)
    assert field == "attributes.occurred_at"
    assert "instant" in message or "RFC 3339" in message, message


def test_an_any_of_is_explained_by_its_branches() -> None:
    """Where no branch holds, each branch's own error is explained (not "no branch holds")."""
    validator = jsonschema_rs.validator_for(
        {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer", "minimum": 3}]}
    )
    found = {_explain(error) for error in _leaves(validator.iter_errors("abcd"))}
    assert found == {
        ("", "4 characters, over the limit of 2 (oversize field)"),
        ("", "a string is not of type integer"),
    }


def test_the_docs_field_reference_is_current() -> None:
    """docs/interchange.md carries the reference generated from the schema."""
    found = _BLOCK.search(_DOCS.read_text(encoding="utf-8"))
    assert found is not None, "docs/interchange.md has no generated field reference block"
    assert found[1] == field_reference_markdown()
