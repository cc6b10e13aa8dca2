"""What the demo scenario's stories share: the demo's "now", the fictional force and
court, the record-building helpers and the builder the stories add to.

Everything is fictional and deterministic.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterator
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.lifecycles import make_order, serve_order
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderKind
from spo_tracker.domain.people import (
    Address,
    ChiefOfficer,
    Defendant,
    Force,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
)
from spo_tracker.domain.terms import (
    PositiveRequirement,
    SignOnSchedule,
    Term,
)

__all__ = [
    "ABUSE",
    "ACTOR",
    "AREA",
    "CHIEF",
    "COURT",
    "FORCE",
    "LONDON",
    "NOW",
    "SEED_MESSAGES",
    "TWO_YEARS",
    "Builder",
    "Case",
    "complied",
    "defendant_with",
    "full_order",
    "message",
    "on_day",
    "protected_person",
    "served",
]

#: The demo's "now": the time the reports are generated for.
NOW: Final = pendulum.datetime(2026, 3, 20, 9, 0, tz="Europe/London")
#: The seed story: abusive messages in one London day (West Midlands Police, 2020).
SEED_MESSAGES: Final = 104

LONDON: Final = pendulum.timezone("Europe/London")
FORCE: Final = Force("20", "West Midlands Police")
CHIEF: Final = ChiefOfficer(FORCE)
COURT: Final = "Birmingham Magistrates' Court"
AREA: Final = "West Midlands"
ACTOR: Final = "demo:PC 4471"
TWO_YEARS: Final = Duration(years=2)
ABUSE: Final = (
    "You think blocking me works? I'm still here.",
    "Answer me. You owe me that much.",
    "Everyone will know what you did.",
    "I saw your story. Nice try hiding.",
    "Why are you ignoring me?",
    "You'll regret going to the police.",
    "I made this account just for you.",
    "Still awake? I am.",
)


def on_day(day: int, month: int, hour: int, minute: int = 0, year: int = 2026) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz="Europe/London")


@attrs.frozen
class Case:
    """One story in the scenario, for the summary.

    Attributes:
        key: a stable key (``seed``, ``zone``...).
        title: what it shows, in a few words.
        defendant_id: the defendant.
        order_ids: the orders involved.
        note: what happened that is not an alert (e.g. a refused discharge), if anything.
        alert_kinds: the kinds of the defendant's alerts that belong to this story
            (empty: all of them).
    """

    key: str
    title: str
    defendant_id: str
    order_ids: tuple[str, ...] = ()
    note: str = ""
    alert_kinds: tuple[str, ...] = ()


def complied(order: Order, until: pendulum.DateTime) -> Iterator[ComplianceRecord]:
    """Records of a defendant who complied with every positive requirement of ``order``
    (SPA2019 s.1(2)(b)) up to ``until``: each requirement met on its due day, a sign-on on
    every scheduled London day from the day the order was made."""
    first, last = order.made_at.in_timezone("Europe/London").date(), until.date()
    done: set[str] = set()
    for version in order.versions:
        for term in version.terms:
            if term.term_id in done:
                continue
            done.add(term.term_id)
            if isinstance(term, PositiveRequirement) and term.due_on <= last:
                due = term.due_on
                at = pendulum.datetime(due.year, due.month, due.day, 11, tz="Europe/London")
                yield _met(f"REQ-{order.order_id}-{term.term_id}", order, term.term_id, at)
            elif isinstance(term, SignOnSchedule):
                yield from _signed(order, term, first, last)


def _signed(
    order: Order, term: SignOnSchedule, first: pendulum.Date, last: pendulum.Date
) -> Iterator[ComplianceRecord]:
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        if (ordinal + 6) % 7 in term.weekdays:  # ordinal 1 (1 January 1) was a Monday
            day = _dt.date.fromordinal(ordinal)
            at = pendulum.DateTime(day.year, day.month, day.day, 10, tzinfo=LONDON)
            key = f"SIGN-{order.order_id}-{term.term_id}-{day.isoformat()}"
            yield _met(key, order, term.term_id, at, station=term.station)


def _met(
    key: str, order: Order, term_id: str, at: pendulum.DateTime, *, station: str = ""
) -> ComplianceRecord:
    note = f"signed on at {station}" if station else "attended"
    return ComplianceRecord(
        key, order.defendant_id, order.order_id, term_id, at, recorded_by=ACTOR, note=note
    )


def protected_person(
    person_id: str, name: str, line: str, postcode: str, at: GeoPoint
) -> ProtectedPerson:
    address = Address((line, "Birmingham"), postcode, at)
    return ProtectedPerson(person_id, name, RestrictedDetails(address=address))


def defendant_with(
    defendant_id: str, name: str, *linked: tuple[Identity, pendulum.DateTime]
) -> Defendant:
    defendant = Defendant(defendant_id, (NameUse(name),))
    for identity, when in linked:
        defendant = defendant.link(identity, when)
    return defendant


def full_order(
    order_id: str,
    defendant_id: str,
    persons: tuple[str, ...],
    made_at: pendulum.DateTime,
    *terms: Term,
    replaces: Order | None = None,
) -> Order:
    made = make_order(
        order_id=order_id,
        kind=OrderKind.FULL,
        defendant_id=defendant_id,
        protected_person_ids=persons,
        applicant=CHIEF,
        court=COURT,
        made_at=made_at,
        terms=terms,
        duration=TWO_YEARS,
        application_id=f"APP-{defendant_id}",
        replaces=replaces,
        reason="made on the chief officer's application",
    )
    return made.order


def served(order: Order, at: pendulum.DateTime) -> Order:
    return serve_order(order, at=at, actor=ACTOR).subject


def message(
    incident_id: str,
    at: pendulum.DateTime,
    actor: Identity,
    target: str,
    summary: str,
    *,
    kind: IncidentKind = IncidentKind.MESSAGE,
    reported: pendulum.DateTime | None = None,
) -> Incident:
    return Incident(
        incident_id=incident_id,
        occurred_at=at,
        kind=kind,
        actor=actor,
        target_person_id=target,
        summary=summary,
        reported_at=reported or at.add(hours=20),
    )


@attrs.define
class Builder:
    """Collects the scenario's records case by case."""

    rng: random.Random
    defendants: list[Defendant] = attrs.field(factory=list)
    persons: list[ProtectedPerson] = attrs.field(factory=list)
    orders: list[Order] = attrs.field(factory=list)
    duties: list[NotificationDuty] = attrs.field(factory=list)
    incidents: list[Incident] = attrs.field(factory=list)
    cases: list[Case] = attrs.field(factory=list)
    compliance: list[ComplianceRecord] = attrs.field(factory=list)
