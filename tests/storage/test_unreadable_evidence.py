"""An evidence incident whose row no incident can hold (changed outside the library) fails
its own alert's detail, naming it, not the officers' whole queue (a hostile review, 8
December 2026: the redacted queue reads every listed alert's evidence for its targets)."""

from __future__ import annotations

from collections.abc import Iterator

import pendulum
import pytest

from spo_tracker import casework
from spo_tracker.domain.alerts import Alert, AlertKind, Severity
from spo_tracker.errors import StoredRecordError
from spo_tracker.storage import Actor, SqlStore
from tests.storage.hand_edits import edit, small_store

SUPERVISOR = Actor("Sgt 12", "supervisor", purpose="tests")
NOW = pendulum.datetime(2030, 1, 1, tz="UTC")


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlStore]:
    found = small_store(sqlite_url, incidents=3)
    with found.unit_of_work(SUPERVISOR, at=NOW) as uow:
        for n, evidence in enumerate((("I-000000",), ("I-000001", "I-000002")), start=1):
            uow.alerts.add(
                Alert(
                    alert_id=f"AL-{n}",
                    rule_id="breach.no_contact",
                    kind=AlertKind.BREACH,
                    severity=Severity.HIGH,
                    defendant_id="D-1",
                    order_id="O-1",
                    section="SPA2019 s.8(1)",
                    title="Suspected contact",
                    explanation="Incidents appear to breach the order.",
                    evidence_ids=evidence,
                    count=len(evidence),
                    identified_at=NOW,
                    protected_person_ids=("P-1",),
                )
            )
        uow.commit()
    yield found
    found.close()


def test_an_unreadable_evidence_row_fails_its_alerts_detail_not_the_queue(
    store: SqlStore,
) -> None:
    edit(store, "UPDATE incidents SET kind = '' WHERE incident_id = 'I-000001'")
    listed = casework.list_alerts(store, actor=SUPERVISOR, at=NOW.add(hours=1))
    assert sorted(e.alert.alert_id for e in listed) == ["AL-1", "AL-2"]
    assert casework.alert_detail(store, "AL-1", actor=SUPERVISOR, at=NOW.add(hours=1))
    with pytest.raises(StoredRecordError, match="I-000001"):
        casework.alert_detail(store, "AL-2", actor=SUPERVISOR, at=NOW.add(hours=1))
