"""What the import needs from storage, on every backend: bulk incidents inside a unit of
work, a batch lookup, the HOCR classification, and applications, duties and alerts."""

from __future__ import annotations

import json

import attrs
import pytest

from spo_tracker.domain.incidents import CrimeClassification, Incident, parse_classification
from spo_tracker.errors import DuplicateRecordError, InvalidValueError, UnknownCodeError
from spo_tracker.storage import Store, scan_incidents
from tests.interchange.builders import full_dataset
from tests.interchange.conftest import ACTOR, AT
from tests.storage import builders
from tests.storage.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def _incidents(prefix: str, count: int) -> list[Incident]:
    return builders.incidents(prefix, count, classification=CrimeClassification.HARASSMENT)


def test_incidents_added_in_a_unit_of_work_are_stored_on_commit(
    fresh_store: Store, backend: str
) -> None:
    """add_incidents writes with the rest of the unit of work, audited as one entry."""
    batch = _incidents("B", 7)
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.add_incidents(batch, reason="test")
        uow.commit()
    assert list(scan_incidents(fresh_store)) == batch
    entries = [e for e in fresh_store.audit_entries() if e.event == "incidents.ingested"]
    assert [(e.subject_id, json.loads(e.changes)["count"]) for e in entries] == [
        ("B-000000..B-000006", 7)
    ]


def test_incidents_added_without_commit_are_not_stored(fresh_store: Store, backend: str) -> None:
    """The unit of work rolls them back with everything else."""
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.add_incidents(_incidents("R", 3))
    assert list(scan_incidents(fresh_store)) == []


def test_adding_a_stored_incident_names_it(fresh_store: Store, backend: str) -> None:
    """A duplicate id is a typed error naming the first one already stored."""
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.add_incidents(_incidents("D", 2))
        uow.commit()
    with (
        fresh_store.unit_of_work(ACTOR, at=AT) as uow,
        pytest.raises(DuplicateRecordError, match="D-000001"),
    ):
        uow.add_incidents([*_incidents("E", 2), _incidents("D", 2)[1]])
    assert [i.incident_id for i in scan_incidents(fresh_store)] == ["D-000000", "D-000001"]


def test_add_incidents_refuses_bad_items(fresh_store: Store, backend: str) -> None:
    """Not an incident, or an id twice in the batch."""
    one = _incidents("X", 1)[0]
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        with pytest.raises(InvalidValueError, match="incidents"):
            uow.add_incidents([one, "I-2"])  # type: ignore[list-item]
        with pytest.raises(InvalidValueError, match="appears twice"):
            uow.add_incidents([one, one])


def test_find_incidents_returns_the_stored_ones(fresh_store: Store, backend: str) -> None:
    """A batch lookup by id, across chunks; unknown ids are simply absent."""
    batch = _incidents("F", 1_200)
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.add_incidents(batch)
        uow.commit()
    wanted = [i.incident_id for i in batch[::100]] + ["F-nope"]
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        found = uow.find_incidents(wanted)
    assert found == {i.incident_id: i for i in batch[::100]}


def test_applications_duties_and_alerts_are_stored(fresh_store: Store, backend: str) -> None:
    """The three repositories the interchange writes to keep their records equal."""
    data = full_dataset()
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.defendants.add(data.defendants[0])
        for person in data.protected_persons:
            uow.protected_persons.add(person)
        uow.applications.add(data.applications[0])
        uow.orders.add(data.orders[0])
        uow.notification_duties.add(data.duties[0])
        uow.alerts.add(data.alerts[0])
        uow.commit()
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        assert uow.applications.get("APP-1") == data.applications[0]
        assert uow.notification_duties.get("ND-1") == data.duties[0]
        assert uow.alerts.get(data.alerts[0].alert_id) == data.alerts[0]
        assert uow.alerts.ids() == [data.alerts[0].alert_id]


def test_an_alert_update_is_audited(fresh_store: Store, backend: str) -> None:
    """Alerts carry no revision of their own; the store counts them."""
    alert = full_dataset().alerts[0]
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.alerts.add(alert)
        uow.commit()
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.alerts.get(alert.alert_id)
        assert uow.alerts.update(attrs.evolve(alert, severity="critical")) == 2
        uow.commit()


def test_the_hocr_classification_round_trips(fresh_store: Store, backend: str) -> None:
    """Through the repository and through bulk ingest."""
    one = _incidents("C", 1)[0]
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        uow.incidents.add(attrs.evolve(one, incident_id="C-repo"))
        uow.commit()
    with fresh_store.unit_of_work(ACTOR, at=AT) as uow:
        stored = uow.incidents.get("C-repo")
    assert stored.classification is CrimeClassification.HARASSMENT


def test_classification_codes_are_the_hocr_ones(backend: str) -> None:
    """8Q stalking, 8L harassment, 8M aggravated harassment; anything else is refused."""
    assert parse_classification("8Q") is CrimeClassification.STALKING
    assert parse_classification(None) is None
    with pytest.raises(UnknownCodeError, match="'8Z'"):
        parse_classification("8Z")
    with pytest.raises(UnknownCodeError, match="classification"):
        attrs.evolve(_incidents("Z", 1)[0], classification="stalking")
