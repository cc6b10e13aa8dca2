"""A detection run's watermark (its ``detection.run`` audit entry) is written only by a
run, and an entry no run could have written is not trusted.

The next run reads only what the trail holds after the latest entry's ``through``,
and refuses to judge as of an instant before its subject. An entry claiming a
``through`` past the head would hide every later incident from every later run
(breaches missed, night after night, with no error); a subject that is no instant
stopped every run.
"""

from __future__ import annotations

import pendulum
import pytest

from spo_tracker.casework import run_detection
from spo_tracker.casework._run import latest_run, run_entry
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.errors import InvalidValueError, PermissionDeniedError
from spo_tracker.storage import DETECTION_RUN, Actor, AuditEntry, Store
from spo_tracker.storage._audit import PendingEntry
from tests.casework.builders import as_a_full_run_finds, store_incidents, store_records
from tests.casework.test_incremental_runs import _halves
from tests.storage import builders


def _run_count(store: Store) -> int:
    return sum(1 for e in store.audit_entries() if e.event == DETECTION_RUN)


def test_a_note_or_disclosure_cannot_write_a_detection_runs_entry(empty_store: Store) -> None:
    """``uow.note`` and ``uow.disclose`` refuse the event, naming it; the unit of work can
    still commit and the trail holds no run."""
    with empty_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        with pytest.raises(InvalidValueError) as refused:
            uow.note(DETECTION_RUN, "detection", NOW.add(years=50).isoformat(), changes={})
        assert refused.value.field == "event"
        assert DETECTION_RUN in str(refused.value)
        with pytest.raises(InvalidValueError) as refused:
            uow.disclose(DETECTION_RUN, "detection", NOW.isoformat(), changes={"through": 1})
        assert refused.value.field == "event"
        uow.note("report.written", "report", "R1")
        uow.commit()
    assert _run_count(empty_store) == 0
    assert latest_run(empty_store) is None


def test_only_an_actor_who_may_run_detection_writes_a_runs_entry(empty_store: Store) -> None:
    """The run's own method asks for the ``run_detection`` permission (an analyst's role
    has none) and a ``through`` that is a whole number at or after 0 (or ``None``, from
    a store that keeps no head: no watermark)."""
    analyst = Actor("AN 1", "analyst", purpose="tests")
    with empty_store.unit_of_work(analyst, at=NOW) as uow, pytest.raises(PermissionDeniedError):
        uow.note_detection_run(NOW, changes={"through": 0})
    with empty_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        for bad in (-1, True, 1.5, "3"):
            with pytest.raises(InvalidValueError) as refused:
                uow.note_detection_run(NOW, changes={"through": bad})
            assert refused.value.field == "through"
    assert _run_count(empty_store) == 0
    with empty_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.note_detection_run(NOW, changes={"through": None})
        uow.commit()
    assert _run_count(empty_store) == 1
    assert latest_run(empty_store) is None  # no watermark


def _forged(store: Store, subject: str, through: object) -> None:
    """A ``detection.run`` entry as a hand edit (or a note before it was refused) leaves
    it, through the unit of work's own writer of entries."""
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow._audit(DETECTION_RUN, "detection", subject, {"through": through}, "")
        uow.commit()


@pytest.mark.parametrize(
    ("subject", "through"),
    [
        pytest.param(NOW.isoformat(), 10**9, id="through-past-the-head"),
        pytest.param(NOW.isoformat(), "all", id="through-not-a-number"),
        pytest.param("first", 1, id="subject-not-an-instant"),
        pytest.param("2026-03-20", 1, id="subject-a-day"),
    ],
)
def test_an_entry_no_run_could_write_is_no_watermark(
    empty_store: Store, scenario: Scenario, subject: str, through: object
) -> None:
    """After such an entry the next run reads every incident (it would have read none of
    the new ones, or stopped) and stores what a full run finds."""
    first, second = _halves(scenario)
    store_records(empty_store, scenario)
    store_incidents(empty_store, first)
    run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    _forged(empty_store, subject, through)
    store_incidents(empty_store, second)
    night = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    assert not night.incremental
    assert night.full_reason == "no earlier run left a watermark"
    assert night.stored.new > 0  # the later half's alerts, which a blinded run missed
    as_a_full_run_finds(empty_store)
    # The run's own entry is a watermark again: the next night is incremental.
    assert run_detection(empty_store, at=NOW, actor=DEMO_ACTOR).incremental


def _entry(seq: int, subject: str, changes: str) -> AuditEntry:
    at = pendulum.datetime(2026, 3, 20, tz="UTC")
    return AuditEntry(
        seq, at, "x", "officer", DETECTION_RUN, "detection", subject, changes, "", "", ""
    )


@pytest.mark.parametrize(
    ("subject", "changes"),
    [
        ("2026-03-20T09:00:00+00:00", '{"through": 7}'),
        ("2026-03-20T09:00:00+00:00", '{"through": -1}'),
        ("2026-03-20T09:00:00+00:00", '{"through": true}'),
        ("2026-03-20T09:00:00+00:00", '{"through": 6.0}'),
        ("2026-03-20T09:00:00+00:00", "[6]"),
        ("2026-03-20T09:00:00+00:00", "not json"),
        ("P1D", '{"through": 6}'),
        ("12:00", '{"through": 6}'),
        ("", '{"through": 6}'),
    ],
)
def test_run_entry_refuses_what_no_run_writes(subject: str, changes: str) -> None:
    assert run_entry(_entry(7, subject, changes)) is None


def test_run_entry_reads_what_a_run_writes() -> None:
    at = NOW.in_timezone("Europe/London")
    found = run_entry(_entry(7, at.isoformat(), '{"through": 6, "mode": "full"}'))
    assert found is not None
    assert found[0] == 6
    assert found[1] == at
    assert run_entry(_entry(7, at.isoformat(), '{"through": 0}')) == (0, at)


def test_a_bulk_ingest_writes_only_its_own_entry(empty_store: Store) -> None:
    """``Store.ingest_batch`` writes the entry it is given: one that is not an ingest's
    (a ``detection.run`` above all) is refused, naming the event, and nothing is stored."""
    filler = builders.incident("FORGE-1", 0, defendant_id=None, target_person_id=None, actor=None)
    head = empty_store.audit_head()
    for event, kind in ((DETECTION_RUN, "detection"), (DETECTION_RUN, "incident_batch")):
        entry = PendingEntry(NOW, DEMO_ACTOR, event, kind, NOW.isoformat(), {"through": 0}, "")
        with pytest.raises(InvalidValueError) as refused:
            empty_store.ingest_batch([filler], entry)
        assert refused.value.field == "entry.event"
    assert empty_store.audit_head() == head
    with empty_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        assert not uow.incidents.exists("FORGE-1")
