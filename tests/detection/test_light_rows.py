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

import random

from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection import DetectionConfig
from spo_tracker.domain.terms import ExclusionZone, NoApproach, PlatformBan
from spo_tracker.storage._memory import _scanned
from tests.detection.strategies import History, histories

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
