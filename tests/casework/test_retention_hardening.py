"""Retention review and disposal: the cases a hostile review found, one test each.

The case is ``tests.casework.test_retention``'s: ``D1`` (``John Smith``), ``P1``
(``Jane Doe`` at ``3 Safe House Lane``), order ``SPO-1`` expired on 15 March 2026,
incidents ``I1`` (by ``D1``) and ``I2`` (no defendant, aimed at ``P1``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import attrs
import pendulum
import pytest
import sqlalchemy as sa

import spo_tracker.casework._retention as retention_module
from spo_tracker.casework import retention_due, review_retention
from spo_tracker.domain.identities import email
from spo_tracker.domain.lifecycles.application import (
    Application,
    ApplicationState,
    AreaConnection,
)
from spo_tracker.domain.notification import (
    ClosedItem,
    Closure,
    DutyState,
    ItemKind,
    NotifiableItem,
    Notification,
    NotificationDuty,
)
from spo_tracker.domain.orders import OrderState
from spo_tracker.domain.retention import RetentionReview
from spo_tracker.errors import (
    RetentionReasonMissingError,
    RetentionReasonNamesPersonError,
    RetentionRefusedError,
)
from spo_tracker.storage import DISPOSED_NAME, METADATA, Actor, SqlStore, Store, verify
from tests.casework.conftest import BACKENDS, SQL_BACKENDS, open_store
from tests.casework.test_retention import (
    DUE,
    ENDED,
    READ_EVENTS,
    REVIEWER,
    only_reads_since,
    seed_case,
)
from tests.lifecycles.builders import london
from tests.storage import builders

OFFICER = Actor("PC 1", "officer")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store on each backend holding the expired case."""
    opened = open_store(request, request.param)
    seed_case(opened)
    yield opened
    opened.close()


def _add(store: Store, *records: object, at: pendulum.DateTime | None = None) -> None:
    with store.unit_of_work(OFFICER, at=at or london(2024, 3, 15, 16)) as uow:
        for record in records:
            uow.repository_for(record).add(record)
        uow.commit()


def _expired(order_id: str, defendant_id: str, persons: tuple[str, ...]) -> object:
    made = builders.order(order_id, defendant_id, persons, versions=1)
    return attrs.evolve(made, state=OrderState.EXPIRED, ended_at=ENDED, end_reason="period ended")


def _summary(store: Store, incident_id: str) -> str:
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        return uow.incidents.get(incident_id).summary


def _application(
    state: ApplicationState, determined_at: pendulum.DateTime | None = None
) -> Application:
    app = Application(
        application_id="APP-2",
        defendant_id="D1",
        applicant=builders.WMP,
        court="Birmingham Magistrates' Court",
        state=state,
        protected_person_ids=("P1",),
        laid_at=london(2024, 3, 1, 10),
        area_connection=AreaConnection.RESIDES_IN_AREA,
    )
    return attrs.evolve(app, determined_at=determined_at)


# -- 1. another live case's evidence is kept --------------------------------------------


def test_an_incident_aimed_at_a_person_another_live_case_keeps_is_kept(store: Store) -> None:
    """``I2`` names no defendant and is aimed at ``P1``, whom ``D2``'s live order protects:
    it may be ``D2``'s evidence, so disposing of ``D1`` leaves it (and ``P1``) whole."""
    live = builders.order("SPO-2", "D2", ("P1",), versions=1)
    _add(store, builders.defendant("D2"), live)
    outcome = review_retention(
        store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER
    )
    assert outcome.erased["incident"] == 1  # I1 only
    assert _summary(store, "I2") == "Jane Doe saw him outside 3 Safe House Lane"
    assert _summary(store, "I1") == ""


# -- 2. pending applications and appeals block disposal ---------------------------------


@pytest.mark.parametrize(
    "state", [ApplicationState.LAID, ApplicationState.INTERIM_APPLIED, ApplicationState.DRAFT]
)
def test_an_application_before_the_court_blocks_disposal(
    store: Store, state: ApplicationState
) -> None:
    """An undetermined application (SPA2019 s.1, s.5) refuses disposal, naming it; nothing
    changes, and the case is not listed as due."""
    _add(store, _application(state))
    before = store.audit_head()
    with pytest.raises(RetentionRefusedError, match="APP-2"):
        review_retention(store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER)
    only_reads_since(store, before)
    assert retention_due(store, at=london(2090, 1, 1), actor=REVIEWER) == ()


def test_an_ended_order_under_appeal_blocks_disposal(request: pytest.FixtureRequest) -> None:
    """An order ended but with an appeal pending (SPA2019 s.7) refuses disposal."""
    opened = open_store(request, "sqlite")
    try:
        seed_case(opened)
        with opened.unit_of_work(OFFICER, at=london(2026, 4, 1, 9)) as uow:
            order = uow.orders.get("SPO-1")
            uow.orders.update(attrs.evolve(order, appeal_pending=True, revision=order.revision + 1))
            uow.commit()
        with pytest.raises(RetentionRefusedError, match="SPO-1 still pending"):
            review_retention(opened, "D1", decision="dispose", reason="x", at=DUE, actor=REVIEWER)
    finally:
        opened.close()


def test_a_refused_application_is_a_case_event_and_its_person_is_erased(
    empty_store: Store,
) -> None:
    """A case with only a refused application comes due ten years after the refusal, and
    its disposal erases the person the application named."""
    refused_at = london(2027, 5, 4, 15)
    _add(
        empty_store,
        builders.defendant("D1"),
        builders.person("P1"),
        _application(ApplicationState.REFUSED, determined_at=refused_at),
    )
    (case,) = retention_due(empty_store, at=london(2037, 5, 4, 9), actor=REVIEWER)
    assert case.next_review == pendulum.Date(2037, 5, 4)
    at = london(2037, 5, 4, 9)
    outcome = review_retention(
        empty_store, "D1", decision="dispose", reason="x", at=at, actor=REVIEWER
    )
    assert outcome.erased["protected_person"] == 1
    with empty_store.unit_of_work(REVIEWER, at=at) as uow:
        assert uow.protected_persons.get_name("P1") == DISPOSED_NAME


# -- 3. decisions are numbered in order; a backdated one is refused ----------------------


def test_a_decision_dated_before_the_last_is_refused(store: Store) -> None:
    """Retain in 2040, then a disposal dated 2037: refused, naming the last decision."""
    kept = review_retention(
        store, "D1", decision="retain", reason="keep", at=london(2040, 1, 1, 9), actor=REVIEWER
    )
    before = store.audit_head()
    with pytest.raises(RetentionRefusedError, match=kept.review.review_id):
        review_retention(
            store, "D1", decision="dispose", reason="bin", at=london(2037, 1, 1, 9), actor=REVIEWER
        )
    only_reads_since(store, before)
    later = review_retention(
        store, "D1", decision="dispose", reason="bin", at=london(2050, 1, 1, 9), actor=REVIEWER
    )
    assert later.review.review_id.endswith("-2")
    assert retention_due(store, at=london(2090, 1, 1), actor=REVIEWER) == ()


def test_decisions_at_the_same_moment_are_numbered_in_order(store: Store) -> None:
    """Two decisions at one instant: numbers 1 and 2, and the second is the last."""
    first = review_retention(store, "D1", decision="retain", reason="a", at=DUE, actor=REVIEWER)
    second = review_retention(store, "D1", decision="dispose", reason="b", at=DUE, actor=REVIEWER)
    assert [first.review.review_id[-2:], second.review.review_id[-2:]] == ["-1", "-2"]
    with pytest.raises(RetentionRefusedError, match="already disposed"):
        review_retention(store, "D1", decision="retain", reason="c", at=DUE, actor=REVIEWER)


# -- 4. data stored after disposal comes due again -----------------------------------------


def test_data_stored_after_disposal_is_due_again_and_disposable(store: Store) -> None:
    """A report on ``D1`` stored after the disposal: the case is due again from the
    disposal's day, and a second disposal erases it (then it is not due)."""
    review_retention(store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER)
    late = builders.incident(
        "I9", defendant_id="D1", target_person_id="P1", occurred_at=london(2037, 1, 1, 10)
    )
    _add(store, late, at=london(2037, 1, 1, 11))
    (case,) = retention_due(store, at=london(2037, 1, 2), actor=REVIEWER)
    assert case.data_since_disposal
    assert case.next_review == pendulum.Date(2036, 3, 15)
    at = london(2037, 1, 2, 9)
    outcome = review_retention(
        store, "D1", decision="dispose", reason="again", at=at, actor=REVIEWER
    )
    assert outcome.erased["incident"] == 1
    assert _summary(store, "I9") == ""
    assert retention_due(store, at=london(2090, 1, 1), actor=REVIEWER) == ()


# -- 5. concurrent disposals sharing a person ----------------------------------------------


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_two_disposals_at_once_erase_a_shared_person(
    request: pytest.FixtureRequest, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``D1`` and ``D2`` share ``P1``; both disposed of at the same moment. Without a lock
    each sees the other case still kept and keeps ``P1``; with the lock one waits."""
    opened = open_store(request, backend)
    try:
        _add(
            opened,
            builders.defendant("D1"),
            builders.defendant("D2"),
            builders.person("P1"),
            _expired("SPO-1", "D1", ("P1",)),
            _expired("SPO-2", "D2", ("P1",)),
        )
        original = retention_module._protected_elsewhere
        barrier = threading.Barrier(2)

        def slow(uow: object, person: str, case: str) -> bool:
            found = original(uow, person, case)  # type: ignore[arg-type]
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=2)
            return found

        monkeypatch.setattr(retention_module, "_protected_elsewhere", slow)
        errors: list[BaseException] = []

        def dispose(case: str) -> None:
            try:
                review_retention(
                    opened, case, decision="dispose", reason="x", at=DUE, actor=REVIEWER
                )
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=dispose, args=(c,)) for c in ("D1", "D2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with opened.unit_of_work(REVIEWER, at=DUE) as uow:
            assert uow.protected_persons.get_name("P1") == DISPOSED_NAME
    finally:
        opened.close()


# -- 6. notified names and addresses -----------------------------------------------------


def _duty() -> NotificationDuty:
    served = pendulum.Date(2024, 3, 20)
    moved = NotifiableItem.arising(
        ItemKind.NEW_HOME_ADDRESS, served.add(days=30), "SPA2019 s.9(2)(b)", "9 Hidden Close"
    )
    given = london(2024, 4, 20, 10)
    return NotificationDuty(
        duty_id="ND-1",
        defendant_id="D1",
        order_id="SPO-1",
        local_police_area="West Midlands",
        state=DutyState.UP_TO_DATE,
        served_on=served,
        initial_from=served,
        closed=(ClosedItem(moved, given, Closure.NOTIFIED),),
        notifications=(Notification(given, "Lloyd House", "West Midlands", (moved,), given),),
    )


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_a_notified_address_is_kept_out_of_the_trail_and_erased(
    request: pytest.FixtureRequest, backend: str
) -> None:
    """The address the defendant notified is not in the duty's audit entry, and disposal
    erases it from the duty; the trail still verifies deep."""
    opened = open_store(request, backend)
    try:
        seed_case(opened)
        _add(opened, _duty())
        outcome = review_retention(
            opened, "D1", decision="dispose", reason="x", at=DUE, actor=REVIEWER
        )
        assert outcome.erased["notification_duty"] == 1
        assert isinstance(opened, SqlStore)
        with opened.engine.connect() as conn:
            for table in METADATA.sorted_tables:
                rows = conn.execute(sa.select(table)).all()
                assert "Hidden Close" not in repr(rows), table.name
        assert verify(opened, deep=True).ok
    finally:
        opened.close()


# -- 7. incidents from the defendant's own identities ------------------------------------


def test_an_incident_from_the_defendants_own_identity_is_erased(store: Store) -> None:
    """Sent from ``d1@example.org`` (linked to ``D1`` alone), no defendant or target set."""
    own = builders.incident(
        "I7", actor=email("d1@example.org"), defendant_id=None, target_person_id=None
    )
    _add(store, own)
    review_retention(store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER)
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        erased = uow.incidents.get("I7")
    assert erased.summary == ""
    assert erased.actor is None
    assert erased.evidence_refs == ()


# -- 9. an invisible reason is no reason -------------------------------------------------


@pytest.mark.parametrize("reason", ["\u200b", "\u2060 \u200b", "\ufeff"])
def test_a_reason_of_invisible_characters_is_refused(store: Store, reason: str) -> None:
    """U+200B, U+2060 and U+FEFF show nothing: refused, nothing recorded."""
    before = store.audit_head()
    with pytest.raises(RetentionReasonMissingError):
        review_retention(store, "D1", decision="retain", reason=reason, at=DUE, actor=REVIEWER)
    only_reads_since(store, before)
    with pytest.raises(RetentionReasonMissingError):
        RetentionReview("RR-1", "D1", "dispose", reason, "mopi-2", DUE, "DS 77", "supervisor")


# -- 10. a reason naming the person ------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("Jane Doe has moved from 3 Safe House Lane", "address"),
        ("subject JOHN  SMITH deceased", "name"),
        ("moved away from b152tt", "postcode"),
    ],
)
def test_a_reason_naming_the_case_s_people_is_refused_unquoted(
    store: Store, reason: str, kind: str
) -> None:
    """The reason outlives the disposal: one holding a name, address line or postcode of
    the case is refused, the error names the kind, never the value; nothing changes (the
    trail gains only the audited reads of the restricted details the check compared)."""
    before = store.audit_head()
    assert before is not None
    for decision in ("retain", "dispose"):
        with pytest.raises(RetentionReasonNamesPersonError) as refused:
            review_retention(store, "D1", decision=decision, reason=reason, at=DUE, actor=REVIEWER)
        assert kind in refused.value.kinds
        for value in ("Jane", "Safe", "SMITH", "Smith", "b152tt"):
            assert value not in str(refused.value)
    added = [e for e in store.audit_entries() if e.seq > before[0]]
    assert {e.event for e in added} <= READ_EVENTS
    assert _summary(store, "I1") != ""
    assert retention_due(store, at=DUE, actor=REVIEWER)[0].last_decision is None
