"""Type-checked, never run: the review use cases as an integrator types them."""

from __future__ import annotations

from typing import assert_type

import pendulum

from spo_tracker import casework
from spo_tracker.domain.lifecycles import BreachReview, ReviewState
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.storage import Actor, Store

AT = pendulum.datetime(2026, 3, 20, 9, tz="Europe/London")


def check_review(store: Store) -> None:
    officer = Actor("PC 4471", "officer", purpose="tests")
    owner = casework.assign_case(
        store, "SPO-1", officer="PC 4471", unit="PPU", force="WMP", at=AT, actor=officer
    )
    assert_type(owner, CaseOwner)
    queue = casework.list_alerts(store, actor=officer, at=AT, officer="PC 4471", kind=["breach"])
    assert_type(queue, tuple[casework.AlertEntry, ...])
    entry = queue[0]
    assert_type(entry.status, ReviewState)
    assert_type(entry.revision, int)
    assert_type(entry.review, BreachReview | None)
    assert_type(entry.timeliness.decided_at, pendulum.DateTime | None)
    key = entry.alert.alert_id
    assigned = casework.assign_alert(store, key, to="PC 4471", at=AT, actor=officer)
    decided = casework.review_alert(
        store, key, outcome=casework.ReviewOutcome.REFERRED, at=AT, actor=officer,
        expected_revision=assigned.revision,
    )  # fmt: skip
    assert_type(decided, casework.AlertEntry)
    detail = casework.alert_detail(store, key, actor=officer, at=AT)
    assert_type(detail.evidence, tuple[casework.EvidenceItem, ...])
    casework.review_alert(store, key, "referred", AT, officer)  # type: ignore[call-arg]
