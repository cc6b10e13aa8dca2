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

A key file that another user could read (any group or other permission bit), or
that belongs to another user, is refused: the key is what makes a forged entry
detectable, so a key others may have copied proves nothing. Errors about a key
never quote text from a line that failed to parse: with the columns swapped,
the "key id" is the secret. A key id of 32 or more hexadecimal digits is
refused for the same reason (it looks like a secret).

The data keys that wrap protected persons' keys (:mod:`spo_tracker.storage._crypto`)
are kept the same way and read by the same functions (:func:`parse_key_text`,
:func:`read_key_file`, :func:`env_key`), which raise the error type they are given.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs

from spo_tracker.errors import AuditKeyError, DataKeyError

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "AuditKey",
    "AuditKeyring",
    "check_unique",
    "env_key",
    "keyring_from_environment",
    "new_data_key_line",
    "new_key_line",
    "parse_key_text",
    "read_key_file",
]

KEY_ENV: Final = "SPO_TRACKER_AUDIT_KEY"
KEY_FILE_ENV: Final = "SPO_TRACKER_AUDIT_KEY_FILE"
MIN_SECRET_BYTES: Final = 32
_KEY_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SECRET_LIKE: Final = re.compile(r"[0-9A-Fa-f]{32,}")
_OTHERS: Final = 0o077


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


def _key(
    key_id: str,
    secret_hex: str,
    source: str,
    *,
    error: type[AuditKeyError | DataKeyError] = AuditKeyError,
    exact: int | None = None,
) -> tuple[str, bytes]:
    """A checked ``(key id, secret)``; ``exact`` asks for a secret of exactly that many bytes.

    Raises:
        AuditKeyError, DataKeyError (``error``): naming ``source``, never the line's text.
    """
    # Nothing from a line that fails is quoted: it may be the secret (columns swapped).
    if not _KEY_ID.fullmatch(key_id):
        raise error(None, source, "a key id is 1 to 64 letters, digits, '.', '_' or '-'")
    if _SECRET_LIKE.fullmatch(key_id):
        raise error(
            None,
            source,
            "the key id looks like a secret (32 or more hex digits); are the "
            "columns swapped? write '<key id> <secret as hex>'",
        )
    try:
        secret = bytes.fromhex(secret_hex)
    except ValueError:
        raise error(None, source, "the secret is not hexadecimal") from None
    if exact is not None and len(secret) != exact:
        raise error(None, source, f"the secret is {len(secret)} bytes; give exactly {exact}")
    if len(secret) < MIN_SECRET_BYTES:
        raise error(
            None, source, f"the secret is {len(secret)} bytes; give {MIN_SECRET_BYTES} or more"
        )
    return key_id, secret


def parse_key_text(
    text: str, *, source: str, error: type[AuditKeyError | DataKeyError], exact: int | None = None
) -> list[tuple[str, bytes]]:
    """The ``(key id, secret)`` pairs of key-file text: ``<key id> <hex secret>`` a line,
    oldest first; blank lines and lines starting with ``#`` are skipped.

    Raises:
        AuditKeyError, DataKeyError (``error``): naming ``source`` and the line (never the
            secret), or saying the text holds no key.
    """
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split()
        where = f"{source} line {number}"
        if len(parts) != 2:
            raise error(None, where, "write '<key id> <secret as hex>'")
        keys.append(_key(parts[0], parts[1], where, error=error, exact=exact))
    if not keys:
        raise error(None, source, "no key in it")
    return keys


def read_key_file(
    path: str | os.PathLike[str], *, error: type[AuditKeyError | DataKeyError]
) -> str:
    """A key file's text, once its mode and owner are checked.

    Raises:
        AuditKeyError, DataKeyError (``error``): the file cannot be read, is not a regular
            file, is open to other users or owned by another user.
    """
    try:
        return _read_private(Path(path), error)
    except (OSError, UnicodeDecodeError) as failure:
        reason = getattr(failure, "strerror", None) or type(failure).__name__
        raise error(None, str(path), f"cannot read the key file: {reason}") from None


def env_key(
    value: str, *, name: str, error: type[AuditKeyError | DataKeyError], exact: int | None = None
) -> tuple[str, bytes]:
    """The key in an environment variable's value, ``<key id>:<hex secret>``.

    Raises:
        AuditKeyError, DataKeyError (``error``): naming the variable, never its value.
    """
    key_id, colon, secret = value.partition(":")
    if not colon:
        raise error(None, name, "write '<key id>:<secret as hex>'")
    return _key(key_id, secret, name, error=error, exact=exact)


def check_unique(key_ids: list[str], error: type[AuditKeyError | DataKeyError]) -> None:
    """A keyring holds at least one key, each id once.

    Raises:
        AuditKeyError, DataKeyError (``error``): no key, or an id appears twice.
    """
    if not key_ids:
        raise error(None, "keyring", "a keyring holds at least one key")
    for key_id in key_ids:
        if key_ids.count(key_id) > 1:
            raise error(key_id, "keyring", "this key id appears twice")


@attrs.frozen
class AuditKeyring:
    """The current audit key and the keys used before it, oldest first.

    Attributes:
        keys: every key, oldest first; the last one seals new entries.
    """

    keys: tuple[AuditKey, ...]

    def __attrs_post_init__(self) -> None:
        check_unique([k.key_id for k in self.keys], AuditKeyError)

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
        keys = parse_key_text(text, source=source, error=AuditKeyError)
        return cls(tuple(AuditKey(*key) for key in keys))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> AuditKeyring:
        """The keyring in a key file (see :meth:`from_text`).

        Raises:
            AuditKeyError: the file cannot be read, is not a regular file, is open to
                other users (group or other permission bits) or owned by another user,
                or a line is not a key.
        """
        return cls.from_text(read_key_file(path, error=AuditKeyError), source=str(path))


def _read_private(path: Path, error: type[AuditKeyError | DataKeyError]) -> str:
    """The key file's text, read from one descriptor whose mode and owner were checked.

    Raises:
        AuditKeyError: the file is not a regular file, is open to others, or is not ours.
        OSError, UnicodeDecodeError: it cannot be read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        found = os.fstat(fd)
        mode = stat.S_IMODE(found.st_mode)
        if not stat.S_ISREG(found.st_mode):
            raise error(None, str(path), "the key file is not a regular file")
        if mode & _OTHERS:
            raise error(
                None,
                str(path),
                f"the key file is open to other users (mode {mode:04o}); make it owner-only "
                f"(chmod 600) and, if others could have read it, rotate the key",
            )
        if hasattr(os, "geteuid") and found.st_uid != os.geteuid():
            raise error(None, str(path), "the key file belongs to another user")
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


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
    return AuditKeyring((AuditKey(*env_key(value, name=KEY_ENV, error=AuditKeyError)),))


def new_key_line(key_id: str) -> str:
    """A new key-file line with a random 32-byte secret (append it to rotate the key).

    Raises:
        AuditKeyError: ``key_id`` is not a valid key id.
    """
    line = f"{key_id} {secrets.token_hex(MIN_SECRET_BYTES)}"
    _key(key_id, line.split()[1], "new key")
    return line


def new_data_key_line(key_id: str) -> str:
    """A new data-key-file line with a random 32-byte secret (append it, then rotate).

    Raises:
        DataKeyError: ``key_id`` is not a valid key id.
    """
    line = f"{key_id} {secrets.token_hex(MIN_SECRET_BYTES)}"
    _key(key_id, line.split()[1], "new key", error=DataKeyError)
    return line
