"""The integration guide's table of lifecycle events is generated from the code and current."""

from __future__ import annotations

from pathlib import Path

from spo_tracker.domain.lifecycles import MACHINES
from spo_tracker.events import LIFECYCLE_EVENTS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
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
