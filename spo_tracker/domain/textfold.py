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
position when it can be read, and grid references, what3words addresses and plus
codes, without one.
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
    "runs_as_spaces",
    "spaced",
]

#: Letters that look like a Latin letter, by that letter (from Unicode's
#: ``confusables.txt``, TS #39, single-letter Latin targets): Cyrillic, Greek,
#: Armenian and Cherokee look-alikes, and Latin letters that read as another Latin
#: letter (small capitals, dotless ``ı``, Latin alpha ``ɑ``, script ``ɡ``). Both
#: cases are listed where a script has them; a character is also looked up after
#: case folding, so a capital whose small letter is here is caught too (``Һ``, ``Ԁ``).
#: Letters with a stroke, which NFKD does not take apart, read as the letter without
#: it (``Søren`` as ``Soren``, ``Łucja`` as ``Lucja``, a slashed zero ``Ø`` as ``o``,
#: which the redactor matches with a zero too).
CONFUSABLES: Final[dict[str, str]] = {
    **dict.fromkeys("Øø", "o"),
    **dict.fromkeys("Łł", "l"),
    **dict.fromkeys("Đđ", "d"),
    **dict.fromkeys("Ħħ", "h"),
    **dict.fromkeys("АаӐӑΑαɑᴀꭺᎪ", "a"),
    **dict.fromkeys("ВвЬΒβϐʙᏴᏼ", "b"),
    **dict.fromkeys("СсϹϲᴄᏟꮯⅽ", "c"),
    **dict.fromkeys("ԀԁᴅᎠꭰⅾ", "d"),
    **dict.fromkeys("ЕеЁёҼҽΕεϵᴇᎬꭼ", "e"),
    **dict.fromkeys("Ϝꜰ", "f"),
    **dict.fromkeys("ԌɡɢցᏀ", "g"),
    **dict.fromkeys("НнҺһΗʜհᎻꮋ", "h"),
    **dict.fromkeys("ІіӀӏΙιͺꙇЇїıɩɪ", "i"),
    **dict.fromkeys("ЈјͿϳᴊᎫꭻ", "j"),
    **dict.fromkeys("КкΚκϰᴋᏦꮶ", "k"),
    **dict.fromkeys("ʟԼᏞꮮⅼ", "l"),
    **dict.fromkeys("МмΜϺᴍᎷꮇⅿ", "m"),
    **dict.fromkeys("Νɴոη", "n"),
    **dict.fromkeys("ОоΟοσᴏօՕ", "o"),
    **dict.fromkeys("РрΡρϱᴘᏢꮲ", "p"),
    **dict.fromkeys("ԚԛզꞯϘ", "q"),
    **dict.fromkeys("гᴦʀ", "r"),
    **dict.fromkeys("ЅѕꜱՏᏚꮪ", "s"),
    **dict.fromkeys("ТтΤτᴛᎢꭲ", "t"),
    **dict.fromkeys("υᴜսՍ", "u"),
    **dict.fromkeys("Ѵѵνᴠⅴ", "v"),
    **dict.fromkeys("ѠѡԜԝᴡᎳꮃ", "w"),
    **dict.fromkeys("ХхΧχⅹ", "x"),
    **dict.fromkeys("УуҮүγΥϒʏ", "y"),
    **dict.fromkeys("Ζᴢ", "z"),
}
# Characters that read as a space (blank "letters" that are neither whitespace nor
# format characters), as an ASCII hyphen or slash, or as a zero (the ideographic zero).
_AS: Final[dict[str, str]] = {
    "\u3007": "0",
    **dict.fromkeys("\u115f\u1160\u3164\u2800\uffa0", " "),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u2044\u2215\u29f8", "/"),
}
# Bidi overrides: text between one of these and POP DIRECTIONAL FORMATTING (or the end
# of the line) is shown in the other order than it is stored.
_RLO: Final = "\u202e"
_OVERRIDE_END: Final = frozenset("\u202c\n\r\u2029")


def _latin(c: str, casefold: bool) -> str:
    """``c`` mapped to the Latin letter it looks like, or ``c`` itself."""
    latin = CONFUSABLES.get(c)
    if latin is None:
        latin = CONFUSABLES.get(c.casefold())
        if latin is None:
            return c
    return latin.upper() if not casefold and c.isupper() else latin


def _pieces(char: str, casefold: bool) -> str:
    """What one character of the original becomes in folded text (maybe nothing)."""
    if char.isspace():
        return " "
    latin = _latin(char, casefold)
    if latin != char:  # before decomposition: lunate sigma "ϲ" reads "c", not "ς"
        return latin
    out = []
    for c in unicodedata.normalize("NFKD", char):
        category = unicodedata.category(c)
        if category in ("Mn", "Me", "Cf", "Cc"):
            continue
        if c.isspace():
            out.append(" ")
            continue
        c = _AS.get(c) or _latin(c, casefold)
        out.append(c)
    text = "".join(out)
    return text.casefold() if casefold else text


def _display_order(text: str) -> list[int]:
    """The indices of ``text`` in the order a reader sees them: a run after RIGHT-TO-LEFT
    OVERRIDE (up to POP DIRECTIONAL FORMATTING or the end of the line) reversed, so that
    ``\u202eXX9 71B`` reads ``B17 9XX`` as it is shown."""
    order: list[int] = []
    run: list[int] | None = None
    for i, char in enumerate(text):
        if char == _RLO:
            if run is not None:
                order.extend(reversed(run))
            run = []
        elif run is not None and char in _OVERRIDE_END:
            order.extend(reversed(run))
            run = None
            order.append(i)
        elif run is not None:
            run.append(i)
        else:
            order.append(i)
    if run is not None:
        order.extend(reversed(run))
    return order


def fold_with_origins(text: str, *, casefold: bool = True) -> tuple[str, list[int]]:
    """``text`` folded, with the index in ``text`` each folded character came from.

    Args:
        casefold: fold case as well (for matching; not for checks that read
            capital letters, such as :func:`~spo_tracker.domain.people.address_likeness`).

    Returns:
        The folded text and, one per character of it, the index of the original
        character it came from (not always increasing: text under a right-to-left
        override is read in the order it is shown); runs of spaces are one space,
        leading and trailing spaces kept as one.
    """
    out: list[str] = []
    origins: list[int] = []
    indices = _display_order(text) if _RLO in text else range(len(text))
    for i in indices:
        char = text[i]
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
    if text.isascii() and text.isprintable():
        # Most order text is plain ASCII, where folding only joins runs of spaces and
        # folds case (the same as lower-casing there): the same result, far sooner.
        if "  " in text:
            text = _SPACE_RUN.sub(" ", text)
        return text.lower() if casefold else text
    return fold_with_origins(text, casefold=casefold)[0]


_SPACE_RUN: Final = re.compile(" {2,}")


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

# A decimal (a point or a comma as the decimal mark; a comma decimal must end its digits).
_DEC: Final = r"[-+]?\d{1,3}(?:\.\d+|,\d{2,}(?!\d))"
_HEMI: Final = r"(?:\s*[nsew](?![a-z\d]))?"
_PRE: Final = r"(?:[nsew]\s?(?=[\d+-]))?"  # a hemisphere written first: N52.4601
_DEG: Final = r"(?:\s*(?:°|º|deg(?:rees?)?|d(?![a-z])))"
_MIN: Final = r"(?:\s*(?:'|′|’|min(?:utes?)?|m(?![a-z])))"
# ``s`` may be followed by its hemisphere letter: 52d27m32sN.
_SEC: Final = r"(?:\s*(?:\"|″|′′|''|”|sec(?:onds?)?|s(?=[nsew]?(?![a-z]))))"
_DMS_BODY: Final = (
    rf"[-+]?\d{{1,3}}{_DEG}\s*\d{{1,2}}(?:\.\d+)?{_MIN}\s*(?:\d{{1,2}}(?:\.\d+)?{_SEC})?"
)
# Degrees with their sign and minutes without theirs, as handheld GPS units show them:
# decimal minutes (52°27.534, two decimals or more), or any minutes ended by a
# hemisphere letter (52°27.5N, 52d27N, 52 deg 27.534 N).
_DM_BODY: Final = rf"[-+]?\d{{1,3}}{_DEG}\s*\d{{1,2}}\.\d{{2,}}"
_DM_HEMI: Final = rf"[-+]?\d{{1,3}}{_DEG}\s*\d{{1,2}}(?:\.\d+)?\s?[nsew](?![a-z\d])"
# The hemisphere first or last, not both: "N 52°27'32\" W 1°..." is two halves, the W the
# second's (read as the first's, it turned the latitude south). Whitespace runs are one
# space by now (see ``_single_spaced``), so optional spaces side by side cannot share
# out a long run.
_DMS: Final = (
    rf"(?:[nsew]\s?(?=\d)(?:{_DMS_BODY}|{_DM_BODY})|{_DMS_BODY}{_HEMI}|{_DM_HEMI}|{_DM_BODY})"
)
# Degrees and minutes (and seconds) without their signs, ended by a hemisphere letter:
# 52 27.6N, 52 27 36N; or begun by it, the minutes with three decimals: N52 27.534.
_BARE_DMS: Final = (
    r"\d{1,3}\s+\d{1,2}(?:\.\d+)?(?:\s+\d{1,2}(?:\.\d+)?)?\s*[nsew](?![a-z])"
    r"|[nsew]\s?\d{1,3}\s\d{1,2}\.\d{3,}"
)
_ONE: Final = rf"(?:{_DMS}|{_BARE_DMS}|{_PRE}{_DEC}{_DEG}?{_HEMI})"
# A latitude label, or one for the pair (``lat/lon``, ``lat, long``).
_LAT: Final = r"(?:lat(?:itude)?(?:\s*[/,&]\s*(?:lon|lng|long)(?:gitude)?)?\.?\s*[:=]?\s*)"
_LON: Final = r"(?:(?:lon|lng|long)(?:gitude)?\.?\s*[:=]?\s*)"
# British National Grid: a 100 km square used in Great Britain and 4 to 10 digits
# (SP 07 85, SP0785, SP 039 850, SP 03910 85020; four digits after a space, "so 2024",
# are more often a year than a square), or an easting and northing in metres.
_SQUARE: Final = r"(?:h[l-z]|n[a-hj-z]|o[vw]|s[a-hj-z]|t[afglmqrv])"
_GRID: Final = (
    rf"{_SQUARE}(?:\s?(?:\d{{5}}\s?\d{{5}}|\d{{4}}\s?\d{{4}}|\d{{3}}\s?\d{{3}})"
    r"|\d{4}|\s?\d{2}\s\d{2})"
    r"|(?:e|easting)\s*[:=]?\s*\d{6}(?:\.\d+)?\s*[,;/]?\s*(?:n|northing)\s*[:=]?\s*\d{6,7}"
    r"(?:\.\d+)?"
    r"|\d{6}(?:\.\d+)?\s?e\s?[,;/]?\s?\d{6,7}(?:\.\d+)?\s?n"  # 403910E 285020N
)
# A what3words address (a 3 m square: ///index.home.raft), after its three slashes, its
# name or its web address; words of letters only, in any script (///школа.окно.стол).
_W3W: Final = (
    r"(?:(?:what3words|w3w)\s*[-:=]?\s*(?:/{3}\s?)?|(?:www\.)?(?:what3words\.com|w3w\.co)/"
    r"|/{3}\s?)[^\W\d_]+\.[^\W\d_]+\.[^\W\d_]+"
)
# A plus code (Open Location Code: 9C4WF2X8+QH, or shortened by a town's name: F2X8+QH):
# pairs of its twenty letters and digits, a plus, then two to seven more (the more, the
# smaller its square: 9C4WF2X8+QH2W).
_OLC: Final = "[2-9cfghjmpqrvwx]"
_PLUS: Final = rf"(?:{_OLC}{{2}}){{2,4}}\+{_OLC}{{2,7}}"
# Degrees and minutes (and seconds) with no sign or letter at all (52 27 32, 52 27.534):
# only after a label, since any three numbers look so.
_BARE: Final = r"[-+]?\d{1,3}\s\d{1,2}(?:\s\d{1,2}(?:\.\d+)?|\.\d+)"
# A pair of hemisphere-first halves with decimal minutes of two places or more (N52 27.53
# W1 56.12); one such half alone is also a postcode district and a time (W1 12.30).
_GPS_HALF: Final = r"[nsew]\s?\d{1,3}\s\d{1,2}\.\d{2,}"
_SPELT: Final = (
    rf"{_LAT}{_BARE}(?:\s*(?:[,;/|]|and)?\s*{_LON}{_BARE})?|{_LON}{_BARE}"
    rf"|{_GPS_HALF}\s*(?:[,;/|]|and)?\s*{_GPS_HALF}"
)
#: A pair (the latitude labelled or not, then the longitude), or a labelled half, or a
#: grid reference, a what3words address or a plus code, or degrees and minutes written
#: with no signs after a label or as a pair; each begins a word (not after a letter,
#: digit or point).
_ORDER_BODY: Final = (
    rf"{_LAT}?(?P<a>{_ONE})\s*(?:[,;/|]|and)?\s*{_LON}?(?P<b>{_ONE})(?!\w|\.\d)"
    rf"|(?:{_LAT}|{_LON})(?P<c>{_ONE})(?!\w|\.\d)"
    rf"|(?P<grid>{_GRID})(?!\w|\.\d)"
)
_COORDINATES_BODY: Final = (
    rf"{_ORDER_BODY}|(?P<code>{_W3W}|{_PLUS})(?!\w|\.\w)|(?P<spelt>{_SPELT})(?!\w|\.\d)"
)
# How each of those can begin: a sign or digit, a label, a hemisphere letter before a
# number, a grid square before digits, an easting, what3words' slashes, name or address,
# a plus code. It adds nothing the body does not require (a property test holds the two
# to the same matches) but is tested first, once: the body's many branches were tried at
# every position of every text (a quarter of a report's build, in the library's own
# wording, which is full of dates and counts).
_STARTS: Final = (
    r"[-+\d]|l(?:at|on|ng)|[nsew]\s?[\d+-]|[hnost][a-z]\s?\d|e(?:asting)?\s*[:=]?\s*\d"
    rf"|/{{3}}|w(?:hat)?3w|www\.|{_PLUS}"
)
_COORDINATES: Final = re.compile(rf"(?<![\w.])(?={_STARTS})(?:{_COORDINATES_BODY})", re.IGNORECASE)
_NUMBERS: Final = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
# A cheap first test: a decimal, a degree sign or word, a label, a number next to a
# hemisphere letter, a grid square before digits, an easting, what3words' marks, a plus
# (most text has none of these). It must pass every text the full pattern finds
# coordinates in (property tests hold it to that: it once turned away degrees written
# "deg" with no decimal, label or sign, and eastings labelled "E:"). It runs before the
# whitespace runs are read as one space, so every space in it may be a run (``\s*``).
_QUICK: Final = re.compile(  # on lower-case text (case-insensitive matching is slower)
    rf"\d(?:[.,]\d|\s*d(?:eg|(?![a-z]))|\s*[nsew](?![a-z]))|[°º]|lat|lon|lng|[nsew]\d"
    rf"|{_SQUARE}\s*\d\d|e(?:asting)?\s*(?:[:=]\s*)?\d{{6}}|///|w(?:hat)?3w|\+{_OLC}{{2}}"
)
# What an order's own text is refused for (``_term_base``): exactly the forms, and the
# quick test, as they were before 8 December 2026. Stored text is checked again on every
# read, so an order stored then must not be refused now: the forms found since (the
# what3words addresses, plus codes and sign-less degrees, the eastings labelled "E:" and
# grid references with a run of spaces the quick test turned away) are redacted wherever
# text is shown, but not refused in an order.
_ORDER_QUICK: Final = re.compile(
    rf"\d(?:[.,]\d|\s*d(?:eg|(?![a-z]))|\s*[nsew](?![a-z]))|[°º]|lat|lon|lng|[nsew]\d"
    rf"|{_SQUARE}\s?\d\d"
)
# The first three alternatives of the body, as they were (each began with the word-start
# lookbehind, here taken out in front).
_ORDER_COORDINATES: Final = re.compile(rf"(?<![\w.])(?:{_ORDER_BODY})", re.IGNORECASE)
# A decimal with one decimal place only (52.5: about 10 km).
_SHORT: Final = re.compile(r"(?<![\d.,])\d{1,3}[.,]\d(?!\d)")
_MARKED: Final = re.compile(r"[-+]|[nsew](?![a-z])|lat|lon|lng", re.IGNORECASE)


def _angle(text: str) -> float | None:
    """A latitude or longitude written as a decimal or as degrees, minutes, seconds."""
    numbers = [float(n.replace(",", ".")) for n in _NUMBERS.findall(text)]
    if not numbers or len(numbers) > 3:
        return None
    sign = -1.0 if numbers[0] < 0 or text.strip().startswith("-") else 1.0
    value = abs(numbers[0]) + sum(n / 60.0**i for i, n in enumerate(numbers[1:], start=1))
    if re.search(r"^[sw]|[sw]\s*$", text.strip(), re.IGNORECASE):
        sign = -1.0
    return sign * value


def coordinate_spans(
    text: str, *, codes: bool = True
) -> list[tuple[int, int, tuple[float, float] | None]]:
    """Where ``text`` (best folded first) writes coordinates, with the position if it can
    be read: ``(start, end, (latitude, longitude) or None)`` for each, in order.

    A pair of decimals (a point or a comma as the decimal mark, ``−`` folded to
    ``-``): with two or more decimal places each (``52.46, -1.95``: about a
    kilometre) always; with one (``52.5, -1.9``) when it is a position and
    carries a sign, a hemisphere letter or a label. "lat"/"lon" labels, degree
    signs and N/S/E/W (before or after the number) are optional. Degrees,
    minutes and seconds need the degree sign (or ``d``/``deg``; the minutes' sign may
    then be left out if they have two decimals or more, ``52°27.534``, or a hemisphere
    letter follows, ``52°27N``), or a hemisphere letter at the end (``52 27 36N``,
    ``52 27.6N``) or at the start with three decimals of minutes (``N52 27.534``). A
    pair may be labelled as one (``lat/lon``) or split by ``|``. A labelled half
    (``lat 52.4589``) counts on its own, with no position. So does a British
    National Grid reference (``SP 07 85`` to ``SP 03910 85020``) or an easting and
    northing (``E403910 N285020``, ``403910E 285020N``), a what3words address
    (``///index.home.raft``, or its words after ``what3words``, ``w3w`` or its web
    address) or a plus code (``9C4WF2X8+QH``, ``F2X8+QH``), with no position; so do
    degrees and minutes with no signs after a label (``lat 52 27 32``) and a pair of
    hemisphere-first halves with two-decimal minutes (``N52 27.53 W1 56.12``).

    ``codes=False``: only what an order's own text is refused for, exactly as before 8
    December 2026 (see ``_ORDER_COORDINATES``): stored text is checked again on every
    read, and an order stored then must stay readable. Wherever text is shown, every
    form is redacted.
    """
    quick, pattern = (_QUICK, _COORDINATES) if codes else (_ORDER_QUICK, _ORDER_COORDINATES)
    if quick.search(text.lower()) is None:
        return []
    text, where = _single_spaced(text)
    found = []
    for match in pattern.finditer(text):
        position = None
        if match["a"] is not None:
            lat, lon = _angle(match["a"]), _angle(match["b"])
            if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
                position = (lat, lon)
            elif _SHORT.search(match[0]):
                continue  # "1.5, 200.5": not a place
            if _SHORT.search(match[0]) and _MARKED.search(match[0]) is None:
                continue  # "version 1.2, 3.4": one decimal place and no sign or letter
        start, end = match.start(), match.end()
        if where is not None:
            start, end = where[start], where[end - 1] + 1
        found.append((start, end, position))
    return found


#: A run of whitespace, or one whitespace character other than a space (a tab, a line
#: break): each is read as one space.
_WHITE_RUN: Final = re.compile(r"\s{2,}|[^\S ]")


def _single_spaced(text: str) -> tuple[str, list[int] | None]:
    """``text`` with each run of whitespace as one space, and where each of its characters
    came from (``None`` when there is no run). The coordinate patterns have several
    optional spaces side by side (after a number, a sign, a hemisphere letter, a label, a
    separator): on a long run of spaces between digits their ways of sharing it out grow
    as a power of its length (a 1,000-space summary took a minute). One space each can
    share out only a few ways."""
    # Whitespace other than a space is not printable (Unicode's separators and controls):
    # text with no double space that is all printable has no run, told without a search.
    if ("  " not in text and text.isprintable()) or _WHITE_RUN.search(text) is None:
        return text, None
    return runs_as_spaces(text, _WHITE_RUN)


def runs_as_spaces(text: str, runs: re.Pattern[str]) -> tuple[str, list[int]]:
    """``text`` with each match of ``runs`` as one space, and for each of its characters
    the index in ``text`` of the character it came from (a run's space: its first)."""
    parts: list[str] = []
    where: list[int] = []
    at = 0
    for run in runs.finditer(text):
        parts.append(text[at : run.start()])
        where.extend(range(at, run.start()))
        parts.append(" ")
        where.append(run.start())
        at = run.end()
    parts.append(text[at:])
    where.extend(range(at, len(text)))
    return "".join(parts), where
