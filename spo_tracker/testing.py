"""Helpers for integrators' own tests: an in-memory store, a fixed clock, data builders.

Use these in the tests of a system built on spo_tracker, instead of a
database and the wall clock::

    from spo_tracker.testing import FixedClock, a_defendant, an_order, in_memory_store

    clock = FixedClock(pendulum.datetime(2026, 3, 20, 9, tz="Europe/London"))
    store = in_memory_store(clock=clock)
    with store.unit_of_work(OFFICER) as uow:
        uow.defendants.add(a_defendant())
        ...

- :func:`in_memory_store` gives the storage layer's own
  :class:`~spo_tracker.storage.InMemoryStore` (the same contract, audit chain
  and outbox as SQLite and PostgreSQL, in a dictionary), not a second fake.
- :class:`FixedClock` is a :class:`~spo_tracker.clock.Clock` that stands still
  until you move it.
- The builders (:func:`a_defendant`, :func:`a_protected_person`,
  :func:`an_order`, :func:`an_incident`, :func:`the_seed_story`) make valid
  records in one line, through the library's own constructors and lifecycle
  functions, so every record they return obeys the Act as the library reads
  it. Every argument has a sensible default; override what your test is about.
- :class:`EventRecorder` is a handler that keeps the events it is given.

Everything here is deterministic: no randomness, no wall clock.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Final, TypeVar

import attrs
import pendulum

from spo_tracker.clock import Clock
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity, handle
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.lifecycles import make_order, serve_order
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
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.terms import NoContact, PlatformBan, Term
from spo_tracker.events import DomainEvent
from spo_tracker.storage import Actor, InMemoryStore

__all__ = [
    "FORCE",
    "MADE_AT",
    "NOW",
    "OFFICER",
    "SEED_MESSAGES",
    "TWO_YEARS",
    "EventRecorder",
    "FixedClock",
    "SeedStory",
    "a_chief_officer",
    "a_defendant",
    "a_protected_person",
    "an_incident",
    "an_order",
    "in_memory_store",
    "the_seed_story",
]

E = TypeVar("E", bound=DomainEvent)

#: The builders' default "now": Friday 20 March 2026, 09:00 London time.
NOW: Final = pendulum.datetime(2026, 3, 20, 9, 0, tz="Europe/London")
#: When :func:`an_order` makes its order by default: Monday 2 March 2026, 10:30 London time.
MADE_AT: Final = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/London")
#: The force of the builders' chief officer.
FORCE: Final = Force("20", "West Midlands Police")
#: An officer to act as in units of work.
OFFICER: Final = Actor("PC 4471", "officer", purpose="testing")
#: The minimum fixed period of a full order (SPA2019 s.3(2)), :func:`an_order`'s default.
TWO_YEARS: Final = Duration(years=2)
#: The seed story's messages in one day (West Midlands Police, 2020).
SEED_MESSAGES: Final = 104


class FixedClock:
    """A clock that stands still until it is moved: give it to a store or a service.

    Args:
        at: the instant it shows (aware; default :data:`NOW`).

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """

    def __init__(self, at: _dt.datetime = NOW) -> None:
        self._at = ensure_aware(at, field="at")

    def __call__(self) -> pendulum.DateTime:
        """The instant it shows."""
        return self._at

    @property
    def now(self) -> pendulum.DateTime:
        """The instant it shows (the same as calling it)."""
        return self._at

    def set(self, at: _dt.datetime) -> None:
        """Show ``at`` from now on (it may go back: it is a test's clock)."""
        self._at = ensure_aware(at, field="at")

    def advance(
        self, *, days: int = 0, hours: int = 0, minutes: int = 0, seconds: int = 0
    ) -> pendulum.DateTime:
        """Move forward by an exact duration (clock changes included); returns the new instant."""
        self._at = self._at.add(days=days, hours=hours, minutes=minutes, seconds=seconds)
        return self._at

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"


def in_memory_store(*, clock: Clock | None = None) -> InMemoryStore:
    """An empty :class:`~spo_tracker.storage.InMemoryStore` with a clock.

    Args:
        clock: the store's clock (default: a new ``FixedClock()`` at :data:`NOW`).
    """
    return InMemoryStore(clock=clock if clock is not None else FixedClock())


class EventRecorder:
    """A handler that keeps every event it is given, in order.

    Subscribe it to an :class:`~spo_tracker.events.EventPublisher` or pass it
    to :func:`~spo_tracker.storage.deliver_outbox` directly.
    """

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def __call__(self, event: DomainEvent) -> None:
        """Keep ``event``."""
        self.events.append(event)

    def of_type(self, event_type: type[E]) -> list[E]:
        """The kept events that are instances of ``event_type``, in order."""
        return [e for e in self.events if isinstance(e, event_type)]

    @property
    def types(self) -> list[str]:
        """The kept events' type names, in order (handy in assertions)."""
        return [e.event_type for e in self.events]


def a_chief_officer(code: str = "20", name: str = "West Midlands Police") -> ChiefOfficer:
    """The chief officer of a territorial force (SPA2019 s.1(1), s.14(1))."""
    return ChiefOfficer(Force(code, name))


def a_defendant(
    defendant_id: str = "D1",
    *,
    name: str = "Alex Example",
    identities: Iterable[Identity] = (),
    linked_at: _dt.datetime = MADE_AT,
    date_of_birth: _dt.date | None = None,
) -> Defendant:
    """A defendant with one name and the given identities linked at ``linked_at``."""
    defendant = Defendant(defendant_id, (NameUse(name),), date_of_birth=date_of_birth)
    for identity in identities:
        defendant = defendant.link(identity, linked_at)
    return defendant


def a_protected_person(
    person_id: str = "P1",
    *,
    name: str = "Sam Example",
    address: Address | None = None,
) -> ProtectedPerson:
    """A protected person; the address, if given, goes in the restricted compartment."""
    return ProtectedPerson(person_id, name, RestrictedDetails(address=address))


def an_order(
    order_id: str = "SPO-1",
    *,
    defendant_id: str = "D1",
    protected_person_ids: Sequence[str] = ("P1",),
    kind: OrderKind | str = OrderKind.FULL,
    terms: Iterable[Term] | None = None,
    made_at: _dt.datetime = MADE_AT,
    duration: Duration | None = TWO_YEARS,
    served_at: _dt.datetime | None = None,
    served: bool = True,
    applicant: ChiefOfficer | None = None,
    court: str = "Birmingham Magistrates' Court",
    application_id: str | None = None,
) -> Order:
    """An order made with :func:`~spo_tracker.domain.lifecycles.make_order` (so the Act's
    checks run), and served with :func:`~spo_tracker.domain.lifecycles.serve_order`.

    Args:
        application_id: the application it was made on; an interim order needs one
            (SPA2019 s.5(1)), by default ``APP-<order_id>``.
        terms: default: no contact with the protected persons (SPO-P01).
        duration: the fixed period beginning with the day made (default 2 years, the
            SPA2019 s.3(2) minimum for a full order); ``None``: until further order.
        served_at: when it was served (default: 3 hours after it was made).
        served: ``False`` leaves the order MADE and unserved.

    Raises:
        OrderPeriodError: a period the Act does not allow (e.g. a full order for 1 year).
    """
    people = tuple(protected_person_ids)
    chosen = tuple(terms) if terms is not None else (NoContact(term_id="T1", persons=people),)
    made = make_order(
        order_id=order_id,
        kind=kind,
        defendant_id=defendant_id,
        protected_person_ids=people,
        applicant=applicant or a_chief_officer(),
        court=court,
        made_at=ensure_aware(made_at, field="made_at"),
        terms=chosen,
        duration=duration,
        application_id=application_id or _interim_application(kind, order_id),
    ).order
    if not served:
        return made
    at = made.made_at.add(hours=3) if served_at is None else ensure_aware(served_at, field="at")
    return serve_order(made, at=at, actor="testing").subject


def _interim_application(kind: OrderKind | str, order_id: str) -> str | None:
    interim = kind is OrderKind.INTERIM or kind == OrderKind.INTERIM.value
    return f"APP-{order_id}" if interim else None


def an_incident(
    incident_id: str = "I-1",
    *,
    at: _dt.datetime = NOW,
    kind: IncidentKind | str = IncidentKind.MESSAGE,
    actor: Identity | None = None,
    defendant_id: str | None = "D1",
    target_person_id: str | None = "P1",
    location: GeoPoint | None = None,
    summary: str = "",
    reported_at: _dt.datetime | None = None,
) -> Incident:
    """An incident; attributed directly to ``defendant_id`` unless an ``actor`` is given
    (then it is attributed through the identities linked to a defendant)."""
    return Incident(
        incident_id=incident_id,
        occurred_at=ensure_aware(at, field="at"),
        kind=kind,
        actor=actor,
        defendant_id=None if actor is not None else defendant_id,
        target_person_id=target_person_id,
        location=location,
        summary=summary,
        reported_at=reported_at,
    )


@attrs.frozen
class SeedStory:
    """The story that started the project, as records.

    An SPO bans Mark Ellison from Instagram, Facebook and Twitter; on 14 March
    2026 a new Instagram account sends Sarah Collins 104 abusive messages, and
    the account is linked to him only on 17 March. Breach detection over it
    gives one grouped breach alert and one escalation.

    Attributes:
        defendant: Mark Ellison, with the account linked.
        protected_person: Sarah Collins (her address in the restricted compartment).
        order: the served order ``SPO-SEED``.
        incidents: the 104 messages, oldest first.
        account: the Instagram account.
        now: when to look at it (:data:`NOW`).
    """

    defendant: Defendant
    protected_person: ProtectedPerson
    order: Order
    incidents: tuple[Incident, ...]
    account: Identity
    now: pendulum.DateTime = NOW


def the_seed_story() -> SeedStory:
    """The seed story (see :class:`SeedStory`); the same records on every call."""
    account = handle("instagram", "truth_teller_2026")
    made = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/London")
    order = an_order(
        "SPO-SEED",
        defendant_id="D-SEED",
        protected_person_ids=("P-SEED",),
        terms=(PlatformBan(term_id="T1", platforms=("instagram", "facebook", "twitter")),),
        made_at=made,
        served_at=made.add(hours=3, minutes=35),
    )
    start = pendulum.datetime(2026, 3, 14, 7, 2, tz="Europe/London")
    messages = tuple(
        an_incident(
            f"SEED-{n + 1:03d}",
            at=start.add(minutes=9 * n),  # 104 messages over 15.5 hours: all on 14 March
            actor=account,
            target_person_id="P-SEED",
            summary="Answer me. You owe me that much.",
            reported_at=pendulum.datetime(2026, 3, 15, 10, tz="Europe/London"),
        )
        for n in range(SEED_MESSAGES)
    )
    home = Address(("14 Wren Close", "Birmingham"), "B17 0QT", GeoPoint(52.4589, -1.9546))
    return SeedStory(
        defendant=a_defendant(
            "D-SEED",
            name="Mark Ellison",
            identities=(account,),
            linked_at=pendulum.datetime(2026, 3, 17, 11, 20, tz="Europe/London"),
        ),
        protected_person=a_protected_person("P-SEED", name="Sarah Collins", address=home),
        order=order,
        incidents=messages,
        account=account,
    )
