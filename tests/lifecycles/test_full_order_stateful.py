"""Random event sequences on a full order, against a hand-written model."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from spo_tracker.domain.lifecycles.full_order import MACHINE, FullOrderCommand, FullOrderEvent
from spo_tracker.domain.lifecycles.parties import AppealAgainst, AppealRecord, Party
from spo_tracker.domain.orders import Duration, Order, OrderVersion
from spo_tracker.domain.people import ChiefOfficer, ForceKind
from spo_tracker.domain.terms import Term
from spo_tracker.errors import GuardRejectedError, IllegalTransitionError
from tests.lifecycles import model
from tests.lifecycles.builders import BTP, GMP, MET, NO_CONTACT, NO_SURVEILLANCE, WMP, full
from tests.lifecycles.strategies import start_instants, steps

Ev = FullOrderEvent
LIVE_EVENTS = {
    "VARY",
    "RENEW",
    "DISCHARGE",
    "EXPIRE",
    "LODGE_APPEAL",
    "APPEAL_DISMISSED",
    "APPEAL_VARIED",
    "APPEAL_QUASHED",
    "APPEAL_DISCHARGED",
}
#: The model's own table: a discharge is a s.4 order, appealable (s.7(1)(c), s.7(3)).
LEGAL: dict[str, set[str]] = {
    "MADE": {"SERVE"} | LIVE_EVENTS,
    "SERVED": set(LIVE_EVENTS),
    "DISCHARGED": {"LODGE_APPEAL", "APPEAL_DISMISSED", "APPEAL_RESTORED"},
    "EXPIRED": set(),
    "QUASHED": set(),
}
TARGET = {
    "SERVE": "SERVED",
    "DISCHARGE": "DISCHARGED",
    "EXPIRE": "EXPIRED",
    "APPEAL_QUASHED": "QUASHED",
    "APPEAL_DISCHARGED": "DISCHARGED",
    "APPEAL_RESTORED": "SERVED",
}
#: The events that end the order, and with it any appeal still pending.
ENDING = {"DISCHARGE", "EXPIRE", "APPEAL_QUASHED", "APPEAL_DISCHARGED"}
DEFENDANT = Party.defendant()
OFFICERS = (WMP, GMP, MET, BTP)

# The defendant half the time, otherwise one of four forces.
parties = st.just(DEFENDANT) | st.sampled_from([Party.chief_officer(o) for o in OFFICERS])
home_forces = st.sampled_from([None, GMP, WMP])
term_sets = st.sampled_from(
    [None, (NO_CONTACT,), (NO_CONTACT, NO_SURVEILLANCE), (NO_SURVEILLANCE,), ()]
)
durations = st.none() | st.tuples(st.integers(0, 4), st.integers(0, 11)).filter(
    lambda d: d != (0, 0)
)
# Mostly the parties s.4(4)(b) can require, so that near misses are common.
consent_sets = st.sets(
    st.sampled_from([DEFENDANT, Party.chief_officer(WMP), Party.chief_officer(GMP)])
) | st.sets(st.sampled_from([DEFENDANT, *(Party.chief_officer(o) for o in OFFICERS)]))
Length = tuple[int, int] | None
# The decisions s.7 names, each with every appellant: most appeals drawn are not allowed.
decision_kinds = st.sampled_from(
    ["making", "s4_order", "discharge", "s4_refusal", "discharge_refusal"]
)
lengths = st.tuples(st.integers(2, 4), st.integers(0, 11)) | st.none()


class FullOrderLifecycle(RuleBasedStateMachine):
    """The full order machine against a few variables updated by hand."""

    order: Order
    now: pendulum.DateTime
    state: str
    revision: int
    appeal: bool
    kind: str | None
    served: bool
    discharged_by: str | None
    length: Length
    last: dt.date | None
    terms: tuple[Term, ...]
    seen: list[OrderVersion]
    causes: list[str]

    @initialize(
        start=start_instants, length=st.tuples(st.integers(2, 4), st.integers(0, 11)) | st.none()
    )
    def begin(self, start: pendulum.DateTime, length: Length) -> None:
        duration = Duration(years=length[0], months=length[1]) if length else None
        self.order = full(made_at=start, duration=duration, fixed=duration is not None)
        self.made_on = model.london_day(start)
        self.two_years = model.last_day(self.made_on, years=2)
        self.now, self.state, self.revision, self.appeal = start, "MADE", 1, False
        self.kind, self.served, self.discharged_by = None, False, None
        self.length, self.terms = length, (NO_CONTACT,)
        self.last = self._last(length)
        self.seen = list(self.order.versions)
        self.causes = ["made"]
        # What the order records, for the chronology rule: made, served, ended, version day.
        self.made_at: dt.datetime = start
        self.served_at: dt.datetime | None = None
        self.ended_at: dt.datetime | None = None
        self.version_from: dt.datetime | None = None

    @precondition(lambda self: self.state not in ("MADE", "SERVED"))
    @rule(length=lengths)
    def make_another_order(self, length: Length) -> None:
        """Once an order has ended, carry on with a new one made now."""
        self.begin(self.now, length)

    # -- the model's rules -------------------------------------------------------

    def _last(self, length: Length) -> dt.date | None:
        return (
            None
            if length is None
            else model.last_day(self.made_on, years=length[0], months=length[1])
        )

    def _in_period(self) -> bool:
        return self.last is None or self.now < model.day_end(self.last)

    def _relevant(self, who: Party, home: ChiefOfficer | None, believes: bool) -> bool:
        if who.officer is None:
            return True
        key = who.officer.key
        territorial = who.officer.force.kind is ForceKind.TERRITORIAL
        return (
            key == WMP.key or (home is not None and key == home.key) or (believes and territorial)
        )

    def _proposal(
        self, terms: tuple[Term, ...] | None, length: Length, ufo: bool
    ) -> tuple[bool, Length, dt.date | None]:
        """Whether a new version is well formed and changes something, and its period."""
        if ufo:
            new_length, new_last = None, None
        elif length is not None:
            new_length, new_last = length, self._last(length)
        else:
            new_length, new_last = self.length, self.last
        if terms is None and length is None and not ufo:
            return False, new_length, new_last
        if terms is not None and not terms:
            return False, new_length, new_last
        same_terms = terms is None or terms == self.terms
        same = same_terms and self._same_duration(new_length) and new_last == self.last
        return not same, new_length, new_last

    def _same_duration(self, length: Length) -> bool:
        def norm(x: Length) -> tuple[int, int] | None:
            return None if x is None else (x[0] + x[1] // 12, x[1] % 12)

        return norm(length) == norm(self.length)

    def _not_over(self, last: dt.date | None) -> bool:
        return last is None or self.now < model.day_end(last)

    def _at_least_two_years(self, length: Length, ufo: bool, last: dt.date | None) -> bool:
        return ufo or length is None or (last is not None and last >= self.two_years)

    def _necessary(self, terms: tuple[Term, ...] | None, necessary: bool) -> bool:
        return terms is None or necessary or all(t in self.terms for t in terms)

    def _fire(self, event: Ev, passes: bool, **payload: object) -> bool:
        cmd = FullOrderCommand(event, self.now, "court", **payload)  # type: ignore[arg-type]
        legal = event.name in LEGAL[self.state]
        self.order = model.expect(MACHINE, self.order, cmd, legal=legal, passes=passes)
        done = legal and passes
        if done:
            self.state = TARGET.get(event.name, self.state)
            self.revision += 1
            if event.name in ENDING:
                self.appeal, self.kind = False, None
            self._record(event.name)
        return done

    def _record(self, name: str) -> None:
        """The instants the order now records (the model's chronology floor)."""
        if name == "SERVE":
            self.served_at = self.now
        elif name in ("VARY", "RENEW", "APPEAL_VARIED"):
            day = model.london_day(self.now)
            self.version_from = model.day_end(day - dt.timedelta(days=1))
        elif name == "EXPIRE":
            assert self.last is not None
            self.ended_at = model.day_end(self.last)
        elif name in ENDING:
            self.ended_at = self.now
        elif name == "APPEAL_RESTORED":
            self.ended_at = None

    def _floor(self) -> dt.datetime:
        recorded = (self.made_at, self.served_at, self.ended_at, self.version_from)
        return max(t for t in recorded if t is not None)

    def _decided(self) -> None:
        self.appeal, self.kind = False, None

    def _adopt(self, terms: tuple[Term, ...] | None, length: Length, last: dt.date | None) -> None:
        self.terms = self.terms if terms is None else terms
        self.length, self.last = length, last

    @staticmethod
    def _duration(length: Length) -> Duration | None:
        return Duration(years=length[0], months=length[1]) if length else None

    # -- rules -------------------------------------------------------------------

    @rule(step=steps)
    def advance(self, step: pendulum.Duration) -> None:
        self.now = self.now + step

    @rule()
    def serve(self) -> None:
        if self._fire(Ev.SERVE, self._in_period()):
            self.served = True

    @rule(
        who=parties,
        home=home_forces,
        believes=st.booleans(),
        terms=term_sets,
        length=durations,
        ufo=st.booleans(),
        necessary=st.booleans(),
    )
    def vary(
        self,
        who: Party,
        home: ChiefOfficer | None,
        believes: bool,
        terms: tuple[Term, ...] | None,
        length: Length,
        ufo: bool,
        necessary: bool,
    ) -> None:
        changes, new_length, new_last = self._proposal(terms, length, ufo)
        ok = self._in_period() and self._relevant(who, home, believes) and changes
        ok = ok and self._not_over(new_last) and self._necessary(terms, necessary)
        ok = ok and self._at_least_two_years(length, ufo, new_last)
        payload = {
            "applied_by": who,
            "home_force": home,
            "applicant_believes_defendant_in_area": believes,
            "terms": terms,
            "duration": self._duration(length),
            "until_further_order": ufo,
            "necessary_to_protect": necessary,
        }
        if self._fire(Ev.VARY, ok, **payload):
            self._adopt(terms, new_length, new_last)
            self.causes.append("varied")

    @rule(who=parties, home=home_forces, length=durations, ufo=st.booleans())
    def renew(self, who: Party, home: ChiefOfficer | None, length: Length, ufo: bool) -> None:
        changes, new_length, new_last = self._proposal(None, length, ufo)
        extends = self.last is not None and (
            ufo or (length is not None and new_last is not None and new_last > self.last)
        )
        ok = self._in_period() and self._relevant(who, home, False) and changes and extends
        ok = ok and self._at_least_two_years(length, ufo, new_last)
        payload = {
            "applied_by": who,
            "home_force": home,
            "duration": self._duration(length),
            "until_further_order": ufo,
        }
        if self._fire(Ev.RENEW, ok, **payload):
            self._adopt(None, new_length, new_last)
            self.causes.append("renewed")

    def _needed(self, who: Party, home: ChiefOfficer | None) -> set[str] | None:
        """The model's s.4(4)(b) consents (None: cannot be worked out without the home force)."""
        if who.officer is not None:
            return {DEFENDANT.key, who.key}
        if home is None:
            return None
        return {DEFENDANT.key, f"chief-officer:{WMP.key}", f"chief-officer:{home.key}"}

    @rule(who=parties, home=home_forces, consents=consent_sets, near_miss=st.booleans())
    def discharge(
        self, who: Party, home: ChiefOfficer | None, consents: set[Party], near_miss: bool
    ) -> None:
        needed = self._needed(who, home)
        if near_miss and needed:
            # Everyone needed but one: the consents most likely to be got wrong.
            every = [DEFENDANT, *(Party.chief_officer(o) for o in OFFICERS)]
            left_out = sorted(needed)[len(consents) % len(needed)]
            consents = {p for p in every if p.key in needed and p.key != left_out}
        early = self.now < model.day_end(self.two_years)
        given = {p.key for p in consents}
        consented = not early or (needed is not None and needed <= given)
        ok = self._in_period() and self._relevant(who, home, False) and consented
        if self._fire(Ev.DISCHARGE, ok, applied_by=who, home_force=home, consents=consents):
            self.discharged_by = who.key

    @rule()
    def expire(self) -> None:
        self._fire(Ev.EXPIRE, self.last is not None and not self._in_period())

    def _appeal_paragraph(
        self,
        who: Party,
        kind: str,
        applicant: Party,
        version: int,
        home: ChiefOfficer | None,
        believes: bool,
    ) -> str | None:
        """The model's s.7: the paragraph giving ``who`` this appeal, or None if none does."""
        if kind == "making":
            return "s.7(1)(a)" if who.is_defendant else None
        if kind in ("s4_refusal", "discharge_refusal"):
            if who.key != applicant.key:
                return None
            return "s.7(1)(d)" if who.is_defendant else "s.7(2)"
        if kind == "discharge" and applicant.key != self.discharged_by:
            return None  # not this order's s.4 discharge (or one made on appeal)
        versioned = version <= len(self.causes) and self.causes[version - 1] in (
            "varied",
            "renewed",
        )
        if kind == "s4_order" and not versioned:
            return None
        if not applicant.is_defendant:
            return "s.7(1)(c)" if who.is_defendant else None
        relevant = not who.is_defendant and self._relevant(who, home, believes)
        return "s.7(3)" if relevant else None

    @rule(
        who=parties,
        kind=decision_kinds,
        applicant=parties,
        back=st.integers(0, 2),
        home=home_forces,
        believes=st.booleans(),
    )
    def lodge_appeal(
        self,
        who: Party,
        kind: str,
        applicant: Party,
        back: int,
        home: ChiefOfficer | None,
        believes: bool,
    ) -> None:
        # Mostly the latest version, which is a s.4 order whenever the order was varied
        # or renewed last; sometimes an earlier one, or one the order does not have yet.
        version = max(2, len(self.causes) - back) + (back == 2)
        against = {
            "making": AppealAgainst.making(),
            "s4_order": AppealAgainst.s4_order(version=version, on_application_of=applicant),
            "discharge": AppealAgainst.discharge(on_application_of=applicant),
            "s4_refusal": AppealAgainst.s4_refusal(on_application_of=applicant),
            "discharge_refusal": AppealAgainst.discharge_refusal(on_application_of=applicant),
        }[kind]
        paragraph = self._appeal_paragraph(who, kind, applicant, version, home, believes)
        before = self.order
        payload: dict[str, Any] = {
            "appellant": who,
            "against": against,
            "home_force": home,
            "applicant_believes_defendant_in_area": believes,
        }
        discharged = self.state == "DISCHARGED"
        if discharged:  # only the discharge, of a served order; its period does not matter
            ok = kind == "discharge" and self.served
        else:
            ok = kind != "discharge" and self._in_period()
        ok = ok and not self.appeal and paragraph is not None
        done = self._fire(Ev.LODGE_APPEAL, ok, **payload)
        event(f"appeal {'lodged under ' + str(paragraph) if done else 'refused or illegal'}")
        if done:
            self.appeal, self.kind = True, kind
            record = MACHINE.fire(
                before, FullOrderCommand(Ev.LODGE_APPEAL, self.now, "court", **payload)
            ).record
            assert isinstance(record, AppealRecord)
            assert record.section == f"SPA2019 {paragraph}"
            assert (record.appellant, record.against) == (who.key, kind)

    def _outcome_record(self, before: Order, event: Ev) -> None:
        """An outcome's record names the appeal decided (s.7(4))."""
        record = MACHINE.fire(before, FullOrderCommand(event, self.now, "court")).record
        assert isinstance(record, AppealRecord)
        assert record.against == self.kind

    @rule()
    def dismiss_appeal(self) -> None:
        before, live = self.order, self.state != "DISCHARGED"
        if self._fire(Ev.APPEAL_DISMISSED, (self._in_period() or not live) and self.appeal):
            self._outcome_record(before, Ev.APPEAL_DISMISSED)
            self._decided()

    @rule(terms=term_sets, length=durations, ufo=st.booleans())
    def vary_on_appeal(self, terms: tuple[Term, ...] | None, length: Length, ufo: bool) -> None:
        changes, new_length, new_last = self._proposal(terms, length, ufo)
        ok = self._in_period() and self.appeal and changes and self._not_over(new_last)
        ok = ok and self._at_least_two_years(length, ufo, new_last)
        payload = {"terms": terms, "duration": self._duration(length), "until_further_order": ufo}
        if self._fire(Ev.APPEAL_VARIED, ok, **payload):
            self._adopt(terms, new_length, new_last)
            self._decided()
            self.causes.append("varied_on_appeal")

    @rule()
    def quash(self) -> None:
        """Quashing ends the order: it follows an appeal against the making only (s.7(4))."""
        self._fire(Ev.APPEAL_QUASHED, self._in_period() and self.kind == "making")

    @rule()
    def discharge_on_appeal(self) -> None:
        """The Crown Court discharges on an appeal against a refused discharge (s.7(4))."""
        ok = self._in_period() and self.kind == "discharge_refusal"
        if self._fire(Ev.APPEAL_DISCHARGED, ok):
            self.discharged_by = "the Crown Court"

    @rule()
    def restore_on_appeal(self) -> None:
        """The discharge quashed: in force again, within its fixed period (s.3(1), s.7(4))."""
        if self._fire(Ev.APPEAL_RESTORED, self.kind == "discharge" and self._in_period()):
            self._decided()
            self.discharged_by = None

    @rule(event_=st.sampled_from(list(Ev)), back=steps)
    def back_dated(self, event_: Ev, back: pendulum.Duration) -> None:
        """An event dated before what the order records: refused first, nothing changes."""
        at = pendulum.instance(self._floor()) - back
        before = (self.order, self.order.revision)
        with pytest.raises(IllegalTransitionError) as caught:
            MACHINE.fire(self.order, FullOrderCommand(event_, at, "court"))
        if event_.name in LEGAL[self.state]:
            assert isinstance(caught.value, GuardRejectedError)
            assert caught.value.guard == "in_chronological_order"
        else:
            assert not isinstance(caught.value, GuardRejectedError)
        assert (self.order, self.order.revision) == before

    # -- invariants ----------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        order = self.order
        assert order.state.name == self.state
        assert order.revision == self.revision
        assert order.appeal_pending == self.appeal
        assert (order.appeal.against.decision.value if order.appeal else None) == self.kind
        assert (order.ended_at is None) == (self.state in ("MADE", "SERVED"))
        assert order.terms == self.terms
        assert (order.period.last_day if order.period else None) == self.last
        assert {e.name for e in MACHINE.allowed_events(order)} == LEGAL[self.state]

    @invariant()
    def a_fixed_full_order_never_ends_less_than_two_years_after_it_was_made(self) -> None:
        if self.order.period is not None:
            assert self.order.period.last_day >= self.two_years
        if self.state == "EXPIRED":
            assert self.last is not None
            assert self.order.ended_at == model.day_end(self.last)
            assert self.order.ended_at >= model.day_end(self.two_years)

    @invariant()
    def the_order_passes_its_own_checks(self) -> None:
        """Every transition's output re-validates: ``attrs.evolve`` runs every check."""
        assert attrs.evolve(self.order) == self.order
        floor = self._floor()
        for when in (self.order.served_at, self.order.ended_at):
            assert when is None or when <= floor

    @invariant()
    def versions_once_appended_never_change(self) -> None:
        versions = self.order.versions
        assert list(versions[: len(self.seen)]) == self.seen
        self.seen = list(versions)


TestFullOrderLifecycle = FullOrderLifecycle.TestCase
