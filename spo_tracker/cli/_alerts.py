"""The officer's queue: ``alerts list``, ``show``, ``assign`` and ``review``, and
``case assign`` and ``case file``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from spo_tracker.cli._arguments import (
    _at_option,
    _database_option,
    _instant,
    _Parser,
    _when_option,
    _whole,
)
from spo_tracker.cli._context import (
    _actor,
    _london_iso,
    _now,
    _open_store,
    _pseudonyms,
    _utc_iso,
)
from spo_tracker.cli._progress import _say

if TYPE_CHECKING:  # imported lazily, so that --help stays quick
    from spo_tracker.casework import AlertEntry
    from spo_tracker.domain.lifecycles import BreachReview

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
        # Redacted as a report is: titles, assignees, case owners (see list_alerts).
        entries = list_alerts(
            store, actor=_actor(args), at=at, status=args.status, severity=args.severity,
            kind=args.kind, until=args.until, **filters,
        )  # fmt: skip
    rows = [_alert_row(e, e.alert.title) for e in entries]
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
        # Redacted as a report is: title, notes, attributions (see alert_detail).
        detail = alert_detail(store, args.alert_id, actor=_actor(args), at=at)
    entry = detail.entry
    alert, owner, chain = entry.alert, entry.owner, entry.timeliness

    def when(instant: _dt.datetime | None) -> str:
        return "-" if instant is None else f"{london_text(instant)} (London)"

    lines = [
        f"{alert.alert_id}  {alert.severity.value.upper()} {alert.kind.value}  {alert.section}",
        f"  {alert.title}",
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
