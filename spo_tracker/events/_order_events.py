"""The events of interim and full orders (SPA2019 s.2-s.7), appeals included.

Private: import them from :mod:`spo_tracker.events`.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import pendulum

from spo_tracker.domain.validators import non_blank
from spo_tracker.events._base import (
    DomainEvent,
    as_ended_at,
    as_ends_on,
    as_strings,
    optional_positive_version,
    positive_version,
)

__all__ = [
    "AppealDecided",
    "AppealLodged",
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
]


@attrs.frozen(kw_only=True)
class OrderDomainEvent(DomainEvent):
    """An event of an interim or full order (SPA2019 s.2-s.7).

    Attributes:
        defendant_id: the defendant.
        order_kind: ``interim`` or ``full``.
        state: the order's state after the event (``made``, ``served``, ``discharged``...).
    """

    originator_kind: ClassVar[str] = "order"

    defendant_id: str = attrs.field(validator=non_blank)
    order_kind: str = attrs.field(validator=non_blank)
    state: str = attrs.field(validator=non_blank)


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

    court: str = attrs.field(validator=non_blank)
    result_code: str = attrs.field(validator=non_blank)
    version_number: int = attrs.field(validator=positive_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=as_ends_on)
    protected_person_ids: tuple[str, ...] = attrs.field(default=(), converter=as_strings)
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

    version_number: int = attrs.field(validator=positive_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=as_ends_on)


@attrs.frozen(kw_only=True)
class OrderRenewed(OrderDomainEvent):
    """The order was renewed for a longer period (SPA2019 s.4, s.5(7)); a new version.

    Attributes:
        version_number: the new version.
        ends_on: the new last day; ``None`` if renewed until further order.
    """

    version_number: int = attrs.field(validator=positive_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=as_ends_on)


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

    ended_at: pendulum.DateTime = attrs.field(converter=as_ended_at)


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
    appealed_version: int | None = attrs.field(default=None, validator=optional_positive_version)


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

    outcome: str = attrs.field(validator=non_blank)
    version_number: int = attrs.field(validator=positive_version)
    ends_on: pendulum.Date | None = attrs.field(default=None, converter=as_ends_on)
    appellant: str | None = None
    against: str | None = None
    on_application_of: str | None = None
    appealed_version: int | None = attrs.field(default=None, validator=optional_positive_version)


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
