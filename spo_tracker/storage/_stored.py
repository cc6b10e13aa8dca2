"""A stored record that fails the library's rules is named, not a bare error.

The domain's records check themselves when they are built, and the mappers
build them from rows through their constructors, so a row written by an
earlier release (before a check existed) or edited by hand is refused on the
way back in. :func:`refused` turns that refusal into a
:class:`~spo_tracker.errors.StoredRecordError` naming the record's kind and
id, the rule, and what to do; every read path that turns rows into domain
objects catches :data:`READ_ERRORS` around the building and raises
:func:`refused` (:meth:`~spo_tracker.storage._mapping_base.Mapper.from_rows` for
the aggregates, the incident row readers of the SQL backend).

Victim safety: the message goes to terminals and logs. For a protected person
it names the field only (their address and places are never quoted, and no
cause is kept that would quote them in a traceback). For every other record
coordinates are withheld: the value of a location field (a latitude, a
polygon, a zone...) and any ``(lat, lon)`` pair or GeoPoint in the text.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.validators import quotable
from spo_tracker.errors import InvalidValueError, StoredRecordError

__all__ = [
    "NUL_ESCAPED",
    "READ_ERRORS",
    "UnreadableJson",
    "UnreadableValue",
    "json_text",
    "read_json",
    "refused",
]

#: What building a domain object from stored values raises when the values are bad: a
#: domain check (InvalidValueError is a ValueError), an unknown enum code or zone name
#: (ValueError), a JSON document of the wrong shape (TypeError, KeyError, IndexError,
#: AttributeError), a number no date or instant can hold (OverflowError). Building reads
#: nothing from the database, so nothing else is caught.
READ_ERRORS: Final = (ValueError, TypeError, LookupError, AttributeError, OverflowError)

#: The record kind whose messages name the field only (its restricted details: victim safety).
_RESTRICTED_KIND: Final = "protected_person"

#: Fields whose value is a place: never quoted, whatever the record.
_PLACE_FIELDS: Final = frozenset(
    {"latitude", "longitude", "lat", "lon", "location", "centre", "place", "polygon", "zone"}
)

_NUMBER: Final = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
#: A coordinate pair as the domain writes one, ``(52.48, -1.9)``, or a GeoPoint's repr.
_COORDINATES: Final = re.compile(
    rf"\(\s*{_NUMBER}\s*,\s*{_NUMBER}\s*\)|GeoPoint\([^()]*\)",
)
_WITHHELD: Final = "<coordinates withheld>"
_VALUE_WITHHELD: Final = "<value withheld: it may be personal data>"
#: The record kinds whose every value is personal data: never quoted (a defendant's
#: names, date of birth, addresses, identities and the sources of their links).
_PERSONAL_KINDS: Final = frozenset({"defendant"})


class UnreadableJson:
    """Stands for a stored JSON document that cannot be parsed (hand-edited, truncated).

    The engine's JSON reader returns one instead of raising, so that the row is
    still read and the record it belongs to is refused by name
    (:class:`~spo_tracker.errors.StoredRecordError`) when it is built: any use of
    it as a document raises ``ValueError``. Its text is never kept or shown.
    """

    def _refuse(self, *_: object) -> Any:
        raise ValueError("the stored JSON document cannot be parsed")

    __getitem__ = __iter__ = __len__ = __contains__ = get = keys = items = values = _refuse

    def __repr__(self) -> str:
        return "<unreadable JSON>"


class UnreadableValue:
    """Stands for a stored value its column's type cannot read (a date column that SQLite
    let a hand edit fill with ``1990-13-45``): the row is still read, and the record it
    belongs to is refused by name (:class:`~spo_tracker.errors.StoredRecordError`, its
    ``field`` the column) when it is built, as for :class:`UnreadableJson`. Reading any
    attribute of it raises InvalidValueError naming the column; the value itself is never
    kept or shown."""

    MESSAGE: Final = "the stored value cannot be read as its column's type"

    def __init__(self, column: str) -> None:
        self.column = column

    def refusal(self) -> InvalidValueError:
        """The error that names its column (what reading any other attribute raises)."""
        return InvalidValueError(self.column, self, self.MESSAGE)

    def __getattr__(self, name: str) -> Any:
        raise self.refusal()

    def __repr__(self) -> str:
        return "<unreadable value>"


#: How :func:`json_text` writes a NUL character (it escapes every character below a space):
#: text without it holds no NUL anywhere, in a key or a value.
NUL_ESCAPED: Final = "\\u0000"


def json_text(data: Any) -> str:
    """The text a JSON column holds for ``data``: ``json.dumps`` with its defaults, the
    serializer SQLAlchemy uses when the engine names none (:func:`~spo_tracker.storage.
    _engine.make_engine` names none), so a stored record can be compared as text."""
    return json.dumps(data)


def read_json(text: str | bytes) -> Any:
    """``json.loads``, with a document that cannot be parsed read as :class:`UnreadableJson`.

    A JSONDecodeError (or a RecursionError from a document nested too deeply) would
    otherwise escape from deep inside the driver, naming no record.
    """
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return UnreadableJson()


def refused(kind: str, key: Any, error: BaseException) -> StoredRecordError:
    """The error for a stored record of ``kind`` ``key`` that building refused with ``error``.

    The message quotes a refused value only when it is plain (a code, an id, a number, a
    time: :func:`~spo_tracker.domain.validators.quotable`) and not a defendant's: a hand
    edit can put a name or an address anywhere, and the message reaches logs and screens.
    A place is never quoted. Its
    ``__cause__`` is ``error`` when the message says what it says; otherwise a copy naming
    the field and the rule only (none for a protected person, whose message names the
    field only). Raise it outside the ``except`` block, so that the refused error is not
    kept as its ``__context__`` either.
    """
    field = error.field if isinstance(error, InvalidValueError) else None
    if kind == _RESTRICTED_KIND:
        found = StoredRecordError(kind, key, _field_only(field, error), field=field)
        found.__suppress_context__ = True
        return found
    cause: BaseException | None = error
    if isinstance(error, InvalidValueError):
        shown = _withheld(kind, error)
        text = _rule(error)
        if shown is not None:
            reason = _scrub(error.reason)
            text = f"{error.field}={shown}: {reason}"
            cause = InvalidValueError(error.field, _Shown(shown), reason)
    else:
        text = _other(kind, error)
        cause = error if text == _rule(error) else None
    found = StoredRecordError(kind, key, _one_line(text), field=field)
    found.__cause__ = cause
    found.__suppress_context__ = True
    return found


#: The errors whose text is Python's own, quoting a value as its ``repr`` (an unknown enum
#: code, a missing key, a wrong type in a document): shown, their quoted values withheld
#: unless plain. Any other (a zone library's, naming the zone unquoted) shows its type.
_BUILT_IN: Final = (ValueError, KeyError, TypeError, AttributeError, IndexError, OverflowError)


def _other(kind: str, error: BaseException) -> str:
    """What the message says of an error other than the domain's own."""
    if kind in _PERSONAL_KINDS or type(error) not in _BUILT_IN:
        return f"{type(error).__name__}: {_VALUE_WITHHELD}"
    return _quoted_plain(_rule(error))


#: A value quoted in an error's text (a ``repr`` of a string).
_QUOTED: Final = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")


def _quoted_plain(text: str) -> str:
    """``text`` with each quoted value that is not :func:`quotable` withheld."""

    def shown(found: re.Match[str]) -> str:
        inner = found.group(1) if found.group(1) is not None else found.group(2)
        return found.group() if quotable(inner) else _VALUE_WITHHELD

    return _QUOTED.sub(shown, text)


class _Shown:
    """A withheld value in the copy of a refusal: its repr is the text put in its place."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text


def _withheld(kind: str, error: InvalidValueError) -> str | None:
    """What the message shows in place of the refused value, or ``None`` to quote it."""
    if error.field in _PLACE_FIELDS or _holds_place(error.value):
        return _WITHHELD
    if kind in _PERSONAL_KINDS or not quotable(error.value):
        return _VALUE_WITHHELD
    return None


def _field_only(field: str | None, error: BaseException) -> str:
    where = f"field {field!r}" if field else f"a {type(error).__name__}"
    return f"{where}; details withheld: a protected person's record is never quoted"


def _rule(error: BaseException) -> str:
    """The rule broken, as the domain said it, with any coordinates withheld."""
    if isinstance(error, InvalidValueError):
        return _scrub(str(error))
    if isinstance(error, KeyError | TypeError | AttributeError):
        return _scrub(f"{type(error).__name__}: {error}")
    return _scrub(str(error))


def _holds_place(value: object, depth: int = 0) -> bool:
    """Whether ``value`` is, or holds, a point or shape (a few levels deep)."""
    if isinstance(value, GeoPoint | Circle | Polygon):
        return True
    if depth > 3:
        return False
    if isinstance(value, dict):
        return "coordinates" in value or any(_holds_place(v, depth + 1) for v in value.values())
    if isinstance(value, tuple | list | set | frozenset):
        return any(_holds_place(v, depth + 1) for v in value)
    return False


def _scrub(text: str) -> str:
    return _COORDINATES.sub(_WITHHELD, text)


def _one_line(text: str) -> str:
    return " ".join(text.split())
