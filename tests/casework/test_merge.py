"""merge_alerts: the evidence of an alert raised again is the union, in the order it happened."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from spo_tracker.casework import merge_alerts
from spo_tracker.detection.alerts import Alert, AlertKind, Severity
from spo_tracker.errors import InvalidValueError

T0 = pendulum.datetime(2025, 3, 1, 9, tz="Europe/London")


def _alert(evidence: tuple[str, ...], severity: Severity = Severity.HIGH) -> Alert:
    """A platform-ban alert over ``evidence`` (incident ``I<n>`` happened at T0 + n hours)."""
    hours = sorted(int(i[1:]) for i in evidence)
    return Alert(
        alert_id="AL-1",
        rule_id="breach.platform_ban",
        kind=AlertKind.BREACH,
        severity=severity,
        defendant_id="D1",
        order_id="O1",
        section="SPA2019 s.8(1)",
        title="Contact on a banned platform",
        explanation="A suspicion for review.",
        evidence_ids=evidence,
        count=len(evidence),
        first_seen=T0.add(hours=hours[0]),
        last_seen=T0.add(hours=hours[-1]),
        breach_time=T0.add(hours=hours[0]),
        identified_at=T0.add(hours=hours[0]),
    )


OCCURRED = {f"I{n}": T0.add(hours=n) for n in range(1, 10)}


def test_the_same_alert_again_is_the_stored_one() -> None:
    """Nothing new: the stored object itself comes back (so nothing is written)."""
    stored = _alert(("I1", "I2"))
    assert merge_alerts(stored, _alert(("I1", "I2"))) is stored


def test_more_evidence_is_taken_with_its_count_and_last_seen() -> None:
    """A later run with more incidents: its evidence, count and last-seen."""
    merged = merge_alerts(_alert(("I1", "I2")), _alert(("I1", "I2", "I3")))
    assert (merged.evidence_ids, merged.count, merged.last_seen) == (
        ("I1", "I2", "I3"),
        3,
        T0.add(hours=3),
    )


def test_evidence_only_the_stored_alert_had_is_kept_in_time_order() -> None:
    """A run that saw only some incidents: the union, ordered by when they happened, with
    the earliest first-seen and the latest last-seen."""
    merged = merge_alerts(_alert(("I1", "I5")), _alert(("I3", "I7")), occurred=OCCURRED)
    assert merged.evidence_ids == ("I1", "I3", "I5", "I7")
    assert (merged.count, merged.first_seen, merged.last_seen) == (
        4,
        T0.add(hours=1),
        T0.add(hours=7),
    )
    assert merged.identified_at == T0.add(hours=1)


def test_a_run_that_saw_everything_the_stored_alert_rests_on_replaces_it() -> None:
    """The latest judgement over at least the same evidence wins, severity and all."""
    found = _alert(("I1", "I2"), Severity.HIGH)
    assert merge_alerts(_alert(("I1",), Severity.CRITICAL), found) is found


def test_the_severity_of_a_union_never_drops() -> None:
    """A critical alert found again, on less evidence, as high stays critical."""
    stored = _alert(("I1", "I2"), Severity.CRITICAL)
    found = _alert(("I2",), Severity.HIGH)
    assert merge_alerts(stored, found, occurred=OCCURRED).severity is Severity.CRITICAL


def test_a_dated_alert_keeps_the_time_it_was_first_identified() -> None:
    """An alert on dates alone found again the next night is the stored one, unchanged."""
    stored = attrs.evolve(_alert(("I1",)), evidence_ids=(), count=1)
    again = attrs.evolve(stored, identified_at=stored.identified_at.add(days=1))
    assert merge_alerts(stored, again) is stored


def test_another_id_is_refused_naming_it() -> None:
    """Two different alerts cannot be merged."""
    other = attrs.evolve(_alert(("I1",)), alert_id="AL-2")
    with pytest.raises(InvalidValueError, match="AL-2"):
        merge_alerts(_alert(("I1",)), other)


def test_a_union_without_the_incident_times_is_refused_naming_the_incident() -> None:
    """The order of a union needs the times: a missing one is named, not guessed."""
    with pytest.raises(InvalidValueError, match="I5"):
        merge_alerts(_alert(("I1", "I5")), _alert(("I3",)), occurred={"I1": T0, "I3": T0})
