"""After a protected person's details are erased with their key (``shred_person_key``),
the force's exports and the person's subject access go on.

Before, each raised ``DetailsDisposedError`` for good: an export (default or with
restricted details) could no longer be made for any record of the force, and the
person could no longer be told what the force holds about them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from spo_tracker.casework import run_detection, subject_access
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.people import Address
from spo_tracker.domain.redaction import WITHHELD
from spo_tracker.interchange import export_file, import_file
from spo_tracker.storage import Actor, InMemoryStore, Store, shred_person_key
from tests.casework.builders import store_incidents, store_records
from tests.casework.test_incremental_people import approached
from tests.storage.conftest import fixed_clock

SUPERVISOR = Actor("DS 12", "supervisor", purpose="transfer to another force")
#: An address typed into incidents' summaries (free text no redactor can tie to the
#: person once their details are gone).
TYPED = "12 Acacia Avenue"
POSTCODE = "B17 9XX"


@pytest.fixture
def shredded(empty_store: Store, scenario: Scenario) -> tuple[Store, str, str]:
    """The scenario stored with two incidents of a defendant whose summaries hold the
    address of the person their order protects (one aimed at the person, one not),
    detected once; then the person's key destroyed. Returns the store, the defendant's
    id and the person's."""
    fix, defendant, person = approached(scenario)
    store_records(empty_store, scenario)
    with empty_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        found = uow.protected_persons.get(person)
        home = Address((TYPED, "Harborne"), POSTCODE, fix.location)
        restricted = attrs.evolve(found.restricted, address=home)
        uow.protected_persons.update(attrs.evolve(found, restricted=restricted))
        uow.commit()
    aimed = attrs.evolve(
        fix,
        incident_id="DEMO-TYPED-1",
        kind=IncidentKind.APPROACH,
        location=None,
        target_person_id=person,
        summary=f"Seen waiting outside {TYPED}, {POSTCODE}",
    )
    said = attrs.evolve(
        fix, incident_id="DEMO-TYPED-2", summary=f"Told a friend he would go to {TYPED}"
    )
    store_incidents(empty_store, [*scenario.all_incidents(), aimed, said])
    run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    with empty_store.unit_of_work(Actor("SGT 1", "supervisor", purpose="erasure"), at=NOW) as uow:
        assert shred_person_key(uow, person, reason="erasure: the person asked")
        uow.commit()
    return empty_store, defendant, person


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()][1:]


def _other_summary(records: list[dict[str, Any]], defendant: str) -> dict[str, Any]:
    """An incident of another defendant with a summary (kept as it is)."""
    return next(
        r
        for r in records
        if r["type"] == "incident"
        and (r["relationships"]["defendant"] or {}).get("id") not in (None, defendant)
        and r["attributes"]["summary"]
    )


@pytest.mark.parametrize("restricted", [False, True], ids=["default", "restricted"])
def test_an_export_gives_the_person_by_name_and_withholds_text_about_them(
    shredded: tuple[Store, str, str], scenario: Scenario, tmp_path: Path, restricted: bool
) -> None:
    """The export is written; the person is there by name with no details; the text of
    every record concerning them (the incidents aimed at them and their defendant's
    others, the order, its alerts) is withheld; other records' text is kept."""
    store, defendant, person = shredded
    path = tmp_path / "export.jsonl"
    report = export_file(store, path, actor=SUPERVISOR, at=NOW, include_restricted=restricted)
    assert report.records["incident"] > 2
    text = path.read_text()
    assert TYPED not in text
    assert POSTCODE not in text
    records = _records(path)
    by_id = {(r["type"], r["id"]): r for r in records}
    name = next(p.name for p in scenario.protected_persons if p.person_id == person)
    mine = by_id[("person", person)]
    assert name in json.dumps(mine)
    assert "12 Acacia" not in json.dumps(mine)
    for incident in ("DEMO-TYPED-1", "DEMO-TYPED-2"):
        assert by_id[("incident", incident)]["attributes"]["summary"] == WITHHELD
    alerts = [r for r in records if r["type"] == "alert"]
    theirs = [a for a in alerts if a["relationships"]["defendant"]["id"] == defendant]
    assert theirs
    assert all(a["attributes"]["explanation"] == WITHHELD for a in theirs)
    other = _other_summary(records, defendant)
    original = next(i for i in scenario.all_incidents() if i.incident_id == other["id"])
    assert other["attributes"]["summary"] == original.summary
    assert any(a["attributes"]["explanation"] != WITHHELD for a in alerts)
    if restricted:  # the other persons' details are exported as they are
        others = [
            p for p in scenario.protected_persons if p.person_id != person and p.restricted.address
        ]
        assert others
        assert others[0].restricted.address is not None
        assert others[0].restricted.address.postcode in text
    (entry,) = [e for e in store.audit_entries() if e.event == "interchange.exported"]
    assert json.loads(entry.changes)["details_disposed"] == 1


def test_the_default_export_imports_into_another_store(
    shredded: tuple[Store, str, str], tmp_path: Path
) -> None:
    """The withheld text is text: the file is a valid interchange file."""
    store, _, person = shredded
    path = tmp_path / "export.jsonl"
    export_file(store, path, actor=SUPERVISOR, at=NOW)
    other = InMemoryStore(clock=fixed_clock)
    imported = import_file(other, path, actor=DEMO_ACTOR, at=NOW)
    assert imported.created["incident"] > 2
    with other.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        assert uow.incidents.get("DEMO-TYPED-1").summary == WITHHELD
        assert uow.protected_persons.get(person).restricted.address is None


def test_a_subject_access_says_the_details_were_disposed_of(
    shredded: tuple[Store, str, str], scenario: Scenario
) -> None:
    """The person is told their name, that their details were erased, and the orders
    protecting them; another person's export is as before."""
    store, defendant, person = shredded
    actor = Actor("DS 12", "supervisor", purpose="subject access request (DPA 2018 s.45)")
    found = subject_access(store, person, at=NOW, actor=actor)
    record = found.content["record"]
    name = next(p.name for p in scenario.protected_persons if p.person_id == person)
    assert record["name"] == name
    assert record["details_disposed"] is True
    assert record["address"] is None
    assert record["places"] == []
    assert [o["defendant"]["defendant_id"] for o in found.content["orders"]] == [defendant]
    assert TYPED not in found.render("html")
    other = next(
        p for p in scenario.protected_persons if p.person_id != person and p.restricted.address
    )
    theirs = subject_access(store, other.person_id, at=NOW, actor=actor).content["record"]
    assert theirs["details_disposed"] is False
    assert theirs["address"] is not None
