"""Domain events: what happened to an order, application, duty, review or alert, as facts.

Every event is a frozen record with the same five facts (the eventsourcing
convention):

- ``originator_id`` and ``originator_version``: the aggregate it happened to
  and the aggregate's revision *after* it (each lifecycle transition moves the
  revision by one, so events of one aggregate are totally ordered; the
  versions may have gaps where a record was corrected without a lifecycle event);
- ``occurred_at``: an aware instant, the transition's ``at``;
- ``actor``: who recorded it;
- ``section``: the section of the Act it follows (``SPA2019 s.4(1)-(4)``), or
  ``library`` where the Act is silent.

There is one source of truth: events are *built*, never written by hand, from
a lifecycle's :class:`~spo_tracker.domain.statemachine.TransitionRecord` and
the subject it produced (:func:`event_for`, :func:`event_for_transition`),
from a newly made order (:func:`order_made`), or from a detection
:class:`~spo_tracker.domain.alerts.Alert` (:func:`alert_raised`). Storage
does this for you: a unit of work writes the events of its changes to the
transactional outbox in the same transaction, and
:func:`spo_tracker.storage.deliver_outbox` hands them over after commit.

Events carry ids, codes, dates and counts, never names, addresses or places:
they are safe to send to systems a defendant's case worker can see.

:class:`EventPublisher` is a small in-process publisher: ``subscribe`` a
handler to event types, ``publish`` events (or give the publisher itself to
``deliver_outbox`` as its handler).
"""

from __future__ import annotations

from spo_tracker.events._build import (
    LIFECYCLE_EVENTS,
    alert_raised,
    event_for,
    event_for_transition,
    order_made,
)
from spo_tracker.events._publisher import EventPublisher
from spo_tracker.events._records import (
    EVENT_TYPES,
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
    ReviewDomainEvent,
    ReviewStarted,
    ReviewWarningGiven,
)

__all__ = [
    "EVENT_TYPES",
    "LIFECYCLE_EVENTS",
    "AlertRaised",
    "AppealDecided",
    "AppealLodged",
    "ApplicationDomainEvent",
    "ApplicationGranted",
    "ApplicationLaid",
    "ApplicationRefused",
    "ApplicationWithdrawn",
    "BreachFlagged",
    "DomainEvent",
    "EventPublisher",
    "FalseInformationRecorded",
    "IdentityCheckRefused",
    "InterimApplicationDecided",
    "InterimOrderApplied",
    "NotificationAcknowledged",
    "NotificationDeadlineMissed",
    "NotificationDomainEvent",
    "NotificationDue",
    "NotificationDutyEnded",
    "NotificationDutyTransferred",
    "NotificationExempted",
    "NotificationExemptionEnded",
    "NotificationMade",
    "OrderCeased",
    "OrderDischarged",
    "OrderDischargedOnAppeal",
    "OrderDomainEvent",
    "OrderExpired",
    "OrderMade",
    "OrderQuashed",
    "OrderRenewed",
    "OrderRestoredOnAppeal",
    "OrderServed",
    "OrderVaried",
    "RefusalAppealDecided",
    "RefusalAppealLodged",
    "ReviewAssigned",
    "ReviewConfirmed",
    "ReviewDismissed",
    "ReviewDomainEvent",
    "ReviewStarted",
    "ReviewWarningGiven",
    "alert_raised",
    "event_for",
    "event_for_transition",
    "order_made",
]
