"""Folding free text before it is compared with a protected person's details.

A postcode written ``B13\u00a09QT`` (a no-break space), a street with a soft
hyphen or a zero-width space inside it, a name spelt with Cyrillic look-alike
letters or in full-width forms all read the same to a person as the plain
text, so redaction and the checks on order text compare *folded* text:

1. compatibility decomposition (Unicode NFKD, which includes what NFKC folds:
   full-width forms, ligatures, superscripts), then combining marks dropped
   (``Acácia`` reads ``Acacia``);
2. format characters (Unicode category ``Cf``: zero-width space and joiners,
   soft hyphen, word joiner, bidi controls) and other control characters
   dropped;
3. every whitespace character (no-break, thin, ideographic, line and paragraph
   separators...) read as a space, and runs of spaces as one;
4. Cyrillic and Greek letters that look like Latin ones mapped to that Latin
   letter: the single-letter Latin entries of the Unicode confusables data
   (Unicode TS #39, ``confusables.txt``) for those two scripts, kept here as a
   small table (:data:`CONFUSABLES`);
5. optionally, case folded (:meth:`str.casefold`).

Each character of the folded text remembers the character of the original it
came from (:func:`fold_with_origins`), so a match in folded text redacts the
right span of the original.

What folding cannot see: look-alikes from other scripts (Armenian, Cherokee,
mathematical letters are folded by NFKD, but not every symbol), letters
replaced by digits or punctuation (``Ac4cia``, ``A.c.a.c.i.a``), ordinary
hyphens or other spacing inside a word, misspellings, and text in images.

:func:`coordinate_spans` finds coordinates written in free text: a decimal
pair (``52.4589, -1.9546``, ``lat 52.4589 lon -1.9546``, ``52.4589N 1.9546W``)
or degrees, minutes and seconds (``52°27'32"N 1°57'16"W``), with their
position when it can be read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

__all__ = [
    "CONFUSABLES",
    "compact",
    "coordinate_spans",
    "fold",
    "fold_with_origins",
    "folded_address",
    "spaced",
]

#: Cyrillic and Greek letters that look like a Latin letter, by that letter
#: (from Unicode's ``confusables.txt``, TS #39; lower-case partners added so
#: that case folding after the mapping cannot undo it).
CONFUSABLES: Final[dict[str, str]] = {
    **dict.fromkeys("АаӐӑ", "a"),
    **dict.fromkeys("ВвЬ", "b"),
    **dict.fromkeys("СсϹϲ", "c"),
    **dict.fromkeys("ԁ", "d"),
    **dict.fromkeys("ЕеЁёҽΕε", "e"),
    **dict.fromkeys("Ϝ", "f"),
    **dict.fromkeys("Ԍ", "g"),
    **dict.fromkeys("НнһΗ", "h"),
    **dict.fromkeys("ІіӀӏΙιͺιꙇЇї", "i"),
    **dict.fromkeys("ЈјϿϳ", "j"),
    **dict.fromkeys("КкΚκ", "k"),
    **dict.fromkeys("МмΜϺ", "m"),
    **dict.fromkeys("Ν", "n"),
    **dict.fromkeys("ОоΟοσ", "o"),
    **dict.fromkeys("РрΡρϱ", "p"),
    **dict.fromkeys("ԛ", "q"),
    **dict.fromkeys("гᴦ", "r"),
    **dict.fromkeys("Ѕѕ", "s"),
    **dict.fromkeys("ТтΤτ", "t"),
    **dict.fromkeys("υ", "u"),
    **dict.fromkeys("Ѵѵν", "v"),
    **dict.fromkeys("ѡԜԝ", "w"),
    **dict.fromkeys("ХхΧχ", "x"),
    **dict.fromkeys("УуҮүγΥϒ", "y"),
    **dict.fromkeys("Ζ", "z"),
    **dict.fromkeys("Αα", "a"),
    **dict.fromkeys("Ββ", "b"),
}
# The table maps to lower case; capitals keep their case when case is not folded.
_UPPER: Final = frozenset(c for c in CONFUSABLES if c.isupper())


def _pieces(char: str, casefold: bool) -> str:
    """What one character of the original becomes in folded text (maybe nothing)."""
    if char.isspace():
        return " "
    out = []
    for c in unicodedata.normalize("NFKD", char):
        category = unicodedata.category(c)
        if category in ("Mn", "Me", "Cf", "Cc"):
            continue
        if c.isspace():
            out.append(" ")
            continue
        latin = CONFUSABLES.get(c)
        if latin is not None:
            c = latin.upper() if c in _UPPER and not casefold else latin
        out.append(c)
    text = "".join(out)
    return text.casefold() if casefold else text


def fold_with_origins(text: str, *, casefold: bool = True) -> tuple[str, list[int]]:
    """``text`` folded, with the index in ``text`` each folded character came from.

    Args:
        casefold: fold case as well (for matching; not for checks that read
            capital letters, such as :func:`~spo_tracker.domain.people.address_likeness`).

    Returns:
        The folded text and, one per character of it, the index of the original
        character it came from; runs of spaces are one space, leading and trailing
        spaces kept as one.
    """
    out: list[str] = []
    origins: list[int] = []
    for i, char in enumerate(text):
        plain = char.isascii() and char.isprintable() and char != " "
        for c in char if plain else _pieces(char, casefold):
            if c == " " and out and out[-1] == " ":
                continue
            out.append(c.casefold() if casefold else c)
            origins.append(i)
    return "".join(out), origins


def fold(text: str, *, casefold: bool = True) -> str:
    """``text`` folded (see the module's description); ``casefold`` as in
    :func:`fold_with_origins`."""
    return fold_with_origins(text, casefold=casefold)[0]


def compact(text: str) -> str:
    """``text`` folded, case folded and without any space: the form in which two texts
    that a reader takes for the same are equal (used to test that nothing leaks)."""
    return "".join(fold(text).split())


def spaced(text: str) -> str:
    """A regex source matching folded ``text`` written with any spacing (none, one or
    more spaces anywhere): ``B13 9QT`` as ``b139qt`` or ``b 13 9qt``."""
    return r"\s*".join(re.escape(c) for c in text.replace(" ", ""))


def folded_address(lines: Iterable[str]) -> tuple[str, ...]:
    """Address lines folded, a line that folds to nothing kept as ``-`` (so that an
    :class:`~spo_tracker.domain.people.Address` can still be built of them)."""
    return tuple(fold(line).strip() or "-" for line in lines)


# --------------------------------------------------------------------------- coordinates

_DEC: Final = r"[-+]?\d{1,3}\.\d{2,}"
_HEMI: Final = r"(?:\s*[nsew](?![a-z]))?"
_DEG: Final = r"(?:\s*(?:°|º|deg(?:rees?)?|d(?![a-z])))"
_MIN: Final = r"(?:\s*(?:'|′|’|min(?:utes?)?|m(?![a-z])))"
_SEC: Final = r"(?:\s*(?:\"|″|′′|''|”|sec(?:onds?)?|s(?![a-z])))"
_DMS: Final = (
    rf"[-+]?\d{{1,3}}{_DEG}\s*\d{{1,2}}(?:\.\d+)?{_MIN}\s*"
    rf"(?:\d{{1,2}}(?:\.\d+)?{_SEC})?{_HEMI}"
)
_ONE: Final = rf"(?:{_DMS}|{_DEC}{_DEG}?{_HEMI})"
_LAT: Final = r"(?:lat(?:itude)?\.?\s*[:=]?\s*)"
_LON: Final = r"(?:(?:lon|lng|long)(?:gitude)?\.?\s*[:=]?\s*)"
#: A pair (the latitude labelled or not, then the longitude), or a labelled half.
_COORDINATES: Final = re.compile(
    rf"(?<![\w.]){_LAT}?(?P<a>{_ONE})\s*(?:[,;/]|and)?\s*{_LON}?(?P<b>{_ONE})(?![\w.])"
    rf"|(?<![\w.])(?:{_LAT}|{_LON})(?P<c>{_ONE})(?![\w.])",
    re.IGNORECASE,
)
_NUMBERS: Final = re.compile(r"[-+]?\d+(?:\.\d+)?")
# A cheap first test: a decimal, a degree sign or word, or a label (most text has none).
_QUICK: Final = re.compile(r"\d\.\d\d|[°º]|\dd|\d\s+d|lat|lon|lng", re.IGNORECASE)


def _angle(text: str) -> float | None:
    """A latitude or longitude written as a decimal or as degrees, minutes, seconds."""
    numbers = [float(n) for n in _NUMBERS.findall(text)]
    if not numbers or len(numbers) > 3:
        return None
    sign = -1.0 if numbers[0] < 0 or text.strip().startswith("-") else 1.0
    value = abs(numbers[0]) + sum(n / 60.0**i for i, n in enumerate(numbers[1:], start=1))
    if re.search(r"[sw]\s*$", text.strip(), re.IGNORECASE):
        sign = -1.0
    return sign * value


def coordinate_spans(text: str) -> list[tuple[int, int, tuple[float, float] | None]]:
    """Where ``text`` (best folded first) writes coordinates, with the position if it can
    be read: ``(start, end, (latitude, longitude) or None)`` for each, in order.

    A pair of decimals needs two decimal places each (``52.46, -1.95``: about a
    kilometre); "lat"/"lon" labels, degree signs and N/S/E/W are optional.
    Degrees, minutes and seconds need the degree sign (or ``d``/``deg``). A
    labelled half (``lat 52.4589``) counts on its own, with no position.
    """
    if _QUICK.search(text) is None:
        return []
    found = []
    for match in _COORDINATES.finditer(text):
        position = None
        if match["a"] is not None:
            lat, lon = _angle(match["a"]), _angle(match["b"])
            if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
                position = (lat, lon)
        found.append((match.start(), match.end(), position))
    return found
