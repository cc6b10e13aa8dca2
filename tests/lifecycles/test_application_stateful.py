"""Random event sequences on an application, against a hand-written model."""

from __future__ import annotations

import datetime as dt

import pendulum
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from spo_tracker.domain.lifecycles.application import (
    MACHINE,
    Application,
    ApplicationCommand,
    ApplicationEvent,
    AreaConnection,
    CourtFindings,
    CourtKind,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, Party
from spo_tracker.domain.people import ChiefOfficer
from tests.lifecycles import model
from tests.lifecycles.builders import BTP, GMP, WMP, draft
from tests.lifecycles.strategies import start_instants, steps

Ev = ApplicationEvent

#: The model's own table: which events each state accepts, and where they lead.
LEGAL: dict[str, dict[str, str]] = {
    "DRAFT": {"LAY": "LAID", "WITHDRAW": "WITHDRAWN"},
    "LAID": {
        "APPLY_FOR_INTERIM": "INTERIM_APPLIED",
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

    @initialize(
        start=start_instants,
        applicant=st.sampled_from([WMP, BTP]),
        born=births,
        court_kind=st.sampled_from(CourtKind),
    )
    def begin(
        self,
        start: pendulum.DateTime,
        applicant: ChiefOfficer,
        born: pendulum.Date | None,
        court_kind: CourtKind,
    ) -> None:
        self.now, self.state, self.revision, self.decisions = start, "DRAFT", 1, 0
        self.app = draft(applicant=applicant, defendant_born_on=born, court_kind=court_kind)

    def _fire(self, event: Ev, passes: bool, **payload: object) -> None:
        cmd = ApplicationCommand(event, self.now, "PC 1", **payload)  # type: ignore[arg-type]
        legal = event.name in LEGAL[self.state]
        self.app = model.expect(MACHINE, self.app, cmd, legal=legal, passes=passes)
        if legal and passes:
            self.state = LEGAL[self.state][event.name]
            self.revision += 1

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
        self._fire(Ev.APPLY_FOR_INTERIM, same, interim_applicant=officer)

    @rule(granted=st.none() | st.booleans(), with_id=st.booleans())
    def decide_interim(self, granted: bool | None, with_id: bool) -> None:
        before = self.state
        passes = granted is not None and (not granted or with_id)
        order_id = "ISPO-9" if with_id else None
        self._fire(Ev.INTERIM_DECIDED, passes, interim_granted=granted, interim_order_id=order_id)
        if before == "INTERIM_APPLIED" and self.state == "LAID":
            self.decisions += 1

    @rule(findings=st.none() | st.tuples(st.booleans(), st.booleans(), st.booleans()))
    def grant(self, findings: tuple[bool, bool, bool] | None) -> None:
        found = CourtFindings(*findings) if findings is not None else None
        self._fire(Ev.GRANT, findings is not None and all(findings), findings=found)

    @rule()
    def refuse(self) -> None:
        self._fire(Ev.REFUSE, True)

    @rule()
    def withdraw(self) -> None:
        self._fire(Ev.WITHDRAW, True)

    @rule(
        appellant=st.sampled_from([Party.defendant(), *map(Party.chief_officer, [WMP, GMP, BTP])]),
        against=st.sampled_from(
            [AppealAgainst.refusal(), AppealAgainst.making(), None]  # only a refusal (s.7(2))
        ),
    )
    def lodge_appeal(self, appellant: Party, against: AppealAgainst | None) -> None:
        passes = appellant.is_officer(self.app.applicant) and against == AppealAgainst.refusal()
        self._fire(Ev.LODGE_APPEAL, passes, appellant=appellant, against=against)

    @rule()
    def dismiss_appeal(self) -> None:
        self._fire(Ev.APPEAL_DISMISSED, True)

    @rule(findings=st.tuples(st.booleans(), st.booleans(), st.booleans()), with_id=st.booleans())
    def allow_appeal(self, findings: tuple[bool, bool, bool], with_id: bool) -> None:
        order_id = "SPO-CC" if with_id else None
        passes = all(findings) and with_id
        found = CourtFindings(*findings)
        self._fire(Ev.APPEAL_ALLOWED, passes, findings=found, order_id=order_id)

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
        """The applying chief officer's appeal against the refusal (s.7(2)), until decided."""
        pending = self.app.appeal
        assert (pending is not None) == (self.state == "REFUSAL_APPEALED")
        if pending is not None:
            assert pending.appellant.is_officer(self.app.applicant)
            assert pending.against == AppealAgainst.refusal()


TestApplicationLifecycle = ApplicationLifecycle.TestCase
