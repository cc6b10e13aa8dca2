"""Generated case histories: after any sequence of commands the tied records agree.

A Hypothesis state machine drives the case commands on one case (an
application, its interim orders, the full order) in time order. After every
step: each notification duty is ENDED exactly when the order it runs under is
no longer live (SPA2019 s.9(1) binds only someone subject to an order), a
command the Act refuses changed nothing, and no notification alert is raised
for a moment at which none of the duty's orders was in force.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from spo_tracker import casework
from spo_tracker.detection.dated import notification_alerts
from spo_tracker.domain.lifecycles import application as app_lifecycle
from spo_tracker.domain.lifecycles.application import CourtFindings
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.notification import DutyState, NotificationDuty
from spo_tracker.domain.orders import Duration, Order
from spo_tracker.domain.terms import NoContact
from spo_tracker.errors import SpoTrackerError
from spo_tracker.storage import InMemoryStore, Store, connect, upgrade
from tests.casework.conftest import ACTOR, LAID, seed
from tests.lifecycles import builders as lifecycle
from tests.storage.conftest import fixed_clock

TERMS = (NoContact(term_id="T1", persons=("P1",)),)
ORDERS = ("ISPO-1", "ISPO-2", "SPO-1")


def _snapshot(store: Store) -> tuple[dict[str, Any], ...]:
    with store.unit_of_work(ACTOR, at=LAID) as uow:
        return (
            uow.orders.get_many(uow.orders.ids()),
            uow.notification_duties.get_many(uow.notification_duties.ids()),
            uow.applications.get_many(uow.applications.ids()),
        )


class CaseHistory(RuleBasedStateMachine):
    """One case worked through the casework commands, checked after every step."""

    def new_store(self) -> Store:
        """The store the history is recorded in."""
        return InMemoryStore(clock=fixed_clock)

    @initialize()
    def start(self) -> None:
        self.store = self.new_store()
        seed(self.store)
        self.now = lifecycle.london(2026, 3, 2, 9)

    def teardown(self) -> None:
        store = getattr(self, "store", None)
        if store is not None:
            store.close()

    def _run(self, command: Any, *args: Any, **kwargs: Any) -> None:
        """Run a command; if the Act (or the library) refuses it, nothing changed."""
        before = _snapshot(self.store)
        try:
            command(self.store, *args, at=self.now, actor=ACTOR, **kwargs)
        except SpoTrackerError:
            assert _snapshot(self.store) == before

    @rule(hours=st.integers(1, 24 * 40))
    def time_passes(self, hours: int) -> None:
        self.now = self.now.add(hours=hours)

    @rule(order_id=st.sampled_from(ORDERS[:2]), weeks=st.integers(1, 10))
    def interim_decided(self, order_id: str, weeks: int) -> None:
        with self.store.unit_of_work(ACTOR, at=self.now) as uow:
            found = uow.applications.get("APP-1")
            if found.state is app_lifecycle.ApplicationState.LAID:
                try:
                    fired = app_lifecycle.apply_for_interim(
                        found, at=self.now, actor="DI 1", applicant=lifecycle.WMP
                    )
                except SpoTrackerError:
                    return
                uow.record(fired)
                uow.commit()
        self._run(
            casework.decide_interim,
            "APP-1",
            granted=True,
            order_id=order_id,
            terms=TERMS,
            duration=Duration(weeks=weeks),
        )

    @rule(order_id=st.sampled_from(ORDERS))
    def serve(self, order_id: str) -> None:
        self._run(casework.serve_order, order_id, local_police_area="West Midlands")

    @rule(order_id=st.sampled_from(ORDERS))
    def discharge(self, order_id: str) -> None:
        self._run(casework.discharge_order, order_id, applied_by=Party.defendant())

    @rule(order_id=st.sampled_from(ORDERS))
    def expire(self, order_id: str) -> None:
        self._run(casework.expire_order, order_id)

    @rule(order_id=st.sampled_from(ORDERS), outcome=st.sampled_from(["quashed", "dismissed"]))
    def appeal(self, order_id: str, outcome: str) -> None:
        self._run(casework.lodge_appeal, order_id)
        self.now = self.now.add(days=1)
        self._run(casework.decide_appeal, order_id, outcome)

    @rule(how=st.sampled_from(["grant", "refuse", "withdraw"]))
    def determine(self, how: str) -> None:
        if how == "grant":
            self._run(
                casework.grant_application,
                "APP-1",
                findings=CourtFindings(True, True, True),
                order_id="SPO-1",
                terms=TERMS,
                duration=Duration(years=2),
            )
        elif how == "refuse":
            self._run(casework.refuse_application, "APP-1")
        else:
            self._run(casework.withdraw_application, "APP-1")

    @invariant()
    def duties_end_exactly_with_their_orders(self) -> None:
        orders, duties, _ = _snapshot(self.store)
        for duty in duties.values():
            order: Order = orders[duty.order_id]
            assert (duty.state is DutyState.ENDED) == (not order.state.live), (duty, order)
        served = [o for o in orders.values() if o.served_at is not None and o.state.live]
        running = {d.order_id for d in duties.values() if d.state is not DutyState.ENDED}
        assert {o.order_id for o in served} <= running

    @invariant()
    def no_notification_alert_without_an_order_in_force(self) -> None:
        orders, duties, _ = _snapshot(self.store)
        for alert in notification_alerts(list(duties.values()), self.now, orders=orders):
            duty: NotificationDuty = next(
                d for d in duties.values() if d.order_id == alert.order_id
            )
            bound = [orders[i] for i in (duty.order_id, *duty.replaced_order_ids)]
            when = alert.breach_time or alert.identified_at
            assert any(o.in_force_at(when) for o in bound) or any(
                o.in_force_at(self.now) for o in bound
            ), alert


TestCaseHistory = CaseHistory.TestCase


@functools.cache
def _sqlite_template() -> Path:
    """A migrated SQLite file, made once per run and copied for each history."""
    folder = Path(tempfile.mkdtemp(prefix="spo-casework-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    upgrade(f"sqlite:///{folder / 'template.sqlite'}")
    return folder / "template.sqlite"


class SqliteCaseHistory(CaseHistory):
    """The same histories recorded in SQLite, so the SQL paths keep the records in step too."""

    def new_store(self) -> Store:
        template = _sqlite_template()
        path = template.with_name(f"history-{next(_numbers)}.sqlite")
        shutil.copyfile(template, path)
        return connect(f"sqlite:///{path}", clock=fixed_clock)


_numbers = itertools.count(1)
TestSqliteCaseHistory = SqliteCaseHistory.TestCase
TestSqliteCaseHistory.settings = settings(max_examples=15, stateful_step_count=20)
