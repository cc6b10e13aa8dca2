"""Every error spo_tracker raises.

Each error carries its context as attributes and names the offending value in
its message. Library errors also subclass the matching builtin, so callers
that already catch ``ValueError`` or ``LookupError`` keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = [
    "AuditKeyError",
    "BatchRejectedError",
    "ConcurrencyConflictError",
    "ConstraintViolationError",
    "DataKeyError",
    "DatabaseBusyError",
    "DatabaseDriverMissingError",
    "DatabaseError",
    "DatabaseUnavailableError",
    "DetailsDisposedError",
    "DuplicateRecordError",
    "EarlierRunError",
    "EventDeliveryError",
    "GuardRejectedError",
    "IllegalTransitionError",
    "ImportIssue",
    "ImportSourceError",
    "ImportValidationError",
    "IncompatibleTermError",
    "InvalidDatabaseUrlError",
    "InvalidIdentityError",
    "InvalidValueError",
    "MachineDefinitionError",
    "NaiveDatetimeError",
    "NotFoundError",
    "OrderPeriodError",
    "OutputOntoDatabaseError",
    "OutputWriteError",
    "PermissionDeniedError",
    "RecordConflictError",
    "RetentionReasonMissingError",
    "RetentionRefusedError",
    "SchemaVersionError",
    "SpoTrackerError",
    "StoreRetriesExhaustedError",
    "StoredRecordError",
    "UnknownCodeError",
    "UnknownPlatformError",
]


class SpoTrackerError(Exception):
    """Base class of every error raised by spo_tracker."""


#: The most characters of a value's ``repr`` an error message quotes.
_REPR_LIMIT = 300


def _shown(value: Any) -> str:
    """``repr(value)`` for a message, cut to a few hundred characters.

    A value's own ``repr`` can fail: an integer of thousands of digits (ValueError)
    or a deeply nested list (RecursionError); the message then describes the value.
    """
    try:
        text = repr(value)
    except ValueError:
        bits = value.bit_length() if isinstance(value, int) else 0
        return f"<an integer of {bits:,} bits>" if bits else f"<a {type(value).__name__}>"
    except RecursionError:
        return f"<a {type(value).__name__} nested too deeply to show>"
    if len(text) > _REPR_LIMIT:
        return f"{text[:_REPR_LIMIT]}... ({len(text):,} characters)"
    return text


class InvalidValueError(SpoTrackerError, ValueError):
    """A value given to the library is not acceptable.

    Attributes:
        field: the name of the field or argument that was wrong.
        value: the offending value, as given.
    """

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={_shown(value)}: {reason}")


class NaiveDatetimeError(InvalidValueError):
    """A datetime without a time zone was given where an aware one is required."""

    def __init__(self, field: str, value: Any) -> None:
        super().__init__(field, value, "datetimes must be time-zone aware")


class UnknownCodeError(InvalidValueError):
    """A code (enumeration value) that the library does not know."""

    def __init__(self, field: str, value: Any, known: Sequence[str]) -> None:
        self.known = tuple(known)
        super().__init__(field, value, f"unknown code; expected one of {', '.join(self.known)}")


class UnknownPlatformError(UnknownCodeError):
    """A platform name that is neither a known platform nor one of its aliases."""


class InvalidIdentityError(InvalidValueError):
    """A phone number, email address, handle or device id in an invalid format."""


class OrderPeriodError(InvalidValueError):
    """An order period the Act does not allow (SPA2019 s.3(2), s.5(6)(a))."""


class IncompatibleTermError(InvalidValueError):
    """A term incompatible with a term of a live order (SPA2019 s.2(6)-(7))."""


class MachineDefinitionError(SpoTrackerError, TypeError):
    """A lifecycle table that fails validation when it is loaded."""

    def __init__(self, machine: str, problem: str) -> None:
        self.machine = machine
        self.problem = problem
        super().__init__(f"lifecycle {machine!r} is invalid: {problem}")


class IllegalTransitionError(SpoTrackerError, ValueError):
    """An event that the lifecycle does not allow in the subject's current state.

    Nothing is changed when this is raised.

    Attributes:
        machine: the lifecycle's name.
        subject_id: the id of the order, application, duty or review.
        state: the state the subject was in.
        event: the event that was attempted.
    """

    def __init__(
        self, machine: str, subject_id: str, state: str, event: str, detail: str = ""
    ) -> None:
        self.machine = machine
        self.subject_id = subject_id
        self.state = state
        self.event = event
        message = f"{machine} {subject_id!r}: event {event!r} is not allowed in state {state!r}"
        super().__init__(f"{message}: {detail}" if detail else message)


class GuardRejectedError(IllegalTransitionError):
    """A transition exists but a statutory guard refused it.

    Attributes:
        guard: the guard's name.
        section: the statute the guard enforces.
        reason: why it refused, naming the offending value.
    """

    def __init__(
        self,
        machine: str,
        subject_id: str,
        state: str,
        event: str,
        *,
        guard: str,
        section: str,
        reason: str,
    ) -> None:
        self.guard = guard
        self.section = section
        self.reason = reason
        super().__init__(
            machine, subject_id, state, event, f"guard {guard!r} ({section}) refused: {reason}"
        )


class NotFoundError(SpoTrackerError, LookupError):
    """A record that does not exist."""

    def __init__(self, kind: str, key: Any) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key!r}")


class DatabaseError(SpoTrackerError):
    """The database refused or could not be reached; the message says which."""


class ConcurrencyConflictError(DatabaseError):
    """A write based on a stale version of an aggregate; nothing was written."""

    def __init__(self, kind: str, key: Any, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{kind} {key!r}: stale write from version {expected}, stored version is {actual}"
        )


class InvalidDatabaseUrlError(DatabaseError, ValueError):
    """A database URL that is malformed or names an unsupported backend.

    Attributes:
        url: the URL as given, with any password hidden.
        reason: what is wrong with it.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"database URL {url!r}: {reason}")


class DatabaseUnavailableError(DatabaseError, ConnectionError):
    """The database could not be opened or reached; nothing was written.

    Attributes:
        url: the database URL, with any password hidden.
        reason: the driver's explanation, in one line.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot reach database {url!r}: {reason}")


class DatabaseDriverMissingError(DatabaseError, ImportError):
    """The database URL needs a driver that is not installed; nothing was opened.

    Attributes:
        url: the database URL, with any password hidden.
        driver: the missing module, e.g. ``psycopg``.
        extra: the package extra that installs it, e.g. ``postgres``.
    """

    def __init__(self, url: str, driver: str, extra: str) -> None:
        self.url = url
        self.driver = driver
        self.extra = extra
        super().__init__(
            f"database {url!r} needs the {driver!r} driver, which is not installed; "
            f"install spo-tracker[{extra}]"
        )


class SchemaVersionError(DatabaseError):
    """The database schema is not at the revision this library needs.

    Attributes:
        url: the database URL, with any password hidden.
        found: the revision found (``None`` for an empty database).
        expected: the revision the library needs.
    """

    def __init__(self, url: str, found: str | None, expected: str) -> None:
        self.url = url
        self.found = found
        self.expected = expected
        super().__init__(
            f"database {url!r} is at schema revision {found!r}, this library needs "
            f"{expected!r}: run `spo-tracker db upgrade --database URL`"
        )


class ConstraintViolationError(DatabaseError, ValueError):
    """A write the database refused by a constraint; the transaction was rolled back.

    Attributes:
        kind: the kind of record (``order``, ``incident``...).
        key: the record's id, when known.
        reason: which rule was broken.
    """

    def __init__(self, kind: str, key: Any, reason: str) -> None:
        self.kind = kind
        self.key = key
        self.reason = reason
        super().__init__(f"{kind} {key!r}: {reason}; nothing was written")


class DuplicateRecordError(ConstraintViolationError):
    """A record with this id is already stored."""

    def __init__(self, kind: str, key: Any) -> None:
        super().__init__(kind, key, "a record with this id already exists")


class RecordConflictError(DuplicateRecordError):
    """A record whose id is already stored with different content.

    The message names the id and the first field that differs, never a value:
    a field may hold a protected person's details.

    Attributes:
        kind: the kind of record (``incident``, ``compliance_record``...).
        key: the record's id.
        field: the first field whose stored value differs.
    """

    def __init__(self, kind: str, key: Any, field: str) -> None:
        self.field = field
        ConstraintViolationError.__init__(
            self, kind, key, f"already stored with a different {field}"
        )


class StoredRecordError(DatabaseError, ValueError):
    """A stored record that breaks a rule of the library, so it cannot be read.

    Data written by an earlier release (before a check was added), or edited in
    the database by hand, can fail the domain's checks when it is read back.
    Reading stops there, naming the record: a record skipped could hide a breach.
    The rule broken is the domain error's message, also kept as ``__cause__``,
    except for a protected person, whose message names the field only and
    keeps no cause (their restricted details are never quoted); coordinates are
    withheld from every message.

    Attributes:
        kind: the kind of record (``order``, ``incident``...).
        key: the record's id.
        field: the field that breaks the rule, when the domain named it.
        rule: the rule broken, as the message shows it.
    """

    def __init__(self, kind: str, key: Any, rule: str, *, field: str | None = None) -> None:
        self.kind = kind
        self.key = key
        self.field = field
        self.rule = rule
        super().__init__(
            f"stored {kind} {key!r} breaks a rule of this library ({rule}); it cannot be read: "
            "correct the record in the database, or delete it and import it again from a "
            "corrected interchange file"
        )


class DatabaseBusyError(DatabaseError):
    """The database stayed locked past the timeout, or two writers deadlocked; retry."""


class StoreRetriesExhaustedError(DatabaseError):
    """Storing kept meeting concurrent writers (a stale revision, a duplicate key, a lock,
    a deadlock or a serialization failure) on every attempt; nothing was stored.

    The run can be repeated safely: alerts are stored by their stable id.

    Attributes:
        attempts: how many times it was tried.
        cause: the last attempt's error.
    """

    def __init__(self, attempts: int, cause: Exception) -> None:
        self.attempts = attempts
        self.cause = cause
        super().__init__(
            f"alerts not stored after {attempts} attempts ({type(cause).__name__}: {cause}); "
            "nothing was stored and the run can be repeated safely"
        )


class EarlierRunError(SpoTrackerError, ValueError):
    """A detection run asked to store alerts as of an instant before a stored run's.

    The stored alerts are the later run's judgement; an earlier one would replace
    it with what was known less. Nothing was read or stored.

    Attributes:
        at: the instant this run would judge as of.
        latest: the instant of the latest stored detection run.
    """

    def __init__(self, at: str, latest: str) -> None:
        self.at = at
        self.latest = latest
        super().__init__(
            f"detection run at={at} is before the stored run at={latest}: it would replace "
            "later judgements; to see what was known then, detect without storing "
            "(casework.detect_stored, or spo-tracker report without --stored)"
        )


class BatchRejectedError(SpoTrackerError, ValueError):
    """A batch of a bulk ingest was rolled back as a whole; earlier batches stay committed.

    Attributes:
        batch_index: 0-based index of the rejected batch.
        committed_batches: batches committed before it.
        committed_records: records committed before it.
        cause: the error that rejected the batch.
    """

    def __init__(
        self, batch_index: int, committed_batches: int, committed_records: int, cause: Exception
    ) -> None:
        self.batch_index = batch_index
        self.committed_batches = committed_batches
        self.committed_records = committed_records
        self.cause = cause
        super().__init__(
            f"batch {batch_index} rolled back ({cause}); {committed_batches} earlier batch(es), "
            f"{committed_records} record(s), stay committed"
        )


class EventDeliveryError(SpoTrackerError, RuntimeError):
    """An outbox handler failed; the events before it stay delivered, the rest wait.

    Raised by :func:`spo_tracker.storage.deliver_outbox` after it has marked the
    events handled so far as delivered; the failed event and every later one are
    delivered again on the next run (delivery is at least once).

    Attributes:
        event_type: the type of the event the handler failed on.
        originator_id: its aggregate's id.
        originator_version: its aggregate version.
        delivered: how many events this run delivered before the failure.
        cause: what the handler raised.
    """

    def __init__(
        self,
        event_type: str,
        originator_id: str,
        originator_version: int,
        delivered: int,
        cause: BaseException,
    ) -> None:
        self.event_type = event_type
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.delivered = delivered
        self.cause = cause
        super().__init__(
            f"handler failed on {event_type} of {originator_id!r} version {originator_version} "
            f"({type(cause).__name__}: {cause}); {delivered} event(s) delivered before it, the "
            "rest stay in the outbox for the next run"
        )


class AuditKeyError(SpoTrackerError, ValueError):
    """An audit key or keyring is unusable, missing, or not the one the trail needs.

    The message names the key id and, for a key file, the path and line; it
    never quotes a secret.

    Attributes:
        key_id: the key's id, if known.
        source: where the key came from (a file path and line, an environment variable).
        reason: what is wrong, in one line.
    """

    def __init__(self, key_id: str | None, source: str, reason: str) -> None:
        self.key_id = key_id
        self.source = source
        self.reason = reason
        named = "" if key_id is None else f" {key_id!r}"
        super().__init__(f"audit key{named} ({source}): {reason}")


class DataKeyError(SpoTrackerError, ValueError):
    """A protected person's restricted details cannot be stored or read: no data key, a
    key the keyring does not hold, or a ciphertext or wrapped key that does not open
    (altered, or moved from another person's record).

    The message names the key id, the source (a key file's path and line, an environment
    variable) or the person's id; it never quotes a secret or the restricted details.

    Attributes:
        key_id: the key's id, if known.
        source: where the key came from, or the record concerned.
        reason: what is wrong, in one line.
    """

    def __init__(self, key_id: str | None, source: str, reason: str) -> None:
        self.key_id = key_id
        self.source = source
        self.reason = reason
        named = "" if key_id is None else f" {key_id!r}"
        super().__init__(f"data key{named} ({source}): {reason}")


class DetailsDisposedError(DataKeyError):
    """A protected person's restricted details were disposed of: their key was destroyed
    (crypto-shredding), so the details can no longer be read, from the database or any
    backup of it.

    Attributes:
        person_id: the protected person's id.
    """

    def __init__(self, person_id: str) -> None:
        self.person_id = person_id
        super().__init__(
            None,
            f"protected person {person_id!r}",
            "their restricted details were disposed of (their key was destroyed); "
            "they cannot be read",
        )


class PermissionDeniedError(SpoTrackerError, PermissionError):
    """The acting role may not take this action (or gave no purpose where one is required).

    The library authorises; the host system authenticates and passes the
    :class:`~spo_tracker.storage.Actor`. A refused call changes nothing, and the
    refusal itself is written to the audit trail.

    Attributes:
        role: the role that asked.
        action: the action refused (a name from the permission table).
        reason: why, in one line.
    """

    def __init__(self, role: str, action: str, reason: str) -> None:
        self.role = role
        self.action = action
        self.reason = reason
        super().__init__(f"role {role!r} may not {action}: {reason}")


class RetentionReasonMissingError(InvalidValueError):
    """A retention decision was given without a reason (MoPI: every decision to retain is
    recorded with its reason, and a disposal says why)."""

    def __init__(self, value: Any) -> None:
        super().__init__("reason", value, "a retention decision needs a reason")


class RetentionRefusedError(SpoTrackerError, ValueError):
    """A retention decision is refused: disposal of a case with a live order or an open
    alert, or any decision on a case already disposed of; nothing was changed.

    Attributes:
        case_id: the case (its defendant's id).
        reason: why not, naming the record that blocks it (an order or alert id, never a
            person's details).
    """

    def __init__(self, case_id: str, reason: str) -> None:
        self.case_id = case_id
        self.reason = reason
        super().__init__(f"retention decision on case {case_id!r} refused: {reason}")


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
