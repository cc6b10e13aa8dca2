"""The events of applications for orders (SPA2019 s.1, s.5), appeals against refusal included.

Private: import them from :mod:`spo_tracker.events`.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from spo_tracker.domain.validators import non_blank
from spo_tracker.events._base import DomainEvent

__all__ = [
    "ApplicationDomainEvent",
    "ApplicationGranted",
    "ApplicationLaid",
    "ApplicationRefused",
    "ApplicationWithdrawn",
    "InterimApplicationDecided",
    "InterimOrderApplied",
    "RefusalAppealDecided",
    "RefusalAppealLodged",
]


@attrs.frozen(kw_only=True)
class ApplicationDomainEvent(DomainEvent):
    """An event of an application for an SPO (SPA2019 s.1, s.2, s.5, s.13).

    Attributes:
        defendant_id: the defendant.
        state: the application's state after the event.
    """

    originator_kind: ClassVar[str] = "application"

    defendant_id: str = attrs.field(validator=non_blank)
    state: str = attrs.field(validator=non_blank)


@attrs.frozen(kw_only=True)
class ApplicationLaid(ApplicationDomainEvent):
    """The complaint was laid (SPA2019 s.13(1)).

    Attributes:
        court: the court.
        court_kind: ``magistrates`` or ``youth`` (s.13(1)).
        area_connection: the s.1(3) basis of a territorial chief officer, if any.
    """

    court: str = attrs.field(validator=non_blank)
    court_kind: str = attrs.field(validator=non_blank)
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

    appellant: str = attrs.field(validator=non_blank)
    against: str = attrs.field(validator=non_blank)


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

    outcome: str = attrs.field(validator=non_blank)
    appellant: str = attrs.field(validator=non_blank)
    against: str = attrs.field(validator=non_blank)
    order_id: str | None = None


@attrs.frozen(kw_only=True)
class ApplicationWithdrawn(ApplicationDomainEvent):
    """The chief officer withdrew the application (the Act is silent: ``library``).

    Attributes:
        lapsed_appeal: as for :class:`ApplicationGranted`.
    """

    lapsed_appeal: str | None = None
