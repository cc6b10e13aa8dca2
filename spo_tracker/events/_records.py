"""The event records: frozen, with the five facts every event has, and their plain form.

The base and the order and application events are in :mod:`._base`,
:mod:`._order_events` and :mod:`._application_events`; the notification duty,
review and alert events are here, with :data:`EVENT_TYPES`, the list of them all.

Private: import them from :mod:`spo_tracker.events`.
"""

from __future__ import annotations

from typing import ClassVar, Final

import attrs
import pendulum

from spo_tracker.domain.validators import non_blank
from spo_tracker.events._application_events import (
    ApplicationDomainEvent,
    ApplicationGranted,
    ApplicationLaid,
    ApplicationRefused,
    ApplicationWithdrawn,
    InterimApplicationDecided,
    InterimOrderApplied,
    RefusalAppealDecided,
    RefusalAppealLodged,
)
from spo_tracker.events._base import (
    DomainEvent,
    as_arose_on,
    as_breach_time,
    as_deadline,
    as_due_by,
    as_final_day,
    as_strings,
    positive_version,
)
from spo_tracker.events._order_events import (
    AppealDecided,
    AppealLodged,
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
)

__all__ = [
    "EVENT_TYPES",
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
]


@attrs.frozen(kw_only=True)
class NotificationDomainEvent(DomainEvent):
    """An event of a defendant's notification duty (SPA2019 s.9-s.11).

    Attributes:
        defendant_id: the defendant.
        order_id: the order the duty runs under (the full order once it replaces one).
        state: the duty's state after the event (``due``, ``overdue``, ``notified``...).
    """

    originator_kind: ClassVar[str] = "notification_duty"

    defendant_id: str = attrs.field(validator=non_blank)
    order_id: str = attrs.field(validator=non_blank)
    state: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class NotificationDue(NotificationDomainEvent):
    """Something must now be notified within 3 days beginning with ``arose_on`` (s.9).

    Raised on service (s.9(1)), after a SOA 2003 Part 2 final day (s.9(7)), and
    for a new name (s.9(3)) or home address (s.9(4)). The name or address itself
    is not carried.

    Attributes:
        item: ``initial``, ``new_name`` or ``new_home_address``.
        arose_on: day 1 of the 3 days.
        due_by: the last compliant day (the offence begins the day after, s.11).
        offence: the CJS offence code if it is not notified in time.
    """

    item: str = attrs.field(validator=non_blank)
    arose_on: pendulum.Date = attrs.field(converter=as_arose_on)
    due_by: pendulum.Date = attrs.field(converter=as_due_by)
    offence: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class NotificationMade(NotificationDomainEvent):
    """The defendant notified in person at a station in the local police area (s.10(1)-(3)).

    Attributes:
        station: the police station.
        police_area: its police area.
        items: what the notification covered (``initial``, ``new_name``...).
        late: it was given after a deadline had passed (the failure stays recorded, s.11).
    """

    station: str = ""
    police_area: str = ""
    items: tuple[str, ...] = attrs.field(default=(), converter=as_strings)
    late: bool = False


@attrs.frozen(kw_only=True)
class NotificationAcknowledged(NotificationDomainEvent):
    """The police acknowledged the notification in writing (SPA2019 s.10(4))."""


@attrs.frozen(kw_only=True)
class NotificationDeadlineMissed(NotificationDomainEvent):
    """A notification deadline passed: a suspected s.11(1) offence, for review.

    Attributes:
        item: the earliest outstanding item.
        due_by: its last compliant day.
        offence: its CJS offence code (``ST19002``-``ST19004``).
    """

    item: str = attrs.field(validator=non_blank)
    due_by: pendulum.Date = attrs.field(converter=as_due_by)
    offence: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class NotificationExempted(NotificationDomainEvent):
    """Nothing is notifiable: the defendant is subject to SOA 2003 Part 2 (SPA2019 s.9(5)).

    Attributes:
        reason: ``part2_registered`` (outstanding items close as exempted) or
            ``served_while_exempt`` (service recorded, nothing due).
    """

    reason: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class NotificationExemptionEnded(NotificationDomainEvent):
    """Part 2 ended before the order was served: the s.9(1) clock starts at service (OPEN).

    Attributes:
        final_day: the Part 2 final day (s.9(6)).
    """

    final_day: pendulum.Date | None = attrs.field(default=None, converter=as_final_day)


@attrs.frozen(kw_only=True)
class IdentityCheckRefused(NotificationDomainEvent):
    """Fingerprints or photographs were refused when notifying (s.10(5), s.11(1)(a)).

    Attributes:
        refused: ``fingerprints``, ``photographs`` or ``both``.
    """

    refused: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class FalseInformationRecorded(NotificationDomainEvent):
    """Information notified was recorded as known to be false (SPA2019 s.11(1)(b))."""


@attrs.frozen(kw_only=True)
class NotificationDutyTransferred(NotificationDomainEvent):
    """A full order replaced the interim one; the duty continues under it (s.9(1)(a)).

    Attributes:
        replaced_order_id: the interim order replaced (``order_id`` is the full order).
    """

    replaced_order_id: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class NotificationDutyEnded(NotificationDomainEvent):
    """The order ended and the duty with it; failures so far stay on record."""


@attrs.frozen(kw_only=True)
class ReviewDomainEvent(DomainEvent):
    """An event of a person's review of a suspected breach (SPA2019 s.8).

    Attributes:
        alert_id: the alert that raised it.
        defendant_id: the defendant said to have breached the order.
        order_id: the order said to be breached.
        term_id: the term said to be breached.
        state: the review's state after the event.
    """

    originator_kind: ClassVar[str] = "breach_review"

    alert_id: str = attrs.field(validator=non_blank)
    defendant_id: str = attrs.field(validator=non_blank)
    order_id: str | None = None
    term_id: str | None = None
    state: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class ReviewAssigned(ReviewDomainEvent):
    """A person assigned the suspected breach to a named officer (``actor`` assigned it).

    Attributes:
        assignee: the officer it is assigned to.
    """

    assignee: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class ReviewStarted(ReviewDomainEvent):
    """A person took the suspected breach for review (``actor`` is the reviewer)."""


@attrs.frozen(kw_only=True)
class ReviewWarningGiven(ReviewDomainEvent):
    """The reviewer dealt with the suspected breach by a warning or words of advice."""


@attrs.frozen(kw_only=True)
class ReviewConfirmed(ReviewDomainEvent):
    """The reviewer confirmed the suspected breach and referred it; a court decides excuse.

    Attributes:
        referral_reference: the case or crime reference, if given.
    """

    referral_reference: str | None = None


@attrs.frozen(kw_only=True)
class ReviewDismissed(ReviewDomainEvent):
    """The reviewer dismissed the suspected breach with a reason.

    Attributes:
        reason: the :class:`~spo_tracker.domain.lifecycles.DismissalReason` code.
        duplicate_of: the review or alert it duplicates, for ``duplicate``.
    """

    reason: str = attrs.field(validator=non_blank)
    duplicate_of: str | None = None


@attrs.frozen(kw_only=True)
class AlertRaised(DomainEvent):
    """Detection raised an alert for an officer to review (see :mod:`spo_tracker.detection`).

    ``occurred_at`` is the alert's ``identified_at``. Titles are redaction-safe.

    Attributes:
        rule_id: the rule that raised it.
        kind: the :class:`~spo_tracker.domain.alerts.AlertKind` code.
        severity: ``info`` to ``critical``.
        defendant_id: the defendant.
        order_id: the order concerned, if any.
        term_id: the term concerned, if any.
        term_code: that term's catalogue code, if any.
        cjs_code: the CJS offence code it points to, if any.
        title: one line, never an address, place or coordinate.
        count: the incidents it rests on (1 for a dated alert).
        breach_time: when the suspected breach or failure began, if known.
        deadline: the deadline it is about, if any.
        pre_service: some evidence predates service (a possible lack of knowledge).
    """

    originator_kind: ClassVar[str] = "alert"

    rule_id: str = attrs.field(validator=non_blank)
    kind: str = attrs.field(validator=non_blank)
    severity: str = attrs.field(validator=non_blank)
    defendant_id: str = attrs.field(validator=non_blank)
    order_id: str | None = None
    term_id: str | None = None
    term_code: str | None = None
    cjs_code: str | None = None
    title: str = attrs.field(validator=non_blank)
    count: int = attrs.field(default=1, validator=positive_version)
    breach_time: pendulum.DateTime | None = attrs.field(default=None, converter=as_breach_time)
    deadline: pendulum.DateTime | None = attrs.field(default=None, converter=as_deadline)
    pre_service: bool = False


@attrs.frozen(kw_only=True)
class BreachFlagged(AlertRaised):
    """A suspected breach of an order's term was flagged for review (SPA2019 s.8(1)).

    Software only flags: "without reasonable excuse" is for a court.
    """


#: Every concrete event type, in the order the docs list them.
EVENT_TYPES: Final[tuple[type[DomainEvent], ...]] = (
    OrderMade,
    OrderServed,
    OrderVaried,
    OrderRenewed,
    OrderDischarged,
    OrderExpired,
    OrderCeased,
    AppealLodged,
    AppealDecided,
    OrderQuashed,
    OrderDischargedOnAppeal,
    OrderRestoredOnAppeal,
    ApplicationLaid,
    InterimOrderApplied,
    InterimApplicationDecided,
    ApplicationGranted,
    ApplicationRefused,
    RefusalAppealLodged,
    RefusalAppealDecided,
    ApplicationWithdrawn,
    NotificationDue,
    NotificationMade,
    NotificationAcknowledged,
    NotificationDeadlineMissed,
    NotificationExempted,
    NotificationExemptionEnded,
    IdentityCheckRefused,
    FalseInformationRecorded,
    NotificationDutyTransferred,
    NotificationDutyEnded,
    ReviewAssigned,
    ReviewStarted,
    ReviewConfirmed,
    ReviewWarningGiven,
    ReviewDismissed,
    AlertRaised,
    BreachFlagged,
)

_BY_NAME: Final[dict[str, type[DomainEvent]]] = {cls.__name__: cls for cls in EVENT_TYPES}
