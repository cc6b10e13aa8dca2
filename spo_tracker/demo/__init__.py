"""The bundled demo: a fictional force on SQLite, breach detection and the three reports.

``spo-tracker demo`` (or :func:`run_demo`) builds a SQLite database in the
output folder from a seeded, deterministic scenario (the seed story, the
lifecycle's hard cases and background volume at force scale), runs breach
detection over it, stores the alerts, writes the HTML, JSON and CSV reports and returns what it
found; :func:`summary_lines` says it in a few lines.
"""

from __future__ import annotations

from spo_tracker.demo._run import (
    DATA_KEY_FILE,
    DATABASE_FILE,
    DEMO_ACTOR,
    REPORT_FILES,
    REPORT_TITLE,
    DemoResult,
    run_demo,
    summary_lines,
)
from spo_tracker.demo._scenario import (
    DEFAULT_SCALE,
    NOW,
    SEED_MESSAGES,
    Case,
    Scenario,
    build_scenario,
)

__all__ = [
    "DATABASE_FILE",
    "DATA_KEY_FILE",
    "DEFAULT_SCALE",
    "DEMO_ACTOR",
    "NOW",
    "REPORT_FILES",
    "REPORT_TITLE",
    "SEED_MESSAGES",
    "Case",
    "DemoResult",
    "Scenario",
    "build_scenario",
    "run_demo",
    "summary_lines",
]
