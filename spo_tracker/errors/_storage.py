"""Storage and concurrency errors: the database refused, was busy or could not be
reached; a stale write; a stored record that cannot be read; a bulk batch, a detection
run or an outbox delivery that did not complete."""

from __future__ import annotations

from typing import Any

from spo_tracker.errors._base import SpoTrackerError


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
