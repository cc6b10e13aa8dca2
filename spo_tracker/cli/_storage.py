"""Storage administration: the schema (``db upgrade``) and the audit trail
(``audit verify``, ``checkpoint``, ``new-key``, and ``log``: who collected,
altered, consulted, disclosed or erased a person's record, DPA 2018 s.62).
"""

from __future__ import annotations

import argparse
import sys

from spo_tracker.cli._arguments import (
    _audit_key_option,
    _data_key_option,
    _database_option,
    _named_file,
    _Parser,
)
from spo_tracker.cli._context import (
    _actor,
    _append_key_line,
    _audit_keyring,
    _data_keyring,
    _database,
    _key_files,
    _now,
    _open_store,
    _require,
)
from spo_tracker.cli._progress import _say


def _db_upgrade(args: argparse.Namespace) -> int:
    _require(args, "db.upgrade")
    from spo_tracker.storage import display_url, upgrade

    url = _database(args)
    revision = upgrade(url, audit_keyring=_audit_keyring(args), data_keyring=_data_keyring(args))
    _say(args, f"{display_url(url)} is at schema revision {revision}")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    _require(args, "audit.verify")
    from spo_tracker.storage import read_checkpoint, verify

    anchor = None if args.checkpoint is None else read_checkpoint(args.checkpoint)
    with _open_store(args) as store:
        report = verify(store, deep=args.deep, checkpoint=anchor)
    if report.ok:
        print(report.describe())
        return 0
    print(f"spo-tracker: {report.describe()}", file=sys.stderr)
    for finding in report.findings:
        print(f"spo-tracker: {finding}", file=sys.stderr)
    return 3


def _audit_checkpoint(args: argparse.Namespace) -> int:
    _require(args, "audit.checkpoint")
    from spo_tracker.storage import (
        RETIRED_END,
        UNSEALED_END,
        checkpoint,
        database_files,
        verify,
        write_checkpoint,
    )

    with _open_store(args) as store:
        # Verified before anything is written: a broken trail gets no checkpoint entry (a
        # trail the key has not sealed yet is not broken: the entry below seals it).
        before = verify(store)
        if not before.ok and not (before.problem or "").startswith((UNSEALED_END, RETIRED_END)):
            checkpoint(store)  # raises InvalidValueError, naming the break
        # Recorded first: the trail shows when checkpoints were taken, and a trail not yet
        # written with the key is sealed by this entry before its head is taken.
        with store.unit_of_work(_actor(args), at=_now(args)) as uow:
            uow.note("audit.checkpoint", "audit", "checkpoint", reason="audit checkpoint")
            uow.commit()
        head = checkpoint(store)
        protected = database_files(store)
    write_checkpoint(head, args.to, protected=protected, key_files=_key_files(args))
    sealed = "unsealed (no audit key)" if head.key_id is None else f"sealed with {head.key_id}"
    _say(args, f"checkpoint written to {args.to}: head {head.head_seq} {head.head_hash}, {sealed}")
    return 0


def _audit_new_key(args: argparse.Namespace) -> int:
    _require(args, "audit.new_key")
    from spo_tracker.storage import new_key_line

    line = new_key_line(args.key_id)
    _append_key_line(args.to, line, lambda data: _refuse_non_key_file(args.to, data))
    _say(args, f"key {args.key_id} appended to {args.to}: new entries are sealed with it")
    return 0


def _refuse_non_key_file(path: str, data: bytes) -> None:
    """A new key is appended only to an empty file or a key file (never to a database)."""
    from spo_tracker.errors import AuditKeyError, OutputOntoDatabaseError
    from spo_tracker.storage import AuditKeyring

    if not data.strip():
        return
    try:
        AuditKeyring.from_text(data.decode("utf-8"), source=path)
    except (UnicodeDecodeError, AuditKeyError):
        raise OutputOntoDatabaseError(path, path, "a file that is not an audit key file") from None


def _add_db(commands: argparse._SubParsersAction[_Parser]) -> None:
    db = commands.add_parser("db", help="manage the database schema")
    actions = db.add_subparsers(
        dest="db_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    up = actions.add_parser(
        "upgrade",
        help="create the database or migrate it to the newest schema",
        description="Create the database (a SQLite file is created if missing; its folder "
        "must exist) or migrate it to the schema this version needs, in one transaction. "
        "Safe to run again: an up-to-date database is left as it is. A new database's audit "
        "trail starts with a genesis entry, sealed with the audit key if one is given.",
    )
    _database_option(up)
    _audit_key_option(up)
    _data_key_option(up)
    up.set_defaults(handler=_db_upgrade)


def _add_audit(commands: argparse._SubParsersAction[_Parser]) -> None:
    audit = commands.add_parser("audit", help="check the audit trail")
    actions = audit.add_subparsers(
        dest="audit_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    check = actions.add_parser(
        "verify",
        help="check the audit trail's hash chain; exit code 3 if it is broken",
        description="Check the genesis entry, re-hash every audit entry and check each link "
        "to the one before, each seal (with an audit key) and the head record. Prints the "
        "entry count and the head hash. If an entry was altered, deleted, inserted or forged, "
        "or the trail was cut or emptied, names the first bad entry on stderr and exits with "
        "code 3. --deep also compares every stored record with the trail; --checkpoint "
        "checks that the trail still reaches a checkpoint written earlier.",
    )
    _database_option(check)
    _audit_key_option(check)
    check.add_argument(
        "--deep",
        action="store_true",
        help="also recompute every record's digest and report records changed, added or "
        "deleted outside the library, by kind and id",
    )
    check.add_argument(
        "--checkpoint",
        type=_named_file,
        metavar="PATH",
        default=None,
        help="a file from `audit checkpoint`",
    )
    check.set_defaults(handler=_audit_verify)
    mark = actions.add_parser(
        "checkpoint",
        help="write the trail's head, sealed with the audit key, to a file",
        description="Record an audit.checkpoint entry (sealed with the audit key, so a trail "
        "not yet written with the key is sealed from here), verify the trail, then write its "
        "head (number and hash, and its genesis hash), sealed with the key, to PATH (mode "
        "0600). Keep the file outside the database; `audit verify --checkpoint PATH` then "
        "fails if the trail was cut after it.",
    )
    _database_option(mark)
    _audit_key_option(mark)
    mark.add_argument(
        "--to", type=_named_file, metavar="PATH", required=True, help="the checkpoint file"
    )
    mark.set_defaults(handler=_audit_checkpoint)
    key = actions.add_parser(
        "new-key",
        help="append a new random audit key to a key file (creates it, mode 0600)",
        description="Append '<KEY_ID> <random 32-byte secret>' to the key file: the new key "
        "seals every entry written from now on (an audit.key_rotated entry marks the change); "
        "keep the older lines, they verify older entries.",
    )
    key.add_argument("--key-id", required=True, help="the new key's id, e.g. 2026-12")
    key.add_argument("--to", type=_named_file, metavar="PATH", required=True, help="the key file")
    key.set_defaults(handler=_audit_new_key)
    _add_audit_log(actions)


def _audit_log(args: argparse.Namespace) -> int:
    import json

    from spo_tracker.casework import person_audit_log

    with _open_store(args) as store:
        lines = person_audit_log(store, args.person, actor=_actor(args), at=_now(args))
    if args.format == "json":
        sys.stdout.write(json.dumps([line.as_dict() for line in lines], indent=2) + "\n")
        return 0
    for line in lines:
        utc = line.recorded_at.format("YYYY-MM-DD HH:mm:ss")
        print(
            f"{line.seq:>8}  {line.london} ({utc} UTC)  {line.actor_id} ({line.role})  "
            f"{line.operation}: {line.event}  purpose: {line.purpose or '-'}"
        )
    _say(args, f"{len(lines):,} audit entries cover {args.person}")
    return 0


def _add_audit_log(actions: argparse._SubParsersAction[_Parser]) -> None:
    log = actions.add_parser(
        "log",
        help="list who collected, altered, consulted, disclosed or erased a person's record",
        description="Every audit entry that covers the person (a defendant or protected "
        "person id), oldest first: when (London time and UTC), who, in which role, what "
        "(collected, altered, consulted, disclosed, erased: DPA 2018 s.62) and why. Reads, "
        "reports, case files, exports and subject-access exports each appear once. The id "
        "need not be stored any more (a disposed record's log is kept).",
    )
    log.add_argument("--person", required=True, metavar="ID", help="the person's id")
    log.add_argument("--format", choices=("text", "json"), default="text")
    _database_option(log)
    log.set_defaults(handler=_audit_log)
