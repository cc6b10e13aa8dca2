"""Which table rows have a named example test, built from the tests themselves.

Decorate an example test with :func:`covers` naming the rows it exercises. The
decorator registers the claim when the test module is imported, and while the
test runs it watches every ``Machine.fire``: the test fails if it did not fire
each row it claims. ``test_enumeration`` imports every test module here and
fails for any legal row that no test claims.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, TypeVar
from unittest import mock

from spo_tracker.domain.statemachine import Fired, Machine

__all__ = ["COVERED", "covers"]

F = TypeVar("F", bound=Callable[..., None])

#: (machine, state name, event name) -> the tests that exercise that row.
COVERED: dict[tuple[str, str, str], list[str]] = {}


def covers(machine: str, *rows: tuple[enum.Enum, enum.Enum]) -> Callable[[F], F]:
    """Mark a test as exercising the given (state, event) rows of ``machine``."""
    keys = [(machine, state.name, event.name) for state, event in rows]

    def decorate(test: F) -> F:
        for key in keys:
            COVERED.setdefault(key, []).append(f"{test.__module__}.{test.__qualname__}")

        @functools.wraps(test)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            fired: set[tuple[str, str, str]] = set()
            original = Machine.fire

            def spy(self: Machine[Any, Any, Any, Any], subject: Any, command: Any) -> Fired[Any]:
                result = original(self, subject, command)
                fired.add((self.name, result.record.source, result.record.event))
                return result

            with mock.patch.object(Machine, "fire", spy):
                test(*args, **kwargs)
            missing = sorted(set(keys) - fired)
            assert not missing, f"{test.__name__} claims rows it never fired: {missing}"

        return wrapper  # type: ignore[return-value]

    return decorate
