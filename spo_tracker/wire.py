"""The wire format shared by storage, interchange, detection and reports: instants as
fixed-width UTC text and values as canonical JSON.

One definition of each, so that what storage hashes, what the interchange writes and
compares, and what reports show agree to the character. Imports only the standard
library and pendulum (the domain's own calendar rules are in
:mod:`spo_tracker.domain.statutory_time`), so every layer above the domain may use it.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

__all__ = ["canonical_json", "instant_text", "parse_utc_text"]


def canonical_json(data: Any) -> str:
    """One text for one value: sorted keys, no spaces, no NaN (for hashes, digests and
    comparisons).

    Raises:
        ValueError: ``data`` holds NaN or an infinity.
    """
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def instant_text(at: _dt.datetime) -> str:
    """An aware instant as fixed-width UTC text with microseconds:
    ``2024-03-15T14:30:00.000000Z``."""
    # The C methods of datetime, not pendulum's own (several times slower): exports
    # write millions of instants. A zero offset already reads as UTC.
    if at.utcoffset():
        at = _dt.datetime.astimezone(at, _dt.UTC)
    return _dt.datetime.isoformat(at, timespec="microseconds")[:26] + "Z"


def parse_utc_text(text: str) -> _dt.datetime:
    """The aware UTC datetime that :func:`instant_text` wrote ``text`` for.

    Raises:
        ValueError: ``text`` is not ISO 8601 date-time text.
    """
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
