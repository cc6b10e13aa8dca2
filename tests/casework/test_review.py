"""Officers work through alerts: case ownership, the queue, and the review of a stored alert."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pendulum
import pytest

from spo_tracker.casework import (
    AlertEntry,
    ReviewOutcome,
    alert_detail,
    assign_alert,
    assign_case,
    list_alerts,
    review_alert,
    run_detection,
    start_alert_review,
)
from spo_tracker.casework import _storing as storing
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.detection import Alert
from spo_tracker.domain.alerts import AlertKind
from spo_tracker.domain.lifecycles import DismissalReason, ReviewState
from spo_tracker.errors import (
    ConcurrencyConflictError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    UnknownCodeError,
)
from spo_tracker.storage import Actor, Store, verify
from tests.casework.builders import store_incidents

OFFICER = Actor("PC 4471", "officer", purpose="tests")
SERGEANT = Actor("Sgt 12", "supervisor", purpose="tests")
LATER = NOW.add(hours=1)
#: The demo's breach of SPO-1001 T1 (a platform ban): 104 messages on one London day.
BAN = "AL-e16438f369730d61fbb3"
#: A course of conduct against a person no order protects (no order, no term).
COURSE = "AL-d32647213bc60054b9be"


def _state(store: Store) -> tuple[object, ...]:
    """Everything a refused command must leave as it was: the audit trail and the outbox."""
    return (
        tuple(e.entry_hash for e in store.audit_entries()),
        tuple(e.position for e in store.outbox_entries()),
    )


def _alerts(store: Store) -> dict[str, Alert]:
    return {a.alert_id: a for a in run_detection(store, at=NOW, actor=DEMO_ACTOR).alerts}


# -- case ownership ------------------------------------------------------------------


def test_assigning_a_case_stores_its_owner_and_reassigning_moves_it_on(demo_store: Store) -> None:
    """assign_case stores officer, unit and force (audited); assigning again re-assigns."""
    with demo_store.unit_of_work(SERGEANT, at=NOW) as uow:
        order = uow.orders.get("SPO-1001")
    first = assign_case(
        demo_store, "SPO-1001", officer="PC 4471", unit="PPU North", force="WMP",
        at=NOW, actor=SERGEANT,
    )  # fmt: skip
    assert (first.officer, first.unit, first.force, first.revision) == (
        "PC 4471", "PPU North", "WMP", 1,
    )  # fmt: skip
    again = assign_case(
        demo_store, "SPO-1001", officer=" DC 9 ", unit="PPU North", force="WMP",
        at=LATER, actor=SERGEANT,
    )  # fmt: skip
    assert (again.officer, again.revision, again.assigned_at) == ("DC 9", 2, LATER)
    with demo_store.unit_of_work(SERGEANT, at=LATER) as uow:
        assert uow.case_owners.get("SPO-1001") == again
        assert uow.orders.get("SPO-1001") == order  # the order itself is not changed
    events = [e.event for e in demo_store.audit_entries() if e.subject_kind == "case_owner"]
    assert events == ["case_owner.created", "case_owner.changed"]


@pytest.mark.parametrize(
    ("order", "changes", "error", "says"),
    [
        ("SPO-9999", {}, NotFoundError, "'SPO-9999'"),
        ("SPO-1001", {"officer": "  "}, InvalidValueError, "officer"),
        ("SPO-1001", {"force": ""}, InvalidValueError, "force"),
    ],
)
def test_a_bad_case_assignment_is_refused_and_changes_nothing(
    demo_store: Store, order: str, changes: dict[str, str], error: type[Exception], says: str
) -> None:
    """An unknown order or a blank name: a typed error naming it; nothing is stored."""
    before = _state(demo_store)
    names = {"officer": "PC 1", "unit": "PPU", "force": "WMP", **changes}
    with pytest.raises(error, match=says):
        assign_case(demo_store, order, **names, at=NOW, actor=SERGEANT)
    assert _state(demo_store) == before


# -- the queue ----------------------------------------------------------------------


def _owned(store: Store) -> dict[str, Alert]:
    alerts = _alerts(store)
    for order, officer, unit in (
        ("SPO-1001", "PC 1", "PPU North"),
        ("SPO-1002", "PC 2", "PPU South"),
    ):
        assign_case(store, order, officer=officer, unit=unit, force="WMP", at=NOW, actor=SERGEANT)
    return alerts


def _ids(entries: tuple[AlertEntry, ...]) -> set[str]:
    return {e.alert.alert_id for e in entries}


def test_the_queue_lists_open_alerts_most_severe_first_then_earliest(demo_store: Store) -> None:
    """Every stored alert is new and open; the order is the alerts' sort order."""
    alerts = _alerts(demo_store)
    listed = list_alerts(demo_store, actor=OFFICER, at=NOW)
    assert [e.alert.alert_id for e in listed] == [a.alert_id for a in alerts.values()]
    ranks = [e.alert.severity.rank for e in listed]
    assert ranks == sorted(ranks, reverse=True)
    assert {e.status for e in listed} == {ReviewState.FLAGGED}
    assert all(e.revision == 0 and e.review is None for e in listed)


def test_the_queue_filters_by_owner_defendant_severity_kind_status_and_date(
    demo_store: Store,
) -> None:
    """Each filter keeps exactly the alerts that match it; they combine."""
    alerts = _owned(demo_store)

    def matching(test: Callable[[Alert], bool]) -> set[str]:
        return {k for k, a in alerts.items() if test(a)}

    def listed(**filters: object) -> set[str]:
        return _ids(list_alerts(demo_store, actor=OFFICER, at=NOW, **filters))  # type: ignore[arg-type]

    assert listed(officer="PC 1") == matching(lambda a: a.order_id == "SPO-1001")
    assert listed(unit="PPU South") == matching(lambda a: a.order_id == "SPO-1002")
    assert listed(force="WMP") == matching(lambda a: a.order_id in ("SPO-1001", "SPO-1002"))
    assert listed(force="Kent") == set()
    assert listed(defendant="D-1002") == matching(lambda a: a.defendant_id == "D-1002")
    assert listed(severity="critical") == matching(lambda a: a.severity.value == "critical")
    assert listed(kind=["escalation", "notification"]) == matching(
        lambda a: a.kind.value in ("escalation", "notification")
    )
    since, until = pendulum.datetime(2026, 3, 14), pendulum.datetime(2026, 3, 16)
    assert listed(since=since, until=until) == matching(lambda a: since <= a.identified_at < until)
    assert listed(officer="PC 1", kind="escalation") == matching(
        lambda a: a.order_id == "SPO-1001" and a.kind.value == "escalation"
    )
    assert listed(status="decided") == set()
    assert listed(status="new") == set(alerts)


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"severity": "urgent"}, "severity"),
        ({"kind": "x"}, "kind"),
    ],
)
def test_an_unknown_filter_value_is_a_typed_error_naming_it(
    demo_store: Store, filters: dict[str, str], field: str
) -> None:
    """UnknownCodeError naming the field and value, listing the known ones."""
    with pytest.raises(UnknownCodeError) as caught:
        list_alerts(demo_store, actor=OFFICER, at=NOW, **filters)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert repr(next(iter(filters.values()))) in str(caught.value)


# -- the review ---------------------------------------------------------------------


def test_assign_start_and_decide_keep_the_timeliness_chain(demo_store: Store) -> None:
    """Each step keeps who and when; the decision leaves the open queue; all of it audited."""
    alert = _alerts(demo_store)[BAN]
    assigned = assign_alert(demo_store, BAN, to="PC 4471", at=NOW, actor=SERGEANT)
    assert (assigned.status, assigned.revision) == (ReviewState.ASSIGNED, 2)
    started = start_alert_review(demo_store, BAN, at=NOW.add(minutes=30), actor=OFFICER)
    assert started.status is ReviewState.UNDER_REVIEW
    done = review_alert(
        demo_store, BAN, outcome="referred", reason="charging file opened",
        referral_reference="20/1234/26", at=LATER, actor=OFFICER, expected_revision=3,
    )  # fmt: skip
    assert done.status is ReviewState.CONFIRMED_REFERRED
    chain = done.timeliness
    assert (chain.breach_time, chain.identified_at) == (alert.breach_time, alert.identified_at)
    assert (chain.assigned_at, chain.first_action_at, chain.decided_at) == (
        NOW, NOW.add(minutes=30), LATER,
    )  # fmt: skip
    assert done.review is not None
    assert (done.review.assignee, done.review.assigned_by) == ("PC 4471", "Sgt 12")
    assert (done.review.decided_by, done.review.referral_reference) == ("PC 4471", "20/1234/26")
    assert BAN not in _ids(list_alerts(demo_store, actor=OFFICER, at=LATER))
    assert BAN in _ids(list_alerts(demo_store, actor=OFFICER, at=LATER, status="decided"))
    trail = [e.event for e in demo_store.audit_entries() if e.subject_kind == "breach_review"]
    assert trail == [
        "breach_review.created",
        "breach_review.ASSIGN",
        "breach_review.START_REVIEW",
        "breach_review.CONFIRM_AND_REFER",
    ]
    kinds = [e.event.event_type for e in demo_store.outbox_entries()][-3:]
    assert kinds == ["ReviewAssigned", "ReviewStarted", "ReviewConfirmed"]
    assert verify(demo_store).ok


@pytest.mark.parametrize(
    ("outcome", "extra", "state", "reason"),
    [
        ("warning", {"reason": "words of advice"}, ReviewState.WARNING_GIVEN, None),
        ("no-further-action", {"reason": "victim withdrew"}, ReviewState.DISMISSED,
         DismissalReason.NO_FURTHER_ACTION),
        (ReviewOutcome.NOT_A_BREACH, {"reason": "not his account"}, ReviewState.DISMISSED,
         DismissalReason.NO_BREACH),
        ("duplicate", {"duplicate_of": "AL-6fa3ceadc1210fdf7029"}, ReviewState.DISMISSED,
         DismissalReason.DUPLICATE),
    ],
)  # fmt: skip
def test_each_outcome_decides_a_new_alert_in_one_step(
    demo_store: Store,
    outcome: str | ReviewOutcome,
    extra: dict[str, str],
    state: ReviewState,
    reason: DismissalReason | None,
) -> None:
    """A new alert is started and decided at once (first action = decision)."""
    _alerts(demo_store)
    done = review_alert(
        demo_store, BAN, outcome=outcome, at=NOW, actor=OFFICER,
        reason=extra.get("reason", ""), duplicate_of=extra.get("duplicate_of"),
    )  # fmt: skip
    assert done.review is not None
    assert (done.status, done.review.dismissal_reason) == (state, reason)
    assert done.timeliness.first_action_at == done.timeliness.decided_at == NOW
    assert done.review.note == extra.get("reason", "")


def test_an_alert_with_no_order_is_reviewed_too(demo_store: Store) -> None:
    """A course of conduct against an unprotected person has no order, and is reviewed."""
    alerts = _alerts(demo_store)
    assert alerts[COURSE].order_id is None
    done = review_alert(
        demo_store, COURSE, outcome="no_further_action", reason="words with both", at=NOW,
        actor=OFFICER,
    )  # fmt: skip
    assert done.review is not None
    assert done.review.order_id is None
    assert done.status is ReviewState.DISMISSED


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        (lambda s: review_alert(s, "AL-nope", outcome="referred", at=NOW, actor=OFFICER),
         NotFoundError, "'AL-nope'"),
        (lambda s: review_alert(s, BAN, outcome="no_further_action", at=NOW, actor=OFFICER),
         InvalidValueError, "reason=''"),
        (lambda s: review_alert(s, BAN, outcome="not_a_breach", reason="  ", at=NOW,
                                actor=OFFICER), InvalidValueError, "reason='  '"),
        (lambda s: review_alert(s, BAN, outcome="duplicate", at=NOW, actor=OFFICER),
         InvalidValueError, "duplicate_of=None"),
        (lambda s: review_alert(s, BAN, outcome="duplicate", duplicate_of=BAN, at=NOW,
                                actor=OFFICER), InvalidValueError, "cannot duplicate itself"),
        (lambda s: review_alert(s, BAN, outcome="duplicate", duplicate_of="AL-gone", at=NOW,
                                actor=OFFICER), NotFoundError, "'AL-gone'"),
        (lambda s: review_alert(s, BAN, outcome="caution", at=NOW, actor=OFFICER),
         UnknownCodeError, "'caution'"),
        (lambda s: assign_alert(s, BAN, to="   ", at=NOW, actor=SERGEANT),
         InvalidValueError, "assignee='   '"),
        (lambda s: assign_alert(s, "AL-nope", to="PC 1", at=NOW, actor=SERGEANT),
         NotFoundError, "'AL-nope'"),
        (lambda s: assign_alert(s, BAN, to="PC 1", at=NOW, actor=SERGEANT, expected_revision=3),
         ConcurrencyConflictError, "breach_review"),
    ],
)  # fmt: skip
def test_bad_review_input_is_a_typed_error_naming_the_value_and_changes_nothing(
    demo_store: Store, call: Callable[[Store], object], error: type[Exception], says: str
) -> None:
    """A missing alert, a missing reason, a blank assignee, an unknown outcome, a stale
    revision: typed errors; the trail and outbox are as they were. (Software deciding is
    refused by the permission table: tests/casework/test_permissions.py.)"""
    _alerts(demo_store)
    before = _state(demo_store)
    with pytest.raises(error, match=says):
        call(demo_store)
    assert _state(demo_store) == before
    with demo_store.unit_of_work(OFFICER, at=NOW) as uow:
        assert uow.breach_reviews.ids() == []


def test_a_decided_alert_cannot_be_decided_again(demo_store: Store) -> None:
    """IllegalTransitionError naming the state; the decision stands."""
    _alerts(demo_store)
    review_alert(demo_store, BAN, outcome="warning", at=NOW, actor=OFFICER)
    before = _state(demo_store)
    with pytest.raises(IllegalTransitionError, match="WARNING_GIVEN"):
        review_alert(demo_store, BAN, outcome="referred", at=LATER, actor=SERGEANT)
    assert _state(demo_store) == before


# -- re-detection -------------------------------------------------------------------


def test_detecting_again_never_loses_a_review(demo_store: Store) -> None:
    """Runs with nothing new leave every review, open or decided, exactly as it was."""
    _alerts(demo_store)
    assign_alert(demo_store, BAN, to="PC 4471", at=NOW, actor=SERGEANT)
    review_alert(demo_store, COURSE, outcome="warning", at=NOW, actor=OFFICER)
    with demo_store.unit_of_work(OFFICER, at=NOW) as uow:
        before = uow.breach_reviews.get_many(uow.breach_reviews.ids())
    run_detection(demo_store, at=LATER, actor=DEMO_ACTOR)
    with demo_store.unit_of_work(OFFICER, at=LATER) as uow:
        assert uow.breach_reviews.get_many(uow.breach_reviews.ids()) == before


def _one_more_message(store: Store) -> None:
    """A 105th message in the platform-ban alert's London day (14 March 2026)."""
    with store.unit_of_work(OFFICER, at=NOW) as uow:
        last = uow.find_incidents(["DEMO-1001-104"])["DEMO-1001-104"]
    late = pendulum.datetime(2026, 3, 14, 23, 30, tz="Europe/London")
    store_incidents(store, [attrs.evolve(last, incident_id="NEW-1001-105", occurred_at=late)])


def test_new_evidence_on_a_decided_alert_reopens_it_as_a_linked_round(demo_store: Store) -> None:
    """The decided review stays; a new FLAGGED round names it; the alert is open again."""
    _alerts(demo_store)
    decided = review_alert(demo_store, BAN, outcome="warning", at=NOW, actor=OFFICER).review
    assert decided is not None
    _one_more_message(demo_store)
    run = run_detection(demo_store, at=LATER, actor=DEMO_ACTOR)
    assert BAN in run.stored.updated_ids
    detail = alert_detail(demo_store, BAN, actor=OFFICER, at=LATER)
    first, second = detail.rounds
    assert first == decided
    assert (second.state, second.round, second.reopens) == (ReviewState.FLAGGED, 2, first.review_id)
    assert second.flagged_at == LATER
    assert "NEW-1001-105" in detail.entry.alert.evidence_ids
    assert detail.entry.status is ReviewState.FLAGGED
    assert detail.entry.revision == 1
    assert BAN in _ids(list_alerts(demo_store, actor=OFFICER, at=LATER))
    again = review_alert(
        demo_store, BAN, outcome="referred", at=LATER, actor=OFFICER, expected_revision=1
    )
    assert again.review is not None
    assert again.review.round == 2


def test_new_evidence_on_an_open_alert_leaves_its_review_going_on(demo_store: Store) -> None:
    """Only a decided review is re-opened; an assigned one keeps its assignee and revision."""
    _alerts(demo_store)
    assigned = assign_alert(demo_store, BAN, to="PC 4471", at=NOW, actor=SERGEANT).review
    _one_more_message(demo_store)
    run_detection(demo_store, at=LATER, actor=DEMO_ACTOR)
    assert alert_detail(demo_store, BAN, actor=OFFICER, at=LATER).rounds == (assigned,)


# -- the detail view ----------------------------------------------------------------


def test_the_detail_view_says_how_each_incident_was_attributed(demo_store: Store) -> None:
    """Evidence in the order it happened, each with its attribution; no restricted detail."""
    alert = _alerts(demo_store)[BAN]
    detail = alert_detail(demo_store, BAN, actor=OFFICER, at=NOW)
    assert [e.incident.incident_id for e in detail.evidence] == list(alert.evidence_ids)
    assert detail.evidence[0].attribution == (
        "identity handle:instagram:truth_teller_2026 linked to D-1001 on Tue 17 Mar 2026 "
        "(London), source officer"
    )
    assert detail.rounds == ()
    with pytest.raises(NotFoundError, match="'AL-nope'"):
        alert_detail(demo_store, "AL-nope", actor=OFFICER, at=NOW)


def test_decided_alerts_gaining_evidence_in_different_storing_steps_are_all_reopened(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing in steps (here one alert a step): a decided alert that gains evidence is
    re-opened whichever step it is written in, the first or the last."""
    alerts = _alerts(demo_store)
    other = next(
        a
        for a in sorted(alerts.values(), key=lambda a: a.alert_id)
        if a.kind is AlertKind.BREACH and a.alert_id != BAN and a.evidence_ids
    )
    assert other.alert_id < BAN  # written in an earlier step than BAN
    for key in (other.alert_id, BAN):
        review_alert(demo_store, key, outcome="warning", at=NOW, actor=OFFICER)
    _one_more_message(demo_store)
    with demo_store.unit_of_work(OFFICER, at=NOW) as uow:
        last = uow.find_incidents([other.evidence_ids[-1]])[other.evidence_ids[-1]]
    store_incidents(demo_store, [attrs.evolve(last, incident_id="NEW-OTHER-1")])
    monkeypatch.setattr(storing, "_STEP", 1)
    run = run_detection(demo_store, at=LATER, actor=DEMO_ACTOR)
    for key in (other.alert_id, BAN):
        assert key in run.stored.updated_ids
        detail = alert_detail(demo_store, key, actor=OFFICER, at=LATER)
        assert len(detail.rounds) == 2
        assert detail.entry.status is ReviewState.FLAGGED
