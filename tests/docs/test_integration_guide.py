"""The integration guide's tables are current: lifecycle events (generated from the code) and
migrations (every revision shipped, in order)."""

from __future__ import annotations

import re
from pathlib import Path

from spo_tracker.domain.lifecycles import MACHINES
from spo_tracker.events import LIFECYCLE_EVENTS

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "integration.md"
VERSIONS = ROOT / "spo_tracker" / "storage" / "migrations" / "versions"
START, END = "<!-- lifecycle-events:start -->", "<!-- lifecycle-events:end -->"


def lifecycle_events_table() -> str:
    """The table, one row per lifecycle event in table order, from LIFECYCLE_EVENTS."""
    rows = ["| Lifecycle | Lifecycle event | Domain event |", "|---|---|---|"]
    for name, machine in MACHINES.items():
        events = dict.fromkeys(row.event.name for row in machine.transitions)
        for event in events:
            types = ", ".join(f"`{cls.__name__}`" for cls in LIFECYCLE_EVENTS[name][event])
            rows.append(f"| {name} | `{event}` | {types} |")
    return "\n".join(rows)


def test_the_lifecycle_events_table_is_current() -> None:
    """Regenerate the block between the markers from the message if this fails."""
    text = GUIDE.read_text(encoding="utf-8")
    committed = text.split(START)[1].split(END)[0].strip()
    expected = lifecycle_events_table()
    assert committed == expected, f"replace the table in {GUIDE.name} with:\n{expected}"


def test_the_migration_table_lists_every_shipped_revision_in_order() -> None:
    """docs/integration.md's "Migrations" table is the files r<NNNN>_*.py shipped, in order."""
    section = GUIDE.read_text(encoding="utf-8").split("## Migrations")[1].split("\n## ")[0]
    documented = re.findall(r"^\| (\d{4}) \|", section, re.MULTILINE)
    shipped = sorted(path.name[1:5] for path in VERSIONS.glob("r[0-9][0-9][0-9][0-9]_*.py"))
    assert documented == shipped
    assert len(shipped) >= 9  # guards the patterns: 0001 to 0009 at the least
