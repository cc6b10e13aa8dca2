"""Random event sequences on an interim order, against a hand-written model."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from spo_tracker.domain.lifecycles.interim_order import (
    MACHINE,
    InterimOrderCommand,
    InterimOrderEvent,
    MainOutcome,
)
from spo_tracker.domain.lifecycles.parties import AppealAgainst, AppealRecord, Party
from spo_tracker.domain.orders import Duration, Order, OrderVersion
from spo_tracker.domain.terms import Term
from spo_tracker.errors import GuardRejectedError, IllegalTransitionError
from tests.lifecycles import model
from tests.lifecycles.builders import GMP, NO_CONTACT, NO_SURVEILLANCE, WMP, interim
from tests.lifecycles.strategies import start_instants, steps

Ev = InterimOrderEvent
LIVE_EVENTS = {
    "VARY",
    "RENEW",
    "DISCHARGE",
    "EXPIRE",
    "MAIN_APPLICATION_DETERMINED",
    "LODGE_APPEAL",
    "APPEAL_DISMISSED",
    "APPEAL_VARIED",
    "APPEAL_QUASHED",
}
#: The model's own table.
LEGAL: dict[str, set[str]] = {
    "MADE": {"SERVE"} | LIVE_EVENTS,
    "SERVED": set(LIVE_EVENTS),
    "DISCHARGED": set(),
    "EXPIRED": set(),
    "CEASED": set(),
    "QUASHED": set(),
}
TARGET = {
    "SERVE": "SERVED",
    "DISCHARGE": "DISCHARGED",
    "EXPIRE": "EXPIRED",
    "MAIN_APPLICATION_DETERMINED": "CEASED",
    "APPEAL_QUASHED": "QUASHED",
}

parties = st.sampled_from([Party.defendant(), Party.chief_officer(WMP), Party.chief_officer(GMP)])
term_sets = st.sampled_from(
    [None, (NO_CONTACT,), (NO_CONTACT, NO_SURVEILLANCE), (NO_SURVEILLANCE,), ()]
)
week_counts = st.none() | st.integers(1, 30)
# Every decision s.7 names, from every party: only the defendant's appeal against the
# making is allowed for an interim order (s.7(1)(b)); the others must be refused.
decisions = st.one_of(
    st.just(AppealAgainst.making()),
    st.builds(AppealAgainst.s4_refusal, on_application_of=parties),
    st.builds(AppealAgainst.s4_order, version=st.integers(2, 3), on_application_of=parties),
)


class InterimOrderLifecycle(RuleBasedStateMachine):
    """The interim order machine against a few variables updated by hand."""

    order: Order
    now: pendulum.DateTime
    state: str
    revision: int
    appeal: bool
    weeks: int
    last: dt.date
    terms: tuple[Term, ...]
    seen: list[OrderVersion]

    @initialize(start=start_instants, length=st.integers(1, 12))
    def begin(self, start: pendulum.DateTime, length: int) -> None:
        self.order = interim(made_at=start, duration=Duration(weeks=length))
        self.made_on = model.london_day(start)
        self.now, self.state, self.revision, self.appeal = start, "MADE", 1, False
        self.weeks, self.terms = length, (NO_CONTACT,)
        self.last = model.last_day(self.made_on, weeks=length)
        self.seen = list(self.order.versions)
        # What the order records, for the chronology rule.
        self.recorded: dict[str, dt.datetime] = {"made": start}

    @precondition(lambda self: not LEGAL[self.state])
    @rule(length=st.integers(1, 12))
    def make_another_order(self, length: int) -> None:
        """Once an order has ended, carry on with a new one made now."""
        self.begin(self.now, length)

    # -- the model's rules -------------------------------------------------------

    def _in_period(self) -> bool:
        return self.now < model.day_end(self.last)

    def _may_apply(self, who: Party) -> bool:
        return who.is_defendant or who.officer == WMP

    def _proposal(
        self, terms: tuple[Term, ...] | None, length: int | None
    ) -> tuple[bool, int, dt.date]:
        """Whether a new version is well formed and changes something, and its period."""
        new_weeks = self.weeks if length is None else length
        last = model.last_day(self.made_on, weeks=new_weeks)
        if terms is None and length is None:
            return False, new_weeks, last
        if terms is not None and (not terms or len({t.term_id for t in terms}) != len(terms)):
            return False, new_weeks, last
        same = (terms is None or terms == self.terms) and new_weeks == self.weeks
        return not same, new_weeks, last

    def _fire(self, event: Ev, passes: bool, **payload: object) -> bool:
        cmd = InterimOrderCommand(event, self.now, "court", **payload)  # type: ignore[arg-type]
        legal = event.name in LEGAL[self.state]
        self.order = model.expect(MACHINE, self.order, cmd, legal=legal, passes=passes)
        done = legal and passes
        if done:
            self.state = TARGET.get(event.name, self.state)
            self.revision += 1
            if not LEGAL[self.state]:
                self.appeal = False  # an ended order takes its pending appeal with it
            self._record(event.name)
        return done

    def _record(self, name: str) -> None:
        """The instants the order now records (the model's chronology floor)."""
        if name == "SERVE":
            self.recorded["served"] = self.now
        elif name in ("VARY", "RENEW", "APPEAL_VARIED"):
            day = model.london_day(self.now) - dt.timedelta(days=1)
            self.recorded["version"] = model.day_end(day)  # the start of the day decided
        elif name == "EXPIRE":
            self.recorded["ended"] = model.day_end(self.last)
        elif not LEGAL[self.state]:
            self.recorded["ended"] = self.now

    def _floor(self) -> dt.datetime:
        return max(self.recorded.values())

    def _new_version(self, terms: tuple[Term, ...] | None, new_weeks: int, last: dt.date) -> None:
        self.terms = self.terms if terms is None else terms
        self.weeks, self.last = new_weeks, last

    # -- rules -------------------------------------------------------------------

    @rule(step=steps)
    def advance(self, step: pendulum.Duration) -> None:
        self.now = self.now + step

    @rule()
    def serve(self) -> None:
        self._fire(Ev.SERVE, self._in_period())

    @rule(event_=st.sampled_from(list(Ev)), back=steps)
    def back_dated(self, event_: Ev, back: pendulum.Duration) -> None:
        """An event dated before what the order records: refused first, nothing changes."""
        at = pendulum.instance(self._floor()) - back
        before = (self.order, self.order.revision)
        with pytest.raises(IllegalTransitionError) as caught:
            MACHINE.fire(self.order, InterimOrderCommand(event_, at, "court"))
        if event_.name in LEGAL[self.state]:
            assert isinstance(caught.value, GuardRejectedError)
            assert caught.value.guard == "in_chronological_order"
        else:
            assert not isinstance(caught.value, GuardRejectedError)
        assert (self.order, self.order.revision) == before

    @rule(who=parties, terms=term_sets, length=week_counts)
    def vary(self, who: Party, terms: tuple[Term, ...] | None, length: int | None) -> None:
        changes, new_weeks, last = self._proposal(terms, length)
        ok = self._in_period() and self._may_apply(who) and changes
        ok = ok and self.now < model.day_end(last)
        duration = Duration(weeks=length) if length else None
        if self._fire(Ev.VARY, ok, applied_by=who, terms=terms, duration=duration):
            self._new_version(terms, new_weeks, last)

    @rule(who=parties, length=week_counts)
    def renew(self, who: Party, length: int | None) -> None:
        changes, new_weeks, last = self._proposal(None, length)
        ok = self._in_period() and self._may_apply(who) and changes and last > self.last
        duration = Duration(weeks=length) if length else None
        if self._fire(Ev.RENEW, ok, applied_by=who, duration=duration):
            self._new_version(None, new_weeks, last)

    @rule(who=parties)
    def discharge(self, who: Party) -> None:
        self._fire(Ev.DISCHARGE, self._in_period() and self._may_apply(who), applied_by=who)

    @rule()
    def expire(self) -> None:
        self._fire(Ev.EXPIRE, not self._in_period())

    @rule(
        outcome=st.none() | st.sampled_from(MainOutcome) | st.sampled_from(["granted", "REFUSED"]),
        application=st.sampled_from([None, "APP-1", "APP-2"]),
    )
    def determine(self, outcome: MainOutcome | str | None, application: str | None) -> None:
        """Only the order's own main application, named (SPA2019 s.5(1), s.5(6)(b))."""
        ok = self._in_period() and outcome is not None and application == "APP-1"
        self._fire(
            Ev.MAIN_APPLICATION_DETERMINED, ok, main_outcome=outcome, application_id=application
        )

    @rule(who=parties, against=decisions)
    def lodge_appeal(self, who: Party, against: AppealAgainst) -> None:
        allowed = who.is_defendant and against == AppealAgainst.making()
        ok = self._in_period() and not self.appeal and allowed
        before = self.order
        if self._fire(Ev.LODGE_APPEAL, ok, appellant=who, against=against):
            self.appeal = True
            cmd = InterimOrderCommand(
                Ev.LODGE_APPEAL, self.now, "court", appellant=who, against=against
            )
            record = MACHINE.fire(before, cmd).record
            assert isinstance(record, AppealRecord)
            assert (record.section, record.appellant) == ("SPA2019 s.7(1)(b)", "defendant")

    @rule()
    def dismiss_appeal(self) -> None:
        if self._fire(Ev.APPEAL_DISMISSED, self._in_period() and self.appeal):
            self.appeal = False

    @rule(terms=term_sets, length=week_counts)
    def vary_on_appeal(self, terms: tuple[Term, ...] | None, length: int | None) -> None:
        changes, new_weeks, last = self._proposal(terms, length)
        ok = self._in_period() and self.appeal and changes and self.now < model.day_end(last)
        duration = Duration(weeks=length) if length else None
        if self._fire(Ev.APPEAL_VARIED, ok, terms=terms, duration=duration):
            self._new_version(terms, new_weeks, last)
            self.appeal = False

    @rule()
    def quash(self) -> None:
        if self._fire(Ev.APPEAL_QUASHED, self._in_period() and self.appeal):
            self.appeal = False

    # -- invariants ----------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        order = self.order
        assert order.state.name == self.state
        assert order.revision == self.revision
        assert order.appeal_pending == self.appeal
        assert order.terms == self.terms
        assert order.period is not None
        assert order.period.last_day == self.last
        assert {e.name for e in MACHINE.allowed_events(order)} == LEGAL[self.state]

    @invariant()
    def the_order_passes_its_own_checks(self) -> None:
        """Every transition's output re-validates: ``attrs.evolve`` runs every check."""
        assert attrs.evolve(self.order) == self.order

    @invariant()
    def versions_once_appended_never_change(self) -> None:
        versions = self.order.versions
        assert list(versions[: len(self.seen)]) == self.seen
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        self.seen = list(versions)

    @invariant()
    def ended_orders_record_when(self) -> None:
        if self.state == "EXPIRED":
            assert self.order.ended_at == model.day_end(self.last)
        elif self.state in ("DISCHARGED", "CEASED", "QUASHED"):
            assert self.order.ended_at is not None
        else:
            assert self.order.ended_at is None


TestInterimOrderLifecycle = InterimOrderLifecycle.TestCase
