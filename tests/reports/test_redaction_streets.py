"""Redaction of a protected person's street however it is written: '12 Acacia Ave' for the
address line '12 Acacia Avenue', in summaries, term wording, titles and explanations."""

from __future__ import annotations

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.people import STREET_WORDS, ProtectedPerson
from spo_tracker.domain.redaction import LOCATION_MARK
from spo_tracker.domain.terms import ExclusionZone
from spo_tracker.reports import FORMATS, ReportContext, build_report, render
from tests.reports.builders import NOW, VICTIM, seed_order
from tests.reports.strategies import secret_persons

AT = pendulum.datetime(2026, 3, 14, 7, 0, tz="Europe/London")


def _alert(person_id: str, title: str, explanation: str, term_id: str | None = None) -> Alert:
    return Alert(
        alert_id=alert_id_for("t", "D1", person_id),
        rule_id="breach.exclusion_zone",
        kind=AlertKind.BREACH,
        severity=Severity.HIGH,
        defendant_id="D1",
        section="SPA2019 s.8(1)",
        title=title,
        explanation=explanation,
        evidence_ids=("X1",),
        count=1,
        first_seen=AT,
        last_seen=AT,
        identified_at=AT,
        order_id="SPO-1" if term_id else None,
        term_id=term_id,
        protected_person_ids=(person_id,),
    )


def _incident(person_id: str, summary: str) -> Incident:
    return Incident(
        incident_id="X1",
        occurred_at=AT,
        kind=IncidentKind.MESSAGE,
        target_person_id=person_id,
        summary=summary,
    )


def test_the_reviewers_case_leaves_no_trace_of_the_street() -> None:
    """Address line '12 Acacia Avenue'; '12 Acacia Ave' in a label, title, explanation and
    summary: every format, names shown or not, is free of 'Acacia'."""
    order = seed_order()
    zone = ExclusionZone(
        term_id="T9", zone=Circle(GeoPoint(52.50, -1.90), 300.0), label="the Acacia Ave end"
    )
    version = attrs.evolve(order.versions[0], terms=(*order.versions[0].terms, zone))
    order = attrs.evolve(order, versions=(version,))
    alert = _alert(
        "P1",
        "Closing in on exclusion zone the Acacia Ave end",
        "Three sightings walking towards 12 Acacia Ave, Harborne",
        term_id="T9",
    )
    incident = _incident("P1", "Seen outside 12, acacia ave at 7am; later on ACACIA RD")
    context = ReportContext.of(orders=[order], protected_persons=[VICTIM], incidents=[incident])
    for names in (False, True):
        report = build_report([alert], context, now=NOW, include_protected_names=names)
        for fmt in FORMATS:
            text = render(report, fmt)
            assert "acacia" not in text.lower(), (fmt, names)
            assert LOCATION_MARK in text, fmt


@given(
    person=secret_persons("P7"),
    street_word=st.sampled_from(STREET_WORDS),
    numbered=st.booleans(),
    case=st.sampled_from([str.lower, str.upper, str.title]),
    names=st.booleans(),
)
def test_a_street_of_the_address_is_redacted_however_it_is_abbreviated(
    person: ProtectedPerson,
    street_word: str,
    numbered: bool,
    case: object,
    names: bool,
) -> None:
    """House number and street, or the street with any street word, in any case."""
    address = person.restricted.address
    assert address is not None
    number, core, _ = address.lines[0].split(" ")
    written = f"{number} {core} {street_word}" if numbered else f"{core} {street_word}"
    written = case(written)  # type: ignore[operator]
    alert = _alert("P7", f"About {written}", f"Near {written}.")
    context = ReportContext.of(
        protected_persons=[person], incidents=[_incident("P7", f"at {written}, again")]
    )
    report = build_report([alert], context, now=NOW, include_protected_names=names)
    for fmt in FORMATS:
        text = render(report, fmt).lower()
        assert core.lower() not in text, fmt
