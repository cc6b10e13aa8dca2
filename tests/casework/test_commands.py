"""Case commands keep the records the Act ties together in step, in one transaction each."""

from __future__ import annotations

import pendulum
import pytest

from spo_tracker import casework
from spo_tracker.domain.lifecycles.application import ApplicationState, CourtFindings
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.notification import DutyState, ItemKind, NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderState
from spo_tracker.domain.terms import NoContact
from spo_tracker.errors import (
    ConcurrencyConflictError,
    GuardRejectedError,
    IllegalTransitionError,
    InvalidValueError,
    UnknownCodeError,
)
from spo_tracker.storage import Store
from tests.casework.conftest import ACTOR
from tests.lifecycles import builders as lifecycle

FINDINGS = CourtFindings(True, True, True)
TERMS = (NoContact(term_id="T1", persons=("P1",)),)
SERVED = lifecycle.london(2026, 3, 2, 15)
GRANTED = lifecycle.london(2026, 4, 20, 11)
TWO_YEARS = Duration(years=2)


def _interim(store: Store, at: pendulum.DateTime) -> Order:
    result = casework.decide_interim(
        store,
        "APP-1",
        at=at,
        actor=ACTOR,
        granted=True,
        order_id="ISPO-1",
        terms=TERMS,
        duration=Duration(weeks=8),
    )
    assert result.order is not None
    return result.order


def _serve(store: Store, order_id: str, at: pendulum.DateTime) -> casework.CaseResult:
    return casework.serve_order(
        store, order_id, at=at, actor=ACTOR, local_police_area="West Midlands"
    )


def _grant(
    store: Store, at: pendulum.DateTime = GRANTED, duration: Duration | None = TWO_YEARS
) -> casework.CaseResult:
    return casework.grant_application(
        store,
        "APP-1",
        at=at,
        actor=ACTOR,
        findings=FINDINGS,
        order_id="SPO-1",
        terms=TERMS,
        duration=duration,
    )


def _order(store: Store, order_id: str) -> Order:
    with store.unit_of_work(ACTOR) as uow:
        return uow.orders.get(order_id)


def _duties(store: Store) -> dict[str, NotificationDuty]:
    with store.unit_of_work(ACTOR) as uow:
        repo = uow.notification_duties
        return repo.get_many(repo.ids())


def _audit(store: Store) -> list[str]:
    return [e.event for e in store.audit_entries()]


# --- service ------------------------------------------------------------------------


def test_serving_an_order_opens_its_duty_with_the_initial_notification(
    store: Store, at: pendulum.DateTime
) -> None:
    """SPA2019 s.9(1): served on 2 March, every name and the address due by 4 March."""
    _interim(store, at)
    result = _serve(store, "ISPO-1", SERVED)
    (duty,) = result.duties
    assert result.order is not None
    assert result.order.state is OrderState.SERVED
    assert duty.state is DutyState.DUE
    assert duty.order_id == "ISPO-1"
    assert [i.kind for i in duty.outstanding] == [ItemKind.INITIAL]
    assert duty.outstanding[0].deadline.last_day == pendulum.Date(2026, 3, 4)
    assert _duties(store) == {duty.duty_id: duty}
    assert _audit(store)[-3:] == [
        "interim_order.SERVE",
        "notification_duty.created",
        "notification_duty.ORDER_SERVED",
    ]


def test_serving_without_a_police_area_when_a_duty_is_needed_changes_nothing(
    store: Store, at: pendulum.DateTime
) -> None:
    """A typed error naming the argument; the order stays MADE."""
    _interim(store, at)
    before = _audit(store)
    with pytest.raises(InvalidValueError, match="local_police_area"):
        casework.serve_order(store, "ISPO-1", at=SERVED, actor=ACTOR)
    assert _order(store, "ISPO-1").state is OrderState.MADE
    assert _duties(store) == {}
    assert _audit(store) == before


def test_serving_twice_is_refused_and_leaves_both_records(
    store: Store, at: pendulum.DateTime
) -> None:
    """The second SERVE is an illegal transition; order and duty are unchanged."""
    _interim(store, at)
    first = _serve(store, "ISPO-1", SERVED)
    with pytest.raises(IllegalTransitionError):
        _serve(store, "ISPO-1", SERVED.add(hours=1))
    assert _order(store, "ISPO-1") == first.order
    assert list(_duties(store).values()) == list(first.duties)


# --- determination -------------------------------------------------------------------


def test_granting_makes_the_full_order_and_the_duty_runs_on_under_it(
    store: Store, at: pendulum.DateTime
) -> None:
    """s.5(6)(b): the interim order ceases; s.9(1)(a): its duty continues, not restarted."""
    _interim(store, at)
    served = _serve(store, "ISPO-1", SERVED).duties[0]
    result = _grant(store)
    assert result.application is not None
    assert result.application.state is ApplicationState.GRANTED
    assert result.order is not None
    assert result.order.replaces_order_id == "ISPO-1"
    (ceased,) = result.ceased
    assert ceased.state is OrderState.CEASED
    assert _order(store, "ISPO-1") == ceased
    (duty,) = _duties(store).values()
    assert duty.order_id == "SPO-1"
    assert duty.replaced_order_ids == ("ISPO-1",)
    assert duty.initial_from == served.initial_from
    full = casework.serve_order(store, "SPO-1", at=GRANTED.add(hours=2), actor=ACTOR)
    assert full.order is not None
    assert full.order.state is OrderState.SERVED
    assert full.duties == (duty,)  # nothing restarts on serving the full order
    assert _duties(store) == {duty.duty_id: duty}


def test_a_full_order_replacing_an_unserved_interim_opens_the_duty_at_its_service(
    store: Store, at: pendulum.DateTime
) -> None:
    """The interim order was never served: the full order's service opens the initial."""
    _interim(store, at)
    _grant(store)
    assert _duties(store) == {}
    (duty,) = _serve(store, "SPO-1", GRANTED.add(days=1)).duties
    assert duty.state is DutyState.DUE
    assert duty.replaced_order_ids == ("ISPO-1",)
    assert duty.initial_from == pendulum.Date(2026, 4, 21)


@pytest.mark.parametrize(
    ("determine", "outcome"),
    [
        (casework.refuse_application, "refused"),
        (casework.withdraw_application, "withdrawn"),
    ],
)
def test_refusal_or_withdrawal_ceases_the_interim_order_and_ends_its_duty(
    store: Store, at: pendulum.DateTime, determine: object, outcome: str
) -> None:
    """s.5(6)(b) (withdrawal: the OPEN choice) and s.9(1): both end in one transaction."""
    _interim(store, at)
    _serve(store, "ISPO-1", SERVED)
    result = determine(store, "APP-1", at=GRANTED, actor=ACTOR)  # type: ignore[operator]
    (ceased,) = result.ceased
    assert ceased.state is OrderState.CEASED
    assert outcome in (ceased.end_reason or "")
    (duty,) = result.duties
    assert duty.state is DutyState.ENDED
    assert duty.ended_at == GRANTED
    assert list(_duties(store).values()) == [duty]


def test_a_grant_refused_by_its_findings_leaves_application_interim_and_duty(
    store: Store, at: pendulum.DateTime
) -> None:
    """A finding not met (s.2(1)): nothing is made, nothing ceases."""
    _interim(store, at)
    (duty,) = _serve(store, "ISPO-1", SERVED).duties
    before = _audit(store)
    with pytest.raises(GuardRejectedError, match=r"s\.2\(1\)"):
        casework.grant_application(
            store,
            "APP-1",
            at=GRANTED,
            actor=ACTOR,
            findings=CourtFindings(True, False, True),
            order_id="SPO-1",
            terms=TERMS,
            duration=Duration(years=2),
        )
    assert _order(store, "ISPO-1").state is OrderState.SERVED
    assert _duties(store) == {duty.duty_id: duty}
    assert _audit(store) == before


# --- orders that end ------------------------------------------------------------------


def test_discharging_an_interim_order_ends_its_duty(store: Store, at: pendulum.DateTime) -> None:
    """s.5(7)-(8) discharge, and s.9(1): the duty ends at the discharge."""
    _interim(store, at)
    _serve(store, "ISPO-1", SERVED)
    gone = lifecycle.london(2026, 3, 3, 11)
    result = casework.discharge_order(
        store, "ISPO-1", at=gone, actor=ACTOR, applied_by=Party.defendant()
    )
    assert result.order is not None
    assert result.order.state is OrderState.DISCHARGED
    (duty,) = result.duties
    assert (duty.state, duty.ended_at) == (DutyState.ENDED, gone)


def test_a_full_order_discharge_without_consents_leaves_order_and_duty(
    store: Store, at: pendulum.DateTime
) -> None:
    """s.4(4)(b): within 2 years the consents are needed; both records unchanged."""
    _interim(store, at)
    _serve(store, "ISPO-1", SERVED)
    _grant(store)
    order, duties = _order(store, "SPO-1"), _duties(store)
    with pytest.raises(GuardRejectedError, match=r"s\.4\(4\)\(b\)"):
        casework.discharge_order(
            store,
            "SPO-1",
            at=GRANTED.add(days=30),
            actor=ACTOR,
            applied_by=Party.chief_officer(lifecycle.WMP),
        )
    assert _order(store, "SPO-1") == order
    assert _duties(store) == duties


def test_consents_for_an_interim_discharge_are_refused(store: Store, at: pendulum.DateTime) -> None:
    """s.4(4)(b) consents belong to full orders: a typed error naming the argument."""
    _interim(store, at)
    with pytest.raises(InvalidValueError, match="consents"):
        casework.discharge_order(
            store,
            "ISPO-1",
            at=SERVED,
            actor=ACTOR,
            applied_by=Party.defendant(),
            consents=[Party.defendant()],
        )
    assert _order(store, "ISPO-1").state is OrderState.MADE


def test_expiry_ends_the_duty_at_the_end_of_the_period(store: Store, at: pendulum.DateTime) -> None:
    """s.5(6)(a): recorded a week late, the order and its duty end at the period's end."""
    order = _interim(store, at)
    _serve(store, "ISPO-1", SERVED)
    assert order.period is not None
    result = casework.expire_order(
        store, "ISPO-1", at=order.period.ends_at.add(days=7), actor=ACTOR
    )
    (duty,) = result.duties
    assert result.order is not None
    assert result.order.ended_at == order.period.ends_at
    assert duty.ended_at == order.period.ends_at


def test_quashing_on_appeal_ends_the_duty(store: Store, at: pendulum.DateTime) -> None:
    """s.7(4) quash after a s.7(1)(b) appeal; s.9(1): the duty ends with the order."""
    _interim(store, at)
    _serve(store, "ISPO-1", SERVED)
    casework.lodge_appeal(store, "ISPO-1", at=SERVED.add(hours=1), actor=ACTOR)
    result = casework.decide_appeal(store, "ISPO-1", "quashed", at=SERVED.add(days=1), actor=ACTOR)
    assert result.order is not None
    assert result.order.state is OrderState.QUASHED
    (duty,) = result.duties
    assert duty.state is DutyState.ENDED


def test_an_unknown_appeal_outcome_is_a_typed_error(store: Store) -> None:
    """The outcome is named with the known ones."""
    with pytest.raises(UnknownCodeError, match="'upheld'"):
        casework.decide_appeal(store, "ISPO-1", "upheld", at=SERVED, actor=ACTOR)


def test_a_restored_order_takes_back_the_duty_its_discharge_ended(
    store: Store, at: pendulum.DateTime
) -> None:
    """s.7(4), s.9(1): the duty the discharge ended runs on under the restored order."""
    _interim(store, at)
    _serve(store, "ISPO-1", SERVED)
    _grant(store, duration=None)
    casework.serve_order(store, "SPO-1", at=GRANTED.add(hours=1), actor=ACTOR)
    officer = Party.chief_officer(lifecycle.WMP)
    later = GRANTED.add(years=2, days=10)
    discharged = casework.discharge_order(store, "SPO-1", at=later, actor=ACTOR, applied_by=officer)
    (ended,) = discharged.duties
    assert ended.state is DutyState.ENDED
    casework.lodge_appeal(
        store,
        "SPO-1",
        at=later.add(days=1),
        actor=ACTOR,
        appellant=Party.defendant(),
        against=AppealAgainst.discharge(on_application_of=officer),
    )
    result = casework.decide_appeal(store, "SPO-1", "restored", at=later.add(days=9), actor=ACTOR)
    assert result.order is not None
    assert result.order.state is OrderState.SERVED
    (duty,) = result.duties
    assert duty.duty_id == ended.duty_id
    assert duty.state is not DutyState.ENDED
    assert _duties(store) == {duty.duty_id: duty}


# --- variation, renewal and stale revisions ---------------------------------------------


def test_variation_by_id_with_the_revision_seen(store: Store, at: pendulum.DateTime) -> None:
    """s.5(7): a new version; the expected revision is the one the caller read."""
    order = _interim(store, at)
    result = casework.vary_order(
        store,
        "ISPO-1",
        at=SERVED,
        actor=ACTOR,
        applied_by=Party.defendant(),
        duration=Duration(weeks=6),
        expected_revision=order.revision,
    )
    assert result.order is not None
    assert len(result.order.versions) == 2
    assert result.order.revision == order.revision + 1


@pytest.mark.parametrize("command", ["vary", "renew", "serve", "discharge", "appeal"])
def test_a_stale_expected_revision_writes_nothing(
    store: Store, at: pendulum.DateTime, command: str
) -> None:
    """Based on revision 1 after someone moved the order on: ConcurrencyConflictError."""
    _interim(store, at)
    casework.vary_order(
        store,
        "ISPO-1",
        at=SERVED,
        actor=ACTOR,
        applied_by=Party.defendant(),
        duration=Duration(weeks=6),
    )
    stored, before = _order(store, "ISPO-1"), _audit(store)
    when = SERVED.add(hours=1)
    calls = {
        "vary": lambda: casework.vary_order(
            store,
            "ISPO-1",
            at=when,
            actor=ACTOR,
            applied_by=Party.defendant(),
            duration=Duration(weeks=5),
            expected_revision=1,
        ),
        "renew": lambda: casework.renew_order(
            store,
            "ISPO-1",
            at=when,
            actor=ACTOR,
            applied_by=Party.defendant(),
            duration=Duration(weeks=9),
            expected_revision=1,
        ),
        "serve": lambda: casework.serve_order(
            store, "ISPO-1", at=when, actor=ACTOR, local_police_area="X", expected_revision=1
        ),
        "discharge": lambda: casework.discharge_order(
            store, "ISPO-1", at=when, actor=ACTOR, applied_by=Party.defendant(), expected_revision=1
        ),
        "appeal": lambda: casework.lodge_appeal(
            store, "ISPO-1", at=when, actor=ACTOR, expected_revision=1
        ),
    }
    with pytest.raises(ConcurrencyConflictError) as caught:
        calls[command]()
    assert (caught.value.expected, caught.value.actual) == (1, stored.revision)
    assert _order(store, "ISPO-1") == stored
    assert _duties(store) == {}
    assert _audit(store) == before


def test_a_stale_application_revision_writes_nothing(store: Store, at: pendulum.DateTime) -> None:
    """The application moved on (interim decided): a refusal based on revision 1 is refused."""
    _interim(store, at)
    with pytest.raises(ConcurrencyConflictError):
        casework.refuse_application(store, "APP-1", at=GRANTED, actor=ACTOR, expected_revision=1)
    assert _order(store, "ISPO-1").state is OrderState.MADE


def test_record_takes_an_expected_revision(store: Store, at: pendulum.DateTime) -> None:
    """uow.record(fired, expected_revision=...) refuses a stale base, writing nothing."""
    from spo_tracker.domain.lifecycles import serve_order

    order = _interim(store, at)
    fired = serve_order(order, at=SERVED, actor="PC 1")
    with store.unit_of_work(ACTOR) as uow, pytest.raises(ConcurrencyConflictError):
        uow.record(fired, expected_revision=order.revision + 5)
    with store.unit_of_work(ACTOR) as uow:
        assert uow.record(fired, expected_revision=order.revision) == order.revision + 1
        uow.commit()
    assert _order(store, "ISPO-1").state is OrderState.SERVED


def test_an_exempt_duty_keeps_its_service_day_when_the_full_order_is_served(
    store: Store, at: pendulum.DateTime
) -> None:
    """s.9(5), s.9(1)(a): served while exempt under the interim order; the full order's
    service neither re-opens anything nor moves the day a later final day counts from."""
    from spo_tracker.domain.lifecycles.notification_duty import part2_registered

    _interim(store, at)
    (duty,) = _serve(store, "ISPO-1", SERVED).duties
    with store.unit_of_work(ACTOR) as uow:
        fired = part2_registered(duty, at=SERVED.add(hours=1), actor="PC 1")
        uow.record(fired, expected_revision=duty.revision)
        uow.commit()
    _grant(store)
    (carried,) = casework.serve_order(store, "SPO-1", at=GRANTED.add(days=1), actor=ACTOR).duties
    assert carried.state is DutyState.EXEMPT
    assert carried.served_on == pendulum.Date(2026, 3, 2)
    assert carried.order_id == "SPO-1"


def test_a_duty_recording_something_after_the_order_ended_ends_when_recorded(
    store: Store, at: pendulum.DateTime
) -> None:
    """A notification recorded after the period: the duty cannot end before it, so it ends
    when the expiry is recorded (the chronology guard), and the order at its period's end."""
    from spo_tracker.domain.lifecycles.notification_duty import record_notification

    order = _interim(store, at)
    (duty,) = _serve(store, "ISPO-1", SERVED).duties
    assert order.period is not None
    late = order.period.ends_at.add(days=2)
    with store.unit_of_work(ACTOR) as uow:
        fired = record_notification(
            duty, at=late, actor="PC 1", station="Steelhouse Lane", police_area="West Midlands"
        )
        uow.record(fired, expected_revision=duty.revision)
        uow.commit()
    recorded = late.add(days=1)
    result = casework.expire_order(store, "ISPO-1", at=recorded, actor=ACTOR)
    assert result.order is not None
    assert result.order.ended_at == order.period.ends_at
    (ended,) = result.duties
    assert ended.ended_at == recorded
