"""Atomic file writes: the whole report appears at once, or nothing does.

The text is rendered completely before any file is touched, written to a
temporary file in the target folder (so the rename stays on one file system),
flushed to disk, then renamed over the target. The file is created readable
and writable by its owner only (``0600``): reports hold sensitive data. On any error the temporary
file is removed and an existing target is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from spo_tracker.errors import OutputWriteError

__all__ = ["StagedFile", "stage_file", "write_atomic"]


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _check_target(target: Path) -> None:
    if target.is_dir():
        raise OutputWriteError(str(target), "it is a folder; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise OutputWriteError(str(target), f"no such folder {str(folder)!r}")


class StagedFile:
    """A file written in full beside its target under a temporary name, not yet visible.

    :meth:`publish` renames it into place; :meth:`discard` removes it. Staging
    every file first lets a caller make them all visible only once everything
    else (an audit entry committed) has succeeded.

    Attributes:
        target: the file it will become.
        temp: where it is written meanwhile (in the same folder).
    """

    def __init__(self, target: Path, temp: Path) -> None:
        self.target = target
        self.temp = temp

    def publish(self) -> Path:
        """Rename it over the target; returns the target.

        Raises:
            OutputWriteError: the rename failed (the temporary file is removed).
        """
        try:
            os.replace(self.temp, self.target)
        except OSError as error:
            self.discard()
            raise OutputWriteError(str(self.target), _reason(error)) from None
        return self.target

    def discard(self) -> None:
        """Remove the temporary file (nothing happens if it is gone already)."""
        with contextlib.suppress(OSError):
            os.unlink(self.temp)


def stage_file(path: str | os.PathLike[str], data: bytes) -> StagedFile:
    """Write ``data`` in full to a temporary file beside ``path``, flushed to disk.

    Raises:
        OutputWriteError: the folder is missing or not writable, the path is a folder,
            or the write failed (the temporary file is removed).
    """
    target = Path(path)
    _check_target(target)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise OutputWriteError(str(target), _reason(error)) from None
    staged = StagedFile(target, Path(temp))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException as error:
        staged.discard()
        if isinstance(error, OSError):
            raise OutputWriteError(str(target), _reason(error)) from None
        raise
    return staged


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written.

    Raises:
        OutputWriteError: the folder is missing or not writable, the path is a folder,
            or the write failed (nothing is left behind, an old file is untouched).
    """
    return stage_file(path, data).publish()
