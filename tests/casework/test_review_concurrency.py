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

import pytest

from spo_tracker.casework import AlertEntry, alert_detail, assign_alert, review_alert, run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.domain.lifecycles import ReviewState
from spo_tracker.errors import ConcurrencyConflictError
from spo_tracker.storage import Actor, Store, connect, verify
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
