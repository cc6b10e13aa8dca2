"""Generated datasets for the interchange tests: every record type, references consistent.

Built on the shared domain strategies (``tests/strategies.py``): instants in
many zones and around clock changes, every term type, multi-version orders,
identities of every kind. References point only at records in the dataset,
so that a generated dataset is a valid file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import attrs
import pendulum
from hypothesis import strategies as st

from spo_tracker.domain.alerts import BREACH_CODE, Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.appeals import AppealAgainst, AppealedDecision, Party, PendingAppeal
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import CrimeClassification, Incident
from spo_tracker.domain.lifecycles.application import (
    Application,
    ApplicationState,
    AreaConnection,
    CourtFindings,
    CourtKind,
    InterimDecision,
)
from spo_tracker.domain.notification import (
    ClosedItem,
    Closure,
    DutyState,
    FalseInformation,
    IdentityCheck,
    ItemKind,
    NotifiableItem,
    Notification,
    NotificationDuty,
    Refusal,
)
from spo_tracker.domain.orders import Order, OrderState, OrderVersion
from spo_tracker.domain.people import (
    Address,
    AddressPeriod,
    Defendant,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
    SexOffenderRegistration,
)
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule, Term
from spo_tracker.interchange import Dataset
from tests import strategies as shared

__all__ = ["datasets", "incident_order", "part2_facts"]

_TEXT = shared.free_texts(max_size=40)
_NAMES = st.text("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ'-", min_size=1, max_size=30)
_NAMES = _NAMES.filter(lambda s: bool(s.strip()))
_INSTANTS = shared.aware_datetimes(2019, 2030)
_DAYS = shared.london_dates(2019, 2030)
_LODGED = st.none() | _INSTANTS


def incident_order(incident: Incident) -> tuple[dt.datetime, str]:
    """The order a store's scan gives incidents in: instant (exactly, in UTC), then id."""
    return (dt.datetime.astimezone(incident.occurred_at, dt.UTC), incident.incident_id)


@st.composite
def _addresses(draw: st.DrawFn) -> Address:
    lines = draw(st.lists(_NAMES, min_size=1, max_size=3))
    where = draw(st.one_of(st.none(), shared.uk_points()))
    return Address(tuple(lines), draw(st.sampled_from(("B1 1AA", "CV1 2BB", "WS1 3CC"))), where)


@st.composite
def _defendant(draw: st.DrawFn, key: str) -> Defendant:
    names = draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True))
    identities = draw(st.lists(shared.identities(), max_size=3, unique=True))
    addresses = []
    for _ in range(draw(st.integers(0, 2))):
        since = draw(_DAYS)
        until = draw(st.one_of(st.none(), st.just(since.add(days=draw(st.integers(0, 900))))))
        addresses.append(AddressPeriod(draw(_addresses()), since, until))
    soa = None
    if draw(st.booleans()):
        since = draw(_DAYS)
        soa = SexOffenderRegistration(since, draw(st.one_of(st.none(), st.just(since.add(days=9)))))
    return Defendant(
        defendant_id=key,
        names=tuple(NameUse(n, draw(st.one_of(st.none(), _DAYS))) for n in names),
        date_of_birth=draw(st.one_of(st.none(), shared.london_dates(1950, 2010))),
        addresses=tuple(addresses),
        identities=tuple(
            LinkedIdentity(i, draw(_INSTANTS), draw(st.sampled_from(("officer", "intel"))))
            for i in identities
        ),
        soa_registration=soa,
    )


@st.composite
def _protected(draw: st.DrawFn, key: str) -> ProtectedPerson:
    details = RestrictedDetails()
    if draw(st.booleans()):
        places = draw(st.lists(st.tuples(_NAMES, shared.uk_points()), max_size=2))
        details = RestrictedDetails(draw(st.one_of(st.none(), _addresses())), tuple(places))
    return ProtectedPerson(key, draw(_NAMES), details)


def _subset(items: tuple[str, ...], *, min_size: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(
        st.sampled_from(items), min_size=min_size, max_size=len(items), unique=True
    ).map(tuple)


def parties() -> st.SearchStrategy[Party]:
    """The defendant, or a chief officer of one of the shared forces."""
    return st.just(Party.defendant()) | shared.chief_officers().map(Party.chief_officer)


@st.composite
def appeals(draw: st.DrawFn, *, on_application: bool = False) -> PendingAppeal:
    """A well-formed pending appeal of any decision s.7 names (SPA2019 s.7(1)-(3)).

    Well-formed, not necessarily allowed: who may appeal what is the lifecycles'
    business, and storage and interchange carry any appeal the domain can hold.
    Lodged at an instant in any zone, or (stored before it was kept) at none.
    """
    if on_application:  # the refusal of the application or of an interim order (s.7(2))
        decision = draw(st.sampled_from([d for d in AppealedDecision if d.on_application]))
        return PendingAppeal(draw(parties()), AppealAgainst(decision), lodged_at=draw(_LODGED))
    decision = draw(
        st.sampled_from([d for d in AppealedDecision if d.is_s4 or d.value == "making"])
    )
    applicant = draw(parties()) if decision.is_s4 else None
    version = draw(st.integers(2, 9)) if decision is AppealedDecision.S4_ORDER else None
    against = AppealAgainst(decision, on_application_of=applicant, version=version)
    return PendingAppeal(draw(parties()), against, lodged_at=draw(_LODGED))


@st.composite
def _order(
    draw: st.DrawFn, key: str, defendants: tuple[str, ...], persons: tuple[str, ...]
) -> Order:
    base = draw(shared.orders(max_versions=3))
    state = draw(st.sampled_from((OrderState.MADE, OrderState.SERVED, OrderState.DISCHARGED)))
    served = (
        base.made_at.add(hours=draw(st.integers(1, 300))) if state is not OrderState.MADE else None
    )
    ended = served.add(days=30) if state is OrderState.DISCHARGED and served else None
    pending, appeal = draw(appeal_fields())
    protected = draw(_subset(persons, min_size=1))
    return attrs.evolve(
        base,
        order_id=key,
        defendant_id=draw(st.sampled_from(defendants)),
        protected_person_ids=protected,
        versions=_naming_only(base.versions, protected),
        state=state,
        served_at=served,
        ended_at=ended,
        end_reason="discharged by consent" if ended else None,
        not_in_force=draw(shared.not_in_force_spans(base.made_at, until=ended)),
        revision=1,
        appeal_pending=pending,
        appeal=appeal,
    )


def _naming_only(
    versions: tuple[OrderVersion, ...], protected: tuple[str, ...]
) -> tuple[OrderVersion, ...]:
    """``versions`` with each person a term names replaced by one of ``protected``: a term
    names only the persons its order protects (SPA2019 s.2(1)(c))."""

    def person(p: str) -> str:
        return protected[int(p.lstrip("P") or 0) % len(protected)]

    def term(t: Term) -> Term:
        named = getattr(t, "persons", None)
        if named is None:
            return t
        renamed: Term = attrs.evolve(cast(Any, t), persons=tuple(map(person, named)))
        return renamed

    return tuple(attrs.evolve(v, terms=tuple(map(term, v.terms))) for v in versions)


@st.composite
def appeal_fields(draw: st.DrawFn) -> tuple[bool, PendingAppeal | None]:
    """``(appeal_pending, appeal)``: no appeal; one pending whose details were not recorded
    (stored before they were kept, or read from a 1.0 file); or one with its details."""
    pending = draw(st.booleans())
    return pending, draw(st.none() | appeals()) if pending else None


@st.composite
def _application(
    draw: st.DrawFn, key: str, defendants: tuple[str, ...], persons: tuple[str, ...]
) -> Application:
    laid = draw(st.one_of(st.none(), _INSTANTS))
    decisions: tuple[InterimDecision, ...] = ()
    if laid is not None and draw(st.booleans()):
        decisions = (InterimDecision(laid, laid.add(days=2), draw(st.booleans()), None),)
    findings = draw(
        st.one_of(st.none(), st.builds(CourtFindings, st.booleans(), st.booleans(), st.booleans()))
    )
    return Application(
        application_id=key,
        defendant_id=draw(st.sampled_from(defendants)),
        applicant=draw(shared.chief_officers()),
        court=draw(st.sampled_from(("Birmingham Magistrates' Court", "Coventry Youth Court"))),
        court_kind=draw(st.sampled_from(tuple(CourtKind))),
        state=draw(st.sampled_from(tuple(ApplicationState))),
        protected_person_ids=draw(_subset(persons)),
        defendant_born_on=draw(st.one_of(st.none(), shared.london_dates(1960, 2010))),
        conduct_last_on=draw(st.one_of(st.none(), _DAYS)),
        laid_at=laid,
        area_connection=draw(st.one_of(st.none(), st.sampled_from(tuple(AreaConnection)))),
        interim_decisions=decisions,
        findings=findings,
        determined_at=draw(st.one_of(st.none(), _INSTANTS)),
        appeal=draw(st.none() | appeals(on_application=True)),
        note=draw(_TEXT),
    )


def _item(kind: ItemKind, day: pendulum.Date) -> NotifiableItem:
    return NotifiableItem.arising(kind, day, "SPA2019 s.9(1)", "")


@st.composite
def part2_facts(
    draw: st.DrawFn, state: DutyState
) -> tuple[pendulum.Date | None, pendulum.DateTime | None]:
    """``(part2_final_day, part2_registered_at)`` as the duty lifecycle leaves them in ``state``.

    A registration is held only while exempt (or once the order ended): a final day clears
    it (SPA2019 s.9(5)-(6)). Beside a final day it is a later registration, on or after the
    final day's London day (the lifecycle refuses a final day before a registration).
    ``None`` as well: not subject, or recorded before the library kept it.
    """
    final = draw(st.none() | _DAYS)
    if state not in (DutyState.EXEMPT, DutyState.ENDED) or not draw(st.booleans()):
        return final, None
    if final is None:
        return final, draw(_INSTANTS)
    day = final.add(days=draw(st.integers(0, 400)))
    return final, draw(shared.instants_on_london_day(day))


@st.composite
def _duty(draw: st.DrawFn, key: str, order: Order) -> NotificationDuty:
    state = draw(st.sampled_from(tuple(DutyState)))
    final_day, registered = draw(part2_facts(state))
    served = draw(_DAYS)
    initial = _item(ItemKind.INITIAL, served)
    moved = _item(ItemKind.NEW_HOME_ADDRESS, served.add(days=draw(st.integers(0, 60))))
    at = pendulum.datetime(served.year, served.month, served.day, 11, tz="Europe/London")
    notified = Notification(at, "Lloyd House", "West Midlands", (initial,), at.add(minutes=5))
    closed = (ClosedItem(initial, at, Closure.NOTIFIED),) if draw(st.booleans()) else ()
    return NotificationDuty(
        duty_id=key,
        defendant_id=order.defendant_id,
        order_id=order.order_id,
        local_police_area="West Midlands",
        state=state,
        served_on=served,
        initial_from=served,
        outstanding=(moved,) if draw(st.booleans()) else (),
        closed=closed,
        notifications=(notified,) if closed else (),
        refusals=(Refusal(at, IdentityCheck.FINGERPRINTS, "refused"),)
        if draw(st.booleans())
        else (),
        false_information=(FalseInformation(at.add(days=1), at, "false name"),)
        if draw(st.booleans())
        else (),
        part2_final_day=final_day,
        part2_registered_at=registered,
    )


@st.composite
def _incident(draw: st.DrawFn, key: str, defendants: tuple[str, ...]) -> Incident:
    base = draw(shared.incidents())
    return attrs.evolve(
        base,
        incident_id=key,
        defendant_id=draw(st.one_of(st.none(), st.sampled_from(defendants))),
        reported_at=draw(st.one_of(st.none(), _INSTANTS)),
        classification=draw(st.one_of(st.none(), st.sampled_from(tuple(CrimeClassification)))),
        evidence_refs=tuple(
            draw(st.lists(st.sampled_from(("EX/1", "CAD 123", "BWV 9")), max_size=2))
        ),
        summary=draw(_TEXT),
    )


@st.composite
def _alert(draw: st.DrawFn, order: Order, incidents: list[Incident]) -> Alert:
    evidence = (
        draw(st.lists(st.sampled_from(incidents), max_size=3, unique=True)) if incidents else []
    )
    evidence.sort(key=incident_order)
    first = evidence[0].occurred_at if evidence else None
    return Alert(
        alert_id=alert_id_for("breach.test", order.order_id, draw(st.integers(0, 10**6))),
        rule_id="breach.no_contact",
        kind=AlertKind.BREACH,
        severity=draw(st.sampled_from(tuple(Severity))),
        defendant_id=order.defendant_id,
        order_id=order.order_id,
        term_id="T1",
        term_code="SPO-P01",
        section="SPA2019 s.8(1)",
        related_sections=("SPA2019 s.1(2)(a)",),
        cjs_code=BREACH_CODE,
        title="Suspected breach of a no-contact term",
        explanation="A suspected breach for review; a court decides reasonable excuse.",
        evidence_ids=tuple(i.incident_id for i in evidence),
        count=max(1, len(evidence)),
        first_seen=first,
        last_seen=evidence[-1].occurred_at if evidence else None,
        breach_time=first,
        identified_at=draw(_INSTANTS),
        pre_service=draw(st.booleans()),
        protected_person_ids=order.protected_person_ids,
    )


#: The sign-on schedule some generated orders carry in every version (so compliance fits).
_SIGN_ON = SignOnSchedule(term_id="T-SIGN", station="Lloyd House", weekdays=frozenset({0, 3}))


def _with_sign_on(order: Order) -> Order:
    """``order`` with a sign-on schedule added to every version."""
    versions = tuple(attrs.evolve(v, terms=(*v.terms, _SIGN_ON)) for v in order.versions)
    return attrs.evolve(order, versions=versions)


def _requirement_terms(order: Order) -> list[str]:
    """The ids of the order's positive requirements and sign-on schedules."""
    found = {
        t.term_id
        for v in order.versions
        for t in v.terms
        if isinstance(t, (PositiveRequirement, SignOnSchedule))
    }
    return sorted(found)


@st.composite
def _compliance(draw: st.DrawFn, order: Order) -> list[ComplianceRecord]:
    terms = _requirement_terms(order)
    if not terms:
        return []
    return [
        ComplianceRecord(
            f"C-{order.order_id}-{n}",
            order.defendant_id,
            order.order_id,
            draw(st.sampled_from(terms)),
            draw(_INSTANTS),
            recorded_by=draw(st.one_of(st.none(), st.sampled_from(("PC 7", "Lloyd House desk")))),
            note=draw(_TEXT),
        )
        for n in range(draw(st.integers(0, 3)))
    ]


@st.composite
def datasets(draw: st.DrawFn, *, max_incidents: int = 6) -> Dataset:
    """A consistent dataset of every record type (incidents in a store's scan order)."""
    defendants = tuple(f"D{n}" for n in range(1, draw(st.integers(1, 3)) + 1))
    persons = tuple(f"P{n}" for n in range(1, draw(st.integers(1, 3)) + 1))
    orders = [draw(_order(f"SPO-{n}", defendants, persons)) for n in range(draw(st.integers(0, 2)))]
    orders = [_with_sign_on(o) if draw(st.booleans()) else o for o in orders]
    compliance = [r for o in orders for r in draw(_compliance(o))]
    applications = [
        draw(_application(f"APP-{n}", defendants, persons)) for n in range(draw(st.integers(0, 2)))
    ]
    incidents = [
        draw(_incident(f"I-{n:03d}", defendants))
        for n in range(draw(st.integers(0, max_incidents)))
    ]
    duties = [draw(_duty(f"ND-{o.order_id}", o)) for o in orders if draw(st.booleans())]
    alerts = {
        a.alert_id: a for a in (draw(_alert(o, incidents)) for o in orders if draw(st.booleans()))
    }
    return Dataset(
        defendants=tuple(draw(_defendant(k)) for k in defendants),
        protected_persons=tuple(draw(_protected(k)) for k in persons),
        applications=tuple(applications),
        orders=tuple(orders),
        duties=tuple(duties),
        incidents=tuple(sorted(incidents, key=incident_order)),
        alerts=tuple(alerts.values()),
        compliance=tuple(compliance),
    )
