"""Stored incidents corrected since the last run: the next run stays incremental.

An incident changed but for the identity that acted (its time, kind or place moved,
the defendant it names corrected) bears on whom it names now, every holder of its
actor's identity and whom it named before (the audit entry holds the defendant ids
changed): the next run judges them again, whatever the incident's time now, and stores
what a full run finds. A changed actor makes it full (``test_incremental_runs.py``).
The twin-store property with corrections between runs is in ``test_incremental.py``.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from spo_tracker.casework import run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.storage import Store, erase_incident
from tests.casework.builders import (
    as_a_full_run_finds,
    store_incidents,
    store_records,
    stored_alerts,
)
from tests.casework.test_incremental_people import named_through_shared


@pytest.fixture
def detected(empty_store: Store, scenario: Scenario) -> Store:
    """A store holding the scenario, every incident and one recorded against the holder of
    the most used identity by name (see ``named_through_shared``), detected once."""
    _, named, _ = named_through_shared(scenario)
    store_records(empty_store, scenario)
    store_incidents(empty_store, [*scenario.all_incidents(), named])
    assert not run_detection(empty_store, at=NOW, actor=DEMO_ACTOR).incremental
    return empty_store


def _correct(store: Store, incident_id: str, **changes: Any) -> None:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        incident = uow.incidents.get(incident_id)
        uow.incidents.update(attrs.evolve(incident, **changes), reason="corrected")
        uow.commit()


def _evidence_of(store: Store, incident_id: str) -> set[str]:
    """The stored alerts resting on the incident."""
    return {k for k, a in stored_alerts(store, DEMO_ACTOR).items() if incident_id in a.evidence_ids}


def test_a_summary_corrected_judges_its_defendant_again(
    detected: Store, scenario: Scenario
) -> None:
    """Free text bears on no alert, but the run cannot tell: it judges the incident's
    defendant again, incrementally, and stores what a full run finds."""
    through, _, _ = named_through_shared(scenario)
    _correct(detected, through.incident_id, summary="corrected by the records team")
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.new_incidents == 1  # the changed incident is read as recorded since
    assert run.incidents_seen > 1
    assert run.stored.new == run.stored.updated == 0
    as_a_full_run_finds(detected)


def test_an_incident_named_for_another_defendant_leaves_the_first_ones_alerts(
    detected: Store, scenario: Scenario
) -> None:
    """The records team moves an incident to another defendant: the one it named before
    (in the audit entry's diff) is judged again and loses it, as a full run finds."""
    _, named, _ = named_through_shared(scenario)
    assert _evidence_of(detected, named.incident_id)
    other = next(
        d.defendant_id for d in scenario.defendants if d.defendant_id != named.defendant_id
    )
    _correct(detected, named.incident_id, defendant_id=other)
    entry = detected.last_event("incident.changed")
    assert entry is not None
    assert json.loads(entry.changes)["defendant_id"] == {
        "before": named.defendant_id,
        "after": other,
    }
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.stored.updated > 0
    kept = stored_alerts(detected, DEMO_ACTOR)
    assert not any(
        named.incident_id in a.evidence_ids and a.defendant_id == named.defendant_id
        for k, a in kept.items()
        if k in {a.alert_id for a in run.alerts}
    )
    as_a_full_run_finds(detected)


def test_an_incident_named_for_a_defendant_leaves_its_identitys_holder(
    detected: Store, scenario: Scenario
) -> None:
    """An incident attributed through an identity is named for another defendant: its
    identity's holder (not in the diff, which shows no defendant before) is judged again
    and loses it."""
    through, named, _ = named_through_shared(scenario)
    holder = named.defendant_id
    other = next(d.defendant_id for d in scenario.defendants if d.defendant_id != holder)
    _correct(detected, through.incident_id, defendant_id=other)
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    again = [a for a in run.alerts if a.defendant_id == holder]
    assert again
    assert all(through.incident_id not in a.evidence_ids for a in again)
    as_a_full_run_finds(detected)


def test_an_incident_moved_after_the_run_leaves_its_defendants_alerts(
    detected: Store, scenario: Scenario
) -> None:
    """Its time corrected to after the run's instant: the run does not read it, but
    judges its defendant again, whose alerts no longer rest on it."""
    _, named, _ = named_through_shared(scenario)
    _correct(detected, named.incident_id, occurred_at=NOW.add(days=1), reported_at=None)
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.stored.updated > 0
    again = {a.alert_id for a in run.alerts}
    assert not {k for k in _evidence_of(detected, named.incident_id) if k in again}
    as_a_full_run_finds(detected)


def test_an_erasure_keeps_the_run_incremental_only_without_an_actor(
    detected: Store, scenario: Scenario
) -> None:
    """Erasing an incident's personal data clears its actor: with one, the run is full
    (whose it was is not in the trail); with none, incremental."""
    through, named, _ = named_through_shared(scenario)
    for incident, full in ((named, False), (through, True)):
        with detected.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
            assert erase_incident(uow, incident.incident_id, reason="retention")
            uow.commit()
        run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
        assert run.incremental is not full, run.full_reason
        as_a_full_run_finds(detected)
