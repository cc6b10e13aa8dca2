"""The program: the whole parser, :func:`main`, and the run of one command, which
turns every failure into one line on stderr and an exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Final

from spo_tracker.cli._alerts import _add_alerts, _add_case
from spo_tracker.cli._arguments import (
    _actor_options,
    _data_key_option,
    _database_option,
    _Parser,
    _quiet_option,
)
from spo_tracker.cli._context import _database
from spo_tracker.cli._data_protection import _add_keys, _add_retention, _add_sar
from spo_tracker.cli._demo import _add_demo
from spo_tracker.cli._guard import _refuse_outputs
from spo_tracker.cli._interchange import _add_export, _add_import
from spo_tracker.cli._progress import _Heartbeat, _progress, _quiet
from spo_tracker.cli._reference import _add_diagram, _add_permissions
from spo_tracker.cli._scan import _add_detect, _add_report, _add_scan
from spo_tracker.cli._storage import _add_audit, _add_db
from spo_tracker.errors import (
    DatabaseBusyError,
    PermissionDeniedError,
    SpoTrackerError,
    StoreRetriesExhaustedError,
)

#: The exit code of a refusal by the permission table (``EX_NOPERM`` of sysexits.h).
EXIT_NO_PERMISSION: Final = 77

#: The exit code when the database stayed busy (locks, deadlocks, concurrent writers) and
#: the command can be repeated as it is (``EX_TEMPFAIL`` of sysexits.h).
EXIT_TRY_AGAIN = 75

#: The database drivers an extra installs: module name to extra.
_DRIVER_EXTRAS: Final = {"psycopg": "postgres", "psycopg_binary": "postgres"}

Handler = Callable[[argparse.Namespace], int]


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
