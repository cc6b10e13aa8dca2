"""The ``spo-tracker`` command line.

User errors are one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from spo_tracker import __version__
from spo_tracker.errors import SpoTrackerError

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def _demo(args: argparse.Namespace) -> int:
    from spo_tracker.demo import run_demo

    return run_demo(args)


def _diagram(args: argparse.Namespace) -> int:
    from pathlib import Path

    from spo_tracker.domain.lifecycles.diagrams import lifecycles_markdown

    path = Path(args.output)
    path.write_text(lifecycles_markdown(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spo-tracker",
        description="Track Stalking Protection Orders and flag suspected breaches.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run the bundled SQLite demo")
    demo.add_argument("--output", default="spo-demo", help="folder for the database and reports")
    demo.set_defaults(handler=_demo)
    diagram = commands.add_parser(
        "diagram", help="write the lifecycle diagrams (Mermaid) and tables to the docs"
    )
    diagram.add_argument(
        "--output",
        default="docs/lifecycles.md",
        metavar="PATH",
        help="the Markdown file to write (default: docs/lifecycles.md)",
    )
    diagram.set_defaults(handler=_diagram)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except SpoTrackerError as error:
        print(f"spo-tracker: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"spo-tracker: error: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
