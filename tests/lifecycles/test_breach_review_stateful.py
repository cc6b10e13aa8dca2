"""Random event sequences on a breach review, against a hand-written model."""

from __future__ import annotations

import pendulum
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from spo_tracker.domain.lifecycles.breach_review import (
    MACHINE,
    BreachReview,
    DismissalReason,
    ReviewCommand,
    ReviewEvent,
)
from tests.lifecycles import model
from tests.lifecycles.builders import review
from tests.lifecycles.strategies import start_instants, steps

Ev = ReviewEvent
#: The model's own table.
LEGAL: dict[str, dict[str, str]] = {
    "FLAGGED": {"ASSIGN": "ASSIGNED", "START_REVIEW": "UNDER_REVIEW", "DISMISS": "DISMISSED"},
    "ASSIGNED": {"ASSIGN": "ASSIGNED", "START_REVIEW": "UNDER_REVIEW", "DISMISS": "DISMISSED"},
    "UNDER_REVIEW": {
        "ASSIGN": "ASSIGNED",
        "CONFIRM_AND_REFER": "CONFIRMED_REFERRED",
        "GIVE_WARNING": "WARNING_GIVEN",
        "DISMISS": "DISMISSED",
    },
    "CONFIRMED_REFERRED": {},
    "WARNING_GIVEN": {},
    "DISMISSED": {},
}
actors = st.sampled_from(["DS Smith", "PC Jones", "system", "system:detector"])


class BreachReviewLifecycle(RuleBasedStateMachine):
    """The review machine against a few variables updated by hand."""

    review: BreachReview
    now: pendulum.DateTime
    state: str
    revision: int

    @initialize(start=start_instants, served_hours=st.none() | st.integers(-72, 72))
    def begin(self, start: pendulum.DateTime, served_hours: int | None) -> None:
        conduct = start.subtract(days=1)
        served = None if served_hours is None else conduct.add(hours=served_hours)
        self.review = review(flagged_at=start, conduct_at=conduct, served_at=served)
        self.pre_service = served is None or conduct < served
        self.now, self.state, self.revision = start, "FLAGGED", 1

    @precondition(lambda self: not LEGAL[self.state])
    @rule(served_hours=st.none() | st.integers(-72, 72))
    def flag_another(self, served_hours: int | None) -> None:
        """Once decided, carry on with a new flag."""
        self.begin(self.now, served_hours)

    def _fire(self, event: Ev, actor: str, passes: bool, **payload: object) -> bool:
        cmd = ReviewCommand(event, self.now, actor, **payload)  # type: ignore[arg-type]
        legal = event.name in LEGAL[self.state]
        person = not actor.startswith("system")
        self.review = model.expect(MACHINE, self.review, cmd, legal=legal, passes=passes and person)
        done = legal and passes and person
        if done:
            self.state = LEGAL[self.state][event.name]
            self.revision += 1
        return done

    @rule(step=steps)
    def advance(self, step: pendulum.Duration) -> None:
        self.now = self.now + step

    @rule(actor=actors)
    def start_review(self, actor: str) -> None:
        self._fire(Ev.START_REVIEW, actor, True)

    @rule(actor=actors, assignee=st.sampled_from(["PC 4471", "", "  "]))
    def assign(self, actor: str, assignee: str) -> None:
        if self._fire(Ev.ASSIGN, actor, bool(assignee.strip()), assignee=assignee):
            assert (self.review.assignee, self.review.assigned_by) == (assignee, actor)

    @rule(actor=actors, note=st.sampled_from(["", "words of advice"]))
    def give_warning(self, actor: str, note: str) -> None:
        if self._fire(Ev.GIVE_WARNING, actor, True, note=note):
            assert self.review.note == note

    @rule(actor=actors)
    def confirm_and_refer(self, actor: str) -> None:
        self._fire(Ev.CONFIRM_AND_REFER, actor, True, referral_reference="CRIME/9")

    @rule(
        actor=actors,
        reason=st.none() | st.sampled_from(DismissalReason),
        note=st.sampled_from(["", "explained"]),
        duplicate_of=st.sampled_from([None, "REV-0"]),
    )
    def dismiss(
        self, actor: str, reason: DismissalReason | None, note: str, duplicate_of: str | None
    ) -> None:
        fits = reason is not None
        needs_note = (DismissalReason.OTHER, DismissalReason.NO_FURTHER_ACTION)
        fits = fits and (reason not in needs_note or bool(note))
        fits = fits and (reason is not DismissalReason.DUPLICATE or duplicate_of is not None)
        fits = fits and (reason is not DismissalReason.PRE_SERVICE_CONDUCT or self.pre_service)
        payload = {"reason": reason, "note": note, "duplicate_of": duplicate_of}
        if self._fire(Ev.DISMISS, actor, fits, **payload):
            assert self.review.dismissal_reason is reason

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert self.review.state.name == self.state
        assert self.review.revision == self.revision
        assert self.review.pre_service == self.pre_service
        assert {e.name for e in MACHINE.allowed_events(self.review)} == set(LEGAL[self.state])

    @invariant()
    def decisions_are_made_by_people(self) -> None:
        if self.state in ("CONFIRMED_REFERRED", "WARNING_GIVEN", "DISMISSED"):
            assert self.review.decided_by is not None
            assert not self.review.decided_by.startswith("system")


TestBreachReviewLifecycle = BreachReviewLifecycle.TestCase
