"""The commands that print the library's own reference pages: ``diagram`` (the
lifecycle diagrams and tables) and ``permissions`` (the permission table).
"""

from __future__ import annotations

import argparse
import sys

from spo_tracker.cli._arguments import _Parser
from spo_tracker.cli._progress import _say


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
