"""Every error spo_tracker raises.

Each error carries its context as attributes and names the offending value in
its message. Library errors also subclass the matching builtin, so callers
that already catch ``ValueError`` or ``LookupError`` keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ConcurrencyConflictError",
    "DatabaseError",
    "GuardRejectedError",
    "IllegalTransitionError",
    "IncompatibleTermError",
    "InvalidIdentityError",
    "InvalidValueError",
    "MachineDefinitionError",
    "NaiveDatetimeError",
    "NotFoundError",
    "OrderPeriodError",
    "SpoTrackerError",
    "UnknownCodeError",
    "UnknownPlatformError",
]


class SpoTrackerError(Exception):
    """Base class of every error raised by spo_tracker."""


class InvalidValueError(SpoTrackerError, ValueError):
    """A value given to the library is not acceptable.

    Attributes:
        field: the name of the field or argument that was wrong.
        value: the offending value, as given.
    """

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class NaiveDatetimeError(InvalidValueError):
    """A datetime without a time zone was given where an aware one is required."""

    def __init__(self, field: str, value: Any) -> None:
        super().__init__(field, value, "datetimes must be time-zone aware")


class UnknownCodeError(InvalidValueError):
    """A code (enumeration value) that the library does not know."""

    def __init__(self, field: str, value: Any, known: Sequence[str]) -> None:
        self.known = tuple(known)
        super().__init__(field, value, f"unknown code; expected one of {', '.join(self.known)}")


class UnknownPlatformError(UnknownCodeError):
    """A platform name that is neither a known platform nor one of its aliases."""


class InvalidIdentityError(InvalidValueError):
    """A phone number, email address, handle or device id in an invalid format."""


class OrderPeriodError(InvalidValueError):
    """An order period the Act does not allow (SPA2019 s.3(2), s.5(6)(a))."""


class IncompatibleTermError(InvalidValueError):
    """A term incompatible with a term of a live order (SPA2019 s.2(6)-(7))."""


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


class NotFoundError(SpoTrackerError, LookupError):
    """A record that does not exist."""

    def __init__(self, kind: str, key: Any) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key!r}")


class ConcurrencyConflictError(SpoTrackerError):
    """A write based on a stale version of an aggregate; nothing was written."""

    def __init__(self, kind: str, key: Any, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{kind} {key!r}: stale write from version {expected}, stored version is {actual}"
        )


class DatabaseError(SpoTrackerError):
    """The database refused or could not be reached; the message says which."""
