"""The JSON report validates against its published, versioned schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.alerts import Alert
from spo_tracker.reports import (
    REPORT_SCHEMA_FILE,
    REPORT_SCHEMA_VERSION,
    build_report,
    render,
    report_document,
    report_schema,
)
from tests.reports.builders import NOW, world
from tests.reports.strategies import alerts_and_context

ROOT = Path(__file__).resolve().parents[2]


def validate(document: dict[str, Any]) -> None:
    """Validate against the shipped schema, formats (date, date-time) checked too."""
    jsonschema_rs.validator_for(report_schema(), validate_formats=True).validate(document)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    """The shipped schema itself passes the metaschema."""
    jsonschema_rs.meta.validate(report_schema())
    assert report_schema()["properties"]["version"]["const"] == REPORT_SCHEMA_VERSION


def test_the_docs_publish_the_same_schema() -> None:
    """docs/schemas holds a byte-identical copy of the packaged schema."""
    packaged = ROOT / "spo_tracker" / "reports" / "schema" / REPORT_SCHEMA_FILE
    published = ROOT / "docs" / "schemas" / REPORT_SCHEMA_FILE
    assert published.read_bytes() == packaged.read_bytes()


def test_every_alert_field_is_in_the_schema() -> None:
    """A field added to Alert must be added to the format (and its version) too."""
    published = set(report_schema()["$defs"]["alert"]["properties"])
    fields = {f.name for f in attrs.fields(Alert)} - {"protected_person_ids"}
    assert fields <= published, fields - published


def test_the_world_report_validates_and_parses_back() -> None:
    """The hostile world's report is valid JSON in the schema's shape."""
    w = world()
    text = render(build_report(w.alerts, w.context, now=NOW), "json")
    document = json.loads(text)
    validate(document)
    assert [a["alert_id"] for a in document["alerts"]] == [a.alert_id for a in w.alerts]
    assert document["redaction"]["protected_person_names"] == "redacted"


@given(alerts_and_context())
def test_generated_reports_validate(case: tuple[list[Alert], Any, Any, bool]) -> None:
    """Reports of arbitrary valid alerts (with and without their records) validate."""
    alerts, context, now, names = case
    report = build_report(alerts, context, now=now, include_protected_names=names)
    document = json.loads(render(report, "json"))
    validate(document)
    assert document == json.loads(json.dumps(report_document(report)))
    assert document["summary"]["alerts"] == len(alerts)


def test_an_invalid_document_is_refused() -> None:
    """The schema has teeth: an unknown severity fails validation."""
    w = world()
    document = json.loads(render(build_report(w.alerts, w.context, now=NOW), "json"))
    document["alerts"][0]["severity"] = "urgent"
    with pytest.raises(jsonschema_rs.ValidationError):
        validate(document)
    del document["alerts"][0]["severity"]
    document["alerts"][0]["latitude"] = 52.46
    with pytest.raises(jsonschema_rs.ValidationError):
        validate(document)


@given(st.sampled_from(["json", "html", "csv"]))
def test_formats_agree_on_the_alert_ids(fmt: str) -> None:
    """Every format names every alert id of the report."""
    w = world()
    text = render(build_report(w.alerts, w.context, now=NOW), fmt)
    assert all(a.alert_id in text for a in w.alerts)
