"""Events built from lifecycle transitions, newly stored orders and detection alerts.

Private: import the functions from :mod:`spo_tracker.events`. Each lifecycle
event has one builder, keyed by machine and event name; a test enumerates
every row of every lifecycle table against them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from spo_tracker.domain.alerts import Alert, AlertKind
from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.lifecycles.parties import AppealRecord
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order, OrderKind
from spo_tracker.domain.statemachine import Fired, TransitionRecord
from spo_tracker.errors import InvalidValueError, UnknownCodeError
from spo_tracker.events._records import (
    AlertRaised,
    AppealDecided,
    AppealLodged,
    ApplicationDomainEvent,
    ApplicationGranted,
    ApplicationLaid,
    ApplicationRefused,
    ApplicationWithdrawn,
    BreachFlagged,
    DomainEvent,
    FalseInformationRecorded,
    IdentityCheckRefused,
    InterimApplicationDecided,
    InterimOrderApplied,
    NotificationAcknowledged,
    NotificationDeadlineMissed,
    NotificationDomainEvent,
    NotificationDue,
    NotificationDutyEnded,
    NotificationDutyTransferred,
    NotificationExempted,
    NotificationExemptionEnded,
    NotificationMade,
    OrderCeased,
    OrderDischarged,
    OrderDischargedOnAppeal,
    OrderDomainEvent,
    OrderExpired,
    OrderMade,
    OrderQuashed,
    OrderRenewed,
    OrderRestoredOnAppeal,
    OrderServed,
    OrderVaried,
    RefusalAppealDecided,
    RefusalAppealLodged,
    ReviewAssigned,
    ReviewConfirmed,
    ReviewDismissed,
    ReviewStarted,
    ReviewWarningGiven,
)

__all__ = [
    "LIFECYCLE_EVENTS",
    "alert_raised",
    "event_for",
    "event_for_transition",
    "order_made",
]


def _common(record: TransitionRecord, subject: Any) -> dict[str, Any]:
    return {
        "originator_id": record.subject_id,
        "originator_version": subject.revision,
        "occurred_at": record.at,
        "actor": record.actor,
        "section": record.section,
    }


def _order_facts(order: Order) -> dict[str, Any]:
    return {
        "defendant_id": order.defendant_id,
        "order_kind": order.kind.value,
        "state": order.state.value,
    }


def _version_facts(order: Order) -> dict[str, Any]:
    period = order.period
    return {
        "version_number": order.current.number,
        "ends_on": None if period is None else period.last_day,
    }


_Builder = Callable[[TransitionRecord, Any], DomainEvent]
_Table = dict[str, tuple[_Builder, tuple[type[DomainEvent], ...]]]


def _order_event(cls: type[OrderDomainEvent], **fixed: Any) -> _Builder:
    def build(record: TransitionRecord, order: Order) -> DomainEvent:
        return cls(**_common(record, order), **_order_facts(order), **fixed)

    return build


def _new_version(cls: type[OrderDomainEvent], **fixed: Any) -> _Builder:
    def build(record: TransitionRecord, order: Order) -> DomainEvent:
        facts = {**_order_facts(order), **_version_facts(order), **fixed}
        return cls(**_common(record, order), **facts)

    return build


def _discharged(record: TransitionRecord, order: Order) -> DomainEvent:
    return OrderDischarged(
        **_common(record, order), **_order_facts(order), reason=order.end_reason or ""
    )


def _expired(record: TransitionRecord, order: Order) -> DomainEvent:
    ended = order.ended_at if order.ended_at is not None else record.at
    return OrderExpired(**_common(record, order), **_order_facts(order), ended_at=ended)


def _ceased(record: TransitionRecord, order: Order) -> DomainEvent:
    return OrderCeased(
        **_common(record, order),
        **_order_facts(order),
        reason=order.end_reason or "",
        application_id=order.application_id,
    )


def _appeal_facts(record: TransitionRecord) -> dict[str, Any]:
    """Who appealed against what, from the order lifecycles' AppealRecord (none if plain)."""
    if not isinstance(record, AppealRecord):
        return {}
    return {
        "appellant": record.appellant,
        "against": record.against,
        "on_application_of": record.on_application_of,
        "appealed_version": record.appealed_version,
    }


def _appeal_lodged(record: TransitionRecord, order: Order) -> DomainEvent:
    """AppealLodged with who appealed against what."""
    return AppealLodged(**_common(record, order), **_order_facts(order), **_appeal_facts(record))


def _appeal_decided(cls: type[AppealDecided], outcome: str) -> _Builder:
    """An AppealDecided (or subclass) naming the appeal decided, from the outcome's record."""

    def build(record: TransitionRecord, order: Order) -> DomainEvent:
        facts = {**_order_facts(order), **_version_facts(order), **_appeal_facts(record)}
        return cls(**_common(record, order), **facts, outcome=outcome)

    return build


def _order_builders(*, interim: bool) -> _Table:
    table: _Table = {
        "SERVE": (_order_event(OrderServed), (OrderServed,)),
        "VARY": (_new_version(OrderVaried), (OrderVaried,)),
        "RENEW": (_new_version(OrderRenewed), (OrderRenewed,)),
        "DISCHARGE": (_discharged, (OrderDischarged,)),
        "EXPIRE": (_expired, (OrderExpired,)),
        "MAIN_APPLICATION_DETERMINED": (_ceased, (OrderCeased,)),
        "LODGE_APPEAL": (_appeal_lodged, (AppealLodged,)),
        "APPEAL_DISMISSED": (_appeal_decided(AppealDecided, "dismissed"), (AppealDecided,)),
        "APPEAL_VARIED": (_appeal_decided(AppealDecided, "varied"), (AppealDecided,)),
        "APPEAL_QUASHED": (_appeal_decided(OrderQuashed, "quashed"), (OrderQuashed,)),
        "APPEAL_DISCHARGED": (
            _appeal_decided(OrderDischargedOnAppeal, "discharged"),
            (OrderDischargedOnAppeal,),
        ),
        "APPEAL_RESTORED": (
            _appeal_decided(OrderRestoredOnAppeal, "restored"),
            (OrderRestoredOnAppeal,),
        ),
    }
    if interim:
        del table["APPEAL_DISCHARGED"]  # s.5(7) decisions are not appealable (s.7)
        del table["APPEAL_RESTORED"]
    else:
        del table["MAIN_APPLICATION_DETERMINED"]  # only an interim order ceases (s.5(6)(b))
    return table


def _application_event(cls: type[ApplicationDomainEvent]) -> _Builder:
    def build(record: TransitionRecord, app: Application) -> DomainEvent:
        return cls(**_common(record, app), **_application_facts(app))

    return build


def _lapsed(record: TransitionRecord) -> dict[str, Any]:
    """A determination names the appeal it ended (an interim refusal's, SPA2019 s.5(6)(b))."""
    return {"lapsed_appeal": record.against if isinstance(record, AppealRecord) else None}


def _determination(cls: type[ApplicationRefused | ApplicationWithdrawn]) -> _Builder:
    def build(record: TransitionRecord, app: Application) -> DomainEvent:
        return cls(**_common(record, app), **_application_facts(app), **_lapsed(record))

    return build


def _application_facts(app: Application) -> dict[str, Any]:
    return {"defendant_id": app.defendant_id, "state": app.state.value}


def _laid(record: TransitionRecord, app: Application) -> DomainEvent:
    connection = app.area_connection
    return ApplicationLaid(
        **_common(record, app),
        **_application_facts(app),
        court=app.court,
        court_kind=app.court_kind.value,
        area_connection=None if connection is None else connection.value,
    )


def _interim_decided(record: TransitionRecord, app: Application) -> DomainEvent:
    decision = app.interim_decisions[-1]
    return InterimApplicationDecided(
        **_common(record, app),
        **_application_facts(app),
        granted=decision.granted,
        interim_order_id=decision.interim_order_id,
    )


def _granted(record: TransitionRecord, app: Application) -> DomainEvent:
    return ApplicationGranted(
        **_common(record, app),
        **_application_facts(app),
        order_id=app.order_id,
        **_lapsed(record),
    )


def _refusal_appeal(record: TransitionRecord, app: Application) -> dict[str, Any]:
    """The appeal against a refusal: always the applying chief officer's (SPA2019 s.7(2)).

    Against what is read from the application lifecycle's AppealRecord; a plain
    record (not built by the application machine) is taken to be the application's.
    """
    if isinstance(record, AppealRecord):
        return {"appellant": record.appellant, "against": record.against}
    return {"appellant": f"chief-officer:{app.applicant.key}", "against": "refusal"}


def _refusal_appeal_lodged(record: TransitionRecord, app: Application) -> DomainEvent:
    return RefusalAppealLodged(
        **_common(record, app), **_application_facts(app), **_refusal_appeal(record, app)
    )


def _made_on_appeal(appeal: dict[str, Any], outcome: str, app: Application) -> str | None:
    """The order the Crown Court made: the interim order for an interim refusal (s.7(4))."""
    if appeal["against"] != "interim_refusal":
        return app.order_id
    return app.interim_decisions[-1].interim_order_id if outcome == "allowed" else None


def _refusal_appeal_decided(outcome: str) -> _Builder:
    def build(record: TransitionRecord, app: Application) -> DomainEvent:
        appeal = _refusal_appeal(record, app)
        return RefusalAppealDecided(
            **_common(record, app),
            **_application_facts(app),
            **appeal,
            outcome=outcome,
            order_id=_made_on_appeal(appeal, outcome, app),
        )

    return build


def _application_builders() -> _Table:
    return {
        "LAY": (_laid, (ApplicationLaid,)),
        "APPLY_FOR_INTERIM": (_application_event(InterimOrderApplied), (InterimOrderApplied,)),
        "INTERIM_DECIDED": (_interim_decided, (InterimApplicationDecided,)),
        "GRANT": (_granted, (ApplicationGranted,)),
        "REFUSE": (_determination(ApplicationRefused), (ApplicationRefused,)),
        "WITHDRAW": (_determination(ApplicationWithdrawn), (ApplicationWithdrawn,)),
        "LODGE_APPEAL": (_refusal_appeal_lodged, (RefusalAppealLodged,)),
        "APPEAL_DISMISSED": (_refusal_appeal_decided("dismissed"), (RefusalAppealDecided,)),
        "APPEAL_ALLOWED": (_refusal_appeal_decided("allowed"), (RefusalAppealDecided,)),
    }


def _duty_facts(duty: NotificationDuty) -> dict[str, Any]:
    return {"defendant_id": duty.defendant_id, "order_id": duty.order_id, "state": duty.state.value}


def _duty_event(cls: type[NotificationDomainEvent], **fixed: Any) -> _Builder:
    def build(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
        return cls(**_common(record, duty), **_duty_facts(duty), **fixed)

    return build


def _due(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
    item = duty.outstanding[-1]  # every row that makes something due appends its item
    return NotificationDue(
        **_common(record, duty),
        **_duty_facts(duty),
        item=item.kind.value,
        arose_on=item.arose_on,
        due_by=item.deadline.last_day,
        offence=item.offence.code,
    )


def _served(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
    if record.target == "EXEMPT":
        return _duty_event(NotificationExempted, reason="served_while_exempt")(record, duty)
    return _due(record, duty)


def _missed(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
    item = min(duty.outstanding, key=lambda i: (i.deadline.last_day, i.arose_on))
    return NotificationDeadlineMissed(
        **_common(record, duty),
        **_duty_facts(duty),
        item=item.kind.value,
        due_by=item.deadline.last_day,
        offence=item.offence.code,
    )


def _notified(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
    given = duty.notifications[-1]
    return NotificationMade(
        **_common(record, duty),
        **_duty_facts(duty),
        station=given.station,
        police_area=given.police_area,
        items=tuple(i.kind.value for i in given.items),
        late=record.source == "OVERDUE",
    )


def _exemption_ended(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
    return NotificationExemptionEnded(
        **_common(record, duty), **_duty_facts(duty), final_day=duty.part2_final_day
    )


def _refused(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
    return IdentityCheckRefused(
        **_common(record, duty), **_duty_facts(duty), refused=duty.refusals[-1].refused.value
    )


def _transferred(record: TransitionRecord, duty: NotificationDuty) -> DomainEvent:
    return NotificationDutyTransferred(
        **_common(record, duty),
        **_duty_facts(duty),
        replaced_order_id=duty.replaced_order_ids[-1],
    )


def _duty_builders() -> _Table:
    exempted = _duty_event(NotificationExempted, reason="part2_registered")
    return {
        "ORDER_SERVED": (_served, (NotificationDue, NotificationExempted)),
        "PART2_REGISTERED": (exempted, (NotificationExempted,)),
        "PART2_FINAL_DAY": (_due, (NotificationDue,)),
        "PART2_FINAL_DAY_BEFORE_SERVICE": (_exemption_ended, (NotificationExemptionEnded,)),
        "DEADLINE_PASSED": (_missed, (NotificationDeadlineMissed,)),
        "NOTIFIED": (_notified, (NotificationMade,)),
        "ACKNOWLEDGED": (_duty_event(NotificationAcknowledged), (NotificationAcknowledged,)),
        "NEW_NAME": (_due, (NotificationDue,)),
        "NEW_HOME_ADDRESS": (_due, (NotificationDue,)),
        "FINGERPRINTS_REFUSED": (_refused, (IdentityCheckRefused,)),
        "FALSE_INFORMATION_RECORDED": (
            _duty_event(FalseInformationRecorded),
            (FalseInformationRecorded,),
        ),
        "FULL_ORDER_REPLACES_INTERIM": (_transferred, (NotificationDutyTransferred,)),
        "ORDER_ENDED": (_duty_event(NotificationDutyEnded), (NotificationDutyEnded,)),
    }


def _review_facts(review: BreachReview) -> dict[str, Any]:
    return {
        "alert_id": review.alert_id,
        "defendant_id": review.defendant_id,
        "order_id": review.order_id,
        "term_id": review.term_id,
        "state": review.state.value,
    }


def _review_assigned(record: TransitionRecord, review: BreachReview) -> DomainEvent:
    return ReviewAssigned(
        **_common(record, review), **_review_facts(review), assignee=review.assignee or ""
    )


def _review_warned(record: TransitionRecord, review: BreachReview) -> DomainEvent:
    return ReviewWarningGiven(**_common(record, review), **_review_facts(review))


def _review_started(record: TransitionRecord, review: BreachReview) -> DomainEvent:
    return ReviewStarted(**_common(record, review), **_review_facts(review))


def _review_confirmed(record: TransitionRecord, review: BreachReview) -> DomainEvent:
    return ReviewConfirmed(
        **_common(record, review),
        **_review_facts(review),
        referral_reference=review.referral_reference,
    )


def _review_dismissed(record: TransitionRecord, review: BreachReview) -> DomainEvent:
    reason = review.dismissal_reason
    return ReviewDismissed(
        **_common(record, review),
        **_review_facts(review),
        reason="unknown" if reason is None else reason.value,
        duplicate_of=review.duplicate_of,
    )


def _review_builders() -> _Table:
    return {
        "ASSIGN": (_review_assigned, (ReviewAssigned,)),
        "START_REVIEW": (_review_started, (ReviewStarted,)),
        "CONFIRM_AND_REFER": (_review_confirmed, (ReviewConfirmed,)),
        "GIVE_WARNING": (_review_warned, (ReviewWarningGiven,)),
        "DISMISS": (_review_dismissed, (ReviewDismissed,)),
    }


#: How each lifecycle transition becomes an event, by machine name and event name.
_BUILDERS: Final[dict[str, _Table]] = {
    "interim_order": _order_builders(interim=True),
    "full_order": _order_builders(interim=False),
    "application": _application_builders(),
    "notification_duty": _duty_builders(),
    "breach_review": _review_builders(),
}

#: The event types each lifecycle event produces, by machine name and event name (the
#: notification duty's ORDER_SERVED gives NotificationDue, or NotificationExempted when
#: the defendant is exempt under s.9(5)). Generated docs and tests read it.
LIFECYCLE_EVENTS: Final[Mapping[str, Mapping[str, tuple[type[DomainEvent], ...]]]] = {
    machine: {event: types for event, (_, types) in table.items()}
    for machine, table in _BUILDERS.items()
}

#: The subject class each lifecycle's events are built from.
_SUBJECTS: Final[dict[str, type]] = {
    "interim_order": Order,
    "full_order": Order,
    "application": Application,
    "notification_duty": NotificationDuty,
    "breach_review": BreachReview,
}


def event_for_transition(record: TransitionRecord, subject: object) -> DomainEvent:
    """The domain event of one lifecycle transition.

    Args:
        record: the transition's record (``Fired.record``).
        subject: the subject after the transition (``Fired.subject``): its revision
            becomes the event's ``originator_version``.

    Raises:
        UnknownCodeError: the record names a lifecycle or event this library does not know.
        InvalidValueError: ``subject`` is not the record's subject.
    """
    builders = _BUILDERS.get(record.machine)
    if builders is None:
        raise UnknownCodeError("machine", record.machine, sorted(_BUILDERS))
    found = builders.get(record.event)
    if found is None:
        raise UnknownCodeError("event", record.event, sorted(builders))
    expected = _SUBJECTS[record.machine]
    if not isinstance(subject, expected) or getattr(subject, "subject_id", None) != (
        record.subject_id
    ):
        raise InvalidValueError(
            "subject", type(subject).__name__, f"is not {record.machine} {record.subject_id!r}"
        )
    return found[0](record, subject)


def event_for(fired: Fired[Any]) -> DomainEvent:
    """The domain event of a fired lifecycle transition (``machine.fire(...)`` or a use case)."""
    return event_for_transition(fired.record, fired.subject)


def order_made(order: Order, *, actor: str, version: int | None = None) -> OrderMade:
    """The :class:`OrderMade` event of an order as it is now (made, or stored for the first time).

    Args:
        order: the order.
        actor: who recorded it.
        version: the aggregate version to announce (default: ``order.revision``).
    """
    section = "SPA2019 s.5" if order.kind is OrderKind.INTERIM else "SPA2019 s.2(1)"
    return OrderMade(
        originator_id=order.order_id,
        originator_version=order.revision if version is None else version,
        occurred_at=order.made_at,
        actor=actor,
        section=section,
        **_order_facts(order),
        **_version_facts(order),
        court=order.court,
        result_code=order.kind.result_code,
        protected_person_ids=order.protected_person_ids,
        application_id=order.application_id,
        replaces_order_id=order.replaces_order_id,
    )


def alert_raised(alert: Alert, *, actor: str, version: int = 1) -> AlertRaised:
    """:class:`BreachFlagged` for a breach, else :class:`AlertRaised`.

    Args:
        alert: the alert.
        actor: who raised or stored it (a service name such as ``system:detection``).
        version: the alert's stored revision (1 when first stored).
    """
    cls = BreachFlagged if alert.kind is AlertKind.BREACH else AlertRaised
    return cls(
        originator_id=alert.alert_id,
        originator_version=version,
        occurred_at=alert.identified_at,
        actor=actor,
        section=alert.section,
        rule_id=alert.rule_id,
        kind=alert.kind.value,
        severity=alert.severity.value,
        defendant_id=alert.defendant_id,
        order_id=alert.order_id,
        term_id=alert.term_id,
        term_code=alert.term_code,
        cjs_code=alert.cjs_code,
        title=alert.title,
        count=alert.count,
        breach_time=alert.breach_time,
        deadline=alert.deadline,
        pre_service=alert.pre_service,
    )
