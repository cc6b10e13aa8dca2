"""Property tests: the engine against a naive oracle, batch against incremental, metamorphic."""

from __future__ import annotations

import datetime as dt
import random

import attrs
from hypothesis import given, note
from hypothesis import strategies as st

from spo_tracker.detection import (
    Alert,
    AlertKind,
    DetectionConfig,
    Detector,
    suspected_breaches,
)
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.terms import (
    DeviceBrowsingHistory,
    ExclusionZone,
    NoApproach,
    NoContact,
    NoOnlineReference,
    NoRecordingImages,
    NoSurveillance,
    NoThirdPartyContact,
    PlatformBan,
    Term,
)
from tests.detection import oracle
from tests.detection.strategies import History, histories

PROHIBITIONS: tuple[type[Term], ...] = (
    NoContact,
    NoThirdPartyContact,
    PlatformBan,
    ExclusionZone,
    NoApproach,
    NoOnlineReference,
    NoSurveillance,
    NoRecordingImages,
    DeviceBrowsingHistory,
)


def _hits(detector: Detector, incident: Incident) -> set[oracle.Hit]:
    return {(b.order_id, b.term_id, b.rule_id) for b in detector.check(incident).breaches}


def _breach_groups(alerts: tuple[Alert, ...]) -> dict[oracle.GroupKey, set[str]]:
    groups = {}
    for a in alerts:
        if a.kind is AlertKind.BREACH:
            assert a.window_start is not None
            assert a.order_id
            assert a.term_id
            day = a.window_start.in_timezone("Europe/London").date().toordinal()
            groups[(a.defendant_id, a.order_id, a.term_id, a.rule_id, day)] = set(a.evidence_ids)
    return groups


@given(data=st.data(), term_type=st.sampled_from(PROHIBITIONS))
def test_each_rule_agrees_with_the_naive_oracle(data: st.DataObject, term_type: type[Term]) -> None:
    """For orders of one prohibition type, check() flags exactly what the oracle flags."""
    history = data.draw(histories(term_types=(term_type,)))
    detector = history.detector()
    for incident in history.incidents:
        expected = oracle.breaches(history.orders, history.defendants, history.places, incident)
        note(f"{incident!r} -> {expected}")
        assert _hits(detector, incident) == expected


@given(history=histories())
def test_mixed_orders_agree_with_the_oracle_and_the_reference(history: History) -> None:
    """Mixed terms: the engine, the pure reference function and the oracle all agree."""
    detector = history.detector()
    for incident in history.incidents:
        expected = oracle.breaches(history.orders, history.defendants, history.places, incident)
        assert _hits(detector, incident) == expected
        who = oracle.attribute(incident, history.defendants)
        reference = {
            (o.order_id, t.term_id, r.rule_id)
            for o in history.orders
            if o.defendant_id == who
            for r, t in suspected_breaches(o, incident, history.places)
        }
        assert reference == expected


@given(history=histories(max_incidents=30), days=st.integers(1, 8))
def test_grouping_matches_the_oracle_and_alerts_are_valid(history: History, days: int) -> None:
    """Breach alerts group the oracle's sets; every alert passes validation and round-trips."""
    config = DetectionConfig(group_days=days, escalation_threshold=2)
    result = history.detector(config).scan(history.incidents)
    expected = oracle.grouped(
        history.orders, history.defendants, history.places, history.incidents, days
    )
    assert _breach_groups(result.alerts) == {
        (k[0], k[1], k[2], k[3], k[4] * days): v for k, v in expected.items()
    }
    for alert in result.alerts:
        assert Alert.from_dict(alert.as_dict()) == alert
        assert list(alert.evidence_ids) == list(dict.fromkeys(alert.evidence_ids))


@given(history=histories(max_incidents=30), seed=st.integers(0, 2**32 - 1))
def test_batch_equals_the_fold_of_incremental_in_any_order(history: History, seed: int) -> None:
    """scan() equals observe() one at a time in a shuffled order, and a hand fold of check()."""
    detector = history.detector(DetectionConfig(escalation_threshold=2))
    batch = detector.scan(history.incidents)
    shuffled = list(history.incidents)
    random.Random(seed).shuffle(shuffled)
    tracker = detector.tracker()
    folded: dict[oracle.GroupKey, set[str]] = {}
    for incident in shuffled:
        for b in tracker.observe(incident).breaches:
            day = b.occurred_at.in_timezone("Europe/London").date().toordinal()
            key = (b.defendant_id, b.order_id, b.term_id, b.rule_id, day)
            folded.setdefault(key, set()).add(b.incident_id)
    assert tracker.result() == batch
    assert _breach_groups(batch.alerts) == folded
    # Observing everything again (a re-run) changes no alert, ids included; the count of
    # incidents observed counts each observation.
    again = detector.scan([*shuffled, *history.incidents])
    assert (again.alerts, again.unattributed) == (batch.alerts, batch.unattributed)
    assert again.incidents_seen == 2 * batch.incidents_seen == 2 * len(history.incidents)


# --- metamorphic ------------------------------------------------------------------------


@given(history=histories(min_incidents=1))
def test_flags_vanish_before_the_order_outside_the_term_and_for_someone_else(
    history: History,
) -> None:
    """Moving a flagged incident before its order, out of its term's period, or to D3 unflags it."""
    detector = history.detector()
    for incident in history.incidents:
        other = attrs.evolve(incident, actor=None, defendant_id="D3")  # D3 has no order
        assert detector.check(other).breaches == ()
        for b in detector.check(incident).breaches:
            order = next(o for o in history.orders if o.order_id == b.order_id)
            before = attrs.evolve(
                incident, occurred_at=order.made_at - dt.timedelta(microseconds=1)
            )
            assert b.order_id not in {x.order_id for x in detector.check(before).breaches}
            term = order.version_at(incident.occurred_at).term(b.term_id)
            if term.period is None:
                continue
            for outside in (
                term.period.starts_at - dt.timedelta(microseconds=1),
                term.period.ends_at,
            ):
                moved = attrs.evolve(incident, occurred_at=outside)
                flags = {(x.order_id, x.term_id) for x in detector.check(moved).breaches}
                if any(t == term for t in order.version_at(outside).terms):
                    assert (b.order_id, b.term_id) not in flags


@given(
    history=histories(max_incidents=15),
    extra=histories(max_orders=1, max_incidents=15),
)
def test_unrelated_incidents_never_change_existing_alerts(history: History, extra: History) -> None:
    """Incidents by someone else (D9, in no history) or by nobody leave every alert alone."""
    detector = history.detector()
    before = detector.scan(history.incidents)
    unrelated = [
        attrs.evolve(i, incident_id=f"X{i.incident_id}", actor=None, defendant_id=d)
        for i in extra.incidents
        for d in ("D9", None)
    ]
    after = detector.scan([*history.incidents, *unrelated])
    assert [a for a in after.alerts if a.defendant_id != "D9"] == list(before.alerts)
