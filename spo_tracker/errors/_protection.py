"""Permission, key and data-protection errors: audit, data and pseudonym keys; a role or
action the permission table refuses or lacks; a retention decision refused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spo_tracker.errors._base import InvalidValueError, SpoTrackerError


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


class UnknownRoleError(PermissionDeniedError):
    """The actor's role is not one of the permission table's roles (refused, audited).

    Attributes:
        role: the role given.
        roles: the roles there are, comma-separated.
    """

    def __init__(self, role: str, roles: str, action: str = "act") -> None:
        self.roles = roles
        super().__init__(role, action, f"unknown role; the roles are {roles}")


class PseudonymKeyError(SpoTrackerError, ValueError):
    """The pseudonym key is missing or unusable: an analyst's output is refused, never
    written with names.

    Attributes:
        source: where the key was looked for (a file path; never the key itself).
        reason: what is wrong, in one line.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"pseudonym key {source!r}: {reason}")


class UnknownActionError(SpoTrackerError, LookupError):
    """An action has no row in the permission table (a bug in the caller or the library).

    Attributes:
        action: the action asked for.
    """

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"the permission table has no row for action {action!r}")


class RetentionReasonMissingError(InvalidValueError):
    """A retention decision was given without a reason (MoPI: every decision to retain is
    recorded with its reason, and a disposal says why)."""

    def __init__(self, value: Any) -> None:
        super().__init__("reason", value, "a retention decision needs a reason")


class _ReasonWithheld:
    """Stands for a refused reason in a message: it names a person, so it is not quoted."""

    def __repr__(self) -> str:
        return "<value withheld: it names personal data>"


class RetentionReasonNamesPersonError(InvalidValueError):
    """A retention decision's reason holds personal data of the case (a name, an address
    line, a postcode). The reason is kept on record and in the audit trail after disposal
    (MoPI: the decision and why), so it must name nobody; nothing was changed.

    Attributes:
        case_id: the case (its defendant's id).
        kinds: what kinds of value it holds (``name``, ``address``...), never the values.
    """

    def __init__(self, case_id: str, kinds: Sequence[str]) -> None:
        self.case_id = case_id
        self.kinds = tuple(kinds)
        super().__init__(
            "reason",
            _ReasonWithheld(),
            f"names personal data of case {case_id!r} ({', '.join(self.kinds)}); the reason "
            "is kept after disposal: say why without naming anyone or anywhere",
        )


class RetentionRefusedError(SpoTrackerError, ValueError):
    """A retention decision is refused: disposal of a case with a live order, an open
    alert, an application not yet determined or an ended order under appeal; a decision
    dated before the case's last one; any decision on a case already disposed of that
    holds no data since; nothing was changed.

    Attributes:
        case_id: the case (its defendant's id).
        reason: why not, naming the record that blocks it (an order or alert id, never a
            person's details).
    """

    def __init__(self, case_id: str, reason: str) -> None:
        self.case_id = case_id
        self.reason = reason
        super().__init__(f"retention decision on case {case_id!r} refused: {reason}")
