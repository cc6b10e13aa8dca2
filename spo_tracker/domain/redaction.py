"""Redaction: what a report, a case file or a default export may say about protected persons.

It lives in the domain (it needs only the people and the text folding) so that
the reports and the interchange's default export share one implementation.

A protected person's address and whereabouts never appear in a report, and
neither does any coordinate (an incident's location may be the protected
person's whereabouts, so reports show no locations at all). Their names are
replaced by a label such as ``Protected person P1`` unless the caller asks for
names explicitly, for internal use.

Free text (incident summaries) is scrubbed as well: the names (unless
included), every address line and postcode held in the person's restricted
compartment (and the label of each place they frequent), the house number and
street of each address line however the street is written (``12 Acacia Ave``
for ``12 Acacia Avenue``, see
:func:`~spo_tracker.domain.people.street_patterns`), and any coordinates
written in the text (decimal or degrees-minutes-seconds, see
:func:`~spo_tracker.domain.textfold.coordinate_spans`) are replaced by a
bracketed marker. The text is matched *folded*
(:mod:`~spo_tracker.domain.textfold`: compatibility forms, invisible
characters, odd spaces and look-alike letters do not hide anything), each
secret with any spacing, and each match replaces the span of the original
text it came from. Scrubbing is deliberately eager: a word that merely equals
part of a protected person's name is redacted too. Free text that may mention
a protected person whose record the report was not given is withheld whole,
since it cannot be checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

import attrs

from spo_tracker.domain.people import Address, ProtectedPerson, street_patterns
from spo_tracker.domain.textfold import (
    coordinate_spans,
    fold,
    fold_with_origins,
    folded_address,
    runs_as_spaces,
)

__all__ = ["LOCATION_MARK", "WITHHELD", "ForceScrubber", "Redactor", "redacted_label"]

#: Put in place of a scrubbed address, postcode or coordinate.
LOCATION_MARK: Final = "[location redacted]"
#: Put in place of free text that cannot be checked: a person it may mention is unknown.
WITHHELD: Final = "[summary withheld: a protected person's record was not available to redact it]"
_NAME_MARK: Final = "[name redacted]"
_MIN_PART: Final = 3
# ASCII control characters other than tab and line ends: folding drops them ("Aca\x07cia").
_ASCII_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def redacted_label(person_id: str) -> str:
    """The label that stands for a protected person whose name is redacted."""
    return f"Protected person {person_id}"


def _name_parts(name: str) -> list[str]:
    name = fold(name)
    parts = [p for p in re.split(r"[\s,.;:]+", name) if len(p) >= _MIN_PART]
    return [name.strip(), *parts]


def _address_parts(person: ProtectedPerson) -> list[str]:
    """The person's whereabouts as texts: each line, the postcode and the postcode's
    district of their address, and the label of each place they are known to frequent
    that is of two words or more (``Harborne Leisure Centre``): a place's label is
    restricted as its position is, so it is scrubbed like an address line (whole, with
    any spacing). A label of one word (``home``, ``work``, ``gym``) is not: it would
    redact that word wherever it is written, and a default export would test every text
    holding it against every person with that label."""
    address = person.restricted.address
    labels = [fold(label).strip() for label, _ in person.restricted.places]
    texts = [t for t in labels if len(_WORDS.findall(t)) >= 2]
    if address is not None:
        texts += [fold(line).strip() for line in address.lines]
    texts = [t for t in texts if len(t) >= _MIN_PART]
    postcode = "" if address is None else fold(address.postcode).strip()
    if postcode:
        texts.append(postcode)
        # Its district too (``B17`` of ``B17 0QT``: "she lives in B17"), if of three
        # characters or more (``M1`` is as often the motorway).
        outward = postcode.split()[0] if " " in postcode else postcode[:-3]
        if len(_squeezed(outward)) >= _MIN_PART:
            texts.append(outward)
    return texts


#: A word of a place's label: two letters or digits or more.
_WORDS: Final = re.compile(r"[^\W_]{2,}")


# What a reader skips between the letters of a word written out: any run of characters
# that are not letters or digits, a percent-encoded byte (``%20``) and an HTML entity
# (``&nbsp;``) in text that was not decoded. Matched in folded (lower-case) text.
_SEPARATORS: Final = re.compile(r"(?:%[0-9a-f]{2}|&(?:[a-z]+|#\d+|#x[0-9a-f]+);|[\W_])+")


_NOT_ALPHANUMERIC: Final = re.compile(r"[\W_]+")


#: The digit zero read as the letter o in the quick substring test, and either matched
#: where a secret or a street holds one (``_either``): ``B17 OQT`` is ``B17 0QT`` typed
#: with the letter, as postcodes often are (an inward code always begins with a digit).
_ZERO_AS_O: Final = str.maketrans("0", "o")


#: ``_squeezed`` of ASCII text in one pass: every ASCII character that is not a letter or
#: digit (what ``[\W_]`` matches there) dropped, and zero read as o.
_ASCII_SQUEEZE: Final = str.maketrans(
    {**{chr(i): None for i in range(128) if not chr(i).isalnum()}, "0": "o"}
)


def _squeezed(text: str) -> str:
    """Folded text with only its letters and digits, zeros read as the letter o: the form
    of the quick substring test (of secrets and of the text alike)."""
    if "%" in text or "&" in text:
        return _SEPARATORS.sub("", text).translate(_ZERO_AS_O)
    if text.isascii():
        return text.translate(_ASCII_SQUEEZE)
    return _NOT_ALPHANUMERIC.sub("", text).translate(_ZERO_AS_O)


def _either(text: str) -> str:
    """``re.escape(text)``, each letter o or zero in it matching either."""
    return "".join("[0o]" if c in "0o" else re.escape(c) for c in text)


def _spaced_either(squeezed: str) -> str:
    """A regex source matching a squeezed secret with any spacing (as
    :func:`~spo_tracker.domain.textfold.spaced` does), each ``o`` (a letter o or a zero)
    matching either."""
    return r"\s*".join(_either(c) for c in squeezed)


def _loosened(folded: str, origins: list[int] | None) -> tuple[str, list[int]]:
    """Folded text with each run of separators (see ``_SEPARATORS``) as one space, and for
    each of its characters the index of the original character it came from."""
    loose, where = runs_as_spaces(folded, _SEPARATORS)
    if origins is not None:
        where = [origins[i] for i in where]
    return loose, where


def _loose_street(pattern: str) -> str:
    """A street pattern that also matches the street written without its spaces
    (``AcaciaAvenue``, ``12AcaciaAve``)."""
    return pattern.replace(r"\s+", r"\s*")


def _pattern(texts: Iterable[str]) -> re.Pattern[str]:
    """One word-bounded pattern matching any of ``texts`` (folded, not empty) written
    with any spacing: ``B13 9QT`` matches ``b139qt`` and ``b 13 9qt``."""
    unique = sorted({_squeezed(t) for t in texts}, key=lambda t: (-len(t), t))
    # Longest first, so that "12 Acacia Avenue" wins over "Acacia"; word-bounded both sides.
    body = "|".join(_spaced_either(t) for t in unique)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@attrs.frozen
class _Secrets:
    """What must not appear for one person: the texts, folded (see
    :mod:`~spo_tracker.domain.textfold`) and without spaces, for a quick substring
    check of the folded text (without spaces) before any pattern.

    Attributes:
        streets: ``(key, pattern)`` per street of the address: the pattern is tried
            only when the key (the street's own name, without spaces) occurs in the text.
    """

    names: tuple[str, ...]
    places: tuple[str, ...]
    streets: tuple[tuple[str, str], ...] = ()


def _secrets(person: ProtectedPerson) -> _Secrets:
    address = person.restricted.address
    streets: tuple[tuple[str, str], ...] = ()
    if address is not None:
        folded = Address(folded_address(address.lines), "")
        streets = tuple(
            (_squeezed(key), _loose_street(p))
            for key, p in street_patterns(folded, literal=_either)
        )
    return _Secrets(
        tuple(sorted({_squeezed(t) for t in _name_parts(person.name) if t})),
        tuple(sorted({_squeezed(t) for t in _address_parts(person) if t})),
        streets,
    )


def _spans(pattern: re.Pattern[str], folded: str, mark: str) -> Iterator[tuple[int, int, str]]:
    for found in pattern.finditer(folded):
        if found.end() > found.start():
            yield found.start(), found.end(), mark


def _original(
    spans: Iterable[tuple[int, int, str]], origins: list[int] | None
) -> Iterator[tuple[int, int, str]]:
    """Spans of a folded text as spans of the original (whose characters may have been
    read in another order under a right-to-left override: the span covers them all)."""
    for start, end, mark in spans:
        if origins is None:
            yield start, end, mark
        else:
            came = origins[start:end]
            yield min(came), max(came) + 1, mark


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with the spans (of ``text``) replaced by their marks; overlapping spans
    are merged, and a location mark wins over a name mark."""
    merged: list[list[Any]] = []
    for start, end, mark in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            last[2] = LOCATION_MARK if LOCATION_MARK in (last[2], mark) else mark
        else:
            merged.append([start, end, mark])
    out, at = [], 0
    for start, end, mark in merged:
        out += [text[at:start], mark]
        at = end
    out.append(text[at:])
    return "".join(out)


def _folded(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded, with its origins (``None`` when each character is its own:
    printable ASCII, by far the most common text, is only lower-cased)."""
    if text.isascii() and (text.isprintable() or _ASCII_CONTROL.search(text) is None):
        return text.lower(), None
    return fold_with_origins(text)


#: How many compiled secret patterns a redactor keeps (see ``Redactor._compiled``).
_PATTERNS_KEPT: Final = 2048


class Redactor:
    """Labels and scrubs text for one report.

    Scrubbing first checks, with plain substring tests, whether any secret of the
    persons concerned occurs in the text at all (it almost never does), and only
    then builds and applies a word-bounded, case-insensitive pattern.

    Args:
        persons: the protected persons the report may mention, by id (with their
            restricted details, so that their addresses can be scrubbed from free text;
            the details themselves are never rendered).
        include_names: show real names (internal use only) instead of labels.
    """

    def __init__(self, persons: Mapping[str, ProtectedPerson], *, include_names: bool) -> None:
        self._persons = persons
        self.include_names = include_names
        self._secrets: dict[str, _Secrets] = {}
        # The secrets of each set of persons, combined once (a report asks about the same
        # few sets of persons thousands of times), and whether all of them are known.
        self._scopes: dict[frozenset[str], tuple[_Secrets, bool]] = {}
        self._patterns: dict[tuple[bool, tuple[str, ...]], re.Pattern[str]] = {}

    def label(self, person_id: str) -> str:
        """The person's name if names are included and known, else the redacted label."""
        person = self._persons.get(person_id)
        if self.include_names and person is not None:
            return person.name
        return redacted_label(person_id)

    def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        """Labels by id, for :meth:`~spo_tracker.domain.terms.Term.render` placeholders."""
        return {pid: self.label(pid) for pid in person_ids}

    def _of(self, person_id: str) -> _Secrets:
        found = self._secrets.get(person_id)
        if found is None:
            found = self._secrets[person_id] = _secrets(self._persons[person_id])
        return found

    def _scope(self, person_ids: Iterable[str]) -> tuple[_Secrets, bool]:
        """The combined secrets of those of the persons the report knows, and whether it
        knows every one of them."""
        key = person_ids if isinstance(person_ids, frozenset) else frozenset(person_ids)
        found = self._scopes.get(key)
        if found is None:
            ids = sorted(key)
            complete = all(p in self._persons for p in ids)
            known = [self._of(p) for p in ids if p in self._persons]
            places = tuple(t for s in known for t in s.places)
            names = tuple(t for s in known for t in s.names)
            streets = tuple(t for s in known for t in s.streets)
            found = self._scopes[key] = (_Secrets(names, places, streets), complete)
        return found

    def _remove(self, text: str, secrets: _Secrets, *, names: bool) -> str:
        """``text`` without coordinates, and without the secrets it holds once folded."""
        folded, origins = _folded(text)
        spans = list(
            _original(((a, b, LOCATION_MARK) for a, b, _ in coordinate_spans(folded)), origins)
        )
        squeezed = _squeezed(folded)
        streets = tuple(pattern for key, pattern in secrets.streets if key in squeezed)
        places = tuple(t for t in secrets.places if t in squeezed)
        found_names = tuple(t for t in secrets.names if t in squeezed) if names else ()
        if streets or places or found_names:
            # Matched with separators read as spaces: B17-9XX, 12+Acacia+Avenue, B17%209XX.
            loose, where = _loosened(folded, origins)
            found: list[tuple[int, int, str]] = []
            if streets:
                found += _spans(self._compiled(streets, streets=True), loose, LOCATION_MARK)
            if places:
                found += _spans(self._compiled(places), loose, LOCATION_MARK)
            if found_names:
                found += _spans(self._compiled(found_names), loose, _NAME_MARK)
            spans += _original(found, where)
        return _replace(text, spans) if spans else text

    def _compiled(self, texts: tuple[str, ...], *, streets: bool = False) -> re.Pattern[str]:
        """The pattern of these secrets (street patterns, or texts for :func:`_pattern`),
        compiled once per redactor: a report matches the same few thousands of times, and
        ``re``'s own cache of 512 is soon full. At most ``_PATTERNS_KEPT`` are kept (a
        force-wide scrubber meets each person's secrets once or twice: kept without bound,
        30,000 patterns took 100 MB), and not in a module-level cache of the library's,
        so that they go with the redactor (``re``'s own cache holds the last 512 compiled
        anywhere in the process, as it did before)."""
        key = (streets, texts)
        found = self._patterns.get(key)
        if found is None:
            if len(self._patterns) >= _PATTERNS_KEPT:
                self._patterns.clear()
            found = self._patterns[key] = (
                re.compile("|".join(texts), re.IGNORECASE) if streets else _pattern(texts)
            )
        return found

    def scrub_places(self, text: str, person_ids: Iterable[str]) -> str:
        """``text`` without coordinates or the addresses of those of the given persons the
        report knows (names are kept: see :meth:`scrub_wording` for the library's own
        wording)."""
        secrets, _ = self._scope(person_ids)
        return self._remove(text, secrets, names=False)

    def scrub_wording(self, text: str, person_ids: Iterable[str]) -> str:
        """The library's own wording (alert titles and explanations, term text) without
        coordinates, the addresses and, unless names are included, the names of those of
        the given persons the report knows. The wording names persons by id and zones by
        label, but a label is order text an officer typed, and may hold a name or an
        address; it is never withheld whole (the ids in it are not free text)."""
        if not text:
            return text
        secrets, _ = self._scope(person_ids)
        return self._remove(text, secrets, names=not self.include_names)

    def scrub(self, text: str, person_ids: Iterable[str]) -> str:
        """``text`` without coordinates, and without the addresses (and, unless names are
        included, the names) of the given protected persons; withheld whole if one of them
        is unknown to the report."""
        if not text:
            return text
        secrets, complete = self._scope(person_ids)
        if not complete:
            return WITHHELD
        return self._remove(text, secrets, names=not self.include_names)


class ForceScrubber:
    """Scrubs text of every given protected person's secrets (a default export's free text), as
    :meth:`Redactor.scrub_wording <spo_tracker.reports.Redactor.scrub_wording>` does with
    all of them in scope, but without testing each text against every person's secrets
    (a force holds thousands): each secret is indexed by its first three characters
    (folded, without separators), and a text is scrubbed against the persons whose
    secrets occur in it, found by the same substring tests the redactor makes first.
    """

    _GRAM: Final = 3

    def __init__(self, persons: Mapping[str, ProtectedPerson]) -> None:
        self._redactor = Redactor(persons, include_names=False)
        self._index: dict[str, list[tuple[str, str]]] = {}
        self._short: list[tuple[str, str]] = []
        for key in sorted(persons):
            found = _secrets(persons[key])
            for text in (*found.names, *found.places, *(k for k, _ in found.streets)):
                if len(text) >= self._GRAM:
                    self._index.setdefault(text[: self._GRAM], []).append((text, key))
                elif text:
                    self._short.append((text, key))

    def _concerned(self, text: str) -> frozenset[str]:
        squeezed = _squeezed(_folded(text)[0])
        grams = {squeezed[i : i + self._GRAM] for i in range(len(squeezed) - self._GRAM + 1)}
        found = {key for secret, key in self._short if secret in squeezed}
        for gram in grams:
            for secret, key in self._index.get(gram, ()):
                if key not in found and secret in squeezed:
                    found.add(key)
        return frozenset(found)

    def __call__(self, text: str) -> str:
        # Coordinates are scrubbed whoever is concerned (with no one: coordinates only).
        return self._redactor.scrub_wording(text, self._concerned(text))
