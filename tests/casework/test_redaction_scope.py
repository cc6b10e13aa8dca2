"""Whom a report or a case file scrubs its text of (a hostile review, 7 December 2026).

- Every person the defendant's orders protect, not only the alert's own order's: an
  incident about one victim may write the address of another the same defendant is
  ordered to leave alone.
- A person whose details can no longer be read (their key destroyed): text that may be
  about them is withheld in a case file, as in a report and an export.
- The places a person frequents (their labels are restricted, as their positions are).
- In a case file, the library's own wording with names (a zone label naming the person),
  a review's referral reference and who decided it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import pendulum
import pytest

from spo_tracker import casework
from spo_tracker.domain.alerts import Alert, AlertKind, Severity
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.identities import handle
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import (
    Address,
    Defendant,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
)
from spo_tracker.domain.redaction import WITHHELD, ForceScrubber, Redactor
from spo_tracker.domain.terms import ExclusionZone, NoContact, Term
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import Actor, InMemoryStore, Store, shred_person_key
from tests.detection.builders import make_order

LONDON: Final = "Europe/London"
MADE: Final = pendulum.datetime(2026, 3, 2, 10, 30, tz=LONDON)
NOW: Final = pendulum.datetime(2026, 3, 20, 9, tz=LONDON)
OFFICER: Final = Actor("PC 4471", "officer", purpose="tests")
SUPERVISOR: Final = Actor("DS 12", "supervisor", purpose="tests")
GYM: Final = "Harborne Leisure Centre"
P7: Final = ProtectedPerson(
    "P7",
    "Sarah Collins",
    RestrictedDetails(
        address=Address(("14 Wren Close",), "B17 0QT", GeoPoint(52.4589, -1.9546)),
        places=((GYM, GeoPoint(52.46, -1.95)),),
    ),
)
P8: Final = ProtectedPerson(
    "P8",
    "Nadia Okafor",
    RestrictedDetails(address=Address(("3 Lark Rise",), "B29 6PL", GeoPoint(52.43, -1.93))),
)
ACCOUNT: Final = handle("instagram", "new_account")
P7_SECRETS: Final = ("Wren", "B17", "0QT", "Sarah", "Collins", "Leisure")
P8_SECRETS: Final = ("Lark", "B29", "6PL", "Nadia", "Okafor")


def _order(order_id: str, person: str, *terms: Term) -> Order:
    """An order against D7 protecting ``person`` (no contact with them unless ``terms``)."""
    chosen = terms or (NoContact(term_id="T1", persons=(person,)),)
    return make_order(
        *chosen, order_id=order_id, defendant_id="D7", made_at=MADE, persons=(person,)
    )


def _store(
    *orders: Order,
    summary: str,
    target: str | None = None,
    term_id: str = "T1",
    title: str = "Suspected contact",
    source: str | None = None,
    refs: tuple[str, ...] = (),
    location: GeoPoint | None = None,
    explanation: str = "One incident appears to breach term T1.",
) -> Store:
    """D7 under ``orders``, one incident with ``summary`` and a stored alert on SPO-7's
    ``term_id``; with ``source``, the incident was sent from an account linked to D7 on
    that source's word."""
    store = InMemoryStore()
    defendant = Defendant("D7", (NameUse("Mark Ellison"),))
    if source is not None:
        defendant = defendant.link(ACCOUNT, MADE.add(days=1), source)
    with store.unit_of_work(OFFICER, at=MADE) as uow:
        uow.defendants.add(defendant)
        uow.protected_persons.add_many([P7, P8])
        uow.orders.add_many(list(orders))
        uow.commit()
    incident = Incident(
        incident_id="CAD-1",
        occurred_at=pendulum.datetime(2026, 3, 14, 7, tz=LONDON),
        kind="message",
        defendant_id=None if source is not None else "D7",
        actor=None if source is None else ACCOUNT,
        target_person_id=target,
        summary=summary,
        evidence_refs=refs,
        location=location,
    )
    casework.ingest(store, [incident], actor=OFFICER, at=NOW)
    alert = Alert(
        alert_id="AL-1",
        rule_id="breach.no_contact",
        kind=AlertKind.BREACH,
        severity=Severity.HIGH,
        defendant_id="D7",
        order_id="SPO-7",
        term_id=term_id,
        term_code="SPO-P01",
        section="SPA2019 s.8(1)",
        title=title,
        explanation=explanation,
        evidence_ids=("CAD-1",),
        identified_at=NOW,
        protected_person_ids=("P7",),
    )
    with store.unit_of_work(OFFICER, at=NOW) as uow:
        uow.alerts.add(alert)
        uow.commit()
    return store


def _reports(store: Store, tmp_path: Path) -> dict[str, str]:
    """The stored-alert report and D7's case file, in every format, by name."""
    texts = {}
    for fmt in ("html", "json", "csv"):
        casework.report_from_store(
            store, at=NOW.add(hours=1), actor=SUPERVISOR, fmt=fmt, stored=True,
            output=tmp_path / f"report.{fmt}",
        )  # fmt: skip
        texts[f"report.{fmt}"] = (tmp_path / f"report.{fmt}").read_text(encoding="utf-8")
        written = casework.write_case_file(
            store, "D7", at=NOW.add(hours=2), actor=SUPERVISOR, fmt=fmt,
            output=tmp_path / f"case.{fmt}",
        )  # fmt: skip
        texts[f"case.{fmt}"] = written.path.read_text(encoding="utf-8")
    return texts


def _shown(texts: dict[str, str], secrets: tuple[str, ...]) -> dict[str, list[str]]:
    found = {k: [s for s in secrets if s.lower() in t.lower()] for k, t in texts.items()}
    return {k: v for k, v in found.items() if v}


def test_text_about_one_victim_is_scrubbed_of_another_the_defendant_must_leave_alone(
    tmp_path: Path,
) -> None:
    """The alert is on SPO-7 (P7); the message names P8, whom SPO-8 protects from D7, and
    so does a zone label of SPO-7's (a street named without a number is allowed)."""
    summary = "Text to P7: tell Nadia Okafor I know she moved to 3 Lark Rise, B29 6PL"
    zone = ExclusionZone(
        term_id="T2", zone=Circle(GeoPoint(52.40, -1.90), 300.0), label="Lark Rise corner"
    )
    order = _order("SPO-7", "P7", NoContact(term_id="T1", persons=("P7",)), zone)
    for term_id in ("T1", "T2"):  # the report quotes the alert's term
        store = _store(order, _order("SPO-8", "P8"), summary=summary, target="P7", term_id=term_id)
        texts = _reports(store, tmp_path)
        assert _shown(texts, P8_SECRETS) == {}
    assert "corner" in texts["report.json"]
    assert "Text to P7: tell" in texts["report.json"]  # scrubbed, not withheld
    assert "Text to P7: tell" in texts["case.json"]
    assert "corner" in json.dumps(json.loads(texts["case.json"])["terms_in_force"])


def test_a_case_file_withholds_text_that_may_be_about_a_person_whose_key_is_destroyed(
    tmp_path: Path,
) -> None:
    """Once P7's key is destroyed her address cannot be recognised: the summary, aimed at
    no one, is withheld in the case file (it was shown unscrubbed), as in the report."""
    summary = "D7 seen outside 14 Wren Close, B17 0QT, Sarah's house"
    store = _store(_order("SPO-7", "P7"), summary=summary)
    before = _reports(store, tmp_path)
    assert _shown(before, P7_SECRETS) == {}
    assert "D7 seen outside" in before["case.json"]  # scrubbed while the details are readable
    with store.unit_of_work(SUPERVISOR, at=NOW) as uow:
        shred_person_key(uow, "P7", reason="erasure asked for")
        uow.commit()
    after = _reports(store, tmp_path)
    assert _shown(after, P7_SECRETS) == {}
    evidence = json.loads(after["case.json"])["evidence_schedule"]
    assert [row["summary"] for row in evidence] == [WITHHELD]


def test_the_places_a_person_frequents_are_scrubbed_like_their_address(tmp_path: Path) -> None:
    summary = f"D7 waited outside {GYM.upper()}, where she trains"
    store = _store(_order("SPO-7", "P7"), summary=summary, target="P7")
    texts = _reports(store, tmp_path)
    assert _shown(texts, ("Leisure",)) == {}
    assert "where she trains" in texts["case.csv"]
    # The redactor and a default export's scrubber both know the place.
    redactor = Redactor({"P7": P7}, include_names=False)
    for scrubbed in (redactor.scrub(summary, ["P7"]), ForceScrubber({"P7": P7, "P8": P8})(summary)):
        assert scrubbed == "D7 waited outside [location redacted], where she trains"


def test_a_case_files_wording_review_reference_and_decider_are_scrubbed(
    tmp_path: Path,
) -> None:
    """A zone label and an alert's title with P7's surname (an order built without
    ``exposure_warnings``, an alert stored by hand), an identity linked on her word, and a
    review whose reference and decider an officer typed with her postcode and name."""
    zone = ExclusionZone(
        term_id="T2", zone=Circle(GeoPoint(52.40, -1.90), 300.0), label="Collins family home"
    )
    order = _order("SPO-7", "P7", NoContact(term_id="T1", persons=("P7",)), zone)
    source = "Sarah Collins (victim), screenshots"
    store = _store(
        order, summary="a message", target="P7", title="Contact with Collins", source=source
    )
    casework.review_alert(
        store, "AL-1", outcome="referred", reason="referred to CPS",
        referral_reference="CPS B17 0QT", at=NOW.add(minutes=30),
        actor=Actor("Sarah Collins's FLO", "supervisor", purpose="tests"),
    )  # fmt: skip
    texts = _reports(store, tmp_path)
    assert _shown({k: t for k, t in texts.items() if k.startswith("case")}, P7_SECRETS) == {}
    view = json.loads(texts["case.json"])
    assert "family home" in json.dumps(view["terms_in_force"])  # scrubbed, not withheld
    assert "(victim), screenshots" in texts["case.csv"]
    assert "Contact with" in texts["case.html"]


@pytest.mark.parametrize("names", [False, True])
def test_including_names_still_scrubs_places_of_every_order(tmp_path: Path, names: bool) -> None:
    """``include_protected_names`` keeps names, never another victim's address."""
    summary = "Text to P7 about 3 Lark Rise, B29 6PL"
    store = _store(_order("SPO-7", "P7"), _order("SPO-8", "P8"), summary=summary, target="P7")
    written = casework.write_case_file(
        store, "D7", at=NOW.add(hours=2), actor=SUPERVISOR, fmt="json",
        output=tmp_path / "case.json", include_protected_names=names,
    )  # fmt: skip
    text = written.path.read_text(encoding="utf-8")
    assert not [s for s in ("Lark", "B29", "6PL") if s in text]


def test_a_listings_titles_are_scrubbed_of_every_victim_of_the_defendant() -> None:
    """``alert_titles`` (``alerts list``, ``alerts show``, ``scan``) scrubs as a report
    does: a title on SPO-7 naming P8's street, whom SPO-8 protects from D7."""
    title = "Contact near 3 Lark Rise (B29 6PL)"
    store = _store(_order("SPO-7", "P7"), _order("SPO-8", "P8"), summary="x", title=title)
    with store.unit_of_work(OFFICER, at=NOW) as uow:
        alert = uow.alerts.get("AL-1")
    (shown,) = casework.alert_titles(store, [alert], actor=OFFICER, at=NOW)
    assert shown == "Contact near [location redacted] ([location redacted])"


def _detail_texts(detail: casework.AlertDetail) -> dict[str, str]:
    """Every text of an alert's detail an officer is shown, by where it is."""
    texts = {"title": detail.entry.alert.title, "explanation": detail.entry.alert.explanation}
    for review in detail.rounds:
        for field in ("note", "referral_reference", "assignee", "decided_by", "reviewer"):
            texts[f"round {review.round} {field}"] = getattr(review, field) or ""
    for item in detail.evidence:
        incident = item.incident
        texts[f"{incident.incident_id} summary"] = incident.summary
        texts[f"{incident.incident_id} refs"] = " ".join(incident.evidence_refs)
        texts[f"{incident.incident_id} attribution"] = item.attribution
    return texts


def _entry_texts(entry: casework.AlertEntry) -> dict[str, str]:
    """The texts of a listed alert an officer is shown: its wording, case owner, review."""
    assert entry.owner is not None
    assert entry.review is not None
    return {
        "title": entry.alert.title,
        "explanation": entry.alert.explanation,
        "officer": entry.owner.officer,
        "unit": entry.owner.unit,
        "assignee": entry.review.assignee or "",
        "note": entry.review.note,
    }


def test_an_alerts_detail_is_redacted_as_a_report_is_unless_asked_not_to() -> None:
    """``alert_detail`` (``alerts show``): a title naming P8's street (another order of
    D7's protects her), a summary and evidence reference with P7's address, an identity
    linked on P7's word, and a review whose note, reference and decider an officer typed
    with P7's and P8's details. Scrubbed by default, as stored with ``redact=False``."""
    store = _store(
        _order("SPO-7", "P7"), _order("SPO-8", "P8"),
        summary="D7 waited outside 14 Wren Close, B17 0QT", target="P7",
        title="Contact near 3 Lark Rise", source="Sarah Collins (victim), screenshots",
        refs=("photo of B17 0QT door",), location=GeoPoint(52.4589, -1.9546),
        explanation="One incident appears to breach term T1 near Okafor.",
    )  # fmt: skip
    casework.review_alert(
        store, "AL-1", outcome="referred", reason="seen at 3 Lark Rise by Nadia Okafor",
        referral_reference="CPS B17 0QT", at=NOW.add(minutes=30),
        actor=Actor("Sarah Collins's FLO", "supervisor", purpose="tests"),
    )  # fmt: skip
    at = NOW.add(hours=1)
    raw = casework.alert_detail(store, "AL-1", actor=OFFICER, at=at, redact=False)
    assert _shown(_detail_texts(raw), (*P7_SECRETS, *P8_SECRETS)) != {}  # it can find them
    assert raw.evidence[0].incident.location is not None
    detail = casework.alert_detail(store, "AL-1", actor=OFFICER, at=at)
    texts = _detail_texts(detail)
    assert _shown(texts, (*P7_SECRETS, *P8_SECRETS)) == {}
    assert detail.evidence[0].incident.location is None
    assert texts["title"] == "Contact near [location redacted]"
    assert texts["explanation"] == "One incident appears to breach term T1 near [name redacted]."
    assert texts["round 1 note"] == "seen at [location redacted] by [name redacted]"
    assert texts["CAD-1 summary"] == "D7 waited outside [location redacted], [location redacted]"
    assert "(victim), screenshots" in texts["CAD-1 attribution"]
    assert detail.entry.review == detail.rounds[-1]
    # The stored records are unchanged.
    assert casework.alert_detail(store, "AL-1", actor=OFFICER, at=at, redact=False) == raw


def test_an_alerts_detail_withholds_free_text_about_a_person_whose_key_is_destroyed() -> None:
    store = _store(_order("SPO-7", "P7"), summary="outside 14 Wren Close", target="P7")
    casework.review_alert(
        store, "AL-1", outcome="warning", reason="warned: keep away from 14 Wren Close",
        at=NOW.add(minutes=30), actor=SUPERVISOR,
    )  # fmt: skip
    with store.unit_of_work(SUPERVISOR, at=NOW) as uow:
        shred_person_key(uow, "P7", reason="erasure asked for")
        uow.commit()
    detail = casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW.add(hours=1))
    assert detail.rounds[0].note == WITHHELD
    assert detail.evidence[0].incident.summary == WITHHELD


def test_an_alerts_detail_withholds_a_summary_too_long_once_scrubbed() -> None:
    """A summary at the length limit whose scrubbed form is longer (each postcode becomes
    a longer mark) is withheld whole, not refused: the detail is still shown."""
    summary = ("B17 0QT " * 1250)[:10_000]
    store = _store(_order("SPO-7", "P7"), summary=summary, target="P7")
    detail = casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW.add(hours=1))
    assert detail.evidence[0].incident.summary == "[withheld: too long to show redacted]"
    assert _shown(_detail_texts(detail), P7_SECRETS) == {}


def test_alert_detail_refuses_a_redact_that_is_not_a_bool() -> None:
    store = _store(_order("SPO-7", "P7"), summary="x")
    with pytest.raises(InvalidValueError, match="redact"):
        casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW, redact="no")  # type: ignore[arg-type]


def test_an_alerts_detail_is_scrubbed_of_the_person_its_evidence_is_aimed_at() -> None:
    """P8, whom no order against D7 protects, is the incident's target: her address is
    scrubbed from the summary too, as a report scrubs it."""
    store = _store(_order("SPO-7", "P7"), summary="outside 3 Lark Rise, B29 6PL", target="P8")
    detail = casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW.add(hours=1))
    assert detail.evidence[0].incident.summary == "outside [location redacted], [location redacted]"


def test_reading_a_person_to_redact_an_alerts_detail_is_logged_as_a_consultation() -> None:
    """P8 is read only to scrub the detail of an alert about P7 (SPO-8 protects her from
    the same defendant): the read names her in the audit trail (DPA 2018 s.62(1)(c))."""
    store = _store(_order("SPO-7", "P7"), _order("SPO-8", "P8"), summary="x", target="P7")
    auditor = Actor("Auditor 1", "auditor", purpose="tests")
    before = len(casework.person_audit_log(store, "P8", actor=auditor, at=NOW))
    casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW.add(hours=1), redact=False)
    assert len(casework.person_audit_log(store, "P8", actor=auditor, at=NOW)) == before
    casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW.add(hours=1))
    assert len(casework.person_audit_log(store, "P8", actor=auditor, at=NOW)) > before


def test_the_queue_and_detail_scrub_names_in_titles_case_owners_and_assignees(
    tmp_path: Path,
) -> None:
    """A title naming P7 (a zone label typed with her name), a case owner and an assignee
    typed with her name and address: the queue (``list_alerts``, ``alerts list``) and the
    detail show none of it, as a report would not; ``redact=False`` shows it as stored."""
    store = _store(_order("SPO-7", "P7"), summary="x", title="Entered zone 'Sarah Collins home'")
    casework.assign_case(
        store, "SPO-7", officer="FLO for Sarah Collins", unit="14 Wren Close, B17 0QT",
        force="West Midlands", at=NOW, actor=SUPERVISOR,
    )  # fmt: skip
    casework.assign_alert(store, "AL-1", to="Sarah Collins", at=NOW, actor=SUPERVISOR)
    at = NOW.add(hours=1)
    (raw,) = casework.list_alerts(store, actor=SUPERVISOR, at=at, redact=False)
    (listed,) = casework.list_alerts(store, actor=SUPERVISOR, at=at)
    detail = casework.alert_detail(store, "AL-1", actor=SUPERVISOR, at=at)
    for entry, expect_secrets in ((raw, True), (listed, False), (detail.entry, False)):
        texts = _entry_texts(entry)
        assert bool(_shown(texts, P7_SECRETS)) is expect_secrets, texts
    assert listed.alert.title == "Entered zone '[name redacted] home'"
    assert listed.owner is not None
    assert listed.owner.unit == "[location redacted], [location redacted]"
    # Filters read the stored values.
    assert casework.list_alerts(store, actor=SUPERVISOR, at=at, officer="FLO for Sarah Collins")


def test_an_unknown_target_withholds_only_its_own_incidents_text() -> None:
    """The evidence is aimed at P99, whose record is not stored: its summary is withheld
    (it cannot be checked), the review's note about nothing of hers is shown."""
    store = _store(_order("SPO-7", "P7"), summary="outside her house", target="P99")
    casework.review_alert(
        store, "AL-1", outcome="warning", reason="warned by phone", at=NOW.add(minutes=30),
        actor=SUPERVISOR,
    )  # fmt: skip
    detail = casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW.add(hours=1))
    assert detail.rounds[0].note == "warned by phone"
    assert detail.evidence[0].incident.summary == WITHHELD


def test_a_reference_too_long_once_scrubbed_withholds_the_references_only() -> None:
    ref = ("B17 0QT " * 25)[:200].strip()
    store = _store(_order("SPO-7", "P7"), summary="seen outside", target="P7", refs=(ref,))
    detail = casework.alert_detail(store, "AL-1", actor=OFFICER, at=NOW.add(hours=1))
    incident = detail.evidence[0].incident
    assert incident.summary == "seen outside"
    assert incident.evidence_refs == ("[reference withheld: too long to show redacted]",)


def test_list_alerts_refuses_a_redact_that_is_not_a_bool() -> None:
    store = _store(_order("SPO-7", "P7"), summary="x")
    with pytest.raises(InvalidValueError, match="redact"):
        casework.list_alerts(store, actor=OFFICER, at=NOW, redact=1)  # type: ignore[arg-type]


def test_the_queue_and_detail_are_scrubbed_of_the_evidences_target_too() -> None:
    """The evidence is aimed at P8, whom no order against D7 protects: a title, an
    explanation, a case owner, an assignee and a note naming her or her street are
    scrubbed in the queue as in the detail (a hostile review found the queue showing
    them, 8 December 2026)."""
    store = _store(
        _order("SPO-7", "P7"), summary="x", target="P8", title="Contact near 3 Lark Rise",
        explanation="Message to Nadia Okafor at B29 6PL.",
    )  # fmt: skip
    casework.assign_case(
        store, "SPO-7", officer="FLO for Nadia Okafor", unit="3 Lark Rise PPU", force="WMP",
        at=NOW, actor=SUPERVISOR,
    )  # fmt: skip
    casework.review_alert(
        store, "AL-1", outcome="warning", reason="seen at 3 Lark Rise by Nadia Okafor",
        at=NOW.add(minutes=30), actor=SUPERVISOR,
    )  # fmt: skip
    at = NOW.add(hours=1)
    (listed,) = casework.list_alerts(store, actor=SUPERVISOR, at=at, status="all")
    detail = casework.alert_detail(store, "AL-1", actor=SUPERVISOR, at=at)
    for entry in (listed, detail.entry):
        texts = _entry_texts(entry)
        assert _shown(texts, P8_SECRETS) == {}, texts
    (raw,) = casework.list_alerts(store, actor=SUPERVISOR, at=at, status="all", redact=False)
    assert raw.review is not None
    assert "Nadia" in raw.review.note
