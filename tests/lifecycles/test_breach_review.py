"""The suspected-breach review lifecycle (SPA2019 s.8): software flags, a person decides."""

from __future__ import annotations

from typing import Any

import pytest

from spo_tracker.domain.lifecycles.breach_review import (
    MACHINE,
    BreachReview,
    DismissalReason,
    ReviewCommand,
    ReviewEvent,
    ReviewState,
    assign_review,
    confirm_and_refer,
    dismiss,
    give_warning,
    is_system_actor,
    reopen_review,
    review_id_for,
    start_review,
)
from spo_tracker.errors import GuardRejectedError, InvalidValueError, NaiveDatetimeError
from tests.lifecycles.builders import london, review
from tests.lifecycles.registry import covers

St, Ev = ReviewState, ReviewEvent
AT = london(2026, 3, 11, 10)
R = DismissalReason


def under_review() -> BreachReview:
    """A review DS Smith has started."""
    return start_review(review(), at=AT, actor="DS Smith").subject


def refusal(subject: BreachReview, cmd: ReviewCommand) -> GuardRejectedError:
    """The guard error ``cmd`` raises; the review is left as it was."""
    before = (subject, subject.revision)
    with pytest.raises(GuardRejectedError) as caught:
        MACHINE.fire(subject, cmd)
    assert (subject, subject.revision) == before
    return caught.value


def command(event: ReviewEvent, actor: str = "DS Smith", **payload: Any) -> ReviewCommand:
    """A command at AT."""
    return ReviewCommand(event, AT, actor, **payload)


@covers("breach_review", (St.FLAGGED, Ev.START_REVIEW))
def test_a_person_takes_the_review() -> None:
    """START_REVIEW records the reviewer."""
    fired = start_review(review(), at=AT, actor="DS Smith")
    assert fired.subject.state is St.UNDER_REVIEW
    assert (fired.subject.reviewer, fired.subject.review_started_at) == ("DS Smith", AT)


@covers("breach_review", (St.UNDER_REVIEW, Ev.CONFIRM_AND_REFER))
def test_the_reviewer_confirms_and_refers() -> None:
    """CONFIRM_AND_REFER (SPA2019 s.8(1)); a court decides reasonable excuse."""
    fired = confirm_and_refer(under_review(), at=AT, actor="DS Smith", referral_reference="CRIME/1")
    assert fired.subject.state is St.CONFIRMED_REFERRED
    assert (fired.subject.decided_by, fired.subject.referral_reference) == ("DS Smith", "CRIME/1")
    assert MACHINE.allowed_events(fired.subject) == ()


@covers("breach_review", (St.FLAGGED, Ev.DISMISS), (St.UNDER_REVIEW, Ev.DISMISS))
def test_dismissal_with_a_reason_from_flagged_or_under_review() -> None:
    """DISMISS records the reason and note."""
    for start in (review(), under_review()):
        fired = dismiss(start, at=AT, actor="DS Smith", reason=R.FALSE_MATCH, note="wrong phone")
        assert fired.subject.state is St.DISMISSED
        assert fired.subject.dismissal_reason is R.FALSE_MATCH
        assert fired.subject.note == "wrong phone"


def test_software_cannot_decide() -> None:
    """decided_by_a_person refuses 'system' actors, naming them (SPA2019 s.8(1))."""
    for event, start, payload in (
        (Ev.START_REVIEW, review(), {}),
        (Ev.CONFIRM_AND_REFER, under_review(), {}),
        (Ev.DISMISS, review(), {"reason": R.NO_BREACH}),
    ):
        error = refusal(start, command(event, "system:detector", **payload))
        assert (error.guard, error.section) == ("decided_by_a_person", "SPA2019 s.8(1)")
        assert "'system:detector'" in error.reason
    assert is_system_actor(" SYSTEM ")
    assert not is_system_actor("Systems Officer Jones")


def test_a_dismissal_needs_a_reason_that_fits() -> None:
    """dismissal_reason_fits names what is missing (SPA2019 s.8(1))."""
    flagged = review()
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "reason=None"),
        ({"reason": R.OTHER}, "note=''"),
        ({"reason": R.DUPLICATE}, "duplicate_of=None"),
    ]
    for payload, says in cases:
        error = refusal(flagged, command(Ev.DISMISS, **payload))
        assert (error.guard, error.section) == ("dismissal_reason_fits", "SPA2019 s.8(1)")
        assert says in error.reason
    dup = dismiss(flagged, at=AT, actor="DS Smith", reason=R.DUPLICATE, duplicate_of="REV-0")
    assert dup.subject.duplicate_of == "REV-0"
    other = dismiss(flagged, at=AT, actor="DS Smith", reason=R.OTHER, note="victim withdrew")
    assert other.subject.dismissal_reason is R.OTHER


def test_pre_service_conduct_is_a_reason_only_for_conduct_before_service() -> None:
    """Conduct after service cannot be dismissed as pre-service (OPEN point on taking effect)."""
    after = review()
    assert not after.pre_service
    error = refusal(after, command(Ev.DISMISS, reason=R.PRE_SERVICE_CONDUCT))
    assert "2026-03-09T21:00:00+00:00" in error.reason
    before = review(conduct_at=london(2026, 3, 1, 12))
    assert before.pre_service
    fired = dismiss(before, at=AT, actor="DS Smith", reason=R.PRE_SERVICE_CONDUCT)
    assert fired.subject.dismissal_reason is R.PRE_SERVICE_CONDUCT
    unserved = review(served_at=None)
    assert unserved.pre_service


def test_a_naive_conduct_time_is_refused() -> None:
    """Reviews hold aware instants only."""
    import datetime as dt

    with pytest.raises(NaiveDatetimeError):
        review(conduct_at=dt.datetime(2026, 3, 9, 21))


def assigned(to: str = "PC 4471") -> BreachReview:
    """A review Sgt Patel assigned to ``to``."""
    return assign_review(review(), at=AT, actor="Sgt Patel", assignee=to).subject


@covers("breach_review", (St.FLAGGED, Ev.ASSIGN), (St.ASSIGNED, Ev.ASSIGN))
def test_a_person_assigns_and_reassigns_keeping_who_and_when() -> None:
    """ASSIGN records the assignee, who assigned it and when; assigning again replaces them."""
    first = assigned()
    assert first.state is St.ASSIGNED
    assert (first.assignee, first.assigned_by, first.assigned_at) == ("PC 4471", "Sgt Patel", AT)
    later = AT.add(hours=2)
    again = assign_review(first, at=later, actor="Insp Rowe", assignee=" DC 12 ").subject
    assert (again.state, again.assignee, again.assigned_by, again.assigned_at) == (
        St.ASSIGNED,
        "DC 12",
        "Insp Rowe",
        later,
    )
    assert again.revision == first.revision + 1


@covers("breach_review", (St.UNDER_REVIEW, Ev.ASSIGN), (St.ASSIGNED, Ev.START_REVIEW))
def test_a_review_handed_on_is_started_again_by_the_new_officer() -> None:
    """UNDER_REVIEW -> ASSIGN -> ASSIGNED; the new officer's START_REVIEW is a new first action."""
    handed = assign_review(under_review(), at=AT, actor="Sgt Patel", assignee="DC 12").subject
    assert handed.state is St.ASSIGNED
    later = AT.add(hours=1)
    started = start_review(handed, at=later, actor="DC 12").subject
    assert (started.state, started.reviewer, started.review_started_at) == (
        St.UNDER_REVIEW,
        "DC 12",
        later,
    )


@covers("breach_review", (St.UNDER_REVIEW, Ev.GIVE_WARNING))
def test_a_warning_or_words_of_advice_is_an_outcome() -> None:
    """GIVE_WARNING decides the review (final), keeping who, when and the note."""
    fired = give_warning(under_review(), at=AT, actor="DS Smith", note="words of advice given")
    done = fired.subject
    assert (done.state, done.decided_by, done.decided_at) == (St.WARNING_GIVEN, "DS Smith", AT)
    assert done.note == "words of advice given"
    assert done.decided
    assert MACHINE.allowed_events(done) == ()


@covers("breach_review", (St.ASSIGNED, Ev.DISMISS))
def test_an_assigned_alert_can_be_dismissed_with_a_reason() -> None:
    """DISMISS from ASSIGNED; no further action needs a note naming why (SPA2019 s.8(1))."""
    error = refusal(assigned(), command(Ev.DISMISS, reason=R.NO_FURTHER_ACTION))
    assert "reason=NO_FURTHER_ACTION with note=''" in error.reason
    fired = dismiss(
        assigned(), at=AT, actor="PC 4471", reason=R.NO_FURTHER_ACTION, note="victim withdrew"
    )
    assert (fired.subject.state, fired.subject.dismissal_reason) == (
        St.DISMISSED,
        R.NO_FURTHER_ACTION,
    )


def test_a_blank_assignee_or_software_assigning_is_refused() -> None:
    """assignee_named names the blank value; decided_by_a_person refuses software."""
    for blank in ("", "   ", None):
        error = refusal(review(), command(Ev.ASSIGN, assignee=blank))
        assert (error.guard, error.section) == ("assignee_named", "SPA2019 s.8(1)")
        assert f"assignee={blank!r}" in error.reason
    error = refusal(review(), command(Ev.ASSIGN, "system:detector", assignee="PC 1"))
    assert error.guard == "decided_by_a_person"


def test_reopening_a_decided_review_starts_a_linked_round() -> None:
    """A new FLAGGED round names the decided review; the decided one is unchanged."""
    decided = confirm_and_refer(under_review(), at=AT, actor="DS Smith").subject
    later = AT.add(days=3)
    fresh = reopen_review(decided, at=later)
    assert (fresh.state, fresh.round, fresh.reopens) == (St.FLAGGED, 2, decided.review_id)
    assert fresh.review_id == review_id_for("AL-1", 2) == "RV-1-2"
    assert (fresh.flagged_at, fresh.alert_id, fresh.revision) == (later, "AL-1", 1)
    assert decided.state is St.CONFIRMED_REFERRED
    with pytest.raises(InvalidValueError, match="'REV-1'"):
        reopen_review(under_review(), at=later)
