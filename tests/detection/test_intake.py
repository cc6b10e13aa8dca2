"""Bad input at the edge: typed errors naming the value, and nothing recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection import Detector, incident_from_record
from spo_tracker.domain.identities import IdentityKind
from spo_tracker.domain.terms import NoContact, PlatformBan
from spo_tracker.errors import (
    InvalidIdentityError,
    InvalidValueError,
    NaiveDatetimeError,
    UnknownCodeError,
    UnknownPlatformError,
)
from tests.detection.builders import make_defendant, make_order
from tests.strategies import naive_datetimes

GOOD: dict[str, Any] = {
    "incident_id": "R1",
    "occurred_at": "2026-03-29T10:15:00+01:00",
    "kind": "message",
    "platform": "Twitter",
    "actor": {"kind": "handle", "value": "@Troll_99", "platform": "x"},
    "target_person_id": "P1",
    "location": {"lat": 52.48, "lon": -1.89},
    "reported_at": "2026-03-30T09:00:00Z",
}


def _detector() -> Detector:
    from spo_tracker.domain.identities import handle

    order = make_order(
        NoContact(term_id="T1", persons=("P1",)), PlatformBan(term_id="T2", platforms=["x"])
    )
    return Detector([order], [make_defendant("D1", handle("x", "troll_99"))])


def test_a_good_record_becomes_an_incident_that_is_checked() -> None:
    """Plain values are normalised (alias, handle case, offset) and checked."""
    incident = incident_from_record(GOOD)
    assert incident.platform is not None
    assert incident.platform.value == "x"
    assert incident.actor is not None
    assert incident.actor.key == "handle:x:troll_99"
    rules = {b.rule_id for b in _detector().check(incident).breaches}
    assert rules == {"breach.no_contact", "breach.platform_ban"}


@pytest.mark.parametrize(
    ("change", "error", "named"),
    [
        ({"occurred_at": "2026-03-29T10:15:00"}, NaiveDatetimeError, "2026-03-29T10:15:00"),
        ({"occurred_at": dt.datetime(2026, 3, 29, 10)}, NaiveDatetimeError, "2026, 3, 29"),
        ({"reported_at": "2026-03-30 09:00"}, NaiveDatetimeError, "2026-03-30 09:00"),
        ({"occurred_at": "2026-02-30T10:15:00Z"}, InvalidValueError, "2026-02-30T10:15:00Z"),
        ({"platform": "myspace"}, UnknownPlatformError, "myspace"),
        (
            {"actor": {"kind": "handle", "value": "x", "platform": "friendster"}},
            UnknownPlatformError,
            "friendster",
        ),
        ({"location": {"lat": 91.0, "lon": 0.0}}, InvalidValueError, "latitude"),
        ({"location": [52.0, -181.5]}, InvalidValueError, "longitude"),
        ({"location": "Birmingham"}, InvalidValueError, "location"),
        ({"actor": {"kind": "phone", "value": "12ab"}}, InvalidIdentityError, "phone=<value"),
        ({"actor": {"kind": "email", "value": "no-email"}}, InvalidIdentityError, "email=<value"),
        ({"actor": {"kind": "fax", "value": "1"}}, UnknownCodeError, "fax"),
        ({"kind": "telepathy"}, UnknownCodeError, "telepathy"),
        ({"colour": "red"}, InvalidValueError, "colour"),
        ({"incident_id": None}, InvalidValueError, "incident_id"),
        ({"via_third_party": "yes"}, InvalidValueError, "yes"),
    ],
)
def test_bad_records_are_typed_errors_naming_the_value(
    change: dict[str, Any], error: type[Exception], named: str
) -> None:
    """Naive times, unknown platforms and identities name the bad value; a bad position
    names its field (a coordinate is never quoted: see the test below)."""
    tracker = _detector().tracker()
    tracker.observe(incident_from_record(GOOD))
    before = tracker.result()
    with pytest.raises(error, match=named.replace("(", r"\(")):
        tracker.observe(incident_from_record({**GOOD, **change}))
    assert tracker.result() == before  # nothing was recorded


@pytest.mark.parametrize(
    ("change", "field", "hidden"),
    [
        ({"location": {"lat": 152.451234, "lon": -1.930345}}, "latitude", "52.451234"),
        ({"location": [52.451234, -181.930345]}, "longitude", "1.930345"),
        ({"location": "52.451234,-1.930345"}, "location", "52.451234"),
        ({"location": [52.451234, -1.930345, 0]}, "location", "52.451234"),
        ({"location": {"lat": 52.451234, "lon": -1.930345, "m": 5}}, "location", "52.451234"),
        ({"location": {"lat": "52.451234", "lon": -1.9}}, "latitude", "52.451234"),
        ({"occurred_at": "outside 14 Wren Close"}, "occurred_at", "Wren"),
        ({"occurred_at": "x" * 70}, "occurred_at", "xxxx"),
        ({"actor": "+447700900123 John Smith"}, "actor", "John"),
        ({"actor": {"kind": "phone", "number": "+447700900123"}}, "actor", "447700900123"),
        ({"actor": {"kind": "phone", "value": "07700 900123 Zebedee"}}, "phone", "Zebedee"),
        ({"actor": {"kind": "email", "value": "zebedee quillan@x"}}, "email", "zebedee"),
        ({"actor": {"kind": "email", "value": "mark.ellison"}}, "email", "ellison"),
        ({"actor": {"kind": "phone", "value": "12-Lark-Rise"}}, "phone", "Lark"),
        ({"evidence_refs": ["CCTV at 14 Wren Close\x01"]}, "evidence_refs", "Wren"),
        ({"evidence_refs": "CCTV at 14 Wren Close"}, "evidence_refs", "Wren"),
        ({"evidence_refs": ["x" * 600 + " 14 Wren Close"]}, "evidence_refs", "xxxx"),
        ({"14 Wren Close": 1}, "record", "Wren"),
    ],
)
def test_a_refused_position_identity_or_reference_is_never_quoted(
    change: dict[str, Any], field: str, hidden: str
) -> None:
    """A location may be a protected person's whereabouts, an identity and a reference an
    officer typed may be personal: the error names the field, never the value (a hostile
    review, 7 December 2026)."""
    with pytest.raises(InvalidValueError) as refused:
        incident_from_record({**GOOD, **change})
    assert refused.value.field == field
    assert hidden not in str(refused.value)
    assert hidden not in repr(refused.value)


def test_a_row_that_is_not_a_mapping_is_named_by_its_type() -> None:
    row = ("I1", "2026-03-14T07:00:00Z", "message", "outside 14 Wren Close")
    with pytest.raises(InvalidValueError) as refused:
        incident_from_record(row)  # type: ignore[arg-type]
    assert "Wren" not in str(refused.value)
    assert "tuple" in str(refused.value)


@given(moment=naive_datetimes())
def test_any_naive_timestamp_is_refused(moment: dt.datetime) -> None:
    """Every naive datetime, as an object or as ISO text, is a NaiveDatetimeError."""
    with pytest.raises(NaiveDatetimeError):
        incident_from_record({**GOOD, "occurred_at": moment})
    with pytest.raises(NaiveDatetimeError):
        incident_from_record({**GOOD, "occurred_at": moment.isoformat()})


@given(lat=st.floats(allow_nan=False).filter(lambda v: abs(v) > 90))
def test_any_latitude_out_of_range_is_refused(lat: float) -> None:
    """Coordinates out of range are refused whatever the number."""
    with pytest.raises(InvalidValueError, match="latitude"):
        incident_from_record({**GOOD, "location": [lat, 0.0]})


@pytest.mark.parametrize("kind", [k.value for k in IdentityKind])
def test_an_identity_of_each_kind_with_an_empty_value_is_refused(kind: str) -> None:
    """An empty identity of any kind is a typed error."""
    actor = {"kind": kind, "value": " "}
    if kind == "handle":
        actor["platform"] = "x"
    with pytest.raises(InvalidIdentityError):
        incident_from_record({**GOOD, "actor": actor, "platform": None})
