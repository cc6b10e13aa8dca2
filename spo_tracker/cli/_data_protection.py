"""Data protection: subject access (``sar``, DPA 2018 s.45), retention review and
disposal (``retention``, MoPI), and the data keys that encrypt protected
persons' details at rest (``keys``).
"""

from __future__ import annotations

import argparse
import sys

from spo_tracker.cli._arguments import (
    _audit_key_option,
    _data_key_option,
    _database_option,
    _instant,
    _named_file,
    _Parser,
    _when_option,
)
from spo_tracker.cli._context import _actor, _append_key_line, _now, _open_store, _require
from spo_tracker.cli._progress import _say

#: The purpose recorded with a subject-access export (DPA 2018 s.62(2)(a)).
_SAR_PURPOSE = "subject access request (DPA 2018 s.45)"


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


def _keys_new_data_key(args: argparse.Namespace) -> int:
    from spo_tracker.storage import new_data_key_line

    _require(args, "keys.new_data_key")
    line = new_data_key_line(args.key_id)
    _append_key_line(
        args.to, line, lambda data: _refuse_non_data_key_file(args.to, args.key_id, data)
    )
    _say(
        args,
        f"data key {args.key_id} appended to {args.to}: new persons' keys are wrapped with "
        "it; run `spo-tracker keys rotate-data-key` to re-wrap the others",
    )
    return 0


def _refuse_non_data_key_file(path: str, key_id: str, data: bytes) -> None:
    """A new data key is appended only to an empty file or a data key file (never to a
    database) that does not hold its id yet."""
    from spo_tracker.errors import DataKeyError, OutputOntoDatabaseError
    from spo_tracker.storage import DataKeyring

    if not data.strip():
        return
    try:
        held = DataKeyring.from_text(data.decode("utf-8"), source=path)
    except (UnicodeDecodeError, DataKeyError):
        raise OutputOntoDatabaseError(path, path, "a file that is not a data key file") from None
    if any(k.key_id == key_id for k in held.keys):  # ids are unique in a keyring
        raise DataKeyError(key_id, path, "the key file already holds this id; choose another")


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
