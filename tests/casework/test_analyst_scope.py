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
    write_case_file,
)
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.pseudonyms import Pseudonymiser
from spo_tracker.errors import PermissionDeniedError
from spo_tracker.storage import Actor, Store

ANALYST = Actor("An 3", "analyst", purpose="quarterly breach trends")
SUPERVISOR = Actor("S 1", "supervisor", purpose="case review")
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


@pytest.mark.parametrize("fmt", ["html", "json", "csv"])
def test_an_analysts_case_file_withholds_identities_and_evidence_references(
    demo_store: Store, scenario: Scenario, fmt: str, tmp_path: Path
) -> None:
    """D-1001's phone numbers and handles, the incidents' actors and the exhibits'
    references appear nowhere in an analyst's case file; a supervisor's shows them."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    (defendant,) = [d for d in scenario.defendants if d.defendant_id == "D-1001"]
    values = {link.identity.value for link in defendant.identities}
    assert values  # the demo's D-1001 has linked identities
    refs = {r for i in scenario.incidents for r in i.evidence_refs}
    theirs = tmp_path / f"sup.{fmt}"
    write_case_file(
        demo_store, "D-1001", at=NOW, actor=SUPERVISOR, fmt=fmt, output=theirs
    )  # fmt: skip
    shown = theirs.read_text("utf-8")
    assert any(v in shown for v in values)
    shown_refs = {r for r in refs if r in shown}
    out = tmp_path / f"an.{fmt}"
    write_case_file(
        demo_store, "D-1001", at=NOW, actor=ANALYST, fmt=fmt, output=out, pseudonyms=KEY
    )
    text = out.read_text("utf-8")
    for said in values | shown_refs:
        assert said not in text, said
    assert KEY.pseudonym("D-1001") in text


def test_rewrite_withholds_identities() -> None:
    """Identities pass through rewrite as [withheld], in every written form."""
    text = 'identity phone:+447700900102 linked to D-1 "+447700900102"'
    out = KEY.rewrite(text, {"D-1": ["Ann"]}, ["phone:+447700900102", "+447700900102"])
    assert "447700900102" not in out
    assert out == f'identity [withheld] linked to {KEY.pseudonym("D-1")} "[withheld]"'
