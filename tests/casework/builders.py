"""Stores holding the demo scenario, for the casework tests."""

from __future__ import annotations

from collections.abc import Iterable

from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.demo._run import demo_applications
from spo_tracker.domain.incidents import Incident
from spo_tracker.storage import Store


def store_records(store: Store, scenario: Scenario) -> None:
    """The scenario's people, applications, orders, duties and compliance records."""
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.defendants.add_many(scenario.defendants)
        uow.protected_persons.add_many(scenario.protected_persons)
        uow.applications.add_many(demo_applications(scenario))
        uow.orders.add_many(scenario.orders)
        uow.notification_duties.add_many(scenario.duties)
        uow.compliance.add_many(scenario.all_compliance())
        uow.commit()


def store_incidents(store: Store, incidents: Iterable[Incident]) -> None:
    """New incidents, in one unit of work."""
    batch = list(incidents)
    if not batch:
        return
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.add_incidents(batch, reason="test arrivals")
        uow.commit()


def store_scenario(store: Store, scenario: Scenario) -> None:
    """Everything in the scenario: its records and all its incidents."""
    store_records(store, scenario)
    store_incidents(store, scenario.all_incidents())
