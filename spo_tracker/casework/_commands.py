"""Case commands: the one call shape every command takes, and what each returns.

Each command loads what it needs by id, fires the lifecycle functions of
:mod:`spo_tracker.domain.lifecycles`, records every transition (each audited
with its machine, event and section) and commits once, so the tied records
change together or not at all:

- serving an order records service on its notification duty, opening it, or
  for a full order replacing an interim one continuing the interim order's duty
  without re-opening the initial notification (SPA2019 s.9(1), s.9(1)(a));
- an order that ends (discharge, expiry, quashing or discharge on appeal, an
  interim order ceasing) ends its notification duty (s.9(1) binds only someone
  subject to an order), unless a full order replacing it takes the duty on;
- determining an application (grant, refusal, withdrawal) ceases its live
  interim orders (s.5(6)(b); withdrawal is the library's OPEN choice), and a
  grant makes the full order that replaces the latest of them (s.9(1)(a));
- an order restored on appeal takes back the duty its discharge ended (s.7(4)).

The shape is kept here, once (:class:`Command`): open a unit of work,
authorise the action, load the order or application at the caller's
``expected_revision``, fire one lifecycle event, record it, tie the records
the Act ties to it, commit. A command holds only what is its own (its
arguments, its section, its guards and side effects), by concern in
:mod:`~spo_tracker.casework._order_commands` (serve, vary, renew, discharge,
expire), :mod:`~spo_tracker.casework._appeals` (lodge and decide an appeal)
and :mod:`~spo_tracker.casework._applications` (refuse, withdraw, grant,
decide an interim application); the duty an order's service or end touches is
:mod:`~spo_tracker.casework._duties`.

Every command taking an id also takes ``expected_revision``: the revision the
caller's decision was based on. A stale one raises
:class:`~spo_tracker.errors.ConcurrencyConflictError` and writes nothing.
The lower-level lifecycle functions stay public for those who need them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import pendulum

from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.lifecycles.making import OpenPointWarning
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.statemachine import Fired
from spo_tracker.errors import ConcurrencyConflictError
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = ["CaseResult", "Command", "Fire", "Tie", "other_live_orders", "record"]

#: The record a command changes: an order, or an application.
S = TypeVar("S", Order, Application)


@attrs.frozen
class CaseResult:
    """What a case command changed, as now stored.

    Attributes:
        order: the order the command was about, or made.
        application: the application the command was about.
        duties: every notification duty the command opened, served, continued or ended.
        ceased: interim orders that ceased (SPA2019 s.5(6)(b)) or expired with it.
        warnings: OPEN-point and victim-safety warnings of an order made.
    """

    order: Order | None = None
    application: Application | None = None
    duties: tuple[NotificationDuty, ...] = ()
    ceased: tuple[Order, ...] = ()
    warnings: tuple[OpenPointWarning, ...] = ()


#: A command's lifecycle call: the event fired on the record loaded (in the unit of work).
Fire = Callable[[UnitOfWork, S], Fired[S]]
#: What a command ties to the record as changed: the other records it changed, as stored.
Tie = Callable[[UnitOfWork, S], CaseResult]


# --- loading ------------------------------------------------------------------------


def _check_revision(kind: str, key: str, expected: int | None, stored: int) -> None:
    """Refuse a decision based on another revision than the stored one (nothing written)."""
    if expected is not None and expected != stored:
        raise ConcurrencyConflictError(kind, key, expected, stored)


def _order(uow: UnitOfWork, order_id: str, expected: int | None) -> Order:
    order = uow.orders.get(order_id)
    _check_revision("order", order_id, expected, order.revision)
    return order


def _application(uow: UnitOfWork, application_id: str, expected: int | None) -> Application:
    found = uow.applications.get(application_id)
    _check_revision("application", application_id, expected, found.revision)
    return found


def other_live_orders(uow: UnitOfWork, defendant_id: str, order_id: str) -> tuple[Order, ...]:
    """The defendant's other live orders, for the s.2(6)-(7) compatibility check."""
    ids = [key for key in uow.orders.ids_where("defendant_id", defendant_id) if key != order_id]
    return tuple(o for o in uow.orders.get_many(ids).values() if o.state.live)


def record(uow: UnitOfWork, fired: Fired[Any], base: int, reason: str) -> None:
    """Store ``fired``'s subject, fired on revision ``base``, auditing the transition."""
    uow.record(fired, expected_revision=base, reason=reason)


# --- the one call shape -----------------------------------------------------------------


def _untied(uow: UnitOfWork, subject: object) -> CaseResult:
    """The tie of a command that changes no other record."""
    return CaseResult()


@attrs.frozen
class Command:
    """One case command as called: the arguments every command takes.

    Attributes:
        store: where the case is.
        at: when it happened (aware): the event's time and the audit entry's.
        actor: who records it.
        expected_revision: the revision the caller's decision was based on.
        reason: for the audit trail.
    """

    store: Store
    at: pendulum.DateTime
    actor: Actor
    expected_revision: int | None
    reason: str

    def on_order(
        self, action: str, order_id: str, fire: Fire[Order], tie: Tie[Order] = _untied
    ) -> CaseResult:
        """Run ``action`` on one order (a role limited to its own cases: not another's).

        Returns:
            What ``tie`` returned, with the order as now stored.
        """

        def load(uow: UnitOfWork) -> Order:
            return _order(uow, order_id, self.expected_revision)

        order, tied = self._run(action, (order_id,), load, fire, tie)
        return attrs.evolve(tied, order=order)

    def on_application(
        self,
        action: str,
        application_id: str,
        fire: Fire[Application],
        tie: Tie[Application] = _untied,
    ) -> CaseResult:
        """Run ``action`` on one application.

        Returns:
            What ``tie`` returned, with the application as now stored.
        """

        def load(uow: UnitOfWork) -> Application:
            return _application(uow, application_id, self.expected_revision)

        application, tied = self._run(action, (), load, fire, tie)
        return attrs.evolve(tied, application=application)

    def _run(
        self,
        action: str,
        orders: Sequence[str],
        load: Callable[[UnitOfWork], S],
        fire: Fire[S],
        tie: Tie[S],
    ) -> tuple[S, CaseResult]:
        """Authorise, load, fire, record, tie and commit, in one unit of work."""
        with self.store.unit_of_work(self.actor, at=self.at) as uow:
            uow.authorise(action, orders=orders)
            found = load(uow)
            fired = fire(uow, found)
            record(uow, fired, found.revision, self.reason)
            tied = tie(uow, fired.subject)
            uow.commit()
        return fired.subject, tied
