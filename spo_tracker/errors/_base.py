"""Base and value errors: the package's base error, a value the library refuses (with
its helper that quotes values in messages), a record not found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SpoTrackerError(Exception):
    """Base class of every error raised by spo_tracker."""


#: The most characters of a value's ``repr`` an error message quotes.
_REPR_LIMIT = 300


def _shown(value: Any) -> str:
    """``repr(value)`` for a message, cut to a few hundred characters.

    A value's own ``repr`` can fail: an integer of thousands of digits (ValueError)
    or a deeply nested list (RecursionError); the message then describes the value.
    """
    try:
        text = repr(value)
    except ValueError:
        bits = value.bit_length() if isinstance(value, int) else 0
        return f"<an integer of {bits:,} bits>" if bits else f"<a {type(value).__name__}>"
    except RecursionError:
        return f"<a {type(value).__name__} nested too deeply to show>"
    if len(text) > _REPR_LIMIT:
        return f"{text[:_REPR_LIMIT]}... ({len(text):,} characters)"
    return text


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
        super().__init__(f"{field}={_shown(value)}: {reason}")


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


class NotFoundError(SpoTrackerError, LookupError):
    """A record that does not exist."""

    def __init__(self, kind: str, key: Any) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key!r}")
