"""Hypothesis strategies for reports: valid alerts, with or without the records they name."""

from __future__ import annotations

from typing import Any, Final

import pendulum
from hypothesis import strategies as st

from spo_tracker.domain.alerts import (
    BREACH_CODE,
    NOTIFICATION_CODES,
    Alert,
    AlertKind,
    Severity,
    alert_id_for,
)
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.people import Address, ProtectedPerson, RestrictedDetails
from spo_tracker.reports import ReportContext
from tests.strategies import aware_datetimes, defendants, free_texts, orders

SECTIONS: Final = ("SPA2019 s.8(1)", "SPA2019 s.11(1)", "SPA2019 s.2(1)(b)", "PHA 1997 s.2A")
_TEXT: Final = st.text(min_size=1, max_size=40).filter(lambda t: t.strip() != "")
_IDS: Final = st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True)
_INSTANTS: Final = aware_datetimes(min_year=2020, max_year=2030)
#: Distinctive words that the report's own wording never contains.
NAMES: Final = st.from_regex(r"Zq[a-z]{3,8} Zx[a-z]{3,8}", fullmatch=True)
LINES: Final = st.from_regex(r"[1-9][0-9]? Qv[a-z]{3,8} (Road|Close|Lane)", fullmatch=True)
POSTCODES: Final = st.from_regex(r"Q[A-Z][1-9] [1-9][A-Z]{2}", fullmatch=True)


@st.composite
def secret_persons(draw: st.DrawFn, person_id: str) -> ProtectedPerson:
    """A protected person with a distinctive name, address and position."""
    point = GeoPoint(
        draw(st.floats(50.0, 55.0).map(lambda x: round(x, 4))),
        draw(st.floats(-4.0, 1.0).map(lambda x: round(x, 4))),
    )
    address = Address((draw(LINES), "Birmingham"), draw(POSTCODES), point)
    return ProtectedPerson(person_id, draw(NAMES), RestrictedDetails(address=address))


@st.composite
def evidence_incidents(draw: st.DrawFn, ids: list[str], person: str) -> list[Incident]:
    """Incidents with the given ids, aimed at ``person``, with arbitrary summaries."""
    return [
        Incident(
            incident_id=i,
            occurred_at=draw(_INSTANTS),
            kind=draw(st.sampled_from(IncidentKind)),
            target_person_id=person,
            summary=draw(free_texts(max_size=60)),
        )
        for i in ids
    ]


@st.composite
def alerts(
    draw: st.DrawFn, *, defendant_id: str, order_id: str | None, persons: tuple[str, ...]
) -> Alert:
    """A valid alert about ``defendant_id``; all optional fields drawn freely."""
    kind = draw(st.sampled_from(AlertKind))
    evidence = draw(st.lists(_IDS, unique=True, max_size=5))
    first = draw(st.none() | _INSTANTS)
    code = draw(st.sampled_from([None, BREACH_CODE, *NOTIFICATION_CODES.values()]))
    rule = draw(st.from_regex(r"[a-z]{3,8}\.[a-z_]{3,12}", fullmatch=True))
    return Alert(
        alert_id=alert_id_for(rule, defendant_id, order_id, draw(st.integers())),
        rule_id=rule,
        kind=kind,
        severity=draw(st.sampled_from(Severity)),
        defendant_id=defendant_id,
        order_id=order_id,
        term_id=draw(st.none() | st.just("T1")),
        term_code=draw(st.none() | st.sampled_from(["SPO-P01", "SPO-R02"])),
        section=draw(st.sampled_from(SECTIONS)),
        related_sections=draw(st.lists(st.sampled_from(SECTIONS), max_size=2)),
        cjs_code=code,
        title=draw(_TEXT),
        explanation=draw(_TEXT),
        evidence_ids=evidence,
        count=len(evidence) or 1,
        first_seen=first,
        last_seen=first,
        breach_time=draw(st.none() | _INSTANTS),
        identified_at=draw(_INSTANTS),
        deadline=draw(st.none() | _INSTANTS),
        pre_service=draw(st.booleans()),
        appeal_pending=draw(st.booleans()),
        protected_person_ids=persons,
    )


@st.composite
def alerts_and_context(
    draw: st.DrawFn,
) -> tuple[list[Alert], ReportContext, pendulum.DateTime, bool]:
    """Alerts about one defendant and order, a context with some or all of their records,
    a ``now``, and whether to include names."""
    defendant = draw(defendants())
    order = draw(orders())
    person = order.protected_person_ids[0] if order.protected_person_ids else "P1"
    found = draw(
        st.lists(
            alerts(
                defendant_id=defendant.defendant_id,
                order_id=draw(st.sampled_from([order.order_id, None, "missing"])),
                persons=(person,),
            ),
            max_size=4,
            unique_by=lambda a: a.alert_id,
        )
    )
    ids = sorted({i for a in found for i in a.evidence_ids})
    incidents = draw(evidence_incidents(ids, person))
    keep: Any = st.booleans()
    context = ReportContext.of(
        orders=[order] if draw(keep) else [],
        defendants=[defendant] if draw(keep) else [],
        protected_persons=[draw(secret_persons(person))] if draw(keep) else [],
        incidents=[i for i in incidents if draw(keep)],
    )
    return found, context, draw(_INSTANTS), draw(st.booleans())
