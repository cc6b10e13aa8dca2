"""An analyst gets pseudonymised output only: no raw records, alerts, ids or identities."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from spo_tracker.casework import (
    alert_titles,
    decided_alert_ids,
    load_records,
    report_context,
    report_from_store,
    run_detection,
    stored_alerts,
)
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.domain.pseudonyms import Pseudonymiser
from spo_tracker.errors import PermissionDeniedError
from spo_tracker.storage import Actor, Store

ANALYST = Actor("An 3", "analyst", purpose="quarterly breach trends")
KEY = Pseudonymiser(bytes(range(32)))


def _raw_reads(store: Store) -> dict[str, Callable[[], object]]:
    """Each public function returning raw records or alerts, called as the analyst."""
    alerts = stored_alerts(store, actor=DEMO_ACTOR, at=NOW)
    records = load_records(store, actor=DEMO_ACTOR, at=NOW)
    return {
        "stored_alerts": lambda: stored_alerts(store, actor=ANALYST, at=NOW),
        "report_context": lambda: report_context(store, records, alerts, actor=ANALYST, at=NOW),
        "alert_titles": lambda: alert_titles(store, alerts, actor=ANALYST, at=NOW),
        "decided_alert_ids": lambda: decided_alert_ids(store, actor=ANALYST, at=NOW),
    }


def test_an_analyst_may_not_read_raw_records_or_alerts(demo_store: Store, tmp_path: Path) -> None:
    """Each raw read is refused and audited; the pseudonymised report is still written."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    for action, read in _raw_reads(demo_store).items():
        with pytest.raises(PermissionDeniedError, match=action):
            read()
        last = list(demo_store.audit_entries())[-1]
        assert (last.event, last.actor_role) == ("permission.denied", "analyst"), action
    out = tmp_path / "r.json"
    report_from_store(
        demo_store, at=NOW, actor=ANALYST, fmt="json", output=out, stored=True, pseudonyms=KEY
    )
    assert KEY.pseudonym("D-1001") in out.read_text("utf-8")
