"""Audit keys: the HMAC-SHA-256 keys that seal audit entries and checkpoints.

A key is kept outside the database (a file readable only by the service, or
an environment variable), so someone who can write the database but does not
hold the key cannot append an entry, or rewrite the chain, that verifies.

A keyring holds the current key (the one new entries are sealed with) and the
keys used before it (kept to verify older entries). A key file lists one key a
line, ``<key id> <secret as hex>``, oldest first: the last line is the current
key, so rotating a key is appending a line (see docs/storage.md). Secrets are
at least 32 bytes. The environment variable ``SPO_TRACKER_AUDIT_KEY`` holds one
``<key id>:<secret as hex>``; ``SPO_TRACKER_AUDIT_KEY_FILE`` names a key file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs

from spo_tracker.errors import AuditKeyError

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "AuditKey",
    "AuditKeyring",
    "keyring_from_environment",
    "new_key_line",
]

KEY_ENV: Final = "SPO_TRACKER_AUDIT_KEY"
KEY_FILE_ENV: Final = "SPO_TRACKER_AUDIT_KEY_FILE"
MIN_SECRET_BYTES: Final = 32
_KEY_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@attrs.frozen(repr=False)
class AuditKey:
    """One key: its id (recorded on each entry it seals) and its secret (never shown).

    Attributes:
        key_id: 1 to 64 letters, digits, ``.``, ``_`` or ``-``.
        secret: at least 32 bytes.
    """

    key_id: str
    secret: bytes

    def __repr__(self) -> str:
        return f"AuditKey({self.key_id!r}, <secret>)"

    def mac(self, message: str) -> str:
        """HMAC-SHA-256 of ``message`` under this key, as hex."""
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()


def _key(key_id: str, secret_hex: str, source: str) -> AuditKey:
    if not _KEY_ID.fullmatch(key_id):
        raise AuditKeyError(key_id, source, "a key id is 1 to 64 letters, digits, '.', '_' or '-'")
    try:
        secret = bytes.fromhex(secret_hex)
    except ValueError:
        raise AuditKeyError(key_id, source, "the secret is not hexadecimal") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise AuditKeyError(
            key_id, source, f"the secret is {len(secret)} bytes; give {MIN_SECRET_BYTES} or more"
        )
    return AuditKey(key_id, secret)


@attrs.frozen
class AuditKeyring:
    """The current audit key and the keys used before it, oldest first.

    Attributes:
        keys: every key, oldest first; the last one seals new entries.
    """

    keys: tuple[AuditKey, ...]

    def __attrs_post_init__(self) -> None:
        if not self.keys:
            raise AuditKeyError(None, "keyring", "a keyring holds at least one key")
        ids = [k.key_id for k in self.keys]
        for key_id in ids:
            if ids.count(key_id) > 1:
                raise AuditKeyError(key_id, "keyring", "this key id appears twice")

    @property
    def current(self) -> AuditKey:
        """The key new entries and checkpoints are sealed with."""
        return self.keys[-1]

    def get(self, key_id: str) -> AuditKey | None:
        """The key with this id, if the keyring holds it."""
        return next((k for k in self.keys if k.key_id == key_id), None)

    @classmethod
    def from_text(cls, text: str, *, source: str) -> AuditKeyring:
        """A keyring from key-file text: ``<key id> <hex secret>`` a line, oldest first;
        blank lines and lines starting with ``#`` are skipped.

        Raises:
            AuditKeyError: naming ``source`` and the line (never the secret).
        """
        keys = []
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            parts = stripped.split()
            where = f"{source} line {number}"
            if len(parts) != 2:
                raise AuditKeyError(None, where, "write '<key id> <secret as hex>'")
            keys.append(_key(parts[0], parts[1], where))
        if not keys:
            raise AuditKeyError(None, source, "no key in it")
        return cls(tuple(keys))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> AuditKeyring:
        """The keyring in a key file (see :meth:`from_text`).

        Raises:
            AuditKeyError: the file cannot be read, or a line is not a key.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise AuditKeyError(None, str(path), f"cannot read the key file: {reason}") from None
        return cls.from_text(text, source=str(path))


def keyring_from_environment(environ: Mapping[str, str]) -> AuditKeyring | None:
    """The keyring named by ``environ``: ``SPO_TRACKER_AUDIT_KEY_FILE`` (a key file), else
    ``SPO_TRACKER_AUDIT_KEY`` (``<key id>:<hex secret>``); ``None`` if neither is set.

    Raises:
        AuditKeyError: the variable is set but does not give a usable key.
    """
    path = environ.get(KEY_FILE_ENV)
    if path:
        return AuditKeyring.from_file(path)
    value = environ.get(KEY_ENV)
    if not value:
        return None
    key_id, colon, secret = value.partition(":")
    if not colon:
        raise AuditKeyError(None, KEY_ENV, "write '<key id>:<secret as hex>'")
    return AuditKeyring((_key(key_id, secret, KEY_ENV),))


def new_key_line(key_id: str) -> str:
    """A new key-file line with a random 32-byte secret (append it to rotate the key).

    Raises:
        AuditKeyError: ``key_id`` is not a valid key id.
    """
    line = f"{key_id} {secrets.token_hex(MIN_SECRET_BYTES)}"
    _key(key_id, line.split()[1], "new key")
    return line
