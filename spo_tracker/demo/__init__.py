"""The bundled demo: a fictional force on SQLite, breach detection and the three reports.

``spo-tracker demo`` (or :func:`run_demo`) builds a SQLite database in the
output folder from a seeded, deterministic scenario (the seed story, the
lifecycle's hard cases and background volume at force scale), runs breach
detection over it, stores the alerts, writes the HTML, JSON and CSV reports and returns what it
found; :func:`summary_lines` says it in a few lines. Each step runs under a named
actor in its role: the force's records bridge (:data:`DEMO_ACTOR`, ``ingest``)
stores the records and runs detection, a supervisor (:data:`DEMO_SUPERVISOR`)
assigns the seed story's case and writes the reports, and the officer in the case
(:data:`DEMO_OFFICER`) starts reviewing its first alert.
"""

from __future__ import annotations

from spo_tracker.demo._run import (
    DATA_KEY_FILE,
    DATABASE_FILE,
    DEMO_ACTOR,
    DEMO_OFFICER,
    DEMO_SUPERVISOR,
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
    "DEMO_OFFICER",
    "DEMO_SUPERVISOR",
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
