"""The HTML report in a real headless Chromium: cards shown, no script error, hostile text inert.

Skips only when no browser is installed *and* ``CI`` is unset; on CI a missing
browser fails the test. The harness is :mod:`tests.reports.chromium`; the load
time of a 10,000-alert report is printed by ``benchmarks/bench_reports.py``
(figures, never assertions).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spo_tracker.casework import (
    DEFAULT_PERIOD,
    report_from_store,
    review_alert,
    run_detection,
    write_case_file,
)
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario, build_scenario
from spo_tracker.reports import build_report, write_report
from spo_tracker.storage import Actor, InMemoryStore
from tests.casework.builders import store_scenario
from tests.reports.builders import HOSTILE, world
from tests.reports.builders import NOW as WORLD_NOW
from tests.reports.chromium import load, measure_load
from tests.storage.conftest import fixed_clock

pytestmark = pytest.mark.browser

_CARD = re.compile(r'<article class="alert \w+" id="([^"]+)"')


def test_the_harness_sees_script_errors(tmp_path: Path) -> None:
    """Canary: a page with a failing script does produce a console error here."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>nope()</script>")
    loaded = load(page, tmp_path / "profile")
    assert any("Uncaught ReferenceError" in line for line in loaded.console)


def test_the_report_loads_cleanly_with_hostile_text_inert(tmp_path: Path) -> None:
    """Alert cards render, the console is silent, the title is untouched, the script is text."""
    w = world()
    report = build_report(w.alerts, w.context, now=WORLD_NOW)
    page = write_report(report, "html", tmp_path / "report.html")
    loaded = load(page, tmp_path / "profile")
    assert loaded.console == []
    title = re.search(r"<title>([^<]*)</title>", loaded.dom)
    assert title is not None
    assert title[1] == report.title
    assert _CARD.findall(loaded.dom) == [a.alert_id for a in w.alerts]
    assert "<script" not in loaded.dom
    assert HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in loaded.dom
    assert loaded.dom.count('<svg class="chart"') == 1
    assert loaded.dom.count("OFFICIAL-SENSITIVE</p>") == 2


def test_the_load_timing_harness_measures_the_page_asked_for(tmp_path: Path) -> None:
    """The timing the benchmark prints: ordered figures, taken on the page asked for.

    The forced layout reports the page's own height (a 5,000-pixel block), not the blank
    page the browser opened on; a report is timed the same way.
    """
    tall = tmp_path / "tall.html"
    tall.write_text(
        '<!DOCTYPE html><title>t</title><body style="margin:0"><div style="height:5000px">'
    )
    w = world()
    report = write_report(
        build_report(w.alerts, w.context, now=WORLD_NOW), "html", tmp_path / "r.html"
    )
    block = measure_load(tall, tmp_path / "p1")
    assert block.height == 5000
    for timing in (block, measure_load(report, tmp_path / "p2")):
        assert 0 < timing.dom_ready <= timing.load_event <= timing.laid_out
        assert timing.height > 0


def test_the_review_filtered_report_loads_without_the_decided_alert(tmp_path: Path) -> None:
    """The default report (open alerts of the last 28 days) loads cleanly; an alert decided
    by a review is not in it, the other open alerts are, each card once."""
    store = InMemoryStore(clock=fixed_clock)
    store_scenario(store, build_scenario(seed=0, scale=0))
    run = run_detection(store, at=NOW, actor=DEMO_ACTOR)
    recent = sorted(a.alert_id for a in run.alerts if a.identified_at >= NOW - DEFAULT_PERIOD)
    assert len(recent) >= 2
    decided = recent[0]
    review_alert(
        store, decided, outcome="warning", at=NOW, actor=Actor("PC 1", "officer", purpose="tests")
    )
    written = report_from_store(
        store, at=NOW, actor=DEMO_ACTOR, fmt="html", output=tmp_path / "open.html", stored=True
    )
    loaded = load(written.path, tmp_path / "profile")
    assert loaded.console == []
    shown = _CARD.findall(loaded.dom)
    assert sorted(shown) == recent[1:]
    assert decided not in loaded.dom
    assert loaded.dom.count("OFFICIAL-SENSITIVE</p>") == 2


def test_the_case_file_loads_cleanly_with_its_evidence_and_no_victim_details(
    tmp_path: Path,
) -> None:
    """A supervisor's case file for the seed story's defendant loads with a silent console:
    the marking top and bottom, all 104 messages in the evidence schedule, and neither the
    protected person's name nor their street or postcode on the page (the town may appear:
    it is in the court's name)."""
    scenario = build_scenario(seed=0, scale=0)
    store = InMemoryStore(clock=fixed_clock)
    store_scenario(store, scenario)
    run_detection(store, at=NOW, actor=DEMO_ACTOR)
    written = write_case_file(
        store, "D-1001", at=NOW, actor=Actor("Sgt 2", "supervisor", purpose="tests"), fmt="html",
        output=tmp_path / "case.html",
    )  # fmt: skip
    loaded = load(written.path, tmp_path / "profile")
    assert loaded.console == []
    assert "<script" not in loaded.dom
    assert loaded.dom.count('<p class="marking">OFFICIAL-SENSITIVE</p>') == 2
    assert written.incidents == 104
    assert all(f"DEMO-1001-{n:03d}" in loaded.dom for n in range(1, 105))
    person = next(p for p in scenario.protected_persons if p.person_id in _seed_persons(scenario))
    address = person.restricted.address
    assert address is not None
    hidden = [person.name, address.lines[0], address.postcode]
    assert [text for text in hidden if text in loaded.dom] == []


def _seed_persons(scenario: Scenario) -> set[str]:
    """The people the seed story's order protects."""
    order = next(o for o in scenario.orders if o.defendant_id == "D-1001")
    return set(order.protected_person_ids)
