"""The limits every value entering spo_tracker is held to, in one place.

The domain constructors, the record intake, both storage backends and the
interchange format all read these constants, so a value accepted by one is
accepted by all, and one refused is refused everywhere with a typed error
(:class:`~spo_tracker.errors.InvalidValueError` naming the field).

Instants: from :data:`INSTANT_MIN` (1 January 1900, 00:00 UTC, included) to
:data:`INSTANT_MAX` (1 January 2200, 00:00 UTC, excluded). An instant outside
this range is a data error (``DateTime.MinValue`` from another system, a
two-digit year read wrongly); it would otherwise fail far from where it
entered (a year-1 instant under a positive offset is year 0 in UTC).

Text: an id is 1 to :data:`ID_MAX_LENGTH` characters with no control
character; short text (a name, a label, a court, an address line, an evidence
reference) is at most :data:`SHORT_TEXT_MAX_LENGTH` characters; free text (a
summary, a description, a note) at most :data:`LONG_TEXT_MAX_LENGTH`; a
postcode at most :data:`POSTCODE_MAX_LENGTH`. No text may hold an unpaired
surrogate (it cannot be encoded to UTF-8, so it could not be stored or
exported), a NUL or another control character (free text may hold tabs and
line breaks). Lengths count characters (code points), as the interchange's
JSON Schema ``maxLength`` does.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

__all__ = [
    "ID_MAX_LENGTH",
    "INSTANT_MAX",
    "INSTANT_MAX_US",
    "INSTANT_MIN",
    "INSTANT_MIN_US",
    "LONG_TEXT_MAX_LENGTH",
    "POSTCODE_MAX_LENGTH",
    "SHORT_TEXT_MAX_LENGTH",
]

#: The earliest instant accepted (included).
INSTANT_MIN: Final = _dt.datetime(1900, 1, 1, tzinfo=_dt.UTC)
#: The first instant no longer accepted (excluded).
INSTANT_MAX: Final = _dt.datetime(2200, 1, 1, tzinfo=_dt.UTC)
_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
#: :data:`INSTANT_MIN` and :data:`INSTANT_MAX` as whole microseconds since 1970-01-01 UTC
#: (how SQLite stores an instant, and how a detection scan reads one).
INSTANT_MIN_US: Final = (INSTANT_MIN - _EPOCH) // _dt.timedelta(microseconds=1)
INSTANT_MAX_US: Final = (INSTANT_MAX - _EPOCH) // _dt.timedelta(microseconds=1)
#: The longest id (characters): an incident, person, order, term or alert id.
ID_MAX_LENGTH: Final = 128
#: The longest short text: a name, a label, a court, an address line, an evidence reference.
SHORT_TEXT_MAX_LENGTH: Final = 200
#: The longest free text: an incident summary, a term description, a note, a reason.
LONG_TEXT_MAX_LENGTH: Final = 10_000
#: The longest postcode as written (spaces included).
POSTCODE_MAX_LENGTH: Final = 16
