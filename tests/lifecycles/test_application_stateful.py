"""Random event sequences on an application, against a hand-written model.

The model keeps, besides the state, the appeal pending on the application (the
decision appealed, SPA2019 s.7(2)) and whether the latest interim decision was a
refusal, which decide when the appeal rows' guards pass.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from spo_tracker.domain.lifecycles.application import (
    MACHINE,
    Application,
    ApplicationCommand,
    ApplicationEvent,
    AreaConnection,
    CourtFindings,
    CourtKind,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, AppealedDecision, Party
from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.errors import GuardRejectedError, IllegalTransitionError
from tests.lifecycles import model
from tests.lifecycles.builders import BTP, GMP, WMP, draft
from tests.lifecycles.strategies import start_instants, steps

Ev = ApplicationEvent

#: The model's own table: which events each state accepts, and where they lead.
LEGAL: dict[str, dict[str, str]] = {
    "DRAFT": {"LAY": "LAID", "WITHDRAW": "WITHDRAWN"},
    "LAID": {
        "APPLY_FOR_INTERIM": "INTERIM_APPLIED",
        "LODGE_APPEAL": "LAID",  # against an interim refusal (s.7(2))
        "APPEAL_DISMISSED": "LAID",
        "APPEAL_ALLOWED": "LAID",  # the Crown Court makes the interim order (s.7(4))
        "GRANT": "GRANTED",
        "REFUSE": "REFUSED",
        "WITHDRAW": "WITHDRAWN",
    },
    "INTERIM_APPLIED": {
        "INTERIM_DECIDED": "LAID",
        "GRANT": "GRANTED",
        "REFUSE": "REFUSED",
        "WITHDRAW": "WITHDRAWN",
    },
    "GRANTED": {},
    "REFUSED": {"LODGE_APPEAL": "REFUSAL_APPEALED"},
    "REFUSAL_APPEALED": {"APPEAL_DISMISSED": "REFUSED", "APPEAL_ALLOWED": "GRANTED"},
    "WITHDRAWN": {},
}

births = st.none() | st.dates(dt.date(1996, 1, 1), dt.date(2014, 12, 31)).map(
    lambda d: pendulum.Date(d.year, d.month, d.day)
)


class ApplicationLifecycle(RuleBasedStateMachine):
    """The application machine against a few variables updated by hand."""

    app: Application
    now: pendulum.DateTime
    state: str
    revision: int
    decisions: int
    appeal: AppealedDecision | None
    last_interim_refused: bool

    @initialize(
        start=start_instants,
        applicant=st.sampled_from([WMP, BTP]),
        born=births,
        court_kind=st.sampled_from(CourtKind),
        stage=st.sampled_from(["draft", "laid", "interim refused", "interim appealed"]),
    )
    def begin(
        self,
        start: pendulum.DateTime,
        applicant: ChiefOfficer,
        born: pendulum.Date | None,
        court_kind: CourtKind,
        stage: str,
    ) -> None:
        """A draft; or one laid at once in the right court, with an interim order refused,
        and that refusal appealed (s.7(2)).

        The later stages are reached through the machine (checked against the model)
        so that runs spend their steps on pending applications and their appeals.
        """
        self.now, self.state, self.revision, self.decisions = start, "DRAFT", 1, 0
        self.appeal, self.last_interim_refused = None, False
        # One appeal per decision (s.7(4)): the latest interim refusal's appeal, and the
        # refusal's, once decided, are not appealed again.
        self.latest_interim_decided, self.refusal_decided = False, False
        self.recorded: dict[str, dt.datetime] = {}  # what the application records, by name
        self.app = draft(applicant=applicant, defendant_born_on=born, court_kind=court_kind)
        if stage == "draft":
            return
        if not self._right_court():
            other = CourtKind.MAGISTRATES if court_kind is CourtKind.YOUTH else CourtKind.YOUTH
            self.app = draft(applicant=applicant, defendant_born_on=born, court_kind=other)
        self.lay(AreaConnection.RESIDES_IN_AREA)
        if stage != "laid":
            self.the_applicant_applies_for_interim()
            self.the_interim_order_is_refused()
        if stage == "interim appealed":
            self.the_applicant_appeals_the_interim_refusal()

    def _fire(self, event: Ev, passes: bool, **payload: object) -> bool:
        """Fire as the model predicts; whether the event happened."""
        cmd = ApplicationCommand(event, self.now, "PC 1", **payload)  # type: ignore[arg-type]
        legal = event.name in LEGAL[self.state]
        self.app = model.expect(MACHINE, self.app, cmd, legal=legal, passes=passes)
        if legal and passes:
            source, self.state = self.state, LEGAL[self.state][event.name]
            self.revision += 1
            self._record(event.name, source)
        return legal and passes

    def _record(self, name: str, source: str) -> None:
        """The instants the application now records (the model's chronology floor)."""
        if name == "LAY":
            self.recorded["laid"] = self.now
        elif name == "APPLY_FOR_INTERIM":
            self.recorded["interim applied"] = self.now
        elif name == "INTERIM_DECIDED" or (name == "APPEAL_ALLOWED" and source == "LAID"):
            self.recorded.pop("interim applied", None)
            self.recorded["interim decided"] = self.now
        elif name in ("GRANT", "REFUSE", "WITHDRAW", "APPEAL_ALLOWED"):
            self.recorded.pop("interim applied", None)
            self.recorded["determined"] = self.now

    def _determine(self, event: Ev, passes: bool, **payload: object) -> None:
        """GRANT, REFUSE, WITHDRAW: a pending interim appeal lapses with the application."""
        if self._fire(event, passes, **payload):
            self.appeal = None

    def _right_court(self) -> bool:
        born = self.app.defendant_born_on
        if born is None:
            return True
        youth = model.under_18(dt.date(born.year, born.month, born.day), model.london_day(self.now))
        return (self.app.court_kind is CourtKind.YOUTH) == youth

    @rule(step=steps)
    def advance(self, step: pendulum.Duration) -> None:
        self.now = self.now + step

    @rule(connection=st.none() | st.sampled_from(AreaConnection))
    def lay(self, connection: AreaConnection | None) -> None:
        connected = self.app.applicant is BTP or connection is not None
        self._fire(Ev.LAY, connected and self._right_court(), area_connection=connection)

    @rule(officer=st.sampled_from([WMP, GMP, BTP]))
    def apply_for_interim(self, officer: ChiefOfficer) -> None:
        same = officer.key == self.app.applicant.key
        self._fire(Ev.APPLY_FOR_INTERIM, same and self.appeal is None, interim_applicant=officer)

    @rule(granted=st.none() | st.booleans(), with_id=st.booleans())
    def decide_interim(self, granted: bool | None, with_id: bool) -> None:
        passes = granted is not None and (not granted or with_id)
        order_id = "ISPO-9" if with_id else None
        if self._fire(
            Ev.INTERIM_DECIDED, passes, interim_granted=granted, interim_order_id=order_id
        ):
            self.decisions += 1
            self.last_interim_refused = not granted
            self.latest_interim_decided = False

    @rule(
        findings=st.none() | st.tuples(st.booleans(), st.booleans(), st.booleans()),
        order_id=st.sampled_from(["SPO-1", None, "  "]),
    )
    def grant(self, findings: tuple[bool, bool, bool] | None, order_id: str | None) -> None:
        """s.2(1): every finding, and the order made named."""
        found = CourtFindings(*findings) if findings is not None else None
        passes = findings is not None and all(findings) and order_id == "SPO-1"
        self._determine(Ev.GRANT, passes, findings=found, order_id=order_id)

    @rule()
    def refuse(self) -> None:
        self._determine(Ev.REFUSE, True)

    @rule()
    def withdraw(self) -> None:
        self._determine(Ev.WITHDRAW, True)

    def _may_lodge(self, appellant: Party, against: AppealAgainst | None) -> bool:
        """s.7(2): the applying chief officer, against the refusal the state stands for."""
        if not appellant.is_officer(self.app.applicant) or against is None:
            return False
        if self.state == "LAID":  # an interim refusal, the latest decision, one at a time
            interim = against == AppealAgainst.interim_refusal()
            fresh = not self.latest_interim_decided
            return interim and self.last_interim_refused and self.appeal is None and fresh
        return against == AppealAgainst.refusal() and not self.refusal_decided

    @rule(
        appellant=st.sampled_from([Party.defendant(), *map(Party.chief_officer, [WMP, GMP, BTP])]),
        against=st.sampled_from(
            [
                AppealAgainst.refusal(),
                AppealAgainst.interim_refusal(),
                AppealAgainst.making(),  # never on an application
                None,
            ]
        ),
    )
    def lodge_appeal(self, appellant: Party, against: AppealAgainst | None) -> None:
        passes = self._may_lodge(appellant, against)
        if self._fire(Ev.LODGE_APPEAL, passes, appellant=appellant, against=against):
            assert against is not None
            self.appeal = against.decision

    @rule()
    def dismiss_appeal(self) -> None:
        appealed = self.appeal
        if self._fire(Ev.APPEAL_DISMISSED, appealed is not None):
            self.appeal = None
            if appealed is AppealedDecision.INTERIM_REFUSAL:
                self.latest_interim_decided = True
            else:
                self.refusal_decided = True

    @rule(
        findings=st.tuples(st.booleans(), st.booleans(), st.booleans()),
        with_id=st.booleans(),
        with_interim_id=st.booleans(),
    )
    def allow_appeal(
        self, findings: tuple[bool, bool, bool], with_id: bool, with_interim_id: bool
    ) -> None:
        order_id = "SPO-CC" if with_id else None
        interim_id = "ISPO-CC" if with_interim_id else None
        if self.state == "LAID":  # the Crown Court makes the interim order (s.7(4))
            passes = self.appeal is not None and with_interim_id
        else:  # the Crown Court makes the order, on the s.2(1) findings
            passes = all(findings) and with_id
        found = CourtFindings(*findings)
        payload = {"findings": found, "order_id": order_id, "interim_order_id": interim_id}
        interim = self.state == "LAID"
        if self._fire(Ev.APPEAL_ALLOWED, passes, **payload):
            self.appeal = None
            if interim:
                self.decisions += 1
                self.last_interim_refused = False

    # Steering rules: the same events with the payload that passes, enabled only where
    # they matter, so random runs reach appeals against interim refusals often.

    @precondition(lambda self: self.state == "LAID")
    @rule()
    def the_applicant_applies_for_interim(self) -> None:
        self._fire(Ev.APPLY_FOR_INTERIM, self.appeal is None, interim_applicant=self.app.applicant)

    @precondition(lambda self: self.state == "INTERIM_APPLIED")
    @rule()
    def the_interim_order_is_refused(self) -> None:
        if self._fire(Ev.INTERIM_DECIDED, True, interim_granted=False):
            self.decisions += 1
            self.last_interim_refused = True
            self.latest_interim_decided = False

    @precondition(lambda self: self.state == "LAID" and self.last_interim_refused)
    @rule()
    def the_applicant_appeals_the_interim_refusal(self) -> None:
        self.lodge_appeal(Party.chief_officer(self.app.applicant), AppealAgainst.interim_refusal())

    @precondition(lambda self: self.appeal is AppealedDecision.INTERIM_REFUSAL)
    @rule(event=st.sampled_from([Ev.GRANT, Ev.REFUSE, Ev.WITHDRAW]))
    def the_application_is_determined_with_an_interim_appeal_pending(self, event: Ev) -> None:
        named = {"order_id": "SPO-1"} if event is Ev.GRANT else {}
        self._determine(event, True, findings=CourtFindings(True, True, True), **named)

    @precondition(lambda self: bool(self.recorded))
    @rule(event_=st.sampled_from(list(Ev)), back=steps)
    def back_dated(self, event_: Ev, back: pendulum.Duration) -> None:
        """An event dated before what the application records: refused, nothing changes."""
        at = pendulum.instance(max(self.recorded.values())) - back
        before = (self.app, self.app.revision)
        with pytest.raises(IllegalTransitionError) as caught:
            MACHINE.fire(self.app, ApplicationCommand(event_, at, "PC 1"))
        if event_.name in LEGAL[self.state]:
            assert isinstance(caught.value, GuardRejectedError)
            assert caught.value.guard == "in_chronological_order"
        else:
            assert not isinstance(caught.value, GuardRejectedError)
        assert (self.app, self.app.revision) == before

    @invariant()
    def the_application_passes_its_own_checks(self) -> None:
        """Every transition's output re-validates: ``attrs.evolve`` runs every check."""
        assert attrs.evolve(self.app) == self.app

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert self.app.state.name == self.state
        assert self.app.revision == self.revision
        assert len(self.app.interim_decisions) == self.decisions
        allowed = {e.name for e in MACHINE.allowed_events(self.app)}
        assert allowed == set(LEGAL[self.state])

    @invariant()
    def pending_interim_only_while_interim_applied(self) -> None:
        assert (self.app.interim_applied_at is not None) == (self.state == "INTERIM_APPLIED")

    @invariant()
    def laid_applications_record_when(self) -> None:
        if self.state in ("LAID", "INTERIM_APPLIED", "GRANTED", "REFUSED", "REFUSAL_APPEALED"):
            assert self.app.laid_at is not None

    @invariant()
    def an_appeal_is_kept_only_while_pending(self) -> None:
        """The applying chief officer's appeal against a refusal (s.7(2)), until decided.

        Against the application's refusal in REFUSAL_APPEALED; against an interim
        refusal while LAID, until decided or until the application is determined.
        """
        pending = self.app.appeal
        decision = None if pending is None else pending.against.decision
        assert decision is self.appeal
        if self.state == "REFUSAL_APPEALED":
            assert decision is AppealedDecision.REFUSAL
        elif self.state == "LAID":
            assert decision in (None, AppealedDecision.INTERIM_REFUSAL)
        else:
            assert pending is None
        if pending is not None:
            assert pending.appellant.is_officer(self.app.applicant)

    @invariant()
    def the_latest_interim_decision_is_as_modelled(self) -> None:
        """A refusal is appealable until another decision, or the Crown Court's, follows it."""
        decisions = self.app.interim_decisions
        assert bool(decisions and not decisions[-1].granted) == self.last_interim_refused


TestApplicationLifecycle = ApplicationLifecycle.TestCase
