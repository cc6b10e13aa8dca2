"""People written since the last run: which writes keep the next run incremental.

A protected person created or moved bears only on the orders naming them, and a
defendant created or given an identity (none unlinked) on their own alerts and on
those of every other holder of an identity of theirs: the next run stays incremental
and judges exactly those defendants again, as a full run would; a name changed judges
no one again. An identity unlinked from a defendant makes it full (the trail counts
them but does not say which).
The twin-store property over generated histories is in ``test_incremental.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pendulum
import pytest

from spo_tracker.casework import (
    alert_titles,
    case_file,
    report_from_store,
    run_detection,
    write_case_file,
)
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.people import (
    Address,
    Defendant,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
)
from spo_tracker.domain.terms import NoApproach
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import IDENTITIES_UNLINKED, Actor, Store, shred_person_key
from tests.casework.builders import (
    as_a_full_run_finds,
    give_address,
    store_incidents,
    store_records,
    stored_alerts,
)

#: Where the approach test's defendant is fixed (a street in Birmingham).
_FIX = GeoPoint(52.4862, -1.8904)


def approached(scenario: Scenario) -> tuple[Incident, str, str]:
    """A location fix of the defendant whose order forbids approaching a protected
    person (SPA2019 s.2(1)(a)), while it is in force; with that defendant's and that
    person's ids. The scenario gives the person no places, so it is no breach yet."""
    order = next(
        o for o in scenario.orders if any(isinstance(t, NoApproach) for t in o.current.terms)
    )
    template = next(i for i in scenario.all_incidents() if i.kind is IncidentKind.LOCATION_FIX)
    fix = attrs.evolve(
        template,
        incident_id="DEMO-APPROACH-1",
        defendant_id=order.defendant_id,
        actor=None,
        location=_FIX,
        occurred_at=NOW.subtract(days=2),
        reported_at=NOW.subtract(days=2),
    )
    return fix, order.defendant_id, order.protected_person_ids[0]


@pytest.fixture
def detected(empty_store: Store, scenario: Scenario) -> Store:
    """A store holding the scenario, every incident and the approach fix, detected once."""
    fix, _, _ = approached(scenario)
    store_records(empty_store, scenario)
    store_incidents(empty_store, [*scenario.all_incidents(), fix])
    assert not run_detection(empty_store, at=NOW, actor=DEMO_ACTOR).incremental
    return empty_store


def move(store: Store, person_id: str, to: GeoPoint) -> None:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        person = uow.protected_persons.get(person_id)
        places = (("home", to),)
        uow.protected_persons.update(
            attrs.evolve(person, restricted=attrs.evolve(person.restricted, places=places))
        )
        uow.commit()


def test_a_protected_person_moved_has_the_defendants_whose_orders_name_them_judged_again(
    detected: Store, scenario: Scenario
) -> None:
    """The person's new home is where the defendant was fixed: the next run stays
    incremental, judges that defendant again and stores the approach breach a full run
    finds."""
    _, defendant, person = approached(scenario)
    move(detected, person, _FIX)
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.new_incidents == 0
    assert run.incidents_seen > 0  # the defendant's history, judged again
    new = [a for a in run.alerts if a.rule_id == "breach.no_approach"]
    assert [a.defendant_id for a in new] == [defendant]
    assert run.stored.new >= 1
    as_a_full_run_finds(detected)
    assert run_detection(detected, at=NOW, actor=DEMO_ACTOR).stored.new == 0


#: An address typed into an incident's summary (free text a report must scrub).
_TYPED = "12 Acacia Avenue"


def test_a_protected_persons_key_destroyed_has_the_defendants_whose_orders_name_them_judged_again(
    detected: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """Erasing a person's restricted details (their key destroyed) leaves the approach
    rule no place of theirs to test: the next run stays incremental, judges the
    defendants whose orders name them again, and stores what a full run finds. Every
    whole-force reader goes on without the person (a full run, the case file, a report,
    alert titles), and free text about them, whose address can no longer be recognised,
    is withheld rather than shown."""
    fix, defendant, person = approached(scenario)
    move(detected, person, _FIX)
    give_address(detected, person, Address((_TYPED, "Harborne"), "B17 9XX", _FIX))
    note = attrs.evolve(  # an approach reported: evidence of the no-approach breach
        fix,
        incident_id="DEMO-NOTE-1",
        kind=IncidentKind.APPROACH,
        location=None,
        target_person_id=person,
        summary=f"Seen waiting outside {_TYPED}, B17 9XX",
    )
    store_incidents(detected, [note])
    assert run_detection(detected, at=NOW, actor=DEMO_ACTOR).stored.new >= 1
    with detected.unit_of_work(Actor("SGT 1", "supervisor", purpose="erasure"), at=NOW) as uow:
        assert shred_person_key(uow, person, reason="erasure: the person asked")
        uow.commit()
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.incidents_seen > 0  # the defendant's history, judged again
    as_a_full_run_finds(detected)
    assert not run_detection(detected, at=NOW, actor=DEMO_ACTOR, full=True).stored.new
    officer = Actor("PC 4471", "officer", purpose="tests")
    case = case_file(detected, defendant, at=NOW, actor=officer)
    assert person not in {p.person_id for p in case.protected_persons}
    assert note.incident_id in {e.incident.incident_id for e in case.evidence}
    written = write_case_file(
        detected, defendant, at=NOW, actor=officer, fmt="json", output=tmp_path / "c.json"
    )
    report = report_from_store(
        detected, at=NOW, actor=officer, fmt="json", output=tmp_path / "r.json"
    )
    assert report.alerts > 0
    for path in (written.path, report.path):
        text = Path(path).read_text()
        assert "DEMO-NOTE-1" in text  # the note is shown, its summary withheld
        assert _TYPED not in text
        assert "B17 9XX" not in text
    approach = [
        a for a in stored_alerts(detected, officer).values() if person in a.protected_person_ids
    ]
    assert approach  # the titles are read with the person in scope
    assert alert_titles(detected, approach, actor=officer, at=NOW) == tuple(
        a.title for a in approach
    )


def test_a_protected_person_added_keeps_the_next_run_incremental(detected: Store) -> None:
    """A person no order names yet bears on no alert: nothing is judged again."""
    with detected.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.protected_persons.add(ProtectedPerson("P-NEW", "A New Person"))
        uow.commit()
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.incidents_seen == 0
    assert run.stored.new == run.stored.updated == 0


def _rename(store: Store, defendant_id: str) -> None:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        defendant = uow.defendants.get(defendant_id)
        names = (*defendant.names, NameUse("Also Known As"))
        uow.defendants.update(attrs.evolve(defendant, names=names))
        uow.commit()


def test_a_defendant_renamed_judges_no_one_again(detected: Store, scenario: Scenario) -> None:
    """Detection reads a defendant only through their identities (no alert holds a name):
    a new name keeps the next run incremental and judges no one again."""
    first = scenario.defendants[0].defendant_id
    _rename(detected, first)
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.incidents_seen == 0
    assert run.stored.new == run.stored.updated == 0
    as_a_full_run_finds(detected)


def test_a_protected_person_renamed_judges_no_one_again(
    detected: Store, scenario: Scenario
) -> None:
    """Of a person detection reads only their places: a new name judges no one again."""
    _, _, person = approached(scenario)
    with detected.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        found = uow.protected_persons.get(person)
        uow.protected_persons.update(attrs.evolve(found, name="A New Name"))
        uow.commit()
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.incidents_seen == 0


def _relink(store: Store, defendant_id: str, identities: tuple[LinkedIdentity, ...]) -> None:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        defendant = uow.defendants.get(defendant_id)
        uow.defendants.update(attrs.evolve(defendant, identities=identities))
        uow.commit()


def _last_defendant_entry(store: Store) -> dict[str, object]:
    entry = store.last_event("defendant.changed")
    assert entry is not None
    changes = json.loads(entry.changes)
    assert isinstance(changes, dict)
    return changes


def test_a_defendant_with_an_identity_linked_is_judged_again_incrementally(
    detected: Store, scenario: Scenario
) -> None:
    """A new account linked, none unlinked: the trail counts none unlinked (and holds no
    identity), and the next run stays incremental."""
    first = scenario.defendants[0]
    linked = LinkedIdentity(phone("+447700900999"), NOW.subtract(days=1))
    _relink(detected, first.defendant_id, (*first.identities, linked))
    changes = _last_defendant_entry(detected)
    assert changes[IDENTITIES_UNLINKED] == 0
    assert "+447700900999" not in json.dumps(changes)
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    as_a_full_run_finds(detected)


def test_a_defendant_with_an_identity_unlinked_makes_the_next_run_full(
    detected: Store, scenario: Scenario
) -> None:
    """An identity unlinked: the trail says how many, not which (its incidents go to
    whoever else holds it), so every incident is read."""
    first = next(d for d in scenario.defendants if d.identities)
    _relink(detected, first.defendant_id, first.identities[1:])
    assert _last_defendant_entry(detected)[IDENTITIES_UNLINKED] == 1
    run = run_detection(detected, at=NOW, actor=DEMO_ACTOR)
    assert run.full_reason is not None
    assert run.full_reason.startswith("a defendant changed since the last run (defendant.changed")
    assert run_detection(detected, at=NOW, actor=DEMO_ACTOR).incremental


def _holder_of_most_incidents(scenario: Scenario) -> tuple[Defendant, LinkedIdentity]:
    """The defendant and linked identity through which most incidents are attributed."""
    counts = {
        (d.defendant_id, li.identity.key): sum(
            1
            for i in scenario.all_incidents()
            if i.defendant_id is None and i.actor is not None and i.actor.key == li.identity.key
        )
        for d in scenario.defendants
        for li in d.identities
    }
    (who, key), count = max(counts.items(), key=lambda kv: kv[1])
    assert count > 0
    defendant = next(d for d in scenario.defendants if d.defendant_id == who)
    return defendant, next(li for li in defendant.identities if li.identity.key == key)


def named_through_shared(scenario: Scenario) -> tuple[Incident, Incident, LinkedIdentity]:
    """An incident attributed through the identity most incidents come through; the same
    contact a minute later, recorded against its holder by name (one alert, same term and
    day, rests on both); and that identity."""
    holder, shared = _holder_of_most_incidents(scenario)
    through = next(
        i
        for i in scenario.all_incidents()
        if i.defendant_id is None and i.actor is not None and i.actor.key == shared.identity.key
    )
    named = attrs.evolve(
        through,
        incident_id="DEMO-NAMED-1",
        defendant_id=holder.defendant_id,
        actor=None,
        occurred_at=through.occurred_at.add(minutes=1),
        reported_at=None,
    )
    return through, named, shared


def test_a_defendant_added_with_another_defendants_identity_has_both_judged_again(
    empty_store: Store, scenario: Scenario
) -> None:
    """The identity is now shared, so its incidents are attributed to neither: the next
    run stays incremental and judges the one who held it alone again. Their alerts that
    also rest on an incident naming them directly lose the shared identity's incidents,
    as a full run finds."""
    through, named, shared = named_through_shared(scenario)
    store_records(empty_store, scenario)
    store_incidents(empty_store, [*scenario.all_incidents(), named])
    run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    mixed = {
        k: a
        for k, a in stored_alerts(empty_store, DEMO_ACTOR).items()
        if named.incident_id in a.evidence_ids and through.incident_id in a.evidence_ids
    }
    assert mixed
    with empty_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.defendants.add(Defendant("D-NEW", (NameUse("A New Defendant"),), identities=(shared,)))
        uow.commit()
    run = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert shared.identity.key in {u.identity_key for u in run.unattributed}
    # The alerts found again rest on the named incident alone; the others (a rolling
    # count that one incident no longer makes) stay stored as they were, as after a
    # full run: a run never deletes a stored alert.
    again = [a for a in run.alerts if a.alert_id in mixed]
    assert again
    assert all(a.evidence_ids == (named.incident_id,) for a in again)
    assert run.stored.updated >= len(again)
    as_a_full_run_finds(empty_store)


@pytest.mark.parametrize("how", ["added", "linked"])
def test_an_identity_nobody_held_takes_its_incidents_to_its_new_holder(
    empty_store: Store, scenario: Scenario, how: str
) -> None:
    """Incidents sent from an account linked to nobody are unattributed; a defendant added
    with that account, or an existing one it is linked to, takes them: the next run stays
    incremental and stores what a full run finds."""
    holder, shared = _holder_of_most_incidents(scenario)
    alone = attrs.evolve(holder, identities=tuple(i for i in holder.identities if i != shared))
    defendants = tuple(alone if d is holder else d for d in scenario.defendants)
    store_records(empty_store, attrs.evolve(scenario, defendants=defendants))
    store_incidents(empty_store, scenario.all_incidents())
    first = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    assert shared.identity.key in {u.identity_key for u in first.unattributed}
    if how == "added":
        with empty_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
            new = Defendant("D-NEW", (NameUse("A New Defendant"),), identities=(shared,))
            uow.defendants.add(new)
            uow.commit()
    else:
        _relink(empty_store, holder.defendant_id, holder.identities)
    run = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert shared.identity.key not in {u.identity_key for u in run.unattributed}
    if how == "linked":  # their order forbids this contact: the breaches are theirs now
        assert run.stored.new > 0
    as_a_full_run_finds(empty_store)


def test_orders_protecting_names_the_orders_of_each_person(
    detected: Store, scenario: Scenario
) -> None:
    """``uow.orders.protecting``: per person, the orders naming them; ids checked."""
    expected: dict[str, list[str]] = {}
    for order in scenario.orders:
        for person in order.protected_person_ids:
            expected.setdefault(person, []).append(order.order_id)
    with detected.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        found = uow.orders.protecting([*expected, "P-NOBODY"])
        assert found == {k: sorted(v) for k, v in expected.items()}
        assert uow.orders.protecting([]) == {}
        with pytest.raises(InvalidValueError, match="person_ids"):
            uow.orders.protecting("P-1001")
        with pytest.raises(InvalidValueError, match=r"person_ids\[0\]"):
            uow.orders.protecting([1])  # type: ignore[list-item]


def test_an_approach_fix_breaches_once_the_person_lives_there(scenario: Scenario) -> None:
    """The approach test's premise, in memory: no breach without the place, one with it."""
    from spo_tracker.detection import Detector

    fix, defendant, person = approached(scenario)
    persons = list(scenario.protected_persons)
    found = Detector(scenario.orders, scenario.defendants, protected_persons=persons).scan([fix])
    assert not [a for a in found.alerts if a.rule_id == "breach.no_approach"]
    moved = [
        attrs.evolve(p, restricted=attrs.evolve(p.restricted, places=(("home", _FIX),)))
        if p.person_id == person
        else p
        for p in persons
    ]
    found = Detector(scenario.orders, scenario.defendants, protected_persons=moved).scan([fix])
    assert [a.defendant_id for a in found.alerts if a.rule_id == "breach.no_approach"] == [
        defendant
    ]
    assert pendulum.instance(fix.occurred_at) < NOW
