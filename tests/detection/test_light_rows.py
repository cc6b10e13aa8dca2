"""The batch scan over light rows against the general path over incident objects.

:meth:`~spo_tracker.detection.engine.AlertTracker.observe_rows` is the hot path of
``run_detection``: it reads plain row values, builds a validated view only for
rows that reach a rule's content test, records a row's hits in one London-day
bucket and watches zones only near them. These properties hold it to
:meth:`~spo_tracker.detection.engine.Detector.scan` over the same incidents (the
general path, through :meth:`AlertTracker.observe_all`), in any order of arrival
and when every row is seen twice, under grouping windows of one and several days.
The rows are made by the memory store's own converter, field for field the
:class:`~spo_tracker.storage.ScannedIncident` every store gives.
"""

from __future__ import annotations

import math
import random
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection import DetectionConfig, Detector
from spo_tracker.detection._clock import instant
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.people import ProtectedPerson, RestrictedDetails
from spo_tracker.domain.statutory_time import as_london_date, start_of_london_day
from spo_tracker.domain.terms import ExclusionZone, NoApproach, NoContact, PlatformBan
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage._memory import _scanned
from tests.detection.builders import MADE, incident, make_defendant, make_order, vary
from tests.detection.strategies import History, histories
from tests.strategies import metres_to_degrees

HOME = GeoPoint(52.4862, -1.8904)

CONFIGS = (
    DetectionConfig(escalation_threshold=2),
    DetectionConfig(group_days=3, escalation_threshold=2, course_of_conduct_min=2),
    DetectionConfig(zone_watch_m=5_000.0, closing_in_min_sightings=2),
)


@given(
    history=histories(max_incidents=30),
    config=st.sampled_from(CONFIGS),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_scan_equals_the_incident_scan_in_any_order(
    history: History, config: DetectionConfig, seed: int
) -> None:
    """scan_rows over shuffled rows gives the alerts and unattributed of scan over incidents."""
    detector = history.detector(config)
    expected = detector.scan(history.incidents)
    rows = [_scanned(i) for i in history.incidents]
    random.Random(seed).shuffle(rows)
    assert detector.scan_rows(rows) == expected
    twice = detector.scan_rows([*rows, *reversed(rows)])
    assert (twice.alerts, twice.unattributed) == (expected.alerts, expected.unattributed)
    assert twice.incidents_seen == 2 * expected.incidents_seen


@given(
    history=histories(max_incidents=30, term_types=(ExclusionZone, NoApproach, PlatformBan)),
    config=st.sampled_from(CONFIGS),
)
def test_row_scan_equals_the_incident_scan_on_places_and_platforms(
    history: History, config: DetectionConfig
) -> None:
    """The located and platform paths (guard boxes, zone watching, bans) agree too."""
    detector = history.detector(config)
    rows = [_scanned(i) for i in history.incidents]
    assert detector.scan_rows(rows) == detector.scan(history.incidents)


@given(history=histories(max_incidents=30), split=st.integers(0, 30))
def test_rows_fold_into_an_existing_tracker_like_incidents(history: History, split: int) -> None:
    """observe_rows and observe_all fold into one tracker interchangeably."""
    detector = history.detector(CONFIGS[0])
    half = min(split, len(history.incidents))
    tracker = detector.tracker()
    tracker.observe_all(history.incidents[:half])
    rest = [_scanned(i) for i in history.incidents[half:]]
    assert tracker.observe_rows(iter(rest)) == len(rest)
    assert tracker.result() == detector.scan(history.incidents)


def _bounds(detector: Detector) -> list[float]:
    """Every finite instant at which a compiled term starts or stops biting, or its order
    was served (hits before it are flagged)."""
    entries = [
        e
        for plan in detector.plans.values()
        for group in (*plan.by_kind.values(), *plan.by_platform.values())
        for e in group
    ]
    return sorted({b for e in entries for b in (e.lo, e.hi, e.served) if math.isfinite(b)})


@given(
    history=histories(max_incidents=12, term_types=(ExclusionZone, NoApproach, PlatformBan)),
    config=st.sampled_from(CONFIGS),
)
def test_row_scan_equals_the_incident_scan_at_term_edges_and_through_others(
    history: History, config: DetectionConfig
) -> None:
    """Copies of every incident at every instant a term starts or stops biting or its order
    was served, as they were and made through someone else: the row scan's span tests,
    pre-service flags and zone watching agree with the incident path exactly at those edges."""
    detector = history.detector(config)
    copies: list[Incident] = []
    for at in _bounds(detector)[:12]:
        for original in history.incidents:
            for via in (original.via_third_party, not original.via_third_party):
                copy_id = f"{original.incident_id}-{len(copies)}"
                copies.append(
                    attrs.evolve(
                        original, incident_id=copy_id, occurred_at=instant(at), via_third_party=via
                    )
                )
    incidents = (*history.incidents, *copies)
    rows = [_scanned(i) for i in incidents]
    assert detector.scan_rows(rows) == detector.scan(incidents)


@given(history=histories(max_incidents=20, term_types=(ExclusionZone,)))
def test_row_scan_watches_zones_like_the_incident_scan(history: History) -> None:
    """With a wide watch and two sightings enough, every incident and its copy made through
    someone else: only presence in person counts towards closing in, on both paths."""
    detector = history.detector(
        DetectionConfig(zone_watch_m=50_000.0, closing_in_min_sightings=2, closing_in_gap_hours=1e5)
    )
    copies = [
        attrs.evolve(i, incident_id=f"{i.incident_id}-via", via_third_party=not i.via_third_party)
        for i in history.incidents
    ]
    incidents = (*history.incidents, *copies)
    assert detector.scan_rows([_scanned(i) for i in incidents]) == detector.scan(incidents)


def test_sightings_made_through_someone_else_never_close_in_on_rows() -> None:
    """Sightings nearer a zone each time close in on both paths; the same sightings made
    through someone else (a presence only reported at second hand) raise nothing on either."""
    zone = ExclusionZone(term_id="T1", zone=Circle(HOME, 200), label="Zone A")
    detector = Detector([make_order(zone)], [make_defendant()])
    day = pendulum.datetime(2026, 3, 2, 9, tz="Europe/London")
    for via in (False, True):
        sightings = []
        for i, metres in enumerate((900, 600, 300)):
            dlat, _ = metres_to_degrees(metres, HOME.lat)
            where = GeoPoint(HOME.lat + dlat, HOME.lon)
            sightings.append(
                incident(
                    f"S{i}",
                    day.add(hours=i),
                    IncidentKind.SIGHTING,
                    location=where,
                    via_third_party=via,
                )
            )
        from_rows = detector.scan_rows([_scanned(i) for i in sightings])
        assert from_rows == detector.scan(sightings)
        assert [a.rule_id for a in from_rows.alerts] == ([] if via else ["escalation.closing_in"])


def test_a_reported_approach_far_from_every_known_place_breaches_on_rows_too() -> None:
    """A no-approach term's shortcut box (the person's known places widened by the
    distance) does not hold a reported approach (SPA2019 s.8(1)): one reported far from
    every known place, or with no place at all, is a breach on both paths."""
    term = NoApproach(term_id="T1", persons=("P1",), distance_m=100)
    person = ProtectedPerson("P1", "Person P1", RestrictedDetails(places=(("home", HOME),)))
    detector = Detector([make_order(term)], [make_defendant()], protected_persons=[person])
    day = pendulum.datetime(2026, 3, 2, 9, tz="Europe/London")
    far = GeoPoint(HOME.lat + 0.5, HOME.lon)  # about 55 km north
    approaches = [
        incident("A1", day, IncidentKind.APPROACH, location=far),
        incident("A2", day.add(hours=1), IncidentKind.APPROACH),
    ]
    from_rows = detector.scan_rows([_scanned(i) for i in approaches])
    assert from_rows == detector.scan(approaches)
    breached = {
        e for a in from_rows.alerts if a.rule_id == "breach.no_approach" for e in a.evidence_ids
    }
    assert breached == {"A1", "A2"}


@given(history=histories(max_incidents=10), config=st.sampled_from(CONFIGS))
def test_row_scan_buckets_hits_at_london_midnights_like_the_incident_scan(
    history: History, config: DetectionConfig
) -> None:
    """Copies of every incident at the London midnights that begin and end its day, and a
    microsecond either side (in winter London midnight is a UTC midnight, in summer it falls
    within a UTC day): the row scan's inline read of the London-day memo puts every hit in
    the window the incident path's ``london_day`` gives."""
    detector = history.detector(config)
    copies: list[Incident] = []
    for original in history.incidents:
        day = as_london_date(original.occurred_at)
        for midnight in (start_of_london_day(day), start_of_london_day(day.add(days=1))):
            for us in (-1, 0, 1):
                copies.append(
                    attrs.evolve(
                        original,
                        incident_id=f"{original.incident_id}-m{len(copies)}",
                        occurred_at=midnight.add(microseconds=us),
                    )
                )
    incidents = (*history.incidents, *copies)
    assert detector.scan_rows([_scanned(i) for i in incidents]) == detector.scan(incidents)


@attrs.frozen
class _Seen:
    """An observation (rules.Observed) with any kind, platform, target, via and place."""

    kind: IncidentKind
    platform: Platform | None
    target_person_id: str | None
    via_third_party: bool
    location: GeoPoint | None


@given(history=histories(max_incidents=20))
def test_place_free_rules_read_only_the_kind_target_and_via(history: History) -> None:
    """The rules whose answers the row scan remembers by kind, target and via
    (``rules.PLACE_FREE``) give the same answer whatever the place, platform and known
    places: remembering them is exact."""
    detector = history.detector(CONFIGS[0])
    entries = {
        e
        for plan in detector.plans.values()
        for group in plan.by_kind.values()
        for e in group
        if e.place_free
    }
    elsewhere = (None, HOME, GeoPoint(-33.9, 151.2))
    for e in entries:
        for i in history.incidents:
            answer = e.match(e.term, i, detector.places)
            for where in (i.location, *elsewhere):
                for platform in (None, Platform.FACEBOOK, Platform.WHATSAPP):
                    seen = _Seen(i.kind, platform, i.target_person_id, i.via_third_party, where)
                    assert e.match(e.term, seen, {}) == answer


@given(history=histories(max_incidents=12), config=st.sampled_from(CONFIGS))
def test_row_scan_equals_the_incident_scan_through_others_and_at_others(
    history: History, config: DetectionConfig
) -> None:
    """Every incident again made through someone else, and again aimed at each other person
    the orders protect, or at nobody: the answers the row scan remembers per kind, target
    and via (for the place-free rules) are never reused for another target or via."""
    detector = history.detector(config)
    persons = sorted({p for order in history.orders for p in order.protected_person_ids})
    copies: list[Incident] = []
    for original in history.incidents:
        others: list[str | None] = [p for p in (*persons, None) if p != original.target_person_id]
        for via, target in [(not original.via_third_party, original.target_person_id)] + [
            (original.via_third_party, p) for p in others
        ]:
            copies.append(
                attrs.evolve(
                    original,
                    incident_id=f"{original.incident_id}-c{len(copies)}",
                    via_third_party=via,
                    target_person_id=target,
                )
            )
    incidents = (*history.incidents, *copies)
    assert detector.scan_rows([_scanned(i) for i in incidents]) == detector.scan(incidents)


def test_a_term_kept_across_a_variation_gives_one_alert_a_window_on_both_paths() -> None:
    """A no-contact term kept by a variation compiles to one entry per version, neither of
    them alone: their hits in one window make one alert (one id), on the row scan as on the
    incident scan (SPA2019 s.8(1))."""
    term = NoContact(term_id="T1", persons=("P1",))
    on = as_london_date(MADE).add(days=10)
    if on.toordinal() % 7 == 0:  # keep the day before in the same seven-day window
        on = on.add(days=1)
    detector = Detector(
        [vary(make_order(term), on, term)],
        [make_defendant()],
        config=DetectionConfig(group_days=7),
    )
    entries = [e for e in detector.plans["D1"].by_kind["message"] if e.term_id == "T1"]
    assert len(entries) == 2
    assert not any(e.alone for e in entries)
    start = start_of_london_day(on)
    messages = [incident("M1", start.subtract(hours=1)), incident("M2", start.add(hours=1))]
    from_rows = detector.scan_rows([_scanned(i) for i in messages])
    assert from_rows == detector.scan(messages)
    breaches = [a for a in from_rows.alerts if a.rule_id == "breach.no_contact"]
    assert [a.evidence_ids for a in breaches] == [("M1", "M2")]


def _messages_to_p1() -> tuple[Detector, list[Incident]]:
    detector = Detector([make_order(NoContact(term_id="T1", persons=("P1",)))], [make_defendant()])
    day = pendulum.datetime(2026, 3, 2, 9, tz="Europe/London")
    here = GeoPoint(52.48, -1.9)
    return detector, [
        incident("M1", day, location=here),
        incident("M2", day.add(hours=1), location=here),
    ]


def test_a_row_off_the_globe_is_refused_wherever_it_comes() -> None:
    """A stored message whose latitude was set to 95 outside the library: refused whether
    or not an earlier row gave the rule's answer already, nothing of it recorded, and the
    rows before it kept and counted."""
    detector, (first, second) = _messages_to_p1()
    bad = _scanned(second)._replace(lat=95.0)
    for rows in ([bad], [_scanned(first), bad], [bad, _scanned(first)]):
        with pytest.raises(InvalidValueError, match="latitude"):
            detector.scan_rows(rows)
    tracker = detector.tracker()
    with pytest.raises(InvalidValueError, match="latitude"):
        tracker.observe_rows([_scanned(first), bad])
    assert tracker.result() == detector.scan([first])
    assert tracker.result().incidents_seen == 1


def test_a_message_through_someone_else_is_not_answered_as_a_direct_one() -> None:
    """No contact with P1 (SPA2019 s.8(1)): a direct message is a breach, one through a
    third party is not this term's, in either order (the remembered answer is per via)."""
    detector, (direct, _) = _messages_to_p1()
    through = attrs.evolve(direct, incident_id="V1", via_third_party=True)
    for incidents in ([direct, through], [through, direct]):
        found = detector.scan_rows([_scanned(i) for i in incidents])
        assert found == detector.scan(incidents)
        hits = {e for a in found.alerts if a.rule_id == "breach.no_contact" for e in a.evidence_ids}
        assert hits == {"M1"}


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("via_third_party", "Jane Doe, 12 High St"),
        ("via_third_party", 2),
        ("occurred_us", 1.5e15),
        ("reported_us", "12 High St"),
        ("reported_us", 2**63 - 1),
        ("reported_us", 1.5e15),
        ("reported_us", -(2**62)),  # before 1900
        ("occurred_us", 2**62),  # after 2200
    ],
)
def test_a_row_holding_what_no_stored_incident_can_is_refused_unquoted(
    column: str, value: object
) -> None:
    """A stored row a hand edit changed (a via that is neither 0 nor 1, a time that is not
    whole microseconds in the supported range): refused naming the column and the incident
    but not quoting the value, the rows before it kept and counted, never a bare
    TypeError or OverflowError."""
    detector, (first, second) = _messages_to_p1()
    changes: dict[str, Any] = {column: value}
    bad = _scanned(second)._replace(**changes)
    field = {"occurred_us": "occurred_at", "reported_us": "reported_at"}.get(column, column)
    tracker = detector.tracker()
    with pytest.raises(InvalidValueError) as got:
        tracker.observe_rows([_scanned(first), bad])
    assert got.value.field == field
    assert second.incident_id in str(got.value)
    assert "High St" not in str(got.value)
    assert tracker.result() == detector.scan([first])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"defendant_id": "D-no-order", "reported_us": "soon"}, "reported_at"),
        ({"defendant_id": "D-no-order", "occurred_us": 1.5e15}, "occurred_at"),
        ({"via_third_party": "x", "reported_us": "soon"}, "via_third_party"),
        ({"occurred_us": 1.5e15, "via_third_party": "x"}, "occurred_at"),
    ],
)
def test_a_refused_row_names_its_first_bad_column_on_every_path(
    changes: dict[str, Any], field: str
) -> None:
    """A row aimed at a person by a defendant with no order (recorded for courses of
    conduct, tested by no rule) is refused like a tested one; a row bad in several
    columns is refused naming the first of them in the row's order."""
    detector, (first, second) = _messages_to_p1()
    bad = _scanned(second)._replace(**changes)
    with pytest.raises(InvalidValueError) as got:
        detector.scan_rows([_scanned(first), bad])
    assert got.value.field == field
