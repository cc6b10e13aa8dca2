"""merge_alerts: an alert raised again replaces what detection stored; only a dated alert's
first identified time is kept."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from spo_tracker.casework import merge_alerts
from spo_tracker.domain.alerts import Alert, AlertKind, Severity
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


def test_evidence_the_new_run_no_longer_attributes_leaves_the_alert() -> None:
    """An identity wrongly linked, then unlinked: the alert rests on what the run found now,
    its count and last-seen with it (evidence can shrink)."""
    merged = merge_alerts(_alert(("I1", "I2", "I3")), _alert(("I1", "I2")))
    assert (merged.evidence_ids, merged.count, merged.last_seen) == (
        ("I1", "I2"),
        2,
        T0.add(hours=2),
    )


def test_every_detected_field_comes_from_the_new_alert_together() -> None:
    """Flags, persons, explanation and severity all describe the same evidence: the new
    alert's, none of them kept from the stored one."""
    stored = attrs.evolve(
        _alert(("I1", "I2"), Severity.CRITICAL),
        pre_service=True,
        protected_person_ids=("P1", "P2"),
        explanation="2 incidents",
    )
    found = attrs.evolve(_alert(("I2",)), protected_person_ids=("P1",), explanation="1 incident")
    assert merge_alerts(stored, found) is found


def test_a_run_that_saw_everything_the_stored_alert_rests_on_replaces_it() -> None:
    """The latest judgement over at least the same evidence wins, severity and all."""
    found = _alert(("I1", "I2"), Severity.HIGH)
    assert merge_alerts(_alert(("I1",), Severity.CRITICAL), found) is found


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


def test_a_dated_alert_found_identified_earlier_takes_the_earlier_time() -> None:
    """The first identified time is the earlier of both, whichever run saw it first."""
    found = attrs.evolve(_alert(("I1",)), evidence_ids=(), count=1)
    stored = attrs.evolve(found, identified_at=found.identified_at.add(days=1))
    assert merge_alerts(stored, found) == found


@pytest.mark.parametrize(("stored", "found"), [(1, 2), (None, None), ("AL-1", "AL-1")])
def test_something_other_than_alerts_is_refused_naming_it(stored: object, found: object) -> None:
    """Not an alert: a typed error naming the value, not an AttributeError."""
    with pytest.raises(InvalidValueError, match=repr(stored)):
        merge_alerts(stored, found)  # type: ignore[arg-type]
