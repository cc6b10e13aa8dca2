"""The application lifecycle (SPA2019 s.1, s.2, s.5(1)-(2), s.13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pendulum
import pytest

from spo_tracker.domain.lifecycles.application import (
    MACHINE,
    Application,
    ApplicationCommand,
    ApplicationEvent,
    ApplicationState,
    AreaConnection,
    CourtFindings,
    CourtKind,
    InterimDecision,
    apply_for_interim,
    decide_interim,
    draft_application,
    grant_application,
    lay_application,
    lodge_refusal_appeal,
    refuse_application,
    withdraw_application,
)
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.people import ChiefOfficer, Force
from spo_tracker.errors import (
    GuardRejectedError,
    InvalidValueError,
    NaiveDatetimeError,
    UnknownCodeError,
)
from tests.lifecycles.builders import BTP, GMP, WMP, defendant, draft, london
from tests.lifecycles.registry import covers

St, Ev = ApplicationState, ApplicationEvent
AT = london(2026, 2, 2, 10)
ALL_MET = CourtFindings(True, True, True)
RESIDES = AreaConnection.RESIDES_IN_AREA


def laid(**changes: object) -> Application:
    """A laid application."""
    return lay_application(draft(**changes), at=AT, actor="PC 1", area_connection=RESIDES).subject


def interim_applied() -> Application:
    """A laid application with an interim application pending."""
    return apply_for_interim(laid(), at=AT.add(hours=1), actor="PC 1", applicant=WMP).subject


def refusal(app: Application, cmd: ApplicationCommand) -> GuardRejectedError:
    """The guard error ``cmd`` raises; the application is left as it was."""
    before = attrs.evolve(app)
    with pytest.raises(GuardRejectedError) as caught:
        MACHINE.fire(app, cmd)
    assert app == before
    return caught.value


# --- rows ---------------------------------------------------------------------


@covers("application", (St.DRAFT, Ev.LAY))
def test_laying_the_complaint_records_when_and_on_what_basis() -> None:
    """LAY moves a draft to LAID (SPA2019 s.13(1)) and bumps the revision."""
    fired = lay_application(draft(), at=AT, actor="PC 1", area_connection=RESIDES)
    assert fired.subject.state is St.LAID
    assert fired.subject.laid_at == AT
    assert fired.subject.area_connection is RESIDES
    assert fired.subject.revision == 2
    assert fired.record.section == "SPA2019 s.13(1)"


@covers("application", (St.DRAFT, Ev.WITHDRAW))
def test_a_draft_can_be_abandoned() -> None:
    """A draft never laid is withdrawn (library row)."""
    fired = withdraw_application(draft(), at=AT, actor="DI 2", note="no longer needed")
    assert fired.subject.state is St.WITHDRAWN
    assert fired.subject.withdrawn_at == AT
    assert fired.subject.note == "no longer needed"


@covers("application", (St.LAID, Ev.APPLY_FOR_INTERIM))
def test_the_same_chief_officer_applies_for_an_interim_order() -> None:
    """APPLY_FOR_INTERIM while pending (SPA2019 s.5(1)-(2))."""
    fired = apply_for_interim(laid(), at=AT, actor="PC 1", applicant=WMP)
    assert fired.subject.state is St.INTERIM_APPLIED
    assert fired.subject.interim_applied_at == AT


@covers("application", (St.INTERIM_APPLIED, Ev.INTERIM_DECIDED))
def test_the_interim_decision_is_kept_and_the_application_stays_pending() -> None:
    """INTERIM_DECIDED goes back to LAID and records the decision (s.5(3))."""
    app = interim_applied()
    fired = decide_interim(
        app, at=AT.add(hours=2), actor="clerk", granted=True, interim_order_id="ISPO-1"
    )
    assert fired.subject.state is St.LAID
    assert fired.subject.interim_applied_at is None
    (decision,) = fired.subject.interim_decisions
    assert decision.granted
    assert decision.interim_order_id == "ISPO-1"
    assert decision.applied_at == AT.add(hours=1)


@covers("application", (St.LAID, Ev.GRANT), (St.INTERIM_APPLIED, Ev.GRANT))
def test_granting_needs_all_three_findings_and_records_the_order() -> None:
    """GRANT from LAID or INTERIM_APPLIED (SPA2019 s.2(1))."""
    for app in (laid(), interim_applied()):
        fired = grant_application(
            app, at=AT.add(days=30), actor="clerk", findings=ALL_MET, order_id="SPO-1"
        )
        assert fired.subject.state is St.GRANTED
        assert fired.subject.order_id == "SPO-1"
        assert fired.subject.findings == ALL_MET
        assert fired.subject.interim_applied_at is None


@covers("application", (St.LAID, Ev.REFUSE), (St.INTERIM_APPLIED, Ev.REFUSE))
def test_refusal_is_recorded_with_any_findings() -> None:
    """REFUSE from LAID or INTERIM_APPLIED."""
    findings = CourtFindings(True, False, False)
    for app in (laid(), interim_applied()):
        fired = refuse_application(app, at=AT.add(days=30), actor="clerk", findings=findings)
        assert fired.subject.state is St.REFUSED
        assert fired.subject.findings == findings
        assert fired.subject.determined_at == AT.add(days=30)


@covers("application", (St.LAID, Ev.WITHDRAW), (St.INTERIM_APPLIED, Ev.WITHDRAW))
def test_a_pending_application_can_be_withdrawn() -> None:
    """WITHDRAW from LAID or INTERIM_APPLIED (the Act is silent: library row)."""
    for app in (laid(), interim_applied()):
        later = AT.add(days=1)
        assert withdraw_application(app, at=later, actor="DI 2").subject.state is St.WITHDRAWN


# --- guards -------------------------------------------------------------------


def test_applicant_must_be_a_chief_officer_of_a_listed_force() -> None:
    """A force kind outside s.14(1) is refused, naming it (SPA2019 s.1(1), s.14(1))."""
    private = ChiefOfficer(Force("X9", "Private Security Ltd", kind="private"))  # type: ignore[arg-type]
    error = refusal(
        draft(applicant=private), ApplicationCommand(Ev.LAY, AT, "PC 1", area_connection=RESIDES)
    )
    assert error.guard == "applicant_is_chief_officer"
    assert error.section == "SPA2019 s.1(1), s.14(1)"
    assert "'private'" in error.reason


def test_territorial_chief_officer_needs_a_connection_to_the_area() -> None:
    """No s.1(3) basis: refused, naming the missing value and the force."""
    error = refusal(draft(), ApplicationCommand(Ev.LAY, AT, "PC 1"))
    assert (error.guard, error.section) == ("applicant_connected_to_area", "SPA2019 s.1(3)")
    assert "area_connection=None" in error.reason
    assert "West Midlands Police" in error.reason
    believed = AreaConnection.BELIEVED_COMING_TO_AREA
    assert lay_application(draft(), at=AT, actor="PC 1", area_connection=believed).subject.laid_at


def test_british_transport_police_need_no_area_connection() -> None:
    """s.1(3) binds only chief officers of police areas."""
    fired = lay_application(draft(applicant=BTP), at=AT, actor="PC 1")
    assert fired.subject.state is St.LAID


def test_a_defendant_under_18_is_heard_by_the_youth_court() -> None:
    """Under 18 on the day laid: youth court (SPA2019 s.13(1))."""
    teen = draft(defendant_born_on=pendulum.Date(2008, 2, 3))
    error = refusal(teen, ApplicationCommand(Ev.LAY, AT, "PC 1", area_connection=RESIDES))
    assert (error.guard, error.section) == ("right_court_for_age", "SPA2019 s.13(1)")
    assert "court_kind='magistrates'" in error.reason
    assert "youth court" in error.reason
    youth = attrs.evolve(teen, court_kind=CourtKind.YOUTH)
    assert lay_application(youth, at=AT, actor="PC 1", area_connection=RESIDES).subject.laid_at


def test_an_adult_is_not_heard_by_the_youth_court() -> None:
    """From the 18th birthday, a magistrates' court."""
    adult = draft(defendant_born_on=pendulum.Date(2008, 2, 2), court_kind=CourtKind.YOUTH)
    error = refusal(adult, ApplicationCommand(Ev.LAY, AT, "PC 1", area_connection=RESIDES))
    assert "magistrates court" in error.reason


def test_a_29_february_birthday_turns_18_on_1_march_in_a_common_year() -> None:
    """The library's anniversary convention applies to age too."""
    leapling = draft(defendant_born_on=pendulum.Date(2008, 2, 29), court_kind=CourtKind.YOUTH)
    on_28th = london(2026, 2, 28, 12)
    lay = lay_application(leapling, at=on_28th, actor="PC 1", area_connection=RESIDES)
    assert lay.subject.state is St.LAID
    cmd = ApplicationCommand(Ev.LAY, london(2026, 3, 1, 0, 30), "PC 1", area_connection=RESIDES)
    assert refusal(leapling, cmd).guard == "right_court_for_age"


def test_the_age_rule_uses_the_london_day() -> None:
    """23:30 UTC on the eve of the birthday in summer is already the birthday in London."""
    born = draft(defendant_born_on=pendulum.Date(2008, 7, 1))
    eve_utc = pendulum.datetime(2026, 6, 30, 23, 30, tz="UTC")
    lay = lay_application(born, at=eve_utc, actor="PC 1", area_connection=RESIDES)
    assert lay.subject.state is St.LAID


def test_no_time_limit_on_old_conduct() -> None:
    """Conduct years old is no bar: the 6-month complaint limit does not apply (s.13(2))."""
    old = draft(conduct_last_on=pendulum.Date(2012, 5, 1))
    fired = lay_application(old, at=AT, actor="PC 1", area_connection=RESIDES)
    assert fired.subject.state is St.LAID
    assert fired.subject.conduct_last_on == pendulum.Date(2012, 5, 1)
    assert not MACHINE.refusals(
        old, ApplicationCommand(Ev.LAY, AT, "PC 1", area_connection=RESIDES)
    )


def test_interim_application_by_another_chief_officer_is_refused() -> None:
    """Only the main applicant applies for an interim order (SPA2019 s.5(2))."""
    error = refusal(
        laid(), ApplicationCommand(Ev.APPLY_FOR_INTERIM, AT, "PC", interim_applicant=GMP)
    )
    assert (error.guard, error.section) == ("interim_by_same_chief_officer", "SPA2019 s.5(2)")
    assert "'06'" in error.reason
    assert "'20'" in error.reason


def test_the_interim_decision_must_be_stated() -> None:
    """No decision, or a grant without its order id, is refused (SPA2019 s.5(3))."""
    app, at = interim_applied(), AT.add(hours=2)
    error = refusal(app, ApplicationCommand(Ev.INTERIM_DECIDED, at, "clerk"))
    assert error.section == "SPA2019 s.5(3)"
    assert "interim_granted=None" in error.reason
    no_id = ApplicationCommand(Ev.INTERIM_DECIDED, at, "clerk", interim_granted=True)
    assert "interim_order_id=None" in refusal(app, no_id).reason
    refused = decide_interim(app, at=at, actor="clerk", granted=False).subject
    assert refused.interim_decisions[0].granted is False


def test_grant_without_every_finding_is_refused() -> None:
    """Each unmet s.2(1) condition is named."""
    app = laid()
    error = refusal(app, ApplicationCommand(Ev.GRANT, AT, "clerk"))
    assert (error.guard, error.section) == ("court_findings_met", "SPA2019 s.2(1)")
    partial = CourtFindings(True, True, False)
    reason = refusal(app, ApplicationCommand(Ev.GRANT, AT, "clerk", findings=partial)).reason
    assert "s.2(1)(c)" in reason
    assert "s.2(1)(a)" not in reason


# --- bad input ------------------------------------------------------------------


def test_a_naive_instant_is_refused() -> None:
    """Commands need aware datetimes."""
    import datetime as dt

    with pytest.raises(NaiveDatetimeError, match="2026"):
        ApplicationCommand(Ev.LAY, dt.datetime(2026, 1, 1, 9), "PC 1")


def test_an_unknown_event_name_is_refused_with_the_known_ones() -> None:
    """Events may be given by name; an unknown one is a typed error."""
    assert ApplicationCommand("LAY", AT, "PC 1").event is Ev.LAY
    with pytest.raises(UnknownCodeError, match=r"'LAUNCH'.*LAY"):
        ApplicationCommand("LAUNCH", AT, "PC 1")


def test_drafting_copies_the_date_of_birth() -> None:
    """draft_application takes the defendant's date of birth for s.13(1)."""
    app = draft_application(
        application_id="A9", defendant=defendant(None), applicant=WMP, court="Leeds"
    )
    assert app.defendant_born_on is None
    assert app.state is St.DRAFT


# --- the record's own fields (review finding 8) ---------------------------------


def test_states_and_codes_are_parsed_or_refused_with_a_typed_error() -> None:
    """A state given by value or name is the member; an unknown one names the value."""
    assert draft(state="laid").state is St.LAID
    assert draft(state="INTERIM_APPLIED").state is St.INTERIM_APPLIED
    assert draft(court_kind="youth").court_kind is CourtKind.YOUTH
    assert draft(area_connection="believed_in_area").area_connection is (
        AreaConnection.BELIEVED_IN_AREA
    )
    for field, bad in (("state", "lodged"), ("court_kind", "crown"), ("area_connection", 3)):
        with pytest.raises(UnknownCodeError, match=field) as caught:
            draft(**{field: bad})
        assert repr(bad) in str(caught.value)


@pytest.mark.parametrize(
    "field", ["laid_at", "interim_applied_at", "determined_at", "withdrawn_at"]
)
def test_naive_times_on_an_application_are_refused_naming_the_field(field: str) -> None:
    """Aware datetimes only, through statutory_time's helper."""
    with pytest.raises(NaiveDatetimeError, match=field):
        draft(**{field: dt.datetime(2026, 3, 1, 10)})


def test_interim_decisions_are_aware_and_in_time_order() -> None:
    """Naive, or decided before applied for: typed errors naming the field."""
    applied = london(2026, 3, 1, 10)
    with pytest.raises(NaiveDatetimeError, match="decided_at"):
        InterimDecision(applied, dt.datetime(2026, 3, 1, 11), False)
    with pytest.raises(InvalidValueError, match="decided_at") as caught:
        InterimDecision(applied, applied.subtract(minutes=1), False)
    assert "before the interim application" in str(caught.value)
    with pytest.raises(InvalidValueError, match="interim_decisions"):
        draft(interim_decisions=("refused",))


def test_protected_persons_are_a_collection_of_ids() -> None:
    """A bare string is refused, not split into letters."""
    with pytest.raises(InvalidValueError, match="'P12'"):
        draft(protected_person_ids="P12")
    assert draft(protected_person_ids=["P1", "P2"]).protected_person_ids == ("P1", "P2")


def test_a_grant_names_the_order_made() -> None:
    """order_named (SPA2019 s.2(1)): no order id, or a blank one, is refused; unchanged."""
    for missing in (None, "   "):
        command = ApplicationCommand(
            Ev.GRANT, AT.add(days=9), "clerk", findings=ALL_MET, order_id=missing
        )
        error = refusal(laid(), command)
        assert (error.guard, error.section) == ("order_named", "SPA2019 s.2(1)")
        assert repr(missing) in error.reason


@pytest.mark.parametrize(
    ("build", "fire", "conflict"),
    [
        (
            laid,
            lambda a: grant_application(
                a, at=AT.subtract(days=9), actor="c", findings=ALL_MET, order_id="SPO-1"
            ),
            "before the application was laid at 2026-02-02T10:00:00+00:00",
        ),
        (
            interim_applied,
            lambda a: decide_interim(a, at=AT.add(minutes=30), actor="c", granted=False),
            "before the interim application at 2026-02-02T11:00:00+00:00",
        ),
        (
            lambda: refuse_application(laid(), at=AT.add(days=30), actor="c").subject,
            lambda a: lodge_refusal_appeal(
                a, at=AT.add(days=29), actor="c", appellant=Party.chief_officer(WMP)
            ),
            "before the application was determined at 2026-03-04T10:00:00+00:00",
        ),
        (
            lambda: (
                decide_interim(
                    interim_applied(), at=AT.add(days=2), actor="c", granted=False
                ).subject
            ),
            lambda a: apply_for_interim(a, at=AT.add(days=1), actor="c", applicant=WMP),
            "before the latest interim decision at 2026-02-04T10:00:00+00:00",
        ),
    ],
    ids=["grant before laid", "decided before applied", "appeal before refusal", "reapply"],
)
def test_application_events_dated_before_what_it_records_are_refused(
    build: Any, fire: Any, conflict: str
) -> None:
    """in_chronological_order (library), naming both instants; the application unchanged."""
    app = build()
    before = (app, app.revision)
    with pytest.raises(GuardRejectedError) as caught:
        fire(app)
    assert (caught.value.guard, caught.value.section) == ("in_chronological_order", "library")
    assert conflict in caught.value.reason
    assert (app, app.revision) == before
