"""Lifecycle errors: a transition table that fails validation, an event the lifecycle
does not allow, a statutory guard that refused it."""

from __future__ import annotations

from spo_tracker.errors._base import SpoTrackerError


class MachineDefinitionError(SpoTrackerError, TypeError):
    """A lifecycle table that fails validation when it is loaded."""

    def __init__(self, machine: str, problem: str) -> None:
        self.machine = machine
        self.problem = problem
        super().__init__(f"lifecycle {machine!r} is invalid: {problem}")


class IllegalTransitionError(SpoTrackerError, ValueError):
    """An event that the lifecycle does not allow in the subject's current state.

    Nothing is changed when this is raised.

    Attributes:
        machine: the lifecycle's name.
        subject_id: the id of the order, application, duty or review.
        state: the state the subject was in.
        event: the event that was attempted.
    """

    def __init__(
        self, machine: str, subject_id: str, state: str, event: str, detail: str = ""
    ) -> None:
        self.machine = machine
        self.subject_id = subject_id
        self.state = state
        self.event = event
        message = f"{machine} {subject_id!r}: event {event!r} is not allowed in state {state!r}"
        super().__init__(f"{message}: {detail}" if detail else message)


class GuardRejectedError(IllegalTransitionError):
    """A transition exists but a statutory guard refused it.

    Attributes:
        guard: the guard's name.
        section: the statute the guard enforces.
        reason: why it refused, naming the offending value.
    """

    def __init__(
        self,
        machine: str,
        subject_id: str,
        state: str,
        event: str,
        *,
        guard: str,
        section: str,
        reason: str,
    ) -> None:
        self.guard = guard
        self.section = section
        self.reason = reason
        super().__init__(
            machine, subject_id, state, event, f"guard {guard!r} ({section}) refused: {reason}"
        )
