"""Record digests: what an audit entry says a record (or a bulk batch) held after a change.

A digest is ``sha256:<hex>`` of the record's canonical text, or, when the
store has an audit key, ``hmac-sha256:<key id>:<hex>`` under that key. Keyed
digests matter for protected persons: the digest covers their restricted
details, and a plain hash of a low-entropy value (a postcode) would let
someone who reads the trail, but not the restricted table, confirm a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any, Final

from spo_tracker.storage._codec import canonical_json
from spo_tracker.storage._keys import AuditKeyring

__all__ = ["batch_bytes", "digest_bytes", "digest_text", "matches", "record_digest"]

_first: Final = itemgetter(0)


def digest_text(text: str, keyring: AuditKeyring | None) -> str:
    """The digest of ``text``: keyed with the keyring's current key, if there is one."""
    return digest_bytes(text.encode(), keyring)


def digest_bytes(data: bytes, keyring: AuditKeyring | None) -> str:
    """The digest of ``data``: keyed with the keyring's current key, if there is one."""
    if keyring is None:
        return f"sha256:{hashlib.sha256(data).hexdigest()}"
    key = keyring.current
    return f"hmac-sha256:{key.key_id}:{hmac.digest(key.secret, data, 'sha256').hex()}"


def record_digest(dumped: Any, keyring: AuditKeyring | None) -> str:
    """The digest of a record given as its JSON-ready dump (``_codec.dump``)."""
    return digest_text(canonical_json(dumped), keyring)


def batch_bytes(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """A bulk batch's rows (plain values, the id first) as bytes, in id order (the order they
    were given in is not kept).

    The encoding is ``marshal`` format version 2: built in C, about four times faster
    than ``repr`` (floats are written as their 8 bytes, not formatted), and fixed by
    value: version 2 writes no back-references (so object identity does not matter),
    text as UTF-8, integers by value, floats as IEEE 754 doubles. Format 2 has not
    changed since Python 2.5; the tests pin its bytes for a known row, so a change
    would fail them rather than make deep verification pass or fail silently.
    """
    return marshal.dumps(sorted(rows, key=_first), 2)


def matches(expected: str, data: bytes, keyring: AuditKeyring | None) -> bool | None:
    """Whether ``data`` has the digest ``expected``; ``None`` if it is keyed with a key
    the keyring does not hold (or no keyring is given)."""
    if expected.startswith("sha256:"):
        return hmac.compare_digest(expected, digest_bytes(data, None))
    _, key_id, _ = expected.split(":", 2) if expected.count(":") >= 2 else ("", "", "")
    key = None if keyring is None else keyring.get(key_id)
    if key is None:
        return None
    found = hmac.digest(key.secret, data, "sha256").hex()
    return hmac.compare_digest(expected, f"hmac-sha256:{key_id}:{found}")


_SUM_MODULUS: Final = 1 << 256


def id_term(key: str) -> int:
    """One id's term in :func:`ids_sum`."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest(), "big")


def ids_sum(ids: Iterable[str]) -> str:
    """The sum of the ids' SHA-256 values modulo 2**256, as 64 hex digits.

    Unlike ``ids_sha256`` (the hash of the ids in the order written), it does not
    depend on order and the sums of disjoint batches add up: deep verification adds
    every bulk batch's sum and compares it with the sum over the stored ids, so a
    bulk-stored record inserted, deleted or replaced with SQL is found.
    """
    return f"{sum(map(id_term, ids)) % _SUM_MODULUS:064x}"
