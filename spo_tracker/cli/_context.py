"""What the command handlers share at run time: the database URL and the store it
names (with its data and audit keys), the actor the command acts as, the time
it acts at, the pseudonymiser, and alert titles and instants as printed.

The composition root's reads of the wall clock and the environment are here.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import getpass
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from spo_tracker.cli._arguments import (
    DATABASE_ENV,
    DEFAULT_DATABASE,
    DEFAULT_ROLE,
    PURPOSE_ENV,
    ROLE_ENV,
)

if TYPE_CHECKING:  # imported lazily, so that --help stays quick
    import pendulum

    from spo_tracker.detection.alerts import Alert
    from spo_tracker.domain.pseudonyms import Pseudonymiser
    from spo_tracker.storage import Actor, AuditKeyring, DataKeyring, SqlStore, Store


def _database(args: argparse.Namespace) -> str:
    """The database URL: ``--database``, else ``$SPO_TRACKER_DATABASE_URL``, else the default;
    a plain file path (no ``scheme://``) names a SQLite file."""
    chosen: str | None = getattr(args, "database", None)
    if chosen is None:
        chosen = os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    return _as_url(chosen)


def _as_url(text: str) -> str:
    """``text`` if it is a URL, else the SQLite URL of the file path ``text``.

    Raises:
        InvalidDatabaseUrlError: ``text`` is empty.
    """
    if "://" in text:
        return text
    if not text.strip():
        from spo_tracker.errors import InvalidDatabaseUrlError

        raise InvalidDatabaseUrlError(text, "empty; give a URL or a SQLite file path")
    return f"sqlite:///{text}"


def _now(args: argparse.Namespace) -> pendulum.DateTime:
    """``--at``, or the wall clock (read here, at the edge, and nowhere in the library)."""
    import pendulum

    at: pendulum.DateTime | None = getattr(args, "at", None)
    return pendulum.now("UTC") if at is None else at


def _actor_id() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (containers)
        return "cli:unknown"


def _actor(args: argparse.Namespace) -> Actor:
    """Who the command acts as: ``cli:<user>`` in the role and with the purpose given."""
    from spo_tracker.storage import Actor

    role = getattr(args, "role", None) or os.environ.get(ROLE_ENV) or DEFAULT_ROLE
    purpose = getattr(args, "purpose", None) or os.environ.get(PURPOSE_ENV) or None
    return Actor(_actor_id(), role, purpose)


def _pseudonyms() -> Pseudonymiser | None:
    """The force's pseudonymiser, from the key file ``$SPO_TRACKER_PSEUDONYM_KEY_FILE`` names
    (``None`` if unset: an analyst's report or case file is then refused)."""
    from spo_tracker.domain.pseudonyms import KEY_FILE_ENV, Pseudonymiser

    path = os.environ.get(KEY_FILE_ENV)
    return None if not path else Pseudonymiser.from_file(path)


def _require(args: argparse.Namespace, action: str) -> None:
    """Refuse an administrative command the role may not run (its library function takes
    no actor, so this refusal is not in the audit trail)."""
    from spo_tracker.domain.permissions import check

    actor = _actor(args)
    check(actor.role, action, purpose=actor.purpose)


def _audit_keyring(args: argparse.Namespace) -> AuditKeyring | None:
    """``--audit-key-file``, else the environment's key (as connect() finds it), else none."""
    from spo_tracker.storage import AuditKeyring

    path: str | None = getattr(args, "audit_key_file", None)
    return None if path is None else AuditKeyring.from_file(path)


def _data_keyring(args: argparse.Namespace) -> DataKeyring | None:
    """``--data-key-file``, else the environment's key (as connect() finds it), else none."""
    from spo_tracker.storage import DataKeyring

    path: str | None = getattr(args, "data_key_file", None)
    return None if path is None else DataKeyring.from_file(path)


def _open_store(args: argparse.Namespace) -> SqlStore:
    """The store ``--database`` names, with the data and audit keys the options (or the
    environment) give: every command opens its store here."""
    from spo_tracker.storage import connect

    return connect(
        _database(args), data_keyring=_data_keyring(args), audit_keyring=_audit_keyring(args)
    )


def _key_files(args: argparse.Namespace) -> list[str]:
    """The key files the command may read: ``--audit-key-file``, ``--data-key-file`` and
    the environment's (no output may be written over one)."""
    from spo_tracker.storage import DATA_KEY_FILE_ENV, KEY_FILE_ENV

    given = [
        getattr(args, "audit_key_file", None),
        os.environ.get(KEY_FILE_ENV),
        getattr(args, "data_key_file", None),
        os.environ.get(DATA_KEY_FILE_ENV),
    ]
    return [path for path in given if path]


def _append_key_line(path: str, line: str, check: Callable[[bytes], None]) -> None:
    """Append ``line`` to the key file at ``path`` (created, and kept, owner-only), once
    ``check`` has accepted its start (up to 64 KiB and a byte): a key is added only to a
    key file, never to a database.

    Raises:
        SpoTrackerError: whatever ``check`` raises; nothing is then written.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        size = os.fstat(fd).st_size
        check(os.pread(fd, min(size, 1 << 16) + 1, 0))
        # A file edited by hand may lack its last newline: the key must start a line.
        ends = size == 0 or os.pread(fd, 1, size - 1) == b"\n"
        os.write(fd, f"{'' if ends else chr(10)}{line}\n".encode())
    finally:
        os.close(fd)


def _titles(
    args: argparse.Namespace, store: Store, at: pendulum.DateTime, alerts: Sequence[Alert]
) -> list[str]:
    """Alert titles as printed: scrubbed like a report's (addresses, streets, coordinates of
    the alert's and its order's protected persons), a second line of defence behind the term
    catalogue's refusal of address-like zone labels."""
    from spo_tracker.casework import alert_titles

    return list(alert_titles(store, alerts, actor=_actor(args), at=at)) if alerts else []


def _london_iso(at: _dt.datetime | None) -> str:
    """An instant as ISO 8601 London local time with its offset, whole seconds."""
    if at is None:
        return ""
    import pendulum

    return pendulum.instance(at).in_timezone("Europe/London").replace(microsecond=0).isoformat()


def _utc_iso(at: _dt.datetime) -> str:
    import pendulum

    return pendulum.instance(at).in_timezone("UTC").replace(microsecond=0).isoformat()
