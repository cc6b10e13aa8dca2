"""Shared checks for values entering the domain: types, text, ids, flags.

Each ``check_*`` function returns the value when it is acceptable and raises
:class:`~spo_tracker.errors.InvalidValueError` naming the field and the value
otherwise; the attrs validators below wrap them. Limits come from
:mod:`spo_tracker.domain.limits`. A restricted value (a protected person's name
or whereabouts) is checked with ``shown=`` standing in for it, so that the
message names the field and the problem, never the value.

The validators run on the ingest path (a million incidents a night): each
first tries one cheap test that every good value passes, and only a value
that fails it is examined again for the precise reason.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.limits import (
    ID_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
)
from spo_tracker.domain.statutory_time import ensure_aware, ensure_date
from spo_tracker.errors import InvalidValueError

__all__ = [
    "Withheld",
    "a_date",
    "aware_at",
    "check_bool",
    "check_id",
    "check_ids",
    "check_text",
    "find_bad_in_line",
    "identifier",
    "instance_of",
    "long_text",
    "non_blank",
    "non_empty_text",
    "optional_aware",
    "optional_aware_at",
    "optional_date",
    "optional_identifier",
    "optional_text",
    "quotable",
]

#: Characters no id may hold: C0 and C1 controls, DEL, unpaired surrogates.
_BAD_IN_ID: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: Characters no text may hold: as for ids, but tab, line feed and carriage return are text.
_BAD_IN_TEXT: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: An acceptable id in one C call: 1 to 128 characters, none of them refused.
_GOOD_ID: Final = re.compile(f"[^\x00-\x1f\x7f-\x9f\ud800-\udfff]{{1,{ID_MAX_LENGTH}}}").fullmatch
_bad_in_text: Final = _BAD_IN_TEXT.search
#: The first character single-line text (an id, a name, a reference) may not hold, or None.
find_bad_in_line: Final = _BAD_IN_ID.search
_SHOW_VALUE: Final[Any] = object()
#: How much of an over-long value an error quotes.
_QUOTED: Final = 40


@attrs.frozen
class Withheld:
    """Stands in an error for a value it must not quote (an address, a restricted place).

    :class:`~spo_tracker.errors.InvalidValueError` shows its value's ``repr``;
    this one's is ``<value withheld: ...>``, so the message names the field and
    the problem and nothing else.
    """

    why: str = "restricted"

    def __repr__(self) -> str:
        return f"<value withheld: {self.why}>"


#: A text a message may quote: a code, an id, a number, a time (at most 40 letters, digits
#: and ``_ . : + / -``; no space, so no name and no address line).
_PLAIN: Final = re.compile(r"[A-Za-z0-9_.:+/\-]{0,40}")


def quotable(value: object) -> bool:
    """Whether an error may quote ``value`` refused where anything could have been put (a
    stored row edited by hand, a line of an interchange file): ``None``, a flag, a number,
    a date or time, or a plain token (see ``_PLAIN``) that is not a postcode, not words
    joined by punctuation and not ten digits or more. Anything else may be a name, an
    address or a phone number, and is withheld."""
    if value is None or isinstance(value, bool | int | float | Decimal | _dt.date):
        return True
    return (
        isinstance(value, str)
        and _PLAIN.fullmatch(value) is not None
        and _POSTCODE_SHAPE.search(value) is None
        and _JOINED_WORDS.search(value) is None
        and _PHONE_LIKE.search(value) is None
    )


#: Words joined by punctuation (``mark.ellison``, ``12-Lark-Rise``): a name or a street.
_JOINED_WORDS: Final = re.compile(r"[A-Za-z]{2,}[._/\-]+[A-Za-z]{2,}")
#: Ten digits or more (``07700900123``): a phone number.
_PHONE_LIKE: Final = re.compile(r"\d{10,}")
#: A UK postcode written as one token (``B170QT``, ``b17-0qt``): plain, but an address.
_POSTCODE_SHAPE: Final = re.compile(
    r"(?<![a-z])[a-z]{1,2}\d[a-z\d]?[_.-]?\d[a-z]{2}(?![a-z])", re.I
)


#: What a refusal of free text shows: a summary or a note may hold an address.
_FREE_TEXT_WITHHELD: Final = Withheld("free text may hold an address")


def _may_hold_text(value: object) -> bool:
    """Whether a refused free-text value could spell an address: anything but blank text,
    ``None``, a flag or a number (shown as they are: they hold nothing to withhold)."""
    if value is None or isinstance(value, bool | int | float):
        return False
    return not (isinstance(value, str) and (not value or value.isspace()))


def _refuse(field: str, value: object, reason: str, shown: object) -> InvalidValueError:
    return InvalidValueError(field, value if shown is _SHOW_VALUE else shown, reason)


def _bad_character(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return f"holds an unpaired surrogate (U+{ord(char):04X}), which is not text"
    if char == "\x00":
        return "may not contain a NUL character"
    return f"may not contain the control character U+{ord(char):04X}"


def check_text(
    field: str,
    value: object,
    *,
    max_length: int = SHORT_TEXT_MAX_LENGTH,
    blank_ok: bool = False,
    multiline: bool = False,
    shown: object = _SHOW_VALUE,
) -> str:
    """``value`` if it is text within the limits, else an error naming ``field``.

    Args:
        field: the field's name, for the message.
        value: the value given.
        max_length: the most characters allowed.
        blank_ok: whether empty or all-space text is allowed.
        multiline: whether tabs and line breaks are allowed (free text).
        shown: what the message shows instead of the value (for restricted values; free
            text, ``multiline``, is always withheld: a summary may hold an address).

    Raises:
        InvalidValueError: not a ``str``, too long, blank (unless ``blank_ok``), or
            holding a control character or an unpaired surrogate.
    """
    if multiline and shown is _SHOW_VALUE and _may_hold_text(value):
        shown = _FREE_TEXT_WITHHELD
    if not isinstance(value, str):
        raise _refuse(field, value, f"must be text, not {type(value).__name__}", shown)
    if len(value) > max_length:
        quoted = value[:_QUOTED] + "..." if shown is _SHOW_VALUE else shown
        raise InvalidValueError(field, quoted, f"is over {max_length:,} characters")
    if not blank_ok and (not value or value.isspace()):
        raise _refuse(field, value, "must be non-empty text", shown)
    bad = (_BAD_IN_TEXT if multiline else _BAD_IN_ID).search(value)
    if bad is not None:
        raise _refuse(field, value, _bad_character(bad), shown)
    return value


def check_id(field: str, value: object) -> str:
    """``value`` if it is an id: 1 to 128 characters of text, not blank, no control character.

    Raises:
        InvalidValueError: it is not, naming ``field`` and the value.
    """
    if type(value) is str and _GOOD_ID(value) is not None and not value.isspace():
        return value  # the common case, in one pass
    return check_text(field, value, max_length=ID_MAX_LENGTH)


def check_ids(
    field: str, value: object, *, max_length: int = ID_MAX_LENGTH, shown: object = _SHOW_VALUE
) -> tuple[str, ...]:
    """``value`` as a tuple of ids (or short references), refusing a bare string.

    A string is iterable, so ``"EX/1"`` would otherwise become ``('E', 'X', '/', '1')``.
    ``shown``: what a refusal shows instead of the value (references an officer typed,
    such as ``CCTV at 14 Wren Close``, may hold an address).

    Raises:
        InvalidValueError: not a list, tuple or set of such texts.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        reason = f"give a list or tuple of texts, not one value ({type(value).__name__})"
        raise _refuse(field, value, reason, shown)
    items = tuple(value)
    for item in items:
        if max_length == ID_MAX_LENGTH and shown is _SHOW_VALUE:
            check_id(field, item)
        else:
            check_text(field, item, max_length=max_length, shown=shown)
    return items


def check_bool(field: str, value: object) -> bool:
    """``value`` if it is ``True`` or ``False`` (``"no"`` or ``1`` is refused, not guessed).

    Raises:
        InvalidValueError: anything else, naming ``field`` and the value.
    """
    if value is True or value is False:
        return value
    raise InvalidValueError(field, value, "must be true or false")


# --------------------------------------------------------------------------- attrs validators


def instance_of(
    kind: type[Any] | tuple[type[Any], ...], *, optional: bool = False
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """attrs validator: an instance of ``kind`` (or ``None`` if ``optional``), else a typed error.

    attrs' own ``instance_of`` raises a plain ``TypeError``; this one raises
    :class:`~spo_tracker.errors.InvalidValueError` naming the field.
    """
    names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, kind) or (optional and value is None):
            return
        expected = f"{names} or None" if optional else names
        raise InvalidValueError(attribute.name, value, f"must be a {expected}")

    return validate


def identifier(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """attrs validator: an id (see :func:`check_id`)."""
    if type(value) is not str or _GOOD_ID(value) is None or value.isspace():
        check_text(attribute.name, value, max_length=ID_MAX_LENGTH)  # raises, saying why


def optional_identifier(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    """attrs validator: ``None`` or an id."""
    if value is not None and (type(value) is not str or _GOOD_ID(value) is None or value.isspace()):
        check_text(attribute.name, value, max_length=ID_MAX_LENGTH)  # raises, saying why


def non_empty_text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """attrs validator: non-blank short text (a name, a court, an actor)."""
    check_text(attribute.name, value)


def _free_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is str and len(value) <= LONG_TEXT_MAX_LENGTH and not _bad_in_text(value):
        return  # the common case (blank allowed), in two C calls
    check_text(
        attribute.name, value, max_length=LONG_TEXT_MAX_LENGTH, blank_ok=True, multiline=True
    )


def _non_blank_free_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_text(attribute.name, value, max_length=LONG_TEXT_MAX_LENGTH, multiline=True)


def long_text(*, blank_ok: bool = True) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """attrs validator: free text (at most 10,000 characters, line breaks allowed)."""
    return _free_text if blank_ok else _non_blank_free_text


def optional_text(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    """attrs validator: ``None`` or non-blank short text (see :func:`non_empty_text`)."""
    if value is not None:
        check_text(attribute.name, value)


def non_blank(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """attrs validator: any non-blank text, of any length: for text the library writes
    itself (alert wording, event and audit fields), not for text a user types.

    An unpaired surrogate is refused too: it is not text, and no store can hold it (it
    would fail only later, when the record is written or fingerprinted). The value is
    not shown: a hand-made alert's wording may hold anything."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(attribute.name, value, "must be non-empty text")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            char = value[error.start]
            raise InvalidValueError(
                attribute.name,
                _FREE_TEXT_WITHHELD,
                f"holds an unpaired surrogate (U+{ord(char):04X}), which is not text",
            ) from None


# --------------------------------------------------------------------------- converters
# mypy's attrs plugin accepts only named functions as converters, so the converters a
# field names in its errors are defined where the field is; these are the shared ones.


def aware_at(value: object) -> pendulum.DateTime:
    """attrs converter: an aware instant, named ``at`` in errors (naive ones are refused)."""
    return ensure_aware(value, field="at")


def optional_aware_at(value: object) -> pendulum.DateTime | None:
    """attrs converter: ``None``, or an aware instant named ``at`` in errors."""
    return None if value is None else ensure_aware(value, field="at")


def a_date(value: object) -> pendulum.Date:
    """attrs converter: a calendar date, named ``date`` in errors (a datetime is refused)."""
    return ensure_date(value, field="date")


def optional_date(value: object) -> pendulum.Date | None:
    """attrs converter: ``None``, or a calendar date named ``date`` in errors."""
    return None if value is None else ensure_date(value, field="date")


def optional_aware(field: str) -> Callable[[object], pendulum.DateTime | None]:
    """A converter function: ``None``, or an aware instant (a naive one is refused, naming
    ``field``); for converting by hand, since mypy's attrs plugin wants a named function."""

    def convert(value: object) -> pendulum.DateTime | None:
        return None if value is None else ensure_aware(value, field=field)

    convert.__name__ = f"to_{field}"
    return convert
