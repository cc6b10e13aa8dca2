"""Running the demo: build the database, detect, write the three reports, summarise.

The demo's database is a SQLite file in the output folder (or any database
named with ``--database``). It is built under a temporary name and renamed into
place only when it is complete, so an interrupted run never leaves a
half-built ``spo-tracker.sqlite`` behind. Every step reports progress through
a callback (the command line prints it on stderr).

The demo stores the applications its orders were made on (built with the
application lifecycle from what the scenario's orders say), so every stored
link from an order to its application holds and the demo's export imports into
a fresh database.

The demo goes through :mod:`spo_tracker.casework`, as a force's nightly job
does: :func:`~spo_tracker.casework.run_detection` stores the alerts it raised
(new ones in bulk: one audited batch), and the reports are written from the
stored alerts by :func:`~spo_tracker.casework.reports_from_store`, so
``spo-tracker report --stored --all`` over the demo database, as of the demo's
``now`` and with its title, writes exactly the demo's reports without
running detection again. The demo's reports hold every alert (``history``),
so every hard case it builds is visible, not only the open alerts of the last
28 days a report holds by default.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shlex
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import attrs

from spo_tracker.casework import Progress, reports_from_store, run_detection
from spo_tracker.demo._scenario import DEFAULT_SCALE, NOW, Scenario, build_scenario
from spo_tracker.detection.engine import ScanResult
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import (
    Application,
    AreaConnection,
    CourtFindings,
    apply_for_interim,
    decide_interim,
    draft_application,
    grant_application,
    lay_application,
)
from spo_tracker.domain.orders import Order, OrderKind
from spo_tracker.domain.people import Defendant
from spo_tracker.errors import InvalidValueError, OutputWriteError
from spo_tracker.reports import FORMATS
from spo_tracker.storage import (
    DATA_KEY_ENV,
    DATA_KEY_FILE_ENV,
    Actor,
    DataKeyring,
    Store,
    connect,
    ingest_incidents,
    mask_url,
    new_data_key_line,
    upgrade,
)

__all__ = [
    "DATABASE_FILE",
    "DATA_KEY_FILE",
    "DEMO_ACTOR",
    "REPORT_FILES",
    "REPORT_TITLE",
    "DemoResult",
    "demo_applications",
    "run_demo",
    "summary_lines",
]

#: Who the demo acts as, on every audit entry.
DEMO_ACTOR: Final = Actor("spo-tracker-demo", "system")
#: The demo database's file name in the output folder.
DATABASE_FILE: Final = "spo-tracker.sqlite"
#: The data key file the demo creates beside its database when no data key is configured.
DATA_KEY_FILE: Final = "data-key"
#: The reports' file names in the output folder, by format.
REPORT_FILES: Final = {fmt: f"breach-alerts.{fmt}" for fmt in FORMATS}
#: The demo reports' title.
REPORT_TITLE: Final = "Suspected breaches and warnings: demo force (fictional data)"
_BATCH: Final = 10_000
#: How long before its first order the demo lays an application: the scenario does
#: not say, and a complaint is commonly listed for a hearing about a week after it
#: is laid (an interim application is made with it and decided when the interim
#: order is made).
_LAID_BEFORE: Final = 7


def _quiet(_: str) -> None:
    """The default progress sink: says nothing."""


@attrs.frozen
class DemoResult:
    """What a demo run built and found.

    Attributes:
        output: the output folder.
        database_url: the database the demo built.
        scenario: the scenario it stored.
        scan: the alerts detection raised, sorted, and the unattributed incidents.
        reports: ``(format, path)`` of each report written.
        data_key_file: the data key file the demo created or reused (``None``: the key
            came from ``SPO_TRACKER_DATA_KEY_FILE`` or ``SPO_TRACKER_DATA_KEY``).
    """

    output: Path
    database_url: str
    scenario: Scenario
    scan: ScanResult
    reports: tuple[tuple[str, Path], ...]
    data_key_file: Path | None = None


def _whole(name: str, value: object, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidValueError(name, value, f"must be a whole number, {minimum} or more")
    return value


def _folder(output: str | os.PathLike[str]) -> Path:
    folder = Path(output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputWriteError(str(folder), error.strerror or type(error).__name__) from None
    try:  # a real probe: permission bits say nothing for root or read-only mounts
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OutputWriteError(str(folder), error.strerror or type(error).__name__) from None
    return folder


def _sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def demo_applications(scenario: Scenario) -> list[Application]:
    """The applications the scenario's orders name, built with the application lifecycle.

    One per ``application_id``: drafted by the first order's chief officer in
    its court for the orders' protected persons, laid a week before the first
    order was made, with an interim application decided (granted) when each
    interim order on it was made, and granted with the full order made on it,
    at that order's making. Every step goes through the lifecycle's guards.

    Raises:
        GuardRejectedError: the scenario's orders do not fit an application the Act allows.
    """
    defendants = {d.defendant_id: d for d in scenario.defendants}
    made_on: dict[str, list[Order]] = {}
    for order in scenario.orders:
        if order.application_id is not None:
            made_on.setdefault(order.application_id, []).append(order)
    return [
        _application(key, sorted(orders, key=lambda o: o.made_at), defendants)
        for key, orders in sorted(made_on.items())
    ]


def _application(key: str, orders: list[Order], defendants: dict[str, Defendant]) -> Application:
    first, actor = orders[0], DEMO_ACTOR.actor_id
    persons = tuple(dict.fromkeys(p for o in orders for p in o.protected_person_ids))
    app = draft_application(
        application_id=key,
        defendant=defendants[first.defendant_id],
        applicant=first.applicant,
        court=first.court,
        protected_person_ids=persons,
    )
    last = first.made_at.subtract(days=_LAID_BEFORE)
    area = AreaConnection.RESIDES_IN_AREA
    app = lay_application(app, at=last, actor=actor, area_connection=area).subject
    for interim in (o for o in orders if o.kind is OrderKind.INTERIM):
        app = apply_for_interim(app, at=last, actor=actor, applicant=interim.applicant).subject
        app = decide_interim(
            app, at=interim.made_at, actor=actor, granted=True, interim_order_id=interim.order_id
        ).subject
        last = interim.made_at
    full = next((o for o in orders if o.kind is OrderKind.FULL), None)
    if full is not None:
        findings = CourtFindings(True, True, True)
        app = grant_application(
            app, at=full.made_at, actor=actor, findings=findings, order_id=full.order_id
        ).subject
    return app


def _store_records(store: Store, scenario: Scenario, progress: Progress) -> None:
    applications = demo_applications(scenario)
    progress(
        f"storing {len(scenario.defendants):,} defendants, "
        f"{len(scenario.protected_persons):,} protected persons, "
        f"{len(applications):,} applications, {len(scenario.orders):,} orders"
    )
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        for defendant in scenario.defendants:
            uow.defendants.add(defendant, reason="demo scenario")
        for person in scenario.protected_persons:
            uow.protected_persons.add(person, reason="demo scenario")
        # Before the orders: an order's link to its application must be met.
        uow.applications.add_many(applications, reason="demo scenario")
        for order in scenario.orders:
            uow.orders.add(order, reason="demo scenario")
        for duty in scenario.duties:
            uow.notification_duties.add(duty, reason="demo scenario")
        uow.commit()


def _ingest(store: Store, scenario: Scenario, progress: Progress) -> None:
    total = scenario.incident_count
    progress(f"ingesting {total:,} incidents")

    def counted() -> Iterator[Incident]:
        for n, incident in enumerate(scenario.all_incidents(), start=1):
            if n % 25_000 == 0:
                progress(f"  ingest: {n:,} of {total:,}")
            yield incident

    ingest_incidents(store, counted(), actor=DEMO_ACTOR, batch_size=_BATCH, at=NOW)


def _record_compliance(store: Store, scenario: Scenario, progress: Progress) -> None:
    progress("recording compliance with positive requirements (attendance, sign-ons)")
    stream, added = scenario.all_compliance(), 0
    while batch := list(itertools.islice(stream, _BATCH)):
        with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
            added += uow.compliance.add_many(batch, reason="demo scenario")
            uow.commit()
    progress(f"  {added:,} compliance records")


def run_demo(
    output: str | os.PathLike[str],
    *,
    seed: int = 0,
    scale: int = DEFAULT_SCALE,
    database_url: str | None = None,
    progress: Progress = _quiet,
) -> DemoResult:
    """Build the demo database, run detection and write the three reports to ``output``.

    Args:
        output: the folder for the database and the reports (created if missing).
        seed: the seed of the synthetic background and the seed story's timings.
        scale: units of background volume, each 20 defendants, 24 orders and 5,000
            incidents (0: the scenario alone).
        database_url: build the demo in this (empty) database instead of a SQLite file
            in ``output``.
        progress: receives a line of text per step.

    Raises:
        InvalidValueError: ``seed`` or ``scale`` is not a whole number in range.
        OutputWriteError: the output folder cannot be created or written.
        DatabaseError: the database named cannot be used (e.g. it already holds records).
    """
    seed, scale = _whole("seed", seed, 0), _whole("scale", scale, 0)
    folder = _folder(output)
    progress(f"building the scenario (seed {seed}, scale {scale})")
    scenario = build_scenario(seed=seed, scale=scale)
    final = folder / DATABASE_FILE
    building = folder / f".{DATABASE_FILE}.building"
    url = database_url or f"sqlite:///{building}"
    if database_url is None:
        _remove(_sqlite_files(building))
    key_file = _data_key_file(folder, progress)
    keys = None if key_file is None else DataKeyring.from_file(key_file)
    try:
        scan, reports = _build(url, scenario, folder, progress, keys)
    except BaseException:
        if database_url is None:
            _remove(_sqlite_files(building))
        raise
    if database_url is None:
        _remove(_sqlite_files(final))
        os.replace(building, final)
        url = f"sqlite:///{final}"
    return DemoResult(folder, url, scenario, scan, reports, key_file)


def _data_key_file(folder: Path, progress: Progress) -> Path | None:
    """The demo's data key file: ``None`` when one is configured in the environment;
    else ``data-key`` in the output folder, created (mode 0600) if missing, so that the
    demo runs on a fresh machine. Protected persons' details are encrypted with it."""
    if os.environ.get(DATA_KEY_FILE_ENV) or os.environ.get(DATA_KEY_ENV):
        return None
    path = folder / DATA_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    except OSError as error:
        raise OutputWriteError(str(path), error.strerror or type(error).__name__) from None
    try:
        os.write(fd, f"{new_data_key_line('demo')}\n".encode())
    finally:
        os.close(fd)
    progress(f"created the data key file {path} (mode 0600)")
    return path


def _build(
    url: str, scenario: Scenario, folder: Path, progress: Progress, keys: DataKeyring | None
) -> tuple[ScanResult, tuple[tuple[str, Path], ...]]:
    progress("creating the database schema")
    upgrade(url, data_keyring=keys)
    store = connect(url, data_keyring=keys)
    with store:
        _store_records(store, scenario, progress)
        _ingest(store, scenario, progress)
        _record_compliance(store, scenario, progress)
        progress("running breach detection")
        run = run_detection(store, at=NOW, actor=DEMO_ACTOR, progress=progress, reason="demo scan")
        progress(f"writing the reports ({len(run.alerts):,} alerts)")
        written = reports_from_store(
            store,
            {fmt: folder / REPORT_FILES[fmt] for fmt in FORMATS},
            at=NOW,
            actor=DEMO_ACTOR,
            stored=True,
            history=True,
            title=REPORT_TITLE,
            reason="demo",
        )
    return run.scan, tuple((w.fmt, w.path) for w in written)


def _alert_line(alert: Alert) -> str:
    flags = " [appeal pending]" if alert.appeal_pending else ""
    severity = alert.severity.value.upper()
    return f"      {severity:8} {alert.title} ({alert.count}){flags} {alert.alert_id}"


def _case_alerts(result: DemoResult, defendant_id: str, kinds: tuple[str, ...]) -> list[Alert]:
    return [
        a
        for a in result.scan.alerts
        if a.defendant_id == defendant_id and (not kinds or a.kind.value in kinds)
    ]


def summary_lines(result: DemoResult) -> list[str]:
    """The demo's short summary for people: counts, each story's alerts, the file paths."""
    scenario, scan = result.scenario, result.scan
    by_severity: dict[str, int] = {}
    for alert in scan.alerts:
        by_severity[alert.severity.value] = by_severity.get(alert.severity.value, 0) + 1
    counts = ", ".join(
        f"{n:,} {s}" for s, n in sorted(by_severity.items(), key=lambda i: -_rank(i[0]))
    )
    lines = [
        f"spo-tracker demo (seed {scenario.seed}, scale {scenario.scale}), as of "
        f"{NOW.format('ddd D MMM YYYY HH:mm')} London time; all data is fictional.",
        f"Stored {len(scenario.defendants):,} defendants, {len(scenario.orders):,} orders and "
        f"{scenario.incident_count:,} incidents; detection raised {len(scan.alerts):,} alerts "
        f"({counts}); {len(scan.unattributed):,} incidents could not be attributed.",
        "",
        "The seed story and the hard cases, with their alerts:",
    ]
    for case in scenario.cases:
        lines.append(f"  - {case.title} ({case.defendant_id}{_orders(case.order_ids)})")
        if case.note:
            lines.append(f"      {case.note}")
        lines += [_alert_line(a) for a in _case_alerts(result, case.defendant_id, case.alert_kinds)]
    # A URL given with --database may carry a password: never printed.
    url = mask_url(result.database_url, url=result.database_url)
    at = NOW.in_timezone("UTC").isoformat()
    lines += ["", "Files:", f"  database  {url}"]
    key = result.data_key_file
    if key is not None:
        lines.append(f"  data key  {key} (encrypts protected persons' details; keep it)")
    lines += [f"  {fmt:9} {path}" for fmt, path in result.reports]
    given = "" if key is None else f" --data-key-file {shlex.quote(str(key))}"
    lines += [
        "",
        "Open the HTML report in a browser. The alerts are stored: write a report of them "
        "again (the same file as above), or run detection afresh, with:",
        f"  spo-tracker --database {url}{given} report --stored --all --at {at} --title "
        f"{shlex.quote(REPORT_TITLE)} --format html --output report.html",
        f"  spo-tracker --database {url}{given} scan --at {at}",
    ]
    return lines


def _orders(order_ids: tuple[str, ...]) -> str:
    return f", {', '.join(order_ids)}" if order_ids else ""


def _rank(severity: str) -> int:
    return ("info", "low", "medium", "high", "critical").index(severity)
