"""Storing a run's alerts: the latest full run replaces what detection stored, a run as of
an earlier instant is refused, and only a concurrent writer's errors are retried."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable
from typing import Any

import attrs
import pytest

from spo_tracker.casework import _storing as storing
from spo_tracker.casework import (
    detect_stored,
    load_records,
    run_detection,
    store_alerts,
)
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.domain.alerts import Alert
from spo_tracker.errors import (
    ConstraintViolationError,
    DatabaseBusyError,
    EarlierRunError,
    InvalidValueError,
    StoreRetriesExhaustedError,
)
from spo_tracker.storage import Repository, Store, UnitOfWork


def _stored(store: Store) -> dict[str, Alert]:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        return uow.alerts.get_many(uow.alerts.ids())


def _detected(store: Store) -> tuple[Alert, ...]:
    records = load_records(store, actor=DEMO_ACTOR, at=NOW)
    return detect_stored(store, records, actor=DEMO_ACTOR, at=NOW).alerts


def _with_evidence(alerts: tuple[Alert, ...], least: int) -> Alert:
    return next(a for a in alerts if len(a.evidence_ids) >= least)


def _runs(store: Store) -> list[str]:
    return [e.subject_id for e in store.audit_entries() if e.event == "detection.run"]


def _update_order(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the alerts updated from now on, in the order their rows are written
    (``update_many`` writes each row in the order given)."""
    order: list[str] = []
    original = Repository.update_many

    def update_many(
        self: Repository[Alert], objs: Iterable[Alert], **kwargs: Any
    ) -> dict[str, int]:
        listed = list(objs)
        order.extend(a.alert_id for a in listed)
        return original(self, listed, **kwargs)

    monkeypatch.setattr(Repository, "update_many", update_many)
    return order


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The retry's pauses, recorded instead of slept."""
    pauses: list[int] = []
    monkeypatch.setattr(storing, "_pause", pauses.append)
    return pauses


# -- a full run replaces what detection stored (H3) ----------------------------------------


def test_evidence_wrongly_attributed_before_leaves_the_alert_on_the_next_run(
    demo_store: Store,
) -> None:
    """An alert stored with another alert's incidents (an identity wrongly linked, since
    unlinked): the next run stores exactly what it finds, count and explanation agreeing."""
    found = _detected(demo_store)
    alert = _with_evidence(found, 3)
    foreign = next(i for a in found for i in a.evidence_ids if i not in alert.evidence_ids)
    wrong = attrs.evolve(
        alert,
        evidence_ids=(*alert.evidence_ids, foreign),
        count=alert.count + 1,
        explanation="an older judgement",
    )
    store_alerts(demo_store, [wrong], actor=DEMO_ACTOR, at=NOW)
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert alert.alert_id in run.stored.updated_ids
    assert _stored(demo_store)[alert.alert_id] == alert


def test_flags_and_persons_are_those_of_the_evidence_stored(demo_store: Store) -> None:
    """A stored alert flagged pre-service, naming another person and rated critical, is
    replaced as a whole: no flag, person or severity survives from it."""
    found = _detected(demo_store)
    alert = _with_evidence(found, 2)
    foreign = next(i for a in found for i in a.evidence_ids if i not in alert.evidence_ids)
    stale = attrs.evolve(
        alert,
        pre_service=not alert.pre_service,
        protected_person_ids=(*alert.protected_person_ids, "PP-OTHER"),
        evidence_ids=(*alert.evidence_ids[:1], foreign),
        count=2,
    )
    store_alerts(demo_store, [stale], actor=DEMO_ACTOR, at=NOW)
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert _stored(demo_store)[alert.alert_id] == alert


# -- a run as of an earlier instant (M1) ---------------------------------------------------


def test_a_run_as_of_an_earlier_instant_is_refused_naming_both(demo_store: Store) -> None:
    """Re-running a missed night after tonight's run would replace tonight's judgements:
    refused, naming both instants and the path that stores nothing; nothing changes."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    before = _stored(demo_store)
    earlier = NOW.subtract(days=5)
    with pytest.raises(EarlierRunError) as refused:
        run_detection(demo_store, at=earlier, actor=DEMO_ACTOR)
    message = str(refused.value)
    assert earlier.isoformat() in message
    assert NOW.isoformat() in message
    assert "detect_stored" in message
    assert _stored(demo_store) == before
    assert _runs(demo_store) == [NOW.isoformat()]


def test_the_same_or_a_later_instant_runs(demo_store: Store) -> None:
    """Only an earlier instant is refused: the same instant again, then a later one, run."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    again = run_detection(demo_store, at=NOW.in_timezone("UTC"), actor=DEMO_ACTOR)
    later = run_detection(demo_store, at=NOW.add(days=1), actor=DEMO_ACTOR)
    assert (again.stored.new, again.stored.updated) == (0, 0)
    assert later.at == NOW.add(days=1)


def test_what_was_known_earlier_can_still_be_detected_without_storing(demo_store: Store) -> None:
    """The non-storing path the refusal points to works for the earlier instant."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    earlier = NOW.subtract(days=5)
    records = load_records(demo_store, actor=DEMO_ACTOR, at=earlier)
    assert detect_stored(demo_store, records, actor=DEMO_ACTOR, at=earlier).alerts


# -- retries (H2, L2) ----------------------------------------------------------------------


def _failing_once(monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[int]:
    """Make the first ``add_alerts`` of the test raise ``error``; returns the call count."""
    calls: list[int] = []
    real = UnitOfWork.add_alerts

    def add_alerts(self: UnitOfWork, alerts: list[Alert], *, reason: str = "") -> None:
        calls.append(len(alerts))
        if len(calls) == 1:
            raise error
        real(self, alerts, reason=reason)

    monkeypatch.setattr(UnitOfWork, "add_alerts", add_alerts)
    return calls


def test_a_deadlock_or_busy_database_is_retried_after_a_pause(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, no_pause: list[int]
) -> None:
    """PostgreSQL aborting one of two deadlocked runs (DatabaseBusyError) costs an attempt,
    not the nightly job: the run finishes with every alert stored."""
    calls = _failing_once(monkeypatch, DatabaseBusyError("deadlock detected"))
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert len(calls) == 2
    assert no_pause == [1]
    assert _stored(demo_store) == {a.alert_id: a for a in run.alerts}
    assert _runs(demo_store) == [NOW.isoformat()]


def test_a_deterministic_failure_is_raised_at_once(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, no_pause: list[int]
) -> None:
    """An alert referring to a record not stored fails the same way every time: one attempt,
    no pause, the error itself."""
    calls = _failing_once(monkeypatch, ConstraintViolationError("alert", "AL-1", "no order"))
    with pytest.raises(ConstraintViolationError, match="AL-1"):
        run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert (len(calls), no_pause) == (1, [])
    assert _stored(demo_store) == {}


def test_retries_end_in_an_error_saying_the_run_can_be_repeated(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, no_pause: list[int]
) -> None:
    """Five busy attempts: a typed error naming the attempts and the last cause, saying the
    run can be repeated safely; nothing stored; repeating it then works."""

    def busy(self: UnitOfWork, alerts: list[Alert], *, reason: str = "") -> None:
        raise DatabaseBusyError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(UnitOfWork, "add_alerts", busy)
        with pytest.raises(StoreRetriesExhaustedError, match="repeated safely") as gave_up:
            run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert gave_up.value.attempts == 5
    assert isinstance(gave_up.value.cause, DatabaseBusyError)
    assert no_pause == [1, 2, 3, 4]
    assert _stored(demo_store) == {}
    assert _runs(demo_store) == []
    assert run_detection(demo_store, at=NOW, actor=DEMO_ACTOR).stored.new > 0


def test_pauses_are_jittered_and_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pause is a random share of a bound that doubles with each attempt."""
    bounds: list[float] = []
    slept: list[float] = []

    def uniform(low: float, high: float) -> float:
        bounds.append(high)
        return low

    monkeypatch.setattr(random, "uniform", uniform)
    monkeypatch.setattr(time, "sleep", slept.append)
    for attempt in (1, 2, 3):
        storing._pause(attempt)
    assert bounds == [storing._PAUSE, 2 * storing._PAUSE, 4 * storing._PAUSE]
    assert slept == [0, 0, 0]


def test_updates_lock_alerts_in_id_order_whatever_order_they_come_in(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs that see the alerts in different orders update them in the same order, so
    they cannot deadlock each other."""
    found = _detected(demo_store)
    store_alerts(demo_store, found, actor=DEMO_ACTOR, at=NOW)
    changed = [attrs.evolve(a, explanation=a.explanation + " (again)") for a in found[:5]]
    order = _update_order(monkeypatch)
    done = store_alerts(demo_store, reversed(changed), actor=DEMO_ACTOR, at=NOW)
    assert order == sorted(a.alert_id for a in changed)
    assert done.updated_ids == tuple(a.alert_id for a in reversed(changed))


# -- bad input (L1) ------------------------------------------------------------------------


@pytest.mark.parametrize("alerts", [None, 3, "AL-1", {"AL-1": None}])
def test_alerts_that_are_not_a_sequence_of_alerts_are_refused_naming_them(
    empty_store: Store, alerts: object
) -> None:
    """A typed error naming the value, not a TypeError."""
    with pytest.raises(InvalidValueError, match="alerts"):
        store_alerts(empty_store, alerts, actor=DEMO_ACTOR, at=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argument", "value"), [("records", []), ("records", {}), ("progress", 1), ("progress", "x")]
)
def test_records_and_progress_of_the_wrong_kind_are_refused_before_the_run(
    demo_store: Store, argument: str, value: object
) -> None:
    """Refused naming the argument before anything is read or stored."""
    with pytest.raises(InvalidValueError, match=argument):
        run_detection(demo_store, at=NOW, actor=DEMO_ACTOR, **{argument: value})  # type: ignore[arg-type]
    assert _stored(demo_store) == {}
    restricted = [e for e in demo_store.audit_entries() if e.event.endswith("restricted_read")]
    assert restricted == []


def test_the_run_note_records_since_without_it_narrowing_the_read(demo_store: Store) -> None:
    """``since`` is recorded and changes nothing detected (documented as such)."""
    run = run_detection(demo_store, at=NOW, actor=DEMO_ACTOR, since=NOW.subtract(days=1))
    assert run.alerts == _detected(demo_store)
    (note,) = [e for e in demo_store.audit_entries() if e.event == "detection.run"]
    assert json.loads(note.changes)["since"] == NOW.subtract(days=1).isoformat()


@pytest.mark.parametrize("field", ["title", "explanation", "section", "rule_id"])
def test_an_alert_holding_an_unpaired_surrogate_is_refused_before_anything_is_stored(
    demo_store: Store, field: str
) -> None:
    """A hand-made alert whose wording holds an unpaired surrogate is not text: it is
    refused when made, naming the field and not showing the wording (before, it was
    stored, and every later update of it failed while fingerprinting the change)."""
    alert = _detected(demo_store)[0]
    changes: dict[str, Any] = {field: "before \ud83d after"}
    with pytest.raises(InvalidValueError, match=rf"{field}.*unpaired surrogate \(U\+D83D\)") as e:
        attrs.evolve(alert, **changes)
    assert "before" not in str(e.value)
    kept = attrs.evolve(alert, explanation="before \U0001f4f1 after")  # a real emoji is text
    assert kept.explanation.endswith("after")


# -- storing in steps ----------------------------------------------------------------------


def test_alerts_are_stored_in_steps_with_the_same_outcome_as_in_one(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upsert larger than a step (here 7 alerts) is compared and written step by step,
    in id order: new, updated and unchanged alerts mixed across steps come out as they
    would in one step, every alert stored as given, one ``alerts.created`` entry for each
    step that adds any, and the updates still written in id order."""
    found = _detected(demo_store)[:60]
    kept = found[::3]  # stored first: 20 alerts, spread over the steps
    store_alerts(demo_store, kept, actor=DEMO_ACTOR, at=NOW)
    changed = {a.alert_id for a in kept[::4]}
    given = [
        attrs.evolve(a, explanation=a.explanation + " (again)") if a.alert_id in changed else a
        for a in reversed(found)
    ]
    monkeypatch.setattr(storing, "_STEP", 7)
    order = _update_order(monkeypatch)
    before = len(list(demo_store.audit_entries()))
    done = store_alerts(demo_store, given, actor=DEMO_ACTOR, at=NOW)
    stored_ids = {a.alert_id for a in kept}
    assert done.new_ids == tuple(a.alert_id for a in given if a.alert_id not in stored_ids)
    assert done.updated_ids == tuple(a.alert_id for a in given if a.alert_id in changed)
    assert done.unchanged_ids == tuple(
        a.alert_id for a in given if a.alert_id in stored_ids - changed
    )
    assert order == sorted(changed)
    stored = _stored(demo_store)
    assert all(stored[a.alert_id] == a for a in given)
    ids = sorted(a.alert_id for a in given)
    steps = [set(ids[k : k + 7]) for k in range(0, len(ids), 7)]
    created = [
        json.loads(e.changes)
        for e in list(demo_store.audit_entries())[before:]
        if e.event == "alerts.created"
    ]
    assert [c["count"] for c in created] == [len(s - stored_ids) for s in steps if s - stored_ids]
    again = store_alerts(demo_store, given, actor=DEMO_ACTOR, at=NOW)
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(given))
