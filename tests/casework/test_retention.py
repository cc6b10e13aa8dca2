"""Retention review and disposal (MoPI) on every backend: what is due, retain and dispose
decisions, the refusals that change nothing, and a disposal that leaves the trail whole.

The case: defendant ``D1`` (``John Smith``), protected person ``P1`` (``Jane Doe`` at
``3 Safe House Lane``), order ``SPO-1`` made 15 March 2024 for two years and expired the
day after its last day (clear day 15 March 2026), and two incidents aimed at ``P1``.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum
import pytest

from spo_tracker.casework import retention_due, review_alert, review_retention, run_detection
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.orders import Order, OrderState
from spo_tracker.domain.people import ProtectedPerson
from spo_tracker.domain.retention import RetentionDecision, RetentionSchedule
from spo_tracker.errors import (
    DetailsDisposedError,
    NotFoundError,
    RetentionReasonMissingError,
    RetentionReasonNamesPersonError,
    RetentionRefusedError,
    UnknownCodeError,
)
from spo_tracker.storage import DISPOSED_NAME, Actor, SqlStore, Store, shred_person_key, verify
from tests.casework.conftest import BACKENDS, open_store
from tests.lifecycles.builders import london
from tests.storage import builders

REVIEWER = Actor("DS 77", "supervisor", purpose="MoPI retention review")
ENDED = london(2026, 3, 15, 0, 5)
DUE = london(2036, 3, 15, 9)
SUMMARY = "Jane Doe saw him outside 3 Safe House Lane"
#: Values the disposal must remove, as they were stored.
PERSONAL: tuple[str, ...] = ("Jane Doe", "Safe House Lane", "B15 2TT", "John Smith", "Jack Smith")
PERSONAL += ("Old Road", "447700900123", "d1@example.org", "outside 3", "EX/0", "instagram:stalker")


def _order(state: OrderState = OrderState.EXPIRED) -> Order:
    made = builders.order("SPO-1", "D1", ("P1",), versions=1)
    if state is OrderState.EXPIRED:
        return attrs.evolve(made, state=state, ended_at=ENDED, end_reason="period ended")
    return made


def _alert() -> Alert:
    return Alert(
        alert_id="AL-1",
        rule_id="breach.no_contact",
        kind="breach",
        severity="high",
        defendant_id="D1",
        order_id="SPO-1",
        section="SPA2019 s.8(1)",
        title="possible breach of SPO-1",
        explanation="a message to a protected person; a person decides (s.8(1))",
        evidence_ids=("I1",),
        identified_at=london(2024, 6, 2, 10),
    )


def seed_case(store: Store, *, state: OrderState = OrderState.EXPIRED, alert: bool = False) -> None:
    """Store the case."""
    with store.unit_of_work(Actor("PC 1", "officer"), at=london(2024, 3, 15, 15)) as uow:
        uow.defendants.add(builders.defendant("D1", identities=3))
        uow.protected_persons.add(builders.person("P1"))
        uow.orders.add(_order(state))
        uow.incidents.add(builders.incident("I1", defendant_id="D1", target_person_id="P1"))
        uow.incidents.add(
            builders.incident("I2", 5, defendant_id=None, target_person_id="P1", summary=SUMMARY)
        )
        if alert:
            uow.alerts.add(_alert())
        uow.commit()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store on each backend holding the expired case."""
    opened = open_store(request, request.param)
    seed_case(opened)
    yield opened
    opened.close()


def _head(store: Store) -> tuple[int, str] | None:
    return store.audit_head()


#: The audit entries a refused decision may still leave: the logged reads of the records
#: it looked at (DPA 2018 s.62 logs consultation whatever came of it), nothing else.
READ_EVENTS = frozenset({"persons.consulted", "protected_person.restricted_read"})


def only_reads_since(store: Store, before: tuple[int, str] | None) -> None:
    """Nothing changed since ``before`` but the logged reads of a refused call."""
    start = -1 if before is None else before[0]
    added = {e.event for e in store.audit_entries() if e.seq > start}
    assert added <= READ_EVENTS, added


# -- what is due ---------------------------------------------------------------------------


def test_a_case_is_due_ten_years_after_its_order_ended_by_default(store: Store) -> None:
    """Group 2 by default: due on the tenth anniversary of the London day the order ended."""
    assert retention_due(store, at=DUE.subtract(days=1), actor=REVIEWER) == ()
    (case,) = retention_due(store, at=DUE, actor=REVIEWER)
    assert case.case_id == "D1"
    assert case.category.code == "mopi-2"
    assert case.clear_day == pendulum.Date(2026, 3, 15)
    assert case.next_review == pendulum.Date(2036, 3, 15)


def test_a_force_schedule_puts_the_case_in_group_3(store: Store) -> None:
    """A force that files SPO cases under group 3 sees them due after six years."""
    schedule = RetentionSchedule(default="mopi-3")
    (case,) = retention_due(store, at=london(2032, 3, 15, 9), actor=REVIEWER, schedule=schedule)
    assert case.next_review == pendulum.Date(2032, 3, 15)


def test_a_case_with_a_live_order_is_never_due(request: pytest.FixtureRequest) -> None:
    """An order in force is not reviewed for disposal (MoPI: retire at expiry first)."""
    for backend in ("memory", "sqlite"):
        opened = open_store(request, backend)
        seed_case(opened, state=OrderState.SERVED)
        assert retention_due(opened, at=london(2090, 1, 1), actor=REVIEWER) == ()
        opened.close()


def test_listing_what_is_due_is_audited(store: Store) -> None:
    """The listing is noted in the trail with the cases it showed."""
    retention_due(store, at=DUE, actor=REVIEWER)
    last = list(store.audit_entries())[-1]
    assert last.event == "retention.due_listed"
    assert '"D1"' in last.changes
    assert last.actor_id == "DS 77"


# -- retain --------------------------------------------------------------------------------


def test_retaining_records_the_reason_and_the_next_review(store: Store) -> None:
    """A retained case is due again a review period after the decision."""
    outcome = review_retention(
        store, "D1", decision="retain", reason="risk remains: new report", at=DUE, actor=REVIEWER
    )
    review = outcome.review
    assert review.decision is RetentionDecision.RETAIN
    assert review.next_review == pendulum.Date(2046, 3, 15)
    assert (review.decided_by, review.role) == ("DS 77", "supervisor")
    assert outcome.erased == {}
    assert retention_due(store, at=DUE.add(years=5), actor=REVIEWER) == ()
    (case,) = retention_due(store, at=london(2046, 3, 15, 9), actor=REVIEWER)
    assert case.last_decision == review
    entry = next(e for e in store.audit_entries() if e.event == "retention_review.created")
    assert entry.reason == "risk remains: new report"
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        assert uow.retention_reviews.get(review.review_id) == review


def test_two_retain_decisions_are_both_kept(store: Store) -> None:
    """Each decision is a new record: the history of reviews stays."""
    first = review_retention(store, "D1", decision="retain", reason="a", at=DUE, actor=REVIEWER)
    later = DUE.add(years=10)
    second = review_retention(store, "D1", decision="retain", reason="b", at=later, actor=REVIEWER)
    assert first.review.review_id != second.review.review_id
    with store.unit_of_work(REVIEWER, at=later) as uow:
        assert len(uow.retention_reviews.ids_where("case_id", "D1")) == 2


# -- refusals change nothing ---------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize("decision", ["retain", "dispose"])
def test_a_decision_without_a_reason_is_refused(store: Store, decision: str, reason: str) -> None:
    """MoPI: every decision is recorded with its reason; none given, nothing changes."""
    before = _head(store)
    with pytest.raises(RetentionReasonMissingError):
        review_retention(store, "D1", decision=decision, reason=reason, at=DUE, actor=REVIEWER)
    only_reads_since(store, before)


def test_an_unknown_case_is_not_found(store: Store) -> None:
    """A case id that is no defendant: NotFoundError, nothing changes."""
    before = _head(store)
    with pytest.raises(NotFoundError, match="D404"):
        review_retention(store, "D404", decision="retain", reason="x", at=DUE, actor=REVIEWER)
    only_reads_since(store, before)


def test_an_unknown_decision_is_refused(store: Store) -> None:
    """Only retain or dispose."""
    with pytest.raises(UnknownCodeError, match="archive"):
        review_retention(store, "D1", decision="archive", reason="x", at=DUE, actor=REVIEWER)


@pytest.mark.parametrize("backend", [p.values[0] for p in BACKENDS])
def test_disposal_under_a_live_order_is_refused(
    request: pytest.FixtureRequest, backend: str
) -> None:
    """A live order blocks disposal, named in the error; nothing changes."""
    opened = open_store(request, backend)
    try:
        seed_case(opened, state=OrderState.SERVED)
        before = _head(opened)
        with pytest.raises(RetentionRefusedError, match="SPO-1") as caught:
            review_retention(opened, "D1", decision="dispose", reason="x", at=DUE, actor=REVIEWER)
        assert caught.value.case_id == "D1"
        only_reads_since(opened, before)
        with opened.unit_of_work(REVIEWER, at=DUE) as uow:
            assert uow.defendants.get("D1").display_name == "John Smith"
    finally:
        opened.close()


@pytest.mark.parametrize("backend", [p.values[0] for p in BACKENDS])
def test_disposal_under_an_open_alert_is_refused_until_it_is_decided(
    request: pytest.FixtureRequest, backend: str
) -> None:
    """An undecided alert blocks disposal (SPA2019 s.8: a person decides it first)."""
    opened = open_store(request, backend)
    try:
        seed_case(opened, alert=True)
        before = _head(opened)
        with pytest.raises(RetentionRefusedError, match="AL-1"):
            review_retention(opened, "D1", decision="dispose", reason="x", at=DUE, actor=REVIEWER)
        only_reads_since(opened, before)
        review_alert(
            opened, "AL-1", outcome="not_a_breach", reason="no contact", at=DUE, actor=REVIEWER
        )
        outcome = review_retention(
            opened, "D1", decision="dispose", reason="no policing purpose", at=DUE, actor=REVIEWER
        )
        assert outcome.review.decision is RetentionDecision.DISPOSE
    finally:
        opened.close()


# -- dispose -------------------------------------------------------------------------------


def test_disposal_erases_the_personal_data_and_keeps_the_records(store: Store) -> None:
    """Names, whereabouts, identities, free text and evidence references go; ids stay."""
    outcome = review_retention(
        store, "D1", decision="dispose", reason="no policing purpose", at=DUE, actor=REVIEWER
    )
    assert outcome.erased == {
        "defendant": 1,
        "incident": 2,
        "notification_duty": 0,
        "protected_person": 1,
    }
    assert outcome.review.next_review is None
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        defendant = uow.defendants.get("D1")
        assert [n.name for n in defendant.names] == [DISPOSED_NAME]
        assert defendant.addresses == ()
        assert defendant.identities == ()
        assert defendant.date_of_birth is None
        person = uow.protected_persons.get("P1", reason="check disposal")
        assert person.name == DISPOSED_NAME
        assert person.restricted.address is None
        assert person.restricted.places == ()
        for key in ("I1", "I2"):
            incident = uow.incidents.get(key)
            assert (incident.summary, incident.evidence_refs) == ("", ())
            assert incident.actor is None
            assert incident.location is None
        assert uow.orders.get("SPO-1").protected_person_ids == ("P1",)


def test_disposal_destroys_the_persons_own_key_and_detection_still_runs(store: Store) -> None:
    """Crypto-shredding: after the details are overwritten the person's key is destroyed
    (audited), details can never be stored for them again, and the whole force's
    detection and reports still load the disposed person (with no details)."""
    review_retention(store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER)
    destroyed = [e for e in store.audit_entries() if e.event == "protected_person.key_destroyed"]
    assert [(e.subject_id, e.reason) for e in destroyed] == [("P1", "gone")]
    # The whole force's detection still loads the disposed person (no details, no error).
    run_detection(store, at=london(2037, 1, 1), actor=REVIEWER)
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        person = uow.protected_persons.get("P1", reason="check disposal")
        again = attrs.evolve(person, restricted=builders.person("P1").restricted)
        with pytest.raises(DetailsDisposedError):
            uow.protected_persons.update(again, reason="try to store details again")


def test_a_case_naming_a_person_whose_key_was_destroyed_is_reviewed_and_disposed_of(
    store: Store,
) -> None:
    """P1's key destroyed directly before the review (an erasure on request, their
    details still stored and now unreadable): a decision to retain and then to dispose
    go on (before, each raised DetailsDisposedError), a reason holding P1's name is still
    refused, and the disposal erases the name and overwrites the unreadable details with
    none, so P1 reads again as a disposed person, and the trail verifies."""
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        assert shred_person_key(uow, "P1", reason="erasure: the person asked")
        uow.commit()
    review_retention(store, "D1", decision="retain", reason="appeal", at=DUE, actor=REVIEWER)
    before = _head(store)
    with pytest.raises(RetentionReasonNamesPersonError):
        review_retention(
            store, "D1", decision="dispose", reason="Jane Doe moved", at=DUE, actor=REVIEWER
        )
    only_reads_since(store, before)
    outcome = review_retention(
        store, "D1", decision="dispose", reason="no policing purpose", at=DUE, actor=REVIEWER
    )
    assert outcome.erased["protected_person"] == 1
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        person = uow.protected_persons.get("P1", reason="check disposal")
        assert person == ProtectedPerson("P1", DISPOSED_NAME)
        with pytest.raises(DetailsDisposedError):
            uow.protected_persons.update(
                attrs.evolve(person, restricted=builders.person("P1").restricted)
            )
    assert verify(store).ok
    if isinstance(store, SqlStore):
        report = verify(store, deep=True)
        assert report.ok, report.findings


def test_the_trail_shows_who_disposed_when_and_why_and_holds_no_personal_value(
    store: Store,
) -> None:
    """Each erasure is an audited change by the reviewer with the reason; no entry of the
    trail (written from release 0011 on) holds a name, an address or free text."""
    review_retention(
        store, "D1", decision="dispose", reason="no policing purpose", at=DUE, actor=REVIEWER
    )
    entries = list(store.audit_entries())
    erasures = [e for e in entries if e.recorded_at == DUE and e.event.endswith(".changed")]
    assert {e.subject_kind for e in erasures} == {"defendant", "incident", "protected_person"}
    assert all(e.actor_id == "DS 77" and e.reason == "no policing purpose" for e in erasures)
    decided = [e for e in entries if e.event == "retention_review.created"]
    assert '"dispose"' in decided[0].changes
    for entry in entries:
        text = entry.changes + entry.reason
        assert not [v for v in PERSONAL if v in text], entry.event


def test_a_disposed_case_is_not_due_and_cannot_be_decided_again(store: Store) -> None:
    """Once disposed of, the case leaves the due list; another decision is refused."""
    review_retention(store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER)
    assert retention_due(store, at=london(2090, 1, 1), actor=REVIEWER) == ()
    before = _head(store)
    with pytest.raises(RetentionRefusedError, match="already disposed"):
        review_retention(store, "D1", decision="retain", reason="x", at=DUE, actor=REVIEWER)
    only_reads_since(store, before)


def test_the_audit_trail_verifies_after_disposal(store: Store) -> None:
    """Plain verification holds on every backend, and deep verification on SQL: the
    erased rows match the digests their erasure entries recorded."""
    review_retention(store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER)
    assert verify(store).ok
    if isinstance(store, SqlStore):
        report = verify(store, deep=True)
        assert report.ok, report.findings
        assert report.findings == ()


def test_a_person_another_live_case_protects_is_kept(request: pytest.FixtureRequest) -> None:
    """A protected person shared with another defendant's case keeps their details."""
    opened = open_store(request, "sqlite")
    try:
        seed_case(opened)
        other = attrs.evolve(builders.order("SPO-2", "D2", ("P1",), versions=1))
        with opened.unit_of_work(Actor("PC 1", "officer"), at=london(2024, 3, 15, 16)) as uow:
            uow.defendants.add(builders.defendant("D2"))
            uow.orders.add(other)
            uow.commit()
        outcome = review_retention(
            opened, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER
        )
        assert outcome.erased["protected_person"] == 0
        with opened.unit_of_work(REVIEWER, at=DUE) as uow:
            assert uow.protected_persons.get_name("P1") == "Jane Doe"
    finally:
        opened.close()
