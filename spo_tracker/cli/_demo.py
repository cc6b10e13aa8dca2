"""``spo-tracker demo``: build the bundled SQLite demo, detect and write the reports."""

from __future__ import annotations

import argparse

from spo_tracker.cli._arguments import DEFAULT_SCALE, _database_option, _named_file, _Parser, _whole
from spo_tracker.cli._context import _database
from spo_tracker.cli._progress import _progress_of, _say


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
