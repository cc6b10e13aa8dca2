"""The parser's building blocks: its one-line usage errors, the argument types
(instants, file names, whole numbers) and the options several commands share.

The defaults shown in ``--help`` live here, copied from the library where they
are its constants, so that building the parser imports nothing heavy.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, NoReturn

if TYPE_CHECKING:  # imported lazily, so that --help stays quick
    import pendulum

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


# The parser's defaults, copied here so that building it (for --help) imports neither the demo
# nor the interchange package and with them SQLAlchemy; tests/cli/test_startup.py checks
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


def _quiet_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``-q/--quiet``; on a command it overrides the global one only when given."""
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="no progress lines or summaries; only the output asked for and errors",
    )


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


def _at_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="judge as of this ISO 8601 instant with an offset, e.g. "
        "2026-03-20T09:00:00+00:00 (default: now); incidents after it are ignored",
    )


def _when_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="WHEN",
        help="when it was done, ISO 8601 with an offset (default: now)",
    )


def _audit_key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audit-key-file",
        type=_named_file,
        metavar="PATH",
        default=None,
        help="the audit key file (one '<key id> <hex secret>' a line, the last one current); "
        "default: $SPO_TRACKER_AUDIT_KEY_FILE or $SPO_TRACKER_AUDIT_KEY, else none",
    )
