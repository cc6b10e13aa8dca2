"""Stores holding the demo scenario, and twin stores run incrementally and in full, for
the casework tests."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum

from spo_tracker.casework import DetectionRun, detect_stored, load_records, run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.demo._run import demo_applications
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.people import Address
from spo_tracker.storage import Actor, Store


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


def give_address(store: Store, person_id: str, address: Address) -> None:
    """Store ``address`` as the protected person's home, their other details kept."""
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        found = uow.protected_persons.get(person_id)
        restricted = attrs.evolve(found.restricted, address=address)
        uow.protected_persons.update(attrs.evolve(found, restricted=restricted))
        uow.commit()


def store_scenario(store: Store, scenario: Scenario) -> None:
    """Everything in the scenario: its records and all its incidents."""
    store_records(store, scenario)
    store_incidents(store, scenario.all_incidents())


def stored_alerts(store: Store, actor: Actor) -> dict[str, Alert]:
    """Every stored alert, by id."""
    with store.unit_of_work(actor, at=NOW) as uow:
        return uow.alerts.get_many(uow.alerts.ids())


def as_a_full_run_finds(store: Store) -> None:
    """Every alert a full detection over the store finds is stored exactly so."""
    records = load_records(store, actor=DEMO_ACTOR, at=NOW)
    stored = stored_alerts(store, DEMO_ACTOR)
    for alert in detect_stored(store, records, actor=DEMO_ACTOR, at=NOW).alerts:
        assert stored[alert.alert_id] == alert


def twin_runs(
    stores: tuple[Store, Store],
    at: pendulum.DateTime,
    *,
    actor: Actor,
    config: DetectionConfig | None = None,
) -> tuple[DetectionRun, DetectionRun]:
    """Run the first store as it would run (incrementally when it can) and its twin in
    full, as of ``at``; their stored alerts must then be the same."""
    incremental, full = stores
    first = run_detection(incremental, at=at, actor=actor, config=config)
    second = run_detection(full, at=at, actor=actor, config=config, full=True)
    assert stored_alerts(incremental, actor) == stored_alerts(full, actor)
    return first, second
