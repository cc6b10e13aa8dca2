"""Alert titles scrubbed of places, for a screen or a terminal.

An alert's title may name a zone the court drew around a protected person's
home; a listing scrubs it as a report does (addresses, streets, coordinates of
the alert's and its order's protected persons), a second line of defence
behind the term catalogue's refusal of address-like zone labels. The restricted
details are read only to scrub (each read audited) and never returned, so the
caller needs no purpose: the action is ``alert_titles``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.redaction import Redactor
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.storage import Actor, Store

__all__ = ["alert_titles"]

_REASON = "scrubbing alert titles for a listing"


def alert_titles(
    store: Store, alerts: Sequence[Alert], *, actor: Actor, at: _dt.datetime
) -> tuple[str, ...]:
    """The titles of ``alerts``, in order, with their protected persons' places scrubbed.

    Raises:
        PermissionDeniedError: the actor may not list alerts (audited).
        NaiveDatetimeError: ``at`` has no time zone.
    """
    when = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("alert_titles")
        order_ids = sorted({a.order_id for a in alerts if a.order_id is not None})
        orders = uow.orders.get_many(order_ids)
        scopes = []
        for alert in alerts:
            scope = set(alert.protected_person_ids)
            order = orders.get(alert.order_id) if alert.order_id is not None else None
            if order is not None:
                scope.update(order.protected_person_ids)
            scopes.append(frozenset(scope))
        with uow._processing():
            persons = uow.protected_persons.get_many(
                sorted(set().union(*scopes)), reason=_REASON, skip_unreadable=True
            )
    redactor = Redactor(persons, include_names=False)
    return tuple(redactor.scrub_places(a.title, s) for a, s in zip(alerts, scopes, strict=True))
