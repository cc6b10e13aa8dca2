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
:func:`~spo_tracker.domain.people.street_patterns`), and anything that looks
like a pair of decimal coordinates are replaced by a bracketed marker.
Scrubbing is deliberately eager: a word that merely equals part of a
protected person's name is redacted too. Free text that may mention a
protected person whose record the report was not given is withheld whole,
since it cannot be checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from spo_tracker.domain.people import ProtectedPerson, street_patterns

__all__ = ["LOCATION_MARK", "WITHHELD", "Redactor", "redacted_label"]

#: Put in place of a scrubbed address, postcode or coordinate.
LOCATION_MARK: Final = "[location redacted]"
#: Put in place of free text that cannot be checked: a person it may mention is unknown.
WITHHELD: Final = "[summary withheld: a protected person's record was not available to redact it]"
_NAME_MARK: Final = "[name redacted]"
# Two decimal numbers with a fractional part, separated by a comma or space:
# "52.4862, -1.8904", "52.4862 -1.8904" (what a pasted map position looks like).
_COORDINATES: Final = re.compile(r"[-+]?\d{1,3}\.\d{2,}\s*[,; ]\s*[-+]?\d{1,3}\.\d{2,}")
# A cheap first test (it starts with a digit, which the regex engine skips to quickly).
_DECIMAL: Final = re.compile(r"\d\.\d\d")
_MIN_PART: Final = 3


def redacted_label(person_id: str) -> str:
    """The label that stands for a protected person whose name is redacted."""
    return f"Protected person {person_id}"


def _name_parts(name: str) -> list[str]:
    parts = [p for p in re.split(r"[\s,.;:]+", name) if len(p) >= _MIN_PART]
    return [name.strip(), *parts]


def _address_parts(person: ProtectedPerson) -> list[str]:
    address = person.restricted.address
    if address is None:
        return []
    texts = [line.strip() for line in address.lines if len(line.strip()) >= _MIN_PART]
    postcode = address.postcode.strip()
    if postcode:
        texts.append(postcode)
        texts.append(postcode.replace(" ", ""))
    return texts


def _without_coordinates(text: str) -> str:
    if _DECIMAL.search(text) is None:
        return text
    return _COORDINATES.sub(LOCATION_MARK, text)


def _pattern(texts: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive, word-bounded pattern matching any of ``texts`` (not empty)."""
    unique = sorted(set(texts), key=lambda t: (-len(t), t))
    # Longest first, so that "12 Acacia Avenue" wins over "Acacia"; word-bounded both sides.
    body = "|".join(re.escape(t) for t in unique)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@attrs.frozen
class _Secrets:
    """What must not appear for one person: the texts, lower-cased for a quick check.

    Attributes:
        streets: ``(key, pattern)`` per street of the address: the pattern is tried
            only when the key (the street's own name) occurs in the text.
    """

    names: tuple[str, ...]
    places: tuple[str, ...]
    streets: tuple[tuple[str, str], ...] = ()


def _secrets(person: ProtectedPerson) -> _Secrets:
    address = person.restricted.address
    return _Secrets(
        tuple(sorted({t.lower() for t in _name_parts(person.name) if t})),
        tuple(sorted({t.lower() for t in _address_parts(person) if t})),
        () if address is None else street_patterns(address),
    )


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
        lowered = text.lower()
        streets = [pattern for key, pattern in secrets.streets if key in lowered]
        if streets:
            text = re.sub("|".join(streets), LOCATION_MARK, text, flags=re.IGNORECASE)
            lowered = text.lower()
        places = [t for t in secrets.places if t in lowered]
        found_names = [t for t in secrets.names if t in lowered] if names else []
        if places:
            text = _pattern(places).sub(LOCATION_MARK, text)
        if found_names:
            text = _pattern(found_names).sub(_NAME_MARK, text)
        return text

    def scrub_places(self, text: str, person_ids: Iterable[str]) -> str:
        """``text`` without coordinates or the addresses of those of the given persons the
        report knows; for the library's own wording (titles, explanations, terms), which
        names persons by id and zones by label, as a second line of defence."""
        secrets, _ = self._scope(person_ids)
        return self._remove(_without_coordinates(text), secrets, names=False)

    def scrub(self, text: str, person_ids: Iterable[str]) -> str:
        """``text`` without coordinates, and without the addresses (and, unless names are
        included, the names) of the given protected persons; withheld whole if one of them
        is unknown to the report."""
        if not text:
            return text
        secrets, complete = self._scope(person_ids)
        if not complete:
            return WITHHELD
        return self._remove(_without_coordinates(text), secrets, names=not self.include_names)
