"""The database on disk: a private SQLite file, its side files, and outputs kept off them.

A SQLite database holds victims' addresses, so its file is created mode ``0600``
(owner only) whatever the umask, before SQLite opens it. SQLite gives the files
it makes beside it (``-wal``, ``-shm``, ``-journal``) the main file's permissions,
so they are ``0600`` too. An existing file that other users can read or write is
tightened to its owner's bits, and a warning naming the file and its old mode is
logged (logger ``spo_tracker.storage``; the command line prints it on stderr).

:func:`refuse_output_onto` stops a report or an export from replacing the
database: an output path that is the database file or one of its side files
(by resolved path, and by device and inode for hard links) is refused.
:func:`refuse_protected_output` is the one check every command's output goes
through: besides the database, it refuses the audit key file (the configured one,
and any existing file that reads as a key file) and an audit checkpoint (the one
given, and any existing file that reads as one), except that a checkpoint may
replace a checkpoint and a new key may be appended to a key file.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from spo_tracker.errors import OutputOntoDatabaseError

__all__ = [
    "PRIVATE_MODE",
    "SIDE_SUFFIXES",
    "make_private",
    "refuse_output_onto",
    "refuse_protected_output",
    "sqlite_files",
]

#: The mode of every database file: read and write for the owner only.
PRIVATE_MODE: Final = 0o600
#: The files SQLite keeps beside a database: the write-ahead log, its index, the rollback journal.
SIDE_SUFFIXES: Final = ("-wal", "-shm", "-journal")
_OTHERS: Final = 0o077
_LOG: Final = logging.getLogger("spo_tracker.storage")


def sqlite_files(database: str | os.PathLike[str]) -> tuple[Path, ...]:
    """The database file and its side files, as named and with symbolic links resolved."""
    named = Path(database)
    real = Path(os.path.realpath(named))
    bases = (named, real) if real != named else (named,)
    return tuple(Path(f"{base}{suffix}") for base in bases for suffix in ("", *SIDE_SUFFIXES))


def make_private(database: str | os.PathLike[str]) -> None:
    """Create the SQLite file ``0600`` if missing; tighten it and its side files if not private.

    Called just before SQLite opens the file, so that SQLite finds it and copies
    its mode to the side files it creates.

    Raises:
        OSError: the file cannot be created, or its mode cannot be changed.
    """
    path = Path(database)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_MODE)
    except FileExistsError:
        for existing in sqlite_files(path)[: 1 + len(SIDE_SUFFIXES)]:
            _tighten(existing)
        return
    try:
        os.fchmod(fd, PRIVATE_MODE)  # the umask may have taken bits away
    finally:
        os.close(fd)


def _tighten(path: Path) -> None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return
    mode = stat.S_IMODE(found.st_mode)
    if mode & _OTHERS and stat.S_ISREG(found.st_mode):
        os.chmod(path, mode & 0o700)
        _LOG.warning(
            "%r was open to other users (mode %04o); changed to %04o (owner only)",
            str(path),
            mode,
            mode & 0o700,
        )


def refuse_output_onto(
    output: str | os.PathLike[str],
    protected: Iterable[str | os.PathLike[str]],
    *,
    what: str = "the database file",
) -> None:
    """Refuse to write ``output`` if it is one of the ``protected`` files (or would replace one).

    Args:
        output: the path about to be written.
        protected: files that must never be replaced (a database and its side files).
        what: what they are, for the message.

    Raises:
        OutputOntoDatabaseError: ``output`` resolves to one of them, or is a hard link to one.
    """
    target = Path(output)
    resolved = os.path.realpath(target)
    identity = _identity(target)
    for guarded in protected:
        if resolved == os.path.realpath(guarded) or (
            identity is not None and identity == _identity(Path(guarded))
        ):
            raise OutputOntoDatabaseError(str(target), os.fspath(guarded), what)


#: Existing files at most this large are read to see whether they are a key file or checkpoint.
_SNIFF_BYTES: Final = 1 << 16


def refuse_protected_output(
    output: str | os.PathLike[str],
    *,
    database: Iterable[str | os.PathLike[str]] = (),
    key_files: Iterable[str | os.PathLike[str]] = (),
    checkpoints: Iterable[str | os.PathLike[str]] = (),
    writing: str = "output",
) -> None:
    """Refuse to write ``output`` over a file the audit trail depends on.

    Args:
        output: the path about to be written.
        database: the database file and its side files (:func:`sqlite_files`).
        key_files: the configured audit key files.
        checkpoints: the checkpoint files named to the command.
        writing: what is written: ``"checkpoint"`` may replace a checkpoint,
            ``"key"`` may append to a key file (and must), anything else neither.

    Raises:
        OutputOntoDatabaseError: ``output`` is (or links to) one of these, or is an
            existing file that reads as a key file or a checkpoint.
    """
    refuse_output_onto(output, database)
    if writing != "key":
        refuse_output_onto(output, key_files, what="the audit key file")
    if writing != "checkpoint":
        refuse_output_onto(output, checkpoints, what="the audit checkpoint")
    found = _sniff(Path(output))
    if found == "key" and writing != "key":
        raise OutputOntoDatabaseError(str(output), str(output), "an audit key file")
    if found == "checkpoint" and writing != "checkpoint":
        raise OutputOntoDatabaseError(str(output), str(output), "an audit checkpoint")
    if writing == "key" and found not in (None, "key"):
        # Audit and data key files share the line format: name neither kind.
        raise OutputOntoDatabaseError(str(output), str(output), "a file that is not a key file")


def _sniff(path: Path) -> str | None:
    """What an existing file is: ``"key"``, ``"checkpoint"``, ``"other"``; ``None`` if it
    does not exist or is empty."""
    from spo_tracker.errors import AuditKeyError
    from spo_tracker.storage._keys import AuditKeyring

    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None  # missing (or unreachable): nothing to replace
    if not stat.S_ISREG(found.st_mode):
        return None  # a device or a pipe (never opened here: reading one may block)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return "other"
    try:
        data = os.read(fd, _SNIFF_BYTES + 1)
    except OSError:
        return "other"
    finally:
        os.close(fd)
    if not data.strip():
        return None
    if len(data) > _SNIFF_BYTES:
        return "other"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "other"
    try:
        AuditKeyring.from_text(text, source=str(path))
    except AuditKeyError:
        pass
    else:
        return "key"
    try:
        found = json.loads(text)
    except ValueError:
        return "other"
    if isinstance(found, dict) and {"genesis_hash", "head_seq", "head_hash"} <= set(found):
        return "checkpoint"
    return "other"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return (found.st_dev, found.st_ino)
