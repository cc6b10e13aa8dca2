"""Redaction: protected persons' addresses, places and coordinates never appear; names only
when asked for."""

from __future__ import annotations

import re

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection.engine import Detector
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.people import ProtectedPerson
from spo_tracker.domain.redaction import WITHHELD
from spo_tracker.domain.terms import ExclusionZone
from spo_tracker.reports import FORMATS, ReportContext, build_report, render
from tests.reports import builders as b
from tests.reports.builders import (
    ADDRESS_LINE,
    HOME,
    HOSTILE,
    NOW,
    POSTCODE,
    VICTIM,
    VICTIM_NAME,
    world,
)
from tests.reports.strategies import secret_persons

COORDINATE = re.compile(r"-?\d{1,3}\.\d{3,}\s*[,; ]\s*-?\d{1,3}\.\d{3,}")


def leaked(text: str, *secrets: str) -> list[str]:
    """The secrets that appear in ``text`` (none, when redaction works)."""
    return [secret for secret in secrets if secret in text]


def outputs(names: bool = False) -> dict[str, str]:
    """Every format of the hostile world's report."""
    w = world()
    report = build_report(w.alerts, w.context, now=NOW, include_protected_names=names)
    return {fmt: render(report, fmt) for fmt in FORMATS}


def test_names_are_redacted_by_default() -> None:
    """No format contains the protected person's name or its parts; labels stand in."""
    for fmt, text in outputs().items():
        lowered = text.lower()
        assert leaked(lowered, "sarah", "collins") == [], fmt
        assert "Protected person P1" in text, fmt


def test_names_are_shown_only_when_asked_for() -> None:
    """With include_protected_names the name appears, and the report says it is internal."""
    texts = outputs(names=True)
    for fmt, text in texts.items():
        assert VICTIM_NAME in text, fmt
    assert "for internal use only" in texts["html"]
    assert '"protected_person_names":"included"' in texts["json"]


def test_addresses_places_and_coordinates_never_appear() -> None:
    """Address lines, postcode, home and work positions, and coordinates are absent."""
    for names in (False, True):
        for fmt, text in outputs(names).items():
            secrets = (ADDRESS_LINE, POSTCODE, "Acacia", "Harborne", "52.481", "1.899")
            assert leaked(text, *secrets, str(HOME.lat), str(HOME.lon)) == [], fmt
            assert COORDINATE.search(text) is None, (fmt, names)


def test_summaries_are_scrubbed_with_a_visible_marker() -> None:
    """The officer sees that something was removed."""
    html = outputs()["html"]
    assert "[location redacted]" in html
    assert "[name redacted]" in html


@given(
    st.lists(st.sampled_from(["name", "first", "line", "postcode", "coords", "word"]), max_size=6),
    secret_persons("P7"),
    st.booleans(),
)
def test_no_secret_survives_any_summary(
    parts: list[str], person: ProtectedPerson, names: bool
) -> None:
    """Whatever mix of the person's secrets a summary holds, no format reveals them."""
    address = person.restricted.address
    assert address is not None
    assert address.location is not None
    first, last = person.name.split(" ")
    pieces = {
        "name": person.name.upper(),
        "first": first.lower(),
        "line": address.lines[0],
        "postcode": address.postcode,
        "coords": f"{address.location.lat:.4f},{address.location.lon:.4f}",
        "word": "ordinary",
    }
    summary = " / ".join(pieces[p] for p in parts) or "nothing"
    at = pendulum.datetime(2026, 3, 14, 7, 0, tz="Europe/London")
    incident = Incident(
        incident_id="X1",
        occurred_at=at,
        kind=IncidentKind.MESSAGE,
        target_person_id="P7",
        summary=summary,
    )
    alert = Alert(
        alert_id=alert_id_for("t", "D1", "P7"),
        rule_id="breach.no_contact",
        kind=AlertKind.BREACH,
        severity=Severity.HIGH,
        defendant_id="D1",
        section="SPA2019 s.8(1)",
        title="t",
        explanation="e",
        evidence_ids=("X1",),
        count=1,
        first_seen=at,
        last_seen=at,
        identified_at=at,
        protected_person_ids=("P7",),
    )
    context = ReportContext.of(protected_persons=[person], incidents=[incident])
    report = build_report([alert], context, now=NOW, include_protected_names=names)
    for fmt in FORMATS:
        text = render(report, fmt)
        assert leaked(text, address.lines[0], address.postcode, pieces["coords"]) == [], fmt
        if not names:
            assert leaked(text, first, last) == [], fmt


def test_a_person_not_in_the_context_is_labelled_and_their_text_withheld() -> None:
    """Without the person's record nothing can be checked: label, and withhold summaries."""
    w = world()
    context = attrs.evolve(w.context, protected_persons={})
    html = render(build_report(w.alerts, context, now=NOW, include_protected_names=True), "html")
    assert "Protected person P1" in html
    assert VICTIM.name not in html
    assert ADDRESS_LINE not in html
    assert "Sarah" not in html
    assert HOSTILE not in html
    withheld = WITHHELD.replace("'", "&#39;")
    # The HTML shows a timeline shared by several alerts once: every row it shows is withheld.
    shown = html.count("<tr><td>M") + html.count("<tr><td>L") + html.count("Evidence: L")
    assert html.count(withheld) == shown > 0
    assert "answer me" not in html
    assert "I know where you are" not in html
    document = render(
        build_report(w.alerts, context, now=NOW, include_protected_names=True), "json"
    )
    assert document.count(WITHHELD) == sum(len(a.evidence_ids) for a in w.alerts)


def test_library_wording_that_names_a_place_is_scrubbed_too() -> None:
    """A zone label or an explanation carrying an address or a position loses it."""
    w = world()
    leaky = attrs.evolve(
        w.alerts[0],
        title=f"Breach near {ADDRESS_LINE}",
        explanation="Fix at 52.4610, -1.9502, inside the zone",
    )
    for fmt in FORMATS:
        text = render(build_report([leaky], w.context, now=NOW), fmt)
        assert leaked(text, ADDRESS_LINE, "52.4610") == [], fmt
        assert "[location redacted]" in text


def _labelled(label: str) -> dict[str, str]:
    """Every format of the report on the seed order with its zone labelled ``label``."""
    order = b.seed_order()
    version = order.versions[0]
    terms = tuple(
        attrs.evolve(t, label=label) if isinstance(t, ExclusionZone) else t for t in version.terms
    )
    order = attrs.evolve(order, versions=(attrs.evolve(version, terms=terms),))
    incidents = (*b.messages(3), b.zone_entry())
    detector = Detector((order,), (b.DEFENDANT,), protected_persons=(VICTIM,))
    alerts = detector.scan(incidents).alerts
    context = ReportContext.of(
        orders=(order,), defendants=(b.DEFENDANT,), protected_persons=(VICTIM,), incidents=incidents
    )
    report = build_report(alerts, context, now=NOW)
    return {fmt: render(report, fmt) for fmt in FORMATS}


def test_a_name_in_a_zone_label_is_redacted_from_terms_titles_and_explanations() -> None:
    """Order text an officer typed reaches term text, alert titles and explanations: a
    protected person's name in it (whole, or a part of 3 letters or more, however
    written) is redacted there too (a bypass a security review found)."""
    for label in ("Sarah Collins's home", "SARAH  COLLINS", "Collins house", "Һarborne"):
        for fmt, text in _labelled(label).items():
            assert label not in text, (label, fmt)
            assert "collins" not in text.lower(), (label, fmt)
            assert "redacted]" in text, (label, fmt)
