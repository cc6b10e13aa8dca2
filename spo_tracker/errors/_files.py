"""File errors: an output that could not be written or would replace a protected file;
an interchange file that cannot be imported, or fails validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from spo_tracker.errors._base import SpoTrackerError


class OutputWriteError(SpoTrackerError, OSError):
    """A report or other output file could not be written; no partial file is left.

    Attributes:
        path: the file that was to be written.
        reason: why not, in one line (a missing or unwritable folder, a full disk...).
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path!r}: {reason}")


class OutputOntoDatabaseError(OutputWriteError):
    """An output path that is a protected file: the open database or one of its side files,
    the audit key file or an audit checkpoint; nothing was written.

    Caught by resolved path (symbolic links followed) and by device and inode (hard
    links), so a report or an export can never replace the case data.

    Attributes:
        path: the output path, as given.
        database: the protected file it would have replaced.
        what: which kind of protected file it is ("the database file", "the audit key
            file"...).
    """

    def __init__(self, path: str, database: str, what: str = "the database file") -> None:
        self.database = database
        self.what = what
        super().__init__(path, f"it is {what} {database!r}; choose another path")


class ImportSourceError(SpoTrackerError, ValueError):
    """An interchange file that cannot be imported as a whole: nothing was imported.

    Raised for a path that is not a regular file (a FIFO, a device such as
    ``/dev/zero``, a folder), a file over the size limit, and a file that changed
    while it was being imported.

    Attributes:
        source: the file, as given.
        reason: what is wrong, naming the size or kind of file found.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"cannot import {source!r}: {reason}; nothing was imported")


class ImportIssue(NamedTuple):
    """One problem found in an interchange file: where it is and what is wrong.

    Attributes:
        line: the 1-based line of the file.
        field: the JSON path of the offending field in the record, e.g.
            ``attributes.occurred_at`` (empty when the whole line is at fault).
        message: what is wrong, naming the offending value.
        record: the record's type and id, e.g. ``incident 'I-1'``, when known.
    """

    line: int
    field: str
    message: str
    record: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.record:
            where += f" ({self.record})"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ImportValidationError(SpoTrackerError, ValueError):
    """An interchange file that failed validation; nothing was imported.

    Attributes:
        source: the file's name, as given.
        errors: every problem found, in line order.
    """

    def __init__(self, source: str, errors: Sequence[ImportIssue]) -> None:
        self.source = source
        self.errors = tuple(errors)
        count = len(self.errors)
        first = f"; first: {self.errors[0]}" if self.errors else ""
        super().__init__(
            f"{source}: {count} error{'' if count == 1 else 's'}, nothing was imported{first}"
        )
