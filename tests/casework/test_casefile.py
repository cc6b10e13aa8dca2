"""A case file per defendant: gathered in one audited read, rendered as HTML, JSON and CSV,
redacted exactly as reports are."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import (
    case_file,
    decide_appeal,
    review_alert,
    run_detection,
    vary_order,
    write_case_file,
)
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.appeals import Party
from spo_tracker.domain.orders import Duration
from spo_tracker.errors import NotFoundError, OutputOntoDatabaseError, UnknownCodeError
from spo_tracker.reports import EVIDENCE_COLUMNS, case_file_view, render_case_file
from spo_tracker.storage import Actor, InMemoryStore, Store, connect, database_files
from tests.casework.builders import store_scenario

OFFICER = Actor("PC 4471", "officer", purpose="tests")
#: The demo's breach of SPO-1001 T1 (a platform ban): 104 messages on one London day.
BAN = "AL-e16438f369730d61fbb3"
ESCALATION = "AL-6fa3ceadc1210fdf7029"
VARIED = NOW.add(hours=2)
LATER = NOW.add(hours=3)
#: Written into free text by a careless officer: none of it may reach a case file.
COORDINATES = "52.4862, -1.8904"


def _restricted(scenario: Scenario) -> list[str]:
    """P-1001's name, address lines and postcode: what must never appear, redacted.

    A line that is only the town in the court's name (``Birmingham``) is left out: the
    court is shown, as in reports (public record, not the person's detail).
    """
    person = next(p for p in scenario.protected_persons if p.person_id == "P-1001")
    address = person.restricted.address
    assert address is not None
    court = next(o.court for o in scenario.orders if o.order_id == "SPO-1001")
    lines = [line for line in address.lines if line not in court]
    assert len(lines) >= 1
    return [person.name, *lines, address.postcode]


def _places(scenario: Scenario) -> list[str]:
    return _restricted(scenario)[1:]


def _work_the_case(store: Store, scenario: Scenario) -> None:
    """Detect, refer the ban breach with a note naming the victim and her address, and vary
    SPO-1001 (the programme requirement T3 removed, a note of the court's)."""
    run_detection(store, at=NOW, actor=DEMO_ACTOR)
    name, line, *_, postcode = _restricted(scenario)
    note = f"spoke to {name} at {line}, {postcode} ({COORDINATES})"
    review_alert(store, BAN, outcome="referred", reason=note, referral_reference="20/1234/26",
                 at=NOW.add(hours=1), actor=OFFICER)  # fmt: skip
    order = next(o for o in scenario.orders if o.order_id == "SPO-1001")
    vary_order(
        store, "SPO-1001", at=VARIED, actor=OFFICER,
        applied_by=Party.chief_officer(order.applicant), terms=order.terms[:2],
        reason=f"programme completed; {name} informed",
    )  # fmt: skip


def _all_formats(store: Store, tmp_path: Path, *, names: bool = False) -> dict[str, str]:
    texts = {}
    for fmt in ("html", "json", "csv"):
        written = write_case_file(
            store, "D-1001", at=LATER, actor=OFFICER, fmt=fmt,
            output=tmp_path / f"case.{fmt}", include_protected_names=names,
        )  # fmt: skip
        texts[fmt] = written.path.read_text(encoding="utf-8")
    return texts


def test_the_case_file_holds_the_defendants_orders_alerts_reviews_and_evidence(
    demo_store: Store, scenario: Scenario
) -> None:
    """Only D-1001's records: one order with both versions, two alerts, 104 incidents."""
    _work_the_case(demo_store, scenario)
    case = case_file(demo_store, "D-1001", at=LATER, actor=OFFICER)
    assert [o.order_id for o in case.orders] == ["SPO-1001"]
    assert [v.number for v in case.orders[0].versions] == [1, 2]
    assert [a.alert.alert_id for a in case.alerts] == sorted([BAN, ESCALATION])
    ban = next(a for a in case.alerts if a.alert.alert_id == BAN)
    assert [r.referral_reference for r in ban.rounds] == ["20/1234/26"]
    assert len(case.evidence) == 104
    assert {a.defendant_id for a in (c.alert for c in case.alerts)} == {"D-1001"}
    times = [e.incident.occurred_at for e in case.evidence]
    assert times == sorted(times)


def test_the_time_axis_shows_the_orders_life_versions_incidents_per_day_and_outcomes(
    demo_store: Store, scenario: Scenario
) -> None:
    """Made, served, version 2 with what changed, a day of 104 incidents, the referral."""
    _work_the_case(demo_store, scenario)
    view = case_file_view(case_file(demo_store, "D-1001", at=LATER, actor=OFFICER))
    lines = [(e.kind, e.subject, e.text) for e in view.timeline]
    assert lines[0][:2] == ("order", "SPO-1001")
    assert "made by" in lines[0][2]
    assert ("order", "SPO-1001", "served on the defendant") in lines
    assert ("incidents", "2026-03-14", "104 incidents relied on as evidence") in lines
    varied = next(t for k, _, t in lines if k == "terms")
    assert varied.startswith("version 2 (varied): removed T3")
    decided = next(t for k, s, t in lines if k == "review" and s == BAN)
    assert "confirmed referred, by PC 4471, reference 20/1234/26" in decided
    instants = [e.at.timestamp() for e in view.timeline]
    assert instants == sorted(instants)


def test_the_terms_in_force_are_given_for_each_version_with_its_span(
    demo_store: Store, scenario: Scenario
) -> None:
    """Version 1 binds until the variation's instant; version 2 from then, without T3."""
    _work_the_case(demo_store, scenario)
    view = case_file_view(case_file(demo_store, "D-1001", at=LATER, actor=OFFICER))
    first, second = view.terms
    assert (first.version, first.end, second.version, second.start) == (1, VARIED, 2, VARIED)
    assert (len(first.terms), len(second.terms), second.end) == (3, 2, None)
    assert second.changes == ("removed T3",)
    assert first.period == second.period
    assert first.period.startswith("2 years, last day: ")
    assert first.period.endswith(" (London)")
    assert "Protected person P-1001" in first.terms[1]


def test_a_case_file_as_of_an_earlier_instant_leaves_out_what_came_later(
    demo_store: Store, scenario: Scenario
) -> None:
    """As of before the variation and the decision: version 1 still binding, no decision."""
    _work_the_case(demo_store, scenario)
    view = case_file_view(case_file(demo_store, "D-1001", at=NOW, actor=OFFICER))
    assert [(p.version, p.end) for p in view.terms] == [(1, None)]
    assert [e for e in view.timeline if e.kind in ("terms", "review")] == []
    assert all(e.at <= NOW for e in view.timeline)
    ban = next(e.text for e in view.timeline if e.subject == BAN)
    assert ban.endswith("review: not decided by then")


def test_the_notification_duty_history_is_on_the_time_axis(demo_store: Store) -> None:
    """D-1004's duty: the notification in person and the item it closed (SPA2019 s.9-s.10)."""
    view = case_file_view(case_file(demo_store, "D-1004", at=NOW, actor=OFFICER))
    duty = [e.text for e in view.timeline if e.kind == "duty"]
    assert any(t.startswith("notified in person at") for t in duty)
    assert "initial (SPA2019 s.9(1)) closed: notified; last day: Wed 14 Jan 2026 (London)" in duty
    assert {t.order_id for t in view.terms} == {"SPO-1004", "SPO-1004-I"}


def test_an_overdue_notification_is_on_the_time_axis_from_the_end_of_its_last_day(
    demo_store: Store,
) -> None:
    """D-1003 never notified: the failure shows at the end of the last day (s.11(1)(a))."""
    view = case_file_view(case_file(demo_store, "D-1003", at=NOW, actor=OFFICER))
    overdue = [(e.at, e.text) for e in view.timeline if e.kind == "duty"]
    assert overdue == [
        (
            pendulum.datetime(2026, 3, 12, tz="Europe/London"),
            "initial (SPA2019 s.9(1)) not notified in time, last day: Wed 11 Mar 2026 (London); "
            "still outstanding",
        )
    ]


def test_the_evidence_schedule_says_when_in_london_and_how_each_incident_was_attributed(
    demo_store: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """One CSV row per incident: UTC and London times in whole seconds, the attribution."""
    _work_the_case(demo_store, scenario)
    text = _all_formats(demo_store, tmp_path)["csv"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == EVIDENCE_COLUMNS
    assert len(rows) == 104
    first = rows[0]
    assert (first["incident_id"], first["occurred_utc"]) == (
        "DEMO-1001-001",
        "2026-03-14T07:14:05Z",
    )
    assert first["occurred_london"] == "2026-03-14T07:14:05+00:00"
    assert first["attribution"] == (
        "identity handle:instagram:truth_teller_2026 linked to D-1001 on Tue 17 Mar 2026 "
        "(London), source officer"
    )
    assert first["alert_ids"] == " ".join(sorted([BAN, ESCALATION]))


def test_no_restricted_value_appears_in_any_format(
    demo_store: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """The victim's name, address lines, postcode and planted coordinates never appear."""
    _work_the_case(demo_store, scenario)
    texts = _all_formats(demo_store, tmp_path)
    for fmt, text in texts.items():
        for secret in [*_restricted(scenario), COORDINATES, "52.4862"]:
            assert secret.casefold() not in text.casefold(), (fmt, secret)
    assert "Protected person P-1001" in texts["html"]
    document = json.loads(texts["json"])
    assert document["protected_person_names"] == "redacted"
    assert any("[name redacted]" in e["text"] for e in document["timeline"])


def test_names_only_when_asked_and_addresses_never(
    demo_store: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """With names included the victim is named; her address and the coordinates still never."""
    _work_the_case(demo_store, scenario)
    texts = _all_formats(demo_store, tmp_path, names=True)
    assert "Sarah Collins" in texts["html"]
    assert "Sarah Collins" in texts["json"]
    for fmt, text in texts.items():
        for secret in [*_places(scenario), COORDINATES]:
            assert secret.casefold() not in text.casefold(), (fmt, secret)


def test_the_file_is_private_and_the_writing_is_audited_with_its_digest(
    demo_store: Store, tmp_path: Path
) -> None:
    """0600, and the audit trail notes the read and the file with its SHA-256."""
    written = write_case_file(
        demo_store, "D-1001", at=NOW, actor=OFFICER, fmt="json", output=tmp_path / "c.json"
    )
    assert stat.S_IMODE(os.stat(written.path).st_mode) == 0o600
    notes = [e for e in demo_store.audit_entries() if e.event == "casefile.written"]
    changes = [json.loads(n.changes) for n in notes]
    assert [(n.subject_id, c["sha256"]) for n, c in zip(notes, changes, strict=True)] == [
        ("D-1001", written.sha256)
    ]
    assert changes[0]["protected_person_names"] == "redacted"


def test_case_file_notes_the_read_as_a_disclosure(demo_store: Store) -> None:
    """Gathering alone is audited: who read which defendant's case file, and what it held."""
    case_file(demo_store, "D-1001", at=NOW, actor=OFFICER)
    notes = [e for e in demo_store.audit_entries() if e.event == "casefile.read"]
    assert [(n.subject_id, n.actor_id) for n in notes] == [("D-1001", "PC 4471")]
    assert json.loads(notes[0].changes)["orders"] == ["SPO-1001"]


def _trail(store: Store) -> list[str]:
    return [e.entry_hash for e in store.audit_entries()]


def test_an_unknown_defendant_is_a_typed_error_naming_it_and_nothing_is_written(
    demo_store: Store, tmp_path: Path
) -> None:
    """NotFoundError names D-9999; no file, no case-file note."""
    before = _trail(demo_store)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(NotFoundError, match="D-9999") as caught:
        write_case_file(demo_store, "D-9999", at=NOW, actor=OFFICER, fmt="html",
                        output=folder / "case.html")  # fmt: skip
    assert caught.value.key == "D-9999"
    assert list(folder.iterdir()) == []
    after = [e for e in demo_store.audit_entries() if e.event.startswith("casefile.")]
    assert after == []
    assert _trail(demo_store) == before


def test_an_unknown_format_is_refused_before_anything_is_read(
    demo_store: Store, tmp_path: Path
) -> None:
    """UnknownCodeError names the format; nothing is written or noted."""
    before = _trail(demo_store)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(UnknownCodeError, match="pdf"):
        write_case_file(demo_store, "D-1001", at=NOW, actor=OFFICER, fmt="pdf",
                        output=folder / "c.pdf")  # fmt: skip
    assert list(folder.iterdir()) == []
    assert _trail(demo_store) == before


def test_render_refuses_an_unknown_format(demo_store: Store) -> None:
    """The renderer names the format it does not know."""
    view = case_file_view(case_file(demo_store, "D-1001", at=NOW, actor=OFFICER))
    with pytest.raises(UnknownCodeError, match="xml"):
        render_case_file(view, "xml")


def test_a_case_file_onto_the_database_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    """The output may not be the SQLite database file; nothing is written or noted."""
    with connect(sqlite_url) as store:
        before = _trail(store)
        target = database_files(store)[0]
        size = target.stat().st_size
        with pytest.raises(OutputOntoDatabaseError):
            write_case_file(store, "D-1001", at=NOW, actor=OFFICER, fmt="csv", output=target)
        assert _trail(store) == before
        assert target.stat().st_size == size


def test_hostile_text_is_escaped_in_the_html(demo_store: Store, scenario: Scenario) -> None:
    """A review note holding markup shows as text."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    review_alert(demo_store, BAN, outcome="warning", reason="<script>alert(1)</script>",
                 at=NOW.add(hours=1), actor=OFFICER)  # fmt: skip
    view = case_file_view(case_file(demo_store, "D-1001", at=LATER, actor=OFFICER))
    html = render_case_file(view, "html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_appeals_and_the_end_of_an_order_are_on_the_time_axis(demo_store: Store) -> None:
    """A pending appeal with who lodged it (s.7, no stay), its outcome as a version varied on
    appeal; an interim order's end with its reason (s.5(6)(b))."""
    before = case_file_view(case_file(demo_store, "D-1006", at=NOW, actor=OFFICER))
    appeal = [e.text for e in before.timeline if e.kind == "appeal"]
    assert appeal == [
        "appeal to the Crown Court lodged by the defendant against the making "
        "(SPA2019 s.7; the order is not stayed)"
    ]
    decide_appeal(demo_store, "SPO-1006", "varied", duration=Duration(years=3), at=VARIED,
                  actor=OFFICER)  # fmt: skip
    after = case_file_view(case_file(demo_store, "D-1006", at=LATER, actor=OFFICER))
    versions = [e.text for e in after.timeline if e.kind == "terms"]
    assert len(versions) == 1
    assert versions[0].startswith("version 2 (varied on appeal): fixed period now 3 years")
    interim = case_file_view(case_file(demo_store, "D-1004", at=NOW, actor=OFFICER))
    ended = [e.text for e in interim.timeline if e.subject == "SPO-1004-I" and e.kind == "order"]
    assert ended[-1] == "order ended: ceased: main application granted (s.5(6)(b))"


_WORDS = st.text(alphabet=st.sampled_from("abcdefghij .,!?0123456789"), max_size=20)


@given(
    before=_WORDS,
    after=_WORDS,
    pick=st.integers(min_value=0, max_value=10),
    shout=st.booleans(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_restricted_value_in_any_summary_never_reaches_any_format(
    scenario: Scenario, before: str, after: str, pick: int, shout: bool
) -> None:
    """Whatever surrounds it, a protected person's detail in free text is scrubbed."""
    store = InMemoryStore()
    store_scenario(store, scenario)
    run_detection(store, at=NOW, actor=DEMO_ACTOR)
    case = case_file(store, "D-1001", at=NOW, actor=OFFICER)
    secrets = _restricted(scenario)
    secret = secrets[pick % len(secrets)]
    planted = secret.upper() if shout else secret
    first = case.evidence[0]
    text = f"{before} {planted} {after}".strip()
    evidence = (attrs.evolve(first, incident=attrs.evolve(first.incident, summary=text)),)
    view = case_file_view(attrs.evolve(case, evidence=evidence))
    for fmt in ("html", "json", "csv"):
        assert secret.casefold() not in render_case_file(view, fmt).casefold(), fmt
