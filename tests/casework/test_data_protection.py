"""Logged consultation and disclosure (DPA 2018 s.62), the person's audit log, and subject
access (DPA 2018 s.45) with third parties withheld (s.45(4)), on every backend."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import (
    alert_detail,
    case_file,
    person_audit_log,
    report_from_store,
    run_detection,
    subject_access,
    write_case_file,
    write_subject_access,
)
from spo_tracker.cli import main
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.alerts import Alert, AlertKind, Severity
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.people import Address, ProtectedPerson, RestrictedDetails
from spo_tracker.domain.terms import ExclusionZone
from spo_tracker.errors import InvalidValueError, NotFoundError, UnknownCodeError
from spo_tracker.interchange import export_file
from spo_tracker.storage import (
    Actor,
    AuditEntry,
    InMemoryStore,
    SqlStore,
    Store,
    connect,
    verify,
)
from tests.storage import builders
from tests.storage.conftest import fixed_clock

OFFICER = Actor("PC 4471", "officer", purpose="safeguarding review of SPO-1001")
#: Subject access and the person's audit log are for a supervisor (the permission table).
DISCLOSER = Actor("DS 12", "supervisor", purpose="subject access request (DPA 2018 s.45)")
LATER = NOW.add(hours=3)
ESCALATION = "AL-6fa3ceadc1210fdf7029"


def _since(store: Store, head: int) -> list[AuditEntry]:
    return [e for e in store.audit_entries() if e.seq > head]


def _head(store: Store) -> int:
    found = store.audit_head()
    assert found is not None
    return found[0]


def _people_entries(entries: list[AuditEntry]) -> list[AuditEntry]:
    """The consultation and disclosure entries: those naming people in their changes."""
    return [e for e in entries if '"people":' in e.changes]


def _people(entry: AuditEntry) -> dict[str, list[str]]:
    people: dict[str, list[str]] = json.loads(entry.changes)["people"]
    return people


def _one(store: Store, head: int, actor: Actor = OFFICER) -> AuditEntry:
    (entry,) = _people_entries(_since(store, head))
    assert json.loads(entry.changes)["purpose"] == actor.purpose
    assert (entry.actor_id, entry.actor_role) == (actor.actor_id, actor.role)
    return entry


# -- consultation: reads of people's records ------------------------------------------------


def test_reads_of_people_are_one_consultation_entry_even_without_commit(
    empty_store: Store,
) -> None:
    """Reading a defendant and a protected person, twice, is one persons.consulted entry
    naming both by id, with the purpose, though nothing is committed."""
    store = empty_store
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.defendants.add(builders.defendant("D1"))
        uow.protected_persons.add(builders.person("P1"))
        uow.commit()
    head = _head(store)
    with store.unit_of_work(OFFICER, at=LATER) as uow:
        uow.defendants.get("D1")
        uow.protected_persons.get("P1", reason="risk")
        uow.defendants.get_many(["D1"])
        uow.protected_persons.get_name("P1")
    entry = _one(store, head)
    assert entry.event == "persons.consulted"
    assert _people(entry) == {"defendants": ["D1"], "protected_persons": ["P1"]}
    assert "Jane Doe" not in entry.changes
    assert "Safe House" not in entry.changes


def test_a_unit_of_work_reading_nobody_writes_no_consultation(empty_store: Store) -> None:
    """Reading orders or ids only is no consultation of a person's record."""
    head = _head(empty_store)
    with empty_store.unit_of_work(OFFICER, at=LATER) as uow:
        assert uow.defendants.ids() == []
        uow.commit()
    assert _since(empty_store, head) == []


# -- one entry per call: reports, case files, exports, alert details ------------------------


def test_a_report_is_one_disclosure_naming_the_people_it_shows(
    demo_store: Store, tmp_path: Path
) -> None:
    """However many alerts and people a report reads, it is one report.written entry naming
    the defendants and protected persons of its alerts."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    head = _head(demo_store)
    report_from_store(demo_store, at=NOW, actor=OFFICER, fmt="json", output=tmp_path / "r.json",
                      stored=True)  # fmt: skip
    entry = _one(demo_store, head)
    assert entry.event == "report.written"
    shown = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert shown["alerts"]
    defendants = {a["defendant_id"] for a in shown["alerts"]}
    assert set(_people(entry)["defendants"]) == defendants


def test_a_case_file_is_one_disclosure_naming_the_defendant_and_protected_persons(
    demo_store: Store, tmp_path: Path
) -> None:
    """case_file and write_case_file each write exactly one entry naming D-1001 and P-1001."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    for read in (
        lambda: case_file(demo_store, "D-1001", at=LATER, actor=OFFICER),
        lambda: write_case_file(
            demo_store, "D-1001", at=LATER, actor=OFFICER, fmt="json", output=tmp_path / "c.json"
        ),
    ):
        head = _head(demo_store)
        read()
        people = _people(_one(demo_store, head))
        assert people["defendants"] == ["D-1001"]
        assert "P-1001" in people["protected_persons"]


def test_an_export_is_one_disclosure_naming_everyone_exported(
    demo_store: Store, tmp_path: Path
) -> None:
    """An interchange export is one interchange.exported entry naming every person in it."""
    head = _head(demo_store)
    export_file(demo_store, tmp_path / "e.jsonl", actor=OFFICER, at=LATER)
    entry = _one(demo_store, head)
    assert entry.event == "interchange.exported"
    with demo_store.unit_of_work(DEMO_ACTOR, at=LATER) as uow:
        everyone = {
            "defendants": uow.defendants.ids(),
            "protected_persons": uow.protected_persons.ids(),
        }
    assert _people(entry) == everyone


def test_an_alert_detail_is_one_consultation_of_the_people_it_shows(demo_store: Store) -> None:
    """The detail of an alert names its defendant and protected persons in one entry."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    head = _head(demo_store)
    detail = alert_detail(demo_store, ESCALATION, actor=OFFICER, at=LATER)
    people = _people(_one(demo_store, head))
    assert people["defendants"] == [detail.entry.alert.defendant_id]
    assert set(detail.entry.alert.protected_person_ids) <= set(people["protected_persons"])


# -- the person's audit log -----------------------------------------------------------------


def test_the_audit_log_lists_every_consultation_and_disclosure_in_order(
    demo_store: Store, tmp_path: Path
) -> None:
    """Case file, export and subject access of D-1001 appear in its log, in order, with who,
    role, operation and purpose; a defendant not covered does not."""
    head = _head(demo_store)
    write_case_file(demo_store, "D-1001", at=LATER, actor=OFFICER, fmt="html",
                    output=tmp_path / "c.html")  # fmt: skip
    export_file(demo_store, tmp_path / "e.jsonl", actor=OFFICER, at=LATER)
    subject_access(demo_store, "D-1001", at=LATER, actor=DISCLOSER)
    lines = person_audit_log(demo_store, "D-1001", actor=DISCLOSER)
    recent = [line for line in lines if line.seq > head]
    assert [(x.event, x.operation) for x in recent] == [
        ("casefile.written", "disclosed"),
        ("interchange.exported", "disclosed"),
        ("subject_access.disclosed", "disclosed"),
    ]
    assert [(x.role, x.purpose) for x in recent] == [
        ("officer", OFFICER.purpose),
        ("officer", OFFICER.purpose),
        ("supervisor", DISCLOSER.purpose),
    ]
    assert [x.seq for x in lines] == sorted(x.seq for x in lines)
    assert lines[0].event == "defendant.created"
    assert recent[0].london.endswith("GMT")
    other = person_audit_log(demo_store, "D-1002", actor=DISCLOSER)
    assert not any(x.event == "casefile.written" for x in other)


def test_the_audit_log_of_an_unknown_id_is_empty_and_a_blank_id_is_refused(
    empty_store: Store,
) -> None:
    """An id never stored lists nothing (a disposed record's log is kept); blank is an error."""
    assert person_audit_log(empty_store, "NOBODY", actor=DISCLOSER) == ()
    with pytest.raises(InvalidValueError, match="person_id"):
        person_audit_log(empty_store, " ", actor=DISCLOSER)


def test_spo_tracker_audit_log_prints_the_persons_entries(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command lists London and UTC time, who, role, operation and purpose, in order."""
    assert main(["--database", sqlite_url, "demo", "--output", str(tmp_path / "demo"), "-q"]) == 0
    capsys.readouterr()
    out = tmp_path / "sar.json"
    given = ["--database", sqlite_url, "--role", "supervisor"]
    assert main([*given, "sar", "D-1001", "--output", str(out)]) == 0
    capsys.readouterr()
    assert main([*given, "audit", "log", "--person", "D-1001"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "collected: defendant.created" in lines[0]
    assert "disclosed: subject_access.written" in lines[-2]
    assert "(supervisor)" in lines[-2]
    assert "UTC)" in lines[-2]
    assert "purpose: subject access request (DPA 2018 s.45)" in lines[-2]
    assert main([*given, "audit", "log", "--person", "D-1001", "--format",
                 "json"]) == 0  # fmt: skip
    listed = json.loads(capsys.readouterr().out)
    assert listed[-1]["event"] == "subject_access.written"
    assert [x["seq"] for x in listed] == sorted(x["seq"] for x in listed)


# -- subject access -------------------------------------------------------------------------


def _secrets(person: ProtectedPerson) -> list[str]:
    address = person.restricted.address
    assert address is not None
    labels = [label for label, _ in person.restricted.places]
    return [person.name, *address.lines, address.postcode, *labels, person.person_id]


def test_a_defendants_export_holds_their_data_and_withholds_the_victims(
    demo_store: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """D-1001's export holds their names, identities, orders, incidents and alerts, never
    P-1001's name, address, postcode, places or id; the file is 0600 and one disclosure."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    head = _head(demo_store)
    written = write_subject_access(demo_store, "D-1001", at=LATER, actor=DISCLOSER,
                                   output=tmp_path / "sar.json")  # fmt: skip
    assert stat.S_IMODE(os.stat(written.path).st_mode) == 0o600
    data = written.path.read_bytes()
    content = json.loads(data)
    defendant = next(d for d in scenario.defendants if d.defendant_id == "D-1001")
    assert content["record"]["names"][0]["name"] == defendant.display_name
    assert content["orders"]
    assert content["alerts"]
    assert content["incidents"]
    assert len(content["identities"]) == len(defendant.identities)
    # A link may rest on what the victim reported: kinds and times only, never the values.
    assert {i["value"] for i in content["identities"]} == {"[withheld: DPA 2018 s.45(4)]"}
    for linked in defendant.identities:
        assert linked.identity.value.encode() not in data
    person = next(p for p in scenario.protected_persons if p.person_id == "P-1001")
    court = content["orders"][0]["court"]  # public record: its town may be an address line
    for secret in _secrets(person):
        assert secret in court or secret.encode() not in data
    entry = _one(demo_store, head, DISCLOSER)
    assert (entry.event, _people(entry)) == ("subject_access.written", {"defendants": ["D-1001"]})


def test_a_protected_persons_export_holds_their_details_and_names_the_defendant_only(
    demo_store: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """P-1001's export holds their own address and places, the orders protecting them and
    the defendant's id and name as the order names them, never the defendant's identities."""
    found = subject_access(demo_store, "P-1001", at=LATER, actor=DISCLOSER)
    text = found.render("html")
    person = next(p for p in scenario.protected_persons if p.person_id == "P-1001")
    for secret in _secrets(person):
        assert secret in text or secret.replace("'", "&#x27;") in text
    defendant = next(d for d in scenario.defendants if d.defendant_id == "D-1001")
    assert found.content["orders"][0]["defendant"]["name"] == defendant.display_name
    for linked in defendant.identities:
        assert linked.identity.value not in text
    assert defendant.date_of_birth is None or defendant.date_of_birth.isoformat() not in text
    (entry,) = [e for e in demo_store.audit_entries() if e.event == "subject_access.disclosed"]
    assert _people(entry) == {"defendants": ["D-1001"], "protected_persons": ["P-1001"]}


def test_subject_access_of_an_unknown_person_is_a_typed_error_and_notes_nothing(
    empty_store: Store, tmp_path: Path
) -> None:
    """NotFoundError naming the id; no entry, no file."""
    head = _head(empty_store)
    with pytest.raises(NotFoundError, match="NOBODY"):
        subject_access(empty_store, "NOBODY", at=LATER, actor=DISCLOSER)
    with pytest.raises(NotFoundError, match="NOBODY"):
        write_subject_access(empty_store, "NOBODY", at=LATER, actor=DISCLOSER,
                             output=tmp_path / "x.json")  # fmt: skip
    with pytest.raises(UnknownCodeError):
        write_subject_access(empty_store, "NOBODY", at=LATER, actor=DISCLOSER, fmt="pdf",
                             output=tmp_path / "x.pdf")  # fmt: skip
    assert _since(empty_store, head) == []
    assert not list(tmp_path.glob("x.*"))
    assert not list(tmp_path.glob(".x.*"))


# -- the property: a defendant's export never holds a protected person's details --------------

_WORD = st.from_regex(r"[a-z]{4,8}", fullmatch=True)


@st.composite
def _victims(draw: st.DrawFn) -> list[ProtectedPerson]:
    count = draw(st.integers(1, 3))
    people = []
    for n in range(count):
        first, last, street, place = (draw(_WORD) for _ in range(4))
        postcode = f"QZ{draw(st.integers(1, 9))} {draw(st.integers(1, 9))}Q{chr(65 + n)}"
        address = Address((f"{draw(st.integers(1, 99))} Qy{street} Close", "Qtown"), postcode,
                          GeoPoint(52.45, -1.93))  # fmt: skip
        details = RestrictedDetails(address, ((f"Qw{place}", GeoPoint(52.48, -1.9)),))
        people.append(ProtectedPerson(f"PV{n}{draw(_WORD)}", f"Qz{first} Qv{last}", details))
    return people


def _case(store: Store, victims: list[ProtectedPerson]) -> None:
    """D1's order protecting ``victims``, with their details planted in every free text."""
    ids = tuple(p.person_id for p in victims)
    secret = "; ".join(" ".join(_secrets(p)) for p in victims)
    order = builders.order("O1", "D1", ids)
    zone = ExclusionZone(term_id="T20", zone=Circle(GeoPoint(52.45, -1.93), 200),
                         label=victims[0].restricted.places[0][0])  # fmt: skip
    first = attrs.evolve(order.versions[0], terms=(*order.versions[0].terms, zone))
    order = attrs.evolve(order, versions=(first, *order.versions[1:]))
    order = builders.vary(order, reason=f"varied after {secret}")
    incident = builders.incident(
        "I1", defendant_id="D1", target_person_id=ids[0], summary=f"reported by {secret}",
        evidence_refs=(secret[:200],),
    )  # fmt: skip
    alert = Alert(
        alert_id="AL-1", rule_id="SPO-P01", kind=AlertKind.BREACH, severity=Severity.HIGH,
        defendant_id="D1", order_id="O1", term_id="T1", term_code="SPO-P01",
        section="SPA2019 s.8(1)", title=f"contact with {secret}"[:200],
        explanation=f"near {secret}", evidence_ids=("I1",), identified_at=NOW,
        protected_person_ids=ids,
    )  # fmt: skip
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        uow.defendants.add(builders.defendant("D1", identities=4))
        uow.protected_persons.add_many(victims)
        uow.orders.add(order)
        uow.add_incidents([incident])
        uow.alerts.add(alert)
        uow.commit()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(victims=_victims())
def test_a_defendants_export_never_holds_a_protected_persons_details(
    victims: list[ProtectedPerson],
) -> None:
    """For generated victims planted in every free text, term label and reason of the
    defendant's case, neither format of D1's export holds any name, address line, postcode,
    place label or id of theirs (the bytes are searched)."""
    store = InMemoryStore(clock=fixed_clock)
    _case(store, victims)
    found = subject_access(store, "D1", at=LATER, actor=DISCLOSER)
    assert found.content["incidents"]
    assert found.content["alerts"]
    for fmt in ("json", "html"):
        data = found.render(fmt).encode()
        for person in victims:
            for secret in _secrets(person):
                assert secret.encode() not in data, (fmt, secret)


def test_the_planted_case_is_withheld_on_every_backend(empty_store: Store) -> None:
    """The property's case once on SQLite and PostgreSQL too."""
    details = RestrictedDetails(
        Address(("7 Qyelm Close", "Qtown"), "QZ1 2QA"), (("Qwgym", GeoPoint(52.4, -1.9)),)
    )
    victim = ProtectedPerson("PV0abcd", "Qzalice Qvjones", details)
    _case(empty_store, [victim])
    data = subject_access(empty_store, "D1", at=LATER, actor=DISCLOSER).render("json").encode()
    for secret in _secrets(victim):
        assert secret.encode() not in data


# -- the index stays true to the trail --------------------------------------------------------


def test_deep_verification_names_a_deleted_row_of_the_people_index(sql_demo_url: str) -> None:
    """The demo's trail deep-verifies with its index; deleting one audit_people row (a
    consultation hidden from the log) is a finding."""
    with connect(sql_demo_url, clock=fixed_clock) as store:
        subject_access(store, "D-1001", at=LATER, actor=DISCLOSER)
        assert verify(store, deep=True).findings == ()
        sar = person_audit_log(store, "D-1001", actor=DISCLOSER)[-1].seq
        assert isinstance(store, SqlStore)
        with store.engine.begin() as conn:
            conn.execute(sa.text(f"DELETE FROM audit_people WHERE seq = {sar}"))
        report = verify(store, deep=True)
        assert any(f.startswith("audit_people:") for f in report.findings)
        assert person_audit_log(store, "D-1001", actor=DISCLOSER)[-1].seq < sar
