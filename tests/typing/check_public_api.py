"""The public API as an integrator types it (the top level as `spo`, the rest from subpackages).

Checked by mypy --strict, never run.

Every ``assert_type`` pins what a call returns; every ``type: ignore[...]``
line is a misuse mypy must refuse (``warn_unused_ignores`` is on under
``--strict``, so an ignore that stops being needed fails the check).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import assert_type

import pendulum

import spo_tracker as spo
from spo_tracker.casework import AlertsStored, DetectionRun, ReportWritten
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.lifecycles import (
    MACHINES,
    AppealAgainst,
    AppealedDecision,
    MadeOrder,
    OpenPointWarning,
)
from spo_tracker.domain.orders import OrderKind
from spo_tracker.domain.statemachine import Fired, TransitionRecord
from spo_tracker.domain.statutory_time import DayPeriod, as_london_date, years_beginning_with
from spo_tracker.domain.terms import NoContact
from spo_tracker.events import OrderDomainEvent, OrderQuashed, event_for, order_made
from spo_tracker.interchange import ExportReport, ImportReport
from spo_tracker.reports import Report, ReportContext, build_report, render, write_report
from spo_tracker.storage import (
    DeliveryReport,
    OutboxEntry,
    UnitOfWork,
    outbox_entries,
    scan_incidents,
    verify,
)
from spo_tracker.testing import EventRecorder, FixedClock, SeedStory, an_order, the_seed_story

AT = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/London")


def check_the_version_is_text() -> None:
    assert_type(spo.__version__, str)


def check_domain_records_and_time() -> None:
    period = years_beginning_with(pendulum.Date(2024, 3, 15), 2)
    assert_type(period, DayPeriod)
    assert_type(period.last_day, pendulum.Date)
    assert_type(as_london_date(AT), pendulum.Date)
    account = spo.handle("instagram", "@someone")
    assert_type(account, Identity)
    defendant = spo.Defendant("D1", (spo.NameUse("Alex Example"),)).link(account, AT)
    assert_type(defendant, spo.Defendant)
    incident = spo.Incident(incident_id="I1", occurred_at=AT, kind="message", actor=account)
    assert_type(incident.occurred_at, pendulum.DateTime)


def check_lifecycles() -> spo.Order:
    made = spo.make_order(
        order_id="SPO-1",
        kind=OrderKind.FULL,
        defendant_id="D1",
        protected_person_ids=["P1"],
        applicant=spo.ChiefOfficer(spo.Force("20", "West Midlands Police")),
        court="Birmingham Magistrates' Court",
        made_at=AT,
        terms=[NoContact(term_id="T1", persons=("P1",))],
        duration=spo.Duration(years=2),
    )
    assert_type(made, MadeOrder)
    assert_type(made.warnings, tuple[OpenPointWarning, ...])
    served = spo.serve_order(made.order, at=AT.add(hours=3), actor="PC 1")
    assert_type(served, Fired[spo.Order])
    varied = spo.vary_order(
        served.subject, at=AT.add(days=9), actor="PC 1", applied_by=spo.Party.defendant()
    )
    assert_type(varied.record, TransitionRecord)
    against = AppealAgainst.s4_order(version=2, on_application_of=spo.Party.defendant())
    assert_type(against.decision, AppealedDecision)
    appealed = spo.lodge_appeal(
        varied.subject, at=AT.add(days=10), actor="PC 1", appellant=spo.Party.defendant()
    )
    assert_type(appealed.subject.appeal_pending, bool)
    AppealAgainst.discharge(on_application_of="defendant")  # type: ignore[arg-type]
    assert_type(MACHINES["full_order"].to_mermaid(), str)
    spo.serve_order(made.order, at="2026-03-02", actor="PC 1")  # type: ignore[arg-type]
    return served.subject


def check_events(order: spo.Order) -> None:
    served = spo.serve_order(order, at=AT, actor="PC 1")
    event = event_for(served)
    assert_type(event, spo.DomainEvent)
    assert_type(event.originator_version, int)
    assert_type(event.occurred_at, pendulum.DateTime)
    assert_type(order_made(order, actor="PC 1"), spo.OrderMade)
    assert_type(spo.DomainEvent.from_dict(event.as_dict()), spo.DomainEvent)

    publisher = spo.EventPublisher()

    def on_served(event: spo.OrderServed) -> None:
        assert_type(event.state, str)

    def on_any_order_event(event: OrderDomainEvent) -> None:
        assert_type(event.defendant_id, str)

    cancel = publisher.subscribe(on_served, spo.OrderServed)
    assert_type(cancel, Callable[[], None])
    publisher.subscribe(on_any_order_event, spo.OrderServed, OrderQuashed)
    publisher.subscribe(on_served, spo.OrderMade)  # type: ignore[arg-type]
    assert_type(publisher.publish(event), int)


def check_storage_and_the_outbox(path: Path) -> None:
    assert_type(spo.upgrade(f"sqlite:///{path}"), str)
    store = spo.connect(f"sqlite:///{path}", clock=spo.SystemClock())
    assert_type(store, spo.SqlStore)
    with store.unit_of_work(spo.Actor("PC 1", "officer")) as uow:
        assert_type(uow, UnitOfWork)
        assert_type(uow.orders.get("SPO-1"), spo.Order)
        assert_type(uow.pending_events, tuple[spo.DomainEvent, ...])
        uow.commit()
    publisher = spo.EventPublisher()
    report = spo.deliver_outbox(store, publisher, 100)
    assert_type(report, DeliveryReport)
    assert_type(report.delivered, int)
    assert_type(outbox_entries(store), list[OutboxEntry])
    assert_type(verify(store).ok, bool)
    incidents: Iterator[spo.Incident] = scan_incidents(store)
    del incidents
    spo.deliver_outbox(store, publisher, "100")  # type: ignore[arg-type]


def check_interchange_and_reports(store: spo.Store, path: Path) -> None:
    officer = spo.Actor("PC 1", "officer")
    imported = spo.import_file(store, path, actor=officer, at=AT)
    assert_type(imported, ImportReport)
    exported = spo.export_file(store, path, actor=officer, at=AT, source="20")
    assert_type(exported, ExportReport)
    alerts: list[spo.Alert] = []
    context = ReportContext.of(orders=[], defendants=[], protected_persons=[], incidents=[])
    report = build_report(alerts, context, now=AT)
    assert_type(report, Report)
    assert_type(write_report(report, "html", path), Path)
    assert_type(render(report, "json"), str)


def check_casework(store: spo.Store, path: Path) -> None:
    system = spo.Actor("nightly-job", "system")
    run = spo.run_detection(store, at=AT, actor=system)
    assert_type(run, DetectionRun)
    assert_type(run.alerts, tuple[spo.Alert, ...])
    assert_type(run.stored, AlertsStored)
    assert_type(run.stored.new, int)
    assert_type(run.stored.new_ids, tuple[str, ...])
    written = spo.report_from_store(store, at=AT, actor=system, fmt="html", output=path)
    assert_type(written, ReportWritten)
    assert_type(written.path, Path)
    spo.run_detection(store, AT, system)  # type: ignore[call-arg]


def check_errors() -> None:
    error: spo.SpoTrackerError = spo.NotFoundError("order", "SPO-9")
    assert isinstance(error, LookupError)
    delivery = spo.EventDeliveryError("OrderServed", "SPO-1", 2, 0, ValueError("x"))
    assert_type(delivery.cause, BaseException)


def check_the_testing_module() -> None:
    clock = FixedClock()
    assert_type(clock(), pendulum.DateTime)
    assert_type(clock.advance(hours=1), pendulum.DateTime)
    accepted: spo.Clock = clock
    del accepted
    store = spo.connect("sqlite:///x.sqlite", clock=clock)
    del store
    story = the_seed_story()
    assert_type(story, SeedStory)
    assert_type(story.incidents, tuple[spo.Incident, ...])
    assert_type(an_order(), spo.Order)
    recorder = EventRecorder()
    assert_type(recorder.of_type(spo.BreachFlagged), list[spo.BreachFlagged])
    detector = spo.Detector([story.order], [story.defendant])
    assert_type(detector.scan(story.incidents).alerts, tuple[spo.Alert, ...])
