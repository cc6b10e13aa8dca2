"""Outputs that must not land on the database: before a command runs, the files it
will write are named and refused if one is the database (or a side file), a key
file or a checkpoint, or if a name is not UTF-8.
"""

from __future__ import annotations

import argparse
import os

from spo_tracker.cli._context import _database, _key_files


def _outputs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The files the command will write, each with what it is (``"checkpoint"``, ``"key"``,
    ``"output"``): the demo's reports and database, ``--output``, and the audit ``--to``."""
    if args.command == "demo":
        from spo_tracker.demo import DATABASE_FILE, REPORT_FILES

        names = [*REPORT_FILES.values(), *([DATABASE_FILE] if args.database is None else [])]
        return [(os.path.join(args.output, name), "output") for name in names]
    if args.command == "audit" and args.audit_command in ("checkpoint", "new-key"):
        return [(args.to, "checkpoint" if args.audit_command == "checkpoint" else "key")]
    if args.command == "keys" and args.keys_command == "new-data-key":
        return [(args.to, "key")]
    output: str | None = getattr(args, "output", None)
    return [] if output is None or output == "-" else [(output, "output")]


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_outputs(args: argparse.Namespace) -> None:
    """Before anything runs: no output may be the database (or a side file), the audit key
    file or a checkpoint (see ``refuse_protected_output``), and every output name must be
    UTF-8 text (it is printed and recorded in the audit trail).

    Raises:
        OutputOntoDatabaseError: an output is a protected file.
        OutputWriteError: an output's name is not UTF-8.
    """
    outputs = _outputs(args)
    if not outputs:
        return
    from spo_tracker.errors import InvalidDatabaseUrlError, OutputWriteError
    from spo_tracker.storage import database_files, refuse_protected_output

    for output, _ in outputs:
        if not _is_utf8(output):
            raise OutputWriteError(output, "the name is not UTF-8 text; choose another name")
    try:
        own_demo = args.command == "demo" and args.database is None  # it builds its own
        protected = () if own_demo else database_files(_database(args))
    except InvalidDatabaseUrlError:
        protected = ()  # the command reports the URL itself
    checkpoints = [args.checkpoint] if getattr(args, "checkpoint", None) else []
    for output, writing in outputs:
        refuse_protected_output(
            output,
            database=protected,
            key_files=_key_files(args),
            checkpoints=checkpoints,
            writing=writing,
        )
