"""Two reviewers racing on one alert, on SQLite and PostgreSQL: one wins, one gets the
typed conflict, nothing is lost.

Real threads, each with its own connection to the same database, released
together by a barrier. Both act on the revision they saw (``expected_revision``),
so whichever commits second meets a review that moved on and gets
:class:`~spo_tracker.errors.ConcurrencyConflictError`, whatever the interleaving.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import attrs
import pytest

from spo_tracker.casework import (
    AlertEntry,
    AlertsStored,
    _alert_entries,
    _review,
    alert_detail,
    assign_alert,
    review_alert,
    run_detection,
    store_alerts,
)
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.lifecycles import ReviewState
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.errors import ConcurrencyConflictError
from spo_tracker.storage import Actor, Store, UnitOfWork, connect, verify
from tests.casework.test_concurrency import _BY, _found
from tests.storage.conftest import fixed_clock

BAN = "AL-e16438f369730d61fbb3"
FIRST, SECOND = (
    Actor("PC 4471", "officer", purpose="tests"),
    Actor("DC 9", "officer", purpose="tests"),
)

Work = Callable[[Store, Actor], AlertEntry]


def _race(url: str, work: Work) -> tuple[list[tuple[Actor, AlertEntry]], list[BaseException]]:
    """Run ``work`` as FIRST and as SECOND in two threads released at the same moment."""
    stores = {actor: connect(url, clock=fixed_clock) for actor in (FIRST, SECOND)}
    done: list[tuple[Actor, AlertEntry]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def one(actor: Actor) -> None:
        try:
            start.wait()
            done.append((actor, work(stores[actor], actor)))
        except BaseException as error:  # collected and checked by the test
            errors.append(error)

    threads = [threading.Thread(target=one, args=(actor,)) for actor in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for store in stores.values():
            store.close()
    return done, errors


@pytest.fixture
def detected(sql_demo_url: str) -> str:
    """The demo database with its alerts stored."""
    with connect(sql_demo_url, clock=fixed_clock) as store:
        run_detection(store, at=NOW, actor=DEMO_ACTOR)
    return sql_demo_url


def test_two_reviewers_deciding_at_once_one_wins_one_gets_the_conflict(detected: str) -> None:
    """Both saw the alert assigned (revision 2); one decision is stored, the other is the
    typed conflict; the trail's chain holds and holds the winner's decision only."""
    with connect(detected, clock=fixed_clock) as store:
        seen = assign_alert(
            store, BAN, to="PC 4471", at=NOW, actor=Actor("Sgt 1", "supervisor", purpose="tests")
        )
    assert seen.revision == 2

    def decide(store: Store, actor: Actor) -> AlertEntry:
        outcome = "referred" if actor is FIRST else "warning"
        return review_alert(
            store, BAN, outcome=outcome, at=NOW, actor=actor, expected_revision=seen.revision
        )

    done, errors = _race(detected, decide)
    assert len(done) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], ConcurrencyConflictError)
    assert BAN.removeprefix("AL-") in str(errors[0])
    winner, entry = done[0]
    with connect(detected, clock=fixed_clock) as store:
        detail = alert_detail(store, BAN, actor=FIRST, at=NOW)
        assert detail.rounds == (entry.review,)
        assert detail.entry.review is not None
        assert detail.entry.review.decided_by == winner.actor_id
        decisions = [
            e.actor_id
            for e in store.audit_entries()
            if e.event in ("breach_review.CONFIRM_AND_REFER", "breach_review.GIVE_WARNING")
        ]
        assert decisions == [winner.actor_id]
        assert verify(store).ok


def test_two_reviewers_taking_a_new_alert_at_once_one_wins_one_gets_the_conflict(
    detected: str,
) -> None:
    """Both saw the alert new (revision 0) and assign it: one review is stored, assigned as
    its winner said; the other is the typed conflict (a duplicate key or a moved revision)."""

    def assign(store: Store, actor: Actor) -> AlertEntry:
        return assign_alert(store, BAN, to=actor.actor_id, at=NOW, actor=actor, expected_revision=0)

    done, errors = _race(detected, assign)
    assert len(done) == 1
    assert [type(e) for e in errors] == [ConcurrencyConflictError]
    winner, _ = done[0]
    with connect(detected, clock=fixed_clock) as store:
        detail = alert_detail(store, BAN, actor=FIRST, at=NOW)
        (only,) = detail.rounds
        assert (only.state, only.assignee, only.revision) == (
            ReviewState.ASSIGNED,
            winner.actor_id,
            2,
        )
        assert verify(store).ok


def test_evidence_added_while_a_review_is_decided_reopens_the_decision(
    sql_demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A detection run that adds an incident to an alert while an officer's decision on it
    is open (another connection, another thread) waits for the decision, then re-opens it:
    the decision rested on less evidence than the alert now holds. Without the alert locked
    by the decision, each transaction commits without seeing the other and the decision
    stands on evidence it never saw."""
    with (
        connect(sql_demo_url, clock=fixed_clock) as store,
        connect(sql_demo_url, clock=fixed_clock) as other,
    ):
        full = next(a for a in _found(store) if len(a.evidence_ids) >= 2)
        fewer = attrs.evolve(
            full, evidence_ids=full.evidence_ids[:-1], count=len(full.evidence_ids) - 1
        )
        store_alerts(store, [fewer], **_BY)
        real = _alert_entries.owner_of  # what _review calls, patched there below
        runs: list[AlertsStored] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                runs.append(store_alerts(other, [full], **_BY))
            except BaseException as error:  # checked below
                errors.append(error)

        thread = threading.Thread(target=run)

        def owner_of(uow: UnitOfWork, alert: Alert) -> CaseOwner | None:
            if not thread.is_alive() and thread.ident is None:
                thread.start()  # the run stores the grown evidence while the decision is open
                thread.join(timeout=0.5)  # done at once unless the alert is locked
            return real(uow, alert)

        monkeypatch.setattr(_review, "owner_of", owner_of)
        review_alert(
            store,
            full.alert_id,
            outcome="no_further_action",
            reason="no contact",
            at=NOW,
            actor=FIRST,
        )
        thread.join()
        assert errors == []
        assert runs[0].updated == 1
        with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
            assert uow.alerts.get(full.alert_id).evidence_ids == full.evidence_ids
            rounds = uow.breach_reviews.for_alert(full.alert_id)
        assert rounds[-2].decided
        assert not rounds[-1].decided  # re-opened for the new evidence
