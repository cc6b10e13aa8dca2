"""The ``spo-tracker`` command line.

Every command has ``--help``. ``--database URL`` (before or after the command)
names the database, else ``$SPO_TRACKER_DATABASE_URL``, else a SQLite file
``spo-tracker.sqlite`` in the current folder; a value without ``scheme://`` is
a SQLite file path. ``-`` is stdin or stdout for every file that can be
streamed (``report --output -``, ``export --output -``, ``import -``,
``diagram``) and refused where a named file is needed; a closed stdout pipe
ends quietly with exit code 0; ``--quiet`` leaves only the output asked for.
Building the parser imports nothing heavy, so ``--help`` stays quick.

Exit code 0 is success, 2 a user error (a bad argument, a missing driver, a
missing or corrupt database, an unwritable output folder, an output path that
is the database itself, an import file that is not a regular file or is over the
size limits), 1 an unexpected failure, 130 interrupted (Ctrl-C, at any moment).
Errors are one line on stderr, never a traceback (set ``SPO_TRACKER_DEBUG=1`` to
see one for an unexpected failure); a password in a database URL is shown as
``***`` in every message.

This module is the composition root: the only place that reads the wall clock
(the default ``--at``) or the environment; the library takes both as
parameters.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import getpass
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Final, NoReturn

from spo_tracker.errors import (
    DatabaseBusyError,
    PermissionDeniedError,
    SpoTrackerError,
    StoreRetriesExhaustedError,
)

if TYPE_CHECKING:  # imported lazily below, so that --help stays quick
    import pendulum

    from spo_tracker.casework import AlertEntry, DetectionRun
    from spo_tracker.detection.alerts import Alert
    from spo_tracker.domain.lifecycles import BreachReview
    from spo_tracker.domain.pseudonyms import Pseudonymiser
    from spo_tracker.storage import Actor, SqlStore, Store

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_MAX_IMPORT_BYTES",
    "DEFAULT_SCALE",
    "EARLIEST_AT",
    "LATEST_AT",
    "MAX_LINE_BYTES",
    "main",
]

#: The database used when neither ``--database`` nor :data:`DATABASE_ENV` is given: a SQLite
#: file in the current folder.
DEFAULT_DATABASE = "sqlite:///spo-tracker.sqlite"
#: The environment variable naming the database when ``--database`` is not given.
DATABASE_ENV: Final = "SPO_TRACKER_DATABASE_URL"
#: The environment variable naming the acting role when ``--role`` is not given.
ROLE_ENV: Final = "SPO_TRACKER_ROLE"
#: The environment variable stating the purpose when ``--purpose`` is not given.
PURPOSE_ENV: Final = "SPO_TRACKER_PURPOSE"
#: The role the command line acts in by default (the least privileged for daily casework).
DEFAULT_ROLE: Final = "officer"
#: The exit code of a refusal by the permission table (``EX_NOPERM`` of sysexits.h).
EXIT_NO_PERMISSION: Final = 77
#: The database drivers an extra installs: module name to extra.
_DRIVER_EXTRAS: Final = {"psycopg": "postgres", "psycopg_binary": "postgres"}

Handler = Callable[[argparse.Namespace], int]

# The parser's defaults, copied here so that building it (for --help) imports neither the demo
# nor the interchange package and with them SQLAlchemy; tests/cli/test_conventions.py checks
# each equals the library's own constant.
#: :data:`spo_tracker.demo.DEFAULT_SCALE`.
DEFAULT_SCALE: Final = 10
#: :data:`spo_tracker.interchange.DEFAULT_MAX_IMPORT_BYTES`.
DEFAULT_MAX_IMPORT_BYTES: Final = 8 * 1024**3
#: :data:`spo_tracker.interchange.MAX_LINE_BYTES`.
MAX_LINE_BYTES: Final = 1_048_576


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
        help=f"database URL, e.g. postgresql+psycopg://user@host/name, or a SQLite file path "
        f"(default: ${DATABASE_ENV}, else {DEFAULT_DATABASE}, a file in the current folder)",
    )


def _database(args: argparse.Namespace) -> str:
    """The database URL: ``--database``, else ``$SPO_TRACKER_DATABASE_URL``, else the default;
    a plain file path (no ``scheme://``) names a SQLite file."""
    chosen: str | None = getattr(args, "database", None)
    if chosen is None:
        chosen = os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    return _as_url(chosen)


def _as_url(text: str) -> str:
    """``text`` if it is a URL, else the SQLite URL of the file path ``text``.

    Raises:
        InvalidDatabaseUrlError: ``text`` is empty.
    """
    if "://" in text:
        return text
    if not text.strip():
        from spo_tracker.errors import InvalidDatabaseUrlError

        raise InvalidDatabaseUrlError(text, "empty; give a URL or a SQLite file path")
    return f"sqlite:///{text}"


#: The instants ``--at`` and ``--since`` accept: wide enough for any order's history and
#: its future reviews, far from the calendar's ends (years 1 and 9999, where the dates
#: detection computes do not exist), and not so far ahead that the dated checks (a
#: sign-on missed each week) run for centuries: a scan as of 2999 takes gigabytes.
EARLIEST_AT: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
LATEST_AT: Final = _dt.datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=_dt.UTC)
_RANGE: Final = "1970-01-01T00:00:00Z to 2100-12-31T23:59:59Z"
_LONG_YEAR: Final = re.compile(r"\s*[+-]?\d{5,}-")


def _instant(text: str) -> pendulum.DateTime:
    """An ISO 8601 instant with an offset (``2026-03-20T09:00:00+00:00`` or ``...Z``).

    Raises:
        argparse.ArgumentTypeError: not ISO 8601, no offset (the time would be ambiguous),
            or outside :data:`EARLIEST_AT` to :data:`LATEST_AT`.
    """
    if _LONG_YEAR.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is outside the supported range ({_RANGE})")
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset; add one, e.g. {_offset_hint(parsed)}"
        )
    try:
        utc = parsed.astimezone(_dt.UTC)
    except (OverflowError, ValueError):  # year 1 ahead of UTC, or year 9999 behind it
        utc = None
    if utc is None or not EARLIEST_AT <= utc <= LATEST_AT:
        raise argparse.ArgumentTypeError(f"{text!r} is outside the supported range ({_RANGE})")
    import pendulum

    return pendulum.instance(utc)


def _offset_hint(parsed: _dt.datetime) -> str:
    """Two spellings of ``parsed`` with an offset that :func:`_instant` accepts (a bare date
    gets its midnight, since ``2026-03-20Z`` is not ISO 8601)."""
    stem = parsed.isoformat()
    return f"{stem}+00:00 or {stem}Z"


def _named_file(text: str) -> str:
    """A file path for an option that cannot use stdin or stdout (a folder, a key file, a
    checkpoint read or written more than once, or a secret that must not reach a terminal).

    Raises:
        argparse.ArgumentTypeError: ``text`` is ``-``.
    """
    if text == "-":
        raise argparse.ArgumentTypeError("'-' (stdin or stdout) is not accepted here; name a file")
    return text


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
    import pendulum

    at: pendulum.DateTime | None = getattr(args, "at", None)
    return pendulum.now("UTC") if at is None else at


def _actor_id() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (containers)
        return "cli:unknown"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress_of(args: argparse.Namespace) -> Callable[[str], None]:
    """Where a command's progress lines go: stderr (through the run's heartbeat, which then
    stays quiet), or nowhere with ``--quiet``."""
    if _quiet(args):
        return _silent
    heartbeat: _Heartbeat | None = getattr(args, "heartbeat", None)
    return _progress if heartbeat is None else heartbeat.say


def _silent(message: str) -> None:
    """A progress sink that says nothing (``--quiet``)."""


def _quiet(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "quiet", False))


def _say(args: argparse.Namespace, line: str) -> None:
    """A command's summary line on stdout ("wrote ...", counts), left out with ``--quiet``."""
    if not _quiet(args):
        print(line)


class _Heartbeat:
    """Progress lines, plus one of its own whenever a command has said nothing for ``every``
    seconds (the first after ``after``), so that no run longer than about a second is silent
    (reading stored alerts, writing a large report)."""

    def __init__(
        self, write: Callable[[str], None], *, after: float = 1.0, every: float = 5.0
    ) -> None:
        import threading
        import time

        self._write, self._after, self._every = write, after, every
        self._clock = time.monotonic
        self._start = self._last = self._clock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="spo-tracker-heartbeat")
        self._thread.daemon = True

    def say(self, line: str) -> None:
        """Write a progress line (and put off the next heartbeat)."""
        self._last = self._clock()
        self._write(line)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        wait = self._after
        while not self._stop.wait(wait):
            silent = self._clock() - self._last
            limit = self._after if self._last == self._start else self._every
            if silent >= limit:
                elapsed = self._clock() - self._start
                self.say(f"spo-tracker: still working ({elapsed:,.0f} s)")
                wait = self._every
            else:
                wait = limit - silent


# --- demo ---------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from spo_tracker.demo import run_demo, summary_lines

    result = run_demo(
        args.output,
        seed=args.seed,
        scale=args.scale,
        database_url=None if args.database is None else _database(args),
        progress=_progress_of(args),
    )
    _say(args, "\n".join(summary_lines(result)))
    return 0


def _add_demo(commands: argparse._SubParsersAction[_Parser]) -> None:
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
        type=_named_file,
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


def _actor(args: argparse.Namespace) -> Actor:
    """Who the command acts as: ``cli:<user>`` in the role and with the purpose given."""
    from spo_tracker.storage import Actor

    role = getattr(args, "role", None) or os.environ.get(ROLE_ENV) or DEFAULT_ROLE
    purpose = getattr(args, "purpose", None) or os.environ.get(PURPOSE_ENV) or None
    return Actor(_actor_id(), role, purpose)


def _pseudonyms() -> Pseudonymiser | None:
    """The force's pseudonymiser, from the key file ``$SPO_TRACKER_PSEUDONYM_KEY_FILE`` names
    (``None`` if unset: an analyst's report or case file is then refused)."""
    from spo_tracker.domain.pseudonyms import KEY_FILE_ENV, Pseudonymiser

    path = os.environ.get(KEY_FILE_ENV)
    return None if not path else Pseudonymiser.from_file(path)


def _require(args: argparse.Namespace, action: str) -> None:
    """Refuse an administrative command the role may not run (its library function takes
    no actor, so this refusal is not in the audit trail)."""
    from spo_tracker.domain.permissions import check

    actor = _actor(args)
    check(actor.role, action, purpose=actor.purpose)


def _detection(
    args: argparse.Namespace, store: Store, at: pendulum.DateTime
) -> tuple[DetectionRun, Callable[[Sequence[Alert]], list[str]]]:
    """Run detection as of ``at``, keep the alerts; and a source of their scrubbed titles."""
    from spo_tracker.casework import run_detection

    run = run_detection(
        store,
        at=at,
        actor=_actor(args),
        progress=_progress_of(args),
        reason="spo-tracker scan",
        full=True,  # scan lists every alert, so it judges every incident
    )
    return run, lambda alerts: _titles(args, store, at, alerts)


def _severity_counts(alerts: Sequence[Alert]) -> str:
    from spo_tracker.detection.alerts import Severity

    counts = dict.fromkeys(sorted(Severity, reverse=True), 0)
    for alert in alerts:
        counts[alert.severity] += 1
    return ", ".join(f"{n:,} {s.value}" for s, n in counts.items() if n) or "none"


def _titles(
    args: argparse.Namespace, store: Store, at: pendulum.DateTime, alerts: Sequence[Alert]
) -> list[str]:
    """Alert titles as printed: scrubbed like a report's (addresses, streets, coordinates of
    the alert's and its order's protected persons), a second line of defence behind the term
    catalogue's refusal of address-like zone labels."""
    from spo_tracker.casework import alert_titles

    return list(alert_titles(store, alerts, actor=_actor(args), at=at)) if alerts else []


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

    at = _now(args)
    with _open_store(args) as store:
        run, titled = _detection(args, store, at)
        alerts = [a for a in run.alerts if args.since is None or a.identified_at >= args.since]
        limit = args.limit if args.limit is not None else (20 if args.format == "table" else 0)
        shown = alerts if limit == 0 else alerts[:limit]
        titles = titled(shown)
    if args.format == "json":
        _scan_json(run, alerts, shown, titles)
        return 0
    _say(args, _found_line(run))
    _say(args, _stored_line(run))
    _scan_table(shown, titles)
    if len(shown) < len(alerts):
        _say(
            args,
            f"... and {len(alerts) - len(shown):,} more (--limit 0 shows all; "
            "`spo-tracker report` writes them with their evidence)",
        )
    return 0


def _scan_table(alerts: Sequence[Alert], titles: Sequence[str]) -> None:
    from spo_tracker.reports import london_text

    for alert, title in zip(alerts, titles, strict=True):
        print(
            f"{alert.severity.value.upper():8} {alert.alert_id}  {london_text(alert.when):25} "
            f"{alert.defendant_id:10} {alert.count:>5}  {title}"
        )


def _scan_json(
    run: DetectionRun, alerts: Sequence[Alert], shown: Sequence[Alert], titles: Sequence[str]
) -> None:
    """The scan as one JSON object: the run's figures and the alerts shown, with London and
    UTC times in whole seconds."""
    import json

    kept = run.stored
    document = {
        "at_utc": _utc_iso(run.at),
        "at_london": _london_iso(run.at),
        "incidents_seen": run.incidents_seen,
        "unattributed": len(run.unattributed),
        "stored": {"new": kept.new, "updated": kept.updated, "unchanged": kept.unchanged},
        "alerts_found": len(run.alerts),
        "alerts_matching": len(alerts),
        "alerts": [_scan_row(alert, title) for alert, title in zip(shown, titles, strict=True)],
    }
    print(json.dumps(document, indent=2, ensure_ascii=False))


def _scan_row(alert: Alert, title: str) -> dict[str, object]:
    return {
        "alert_id": alert.alert_id,
        "severity": alert.severity.value,
        "kind": alert.kind.value,
        "when_utc": _utc_iso(alert.when),
        "when_london": _london_iso(alert.when),
        "identified_utc": _utc_iso(alert.identified_at),
        "identified_london": _london_iso(alert.identified_at),
        "defendant_id": alert.defendant_id,
        "order_id": alert.order_id,
        "count": alert.count,
        "title": title,
    }


def _detect(args: argparse.Namespace) -> int:
    from spo_tracker.casework import run_detection

    with _open_store(args) as store:
        run = run_detection(
            store,
            at=_now(args),
            actor=_actor(args),
            progress=_progress_of(args),
            reason="spo-tracker detect",
            full=args.full,
        )
    _say(args, _mode_line(run))
    _say(args, _found_line(run))
    _say(args, _stored_line(run))
    return 0


def _mode_line(run: DetectionRun) -> str:
    if run.full_reason is None:
        return f"Run: incremental, {run.new_incidents or 0:,} incidents new since the last run."
    return f"Run: full ({run.full_reason})."


def _report(args: argparse.Namespace) -> int:
    from spo_tracker.casework import report_from_store
    from spo_tracker.reports import check_format

    fmt = check_format(args.format)
    progress = _progress_of(args)
    source = "the stored alerts" if args.stored else "detection over the stored data"
    with (
        _output_file(args.output, f"stdout.{fmt}") as path,
        _open_store(args) as store,
    ):
        progress(f"report: {source}, written as {fmt}")
        written = report_from_store(
            store,
            at=_now(args),
            actor=_actor(args),
            fmt=fmt,
            output=path,
            stored=args.stored,
            include_protected_names=args.include_protected_names,
            since=args.since,
            history=args.all,
            reason="spo-tracker report.written",
            pseudonyms=_pseudonyms(),
            **({} if args.title is None else {"title": args.title}),
        )
    if args.output == "-":
        progress(f"wrote the {fmt} report to stdout ({written.alerts:,} alerts)")
    else:
        _say(args, f"wrote {written.path} ({fmt}, {written.alerts:,} alerts)")
    return 0


@contextlib.contextmanager
def _output_file(output: str, name: str) -> Iterator[str]:
    """The path to write ``output`` at; for ``-``, a private temporary file called ``name``
    (the name the audit trail records) that is copied to stdout once it is complete (so a
    failed run writes nothing) and then removed."""
    if output != "-":
        yield output
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="spo-tracker-") as folder:
        path = os.path.join(folder, name)
        yield path
        sys.stdout.flush()
        with open(path, "rb") as written:
            shutil.copyfileobj(written, sys.stdout.buffer)
        sys.stdout.buffer.flush()


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
        "and print them, most severe first, with their date in London time. The run is "
        "recorded in the audit trail.",
    )
    _at_option(scan)
    scan.add_argument(
        "--since",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="print only the alerts identified at or after this ISO 8601 instant (detection "
        "still runs over every incident and keeps every alert; default: all)",
    )
    scan.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table (default), or json: one object with the run's figures and the alerts, "
        "London and UTC times in whole seconds",
    )
    scan.add_argument(
        "--limit",
        type=_whole(0),
        default=None,
        metavar="N",
        help="print at most N alerts (default: 20 for a table, all for json; 0 for all)",
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
        "it again adds nothing and exits 0. The run is recorded in the audit trail. A run "
        "is incremental when it can be: it reads the incidents recorded since the last run "
        "and every incident of the defendants they belong to; it is full after a change to "
        "an order, defendant or protected person, or with --full. The first line says which.",
    )
    detect.add_argument(
        "--full",
        action="store_true",
        help="read every incident, even if an incremental run would do",
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
        "By default the report holds the open alerts (not yet decided by a review) identified "
        "in the 28 days before --at, or since --since; --all reports every alert, decided or "
        "not, over the whole history. "
        "Protected persons' names are redacted unless --include-protected-names is given; "
        "their addresses and all locations are never shown. The file is written atomically.",
    )
    report.add_argument(
        "--format", required=True, metavar="{html,json,csv}", help="the report format"
    )
    report.add_argument(
        "--output", required=True, metavar="PATH", help="the file to write (- for stdout)"
    )
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
        help="the open alerts identified at or after this ISO 8601 instant (default: 28 days "
        "before --at); with --all, only alerts with activity at or after it",
    )
    report.add_argument(
        "--all",
        action="store_true",
        help="every alert, decided ones too, over the whole history",
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


# --- alerts and cases (the officer's queue) -----------------------------------------------

_ALERT_COLUMNS = (
    "alert_id",
    "severity",
    "kind",
    "status",
    "when_london",
    "when_utc",
    "identified_london",
    "identified_utc",
    "defendant_id",
    "order_id",
    "assignee",
    "officer",
    "unit",
    "force",
    "revision",
    "title",
)


def _london_iso(at: _dt.datetime | None) -> str:
    """An instant as ISO 8601 London local time with its offset, whole seconds."""
    if at is None:
        return ""
    import pendulum

    return pendulum.instance(at).in_timezone("Europe/London").replace(microsecond=0).isoformat()


def _utc_iso(at: _dt.datetime) -> str:
    import pendulum

    return pendulum.instance(at).in_timezone("UTC").replace(microsecond=0).isoformat()


def _alert_row(entry: AlertEntry, title: str) -> dict[str, object]:
    alert, review, owner = entry.alert, entry.review, entry.owner
    return {
        "alert_id": alert.alert_id,
        "severity": alert.severity.value,
        "kind": alert.kind.value,
        "status": entry.status.value,
        "when_london": _london_iso(alert.when),
        "when_utc": _utc_iso(alert.when),
        "identified_london": _london_iso(alert.identified_at),
        "identified_utc": _utc_iso(alert.identified_at),
        "defendant_id": alert.defendant_id,
        "order_id": alert.order_id or "",
        "assignee": (review.assignee if review is not None else None) or "",
        "officer": owner.officer if owner is not None else "",
        "unit": owner.unit if owner is not None else "",
        "force": owner.force if owner is not None else "",
        "revision": entry.revision,
        "title": title,
    }


def _alerts_list(args: argparse.Namespace) -> int:
    import csv
    import json

    from spo_tracker.casework import list_alerts
    from spo_tracker.reports import london_text

    at = _now(args)
    filters = {k: getattr(args, k) for k in ("officer", "unit", "force", "defendant", "since")}
    with _open_store(args) as store:
        entries = list_alerts(
            store, actor=_actor(args), at=at, status=args.status, severity=args.severity,
            kind=args.kind, until=args.until, **filters,
        )  # fmt: skip
        titles = _titles(args, store, at, [e.alert for e in entries])
    rows = [_alert_row(e, t) for e, t in zip(entries, titles, strict=True)]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=_ALERT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        print(f"{len(rows):,} alerts ({args.status}) as of {london_text(at)} (London)")
        for e, row in zip(entries, rows, strict=True):
            print(
                f"{e.alert.severity.value.upper():8} {e.alert.alert_id}  "
                f"{london_text(e.alert.when):25} {e.alert.defendant_id:10} "
                f"{e.status.value:18} {row['assignee'] or '-':10} {row['title']}"
            )
    return 0


def _alerts_show(args: argparse.Namespace) -> int:
    from spo_tracker.casework import alert_detail
    from spo_tracker.reports import london_text

    at = _now(args)
    with _open_store(args) as store:
        detail = alert_detail(store, args.alert_id, actor=_actor(args), at=at)
        title = _titles(args, store, at, [detail.entry.alert])[0]
    entry = detail.entry
    alert, owner, chain = entry.alert, entry.owner, entry.timeliness

    def when(instant: _dt.datetime | None) -> str:
        return "-" if instant is None else f"{london_text(instant)} (London)"

    lines = [
        f"{alert.alert_id}  {alert.severity.value.upper()} {alert.kind.value}  {alert.section}",
        f"  {title}",
        f"  defendant {alert.defendant_id}, order {alert.order_id or '-'}, "
        f"term {alert.term_code or '-'}",
        f"  status {entry.status.value} (revision {entry.revision})",
        "  case: "
        + ("not assigned" if owner is None else f"{owner.officer}, {owner.unit}, {owner.force}"),
        f"  breach time  {when(chain.breach_time)}",
        f"  identified   {when(chain.identified_at)}",
        f"  assigned     {when(chain.assigned_at)}",
        f"  first action {when(chain.first_action_at)}",
        f"  decided      {when(chain.decided_at)}",
    ]
    for review in detail.rounds:
        lines.append(_round_line(review, london_text))
    lines.append(f"  evidence: {len(detail.evidence):,} incidents")
    for item in detail.evidence:
        incident = item.incident
        platform = f" {incident.platform.value}" if incident.platform is not None else ""
        lines.append(
            f"    {incident.incident_id}  {london_text(incident.occurred_at)} (London)  "
            f"{incident.kind.value}{platform}: {item.attribution}"
        )
    print("\n".join(lines))
    return 0


def _round_line(review: BreachReview, london: Callable[[_dt.datetime], str]) -> str:
    decided = ""
    if review.decided and review.decided_at is not None:
        why = review.dismissal_reason.value if review.dismissal_reason is not None else ""
        decided = f"; decided by {review.decided_by} {london(review.decided_at)} {why}".rstrip()
        if review.note:
            decided += f": {review.note}"
    reopens = f" (re-opens {review.reopens})" if review.reopens else ""
    assignee = f", assigned to {review.assignee}" if review.assignee else ""
    return f"  review round {review.round}{reopens}: {review.state.value}{assignee}{decided}"


def _entry_line(entry: AlertEntry) -> str:
    review = entry.review
    assignee = f", assigned to {review.assignee}" if review and review.assignee else ""
    return f"{entry.alert.alert_id}: {entry.status.value}{assignee} (revision {entry.revision})"


def _alerts_assign(args: argparse.Namespace) -> int:
    from spo_tracker.casework import assign_alert

    with _open_store(args) as store:
        entry = assign_alert(
            store, args.alert_id, to=args.to, at=_now(args), actor=_actor(args),
            expected_revision=args.expect_revision,
        )  # fmt: skip
    _say(args, _entry_line(entry))
    return 0


def _alerts_review(args: argparse.Namespace) -> int:
    from spo_tracker.casework import review_alert

    with _open_store(args) as store:
        entry = review_alert(
            store, args.alert_id, outcome=args.outcome, reason=args.reason,
            duplicate_of=args.duplicate_of, referral_reference=args.reference, at=_now(args),
            actor=_actor(args), expected_revision=args.expect_revision,
        )  # fmt: skip
    _say(args, _entry_line(entry))
    return 0


def _case_assign(args: argparse.Namespace) -> int:
    from spo_tracker.casework import assign_case

    with _open_store(args) as store:
        owner = assign_case(
            store, args.order_id, officer=args.officer, unit=args.unit, force=args.force,
            at=_now(args), actor=_actor(args),
        )  # fmt: skip
    _say(
        args,
        f"{owner.order_id}: officer in the case {owner.officer}, {owner.unit}, {owner.force} "
        f"(revision {owner.revision})",
    )
    return 0


def _case_file(args: argparse.Namespace) -> int:
    from spo_tracker.casework import write_case_file
    from spo_tracker.errors import OutputWriteError
    from spo_tracker.reports import check_format

    fmt = check_format(args.format)
    if args.output == "-":  # a case file is written to a private file and audited, never piped
        raise OutputWriteError("-", "a case file is not written to standard output; give a file")
    with _open_store(args) as store:
        written = write_case_file(
            store, args.defendant_id, at=_now(args), actor=_actor(args), fmt=fmt,
            output=args.output, include_protected_names=args.include_protected_names,
            reason="spo-tracker case file",
            pseudonyms=_pseudonyms(),
        )  # fmt: skip
    _say(args, f"wrote {written.path} ({fmt}, case file of {written.defendant_id}, "
         f"{written.incidents:,} evidence incidents)")  # fmt: skip
    return 0


def _add_case_file(actions: argparse._SubParsersAction[_Parser]) -> None:
    command = actions.add_parser(
        "file",
        help="write one defendant's case file (html, json or csv)",
        description="One defendant's case file: one time axis with each order's life (made, "
        "served, each version and what changed, appeals, end), the notification duty's "
        "history, incidents per day and the alerts with their review outcomes; the terms in "
        "force at each point; the evidence schedule (incident, London time, source, how it "
        "was attributed). csv is the evidence schedule alone, for a prosecution file. "
        "Protected persons' names are redacted unless --include-protected-names is given; "
        "their addresses and all locations are never shown. Written atomically, owner-only, "
        "and noted in the audit trail.",
    )
    command.add_argument("defendant_id", metavar="DEFENDANT")
    command.add_argument("--format", required=True, choices=("html", "json", "csv"))
    command.add_argument("--output", required=True, metavar="PATH", help="the file to write")
    command.add_argument(
        "--include-protected-names",
        action="store_true",
        help="show protected persons' names (internal use only)",
    )
    command.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="as of this ISO 8601 instant with an offset (default: now): orders made and "
        "alerts identified by then",
    )
    _database_option(command)
    command.set_defaults(handler=_case_file)


def _when_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="when it was done, ISO 8601 with an offset (default: now)",
    )


def _expect_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expect-revision",
        type=_whole(0),
        default=None,
        metavar="N",
        help="the revision you saw in `alerts list` or `alerts show` (0 for a new alert); "
        "refused if someone else acted on the alert since",
    )


def _add_alerts_list(actions: argparse._SubParsersAction[_Parser]) -> None:
    listing = actions.add_parser(
        "list",
        help="list alerts, most severe first, then earliest (open ones by default)",
        description="The officer's queue: the stored alerts (kept by scan or detect), most "
        "severe first, then earliest, with a date column in London time. Filters combine; "
        "officer, unit and force are the case owner's (`spo-tracker case assign`).",
    )
    listing.add_argument(
        "--status",
        default="open",
        help="open (default: not decided), decided, all, new, assigned, under_review, "
        "confirmed_referred, warning_given or dismissed",
    )
    for name in ("officer", "unit", "force", "defendant"):
        listing.add_argument(f"--{name}", default=None, help=f"only this {name}'s alerts")
    listing.add_argument("--severity", action="append", default=None, help="e.g. high (repeat)")
    listing.add_argument("--kind", action="append", default=None, help="e.g. breach (repeat)")
    listing.add_argument(
        "--since", type=_instant, default=None, metavar="WHEN", help="identified at or after"
    )
    listing.add_argument(
        "--until", type=_instant, default=None, metavar="WHEN", help="identified before"
    )
    listing.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="(default: table)"
    )
    _at_option(listing)
    _database_option(listing)
    listing.set_defaults(handler=_alerts_list)


def _add_alerts(commands: argparse._SubParsersAction[_Parser]) -> None:
    alerts = commands.add_parser("alerts", help="work through the stored alerts")
    actions = alerts.add_subparsers(
        dest="alerts_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    _add_alerts_list(actions)
    show = actions.add_parser(
        "show",
        help="one alert: its review, timeliness and evidence with London times",
        description="One alert with its review rounds, the timeliness chain (breach time, "
        "identified, assigned, first action, decision) and each evidence incident with its "
        "London time and how it was attributed to the defendant.",
    )
    show.add_argument("alert_id", metavar="ID")
    assign = actions.add_parser(
        "assign",
        help="assign an alert to an officer",
        description="Assign (or re-assign) an alert's review to a named officer; audited.",
    )
    assign.add_argument("alert_id", metavar="ID")
    assign.add_argument("--to", required=True, metavar="OFFICER", help="the officer")
    review = actions.add_parser(
        "review",
        help="record the outcome of an alert's review",
        description="Record a person's decision (SPA2019 s.8(1): software only flags): "
        "referred (for a charging decision), warning (or words of advice), "
        "no_further_action and not_a_breach (each with --reason), duplicate "
        "(with --duplicate-of). Audited; a decided alert leaves the default report.",
    )
    review.add_argument("alert_id", metavar="ID")
    review.add_argument(
        "--outcome",
        required=True,
        help="referred, warning, no_further_action, not_a_breach or duplicate",
    )
    review.add_argument("--reason", default="", help="why (required for some outcomes)")
    review.add_argument("--duplicate-of", default=None, metavar="ID", help="for duplicate")
    review.add_argument("--reference", default=None, help="the crime or case reference")
    show.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="when this read is recorded in the audit trail, ISO 8601 with an offset "
        "(default: now); the alert is shown as stored, every review round and evidence "
        "incident included, whatever the time",
    )
    for action in (assign, review):
        _expect_option(action)
        _when_option(action)
    for action in (show, assign, review):
        _database_option(action)
    show.set_defaults(handler=_alerts_show)
    assign.set_defaults(handler=_alerts_assign)
    review.set_defaults(handler=_alerts_review)


def _add_case(commands: argparse._SubParsersAction[_Parser]) -> None:
    case = commands.add_parser("case", help="manage an order's case; write a case file")
    actions = case.add_subparsers(
        dest="case_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    assign = actions.add_parser(
        "assign",
        help="record the officer in the case, managing unit and force of an order",
        description="Record (or change) who manages an order's case; audited. `alerts list "
        "--officer/--unit/--force` filter by it.",
    )
    assign.add_argument("order_id", metavar="ORDER")
    assign.add_argument("--officer", required=True, help="the officer in the case")
    assign.add_argument("--unit", required=True, help="the managing unit")
    assign.add_argument("--force", required=True, help="the force")
    _when_option(assign)
    _database_option(assign)
    assign.set_defaults(handler=_case_assign)
    _add_case_file(actions)


# --- diagram ------------------------------------------------------------------------------


def _diagram(args: argparse.Namespace) -> int:
    from pathlib import Path

    from spo_tracker.domain.lifecycles.diagrams import lifecycles_markdown

    page = lifecycles_markdown()
    if args.output == "-":
        sys.stdout.write(page)
        return 0
    path = Path(args.output)
    path.write_text(page, encoding="utf-8")
    _say(args, f"wrote {path}")
    return 0


def _add_diagram(commands: argparse._SubParsersAction[_Parser]) -> None:
    diagram = commands.add_parser(
        "diagram",
        help="print the lifecycle diagrams (Mermaid) and tables, or write them to a file",
        description="Render every lifecycle table (application, interim order, full order, "
        "notification duty, breach review) as a Mermaid state diagram and a table of "
        "transitions with their sections and guards, into one Markdown page, on stdout or "
        "in a file (the docs' page: --output docs/lifecycles.md).",
    )
    diagram.add_argument(
        "--output",
        default="-",
        metavar="PATH",
        help="the Markdown file to write (default: -, stdout)",
    )
    diagram.set_defaults(handler=_diagram)


# --- db and audit (storage) ---------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace) -> int:
    _require(args, "db.upgrade")
    from spo_tracker.storage import display_url, upgrade

    url = _database(args)
    revision = upgrade(url, audit_keyring=_audit_keyring(args), data_keyring=_data_keyring(args))
    _say(args, f"{display_url(url)} is at schema revision {revision}")
    return 0


if TYPE_CHECKING:
    from spo_tracker.storage import AuditKeyring


def _audit_keyring(args: argparse.Namespace) -> AuditKeyring | None:
    """``--audit-key-file``, else the environment's key (as connect() finds it), else none."""
    from spo_tracker.storage import AuditKeyring

    path: str | None = getattr(args, "audit_key_file", None)
    return None if path is None else AuditKeyring.from_file(path)


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
    fd = os.open(args.to, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        size = os.fstat(fd).st_size
        _refuse_non_key_file(args.to, os.pread(fd, min(size, 1 << 16) + 1, 0))
        # A file edited by hand may lack its last newline: the key must start a line.
        ends = size == 0 or os.pread(fd, 1, size - 1) == b"\n"
        os.write(fd, f"{'' if ends else chr(10)}{line}\n".encode())
    finally:
        os.close(fd)
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


def _audit_key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audit-key-file",
        type=_named_file,
        metavar="PATH",
        default=None,
        help="the audit key file (one '<key id> <hex secret>' a line, the last one current); "
        "default: $SPO_TRACKER_AUDIT_KEY_FILE or $SPO_TRACKER_AUDIT_KEY, else none",
    )


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


# --- data protection: audit log of a person, subject access (DPA 2018 s.62, s.45) --------

#: The purpose recorded with a subject-access export (DPA 2018 s.62(2)(a)).
_SAR_PURPOSE = "subject access request (DPA 2018 s.45)"


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


def _sar(args: argparse.Namespace) -> int:
    from spo_tracker.casework import subject_access, write_subject_access
    from spo_tracker.storage import Actor

    acting = _actor(args)
    actor = Actor(acting.actor_id, acting.role, purpose=acting.purpose or _SAR_PURPOSE)
    with _open_store(args) as store:
        if args.output is None:
            found = subject_access(store, args.person_id, at=_now(args), actor=actor)
            sys.stdout.write(found.render(args.format))
            return 0
        written = write_subject_access(
            store, args.person_id, at=_now(args), actor=actor, fmt=args.format,
            output=args.output,
        )  # fmt: skip
    _say(args, f"wrote {written.path} ({written.fmt}, subject access of {written.person_id})")
    return 0


def _add_sar(commands: argparse._SubParsersAction[_Parser]) -> None:
    sar = commands.add_parser(
        "sar",
        help="export what is held about a person (subject access, DPA 2018 s.45)",
        description="What the library holds about one defendant or protected person, for a "
        "subject access request (DPA 2018 s.45). Third parties' data is withheld (s.45(4)): "
        "a defendant's export never holds a protected person's name, address, places or id, "
        "free text, or who reported what; a protected person's export names the defendant "
        "only as the order does. Noted in the audit trail as a disclosure. With --output the "
        "file is written atomically, owner-only (0600); else printed.",
    )
    sar.add_argument("person_id", metavar="PERSON_ID")
    sar.add_argument("--format", choices=("json", "html"), default="json")
    sar.add_argument(
        "--output", type=_named_file, metavar="PATH", default=None, help="the file to write"
    )
    sar.add_argument(
        "--at", type=_instant, default=None, metavar="WHEN",
        help="as of this ISO 8601 instant with an offset (default: now)",
    )  # fmt: skip
    _database_option(sar)
    sar.set_defaults(handler=_sar)


# --- retention review and disposal (MoPI) ------------------------------------------------


def _retention_due(args: argparse.Namespace) -> int:
    from spo_tracker.casework import retention_due

    with _open_store(args) as store:
        due = retention_due(store, at=_now(args), actor=_actor(args))
    for case in due:
        last = case.last_decision
        decided = (
            "never reviewed"
            if last is None
            else f"last {last.decision.value} {last.decided_at.date()}"
        )
        blocks = [*case.live_orders, *case.pending, *case.open_alerts]
        blocked = f"; disposal blocked by {', '.join(blocks)}" if blocks else ""
        print(
            f"{case.case_id}: due {case.next_review} ({case.category.code} "
            f"{case.category.title}; last event {case.clear_day}; {decided}){blocked}"
        )
    _say(args, f"{len(due):,} case(s) due for retention review")
    return 0


def _retention_review(args: argparse.Namespace) -> int:
    from spo_tracker.casework import review_retention

    with _open_store(args) as store:
        outcome = review_retention(
            store, args.case_id, decision=args.decision, reason=args.reason, at=_now(args),
            actor=_actor(args),
        )  # fmt: skip
        keyed = store.keyring is not None
    review = outcome.review
    if review.next_review is not None:
        _say(
            args,
            f"{review.case_id}: retained ({review.review_id}); next review {review.next_review}",
        )
        return 0
    erased = ", ".join(
        _plural(n, kind.replace("_", " ")) for kind, n in outcome.erased.items() if n
    )
    _say(
        args, f"{review.case_id}: disposed of ({review.review_id}); personal data erased: {erased}"
    )
    if not outcome.purged:
        print(_BUSY_LOG, file=sys.stderr)
    if not keyed:
        print(_UNKEYED, file=sys.stderr)
    return 0


def _plural(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {noun[:-1]}ies" if noun.endswith("y") else f"{n:,} {noun}s"


_UNKEYED = (
    "warning: this store's audit trail has no audit key, so the digests it keeps of the "
    "disposed records are plain SHA-256: anyone holding the trail can confirm a guessed "
    "name or address against them. Seal the trail with an audit key (docs/storage.md, "
    "docs/retention.md)"
)


_BUSY_LOG = (
    "warning: the SQLite write-ahead log was in use, so erased values may stay in it: close "
    "other connections and run `spo-tracker retention purge`"
)


def _retention_purge(args: argparse.Namespace) -> int:
    from spo_tracker.storage import purge_erased_bytes

    with _open_store(args) as store:
        # purge_erased_bytes takes no actor: the check is made here, in a unit of work,
        # so that a refusal is in the audit trail like every other.
        with store.unit_of_work(_actor(args), at=_now(args)) as uow:
            uow.authorise("retention.purge")
        purged = purge_erased_bytes(store)
    if not purged:
        print(_BUSY_LOG, file=sys.stderr)
        return 1
    _say(args, "write-ahead log checkpointed and truncated")
    return 0


def _add_retention(commands: argparse._SubParsersAction[_Parser]) -> None:
    retention = commands.add_parser(
        "retention", help="review cases for retention or disposal (MoPI)"
    )
    actions = retention.add_subparsers(
        dest="retention_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    due = actions.add_parser(
        "due",
        help="list the cases due for retention review",
        description="List the cases (a defendant with their orders, incidents and protected "
        "persons) whose next MoPI review day has come: the review period of their retention "
        "category (group 2, 10 years, by default) after their last event (an order ended, an "
        "incident, an application determined, the last review). A case with a live order or "
        "a pending application or appeal is not listed; a disposed case is listed again when "
        "it holds data stored since. The listing is audited.",
    )
    _database_option(due)
    _when_option(due)
    due.set_defaults(handler=_retention_due)
    review = actions.add_parser(
        "review",
        help="record a decision to retain or dispose of a case",
        description="Record a retention decision on case ID (the defendant's id) with its "
        "reason. retain: the case is due again a review period from now. dispose: the "
        "personal data of the defendant, their notification duties, the case's incidents and "
        "its protected persons is erased (refused while an order is live, an alert open, an "
        "application or appeal pending); the audit trail keeps that, when, by whom and why. "
        "The reason may not name anyone of the case. On a store without an audit key a "
        "disposal warns that the trail's digests are unkeyed.",
    )
    _database_option(review)
    _when_option(review)
    _audit_key_option(review)
    review.add_argument("case_id", metavar="ID", help="the case: the defendant's id")
    review.add_argument(
        "--decision", required=True, choices=("retain", "dispose"), help="the decision"
    )
    review.add_argument(
        "--reason", required=True, help="why (recorded; kept after disposal, so name nobody)"
    )
    review.set_defaults(handler=_retention_review)
    purge = actions.add_parser(
        "purge",
        help="checkpoint and truncate a SQLite database's write-ahead log after a disposal",
        description="A disposal does this itself; run it when the disposal reported the log "
        "in use. Exit code 1 if it is still in use. Nothing to do on PostgreSQL.",
    )
    _database_option(purge)
    purge.set_defaults(handler=_retention_purge)


# --- data keys (encryption at rest of protected persons' details) ------------------------


def _data_key_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``--data-key-file PATH``; on a command it overrides the global one only when given."""
    parser.add_argument(
        "--data-key-file",
        type=_named_file,
        metavar="PATH",
        default=None if top_level else argparse.SUPPRESS,
        help="the data key file that protected persons' restricted details are encrypted "
        "with (one '<key id> <64 hex digits>' a line, the last one current); default: "
        "$SPO_TRACKER_DATA_KEY_FILE or $SPO_TRACKER_DATA_KEY, else none (then restricted "
        "details can be neither stored nor read)",
    )


if TYPE_CHECKING:
    from spo_tracker.storage import DataKeyring


def _data_keyring(args: argparse.Namespace) -> DataKeyring | None:
    """``--data-key-file``, else the environment's key (as connect() finds it), else none."""
    from spo_tracker.storage import DataKeyring

    path: str | None = getattr(args, "data_key_file", None)
    return None if path is None else DataKeyring.from_file(path)


def _open_store(args: argparse.Namespace) -> SqlStore:
    """The store ``--database`` names, with the data and audit keys the options (or the
    environment) give: every command opens its store here."""
    from spo_tracker.storage import connect

    return connect(
        _database(args), data_keyring=_data_keyring(args), audit_keyring=_audit_keyring(args)
    )


def _keys_new_data_key(args: argparse.Namespace) -> int:
    from spo_tracker.errors import DataKeyError, OutputOntoDatabaseError
    from spo_tracker.storage import DataKeyring, new_data_key_line

    _require(args, "keys.new_data_key")
    line = new_data_key_line(args.key_id)
    fd = os.open(args.to, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        size = os.fstat(fd).st_size
        data = os.pread(fd, min(size, 1 << 16) + 1, 0)
        if data.strip():  # appended only to a data key file, never to a database
            try:
                held = DataKeyring.from_text(data.decode("utf-8"), source=args.to)
            except (UnicodeDecodeError, DataKeyError):
                raise OutputOntoDatabaseError(
                    args.to, args.to, "a file that is not a data key file"
                ) from None
            if any(k.key_id == args.key_id for k in held.keys):  # ids are unique in a keyring
                raise DataKeyError(
                    args.key_id, args.to, "the key file already holds this id; choose another"
                )
        ends = size == 0 or os.pread(fd, 1, size - 1) == b"\n"
        os.write(fd, f"{'' if ends else chr(10)}{line}\n".encode())
    finally:
        os.close(fd)
    _say(
        args,
        f"data key {args.key_id} appended to {args.to}: new persons' keys are wrapped with "
        "it; run `spo-tracker keys rotate-data-key` to re-wrap the others",
    )
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    from spo_tracker.storage import rotate_data_key

    # rotate_data_key checks the actor's role itself, and audits a refusal.
    with _open_store(args) as store:
        report = rotate_data_key(
            store, actor=_actor(args), at=_now(args), reason="spo-tracker keys"
        )
    older = [k for k in report.in_use if k != report.current]
    still = f"; still in use: {', '.join(older)}" if older else "; older data keys can be removed"
    _say(args, f"{report.rewrapped:,} persons' keys re-wrapped with {report.current}{still}")
    return 0


def _add_keys(commands: argparse._SubParsersAction[_Parser]) -> None:
    keys = commands.add_parser(
        "keys", help="manage the data key that encrypts protected persons' details"
    )
    actions = keys.add_subparsers(
        dest="keys_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    new = actions.add_parser(
        "new-data-key",
        help="append a new random data key to a key file (creates it, mode 0600)",
        description="Append '<KEY_ID> <random 32-byte secret>' to the data key file: the new "
        "key wraps the keys of persons stored from now on; run `keys rotate-data-key` to "
        "re-wrap everyone's, then remove the older lines.",
    )
    new.add_argument("--key-id", required=True, help="the new key's id, e.g. data-2026-12")
    new.add_argument("--to", type=_named_file, metavar="PATH", required=True, help="the key file")
    new.set_defaults(handler=_keys_new_data_key)
    rotate = actions.add_parser(
        "rotate-data-key",
        help="re-wrap every protected person's key with the current data key",
        description="In one transaction, re-wrap every protected person's own key with the "
        "current data key (the last line of the key file; the details themselves are not "
        "re-encrypted) and record a data_key.rotated audit entry. Afterwards the older lines "
        "of the key file can be removed.",
    )
    _database_option(rotate)
    _data_key_option(rotate)
    rotate.set_defaults(handler=_keys_rotate)


# --- import and export (interchange) ------------------------------------------------------


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


# --- the parser ---------------------------------------------------------------------------


class _VersionAction(argparse.Action):
    """``--version``, reading the package metadata only when asked (not to build the parser)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from spo_tracker import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit(0)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spo-tracker",
        description="Track Stalking Protection Orders and flag suspected breaches for review.",
    )
    parser.add_argument(
        "--version", action=_VersionAction, nargs=0, help="print the version and exit"
    )
    _database_option(parser, top_level=True)
    _data_key_option(parser, top_level=True)
    _quiet_option(parser, top_level=True)
    _actor_options(parser)
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
    _add_alerts(commands)
    _add_case(commands)
    _add_sar(commands)
    _add_retention(commands)
    _add_keys(commands)
    _add_permissions(commands)
    _quiet_everywhere(parser)
    return parser


#: The exit code when the database stayed busy (locks, deadlocks, concurrent writers) and
#: the command can be repeated as it is (``EX_TEMPFAIL`` of sysexits.h).
EXIT_TRY_AGAIN = 75


def _quiet_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``-q/--quiet``; on a command it overrides the global one only when given."""
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="no progress lines or summaries; only the output asked for and errors",
    )


def _quiet_everywhere(parser: argparse.ArgumentParser) -> None:
    """Give every command and action ``--quiet``, those added later too (unless one already
    declares its own)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if "--quiet" not in sub._option_string_actions:
                    _quiet_option(sub)
                _quiet_everywhere(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 done, 2 bad input or a refusal,
    3 a broken audit chain, 75 the database stayed busy: run it again, 77 refused by the
    permission table, 130 interrupted, 1 unexpected)."""
    _tolerant_output()
    try:
        args = _parser().parse_args(argv)
        with _warnings_on_stderr():
            return _run(args)
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted() -> int:
    """Say that Ctrl-C stopped the command, in one line; the exit code is 130."""
    with contextlib.suppress(OSError, ValueError):
        print("spo-tracker: interrupted", file=sys.stderr, flush=True)
    return 130


def _run(args: argparse.Namespace) -> int:
    handler: Handler = args.handler
    try:
        _refuse_outputs(args)
        with contextlib.ExitStack() as stack:
            if not _quiet(args) and _is_terminal(sys.stderr):
                args.heartbeat = stack.enter_context(_Heartbeat(_progress))
            code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here for short outputs, not at exit
        return code
    except BrokenPipeError:  # the reader stopped (`| head`): not an error
        _discard_stdout()
        return 0
    except (StoreRetriesExhaustedError, DatabaseBusyError) as error:
        # Not the user's doing: other writers held the database; the same command can be
        # run again safely (EX_TEMPFAIL, so a scheduler can tell it from bad input).
        _error(args, f"spo-tracker: error: {error} (temporary: run it again)")
        return EXIT_TRY_AGAIN
    except PermissionDeniedError as error:
        _error(args, f"spo-tracker: permission denied: {error}")
        return EXIT_NO_PERMISSION
    except SpoTrackerError as error:
        _error(args, f"spo-tracker: error: {error}")
        return 2
    except ModuleNotFoundError as error:
        extra = _DRIVER_EXTRAS.get((error.name or "").partition(".")[0])
        if extra is None:
            raise
        _error(args, f"spo-tracker: error: {_missing_driver(args, error.name or '', extra)}")
        return 2
    except OSError as error:
        _error(args, f"spo-tracker: error: {error.strerror or error}: {error.filename}")
        return 2
    except Exception as error:  # the last resort: one line, not a traceback
        if os.environ.get("SPO_TRACKER_DEBUG"):
            raise
        _error(
            args,
            f"spo-tracker: unexpected error: {type(error).__name__}: {error} "
            "(set SPO_TRACKER_DEBUG=1 for details)",
        )
        return 1


def _is_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal: heartbeats are for people watching, not for logs
    (where a late line would sit between a command's own lines)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (OSError, ValueError):
        return False


def _discard_stdout() -> None:
    """Point stdout at the null device, so that flushing it at exit raises nothing."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _missing_driver(args: argparse.Namespace, driver: str, extra: str) -> SpoTrackerError:
    from spo_tracker.errors import DatabaseDriverMissingError
    from spo_tracker.storage import display_url

    return DatabaseDriverMissingError(display_url(_database(args)), driver, extra)


def _error(args: argparse.Namespace, message: str) -> None:
    """Print ``message`` on stderr with any database password in it hidden."""
    from spo_tracker.storage import mask_url

    try:
        url: str | None = _database(args)
    except SpoTrackerError:
        url = getattr(args, "database", None)
    print(mask_url(message, url=url), file=sys.stderr)


def _tolerant_output() -> None:
    """Paths that are not UTF-8 (bytes kept as surrogates) print escaped, never raise."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


class _StderrWarnings(logging.Handler):
    """The library's logged warnings (a database file made private) as one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"spo-tracker: warning: {record.getMessage()}", file=sys.stderr)


@contextlib.contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    logger = logging.getLogger("spo_tracker")
    handler = _StderrWarnings(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


# --- outputs that must not land on the database -------------------------------------------


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


def _key_files(args: argparse.Namespace) -> list[str]:
    """The key files the command may read: ``--audit-key-file``, ``--data-key-file`` and
    the environment's (no output may be written over one)."""
    from spo_tracker.storage import DATA_KEY_FILE_ENV, KEY_FILE_ENV

    given = [
        getattr(args, "audit_key_file", None),
        os.environ.get(KEY_FILE_ENV),
        getattr(args, "data_key_file", None),
        os.environ.get(DATA_KEY_FILE_ENV),
    ]
    return [path for path in given if path]


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


if __name__ == "__main__":  # pragma: no cover
    from spo_tracker.__main__ import run

    run()


# --- permissions --------------------------------------------------------------------------


def _actor_options(parser: argparse.ArgumentParser) -> None:
    """The global ``--role`` and ``--purpose``: who the command acts as (the library
    authorises; whoever runs the command line is trusted to say, as a host system is)."""
    parser.add_argument(
        "--role",
        metavar="ROLE",
        default=None,
        help=f"the role to act in: officer, supervisor, analyst, auditor, administrator or "
        f"ingest (default: ${ROLE_ENV}, else {DEFAULT_ROLE})",
    )
    parser.add_argument(
        "--purpose",
        metavar="TEXT",
        default=None,
        help=f"why you act, for the audit trail; needed to read restricted details "
        f"(default: ${PURPOSE_ENV}, else none)",
    )


def _add_permissions(commands: argparse._SubParsersAction[_Parser]) -> None:
    permissions = commands.add_parser(
        "permissions",
        help="print the permission table (roles against actions) as Markdown",
        description="Print the permission table: which role may take which action, on "
        "which cases, and where a purpose is required (docs/permissions.md holds it).",
    )
    permissions.set_defaults(handler=_permissions)


def _permissions(args: argparse.Namespace) -> int:
    from spo_tracker.domain.permissions import permissions_markdown

    sys.stdout.write(permissions_markdown())
    return 0
