"""The event records: frozen, with the five facts every event has, and their plain form.

Private: import them from :mod:`spo_tracker.events`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final

import attrs
import pendulum

from spo_tracker.domain.statutory_time import ensure_aware, ensure_date
from spo_tracker.errors import InvalidValueError, UnknownCodeError

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


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(attribute.name, value, "must be non-empty text")


def _version(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(attribute.name, value, "must be a whole number, 1 or more")


def _optional_version(_: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise InvalidValueError(attribute.name, value, "must be a whole number, 1 or more")


def _instant(value: object, field: str) -> pendulum.DateTime:
    """An aware instant, from a datetime or the ISO 8601 text ``as_dict`` writes."""
    if isinstance(value, str):
        try:
            value = pendulum.parse(value, tz=None)  # text without an offset stays naive: refused
        except ValueError:
            raise InvalidValueError(field, value, "not an ISO 8601 datetime") from None
    return ensure_aware(value, field=field)


def _day(value: object, field: str) -> pendulum.Date:
    """A calendar day, from a date or ``YYYY-MM-DD``."""
    if isinstance(value, str):
        try:
            value = pendulum.parse(value, exact=True)
        except ValueError:
            raise InvalidValueError(field, value, "not an ISO 8601 date") from None
    return ensure_date(value, field=field)


# One named converter per field, so that an error names the field (mypy's attrs
# plugin understands plain named functions only).
def _occurred_at(value: object) -> pendulum.DateTime:
    return _instant(value, "occurred_at")


def _ended_at(value: object) -> pendulum.DateTime:
    return _instant(value, "ended_at")


def _breach_time(value: object) -> pendulum.DateTime | None:
    return None if value is None else _instant(value, "breach_time")


def _deadline(value: object) -> pendulum.DateTime | None:
    return None if value is None else _instant(value, "deadline")


def _ends_on(value: object) -> pendulum.Date | None:
    return None if value is None else _day(value, "ends_on")


def _final_day(value: object) -> pendulum.Date | None:
    return None if value is None else _day(value, "final_day")


def _arose_on(value: object) -> pendulum.Date:
    return _day(value, "arose_on")


def _due_by(value: object) -> pendulum.Date:
    return _day(value, "due_by")


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Something that happened to one aggregate; the base of every event.

    Attributes:
        originator_id: the id of the order, application, duty, review or alert.
        originator_version: the aggregate's revision after the event (ordering key).
        occurred_at: when it happened: the lifecycle command's ``at`` (aware).
        actor: who recorded it.
        section: the section of the Act it follows, e.g. ``SPA2019 s.9(1)``.
    """

    #: The kind of aggregate the events of a class happen to (``order``, ``alert``...).
    originator_kind: ClassVar[str] = ""

    originator_id: str = attrs.field(validator=_text)
    originator_version: int = attrs.field(validator=_version)
    occurred_at: pendulum.DateTime = attrs.field(converter=_occurred_at)
    actor: str = attrs.field(validator=_text)
    section: str = attrs.field(validator=_text)

    @property
    def event_type(self) -> str:
        """The event's type name, e.g. ``OrderServed`` (stable: it is the class name)."""
        return type(self).__name__

    @property
    def aggregate_key(self) -> tuple[str, str]:
        """``(originator_kind, originator_id)``: events are ordered within one key."""
        return (self.originator_kind, self.originator_id)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values: ``type`` and every field (instants and days as ISO 8601)."""
        out: dict[str, Any] = {"type": self.event_type}
        for field in attrs.fields(type(self)):
            out[field.name] = _plain(getattr(self, field.name))
        return out

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> DomainEvent:
        """The event that :meth:`as_dict` wrote.

        Raises:
            UnknownCodeError: ``type`` is not an event type of this library.
            InvalidValueError: a field is missing, unknown or malformed.
        """
        values = dict(data)
        name = values.pop("type", None)
        cls = _BY_NAME.get(name) if isinstance(name, str) else None
        if cls is None:
            raise UnknownCodeError("type", name, sorted(_BY_NAME))
        unknown = sorted(set(values) - {f.name for f in attrs.fields(cls)})
        if unknown:
            raise InvalidValueError("event", unknown, f"unknown fields of {name}")
        try:
            return cls(**values)
        except TypeError as error:
            raise InvalidValueError("event", sorted(values), str(error)) from None


def _plain(value: object) -> object:
    if isinstance(value, pendulum.DateTime):
        return value.isoformat()
    if isinstance(value, pendulum.Date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


@attrs.frozen(kw_only=True)
class OrderDomainEvent(DomainEvent):
    """An event of an interim or full order (SPA2019 s.2-s.7).

    Attributes:
        defendant_id: the defendant.
        order_kind: ``interim`` or ``full``.
        state: the order's state after the event (``made``, ``served``, ``discharged``...).
    """

    originator_kind: ClassVar[str] = "order"

    defendant_id: str = attrs.field(validator=_text)
    order_kind: str = attrs.field(validator=_text)
    state: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class OrderMade(OrderDomainEvent):
    """An order was made (SPA2019 s.2(1) full, s.5 interim), or stored for the first time.

    An order added to a store announces itself once, at the revision it was
    stored with; an imported order's earlier history is not replayed.

    Attributes:
        court: the court that made it.
        result_code: the CJS result code (``3306`` interim, ``3307`` full).
        version_number: the current version (1 for an order just made).
        ends_on: the last day of its fixed period; ``None`` until further order.
        protected_person_ids: the persons it protects (ids only).
        application_id: the application it was made on, if any.
        replaces_order_id: the interim order a full order replaces (s.9(1)(a)).
    """

    court: str = attrs.field(validator=_text)
    result_code: str = attrs.field(validator=_text)
    version_number: int = attrs.field(validator=_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=_ends_on)
    protected_person_ids: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    application_id: str | None = None
    replaces_order_id: str | None = None


@attrs.frozen(kw_only=True)
class OrderServed(OrderDomainEvent):
    """The order was served on the defendant (starts the s.9(1) clock unless it replaces one)."""


@attrs.frozen(kw_only=True)
class OrderVaried(OrderDomainEvent):
    """The order was varied on application (SPA2019 s.4, s.5(7)); a new version.

    Attributes:
        version_number: the new version.
        ends_on: the last day of the fixed period now; ``None`` until further order.
    """

    version_number: int = attrs.field(validator=_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=_ends_on)


@attrs.frozen(kw_only=True)
class OrderRenewed(OrderDomainEvent):
    """The order was renewed for a longer period (SPA2019 s.4, s.5(7)); a new version.

    Attributes:
        version_number: the new version.
        ends_on: the new last day; ``None`` if renewed until further order.
    """

    version_number: int = attrs.field(validator=_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=_ends_on)


@attrs.frozen(kw_only=True)
class OrderDischarged(OrderDomainEvent):
    """The order was discharged (SPA2019 s.4(4)(b), s.5(7)).

    Attributes:
        reason: on whose application, as the order records it.
    """

    reason: str = ""


@attrs.frozen(kw_only=True)
class OrderExpired(OrderDomainEvent):
    """The order's fixed period is over (SPA2019 s.3(1), s.5(6)(a)).

    Attributes:
        ended_at: the end of the fixed period, however late the expiry was recorded
            (``occurred_at`` is when it was recorded).
    """

    ended_at: pendulum.DateTime = attrs.field(converter=_ended_at)


@attrs.frozen(kw_only=True)
class OrderCeased(OrderDomainEvent):
    """An interim order ceased: its main application was determined (SPA2019 s.5(6)(b)).

    Withdrawal of the main application also ends it (the library's OPEN choice).

    Attributes:
        reason: how the main application was determined, as the order records it.
        application_id: the main application.
    """

    reason: str = ""
    application_id: str | None = None


@attrs.frozen(kw_only=True)
class AppealLodged(OrderDomainEvent):
    """An appeal to the Crown Court was lodged (SPA2019 s.7(1)-(3)); the order stays in force.

    ``section`` is the paragraph of s.7 that gives the appellant this appeal,
    e.g. ``SPA2019 s.7(3)``. The appeal's facts are ``None`` in an event built
    from a plain transition record (one that did not come from the order
    lifecycles, which always record them) and in events stored before they existed.

    Attributes:
        appellant: who appealed: ``defendant`` or ``chief-officer:<force code>``.
        against: the decision appealed against: ``making``, ``s4_order`` or ``s4_refusal``.
        on_application_of: a s.4 decision: whose application it was on (a party key).
        appealed_version: a s.4 order: the order version it made.
    """

    appellant: str | None = None
    against: str | None = None
    on_application_of: str | None = None
    appealed_version: int | None = attrs.field(default=None, validator=_optional_version)


@attrs.frozen(kw_only=True)
class AppealDecided(OrderDomainEvent):
    """The Crown Court decided an appeal (SPA2019 s.7(4)).

    The appeal decided is named as in :class:`AppealLodged`; its facts are
    ``None`` for an appeal recorded before the order kept them, and in events
    stored before they existed.

    Attributes:
        outcome: ``dismissed`` (the decision appealed stands), ``varied`` (a new
            version), ``quashed`` (see :class:`OrderQuashed`), ``discharged`` (see
            :class:`OrderDischargedOnAppeal`) or ``restored`` (see
            :class:`OrderRestoredOnAppeal`).
        version_number: the order's current version after the decision.
        ends_on: the last day of its fixed period after the decision, if fixed.
        appellant: who appealed.
        against: the decision appealed against (an ``AppealedDecision`` value).
        on_application_of: a s.4 decision: whose application it was on.
        appealed_version: a s.4 order: the order version it made.
    """

    outcome: str = attrs.field(validator=_text)
    version_number: int = attrs.field(validator=_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=_ends_on)
    appellant: str | None = None
    against: str | None = None
    on_application_of: str | None = None
    appealed_version: int | None = attrs.field(default=None, validator=_optional_version)


@attrs.frozen(kw_only=True)
class OrderQuashed(AppealDecided):
    """The Crown Court quashed the order (SPA2019 s.7(4)); an :class:`AppealDecided` too."""


@attrs.frozen(kw_only=True)
class OrderDischargedOnAppeal(AppealDecided):
    """The Crown Court discharged the order on an appeal against a refused discharge (s.7(4)).

    An :class:`AppealDecided` too; the order has ended.
    """


@attrs.frozen(kw_only=True)
class OrderRestoredOnAppeal(AppealDecided):
    """The Crown Court quashed the order's discharge: it is in force again (SPA2019 s.7(4)).

    An :class:`AppealDecided` too; the order is SERVED again.
    """


@attrs.frozen(kw_only=True)
class ApplicationDomainEvent(DomainEvent):
    """An event of an application for an SPO (SPA2019 s.1, s.2, s.5, s.13).

    Attributes:
        defendant_id: the defendant.
        state: the application's state after the event.
    """

    originator_kind: ClassVar[str] = "application"

    defendant_id: str = attrs.field(validator=_text)
    state: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class ApplicationLaid(ApplicationDomainEvent):
    """The complaint was laid (SPA2019 s.13(1)).

    Attributes:
        court: the court.
        court_kind: ``magistrates`` or ``youth`` (s.13(1)).
        area_connection: the s.1(3) basis of a territorial chief officer, if any.
    """

    court: str = attrs.field(validator=_text)
    court_kind: str = attrs.field(validator=_text)
    area_connection: str | None = None


@attrs.frozen(kw_only=True)
class InterimOrderApplied(ApplicationDomainEvent):
    """The chief officer applied for an interim order on the application (SPA2019 s.5(2))."""


@attrs.frozen(kw_only=True)
class InterimApplicationDecided(ApplicationDomainEvent):
    """The court made or refused the interim order (SPA2019 s.5(3)).

    Attributes:
        granted: whether the interim order was made.
        interim_order_id: the interim order made, if granted.
    """

    granted: bool
    interim_order_id: str | None = None


@attrs.frozen(kw_only=True)
class ApplicationGranted(ApplicationDomainEvent):
    """The court was satisfied of s.2(1)(a)-(c) and made the order.

    Attributes:
        order_id: the order made, if recorded.
        lapsed_appeal: ``interim_refusal`` if an appeal against the refusal of an interim
            order was pending: the determination ended it (SPA2019 s.5(6)(b)); else ``None``.
    """

    order_id: str | None = None
    lapsed_appeal: str | None = None


@attrs.frozen(kw_only=True)
class ApplicationRefused(ApplicationDomainEvent):
    """The court refused the application (SPA2019 s.2(1)).

    Attributes:
        lapsed_appeal: as for :class:`ApplicationGranted`.
    """

    lapsed_appeal: str | None = None


@attrs.frozen(kw_only=True)
class RefusalAppealLodged(ApplicationDomainEvent):
    """The chief officer who applied appealed against a refusal (SPA2019 s.7(2)).

    Attributes:
        appellant: ``chief-officer:<force code>``.
        against: ``refusal`` (the application; its state is then ``refusal_appealed``) or
            ``interim_refusal`` (an interim order, while the application is pending: ``laid``).
    """

    appellant: str = attrs.field(validator=_text)
    against: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class RefusalAppealDecided(ApplicationDomainEvent):
    """The Crown Court decided the appeal against a refusal (SPA2019 s.7(4)).

    Attributes:
        outcome: ``dismissed`` (still refused) or ``allowed`` (the order was made).
        appellant: who appealed.
        against: ``refusal`` or ``interim_refusal``.
        order_id: the order the Crown Court made, if allowed: the full order, or for an
            ``interim_refusal`` the interim order.
    """

    outcome: str = attrs.field(validator=_text)
    appellant: str = attrs.field(validator=_text)
    against: str = attrs.field(validator=_text)
    order_id: str | None = None


@attrs.frozen(kw_only=True)
class ApplicationWithdrawn(ApplicationDomainEvent):
    """The chief officer withdrew the application (the Act is silent: ``library``).

    Attributes:
        lapsed_appeal: as for :class:`ApplicationGranted`.
    """

    lapsed_appeal: str | None = None


@attrs.frozen(kw_only=True)
class NotificationDomainEvent(DomainEvent):
    """An event of a defendant's notification duty (SPA2019 s.9-s.11).

    Attributes:
        defendant_id: the defendant.
        order_id: the order the duty runs under (the full order once it replaces one).
        state: the duty's state after the event (``due``, ``overdue``, ``notified``...).
    """

    originator_kind: ClassVar[str] = "notification_duty"

    defendant_id: str = attrs.field(validator=_text)
    order_id: str = attrs.field(validator=_text)
    state: str = attrs.field(validator=_text)


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

    item: str = attrs.field(validator=_text)
    arose_on: pendulum.Date = attrs.field(converter=_arose_on)
    due_by: pendulum.Date = attrs.field(converter=_due_by)
    offence: str = attrs.field(validator=_text)


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
    items: tuple[str, ...] = attrs.field(default=(), converter=_strings)
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

    item: str = attrs.field(validator=_text)
    due_by: pendulum.Date = attrs.field(converter=_due_by)
    offence: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class NotificationExempted(NotificationDomainEvent):
    """Nothing is notifiable: the defendant is subject to SOA 2003 Part 2 (SPA2019 s.9(5)).

    Attributes:
        reason: ``part2_registered`` (outstanding items close as exempted) or
            ``served_while_exempt`` (service recorded, nothing due).
    """

    reason: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class NotificationExemptionEnded(NotificationDomainEvent):
    """Part 2 ended before the order was served: the s.9(1) clock starts at service (OPEN).

    Attributes:
        final_day: the Part 2 final day (s.9(6)).
    """

    final_day: pendulum.Date | None = attrs.field(default=None, converter=_final_day)


@attrs.frozen(kw_only=True)
class IdentityCheckRefused(NotificationDomainEvent):
    """Fingerprints or photographs were refused when notifying (s.10(5), s.11(1)(a)).

    Attributes:
        refused: ``fingerprints``, ``photographs`` or ``both``.
    """

    refused: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class FalseInformationRecorded(NotificationDomainEvent):
    """Information notified was recorded as known to be false (SPA2019 s.11(1)(b))."""


@attrs.frozen(kw_only=True)
class NotificationDutyTransferred(NotificationDomainEvent):
    """A full order replaced the interim one; the duty continues under it (s.9(1)(a)).

    Attributes:
        replaced_order_id: the interim order replaced (``order_id`` is the full order).
    """

    replaced_order_id: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class NotificationDutyEnded(NotificationDomainEvent):
    """The order ended and the duty with it; failures so far stay on record."""


@attrs.frozen(kw_only=True)
class ReviewDomainEvent(DomainEvent):
    """An event of a person's review of a suspected breach (SPA2019 s.8).

    Attributes:
        alert_id: the alert that raised it.
        defendant_id, order_id, term_id: what is said to be breached.
        state: the review's state after the event.
    """

    originator_kind: ClassVar[str] = "breach_review"

    alert_id: str = attrs.field(validator=_text)
    defendant_id: str = attrs.field(validator=_text)
    order_id: str | None = None
    term_id: str | None = None
    state: str = attrs.field(validator=_text)


@attrs.frozen(kw_only=True)
class ReviewAssigned(ReviewDomainEvent):
    """A person assigned the suspected breach to a named officer (``actor`` assigned it).

    Attributes:
        assignee: the officer it is assigned to.
    """

    assignee: str = attrs.field(validator=_text)


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

    reason: str = attrs.field(validator=_text)
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
        order_id, term_id, term_code: the order and term concerned, if any.
        cjs_code: the CJS offence code it points to, if any.
        title: one line, never an address, place or coordinate.
        count: the incidents it rests on (1 for a dated alert).
        breach_time: when the suspected breach or failure began, if known.
        deadline: the deadline it is about, if any.
        pre_service: some evidence predates service (a possible lack of knowledge).
    """

    originator_kind: ClassVar[str] = "alert"

    rule_id: str = attrs.field(validator=_text)
    kind: str = attrs.field(validator=_text)
    severity: str = attrs.field(validator=_text)
    defendant_id: str = attrs.field(validator=_text)
    order_id: str | None = None
    term_id: str | None = None
    term_code: str | None = None
    cjs_code: str | None = None
    title: str = attrs.field(validator=_text)
    count: int = attrs.field(default=1, validator=_version)
    breach_time: pendulum.DateTime | None = attrs.field(default=None, converter=_breach_time)
    deadline: pendulum.DateTime | None = attrs.field(default=None, converter=_deadline)
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
