"""run_detection: every rule, the alerts upserted by their stable id, on every backend."""

from __future__ import annotations

import json

import attrs
import pytest

from spo_tracker.casework import (
    detect_stored,
    load_records,
    run_detection,
    store_alerts,
    stored_alerts,
)
from spo_tracker.casework._incremental import DATED_ALL
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.alerts import Alert
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError
from spo_tracker.storage import Store
from tests.casework.builders import store_incidents, store_records


def _stored(store: Store) -> dict[str, Alert]:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        return uow.alerts.get_many(uow.alerts.ids())


def _detected(store: Store) -> tuple[Alert, ...]:
    records = load_records(store, actor=DEMO_ACTOR, at=NOW)
    return detect_stored(store, records, actor=DEMO_ACTOR, at=NOW).alerts


def test_a_run_stores_everything_detection_finds(demo_store: Store) -> None:
    """Term breaches, patterns and every dated check are found and stored, all new."""
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    rules = {a.rule_id for a in run.alerts}
    assert {
        "breach.no_contact",
        "escalation.rolling_count",
        "course_of_conduct.unprotected",
    } <= rules
    assert {"requirement.sign_on", "requirement.positive", "renewal.review"} <= rules
    assert "notification.ST19002" in rules
    assert run.alerts == _detected(demo_store)
    assert _stored(demo_store) == {a.alert_id: a for a in run.alerts}
    assert run.stored.new_ids == tuple(a.alert_id for a in run.alerts)
    assert (run.stored.updated, run.stored.unchanged) == (0, 0)


def test_a_second_run_in_a_row_changes_nothing(demo_store: Store) -> None:
    """The same alerts are found again: none new, none updated, the store as it was."""
    first = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    before = _stored(demo_store)
    second = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert second.incremental
    assert (second.stored.new, second.stored.updated, second.new_incidents) == (0, 0, 0)
    assert second.stored.unchanged == len(second.alerts) > 0  # the dated alerts, judged again
    again = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR, full=True)
    assert (again.stored.new, again.stored.updated) == (0, 0)
    assert again.stored.unchanged == len(first.alerts) > 0
    assert _stored(demo_store) == before


def test_a_later_run_grows_the_stored_alerts_with_the_new_evidence(
    empty_store: Store, scenario: Scenario
) -> None:
    """Incidents arriving after a run extend the alerts it stored: the evidence, count and
    last-seen of each match a full run's, and nothing is stored twice."""
    demo_store = empty_store
    store_records(demo_store, scenario)
    incidents = sorted(scenario.all_incidents(), key=lambda i: (i.occurred_at, i.incident_id))
    half = len(incidents) // 2
    store_incidents(demo_store, incidents[:half])
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    store_incidents(demo_store, incidents[half:])
    later = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert later.stored.updated > 0
    stored = _stored(demo_store)
    for alert in _detected(demo_store):
        assert stored[alert.alert_id] == alert


def test_an_alert_stored_earlier_but_not_found_now_is_kept(demo_store: Store) -> None:
    """An alert raised once stays stored when a later run does not raise it."""
    first = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    gone = attrs.evolve(first.alerts[0], alert_id="AL-raised-once")
    store_alerts(demo_store, [gone], actor=DEMO_ACTOR, at=NOW)
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert _stored(demo_store)["AL-raised-once"] == gone


def test_a_run_is_noted_in_the_audit_trail_with_its_counts(demo_store: Store) -> None:
    """Each run appends one ``detection.run`` entry with what it found and stored."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR, since=NOW.subtract(days=1))
    notes = [
        json.loads(e.changes) for e in demo_store.audit_entries() if e.event == "detection.run"
    ]
    # The second, incremental, run (at the same instant: no London day ended between
    # them) leaves out the one sign-on window the first judged whole and stored
    # (settled), the positive requirement whose due day did not end since and the
    # renewal review whose window neither opened nor closed since (their orders are not
    # read): it judges 1 alert again (the duty of an order in force), as stored.
    assert [(n["new"], n["unchanged"]) for n in notes] == [(13, 0), (0, 1)]
    assert [n["mode"] for n in notes] == ["full", "incremental"]
    assert [n["dated"] for n in notes] == [DATED_ALL, DATED_ALL]
    assert [n["alert_entries"] for n in notes] == [1, 0]  # 13 new in one batch; none
    assert notes[1]["since"] == NOW.subtract(days=1).isoformat()
    assert notes[0]["through"] < notes[1]["through"]


def test_since_after_at_is_refused_naming_it_and_stores_nothing(demo_store: Store) -> None:
    """``since`` later than ``at`` is a typed error naming ``since``; nothing is stored."""
    with pytest.raises(InvalidValueError, match="since="):
        run_detection(demo_store, at=NOW, actor=DEMO_ACTOR, since=NOW.add(seconds=1))
    assert _stored(demo_store) == {}


def test_a_naive_at_is_refused_and_stores_nothing(demo_store: Store) -> None:
    """A time without a zone is refused, naming ``at``."""
    with pytest.raises(NaiveDatetimeError, match="at"):
        run_detection(demo_store, at=NOW.naive(), actor=DEMO_ACTOR)
    assert _stored(demo_store) == {}


def test_since_does_not_change_what_is_found_or_stored(demo_store: Store) -> None:
    """This release reads the whole history whatever ``since`` says: a run with it finds
    exactly what a full run finds."""
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR, since=NOW.subtract(hours=1))
    assert run.alerts == _detected(demo_store)
    assert run.since == NOW.subtract(hours=1)


def test_store_alerts_refuses_an_id_twice_and_stores_nothing(demo_store: Store) -> None:
    """The same id twice in one call is refused naming it; nothing is stored."""
    alert = _detected(demo_store)[0]
    with pytest.raises(InvalidValueError, match=alert.alert_id):
        store_alerts(demo_store, [alert, alert], actor=DEMO_ACTOR, at=NOW)
    assert _stored(demo_store) == {}


def test_stored_alerts_reads_back_a_run(demo_store: Store) -> None:
    """What a run stored is what ``stored_alerts`` reads back, in report order."""
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert stored_alerts(demo_store, actor=DEMO_ACTOR, at=NOW) == run.alerts


def test_a_run_at_another_zone_judges_the_same_instant(demo_store: Store) -> None:
    """``at`` in UTC or London is the same instant: the same alerts, nothing new."""
    first = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    again = run_detection(demo_store, at=NOW.in_timezone("UTC"), actor=DEMO_ACTOR, full=True)
    assert again.alerts == first.alerts
    assert (again.stored.new, again.stored.updated) == (0, 0)
    assert again.stored.unchanged == len(first.alerts)
