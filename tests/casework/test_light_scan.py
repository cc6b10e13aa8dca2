"""A scan over stored light rows gives exactly the alerts of a scan over the incidents.

``run_detection`` reads the store's incidents as light rows
(:func:`~spo_tracker.storage.scan_incident_rows`) and folds them with
:meth:`~spo_tracker.detection.engine.Detector.scan_rows`, never building an
:class:`~spo_tracker.domain.incidents.Incident` per row. These tests hold that
path to the incident path on generated histories and on the demo scenario, on
every backend (times, report times, locations and codes survive the row form).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from spo_tracker.casework import run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.detection import DetectionConfig, Detector
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import Store, scan_incident_rows, scan_incidents
from tests.casework.builders import store_incidents
from tests.casework.test_arrivals import Stores, stores
from tests.detection.strategies import History, histories

__all__ = ["stores"]


# ``stores`` is a factory: each example takes its own fresh store from it.
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(max_incidents=30))
def test_stored_rows_give_the_alerts_of_the_incidents(stores: Stores, history: History) -> None:
    """Rows read back from a store scan to the alerts the incidents themselves give."""
    detector = history.detector(DetectionConfig(group_days=2, escalation_threshold=2))
    with stores.fresh() as store:
        store_incidents(store, history.incidents)
        from_rows = detector.scan_rows(scan_incident_rows(store))
    assert from_rows == detector.scan(history.incidents)


def test_demo_rows_give_the_alerts_of_the_stored_incidents(
    demo_store: Store, scenario: Scenario
) -> None:
    """On the demo scenario, every rule's alerts agree between the two scans."""
    detector = Detector(
        scenario.orders, scenario.defendants, protected_persons=scenario.protected_persons
    )
    from_rows = detector.scan_rows(scan_incident_rows(demo_store, until=NOW))
    from_incidents = detector.scan(scan_incidents(demo_store, until=NOW))
    assert from_rows.alerts  # the scenario raises alerts of every kind
    assert from_rows == from_incidents


def test_a_row_with_an_unknown_kind_is_refused_naming_it() -> None:
    """A row whose kind code is unknown raises, naming the code; the rows before it count."""
    good = ("I1", 1_700_000_000_000_000, "message", None, None, "D1", "P1", 0, None, None, None)
    bad = ("I2", 1_700_000_000_000_000, "telepathy", None, None, "D1", "P1", 0, None, None, None)
    tracker = Detector((), ()).tracker()
    with pytest.raises(InvalidValueError, match="telepathy"):
        tracker.observe_rows([good, bad])
    assert tracker.result().incidents_seen == 1


def test_a_row_with_an_unknown_platform_is_refused_naming_it() -> None:
    """A row whose platform code is unknown raises, naming the code."""
    row = ("I1", 1_700_000_000_000_000, "post", "myspace2", None, "D1", None, 0, None, None, None)
    with pytest.raises(InvalidValueError, match="myspace2"):
        Detector((), ()).scan_rows([row])


def test_run_detection_reads_rows_not_incidents(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's path never builds incident objects from the store's rows."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("scan_full was called")

    monkeypatch.setattr(type(demo_store), "scan_full", refuse)
    assert run_detection(demo_store, at=NOW, actor=DEMO_ACTOR).alerts
