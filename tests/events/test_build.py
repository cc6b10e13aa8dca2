"""Events are built from lifecycle transitions, new orders and alerts: one source of truth."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pendulum
import pytest

from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.lifecycles import MACHINES, serve_order
from spo_tracker.domain.notification import notification_deadline
from spo_tracker.domain.statemachine import Fired, TransitionRecord
from spo_tracker.domain.statutory_time import as_london_date
from spo_tracker.errors import InvalidValueError, UnknownCodeError
from spo_tracker.events import (
    EVENT_TYPES,
    LIFECYCLE_EVENTS,
    AlertRaised,
    AppealDecided,
    AppealLodged,
    ApplicationGranted,
    ApplicationRefused,
    ApplicationWithdrawn,
    BreachFlagged,
    DomainEvent,
    NotificationDeadlineMissed,
    NotificationDue,
    NotificationExempted,
    NotificationMade,
    OrderExpired,
    OrderMade,
    OrderQuashed,
    OrderRestoredOnAppeal,
    RefusalAppealDecided,
    RefusalAppealLodged,
    alert_raised,
    event_for,
    event_for_transition,
    order_made,
)
from tests.events.walks import NEW_ADDRESS, NEW_NAME, every_fired
from tests.lifecycles.builders import full, interim, london

FIRED = every_fired()


def _id(fired: Fired[Any]) -> str:
    return f"{fired.record.machine}.{fired.record.event}"


def _events_of(cls: type[DomainEvent]) -> list[DomainEvent]:
    return [e for e in map(event_for, FIRED) if type(e) is cls]


def test_every_row_of_every_table_has_an_event() -> None:
    """LIFECYCLE_EVENTS names the event types of exactly the events each table has."""
    for name, machine in MACHINES.items():
        table_events = {row.event.name for row in machine.transitions}
        assert set(LIFECYCLE_EVENTS[name]) == table_events, name
    assert set(LIFECYCLE_EVENTS) == set(MACHINES)


def test_the_walks_fire_every_event_of_every_table() -> None:
    """The walks below are complete, so every builder is exercised on real subjects."""
    fired = {(f.record.machine, f.record.event) for f in FIRED}
    expected = {(m, e) for m, events in LIFECYCLE_EVENTS.items() for e in events}
    assert fired == expected


def test_every_event_type_is_produced_by_something() -> None:
    """No event class is dead: transitions give all but the three built from records."""
    built = {type(event_for(f)) for f in FIRED}
    assert set(EVENT_TYPES) - built == {OrderMade, AlertRaised, BreachFlagged}


@pytest.mark.parametrize("fired", FIRED, ids=_id)
def test_a_transitions_event_carries_its_facts(fired: Fired[Any]) -> None:
    """Id, version (the subject's revision), instant, actor and section come from the record."""
    event = event_for(fired)
    record = fired.record
    assert type(event) in LIFECYCLE_EVENTS[record.machine][record.event]
    assert (event.originator_id, event.originator_version) == (
        record.subject_id,
        fired.subject.revision,
    )
    assert (event.occurred_at, event.actor, event.section) == (
        record.at,
        record.actor,
        record.section,
    )
    assert event.section.startswith(("SPA2019", "library"))
    assert getattr(event, "state", fired.subject.state.value) == fired.subject.state.value


@pytest.mark.parametrize("fired", FIRED, ids=_id)
def test_a_transitions_event_survives_json(fired: Fired[Any]) -> None:
    """as_dict, through JSON text, and from_dict give back an equal event."""
    event = event_for(fired)
    text = json.dumps(event.as_dict())
    assert DomainEvent.from_dict(json.loads(text)) == event


def test_versions_of_one_subject_increase_by_one_per_transition() -> None:
    """Each transition is the next version of its subject, so per-aggregate order is total."""
    by_subject: dict[tuple[str, str], list[int]] = {}
    for fired in FIRED[:4]:  # the first application walk: one subject throughout
        event = event_for(fired)
        by_subject.setdefault(event.aggregate_key, []).append(event.originator_version)
    for versions in by_subject.values():
        assert versions == list(range(versions[0], versions[0] + len(versions)))


def test_events_never_carry_names_or_addresses() -> None:
    """A new name or home address is notified as a kind of item, never the detail itself."""
    for fired in FIRED:
        text = json.dumps(event_for(fired).as_dict())
        for secret in (NEW_NAME, NEW_ADDRESS, "Alex Example"):
            assert secret not in text, _id(fired)


def test_notification_due_is_three_days_beginning_with_service() -> None:
    """SPA2019 s.9(1): served 10 March, the last compliant day is 12 March."""
    due = next(e for e in _events_of(NotificationDue) if isinstance(e, NotificationDue))
    assert (due.item, due.arose_on, due.due_by) == (
        "initial",
        pendulum.Date(2026, 3, 10),
        pendulum.Date(2026, 3, 12),
    )
    assert due.due_by == notification_deadline(due.arose_on).last_day
    assert due.offence == "ST19002"


def test_a_new_name_or_address_is_due_within_its_own_three_days() -> None:
    """SPA2019 s.9(3)-(4): each change opens an item with its own deadline and offence."""
    dues = [e for e in _events_of(NotificationDue) if isinstance(e, NotificationDue)]
    assert [(d.item, d.offence) for d in dues] == [
        ("initial", "ST19002"),
        ("new_name", "ST19003"),
        ("new_home_address", "ST19004"),
        ("initial", "ST19002"),  # again after the Part 2 final day (s.9(7))
    ]
    assert all(d.due_by == d.arose_on.add(days=2) for d in dues)


def test_a_missed_deadline_names_the_offence_and_the_late_notification_says_so() -> None:
    """SPA2019 s.11(1): missed on day 4; the notification after it is marked late."""
    missed = _events_of(NotificationDeadlineMissed)[0]
    assert isinstance(missed, NotificationDeadlineMissed)
    assert (missed.item, missed.due_by, missed.offence) == (
        "initial",
        pendulum.Date(2026, 3, 12),
        "ST19002",
    )
    made = [e for e in _events_of(NotificationMade) if isinstance(e, NotificationMade)]
    assert [(m.late, m.items) for m in made] == [
        (True, ("initial",)),
        (False, ("new_name", "new_home_address")),
    ]


def test_service_while_exempt_is_an_exemption_not_a_due_notification() -> None:
    """SPA2019 s.9(5): served while on the SOA 2003 Part 2 register, nothing is due."""
    reasons = [e.reason for e in _events_of(NotificationExempted) if hasattr(e, "reason")]
    assert sorted(reasons) == [
        "part2_registered",
        "part2_registered",
        "part2_registered",
        "served_while_exempt",
    ]


def test_an_appeal_decision_is_one_event_type_with_its_outcome() -> None:
    """SPA2019 s.7(4): dismissed, varied (a new version) or quashed; a quash is both."""
    decided = [e for e in map(event_for, FIRED) if isinstance(e, AppealDecided) and e.actor != "x"]
    outcomes = [(type(e).__name__, e.outcome, e.version_number) for e in decided]
    assert outcomes[:3] == [
        ("AppealDecided", "dismissed", 1),
        ("AppealDecided", "varied", 2),
        ("OrderQuashed", "quashed", 2),
    ]
    assert all(isinstance(e, AppealDecided) for e in _events_of(OrderQuashed))


def test_an_appeal_lodged_names_the_appellant_the_decision_and_the_paragraph() -> None:
    """SPA2019 s.7(1)-(3): from the lifecycle's AppealRecord, whoever appeals."""
    lodged = [e for e in _events_of(AppealLodged) if isinstance(e, AppealLodged)]
    facts = {
        (e.order_kind, e.appellant, e.against, e.on_application_of, e.appealed_version, e.section)
        for e in lodged
    }
    assert facts == {
        ("interim", "defendant", "making", None, None, "SPA2019 s.7(1)(b)"),
        ("full", "defendant", "making", None, None, "SPA2019 s.7(1)(a)"),
        ("full", "chief-officer:20", "s4_order", "defendant", 2, "SPA2019 s.7(3)"),
        ("full", "defendant", "discharge", "chief-officer:20", None, "SPA2019 s.7(1)(c)"),
        ("full", "defendant", "discharge_refusal", "defendant", None, "SPA2019 s.7(1)(d)"),
    }


def test_an_appeal_decided_names_the_appeal_it_decided() -> None:
    """SPA2019 s.7(4): every outcome event carries what was appealed, and the outcome."""
    decided = [e for e in map(event_for, FIRED) if isinstance(e, AppealDecided)]
    facts = {(type(e).__name__, e.outcome, e.appellant, e.against) for e in decided}
    assert facts == {
        ("AppealDecided", "dismissed", "defendant", "making"),
        ("AppealDecided", "varied", "defendant", "making"),
        ("OrderQuashed", "quashed", "defendant", "making"),
        ("OrderRestoredOnAppeal", "restored", "defendant", "discharge"),
        ("OrderDischargedOnAppeal", "discharged", "defendant", "discharge_refusal"),
    }
    restored = next(e for e in decided if isinstance(e, OrderRestoredOnAppeal))
    assert (restored.state, restored.on_application_of) == ("served", "chief-officer:20")
    assert DomainEvent.from_dict(restored.as_dict()) == restored


def test_an_appeal_against_a_refusal_is_announced_on_the_application() -> None:
    """SPA2019 s.7(2) lodged, s.7(4) dismissed then allowed with the order the Crown Court made."""
    events = [
        e
        for e in map(event_for, FIRED)
        if isinstance(e, RefusalAppealLodged | RefusalAppealDecided)
    ]
    facts = [
        (type(e).__name__, e.state, getattr(e, "outcome", None), getattr(e, "order_id", None))
        for e in events
    ]
    refusals = [e for e in events if e.against == "refusal"]
    assert [facts[events.index(e)] for e in refusals] == [
        ("RefusalAppealLodged", "refusal_appealed", None, None),
        ("RefusalAppealDecided", "refused", "dismissed", None),
        ("RefusalAppealLodged", "refusal_appealed", None, None),
        ("RefusalAppealDecided", "granted", "allowed", "SPO-9"),
    ]
    assert {e.appellant for e in events} == {"chief-officer:20"}


def test_an_appeal_against_an_interim_refusal_is_announced_on_the_pending_application() -> None:
    """SPA2019 s.7(2) lodged while laid; s.7(4) dismissed, or allowed with the interim order."""
    events = [
        e
        for e in map(event_for, FIRED)
        if isinstance(e, RefusalAppealLodged | RefusalAppealDecided)
        and e.against == "interim_refusal"
    ]
    facts = [(type(e).__name__, e.state, getattr(e, "outcome", None)) for e in events]
    assert facts[:4] == [
        ("RefusalAppealLodged", "laid", None),
        ("RefusalAppealDecided", "laid", "dismissed"),
        ("RefusalAppealLodged", "laid", None),
        ("RefusalAppealDecided", "laid", "allowed"),
    ]
    decided = [e for e in events if isinstance(e, RefusalAppealDecided)]
    assert [e.order_id for e in decided] == [None, "ISPO-CC"]
    assert all(e.section == "SPA2019 s.7(4)" for e in decided)
    assert {e.section for e in events if isinstance(e, RefusalAppealLodged)} == {"SPA2019 s.7(2)"}


def test_a_determination_names_the_interim_appeal_it_ended() -> None:
    """The library's choice (s.5(6)(b)): granting or withdrawing lapses the pending appeal."""
    ended = [
        e
        for e in map(event_for, FIRED)
        if isinstance(e, ApplicationGranted | ApplicationRefused | ApplicationWithdrawn)
    ]
    lapsed = [(type(e).__name__, e.lapsed_appeal) for e in ended if e.lapsed_appeal is not None]
    assert lapsed == [
        ("ApplicationGranted", "interim_refusal"),
        ("ApplicationWithdrawn", "interim_refusal"),
    ]
    assert len(ended) > len(lapsed)  # nothing pending, nothing lapsed
    for event in ended:
        assert DomainEvent.from_dict(event.as_dict()) == event
    old = {k: v for k, v in ended[0].as_dict().items() if k != "lapsed_appeal"}
    assert DomainEvent.from_dict(old) == ended[0]  # stored before the field existed


def test_an_appeal_lodged_from_a_plain_record_or_an_old_payload_leaves_the_appeal_unknown() -> None:
    """A record not built by the order lifecycles, and an event stored before the facts existed."""
    order = full(appeal_pending=True, revision=2)
    plain = TransitionRecord(
        "full_order",
        "SPO-1",
        "LODGE_APPEAL",
        "MADE",
        "MADE",
        "SPA2019 s.7(1)",
        london(2026, 3, 9),
        "x",
    )
    event = event_for_transition(plain, order)
    assert isinstance(event, AppealLodged)
    assert (event.appellant, event.against, event.appealed_version) == (None, None, None)
    appeal = ("appellant", "against", "on_application_of", "appealed_version")
    stored = {k: v for k, v in event.as_dict().items() if k not in appeal}
    assert DomainEvent.from_dict(stored) == event


def test_an_expired_order_records_the_end_of_its_period_however_late() -> None:
    """SPA2019 s.3(1): the event's ended_at is the period's end, occurred_at the recording."""
    for event in _events_of(OrderExpired):
        assert isinstance(event, OrderExpired)
        assert event.ended_at < event.occurred_at
        assert event.ended_at.in_timezone("Europe/London").time() == pendulum.Time(0, 0)


def test_order_made_describes_the_order_as_made() -> None:
    """SPA2019 s.2(1), s.6: court, result code, version 1 and the last day of the period."""
    order = full()
    event = order_made(order, actor="PC 1")
    assert (event.originator_id, event.originator_version, event.state) == ("SPO-1", 1, "made")
    assert (event.result_code, event.section, event.version_number) == ("3307", "SPA2019 s.2(1)", 1)
    assert event.ends_on == pendulum.Date(2028, 3, 1)  # 2 years beginning with 2 March 2026
    assert event.occurred_at == order.made_at
    assert order_made(interim(), actor="PC 1").result_code == "3306"
    assert order_made(interim(), actor="PC 1").section == "SPA2019 s.5"


def test_an_order_stored_later_in_its_life_is_announced_at_its_revision() -> None:
    """An imported order's OrderMade carries its current state and revision, not version 1."""
    served = serve_order(full(), at=london(2026, 3, 3, 9), actor="PC 1").subject
    event = order_made(served, actor="import")
    assert (event.originator_version, event.state) == (served.revision, "served")


def _alert(kind: AlertKind, **extra: Any) -> Alert:
    at = london(2026, 3, 14, 7)
    return Alert(
        alert_id=alert_id_for("test", kind.value),
        rule_id=f"{kind.value}.test",
        kind=kind,
        severity=Severity.HIGH,
        defendant_id="D1",
        order_id="SPO-1",
        section="SPA2019 s.8(1)",
        title="Suspected breach of term T1",
        explanation="For review: reasonable excuse is for a court.",
        identified_at=at.add(hours=4),
        **extra,
    )


def test_a_breach_alert_is_flagged_and_other_alerts_are_raised() -> None:
    """BreachFlagged for kind breach (an AlertRaised too); AlertRaised for the rest."""
    breach = alert_raised(_alert(AlertKind.BREACH, term_id="T1"), actor="system:detection")
    warning = alert_raised(_alert(AlertKind.ESCALATION), actor="system:detection")
    assert type(breach) is BreachFlagged
    assert isinstance(breach, AlertRaised)
    assert type(warning) is AlertRaised
    assert (breach.kind, breach.severity, breach.term_id, breach.originator_version) == (
        "breach",
        "high",
        "T1",
        1,
    )
    assert breach.occurred_at == london(2026, 3, 14, 11)
    assert DomainEvent.from_dict(json.loads(json.dumps(breach.as_dict()))) == breach


def test_a_record_from_an_unknown_lifecycle_is_refused() -> None:
    """Unknown machine or event: a typed error naming it, no event."""
    fired = FIRED[0]
    with pytest.raises(UnknownCodeError, match="'parole'"):
        event_for_transition(attrs.evolve(fired.record, machine="parole"), fired.subject)
    with pytest.raises(UnknownCodeError, match="'ADJOURN'"):
        event_for_transition(attrs.evolve(fired.record, event="ADJOURN"), fired.subject)


def test_a_record_paired_with_another_subject_is_refused() -> None:
    """The subject must be the record's: its id and its lifecycle's class."""
    application, order = FIRED[0], next(f for f in FIRED if f.record.machine == "full_order")
    with pytest.raises(InvalidValueError, match="application 'APP-1'"):
        event_for_transition(application.record, order.subject)
    other = TransitionRecord(
        "full_order", "SPO-9", "SERVE", "MADE", "SERVED", "SPA2019 s.9(1)", london(2026, 3, 3), "x"
    )
    with pytest.raises(InvalidValueError, match="SPO-9"):
        event_for_transition(other, order.subject)


def test_an_event_is_tied_to_the_london_day_of_its_instant() -> None:
    """occurred_at is aware, so its statutory day is unambiguous (Europe/London)."""
    for fired in FIRED:
        event = event_for(fired)
        assert event.occurred_at.tzinfo is not None
        assert as_london_date(event.occurred_at) == as_london_date(fired.record.at)
