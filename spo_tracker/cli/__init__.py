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

This package is the composition root: the only place that reads the wall clock
(the default ``--at``) or the environment; the library takes both as
parameters. Its modules, each private:

- ``_program``: the whole parser, :func:`main` and the run of one command
  (errors to one line and an exit code);
- ``_arguments``: the parser's class, argument types and shared options;
- ``_context``: what handlers share (the store, the actor, the time);
- ``_progress``: progress, heartbeat and summary lines, ``--quiet``;
- ``_guard``: outputs refused before a command runs (the database, key files);
- one module per command area, each holding its sub-parsers and their
  handlers: ``_demo``; ``_scan`` (scan, detect, report); ``_alerts`` (alerts,
  case); ``_reference`` (diagram, permissions); ``_storage`` (db, audit);
  ``_data_protection`` (sar, retention, keys); ``_interchange`` (import,
  export).
"""

from __future__ import annotations

# Besides __all__, the names other code and the tests import from here, as they did from
# the single module this package was (``X as X`` marks a re-export).
from spo_tracker.cli._arguments import DATABASE_ENV as DATABASE_ENV
from spo_tracker.cli._arguments import (
    DEFAULT_DATABASE,
    DEFAULT_MAX_IMPORT_BYTES,
    DEFAULT_SCALE,
    EARLIEST_AT,
    LATEST_AT,
    MAX_LINE_BYTES,
)
from spo_tracker.cli._arguments import DEFAULT_ROLE as DEFAULT_ROLE
from spo_tracker.cli._arguments import PURPOSE_ENV as PURPOSE_ENV
from spo_tracker.cli._arguments import ROLE_ENV as ROLE_ENV
from spo_tracker.cli._arguments import _instant as _instant
from spo_tracker.cli._guard import _outputs as _outputs
from spo_tracker.cli._program import EXIT_NO_PERMISSION as EXIT_NO_PERMISSION
from spo_tracker.cli._program import EXIT_TRY_AGAIN as EXIT_TRY_AGAIN
from spo_tracker.cli._program import Handler as Handler
from spo_tracker.cli._program import _parser as _parser
from spo_tracker.cli._program import main
from spo_tracker.cli._progress import _Heartbeat as _Heartbeat

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_MAX_IMPORT_BYTES",
    "DEFAULT_SCALE",
    "EARLIEST_AT",
    "LATEST_AT",
    "MAX_LINE_BYTES",
    "main",
]
