"""The ``spo-tracker`` command line.

Every command has ``--help``. ``--database URL`` (before or after the command)
names the database; the default is a SQLite file ``spo-tracker.sqlite`` in
the current folder. Exit code 0 is success, 2 a user error (a bad argument, a
missing or corrupt database, an unwritable output folder), 1 an unexpected
failure. Errors are one line on stderr, never a traceback (set
``SPO_TRACKER_DEBUG=1`` to see one for an unexpected failure).

This module is the composition root: the only place that reads the wall clock
(the default ``--at``) or the environment; the library takes both as
parameters.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import getpass
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NoReturn

import pendulum

from spo_tracker import __version__
from spo_tracker.errors import DatabaseBusyError, SpoTrackerError, StoreRetriesExhaustedError

if TYPE_CHECKING:  # imported lazily below, so that --help stays quick
    from spo_tracker.casework import DetectionRun, StoredRecords
    from spo_tracker.detection.alerts import Alert
    from spo_tracker.storage import Actor, Store

__all__ = ["DEFAULT_DATABASE", "main"]

#: The database used when ``--database`` is not given: a SQLite file in the current folder.
DEFAULT_DATABASE = "sqlite:///spo-tracker.sqlite"

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _database_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``--database URL``; on a command it overrides the global one only when given."""
    parser.add_argument(
        "--database",
        metavar="URL",
        default=None if top_level else argparse.SUPPRESS,
        help=f"database URL (default: {DEFAULT_DATABASE}, a SQLite file in the current folder;"
        " or postgresql+psycopg://user@host/name)",
    )


def _database(args: argparse.Namespace) -> str:
    """The database URL the user chose, or the default."""
    chosen: str | None = args.database
    return DEFAULT_DATABASE if chosen is None else chosen


def _instant(text: str) -> pendulum.DateTime:
    """An ISO 8601 instant with an offset (``2026-03-20T09:00:00+00:00`` or ``...Z``).

    Raises:
        argparse.ArgumentTypeError: not ISO 8601, or no offset (the time would be ambiguous).
    """
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset; add one, e.g. {text}+00:00 or {text}Z"
        )
    return pendulum.instance(parsed)


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def _now(args: argparse.Namespace) -> pendulum.DateTime:
    """``--at``, or the wall clock (read here, at the edge, and nowhere in the library)."""
    at: pendulum.DateTime | None = getattr(args, "at", None)
    return pendulum.now("UTC") if at is None else at


def _actor_id() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (containers)
        return "cli:unknown"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- demo ---------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from spo_tracker.demo import run_demo, summary_lines

    result = run_demo(
        args.output,
        seed=args.seed,
        scale=args.scale,
        database_url=args.database,
        progress=_progress,
    )
    print("\n".join(summary_lines(result)))
    return 0


def _add_demo(commands: argparse._SubParsersAction[_Parser]) -> None:
    from spo_tracker.demo import DEFAULT_SCALE

    demo = commands.add_parser(
        "demo",
        help="build the bundled SQLite demo, detect breaches and write the three reports",
        description="Build a SQLite database from a seeded, fictional scenario (the seed story, "
        "the lifecycle's hard cases and background volume), run breach detection, write the "
        "HTML, JSON and CSV reports and print a short summary. Deterministic for a seed and "
        "scale. With --database, builds into that (empty) database instead.",
    )
    demo.add_argument(
        "--output",
        default="spo-demo",
        metavar="DIR",
        help="folder for the database and reports (default: spo-demo; created if missing)",
    )
    demo.add_argument(
        "--scale",
        type=_whole(0),
        default=DEFAULT_SCALE,
        metavar="N",
        help=f"background volume: N x (20 defendants, 24 orders, 5,000 incidents); "
        f"0 for the scenario alone (default: {DEFAULT_SCALE})",
    )
    demo.add_argument(
        "--seed",
        type=_whole(0),
        default=0,
        metavar="S",
        help="seed of the synthetic data (default: 0)",
    )
    _database_option(demo)
    demo.set_defaults(handler=_demo)


# --- scan and report ----------------------------------------------------------------------


def _actor() -> Actor:
    from spo_tracker.storage import Actor

    return Actor(_actor_id(), "officer")


def _detection(store: Store, at: pendulum.DateTime) -> tuple[StoredRecords, DetectionRun]:
    """Load the store's records, run detection as of ``at`` and keep the alerts."""
    from spo_tracker.casework import load_records, run_detection

    records = load_records(store, actor=_actor(), at=at)
    run = run_detection(
        store,
        at=at,
        actor=_actor(),
        progress=_progress,
        records=records,
        reason="spo-tracker scan",
    )
    return records, run


def _severity_counts(alerts: Sequence[Alert]) -> str:
    from spo_tracker.detection.alerts import Severity

    counts = dict.fromkeys(sorted(Severity, reverse=True), 0)
    for alert in alerts:
        counts[alert.severity] += 1
    return ", ".join(f"{n:,} {s.value}" for s, n in counts.items() if n) or "none"


def _titles(records: StoredRecords, alerts: Sequence[Alert]) -> list[str]:
    """Alert titles as printed: scrubbed like a report's (addresses, streets, coordinates of
    the alert's and its order's protected persons), a second line of defence behind the term
    catalogue's refusal of address-like zone labels."""
    from spo_tracker.reports import Redactor

    persons = {p.person_id: p for p in records.protected_persons}
    orders = {o.order_id: o for o in records.orders}
    redactor = Redactor(persons, include_names=False)
    titles = []
    for alert in alerts:
        scope = set(alert.protected_person_ids)
        order = orders.get(alert.order_id) if alert.order_id is not None else None
        if order is not None:
            scope.update(order.protected_person_ids)
        titles.append(redactor.scrub_places(alert.title, frozenset(scope)))
    return titles


def _found_line(run: DetectionRun) -> str:
    from spo_tracker.reports import london_text

    return (
        f"{run.incidents_seen:,} incidents as of {london_text(run.at)} (London): "
        f"{len(run.alerts):,} alerts ({_severity_counts(run.alerts)}); "
        f"{len(run.unattributed):,} incidents could not be attributed."
    )


def _stored_line(run: DetectionRun) -> str:
    kept = run.stored
    return (
        f"Stored: {kept.new:,} new alerts, {kept.updated:,} updated, {kept.unchanged:,} unchanged."
    )


def _scan(args: argparse.Namespace) -> int:
    from spo_tracker.storage import connect

    with connect(_database(args)) as store:
        records, run = _detection(store, _now(args))
    print(_found_line(run))
    print(_stored_line(run))
    shown = run.alerts if args.limit == 0 else run.alerts[: args.limit]
    for alert, title in zip(shown, _titles(records, shown), strict=True):
        print(
            f"{alert.severity.value.upper():8} {alert.alert_id}  {alert.defendant_id:10} "
            f"{alert.count:>5}  {title}"
        )
    if len(shown) < len(run.alerts):
        print(
            f"... and {len(run.alerts) - len(shown):,} more (--limit 0 shows all; "
            "`spo-tracker report` writes them with their evidence)"
        )
    return 0


def _detect(args: argparse.Namespace) -> int:
    from spo_tracker.casework import run_detection
    from spo_tracker.storage import connect

    with connect(_database(args)) as store:
        run = run_detection(
            store, at=_now(args), actor=_actor(), progress=_progress, reason="spo-tracker detect"
        )
    print(_found_line(run))
    print(_stored_line(run))
    return 0


def _report(args: argparse.Namespace) -> int:
    from spo_tracker.casework import report_from_store
    from spo_tracker.reports import check_format
    from spo_tracker.storage import connect

    fmt = check_format(args.format)
    with connect(_database(args)) as store:
        written = report_from_store(
            store,
            at=_now(args),
            actor=_actor(),
            fmt=fmt,
            output=args.output,
            stored=args.stored,
            include_protected_names=args.include_protected_names,
            since=args.since,
            reason="spo-tracker report.written",
            **({} if args.title is None else {"title": args.title}),
        )
    print(f"wrote {written.path} ({fmt}, {written.alerts:,} alerts)")
    return 0


def _at_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="judge as of this ISO 8601 instant with an offset, e.g. "
        "2026-03-20T09:00:00+00:00 (default: now); incidents after it are ignored",
    )


def _add_scan(commands: argparse._SubParsersAction[_Parser]) -> None:
    scan = commands.add_parser(
        "scan",
        help="run breach detection over the stored data, keep and print the alerts",
        description="Run breach detection over every stored incident (and the dated checks: "
        "positive requirements and sign-on days, SPA2019 s.1(2)(b) and s.8(1); interim "
        "orders ending, s.5(6); renewal reviews, s.4; notification deadlines, s.9-s.11), "
        "keep the alerts in the database (by their stable id, so a second scan adds nothing) "
        "and print them, most severe first. The run is recorded in "
        "the audit trail.",
    )
    _at_option(scan)
    scan.add_argument(
        "--limit",
        type=_whole(0),
        default=20,
        metavar="N",
        help="print at most N alerts (default: 20; 0 for all)",
    )
    _database_option(scan)
    scan.set_defaults(handler=_scan)


def _add_detect(commands: argparse._SubParsersAction[_Parser]) -> None:
    detect = commands.add_parser(
        "detect",
        help="run breach detection, keep the alerts and print new / updated / unchanged",
        description="The nightly job's detection step: run every detection rule over the "
        "stored data as of --at (like scan), upsert the alerts by their stable id (each one "
        "found again replaces the stored one; a run before the latest stored run's --at is "
        "refused) and print how many are new, updated and unchanged. Running "
        "it again adds nothing and exits 0. The run is recorded in the audit trail.",
    )
    _at_option(detect)
    _database_option(detect)
    detect.set_defaults(handler=_detect)


def _add_report(commands: argparse._SubParsersAction[_Parser]) -> None:
    report = commands.add_parser(
        "report",
        help="write a breach-alert report (html, json or csv)",
        description="Run breach detection over the stored data and write a report: HTML for "
        "officers (self-contained, printable), JSON (versioned, with a JSON Schema) or CSV. "
        "Protected persons' names are redacted unless --include-protected-names is given; "
        "their addresses and all locations are never shown. The file is written atomically.",
    )
    report.add_argument(
        "--format", required=True, metavar="{html,json,csv}", help="the report format"
    )
    report.add_argument("--output", required=True, metavar="PATH", help="the file to write")
    report.add_argument(
        "--include-protected-names",
        action="store_true",
        help="show protected persons' names (internal use only)",
    )
    report.add_argument(
        "--since",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="only alerts with activity at or after this ISO 8601 instant",
    )
    report.add_argument(
        "--stored",
        action="store_true",
        help="report the alerts kept by `scan` or `demo` (those identified by --at) instead "
        "of running detection again",
    )
    report.add_argument("--title", default=None, help="the report's title")
    _at_option(report)
    _database_option(report)
    report.set_defaults(handler=_report)


# --- diagram ------------------------------------------------------------------------------


def _diagram(args: argparse.Namespace) -> int:
    from pathlib import Path

    from spo_tracker.domain.lifecycles.diagrams import lifecycles_markdown

    path = Path(args.output)
    path.write_text(lifecycles_markdown(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _add_diagram(commands: argparse._SubParsersAction[_Parser]) -> None:
    diagram = commands.add_parser(
        "diagram",
        help="write the lifecycle diagrams (Mermaid) and tables to the docs",
        description="Render every lifecycle table (application, interim order, full order, "
        "notification duty, breach review) as a Mermaid state diagram and a table of "
        "transitions with their sections and guards, into one Markdown page.",
    )
    diagram.add_argument(
        "--output",
        default="docs/lifecycles.md",
        metavar="PATH",
        help="the Markdown file to write (default: docs/lifecycles.md)",
    )
    diagram.set_defaults(handler=_diagram)


# --- db and audit (storage) ---------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace) -> int:
    from spo_tracker.storage import display_url, upgrade

    url = _database(args)
    revision = upgrade(url)
    print(f"{display_url(url)} is at schema revision {revision}")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from spo_tracker.storage import connect, verify

    with connect(_database(args)) as store:
        report = verify(store)
    if report.ok:
        print(report.describe())
        return 0
    print(f"spo-tracker: {report.describe()}", file=sys.stderr)
    return 3


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
        "Safe to run again: an up-to-date database is left as it is.",
    )
    _database_option(up)
    up.set_defaults(handler=_db_upgrade)


def _add_audit(commands: argparse._SubParsersAction[_Parser]) -> None:
    audit = commands.add_parser("audit", help="check the audit trail")
    actions = audit.add_subparsers(
        dest="audit_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    check = actions.add_parser(
        "verify",
        help="check the audit trail's hash chain; exit code 3 if it is broken",
        description="Re-hash every audit entry and check each link to the one before and the "
        "head record. Prints the entry count and the head hash (record it elsewhere to anchor "
        "the trail). If an entry was altered, deleted or inserted, names the first bad entry "
        "on stderr and exits with code 3.",
    )
    _database_option(check)
    check.set_defaults(handler=_audit_verify)


# --- import and export (interchange) ------------------------------------------------------


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n:,} {kind}" for kind, n in counts.items()) or "none"


def _import(args: argparse.Namespace) -> int:
    from spo_tracker.errors import ImportValidationError
    from spo_tracker.interchange import import_file
    from spo_tracker.storage import connect

    at = _now(args)
    with connect(_database(args)) as store:
        try:
            report = import_file(
                store, args.file, actor=_actor(), at=at, batch_size=args.batch_size
            )
        except ImportValidationError as error:
            for issue in error.errors:  # every problem, compiler-style: file:line: field: why
                where = f"{args.file}:{issue.line}"
                record = f" ({issue.record})" if issue.record else ""
                field = f" {issue.field}:" if issue.field else ""
                print(f"{where}:{record}{field} {issue.message}", file=sys.stderr)
            raise
    unchanged = sum(report.unchanged.values())
    print(
        f"imported {args.file}: {report.written:,} records written ({_counts(report.created)}); "
        f"{unchanged:,} already stored with the same content"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from spo_tracker.interchange import export_file, write_store
    from spo_tracker.storage import connect

    at = _now(args)
    options = {"include_restricted": args.include_restricted, "source": args.source}
    with connect(_database(args)) as store:
        if args.output == "-":
            write_store(sys.stdout, store, actor=_actor(), at=at, **options)
            return 0
        report = export_file(store, args.output, actor=_actor(), at=at, **options)
    restricted = "included" if report.restricted else "not included"
    total = sum(report.records.values())
    print(
        f"wrote {args.output}: {total:,} records ({_counts(report.records)}); "
        f"protected persons' restricted details {restricted}"
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
        "skipped, so importing a file twice changes nothing.",
    )
    command.add_argument("file", metavar="FILE", help="the .jsonl file to import")
    command.add_argument(
        "--batch-size",
        type=_whole(1),
        default=5_000,
        metavar="N",
        help="incidents per multi-row insert, all in one transaction (default: 5,000)",
    )
    _at_option(command)
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


# --- the parser ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spo-tracker",
        description="Track Stalking Protection Orders and flag suspected breaches for review.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _database_option(parser, top_level=True)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    _add_demo(commands)
    _add_scan(commands)
    _add_detect(commands)
    _add_report(commands)
    _add_diagram(commands)
    _add_db(commands)
    _add_audit(commands)
    _add_import(commands)
    _add_export(commands)
    return parser


#: The exit code when the database stayed busy (locks, deadlocks, concurrent writers) and
#: the command can be repeated as it is (``EX_TEMPFAIL`` of sysexits.h).
EXIT_TRY_AGAIN = 75


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 done, 2 bad input or a refusal,
    3 a broken audit chain, 75 the database stayed busy: run it again, 1 unexpected)."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (StoreRetriesExhaustedError, DatabaseBusyError) as error:
        # Not the user's doing: other writers held the database; the same command can be
        # run again safely (EX_TEMPFAIL, so a scheduler can tell it from bad input).
        print(f"spo-tracker: error: {error} (temporary: run it again)", file=sys.stderr)
        return EXIT_TRY_AGAIN
    except SpoTrackerError as error:
        print(f"spo-tracker: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"spo-tracker: error: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("spo-tracker: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last resort: one line, not a traceback
        if os.environ.get("SPO_TRACKER_DEBUG"):
            raise
        print(
            f"spo-tracker: unexpected error: {type(error).__name__}: {error} "
            "(set SPO_TRACKER_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
