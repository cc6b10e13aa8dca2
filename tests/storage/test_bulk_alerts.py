"""Bulk alert insert: one unit of work, one audit entry per batch, on every backend."""

from __future__ import annotations

import hashlib

import attrs
import pendulum
import pytest

from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.errors import DuplicateRecordError, InvalidValueError
from spo_tracker.storage import Store, verify
from tests.storage.conftest import ACTOR, BACKENDS

NOW = pendulum.datetime(2026, 3, 20, 9, tz="UTC")


def alerts(prefix: str, count: int) -> list[Alert]:
    """``count`` breach alerts with distinct ids, about defendant ``D1``."""
    return [
        Alert(
            alert_id=alert_id_for(prefix, n),
            rule_id="breach.no_contact",
            kind=AlertKind.BREACH,
            severity=Severity.HIGH,
            defendant_id="D1",
            order_id="O1",
            term_id="T1",
            section="SPA2019 s.8(1)",
            title=f"Suspected breach {n} <of> T1",
            explanation="For review: reasonable excuse is for a court.",
            evidence_ids=(f"I-{n}",),
            count=1,
            first_seen=NOW.subtract(hours=n),
            last_seen=NOW.subtract(hours=n),
            identified_at=NOW,
        )
        for n in range(count)
    ]


def stored_ids(store: Store) -> list[str]:
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        return uow.alerts.ids()


def add(store: Store, batch: list[Alert], *, reason: str = "") -> None:
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        uow.add_alerts(batch, reason=reason)
        uow.commit()


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
class TestBulkAlerts:
    """The bulk alert insert, the same contract on memory, SQLite and PostgreSQL."""

    def test_every_alert_is_stored_as_given(self, fresh_store: Store) -> None:
        """A batch of 1,200 alerts (more than one lookup chunk) reads back equal."""
        batch = alerts("bulk", 1200)
        add(fresh_store, batch, reason="scan")
        assert stored_ids(fresh_store) == sorted(a.alert_id for a in batch)
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            assert [uow.alerts.get(a.alert_id) for a in batch[::97]] == batch[::97]

    def test_a_batch_is_audited_as_one_entry(self, fresh_store: Store) -> None:
        """One ``alerts.created`` entry: count, first and last id, SHA-256 of the ids."""
        batch = alerts("audit", 5)
        before = len(list(fresh_store.audit_entries()))
        add(fresh_store, batch, reason="scan")
        entries = list(fresh_store.audit_entries())[before:]
        assert [e.event for e in entries] == ["alerts.created"]
        ids = [a.alert_id for a in batch]
        digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
        assert entries[0].subject_id == f"{ids[0]}..{ids[-1]}"
        assert entries[0].reason == "scan"
        assert '"count":5' in entries[0].changes.replace(" ", "")
        assert digest in entries[0].changes
        assert verify(fresh_store).ok

    def test_an_alert_already_stored_refuses_the_whole_batch(self, fresh_store: Store) -> None:
        """A stored id: DuplicateRecordError naming it, and nothing of the batch is stored."""
        first, second = alerts("dup", 3), alerts("dup", 6)
        add(fresh_store, first[:2])
        with pytest.raises(DuplicateRecordError, match=first[1].alert_id):
            add(fresh_store, second[1:])
        assert stored_ids(fresh_store) == sorted(a.alert_id for a in first[:2])

    def test_bad_items_are_refused_before_anything_is_written(self, fresh_store: Store) -> None:
        """An id twice, something not an Alert, a NUL: InvalidValueError naming it, nothing
        stored and nothing audited."""
        batch = alerts("bad", 2)
        nul = [attrs.evolve(batch[0], title="bad\x00title")]
        before = len(list(fresh_store.audit_entries()))
        for bad, named in (
            ([*batch, batch[0]], batch[0].alert_id),
            ([*batch, "not an alert"], "not an alert"),
            (nul, "title"),
        ):
            with pytest.raises(InvalidValueError, match=named):
                add(fresh_store, bad)  # type: ignore[arg-type]
        assert stored_ids(fresh_store) == []
        assert len(list(fresh_store.audit_entries())) == before

    def test_nothing_is_stored_unless_the_unit_of_work_commits(self, fresh_store: Store) -> None:
        """Rolled back: no alert, no audit entry; an empty batch writes nothing either."""
        before = len(list(fresh_store.audit_entries()))
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.add_alerts(alerts("rollback", 3))
        add(fresh_store, [])
        assert stored_ids(fresh_store) == []
        assert len(list(fresh_store.audit_entries())) == before
