"""The five SPO lifecycles as statute-traced transition tables.

Each module holds one lifecycle: its states and events, a frozen command, the
subject record, the guards as named functions citing the Act, the ``TABLE``
and the validated ``MACHINE``, plus plain use-case functions:

- :mod:`~spo_tracker.domain.lifecycles.application`: the application (SPA2019 s.1, s.2,
  s.5(1)-(2), s.13);
- :mod:`~spo_tracker.domain.lifecycles.interim_order`: the interim order (s.5, s.7(1)(b));
- :mod:`~spo_tracker.domain.lifecycles.full_order`: the full order (s.2, s.3, s.4, s.7);
- :mod:`~spo_tracker.domain.lifecycles.parties`: who applies or appeals, and against
  which decision (s.4(1), s.5(7), s.7(1)-(3), s.14(1));
- :mod:`~spo_tracker.domain.lifecycles.notification_duty`: the notification duty (s.9-s.11);
- :mod:`~spo_tracker.domain.lifecycles.breach_review`: the suspected-breach review (s.8).

:data:`MACHINES` maps each lifecycle's name to its machine; the docs diagrams
(``spo-tracker diagram``) and the enumeration tests read it.
"""

from __future__ import annotations

from typing import Any, Final

from spo_tracker.domain.lifecycles import (
    application,
    breach_review,
    full_order,
    interim_order,
    notification_duty,
)
from spo_tracker.domain.lifecycles.application import (
    Application,
    ApplicationCommand,
    ApplicationEvent,
    ApplicationState,
    AreaConnection,
    CourtFindings,
    CourtKind,
)
from spo_tracker.domain.lifecycles.breach_review import (
    BreachReview,
    DismissalReason,
    ReviewCommand,
    ReviewEvent,
    ReviewState,
)
from spo_tracker.domain.lifecycles.full_order import (
    FullOrderCommand,
    FullOrderEvent,
    FullOrderState,
)
from spo_tracker.domain.lifecycles.interim_order import (
    InterimOrderCommand,
    InterimOrderEvent,
    MainOutcome,
)
from spo_tracker.domain.lifecycles.making import (
    MadeOrder,
    OpenPointWarning,
    dismiss_appeal,
    expire_order,
    lodge_appeal,
    machine_for,
    make_order,
    quash_on_appeal,
    serve_order,
    vary_on_appeal,
)
from spo_tracker.domain.lifecycles.notification_duty import DutyCommand, DutyEvent
from spo_tracker.domain.lifecycles.parties import (
    AppealAgainst,
    AppealedDecision,
    AppealRecord,
    Party,
    PartyRole,
    PendingAppeal,
)
from spo_tracker.domain.statemachine import Machine

__all__ = [
    "MACHINES",
    "AppealAgainst",
    "AppealRecord",
    "AppealedDecision",
    "Application",
    "ApplicationCommand",
    "ApplicationEvent",
    "ApplicationState",
    "AreaConnection",
    "BreachReview",
    "CourtFindings",
    "CourtKind",
    "DismissalReason",
    "DutyCommand",
    "DutyEvent",
    "FullOrderCommand",
    "FullOrderEvent",
    "FullOrderState",
    "InterimOrderCommand",
    "InterimOrderEvent",
    "MadeOrder",
    "MainOutcome",
    "OpenPointWarning",
    "Party",
    "PartyRole",
    "PendingAppeal",
    "ReviewCommand",
    "ReviewEvent",
    "ReviewState",
    "application",
    "breach_review",
    "dismiss_appeal",
    "expire_order",
    "full_order",
    "interim_order",
    "lodge_appeal",
    "machine_for",
    "make_order",
    "notification_duty",
    "quash_on_appeal",
    "serve_order",
    "vary_on_appeal",
]

#: Every lifecycle machine by name, in the order the docs present them.
MACHINES: Final[dict[str, Machine[Any, Any, Any, Any]]] = {
    m.name: m
    for m in (
        application.MACHINE,
        interim_order.MACHINE,
        full_order.MACHINE,
        notification_duty.MACHINE,
        breach_review.MACHINE,
    )
}
