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
    confirm_and_refer,
    dismiss,
    is_system_actor,
    start_review,
)
from spo_tracker.errors import GuardRejectedError, NaiveDatetimeError
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
