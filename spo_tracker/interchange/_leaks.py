"""A second line of defence: does a message quote a value of a protected person's record?

The messages about a protected person's record are built to name the field and
the problem only. In case one does not (a domain error wording a value, a
schema message), :class:`~spo_tracker.interchange._validation.Validation`
checks each message on such a line against the record's own values, compared
folded (:func:`~spo_tracker.domain.textfold.compact`: case, spacing, format
characters and look-alike letters do not matter), and withholds the message
whole if it quotes one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from spo_tracker.domain.textfold import compact

__all__ = ["quotes_any", "secret_values"]

#: Values shorter than this (folded) are not looked for: "P1", "12" are everywhere.
_SHORTEST: Final = 3
#: What a person record holds that is not the person's: its id, type and role.
_OWN: Final = frozenset({"id", "type", "role"})


def _leaves(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, Mapping):
        for name, item in value.items():
            if name not in _OWN:
                yield from _leaves(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, key)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield repr(value)


def secret_values(record: Mapping[str, Any]) -> tuple[str, ...]:
    """A record's text and numbers, folded, that a message about it must not quote."""
    found = {compact(v) for v in _leaves(record)}
    return tuple(sorted(v for v in found if len(v) >= _SHORTEST))


def quotes_any(message: str, secrets: tuple[str, ...]) -> bool:
    """Whether ``message``, folded, contains any of ``secrets`` (from :func:`secret_values`)."""
    if not secrets:
        return False
    folded = compact(message)
    return any(s in folded for s in secrets)
