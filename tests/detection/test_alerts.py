"""The alert record: stable ids, ordering, validation and round-trip serialisation."""

from __future__ import annotations

import datetime as dt
import json

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection.alerts import alert_id_from, alert_id_prefix
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for, sort_alerts
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError, UnknownCodeError

AT = pendulum.datetime(2026, 3, 29, 0, 30, tz="Europe/London")


def _alert(**changes: object) -> Alert:
    values: dict[str, object] = {
        "alert_id": alert_id_for("breach.platform_ban", "D1", "O1", "T1", "2026-03-29"),
        "rule_id": "breach.platform_ban",
        "kind": AlertKind.BREACH,
        "severity": Severity.HIGH,
        "defendant_id": "D1",
        "order_id": "O1",
        "term_id": "T1",
        "term_code": "SPO-P03",
        "section": "SPA2019 s.8(1)",
        "related_sections": ("SPA2019 s.1(2)(a)",),
        "cjs_code": "ST19001",
        "title": "Suspected breach: platform ban",
        "explanation": "Two messages on Instagram. A suspicion for review.",
        "evidence_ids": ("I2", "I1"),
        "count": 2,
        "first_seen": AT,
        "last_seen": AT.add(hours=2),
        "breach_time": AT,
        "identified_at": AT.add(hours=3),
        "protected_person_ids": ("P2", "P1", "P2"),
    }
    values.update(changes)
    return Alert(**values)  # type: ignore[arg-type]


def test_alert_id_is_stable_and_content_derived() -> None:
    """The same identifying content gives the same id; different content a different one."""
    assert alert_id_for("r", "D1", None) == alert_id_for("r", "D1", None)
    assert alert_id_for("r", "D1", None) != alert_id_for("r", "D1", "")
    assert alert_id_for("r", "D1") != alert_id_for("r", "D2")
    assert alert_id_for("r", "D1").startswith("AL-")


def test_severity_is_ordered() -> None:
    """INFO < LOW < MEDIUM < HIGH < CRITICAL."""
    assert sorted(Severity, reverse=True)[0] is Severity.CRITICAL
    assert Severity.INFO < Severity.LOW < Severity.MEDIUM < Severity.HIGH < Severity.CRITICAL


def test_evidence_keeps_its_order_and_persons_are_sorted() -> None:
    """Evidence ids stay in the order given; protected person ids are a sorted set."""
    alert = _alert()
    assert alert.evidence_ids == ("I2", "I1")
    assert alert.protected_person_ids == ("P1", "P2")


def test_round_trip_through_json() -> None:
    """as_dict gives JSON-ready values and from_dict rebuilds an equal alert."""
    alert = _alert(deadline=AT.add(days=3))
    data = json.loads(json.dumps(alert.as_dict()))
    assert data["kind"] == "breach"
    assert data["severity"] == "high"
    assert Alert.from_dict(data) == alert


def test_count_must_match_evidence() -> None:
    """A count that disagrees with the evidence is refused, naming the count."""
    with pytest.raises(InvalidValueError, match="count=3"):
        _alert(count=3)


def test_duplicate_evidence_is_refused() -> None:
    """The same incident cannot be evidence twice."""
    with pytest.raises(InvalidValueError, match="evidence_ids"):
        _alert(evidence_ids=("I1", "I1"))


def test_naive_identified_at_is_refused() -> None:
    """A naive timestamp is a typed error naming the value."""
    with pytest.raises(NaiveDatetimeError, match="identified_at"):
        _alert(identified_at=dt.datetime(2026, 1, 1))


def test_unknown_kind_and_severity_are_refused() -> None:
    """Codes outside the enumerations are typed errors naming the value."""
    with pytest.raises(UnknownCodeError, match="'alarm'"):
        _alert(kind="alarm")
    with pytest.raises(UnknownCodeError, match="'urgent'"):
        _alert(severity="urgent")


def test_from_dict_refuses_unknown_fields_and_bad_dates() -> None:
    """Malformed serialised alerts are refused with the offending value."""
    data = _alert().as_dict()
    with pytest.raises(InvalidValueError, match="colour"):
        Alert.from_dict({**data, "colour": "red"})
    with pytest.raises(InvalidValueError, match="yesterday"):
        Alert.from_dict({**data, "deadline": "yesterday"})


@given(
    severities=st.lists(st.sampled_from(list(Severity)), min_size=1, max_size=8),
    hours=st.lists(st.integers(min_value=0, max_value=500), min_size=8, max_size=8),
)
def test_sorting_is_total_and_severity_first(severities: list[Severity], hours: list[int]) -> None:
    """Sorting is independent of input order and puts the most severe first."""
    alerts = [
        _alert(
            alert_id=alert_id_for(i),
            severity=sev,
            breach_time=AT.add(hours=hours[i]),
            first_seen=AT.add(hours=hours[i]),
        )
        for i, sev in enumerate(severities)
    ]
    ordered = sort_alerts(alerts)
    assert ordered == sort_alerts(reversed(alerts))
    ranks = [a.severity.rank for a in ordered]
    assert ranks == sorted(ranks, reverse=True)


@given(parts=st.lists(st.one_of(st.none(), st.text(), st.integers()), min_size=1, max_size=6))
def test_alert_id_from_a_prefix_equals_the_whole_id(parts: list[object]) -> None:
    """Hashing the shared parts once then the last part gives the same id as all at once."""
    assert alert_id_from(alert_id_prefix(*parts[:-1]), parts[-1]) == alert_id_for(*parts)


def test_an_alert_keeps_pendulum_instants_and_normalises_stdlib_ones() -> None:
    """Aware pendulum instants are kept as given (the very objects); stdlib aware datetimes,
    in a zone or at a fixed offset, become the pendulum instants they are."""
    assert _alert().first_seen is AT
    london = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.timezone(dt.timedelta(0)))
    summer = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    made = _alert(first_seen=london, breach_time=london, last_seen=summer, identified_at=summer)
    for name, given_at in (
        ("first_seen", london),
        ("last_seen", summer),
        ("identified_at", summer),
    ):
        value = getattr(made, name)
        assert isinstance(value, pendulum.DateTime)
        assert value == given_at
    assert isinstance(made.identified_at, pendulum.DateTime)
