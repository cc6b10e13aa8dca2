"""The integration guide's nightly job stores exactly the alerts ``spo-tracker scan`` finds.

For a few demo seeds (scale 1: the scenario and one unit of background), the
demo's records and incidents are written as one night's interchange file
(restricted details included, as a force's own records system holds them),
the guide's ``nightly_job`` (its code, taken from docs/integration.md) runs it
into a fresh database, and its stored alerts are compared with what
``spo-tracker scan`` prints and keeps over the demo's own database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from spo_tracker.casework import report_from_store, run_detection
from spo_tracker.cli import main
from spo_tracker.demo import DEMO_ACTOR, NOW, build_scenario, run_demo
from spo_tracker.demo._run import demo_applications
from spo_tracker.domain.alerts import Alert
from spo_tracker.interchange import Dataset, import_file, write_dataset
from spo_tracker.storage import Store, connect, upgrade
from tests.docs.test_examples import examples

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
# severity, id, London date ("Wed 4 Mar 2026 07:02 GMT"), defendant, count, title
LINE = re.compile(
    r"^[A-Z]+ +(AL-[0-9a-f]{20}) +\w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} [A-Z]+ +\S+ +(\d+) ",
    re.MULTILINE,
)


def _nightly_job() -> Callable[..., Any]:
    """The guide's ``nightly_job``, defined by running its code block."""
    (block,) = [b for b in examples(GUIDE) if b.startswith("def nightly_job(")]
    recipe = block.split("\n\n\nnight = ")[0]
    namespace: dict[str, Any] = {
        "import_file": import_file,
        "run_detection": run_detection,
        "report_from_store": report_from_store,
    }
    exec(compile(recipe, f"{GUIDE.name} nightly_job", "exec"), namespace)
    job: Callable[..., Any] = namespace["nightly_job"]
    return job


def _stored(store: Store) -> dict[str, Alert]:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        return uow.alerts.get_many(uow.alerts.ids())


def _night_file(path: Path, seed: int) -> Path:
    scenario = build_scenario(seed=seed, scale=1)
    data = Dataset(
        defendants=scenario.defendants,
        protected_persons=scenario.protected_persons,
        applications=tuple(demo_applications(scenario)),
        orders=scenario.orders,
        duties=scenario.duties,
        incidents=scenario.all_incidents(),
        compliance=tuple(scenario.all_compliance()),
    )
    with path.open("w", encoding="utf-8") as out:
        write_dataset(out, data, at=NOW, include_restricted=True, source="force")
    return path


@pytest.mark.parametrize("seed", [0, 3, 7])
def test_the_nightly_job_stores_what_scan_finds(
    seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The recipe's stored alerts, by id, are exactly the alerts scan prints and keeps."""
    demo = run_demo(tmp_path / "demo", seed=seed, scale=1)
    at = NOW.in_timezone("UTC").isoformat()
    capsys.readouterr()
    assert main(["scan", "--at", at, "--limit", "0", "--database", demo.database_url]) == 0
    printed = {key: int(count) for key, count in LINE.findall(capsys.readouterr().out)}
    url = f"sqlite:///{tmp_path / 'force.sqlite'}"
    upgrade(url)
    with connect(url) as store:
        run = _nightly_job()(
            store,
            _night_file(tmp_path / "night.jsonl", seed),
            at=NOW,
            since=None,
            actor=DEMO_ACTOR,
            report_path=tmp_path / "night.html",
        )
        recipe = _stored(store)
        _nightly_job()(  # the next night: the report covers the day since the first run
            store,
            tmp_path / "night.jsonl",
            at=NOW.add(days=1),
            since=NOW,
            actor=DEMO_ACTOR,
            report_path=tmp_path / "night2.html",
        )
        reported = [
            json.loads(e.changes)["alerts"]
            for e in store.audit_entries()
            if e.event == "report.written"
        ]
        later = _stored(store)
    with connect(demo.database_url) as demo_store:
        scanned = _stored(demo_store)
    assert run.stored.new == len(recipe) == len(printed) > 0
    assert {key: a.count for key, a in recipe.items()} == printed
    assert recipe == scanned
    assert any(a.rule_id == "breach.no_approach" for a in recipe.values())
    # The second night's report holds the alerts identified since the first run, not every
    # alert ever stored (no review is decided here, so every alert is open).
    day = [a for a in later.values() if NOW <= a.identified_at <= NOW.add(days=1)]
    assert reported[1] == len(day) < len(later)


def test_the_recipe_read_from_the_guide_is_the_guides_function() -> None:
    """The block found is the guide's job: import, detect, report (a guard on the parsing)."""
    block = next(b for b in examples(GUIDE) if b.startswith("def nightly_job("))
    for step in ("import_file(", "run_detection(", "report_from_store(", "since=since"):
        assert step in block
    assert callable(_nightly_job())
