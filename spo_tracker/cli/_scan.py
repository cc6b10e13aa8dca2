"""Breach detection from the command line: ``scan`` (detect, keep and print the
alerts), ``detect`` (the nightly job's step) and ``report`` (write one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from spo_tracker.cli._arguments import _at_option, _database_option, _instant, _Parser, _whole
from spo_tracker.cli._context import (
    _actor,
    _london_iso,
    _now,
    _open_store,
    _pseudonyms,
    _titles,
    _utc_iso,
)
from spo_tracker.cli._progress import _progress_of, _say

if TYPE_CHECKING:  # imported lazily, so that --help stays quick
    import pendulum

    from spo_tracker.casework import DetectionRun
    from spo_tracker.detection.alerts import Alert
    from spo_tracker.storage import Store


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
        "and every incident of the defendants they or the casework written since (orders, "
        "people) bear on; it is full after an identity is unlinked from a defendant (or a "
        "defendant with identities is erased), an order moves to another defendant or a "
        "stored incident's actor changes, and with --full. The first line says which.",
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
