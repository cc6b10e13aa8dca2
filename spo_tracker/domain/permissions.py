"""Roles and permissions: one declarative table of who may take which action.

The library authorises; the host system authenticates the person or service
and passes an :class:`~spo_tracker.storage.Actor` naming their role (and,
where it is needed, their purpose). Every public action a caller can take
(each casework function, the restricted read, the interchange's import and
export, the audit and schema commands) has one row in :data:`PERMISSIONS`
saying, for each :class:`Role`, whether it may act and on which cases
(:class:`Scope`). :func:`check` reads the table; the unit of work, the
casework functions and the interchange call it before doing anything, and a
refusal is audited (``permission.denied``) and raises
:class:`~spo_tracker.errors.PermissionDeniedError`. The docs page
``docs/permissions.md`` holds :func:`permissions_markdown`, and a test fails
when they differ.

Legal basis: the controller must put in place technical and organisational
measures, by design and by default, so that personal data are processed only
as each purpose needs (DPA2018 s.57) and kept secure against unauthorised
processing (DPA2018 s.66). A consultation of a protected person's restricted
details must be logged with its justification (DPA2018 s.62(3)(a)), so the
table marks those rows ``purpose required``: the actor must state why.

Adding an action is one line in :data:`PERMISSIONS`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

import attrs

from spo_tracker.domain.textfold import compact
from spo_tracker.errors import PermissionDeniedError, UnknownActionError, UnknownRoleError

__all__ = [
    "PERMISSIONS",
    "READ_RESTRICTED",
    "Permission",
    "Role",
    "Scope",
    "check",
    "permission_for",
    "permissions_markdown",
    "purpose_stated",
    "role_named",
]


class Role(enum.StrEnum):
    """The roles an actor acts in (``Actor.role`` is one of these values)."""

    #: An officer in the case: works the cases assigned to them (see :class:`Scope`).
    OFFICER = "officer"
    #: A supervisor (sergeant, inspector): any case in the force, assigns cases.
    SUPERVISOR = "supervisor"
    #: An analyst: reports and case files with people pseudonymised, nothing else.
    ANALYST = "analyst"
    #: An auditor: checks the audit trail; no case data.
    AUDITOR = "auditor"
    #: A system administrator: the schema, audit keys and checkpoints; no case data.
    ADMINISTRATOR = "administrator"
    #: The force's automated service account: imports records and runs detection.
    INGEST = "ingest"


class Scope(enum.Enum):
    """On which records a role may take an action."""

    #: Refused.
    NONE = "-"
    #: Only orders whose case is assigned to the actor (``CaseOwner.officer == actor_id``)
    #: or not yet assigned to anyone.
    OWN_CASES = "own cases"
    #: Every record.
    ANY = "yes"


NO, OWN, ANY = Scope.NONE, Scope.OWN_CASES, Scope.ANY

#: The action of reading a protected person's restricted details (address, places).
READ_RESTRICTED: Final = "read_restricted"


@attrs.frozen
class Permission:
    """One row of the table: an action and the scope each role has for it.

    Attributes:
        action: the action's name (a casework function's name, or a dotted name).
        what: what the action does, in a few words (for the docs).
        scopes: the scope of each role; a role not named is refused.
        purpose: the actor must state a purpose (``Actor.purpose``) to take it.
    """

    action: str
    what: str
    scopes: Mapping[Role, Scope]
    purpose: bool = False

    def scope(self, role: Role) -> Scope:
        """The scope ``role`` has for this action (:attr:`Scope.NONE` if not named)."""
        return self.scopes.get(role, NO)


def _row(
    action: str, what: str, scopes: Mapping[str, Scope], *, purpose: bool = False
) -> Permission:
    """A row: ``scopes`` maps role names to scopes (a role not named is refused)."""
    given = {Role(name): scope for name, scope in scopes.items() if scope is not NO}
    return Permission(action, what, given, purpose)


_CASE: Final = {"officer": OWN, "supervisor": ANY}
_DESK: Final = {"officer": ANY, "supervisor": ANY}
_RUN: Final = {"officer": ANY, "supervisor": ANY, "ingest": ANY}
_EVERYONE: Final = {r.value: ANY for r in Role}
_RECORDS: Final = {"supervisor": ANY, "administrator": ANY}
_MOPI: Final = {"supervisor": ANY}
_LOG: Final = {"supervisor": ANY, "auditor": ANY}

#: Every public action and who may take it, one row each (DPA2018 s.57, s.66).
PERMISSIONS: Final[tuple[Permission, ...]] = (
    # Case commands: the officer in the case, or a supervisor.
    _row("serve_order", "record service of an order", _CASE),
    _row("vary_order", "record a variation", _CASE),
    _row("renew_order", "record a renewal", _CASE),
    _row("discharge_order", "record a discharge", _CASE),
    _row("expire_order", "record an order's expiry", _CASE | {"ingest": ANY}),
    _row("lodge_appeal", "record an appeal lodged", _CASE),
    _row("decide_appeal", "record an appeal's outcome", _CASE),
    # Applications come before any case is assigned (owners are kept per order).
    _row("grant_application", "record an application granted", _DESK),
    _row("refuse_application", "record an application refused", _DESK),
    _row("withdraw_application", "record an application withdrawn", _DESK),
    _row("decide_interim", "record an interim decision", _DESK),
    # Review of alerts.
    _row("assign_case", "assign an order's case to an officer", {"supervisor": ANY}),
    _row("list_alerts", "list the alert queue", _DESK),
    _row("alert_detail", "show an alert with its evidence", _CASE),
    _row("alert_titles", "alerts' titles, scrubbed as in a report", _RUN),
    _row("assign_alert", "assign an alert's review", _CASE),
    _row("start_alert_review", "start an alert's review", _CASE),
    _row("review_alert", "decide an alert's review", _CASE),
    _row("reopen_reviews", "reopen decided reviews with new evidence", _RUN),
    _row("decided_alert_ids", "list the decided alerts' ids", _RUN),
    # Intake and detection.
    _row("ingest", "store incidents", _RUN),
    _row("ingest_compliance", "store compliance records", _RUN),
    _row("ingest_incidents", "store incidents in bulk (storage)", _RUN),
    _row("load_records", "read every record with restricted details", _RUN, purpose=True),
    _row("detect_stored", "run detection, storing nothing", _RUN),
    _row("store_alerts", "keep alerts", _RUN),
    _row("stored_alerts", "read the kept alerts", _RUN),
    _row("run_detection", "run detection and keep the alerts", _RUN),
    # Reports and case files (an analyst's show people pseudonymised; an analyst gets
    # nothing else: no raw records, alerts or ids, so no row above names the analyst).
    _row("report_context", "gather a report's records", _RUN),
    _row("report_from_store", "write a report", _RUN | {"analyst": ANY}),
    _row("reports_from_store", "write reports", _RUN | {"analyst": ANY}),
    _row("case_file", "gather a case file, unredacted", _CASE, purpose=True),
    _row("write_case_file", "write a defendant's case file", _CASE | {"analyst": ANY}),
    # Pure functions of values the caller already holds: they read nothing stored.
    _row("attribution", "who reported an incident (pure)", _EVERYONE),
    _row("dated_alerts", "dated alerts of given records (pure)", _EVERYONE),
    _row("merge_alerts", "merge two alerts (pure)", _EVERYONE),
    # Restricted details and the interchange.
    _row(READ_RESTRICTED, "read a protected person's restricted details", _RUN, purpose=True),
    _row("export", "export the store, restricted details scrubbed", _RUN),
    _row("export_restricted", "export with restricted details", {"supervisor": ANY}, purpose=True),
    _row("import", "import an interchange file", {"supervisor": ANY, "ingest": ANY}),
    # The audit trail and the schema.
    _row("audit.verify", "verify the audit trail (a verdict only)", _EVERYONE),
    _row(
        "audit.checkpoint", "record the audit trail's head", {"auditor": ANY, "administrator": ANY}
    ),
    _row("audit.new_key", "add an audit key", {"administrator": ANY}),
    _row("db.upgrade", "create or upgrade the schema", {"administrator": ANY}),
    # Data protection: the person's audit log (DPA2018 s.62) and subject access (s.45).
    _row("person_audit_log", "list who consulted or disclosed a person's record", _LOG),
    _row("subject_access", "gather a subject-access export", _MOPI, purpose=True),
    _row("write_subject_access", "write a subject-access export", _MOPI, purpose=True),
    # Retention review and disposal (MoPI), and the data keys.
    _row("retention_due", "list the cases due for retention review", _RECORDS),
    _row(
        "review_retention",
        "decide to retain or dispose of a case",
        {"supervisor": ANY},
        purpose=True,
    ),
    _row("retention.purge", "flush erased bytes from the SQLite log", _RECORDS),
    _row("keys.new_data_key", "add a data key", {"administrator": ANY}),
    _row("keys.rotate_data_key", "re-wrap every person's key", {"administrator": ANY}),
    _row("shred_person_key", "destroy a person's key (erasure)", {"supervisor": ANY}),
)

_BY_ACTION: Final[Mapping[str, Permission]] = {p.action: p for p in PERMISSIONS}
_ROLES: Final[Mapping[str, Role]] = {r.value: r for r in Role}


def role_named(role: str, action: str = "act") -> Role:
    """The :class:`Role` whose value is ``role`` (``action``: what it asked to do, for the error).

    Raises:
        UnknownRoleError: no role has that name (naming it and the roles there are).
    """
    found = _ROLES.get(role)
    if found is None:
        raise UnknownRoleError(role, ", ".join(_ROLES), action)
    return found


def permission_for(action: str) -> Permission:
    """The row of ``action``.

    Raises:
        UnknownActionError: the table has no row for ``action``.
    """
    found = _BY_ACTION.get(action)
    if found is None:
        raise UnknownActionError(action)
    return found


def check(role: str, action: str, *, purpose: str | None) -> Scope:
    """The scope ``role`` has for ``action``, or a typed refusal.

    Args:
        role: the actor's role.
        action: the action asked for (a row of :data:`PERMISSIONS`).
        purpose: the actor's stated purpose (``None``: none stated).

    Returns:
        :attr:`Scope.ANY` or :attr:`Scope.OWN_CASES` (the caller checks the case).

    Raises:
        UnknownActionError: ``action`` has no row (checked first: a missing row is a bug).
        UnknownRoleError: ``role`` is not a :class:`Role` (a :class:`PermissionDeniedError`).
        PermissionDeniedError: the role may not take the action, or the row needs a
            purpose and none was stated (DPA2018 s.62(3)(a)).
    """
    row = permission_for(action)
    scope = row.scope(role_named(role, action))
    if scope is NO:
        raise PermissionDeniedError(role, action, "the permission table does not allow it")
    if row.purpose and not purpose_stated(purpose):
        raise PermissionDeniedError(
            role, action, "state a purpose (Actor.purpose): DPA2018 s.62(3)(a) logs it"
        )
    return scope


def purpose_stated(purpose: object) -> bool:
    """Whether ``purpose`` states one (DPA2018 s.62(3)(a)): text with something visible once
    folded, as retention's ``blank_reason`` tests a reason (spaces and invisible characters
    such as U+200B or U+2800 are nothing). The one test of a blank purpose."""
    return isinstance(purpose, str) and bool(compact(purpose))


def permissions_markdown() -> str:
    """The permission table as a Markdown table (the generated part of docs/permissions.md)."""
    roles = list(Role)
    lines = [
        "| action | what | " + " | ".join(r.value for r in roles) + " | purpose |",
        "|---" * (len(roles) + 3) + "|",
    ]
    for row in PERMISSIONS:
        cells = [row.scope(r).value for r in roles]
        need = "required" if row.purpose else ""
        lines.append(f"| `{row.action}` | {row.what} | " + " | ".join(cells) + f" | {need} |")
    return "\n".join(lines) + "\n"
