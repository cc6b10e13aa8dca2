"""``import`` and ``export``: the interchange file (JSON Lines), from a file or stdin
and to a file or stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Mapping

from spo_tracker.cli._arguments import (
    DEFAULT_MAX_IMPORT_BYTES,
    MAX_LINE_BYTES,
    _database_option,
    _instant,
    _Parser,
    _whole,
)
from spo_tracker.cli._context import _actor, _now, _open_store
from spo_tracker.cli._progress import _say


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n:,} {kind}" for kind, n in counts.items()) or "none"


def _import(args: argparse.Namespace) -> int:
    from spo_tracker.errors import ImportValidationError
    from spo_tracker.interchange import import_file

    at = _now(args)
    with (
        _input_file(args.file, args.max_bytes) as path,
        _open_store(args) as store,
    ):
        try:
            report = import_file(
                store,
                path,
                actor=_actor(args),
                at=at,
                batch_size=args.batch_size,
                max_bytes=args.max_bytes,
                max_line_bytes=args.max_line_bytes,
            )
        except ImportValidationError as error:
            for issue in error.errors:  # every problem, compiler-style: file:line: field: why
                where = f"{_shown_name(args.file)}:{issue.line}"
                record = f" ({issue.record})" if issue.record else ""
                field = f" {issue.field}:" if issue.field else ""
                print(f"{where}:{record}{field} {issue.message}", file=sys.stderr)
            if args.file == "-":  # named as given, not as the temporary copy
                raise ImportValidationError("stdin", error.errors) from None
            raise
    not_compared = sum(report.not_compared.values())
    same = sum(report.unchanged.values()) - not_compared
    unread = (  # never compared: an import must not confirm a guess at a stored person
        f"; {not_compared:,} protected {'person' if not_compared == 1 else 'persons'} "
        "already stored, not compared" if not_compared
        else ""
    )  # fmt: skip
    _say(
        args,
        f"imported {_shown_name(args.file)}: {report.written:,} records written "
        f"({_counts(report.created)}); {same:,} already stored with the same content{unread}",
    )
    return 0


def _shown_name(path: str) -> str:
    return "stdin" if path == "-" else path


@contextlib.contextmanager
def _input_file(source: str, max_bytes: int) -> Iterator[str]:
    """The path to read ``source`` from; for ``-``, stdin copied first to a private temporary
    file (an import reads its file more than once), refused beyond ``max_bytes``.

    Raises:
        ImportSourceError: stdin holds more than ``max_bytes`` bytes (nothing is imported).
    """
    if source != "-":
        yield source
        return
    import tempfile

    from spo_tracker.errors import ImportSourceError

    with tempfile.TemporaryDirectory(prefix="spo-tracker-") as folder:
        path = os.path.join(folder, "stdin.jsonl")
        copied = 0
        with open(path, "wb") as spool:
            while chunk := sys.stdin.buffer.read(1 << 20):
                copied += len(chunk)
                if copied > max_bytes:
                    raise ImportSourceError("stdin", f"it holds more than {max_bytes:,} bytes")
                spool.write(chunk)
        yield path


def _export(args: argparse.Namespace) -> int:
    from spo_tracker.interchange import export_file, write_store

    at = _now(args)
    options = {"include_restricted": args.include_restricted, "source": args.source}
    with _open_store(args) as store:
        if args.output == "-":
            write_store(sys.stdout, store, actor=_actor(args), at=at, **options)
            return 0
        report = export_file(store, args.output, actor=_actor(args), at=at, **options)
    restricted = "included" if report.restricted else "not included"
    total = sum(report.records.values())
    _say(
        args,
        f"wrote {args.output}: {total:,} records ({_counts(report.records)}); "
        f"protected persons' restricted details {restricted}",
    )
    return 0


def _add_import(commands: argparse._SubParsersAction[_Parser]) -> None:
    command = commands.add_parser(
        "import",
        help="import an interchange file (JSON Lines): all of it, or nothing",
        description="Import a POLE-aligned interchange file (see docs/interchange.md). Every "
        "line is checked first (JSON, the JSON Schema, the domain's rules, references, "
        "duplicates, and each record against what is stored); if anything is wrong, every "
        "problem is listed on stderr as FILE:LINE: (record) field: message, nothing is "
        "imported, and the exit code is 2. Records already stored with the same content are "
        "skipped, so importing a file twice changes nothing. FILE must be a regular file "
        "(not a pipe or a device: it is read more than once) within the size limits, or - "
        "for stdin, which is first copied to a private temporary file; if the file changes "
        "while it is being imported, nothing is imported.",
    )
    command.add_argument(
        "file",
        metavar="FILE",
        help="the .jsonl file to import (- for stdin, copied to a private temporary file first)",
    )
    command.add_argument(
        "--max-bytes",
        type=_whole(1),
        default=DEFAULT_MAX_IMPORT_BYTES,
        metavar="N",
        help=f"refuse a file larger than N bytes (default: {DEFAULT_MAX_IMPORT_BYTES:,})",
    )
    command.add_argument(
        "--max-line-bytes",
        type=_whole(1),
        default=MAX_LINE_BYTES,
        metavar="N",
        help=f"report each line longer than N bytes as an error, unread "
        f"(default and most: {MAX_LINE_BYTES:,})",
    )
    command.add_argument(
        "--batch-size",
        type=_whole(1),
        default=5_000,
        metavar="N",
        help="incidents per multi-row insert, all in one transaction (default: 5,000)",
    )
    command.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="when the import happened, for the audit trail, ISO 8601 with an offset (default: "
        "now); every record in the file is imported, whatever its time",
    )
    _database_option(command)
    command.set_defaults(handler=_import)


def _add_export(commands: argparse._SubParsersAction[_Parser]) -> None:
    command = commands.add_parser(
        "export",
        help="export the database as an interchange file (JSON Lines)",
        description="Write every stored record as a POLE-aligned interchange file (see "
        "docs/interchange.md), streamed, in dependency order. Protected persons' restricted "
        "details (address, places) are left out unless --include-restricted is given, for a "
        "force-to-force transfer; reading them is then recorded in the audit trail.",
    )
    command.add_argument(
        "--output", required=True, metavar="PATH", help="the file to write (- for stdout)"
    )
    command.add_argument(
        "--include-restricted",
        action="store_true",
        help="include protected persons' restricted details (force-to-force transfer only)",
    )
    command.add_argument(
        "--source", default=None, metavar="TEXT", help="who produced the file, for the header"
    )
    command.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="the export time written in the header, ISO 8601 with an offset (default: now)",
    )
    _database_option(command)
    command.set_defaults(handler=_export)
