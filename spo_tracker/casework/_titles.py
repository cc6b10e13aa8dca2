"""Alert titles scrubbed as a report's are, for a screen or a terminal.

An alert's title may name a zone the court drew around a protected person's
home; a listing scrubs it as a report does (names, addresses, streets,
coordinates of the alert's protected persons and those of every order against
its defendant), a second line of defence behind the term catalogue's refusal of
address-like zone labels. The restricted
details are read only to scrub (each read audited) and never returned, so the
caller needs no purpose: the action is ``alert_titles``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from spo_tracker.casework._redacted import scrubbing
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.storage import Actor, Store

__all__ = ["alert_titles"]

_REASON = "scrubbing alert titles for a listing"


def alert_titles(
    store: Store, alerts: Sequence[Alert], *, actor: Actor, at: _dt.datetime
) -> tuple[str, ...]:
    """The titles of ``alerts``, in order, scrubbed as a report's are: a title names persons
    by id, but a zone label in it is text an officer typed, and may hold a protected
    person's name, address or place.

    Raises:
        PermissionDeniedError: the actor may not list alerts (audited).
        NaiveDatetimeError: ``at`` has no time zone.
    """
    when = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("alert_titles")
        redactor, scopes = scrubbing(uow, alerts, _REASON)
    return tuple(redactor.scrub_wording(a.title, s) for a, s in zip(alerts, scopes, strict=True))
