"""Every error spo_tracker raises.

Each error carries its context as attributes and names the offending value in
its message. Library errors also subclass the matching builtin, so callers
that already catch ``ValueError`` or ``LookupError`` keep working.

The classes are defined by family in private modules (base and value errors,
lifecycles, storage, permissions and keys, files) and are this module's API:
import them from here. Each names this module as its own, so tracebacks, pickles
and the API docs show ``spo_tracker.errors.NotFoundError`` wherever it is defined.
"""

from __future__ import annotations

from spo_tracker.errors._base import (
    IncompatibleTermError,
    InvalidIdentityError,
    InvalidValueError,
    NaiveDatetimeError,
    NotFoundError,
    OrderPeriodError,
    SpoTrackerError,
    UnknownCodeError,
    UnknownPlatformError,
)
from spo_tracker.errors._files import (
    ImportIssue,
    ImportSourceError,
    ImportValidationError,
    OutputOntoDatabaseError,
    OutputWriteError,
)
from spo_tracker.errors._lifecycles import (
    GuardRejectedError,
    IllegalTransitionError,
    MachineDefinitionError,
)
from spo_tracker.errors._protection import (
    AuditKeyError,
    DataKeyError,
    DetailsDisposedError,
    PermissionDeniedError,
    PseudonymKeyError,
    RetentionReasonMissingError,
    RetentionReasonNamesPersonError,
    RetentionRefusedError,
    UnknownActionError,
    UnknownRoleError,
)
from spo_tracker.errors._storage import (
    BatchRejectedError,
    ConcurrencyConflictError,
    ConstraintViolationError,
    DatabaseBusyError,
    DatabaseDriverMissingError,
    DatabaseError,
    DatabaseUnavailableError,
    DuplicateRecordError,
    EarlierRunError,
    EventDeliveryError,
    InvalidDatabaseUrlError,
    RecordConflictError,
    SchemaVersionError,
    StoredRecordError,
    StoreRetriesExhaustedError,
)

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
    "PseudonymKeyError",
    "RecordConflictError",
    "RetentionReasonMissingError",
    "RetentionReasonNamesPersonError",
    "RetentionRefusedError",
    "SchemaVersionError",
    "SpoTrackerError",
    "StoreRetriesExhaustedError",
    "StoredRecordError",
    "UnknownActionError",
    "UnknownCodeError",
    "UnknownPlatformError",
    "UnknownRoleError",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
