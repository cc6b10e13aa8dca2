"""Who applies to a court about an order or appeals against a decision on it.

Used by the lifecycles for the applicant rules (SPA2019 s.4(1), s.5(7),
s.14(1)), the discharge consents (s.4(4)(b)) and the appeal rules (s.7(1)-(4)):
who appeals (a :class:`Party`), against what (:class:`AppealAgainst`), the
appeal kept on the order or application while pending (:class:`PendingAppeal`),
and the transition record of an appeal lodged or decided (:class:`AppealRecord`).
The value objects live in :mod:`spo_tracker.domain.appeals` (the order record
keeps a :class:`PendingAppeal`) and are re-exported here.
"""

from __future__ import annotations

import attrs

from spo_tracker.domain.appeals import (
    AppealAgainst,
    AppealedDecision,
    Party,
    PartyRole,
    PendingAppeal,
)
from spo_tracker.domain.statemachine import TransitionRecord

__all__ = [
    "AppealAgainst",
    "AppealRecord",
    "AppealedDecision",
    "Party",
    "PartyRole",
    "PendingAppeal",
]


@attrs.frozen
class AppealRecord(TransitionRecord):
    """The record of an appeal lodged, decided or lapsed: a :class:`TransitionRecord` naming it.

    The order or application keeps the pending appeal only until the Crown Court
    decides it, so the record of the lodging and of the outcome carries the
    appellant and the decision appealed against (as do the events built from it).
    For a lodged appeal ``section`` is the paragraph of s.7 that gives this
    appellant the appeal, e.g. ``SPA2019 s.7(3)``, rather than the row's
    ``SPA2019 s.7(1)-(3)``; for an outcome it is the row's (s.7(4)). The
    determination of an application (GRANT, REFUSE, WITHDRAW) with an appeal
    against an interim refusal pending has one too, with the row's section:
    it names the appeal that lapsed (SPA2019 s.5(6)(b)).

    Attributes:
        appellant: the appellant's :attr:`Party.key`.
        against: the :class:`AppealedDecision` value.
        on_application_of: a s.4 decision: the applicant's :attr:`Party.key`.
        appealed_version: a s.4 order: the order version it made.
    """

    appellant: str = attrs.field(kw_only=True)
    against: str = attrs.field(kw_only=True)
    on_application_of: str | None = attrs.field(default=None, kw_only=True)
    appealed_version: int | None = attrs.field(default=None, kw_only=True)
