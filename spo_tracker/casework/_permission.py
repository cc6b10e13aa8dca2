"""The permission check every casework function makes before doing anything.

The permission table is :mod:`spo_tracker.domain.permissions`; the unit of
work applies it (:meth:`~spo_tracker.storage.UnitOfWork.authorise`) and audits
a refusal. A function that opens its unit of work later (or several) checks
here first, in a unit of work of its own that changes nothing when allowed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from spo_tracker.domain.permissions import Scope
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import Actor, Store

__all__ = ["authorised"]


def authorised(
    store: Store, actor: Actor, action: str, *, at: _dt.datetime, orders: Sequence[str] = ()
) -> Scope:
    """Check that ``actor`` may take ``action`` (on ``orders``), auditing a refusal.

    Raises:
        InvalidValueError: ``actor`` is not an Actor.
        PermissionDeniedError: refused (the refusal is in the audit trail).
    """
    if not isinstance(actor, Actor):
        raise InvalidValueError("actor", actor, "give an Actor(actor_id, role)")
    with store.unit_of_work(actor, at=ensure_aware(at, field="at")) as uow:
        return uow.authorise(action, orders=orders)
