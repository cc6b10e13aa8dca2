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

__all__ = ["write_atomic"]


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _check_target(target: Path) -> None:
    if target.is_dir():
        raise OutputWriteError(str(target), "it is a folder; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise OutputWriteError(str(target), f"no such folder {str(folder)!r}")


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written.

    Raises:
        OutputWriteError: the folder is missing or not writable, the path is a folder,
            or the write failed (nothing is left behind, an old file is untouched).
    """
    target = Path(path)
    _check_target(target)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise OutputWriteError(str(target), _reason(error)) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise OutputWriteError(str(target), _reason(error)) from None
        raise
    return target
