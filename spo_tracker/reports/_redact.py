"""Redaction: what a report may say about protected persons.

A protected person's address and whereabouts never appear in a report, and
neither does any coordinate (an incident's location may be the protected
person's whereabouts, so reports show no locations at all). Their names are
replaced by a label such as ``Protected person P1`` unless the caller asks for
names explicitly, for internal use.

Free text (incident summaries) is scrubbed as well: the names (unless
included), every address line and postcode held in the person's restricted
compartment, the house number and street of each address line however the
street is written (``12 Acacia Ave`` for ``12 Acacia Avenue``, see
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
    spaced,
)

__all__ = ["LOCATION_MARK", "WITHHELD", "Redactor", "redacted_label"]

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
    address = person.restricted.address
    if address is None:
        return []
    texts = [fold(line).strip() for line in address.lines]
    texts = [t for t in texts if len(t) >= _MIN_PART]
    postcode = fold(address.postcode).strip()
    if postcode:
        texts.append(postcode)
    return texts


def _squeezed(text: str) -> str:
    return text.replace(" ", "")


def _pattern(texts: Iterable[str]) -> re.Pattern[str]:
    """One word-bounded pattern matching any of ``texts`` (folded, not empty) written
    with any spacing: ``B13 9QT`` matches ``b139qt`` and ``b 13 9qt``."""
    unique = sorted({_squeezed(t) for t in texts}, key=lambda t: (-len(t), t))
    # Longest first, so that "12 Acacia Avenue" wins over "Acacia"; word-bounded both sides.
    body = "|".join(spaced(t) for t in unique)
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
        streets = tuple((_squeezed(key), p) for key, p in street_patterns(folded))
    return _Secrets(
        tuple(sorted({_squeezed(t) for t in _name_parts(person.name) if t})),
        tuple(sorted({_squeezed(t) for t in _address_parts(person) if t})),
        streets,
    )


def _spans(pattern: re.Pattern[str], folded: str, mark: str) -> Iterator[tuple[int, int, str]]:
    for found in pattern.finditer(folded):
        if found.end() > found.start():
            yield found.start(), found.end(), mark


def _replace(text: str, spans: list[tuple[int, int, str]], origins: list[int] | None) -> str:
    """``text`` with the (folded-text) spans replaced by their marks; overlapping spans
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
        begin, stop = (start, end) if origins is None else (origins[start], origins[end - 1] + 1)
        out += [text[at:begin], mark]
        at = stop
    out.append(text[at:])
    return "".join(out)


def _folded(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded, with its origins (``None`` when each character is its own:
    printable ASCII, by far the most common text, is only lower-cased)."""
    if text.isascii() and (text.isprintable() or _ASCII_CONTROL.search(text) is None):
        return text.lower(), None
    return fold_with_origins(text)


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
        squeezed = _squeezed(folded)
        spans = [(a, b, LOCATION_MARK) for a, b, _ in coordinate_spans(folded)]
        streets = [pattern for key, pattern in secrets.streets if key in squeezed]
        if streets:
            found = re.compile("|".join(streets), re.IGNORECASE)
            spans += _spans(found, folded, LOCATION_MARK)
        places = [t for t in secrets.places if t in squeezed]
        if places:
            spans += _spans(_pattern(places), folded, LOCATION_MARK)
        found_names = [t for t in secrets.names if t in squeezed] if names else []
        if found_names:
            spans += _spans(_pattern(found_names), folded, _NAME_MARK)
        return _replace(text, spans, origins) if spans else text

    def scrub_places(self, text: str, person_ids: Iterable[str]) -> str:
        """``text`` without coordinates or the addresses of those of the given persons the
        report knows; for the library's own wording (titles, explanations, terms), which
        names persons by id and zones by label, as a second line of defence."""
        secrets, _ = self._scope(person_ids)
        return self._remove(text, secrets, names=False)

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
