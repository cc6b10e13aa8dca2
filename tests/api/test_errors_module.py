"""``spo_tracker.errors`` is one public module, though its classes live in private modules
by family: every error is exported from it and names it as its module."""

from __future__ import annotations

import pytest

import spo_tracker.errors as errors


def _subclasses(cls: type[BaseException]) -> set[type[BaseException]]:
    """Every subclass of ``cls``, however deep."""
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_names_the_public_module_as_its_own(name: str) -> None:
    """Tracebacks, pickles and the API docs show ``spo_tracker.errors.X``, not a private module."""
    assert getattr(errors, name).__module__ == "spo_tracker.errors"


def test_every_error_of_the_package_is_exported() -> None:
    """An error class added to one of the private modules is exported from the public one."""
    defined = {
        cls.__name__
        for cls in _subclasses(errors.SpoTrackerError)
        if cls.__module__.startswith("spo_tracker.errors")
    }
    assert defined - set(errors.__all__) == set()
    assert "DuplicateRecordError" in defined  # a subclass two levels down is seen
