"""The ``spo-tracker`` program (and ``python -m spo_tracker``).

Ctrl-C at any moment once :func:`run` has started, even while the command
line's modules are still being imported, ends with one line on stderr and exit
code 130, never a traceback. This module imports nothing at the top but
``sys``, so that moment comes as early as it can: before it there are only the
interpreter's start-up and the launcher script the installer wrote (a few
milliseconds, where Ctrl-C is Python's own).
"""

from __future__ import annotations

import sys
from typing import NoReturn

__all__ = ["run"]


def run() -> NoReturn:
    """Run :func:`spo_tracker.cli.main` on ``sys.argv`` and exit with its code."""
    try:
        from spo_tracker.cli import main

        code = main()
    except KeyboardInterrupt:  # before main() took over, or while it was returning
        code = _interrupted()
    _default_sigint()
    sys.exit(code)


def _default_sigint() -> None:
    """From here on a second Ctrl-C ends the process at once and silently (no "Exception
    ignored" from a thread or an exit handler while the interpreter shuts down)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted() -> int:
    try:
        _default_sigint()
        sys.stderr.write("spo-tracker: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return 130


if __name__ == "__main__":
    run()
