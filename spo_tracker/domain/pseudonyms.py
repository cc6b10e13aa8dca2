"""Pseudonyms: what an analyst sees in place of a person's name and id.

An analyst's reports and case files name no one: each defendant and protected
person is shown as a stable pseudonym, ``Person`` and the first ten hex digits
of the HMAC-SHA-256 of their id under the force's pseudonym key (DPA2018 s.57
names pseudonymisation among the measures of data protection by design). The
same id gives the same pseudonym in every report, so an analyst can follow a
person across reports; without the key, someone who can guess ids cannot
compute which pseudonym is whose. The key is held outside the database, in the
file named by ``SPO_TRACKER_PSEUDONYM_KEY_FILE`` (hex, at least 32 bytes).

:meth:`Pseudonymiser.rewrite` replaces, in a rendered report or case file, every
id and every name of the given people (as whole words, in every form the
renderers write text: plain, HTML-escaped by :func:`html.escape` or markupsafe,
JSON-escaped, or with CSV's doubled quotes) by their pseudonyms, and withholds
identities (phone numbers, handles, emails, devices) the same way; a case file's
evidence references are withheld before rendering. Free text is scrubbed of
protected persons' names before (redaction); a defendant's nickname or part of
a name in free text that is not one of their recorded names is not recognised.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import attrs

from spo_tracker.errors import PseudonymKeyError

__all__ = ["KEY_FILE_ENV", "MIN_KEY_BYTES", "WITHHELD", "Pseudonymiser"]

#: The environment variable naming the pseudonym key file.
KEY_FILE_ENV: Final = "SPO_TRACKER_PSEUDONYM_KEY_FILE"
#: The shortest key accepted (256 bits).
MIN_KEY_BYTES: Final = 32
#: What an analyst sees in place of an identity or an evidence reference.
WITHHELD: Final = "[withheld]"


def _key(_: object, __: attrs.Attribute[bytes], value: object) -> None:
    if not isinstance(value, bytes) or len(value) < MIN_KEY_BYTES:
        raise PseudonymKeyError("(given)", f"the key must be at least {MIN_KEY_BYTES} bytes")


@attrs.frozen
class Pseudonymiser:
    """Stable, keyed pseudonyms for people's ids (the key is never shown)."""

    key: bytes = attrs.field(validator=_key, repr=False)

    @classmethod
    def from_file(cls, path: str | Path) -> Pseudonymiser:
        """The pseudonymiser whose key is the hex text in ``path``.

        Raises:
            PseudonymKeyError: the file cannot be read, is not a regular file, is open to
                other users (group or other permission bits) or owned by another user (as
                the audit and data key files are refused), or holds no hex key of at least
                32 bytes (naming the file, never its content).
        """
        try:
            data = _read_private(Path(path))  # PseudonymKeyError for a file open to others
        except OSError:
            raise PseudonymKeyError(str(path), "no readable hex key in it") from None
        try:
            key = bytes.fromhex(data.decode("ascii").strip())
        except (UnicodeError, ValueError):
            raise PseudonymKeyError(str(path), "no readable hex key in it") from None
        if len(key) < MIN_KEY_BYTES:
            raise PseudonymKeyError(str(path), f"the key must be at least {MIN_KEY_BYTES} bytes")
        return cls(key)

    def pseudonym(self, person_id: str) -> str:
        """``Person`` and ten hex digits of the keyed HMAC of ``person_id``."""
        digest = hmac.new(self.key, person_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"Person {digest[:10]}"

    def rewrite(
        self, text: str, people: Mapping[str, Iterable[str]], withheld: Iterable[str] = ()
    ) -> str:
        """``text`` with each person's id and names (``people``: id -> names) replaced by
        the person's pseudonym, and each of ``withheld`` (identities: phone numbers,
        handles, emails, devices) by :data:`WITHHELD`, as whole words, in every form a
        renderer writes them."""
        swaps: dict[str, str] = {}
        for person_id, names in people.items():
            alias = self.pseudonym(person_id)
            for said in (person_id, *names):
                if said.strip():
                    for form in _written_forms(said):
                        swaps.setdefault(form, alias)
        for said in withheld:
            if said.strip():
                for form in _written_forms(said):
                    swaps.setdefault(form, WITHHELD)
        if not swaps:
            return text
        words = sorted(swaps, key=len, reverse=True)
        pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])"
        )
        return pattern.sub(lambda m: swaps[m.group(0)], text)


#: markupsafe's escaping (the HTML reports and case files, through Jinja and
#: ``reports._html_blocks``): the domain imports no renderer, so its table is here.
_MARKUPSAFE: Final = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"}
)


def _written_forms(said: str) -> set[str]:
    """``said`` as each renderer may write it: plain, HTML-escaped (the standard
    library's and markupsafe's entities differ for quotes), inside a JSON string
    (with or without ASCII escapes) and inside a quoted CSV field (quotes doubled)."""
    return {
        said,
        html.escape(said),
        html.escape(said, quote=False),
        said.translate(_MARKUPSAFE),
        json.dumps(said, ensure_ascii=False)[1:-1],
        json.dumps(said)[1:-1],
        said.replace('"', '""'),
    }


#: Permission bits of the group and others: a key file with any of them set is refused.
_OTHERS: Final = 0o077


def _read_private(path: Path) -> bytes:
    """The key file's bytes, read from one descriptor whose type, mode and owner were
    checked: the rule ``storage._keys`` applies to the audit and data key files (the
    domain imports nothing above it, so the rule is restated here).

    Raises:
        PseudonymKeyError: not a regular file, open to other users, or another user's.
        OSError: it cannot be read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        found = os.fstat(fd)
        mode = stat.S_IMODE(found.st_mode)
        if not stat.S_ISREG(found.st_mode):
            raise PseudonymKeyError(str(path), "the key file is not a regular file")
        if mode & _OTHERS:
            raise PseudonymKeyError(
                str(path),
                f"the key file is open to other users (mode {mode:04o}); make it owner-only "
                f"(chmod 600) and, if others could have read it, change the key",
            )
        if hasattr(os, "geteuid") and found.st_uid != os.geteuid():
            raise PseudonymKeyError(str(path), "the key file belongs to another user")
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)
