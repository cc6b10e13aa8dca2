"""Encryption at rest of protected persons' restricted details: one key per person.

Envelope encryption. Each protected person with restricted details gets a
data-encryption key (DEK): 32 random bytes, drawn when their details are first
stored. The details are stored only as AES-256-GCM ciphertext under that key
(``protected_person_restricted.sealed``); the DEK is stored only wrapped
(AES-256-GCM again) under a key-encryption key (KEK), the *data key*, which is
held outside the database (a key file or an environment variable, read as the
audit keys are: :mod:`spo_tracker.storage._keys`). A ``person_keys`` row
holds the person's id, the id of the data key that wrapped their DEK, and the
wrapped DEK.

Both ciphertexts bind their context as associated data: the details bind the
format version and the person's id, the wrapped DEK also binds the data key's
id. A ciphertext or wrapped key copied onto another person's row does not
open. Nothing here is hand-rolled: the cipher is ``cryptography``'s AESGCM,
with a fresh random 96-bit nonce for every encryption.

Rotation (:func:`rotate`) re-wraps every DEK under the keyring's current data
key; the details themselves are not re-encrypted, and older data keys can be
removed from the key file once no DEK is wrapped with them.

Crypto-shredding (:meth:`PersonKeys.shred`) overwrites the wrapped DEK with
``NULL`` (the row stays, as a tombstone, so that a later read says the details
were disposed of rather than that a key is missing): the ciphertext, wherever
it is copied, can no longer be opened. See docs/storage.md on backups.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from spo_tracker.errors import DataKeyError, DetailsDisposedError
from spo_tracker.storage._keys import (
    check_unique,
    env_key,
    parse_key_text,
    read_key_file,
)

__all__ = [
    "DATA_KEY_ENV",
    "DATA_KEY_FILE_ENV",
    "DataKey",
    "DataKeyring",
    "PersonKeys",
    "RotationReport",
    "data_keyring_from_environment",
    "open_details",
    "rotate",
    "seal_details",
]

DATA_KEY_ENV: Final = "SPO_TRACKER_DATA_KEY"
DATA_KEY_FILE_ENV: Final = "SPO_TRACKER_DATA_KEY_FILE"
#: AES-256: data keys and persons' keys are exactly 32 bytes.
KEY_BYTES: Final = 32
_NONCE_BYTES: Final = 12
#: The first byte of a sealed value: the format (AES-256-GCM, nonce, ciphertext and tag).
FORMAT: Final = 1
_DETAILS_AD: Final = b"spo-tracker restricted details v1\x00"
_WRAP_AD: Final = b"spo-tracker person key v1\x00"

#: The ``person_keys`` table, as the statements here need it (the migration uses it too).
PERSON_KEYS: Final = sa.table(
    "person_keys",
    sa.column("person_id", sa.String()),
    sa.column("kek_id", sa.String()),
    sa.column("wrapped", sa.LargeBinary()),
)

_NO_KEY: Final = (
    "no data key is given: storing or reading protected persons' restricted details needs "
    f"one (connect(data_key_file=...), ${DATA_KEY_FILE_ENV} or ${DATA_KEY_ENV}; "
    "see docs/storage.md)"
)


@attrs.frozen(repr=False)
class DataKey:
    """A key-encryption key: its id (recorded beside each key it wraps) and its secret.

    Attributes:
        key_id: 1 to 64 letters, digits, ``.``, ``_`` or ``-``.
        secret: exactly 32 bytes (AES-256).
    """

    key_id: str
    secret: bytes

    def __repr__(self) -> str:
        return f"DataKey({self.key_id!r}, <secret>)"


@attrs.frozen
class DataKeyring:
    """The current data key and the keys used before it, oldest first.

    Attributes:
        keys: every key, oldest first; the last one wraps new persons' keys.
    """

    keys: tuple[DataKey, ...]

    def __attrs_post_init__(self) -> None:
        check_unique([k.key_id for k in self.keys], DataKeyError)

    @property
    def current(self) -> DataKey:
        """The key new persons' keys are wrapped with, and rotation re-wraps under."""
        return self.keys[-1]

    def get(self, key_id: str) -> DataKey | None:
        """The key with this id, if the keyring holds it."""
        return next((k for k in self.keys if k.key_id == key_id), None)

    @classmethod
    def from_text(cls, text: str, *, source: str) -> DataKeyring:
        """A keyring from key-file text: ``<key id> <64 hex digits>`` a line, oldest first.

        Raises:
            DataKeyError: naming ``source`` and the line (never the secret).
        """
        keys = parse_key_text(text, source=source, error=DataKeyError, exact=KEY_BYTES)
        return cls(tuple(DataKey(*key) for key in keys))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> DataKeyring:
        """The keyring in a key file, which must be the owner's only (mode 0600).

        Raises:
            DataKeyError: the file cannot be read, is open to others or another user's,
                or a line is not a key.
        """
        return cls.from_text(read_key_file(path, error=DataKeyError), source=str(path))


def data_keyring_from_environment(environ: Mapping[str, str]) -> DataKeyring | None:
    """The keyring named by ``environ``: ``SPO_TRACKER_DATA_KEY_FILE`` (a key file), else
    ``SPO_TRACKER_DATA_KEY`` (``<key id>:<64 hex digits>``); ``None`` if neither is set.

    Raises:
        DataKeyError: the variable is set but does not give a usable key.
    """
    path = environ.get(DATA_KEY_FILE_ENV)
    if path:
        return DataKeyring.from_file(path)
    value = environ.get(DATA_KEY_ENV)
    if not value:
        return None
    key = env_key(value, name=DATA_KEY_ENV, error=DataKeyError, exact=KEY_BYTES)
    return DataKeyring((DataKey(*key),))


def _person(person_id: str) -> str:
    return f"protected person {person_id!r}"


def seal_details(dek: bytes, person_id: str, plaintext: bytes) -> bytes:
    """``plaintext`` encrypted under the person's key, bound to their id and the format."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(dek).encrypt(nonce, plaintext, _DETAILS_AD + person_id.encode())
    return bytes([FORMAT]) + nonce + sealed


def open_details(dek: bytes, person_id: str, sealed: bytes) -> bytes:
    """The plaintext :func:`seal_details` sealed for this person.

    Raises:
        DataKeyError: an unknown format, or the ciphertext does not open (altered, or
            copied from another person's record).
    """
    data = bytes(sealed)
    if len(data) < 1 + _NONCE_BYTES + 16 or data[0] != FORMAT:
        raise DataKeyError(None, _person(person_id), "the stored details are not in a known format")
    nonce, body = data[1 : 1 + _NONCE_BYTES], data[1 + _NONCE_BYTES :]
    try:
        return AESGCM(dek).decrypt(nonce, body, _DETAILS_AD + person_id.encode())
    except InvalidTag:
        raise DataKeyError(
            None,
            _person(person_id),
            "the stored details do not open with the person's key (altered, or copied "
            "from another person's record)",
        ) from None


def _wrap_ad(kek_id: str, person_id: str) -> bytes:
    return _WRAP_AD + kek_id.encode() + b"\x00" + person_id.encode()


def _wrap(kek: DataKey, person_id: str, dek: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(kek.secret).encrypt(nonce, dek, _wrap_ad(kek.key_id, person_id))


def _unwrap(kek: DataKey, person_id: str, wrapped: bytes) -> bytes:
    data = bytes(wrapped)
    try:
        return AESGCM(kek.secret).decrypt(
            data[:_NONCE_BYTES], data[_NONCE_BYTES:], _wrap_ad(kek.key_id, person_id)
        )
    except InvalidTag:
        raise DataKeyError(
            kek.key_id,
            _person(person_id),
            "the person's key does not open with this data key (a different key under the "
            "same id, or the key row was altered or copied from another person)",
        ) from None


class PersonKeys:
    """Persons' keys over one connection or session (one unit of work, or a migration).

    Keys are unwrapped once and kept for the life of this object only.

    Args:
        executor: a SQLAlchemy session or connection in a transaction.
        keyring: the data keys; ``None`` if none was given (then any read or write of
            restricted details raises :class:`~spo_tracker.errors.DataKeyError`).
    """

    def __init__(self, executor: Any, keyring: DataKeyring | None) -> None:
        self.executor = executor
        self.keyring = keyring
        self._deks: dict[str, bytes] = {}
        self._rows: dict[str, Any] = {}

    def preload(self, person_ids: Sequence[str]) -> None:
        """Read the key rows of ``person_ids`` in one query (a bulk read then unwraps each
        person's key without a query of its own)."""
        wanted = [p for p in person_ids if p not in self._deks and p not in self._rows]
        if not wanted or self.keyring is None:
            return
        stmt = sa.select(PERSON_KEYS.c.person_id, PERSON_KEYS.c.kek_id, PERSON_KEYS.c.wrapped)
        for row in self.executor.execute(stmt.where(PERSON_KEYS.c.person_id.in_(wanted))):
            self._rows[row.person_id] = row

    def _keyring(self) -> DataKeyring:
        if self.keyring is None:
            raise DataKeyError(None, "connect", _NO_KEY)
        return self.keyring

    def _row(self, person_id: str) -> Any:
        found = self._rows.pop(person_id, None)
        if found is not None:
            return found
        stmt = sa.select(PERSON_KEYS.c.kek_id, PERSON_KEYS.c.wrapped).where(
            PERSON_KEYS.c.person_id == person_id
        )
        return self.executor.execute(stmt).first()

    def _dek(self, person_id: str, *, create: bool) -> bytes:
        found = self._deks.get(person_id)
        if found is not None:
            return found
        keyring = self._keyring()
        row = self._row(person_id)
        if row is None:
            if not create:
                raise DataKeyError(
                    None,
                    _person(person_id),
                    "no key is stored for this person, so their details cannot be read "
                    "(the key row was deleted outside the library)",
                )
            dek = AESGCM.generate_key(bit_length=256)
            kek = keyring.current
            values = {"person_id": person_id, "kek_id": kek.key_id}
            wrapped = _wrap(kek, person_id, dek)
            self.executor.execute(sa.insert(PERSON_KEYS).values(**values, wrapped=wrapped))
        elif row.wrapped is None:
            raise DetailsDisposedError(person_id)
        else:
            kek = keyring.get(row.kek_id)  # type: ignore[assignment]
            if kek is None:
                raise DataKeyError(
                    row.kek_id,
                    _person(person_id),
                    "the person's key is wrapped with this data key, which the keyring does "
                    "not hold: give the key file that has it",
                )
            dek = _unwrap(kek, person_id, row.wrapped)
        self._deks[person_id] = dek
        return dek

    def seal(self, person_id: str, plaintext: bytes) -> bytes:
        """``plaintext`` sealed under the person's key (drawn and stored if they have none).

        Raises:
            DataKeyError: no data key, or the person's key cannot be unwrapped.
            DetailsDisposedError: the person's key was destroyed.
        """
        return seal_details(self._dek(person_id, create=True), person_id, plaintext)

    def open(self, person_id: str, sealed: bytes) -> bytes:
        """The plaintext of the person's sealed details.

        Raises:
            DataKeyError: no data key, no or a bad stored key, or a ciphertext that does
                not open.
            DetailsDisposedError: the person's key was destroyed.
        """
        return open_details(self._dek(person_id, create=False), person_id, sealed)

    def forget(self, person_id: str) -> None:
        """Read the person's key row afresh next time: a locking read of the person does,
        so that a key destroyed since this unit of work first read it (a shred that
        committed meanwhile, on PostgreSQL) is seen, and no details are sealed under it."""
        self._deks.pop(person_id, None)
        self._rows.pop(person_id, None)

    def disposed(self, person_id: str) -> bool:
        """Whether the person's key was destroyed (their details were disposed of)."""
        row = self._row(person_id)
        return row is not None and row.wrapped is None

    def shred(self, person_id: str) -> bool:
        """Destroy the person's key (the row stays as a tombstone); ``False`` if they had
        none (no restricted details were ever stored under a key) or it was destroyed."""
        self._deks.pop(person_id, None)
        self._rows.pop(person_id, None)
        row = self._row(person_id)
        if row is None:
            self.executor.execute(
                sa.insert(PERSON_KEYS).values(person_id=person_id, kek_id=None, wrapped=None)
            )
            return False
        if row.wrapped is None:
            return False
        self.executor.execute(
            sa.update(PERSON_KEYS)
            .where(PERSON_KEYS.c.person_id == person_id)
            .values(kek_id=None, wrapped=None)
        )
        return True


@attrs.frozen
class RotationReport:
    """What a rotation of the data key did.

    Attributes:
        current: the id of the data key every person's key is now wrapped with.
        rewrapped: how many persons' keys were re-wrapped under it.
        in_use: the ids of the data keys still wrapping a person's key (only ``current``
            after a rotation: the others can be removed from the key file).
    """

    current: str
    rewrapped: int
    in_use: tuple[str, ...]


def rotate(executor: Any, keyring: DataKeyring) -> RotationReport:
    """Re-wrap every person's key under the keyring's current data key.

    Raises:
        DataKeyError: a person's key is wrapped with a key the keyring lacks, or does not
            unwrap (nothing is changed: the caller's transaction is rolled back).
    """
    current = keyring.current
    rows = executor.execute(
        sa.select(PERSON_KEYS.c.person_id, PERSON_KEYS.c.kek_id, PERSON_KEYS.c.wrapped)
        .where(PERSON_KEYS.c.wrapped.is_not(None), PERSON_KEYS.c.kek_id != current.key_id)
        .order_by(PERSON_KEYS.c.person_id)
    ).all()
    for person_id, kek_id, wrapped in rows:
        kek = keyring.get(kek_id)
        if kek is None:
            raise DataKeyError(
                kek_id,
                _person(person_id),
                "the person's key is wrapped with this data key, which the keyring does "
                "not hold: keep it in the key file until the rotation has run",
            )
        dek = _unwrap(kek, person_id, wrapped)
        executor.execute(
            sa.update(PERSON_KEYS)
            .where(PERSON_KEYS.c.person_id == person_id)
            .values(kek_id=current.key_id, wrapped=_wrap(current, person_id, dek))
        )
    in_use = executor.execute(
        sa.select(PERSON_KEYS.c.kek_id)
        .where(PERSON_KEYS.c.wrapped.is_not(None))
        .distinct()
        .order_by(PERSON_KEYS.c.kek_id)
    ).scalars()
    return RotationReport(current.key_id, len(rows), tuple(in_use))
