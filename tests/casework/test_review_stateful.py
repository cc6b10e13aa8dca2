"""Random review steps on stored alerts, against a dict model (Hypothesis stateful).

People and software assign, start, decide and re-open the reviews of a few
stored alerts, sometimes on a stale revision or with a missing reason. The
store must agree with a trivial model after every step: each alert's status,
revision and round; a refused step changes nothing; decisions are a person's;
the queue's ``open`` and ``decided`` lists split the alerts; the audit chain
holds.
"""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from spo_tracker.casework import (
    assign_alert,
    list_alerts,
    reopen_reviews,
    review_alert,
    start_alert_review,
)
from spo_tracker.detection import Alert
from spo_tracker.domain.lifecycles import ReviewState
from spo_tracker.errors import PermissionDeniedError, SpoTrackerError
from spo_tracker.storage import Actor, InMemoryStore, Store, verify
from tests.storage.conftest import fixed_clock

START = pendulum.datetime(2026, 3, 20, 9, tz="Europe/London")
IDS = ("AL-1", "AL-2", "AL-3")
PEOPLE = (Actor("PC 1", "officer", purpose="tests"), Actor("Sgt 2", "supervisor", purpose="tests"))
SOFTWARE = Actor("nightly-job", "ingest")
actors = st.sampled_from((*PEOPLE, SOFTWARE))
alert_ids = st.sampled_from(IDS)
#: Outcome -> (state it leads to, does it need a reason).
OUTCOMES = {
    "referred": ("confirmed_referred", False),
    "warning": ("warning_given", False),
    "no_further_action": ("dismissed", True),
    "not_a_breach": ("dismissed", True),
}
DECIDED = {"confirmed_referred", "warning_given", "dismissed"}


def _alert(key: str) -> Alert:
    return Alert(
        alert_id=key, rule_id="breach.platform_ban", kind="breach", severity="high",
        defendant_id="D1", order_id=None, section="SPA2019 s.8(1)", title="A breach",
        explanation="For review.", identified_at=START.subtract(days=1),
    )  # fmt: skip


@attrs.define
class Model:
    """One alert's review as the model sees it."""

    state: str = "flagged"
    revision: int = 0
    round: int = 1


class ReviewsOverStoredAlerts(RuleBasedStateMachine):
    """The review use cases over an in-memory store against a dict model."""

    store: Store
    model: dict[str, Model]
    now: pendulum.DateTime

    @initialize()
    def begin(self) -> None:
        self.store = InMemoryStore(clock=fixed_clock)
        with self.store.unit_of_work(PEOPLE[0], at=START) as uow:
            uow.add_alerts([_alert(k) for k in IDS])
            uow.commit()
        self.model = {k: Model() for k in IDS}
        self.now = START

    def _attempt(self, key: str, stale: bool, legal: bool, actor: Actor, call: Any) -> bool:
        """Run ``call(expected_revision)``; it must succeed exactly when the model says so."""
        seen = self.model[key].revision
        expected = seen + 1 if stale else seen
        ok = legal and not stale and actor is not SOFTWARE
        before = [e.entry_hash for e in self.store.audit_entries()]
        self.now = self.now.add(minutes=5)
        try:
            call(expected)
        except SpoTrackerError as error:
            assert not ok
            after = list(self.store.audit_entries())
            assert [e.entry_hash for e in after[: len(before)]] == before
            # A refusal by the permission table is itself audited, and nothing else is.
            denied = ["permission.denied"] if isinstance(error, PermissionDeniedError) else []
            assert [e.event for e in after[len(before) :]] == denied
            return False
        assert ok
        return True

    @rule(
        key=alert_ids, actor=actors, to=st.sampled_from(["PC 1", "DC 9", " "]), stale=st.booleans()
    )
    def assign(self, key: str, actor: Actor, to: str, stale: bool) -> None:
        m = self.model[key]
        legal = m.state in ("flagged", "assigned", "under_review") and bool(to.strip())
        done = self._attempt(
            key, stale, legal, actor,
            lambda rev: assign_alert(
                self.store, key, to=to, at=self.now, actor=actor, expected_revision=rev
            ),
        )  # fmt: skip
        if done:
            m.revision += 2 if m.revision == 0 else 1  # a new alert's review is created first
            m.state = "assigned"

    @rule(key=alert_ids, actor=actors, stale=st.booleans())
    def start(self, key: str, actor: Actor, stale: bool) -> None:
        m = self.model[key]
        legal = m.state in ("flagged", "assigned")
        done = self._attempt(
            key, stale, legal, actor,
            lambda rev: start_alert_review(
                self.store, key, at=self.now, actor=actor, expected_revision=rev
            ),
        )  # fmt: skip
        if done:
            m.revision += 2 if m.revision == 0 else 1
            m.state = "under_review"

    @rule(
        key=alert_ids,
        actor=actors,
        outcome=st.sampled_from(sorted(OUTCOMES)),
        reason=st.sampled_from(["", "victim withdrew"]),
        stale=st.booleans(),
    )
    def decide(self, key: str, actor: Actor, outcome: str, reason: str, stale: bool) -> None:
        m = self.model[key]
        state, needs_reason = OUTCOMES[outcome]
        legal = m.state not in DECIDED and (bool(reason) or not needs_reason)
        done = self._attempt(
            key, stale, legal, actor,
            lambda rev: review_alert(
                self.store, key, outcome=outcome, reason=reason, at=self.now, actor=actor,
                expected_revision=rev,
            ),
        )  # fmt: skip
        if done:
            steps = 1 if m.state == "under_review" else 2  # started and decided at once
            m.revision += steps + (1 if m.revision == 0 else 0)
            m.state = state

    @rule(key=alert_ids)
    def new_evidence(self, key: str) -> None:
        """A detection run found more evidence: a decided alert opens a new round."""
        self.now = self.now.add(minutes=5)
        with self.store.unit_of_work(SOFTWARE, at=self.now) as uow:
            opened = reopen_reviews(uow, [key], at=self.now)
            uow.commit()
        m = self.model[key]
        assert bool(opened) == (m.state in DECIDED)
        if opened:
            self.model[key] = Model(state="flagged", revision=1, round=m.round + 1)

    @invariant()
    def the_queue_agrees_with_the_model(self) -> None:
        listed = list_alerts(self.store, actor=PEOPLE[0], at=self.now, status="all")
        seen = {e.alert.alert_id: e for e in listed}
        assert set(seen) == set(IDS)
        for key, m in self.model.items():
            entry = seen[key]
            assert (entry.status.value, entry.revision) == (m.state, m.revision)
            if entry.review is not None:
                assert entry.review.round == m.round
                if entry.status.value in DECIDED:
                    assert entry.review.decided_by in {p.actor_id for p in PEOPLE}
        opened = {e.alert.alert_id for e in list_alerts(self.store, actor=PEOPLE[0], at=self.now)}
        decided = list_alerts(self.store, actor=PEOPLE[0], at=self.now, status="decided")
        assert opened == {k for k, m in self.model.items() if m.state not in DECIDED}
        assert {e.alert.alert_id for e in decided} == set(IDS) - opened
        assert all(e.status is not ReviewState.FLAGGED or e.revision <= 1 for e in listed)

    @invariant()
    def the_trail_holds(self) -> None:
        assert verify(self.store).ok


TestReviewsOverStoredAlerts = ReviewsOverStoredAlerts.TestCase
