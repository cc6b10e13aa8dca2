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
import pendulum
import pytest

from spo_tracker.casework import review_retention, run_detection, subject_access
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.identities import phone
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Address, LinkedIdentity
from spo_tracker.domain.redaction import WITHHELD
from spo_tracker.domain.terms import Locality, NoContact
from spo_tracker.interchange import export_file, import_file
from spo_tracker.storage import Actor, InMemoryStore, Store, shred_person_key
from tests.casework.builders import give_address, store_incidents, store_records
from tests.casework.conftest import open_store
from tests.casework.test_incremental_people import approached
from tests.casework.test_retention import DUE, REVIEWER, seed_case
from tests.lifecycles import builders as lb
from tests.storage import builders
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
    give_address(empty_store, person, Address((TYPED, "Harborne"), POSTCODE, fix.location))
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


# -- which records concern the person ------------------------------------------------------

#: P1's address as ``tests.storage.builders.person`` stores it.
P1_STREET, P1_POSTCODE = "3 Safe House Lane", "B15 2TT"
AT = pendulum.datetime(2025, 6, 1, 12, tz="Europe/London")


def _reasoned(order: Order, reason: str) -> Order:
    """``order`` with its last version's reason ``reason``."""
    last = attrs.evolve(order.versions[-1], reason=reason)
    return attrs.evolve(order, versions=(*order.versions[:-1], last))


def _force(store: Store) -> None:
    """D1's orders and application: O-A and APP-1 protect P2 only, but their typed text
    holds P1's address; O-B protects P1. D1's phone sends a text holding it (the incident
    names no defendant: detection attributes it by the phone); another incident names
    only P1, as its target. D2's case names neither and is exported as it is. Then P1's
    key is destroyed."""
    with store.unit_of_work(SUPERVISOR, at=AT) as uow:
        uow.defendants.add_many([builders.defendant("D1"), builders.defendant("D2", identities=0)])
        uow.protected_persons.add(builders.person("P1"))
        uow.protected_persons.add(builders.person("P2", restricted=False))
        note = f"D1 also seen at {P1_STREET}, {P1_POSTCODE}"
        application = lb.draft(application_id="APP-1", defendant_id="D1", note=note)
        uow.applications.add(attrs.evolve(application, protected_person_ids=("P2",)))
        uow.orders.add(_reasoned(builders.order("O-A", "D1", ("P2",)), f"moved to {P1_STREET}"))
        uow.orders.add(builders.order("O-B", "D1", ("P1",)))
        uow.orders.add(_reasoned(builders.order("O-C", "D2", ("P2",)), "made on application"))
        uow.commit()
    phoned = builders.incident("I-PHONE", 1, actor=phone("07700 900123"), defendant_id=None)
    aimed = builders.incident("I-TARGET", 2, actor=None, defendant_id=None, target_person_id="P1")
    incidents = [
        attrs.evolve(phoned, target_person_id=None, summary=f"I know you live at {P1_STREET}"),
        attrs.evolve(aimed, summary=f"seen at {P1_POSTCODE}"),
        builders.incident("I-OTHER", 3, actor=None, defendant_id="D2", summary="seen in town"),
        # An id equal to D1's (ids are unique within a kind only): D2's, kept.
        builders.incident("D1", 4, actor=None, defendant_id="D2", summary="seen at the station"),
    ]
    with store.unit_of_work(SUPERVISOR, at=AT) as uow:
        uow.add_incidents(incidents)
        uow.commit()
    with store.unit_of_work(SUPERVISOR, at=AT) as uow:
        assert shred_person_key(uow, "P1", reason="erasure: the person asked")
        uow.commit()


@pytest.mark.parametrize("restricted", [False, True], ids=["default", "restricted"])
def test_every_record_of_the_defendant_whose_order_names_the_person_is_withheld(
    empty_store: Store, tmp_path: Path, restricted: bool
) -> None:
    """Not only the records after the order naming them: D1's application and the order
    sorted before it (with its versions), and the incident D1's phone sent (it names no
    defendant) are withheld too; D2's records, and an applicant's title, are not; and
    the file imports."""
    _force(empty_store)
    path = tmp_path / "export.jsonl"
    export_file(empty_store, path, actor=SUPERVISOR, at=AT, include_restricted=restricted)
    text = path.read_text()
    assert P1_STREET not in text
    assert P1_POSTCODE not in text
    by_id = {(r["type"], r["id"]): r for r in _records(path)}
    assert by_id[("application", "APP-1")]["attributes"]["note"] == WITHHELD
    assert by_id[("order_version", "O-A/v2")]["attributes"]["reason"] == WITHHELD
    for incident in ("I-PHONE", "I-TARGET"):
        assert by_id[("incident", incident)]["attributes"]["summary"] == WITHHELD
    assert by_id[("incident", "I-OTHER")]["attributes"]["summary"] == "seen in town"
    assert by_id[("incident", "D1")]["attributes"]["summary"] == "seen at the station"
    reasons = {
        key: r["attributes"]["reason"]
        for (kind, key), r in by_id.items()
        if kind == "order_version" and r["attributes"]["reason"]
    }
    assert {k.split("/")[0]: v for k, v in reasons.items()} == {
        "O-A": WITHHELD,
        "O-B": WITHHELD,
        "O-C": "made on application",
    }
    for order in ("O-A", "O-B", "O-C"):
        assert by_id[("order", order)]["attributes"]["applicant"]["title"] != WITHHELD
    other = InMemoryStore(clock=fixed_clock)
    assert import_file(other, path, actor=DEMO_ACTOR, at=AT).created["incident"] == 4


@pytest.mark.parametrize("shred_first", [True, False], ids=["key-destroyed-first", "disposal"])
@pytest.mark.parametrize("restricted", [False, True], ids=["default", "restricted"])
def test_text_about_a_person_a_disposal_erased_stays_withheld(
    request: pytest.FixtureRequest, tmp_path: Path, shred_first: bool, restricted: bool
) -> None:
    """A retention disposal erases the person (their name and details) but keeps the
    order's text: the person, known with no details, cannot be scrubbed for, so that
    text is withheld as for a key destroyed (before, a typed end reason went out)."""
    store = open_store(request, "sqlite" if restricted else "memory")
    seed_case(store)
    with store.unit_of_work(REVIEWER, at=DUE) as uow:
        order = uow.orders.get("SPO-1")
        typed = f"ended early: the victim moved from {P1_STREET}"
        uow.orders.update(attrs.evolve(order, end_reason=typed, revision=order.revision + 1))
        uow.commit()
    if shred_first:
        with store.unit_of_work(REVIEWER, at=DUE) as uow:
            shred_person_key(uow, "P1", reason="erasure: the person asked")
            uow.commit()
    review_retention(store, "D1", decision="dispose", reason="no purpose", at=DUE, actor=REVIEWER)
    path = tmp_path / "export.jsonl"
    export_file(store, path, actor=REVIEWER, at=DUE, include_restricted=restricted)
    store.close()
    assert P1_STREET not in path.read_text()
    by_id = {(r["type"], r["id"]): r for r in _records(path)}
    assert by_id[("order", "SPO-1")]["attributes"]["end_reason"] == WITHHELD


def test_an_incident_the_case_rests_on_is_withheld_after_its_identity_is_unlinked(
    empty_store: Store, tmp_path: Path
) -> None:
    """D1's old phone sent a message an alert of D1's rests on; the phone is unlinked
    before P1's key is destroyed: the incident is still withheld (by the alert's
    evidence), and so is the name of a term's locality (a street of P1's)."""
    old = phone("07700 900777")
    with empty_store.unit_of_work(SUPERVISOR, at=AT) as uow:
        defendant = builders.defendant("D1")
        linked = (*defendant.identities, LinkedIdentity(old, builders.MADE))
        uow.defendants.add(attrs.evolve(defendant, identities=linked))
        uow.protected_persons.add(builders.person("P1"))
        order = builders.order("O-1", "D1", ("P1",), versions=1)
        near = NoContact(term_id="T99", persons=("P1",), locality=Locality("Safe House Lane"))
        version = attrs.evolve(order.versions[0], terms=(*order.versions[0].terms, near))
        uow.orders.add(attrs.evolve(order, versions=(version,)))
        uow.commit()
    sent = builders.incident("I-OLD", 1, actor=old, defendant_id=None, target_person_id=None)
    typed = attrs.evolve(sent, summary=f"I know you live at {P1_STREET}")
    with empty_store.unit_of_work(SUPERVISOR, at=AT) as uow:
        uow.add_incidents([typed])
        uow.commit()
    found = run_detection(empty_store, at=AT, actor=DEMO_ACTOR)
    assert any("I-OLD" in a.evidence_ids for a in found.alerts)
    with empty_store.unit_of_work(SUPERVISOR, at=AT) as uow:
        held = uow.defendants.get("D1")
        kept = tuple(li for li in held.identities if li.identity != old)
        uow.defendants.update(attrs.evolve(held, identities=kept))
        assert shred_person_key(uow, "P1", reason="erasure: the person asked")
        uow.commit()
    for restricted in (False, True):
        path = tmp_path / f"export-{restricted}.jsonl"
        export_file(empty_store, path, actor=SUPERVISOR, at=AT, include_restricted=restricted)
        assert "Safe House" not in path.read_text()
        by_id = {(r["type"], r["id"]): r for r in _records(path)}
        assert by_id[("incident", "I-OLD")]["attributes"]["summary"] == WITHHELD
        term = by_id[("term", "O-1/v1/T99")]["attributes"]
        assert term["locality"]["name"] == WITHHELD
        assert import_file(InMemoryStore(clock=fixed_clock), path, actor=DEMO_ACTOR, at=AT)
