"""The demo stores the applications its orders were made on, so its export imports anywhere."""

from __future__ import annotations

import json
from pathlib import Path

from spo_tracker.demo import DEMO_ACTOR, NOW, build_scenario, run_demo
from spo_tracker.demo._run import demo_applications
from spo_tracker.domain.lifecycles.application import ApplicationState
from spo_tracker.domain.orders import OrderKind
from spo_tracker.interchange import export_file, import_file
from spo_tracker.storage import Actor, connect, upgrade

IMPORTER = Actor("importer", "ingest")


def test_the_demos_default_export_imports_into_a_fresh_database(tmp_path: Path) -> None:
    """Scale 1: the export (no restricted details) imports whole into a new SQLite file."""
    result = run_demo(tmp_path / "demo", seed=1, scale=1)
    exported = tmp_path / "demo.jsonl"
    with connect(result.database_url) as store:
        export_file(store, exported, actor=DEMO_ACTOR, at=NOW)
    header = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])
    assert header["restricted"] is False
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    upgrade(url)
    with connect(url) as fresh:
        report = import_file(fresh, exported, actor=IMPORTER, at=NOW)
        with fresh.unit_of_work(IMPORTER, at=NOW) as uow:
            linked = {uow.orders.get(key).application_id for key in uow.orders.ids()} - {None}
            stored = set(uow.applications.ids())
    assert report.created["order"] == len(result.scenario.orders)
    assert linked
    assert linked <= stored
    assert report.created["application"] == len(stored)


def test_each_application_follows_its_orders_through_the_lifecycle() -> None:
    """One application per id the orders name: laid before its first order, an interim
    decision per interim order, granted with its full order."""
    scenario = build_scenario(seed=0, scale=0)
    applications = {a.application_id: a for a in demo_applications(scenario)}
    named = {o.application_id for o in scenario.orders} - {None}
    assert set(applications) == named
    for order in scenario.orders:
        if order.application_id is None:
            continue
        app = applications[order.application_id]
        assert app.defendant_id == order.defendant_id
        assert app.laid_at is not None
        assert app.laid_at < order.made_at
        if order.kind is OrderKind.FULL:
            assert app.state is ApplicationState.GRANTED
            assert app.order_id == order.order_id
            assert app.determined_at == order.made_at
        else:
            decided = [d for d in app.interim_decisions if d.interim_order_id == order.order_id]
            assert [d.decided_at for d in decided] == [order.made_at]
