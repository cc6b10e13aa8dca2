"""The reads of an incremental detection run, the same on memory, SQLite and PostgreSQL.

``scan_recorded_rows`` gives the incidents written by the audit entries in a
range of numbers (bulk batches and single incidents); ``scan_rows_of`` every
incident of some defendants; ``audit_entries_between`` and ``last_event`` read
the trail.
"""

from __future__ import annotations

import attrs
import pendulum
import pytest

from spo_tracker.storage import Actor, Store, ingest_incidents
from tests.storage import builders
from tests.storage.conftest import BACKENDS

ACTOR = Actor("force-import", "ingest")
AT = pendulum.datetime(2024, 7, 1, tz="UTC")
UNTIL = pendulum.datetime(2030, 1, 1, tz="UTC")


def _head(store: Store) -> int:
    head = store.audit_head()
    assert head is not None
    return head[0]


def _ids(rows: object) -> list[str]:
    return sorted(r.incident_id for r in rows)  # type: ignore[attr-defined]


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
class TestRecordedRows:
    """What was recorded between two audit entry numbers, and a defendant's history."""

    def test_rows_recorded_after_a_number_are_those_written_since(self, fresh_store: Store) -> None:
        """A bulk batch and a single incident after the mark are read; earlier ones not."""
        store = fresh_store
        ingest_incidents(store, builders.incidents("OLD", 3), actor=ACTOR, at=AT)
        mark = _head(store)
        ingest_incidents(store, builders.incidents("NEW", 4), actor=ACTOR, at=AT)
        with store.unit_of_work(ACTOR, at=AT) as uow:
            uow.incidents.add(builders.incident("ONE", 9))
            uow.commit()
        rows = store.scan_recorded_rows(after=mark, through=_head(store), until=UNTIL)
        assert _ids(rows) == ["NEW-000000", "NEW-000001", "NEW-000002", "NEW-000003", "ONE"]
        later = store.scan_recorded_rows(after=_head(store), through=_head(store), until=UNTIL)
        assert _ids(later) == []

    def test_rows_recorded_after_through_or_at_until_are_left_out(self, fresh_store: Store) -> None:
        """Entries numbered past ``through``, and incidents at or after ``until``, are not read."""
        store = fresh_store
        mark = _head(store)
        ingest_incidents(store, builders.incidents("A", 2), actor=ACTOR, at=AT)
        through = _head(store)
        ingest_incidents(store, builders.incidents("B", 2), actor=ACTOR, at=AT)
        rows = store.scan_recorded_rows(after=mark, through=through, until=UNTIL)
        assert _ids(rows) == ["A-000000", "A-000001"]
        first = builders.incident("A-000000").occurred_at
        rows = store.scan_recorded_rows(
            after=mark, through=_head(store), until=first.add(minutes=1)
        )
        assert _ids(rows) == ["A-000000", "B-000000"]

    def test_a_defendants_rows_are_attributed_directly_or_by_an_identity_key(
        self, fresh_store: Store
    ) -> None:
        """Direct attribution to the defendant, or none and one of their keys: nothing else."""
        store = fresh_store
        key = builders.incident("X").actor
        assert key is not None
        other = attrs.evolve(key, value="@someone_else")
        batch = [
            builders.incident("MINE", 1, defendant_id="D1"),
            builders.incident("BY-KEY", 2, defendant_id=None),
            builders.incident("OTHERS", 3, defendant_id="D2"),
            builders.incident("OTHER-KEY", 4, defendant_id=None, actor=other),
        ]
        ingest_incidents(store, batch, actor=ACTOR, at=AT)
        rows = store.scan_rows_of(defendant_ids={"D1"}, actor_keys={key.key}, until=UNTIL)
        assert _ids(rows) == ["BY-KEY", "MINE"]

    def test_the_trail_is_read_between_two_numbers_by_subject_kind(
        self, fresh_store: Store
    ) -> None:
        """Entries in the range whose subject kind is asked for, and the latest of an event."""
        store = fresh_store
        mark = _head(store)
        ingest_incidents(store, builders.incidents("A", 1), actor=ACTOR, at=AT)
        with store.unit_of_work(ACTOR, at=AT) as uow:
            uow.note_detection_run(AT, changes={"through": 1})
            uow.note_detection_run(AT.add(hours=1), changes={"through": 2})
            uow.commit()
        entries = store.audit_entries_between(mark, _head(store), kinds={"incident_batch"})
        assert [e.event for e in entries] == ["incidents.ingested"]
        assert store.audit_entries_between(mark, mark, kinds={"incident_batch"}) == []
        both = {"incident_batch", "detection"}
        kept = store.audit_entries_between(mark, _head(store), kinds=both, excluding={"x.y"})
        assert [e.event for e in kept] == ["incidents.ingested", *["detection.run"] * 2]
        left = store.audit_entries_between(
            mark, _head(store), kinds=both, excluding={"incidents.ingested"}
        )
        assert [e.subject_id for e in left] == [AT.isoformat(), AT.add(hours=1).isoformat()]
        latest = store.last_event("detection.run")
        assert latest is not None
        assert (latest.subject_id, latest.seq) == (AT.add(hours=1).isoformat(), _head(store))
        assert store.last_event("no.such.event") is None
