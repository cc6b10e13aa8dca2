"""The process-parallel batch scan: exactly the serial scan, whatever the split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spo_tracker.detection import DetectionConfig, Detector, scan_parallel
from spo_tracker.detection.parallel import fork_available
from spo_tracker.detection.synthetic import synthetic_force
from spo_tracker.errors import InvalidValueError
from tests.detection.strategies import History, histories

needs_fork = pytest.mark.skipif(not fork_available(), reason="this platform cannot fork")


@needs_fork
@settings(max_examples=25)  # forks two processes per example
@given(history=histories(max_incidents=30), workers=st.integers(2, 3))
def test_parallel_scan_equals_the_serial_scan(history: History, workers: int) -> None:
    """Split by defendant across processes, the alerts, unattributed and count are the same."""
    detector = history.detector(DetectionConfig(escalation_threshold=2))
    incidents = [*history.incidents, *history.incidents[:3]]  # some observed twice
    assert scan_parallel(detector, incidents, workers=workers) == detector.scan(incidents)


@needs_fork
def test_parallel_scan_of_a_synthetic_force_equals_the_serial_scan() -> None:
    """Every alert kind the engine raises, at a few thousand incidents, in two processes."""
    force = synthetic_force(5, defendants=60, orders=70)
    detector = Detector(force.orders, force.defendants, protected_persons=force.protected_persons)
    incidents = list(force.incidents(6_000))
    serial = detector.scan(incidents)
    assert len({a.rule_id for a in serial.alerts}) >= 8
    assert serial.unattributed
    assert scan_parallel(detector, incidents, workers=2) == serial


def test_one_worker_is_the_serial_scan() -> None:
    """With one worker nothing is forked and the result is the scan's."""
    force = synthetic_force(2, defendants=5, orders=6)
    detector = Detector(force.orders, force.defendants)
    incidents = list(force.incidents(300))
    assert scan_parallel(detector, incidents, workers=1) == detector.scan(incidents)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_a_bad_worker_count_is_refused(workers: object) -> None:
    """Workers must be a whole number of 1 or more; the error names the value."""
    detector = Detector([], [])
    with pytest.raises(InvalidValueError, match="workers"):
        scan_parallel(detector, [], workers=workers)  # type: ignore[arg-type]


def test_a_non_incident_is_refused_before_any_work() -> None:
    """An item that is not an Incident is a typed error naming it, before any fork."""
    force = synthetic_force(2, defendants=5, orders=6)
    detector = Detector(force.orders, force.defendants)
    items = [*force.incidents(10), "not an incident"]
    with pytest.raises(InvalidValueError, match="not an incident"):
        scan_parallel(detector, items, workers=2)  # type: ignore[arg-type]
