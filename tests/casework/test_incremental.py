"""Incremental detection runs end with the stored alerts of full runs, on every backend.

Generated histories: the demo scenario's records, and its incidents split into
a random sequence of ingests with a detection run after each. One store runs
incrementally (the default), a twin store runs every run in full; the stored
alerts must end identical. When the incidents arrive in time order and every
run judges as of the same instant, the incremental sequence must also end
with exactly the stored alerts of one full run over the whole history.

(In general a sequence of runs, full or not, can keep an alert one full run
would not raise: an incident reported late can move where an escalation
episode starts, and a stored alert is never deleted by a run. So the exact
comparison with one full run is made where no such alert can arise.)
"""

from __future__ import annotations

import itertools
import random

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.people import Defendant, NameUse, ProtectedPerson
from spo_tracker.errors import SpoTrackerError
from spo_tracker.storage import Store
from tests.casework.builders import store_incidents, store_records
from tests.casework.conftest import NewStore
from tests.casework.test_incremental_people import approached, named_through_shared


class Histories:
    """The demo scenario, and fresh stores on one backend to record histories of it in."""

    def __init__(self, scenario: Scenario, new_store: NewStore) -> None:
        self.scenario = scenario
        self.new_store = new_store

    def __repr__(self) -> str:  # Hypothesis prints it with a failing example: keep it short
        return "Histories(demo scenario)"


@pytest.fixture
def histories(new_store: NewStore, scenario: Scenario) -> Histories:
    """Fresh, empty stores on each backend (``new_store``), one per generated history."""
    return Histories(scenario, new_store)


def _stored(store: Store) -> dict[str, Alert]:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        return uow.alerts.get_many(uow.alerts.ids())


_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


#: Where a history is cut into ingests, in ten-thousandths of its length.
_CUTS = st.lists(st.integers(0, 10_000), min_size=1, max_size=5)


def _split(incidents: list[Incident], cuts: list[int]) -> list[list[Incident]]:
    """``incidents`` cut at ``cuts`` (ten-thousandths of the length), empty parts kept: a
    run with nothing new."""
    bounds = [0, *sorted(c * len(incidents) // 10_000 for c in cuts), len(incidents)]
    return [incidents[a:b] for a, b in itertools.pairwise(bounds)]


@_SETTINGS
@given(
    shuffle=st.randoms(use_true_random=False),
    cuts=_CUTS,
    hours=st.lists(st.integers(0, 24 * 50), min_size=6, max_size=6),
)
def test_incremental_runs_store_what_full_runs_store(
    histories: Histories,
    shuffle: random.Random,
    cuts: list[int],
    hours: list[int],
) -> None:
    """Ingests in any order, each followed by a run at a later (or the same) instant: the
    incremental runs end with exactly the stored alerts of full runs after the same ingests.
    """
    scenario, new_store = histories.scenario, histories.new_store
    incidents = sorted(scenario.all_incidents(), key=lambda i: i.incident_id)
    shuffle.shuffle(incidents)
    parts = _split(incidents, cuts)
    # Instants up to 50 days before NOW (before the first incident), nondecreasing: a run
    # can leave incidents in its future for the next run to find.
    instants = [NOW.subtract(hours=h) for h in sorted(hours[: len(parts)], reverse=True)]
    instants[-1] = NOW  # the last run sees everything
    with new_store() as incremental, new_store() as full:
        _compare_with_full_runs(scenario, parts, instants, incremental, full)


def _compare_with_full_runs(
    scenario: Scenario,
    parts: list[list[Incident]],
    instants: list[pendulum.DateTime],
    incremental: Store,
    full: Store,
) -> None:
    for store in (incremental, full):
        store_records(store, scenario)
    modes = []
    for part, at in zip(parts, instants, strict=True):
        for store in (incremental, full):
            store_incidents(store, part)
        modes.append(run_detection(incremental, at=at, actor=DEMO_ACTOR).incremental)
        run_detection(full, at=at, actor=DEMO_ACTOR, full=True)
    assert modes[0] is False  # the first run has no watermark
    assert all(modes[1:])
    assert _stored(incremental) == _stored(full)


@_SETTINGS
@given(cuts=_CUTS)
def test_incremental_runs_over_a_history_in_time_order_store_one_full_runs_alerts(
    histories: Histories, cuts: list[int]
) -> None:
    """Incidents arriving in time order, a run as of NOW after each ingest: the stored
    alerts are exactly those of one full run over the whole history."""
    scenario, new_store = histories.scenario, histories.new_store
    incidents = sorted(scenario.all_incidents(), key=lambda i: (i.occurred_at, i.incident_id))
    with new_store() as incremental, new_store() as once:
        for store in (incremental, once):
            store_records(store, scenario)
        for part in _split(incidents, cuts):
            store_incidents(incremental, part)
            run_detection(incremental, at=NOW, actor=DEMO_ACTOR)
        store_incidents(once, incidents)
        run_detection(once, at=NOW, actor=DEMO_ACTOR)
        assert _stored(incremental) == _stored(once)


#: A write of casework between ingests: ("move", person, place), ("rename", defendant),
#: ("add", identity) a new defendant linked to one, ("link", defendant, identity),
#: ("unlink", defendant, identity) that identity if they hold it, else their first,
#: ("person",) a new person; or a stored
#: incident corrected: ("retime", incident, hours), ("reassign", incident, defendant or
#: none), ("rekind", incident, kind), ("retarget", incident, person or none), ("unplace",
#: incident), ("reactor", incident) another phone. The first person, place, identity and
#: incidents are those that matter (see :func:`_write_casework`).
_WRITES = st.lists(
    st.one_of(
        st.tuples(st.just("retime"), st.integers(0, 3), st.integers(-72, 72)),
        st.tuples(st.just("reassign"), st.integers(0, 3), st.integers(0, 99)),
        st.tuples(st.just("rekind"), st.integers(0, 3), st.integers(0, 99)),
        st.tuples(st.just("retarget"), st.integers(0, 3), st.integers(0, 99)),
        st.tuples(st.just("unplace"), st.integers(0, 99)),
        st.tuples(st.just("reactor"), st.integers(0, 3)),
        st.tuples(st.just("move"), st.integers(0, 2), st.integers(0, 1)),
        st.tuples(st.just("rename"), st.integers(0, 99)),
        st.tuples(st.just("add"), st.integers(0, 3)),
        st.tuples(st.just("link"), st.integers(0, 99), st.integers(0, 3)),
        st.tuples(st.just("unlink"), st.integers(0, 99), st.integers(0, 3)),
        st.tuples(st.just("person")),
    ),
    max_size=3,
)


_CORRECTIONS = ("retime", "reassign", "rekind", "retarget", "unplace", "reactor")


def _corrected(incident: Incident, what: object, picks: list[int], scenario: Scenario) -> Incident:
    """``incident`` corrected as ``what`` says (see :data:`_WRITES`)."""
    pick = picks[0] if picks else 0
    if what == "retime":
        return attrs.evolve(
            incident, occurred_at=incident.occurred_at.add(hours=pick), reported_at=None
        )
    if what == "reassign":
        who = [None, *(d.defendant_id for d in scenario.defendants)]
        return attrs.evolve(incident, defendant_id=who[pick % len(who)])
    if what == "rekind":
        kinds = list(IncidentKind)
        return attrs.evolve(incident, kind=kinds[pick % len(kinds)])
    if what == "retarget":
        persons = [None, *(p.person_id for p in scenario.protected_persons)]
        return attrs.evolve(incident, target_person_id=persons[pick % len(persons)])
    if what == "unplace":
        return attrs.evolve(incident, location=None)
    return attrs.evolve(incident, actor=phone("+447700900997"))


def _write_casework(
    store: Store,
    scenario: Scenario,
    writes: list[tuple[object, ...]],
    n: int,
    stored: list[Incident],
) -> bool:
    """Apply ``writes`` (the ``n``-th set) to ``store``, in one unit of work; whether an
    identity was unlinked from a defendant or one that acted in an incident changed (the
    next run is then full). Persons, places, identities and incidents (among those
    ``stored``) are picked mostly among the few that change alerts: the person an order
    forbids approaching and the place their defendant was fixed at, and the identity
    through which most incidents come, which one alert shares with an incident naming its
    holder (those two incidents first)."""
    fix, _, approached_person = approached(scenario)
    through, named, shared = named_through_shared(scenario)
    ids = {i.incident_id for i in stored}
    firsts = [i.incident_id for i in (through, named) if i.incident_id in ids]
    corrected = [*firsts, *sorted(ids)]
    places = [fix.location, *(i.location for i in scenario.all_incidents() if i.location)]
    persons = [approached_person, *(p.person_id for p in scenario.protected_persons)]
    linked = [shared, *(li for d in scenario.defendants for li in d.identities)]
    full = False
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        for m, write in enumerate(writes):
            what, *which = write
            picks = [w for w in which if isinstance(w, int)]
            if what in _CORRECTIONS:
                if not corrected:
                    continue
                incident = uow.incidents.get(corrected[picks[0] % len(corrected)])
                try:
                    fixed = _corrected(incident, what, picks[1:], scenario)
                except SpoTrackerError:
                    continue  # not a valid incident (a kind that needs a place...)
                full = full or fixed.actor != incident.actor
                uow.incidents.update(fixed)
            elif what == "move":
                person = uow.protected_persons.get(persons[picks[0] % len(persons)])
                where = places[picks[1] % len(places)]
                assert isinstance(where, GeoPoint)
                restricted = attrs.evolve(person.restricted, places=(("home", where),))
                uow.protected_persons.update(attrs.evolve(person, restricted=restricted))
            elif what == "rename":
                defendant = uow.defendants.get(
                    scenario.defendants[picks[0] % len(scenario.defendants)].defendant_id
                )
                names = (*defendant.names, NameUse(f"Alias {n}-{m}"))
                uow.defendants.update(attrs.evolve(defendant, names=names))
            elif what in ("link", "unlink"):
                defendant = uow.defendants.get(
                    scenario.defendants[picks[0] % len(scenario.defendants)].defendant_id
                )
                if what == "link":
                    identities = (*defendant.identities, linked[picks[1] % len(linked)])
                else:
                    # The shared identity first: unlinked from one of two holders, its
                    # incidents become the other's.
                    gone = linked[picks[1] % len(linked)].identity
                    if any(li.identity == gone for li in defendant.identities):
                        identities = tuple(li for li in defendant.identities if li.identity != gone)
                    else:
                        identities = defendant.identities[1:]
                    kept = {li.identity.key for li in identities}
                    full = full or any(li.identity.key not in kept for li in defendant.identities)
                uow.defendants.update(attrs.evolve(defendant, identities=identities))
            elif what == "add":
                identity = linked[picks[0] % len(linked)]
                name = (NameUse(f"New Defendant {n}-{m}"),)
                uow.defendants.add(Defendant(f"D-NEW-{n}-{m}", name, identities=(identity,)))
            else:
                uow.protected_persons.add(ProtectedPerson(f"P-NEW-{n}-{m}", f"Person {n}-{m}"))
        uow.commit()
    return full


@_SETTINGS
@given(
    cuts=_CUTS,
    writes=st.lists(_WRITES, min_size=7, max_size=7),
    hours=st.lists(st.integers(0, 24 * 50), min_size=7, max_size=7),
)
def test_incremental_runs_with_casework_written_between_them_store_what_full_runs_store(
    histories: Histories,
    cuts: list[int],
    writes: list[list[tuple[object, ...]]],
    hours: list[int],
) -> None:
    """Ingests in time order, and between runs protected persons moved or added,
    defendants renamed, added or linked to an identity someone may hold already, an
    identity unlinked, and stored incidents moved in time (past the runs' instant too),
    named for another defendant or given another actor: every run after the first stays
    incremental but after an identity was unlinked or an actor changed, and the stored
    alerts are after each run exactly as full runs leave them.
    """
    scenario, new_store = histories.scenario, histories.new_store
    fix, _, _ = approached(scenario)
    _, named, _ = named_through_shared(scenario)
    incidents = sorted(
        [*scenario.all_incidents(), fix, named], key=lambda i: (i.occurred_at, i.incident_id)
    )
    parts = [*_split(incidents, cuts), []]  # the last run: casework written, nothing new
    # Instants up to 50 days before NOW, nondecreasing, the last at NOW.
    instants = [NOW.subtract(hours=h) for h in sorted(hours[: len(parts)], reverse=True)]
    instants[-1] = NOW
    with new_store() as incremental, new_store() as full:
        stores = (incremental, full)
        for store in stores:
            store_records(store, scenario)
        ingested: list[Incident] = []
        for n, (part, casework) in enumerate(zip(parts, writes, strict=False)):
            # The first run has no watermark; one after an identity unlinked or an actor
            # changed is full.
            full_next = [_write_casework(s, scenario, casework, n, ingested) for s in stores]
            for store in stores:
                store_incidents(store, part)
            ingested += part
            run = run_detection(incremental, at=instants[n], actor=DEMO_ACTOR)
            assert run.incremental is not (n == 0 or full_next[0]), run.full_reason
            run_detection(full, at=instants[n], actor=DEMO_ACTOR, full=True)
            # After every run, not only the last: a later run can mend a run's miss.
            assert _stored(incremental) == _stored(full)


#: Corrections alone (see :data:`_WRITES`), weighted to the incidents that name a
#: defendant and to moving them to another.
_CORRECTING = st.lists(
    st.one_of(
        st.tuples(st.just("reassign"), st.integers(0, 3), st.integers(0, 99)),
        st.tuples(st.just("retime"), st.integers(0, 3), st.integers(-72, 72 * 10)),
        st.tuples(st.just("retarget"), st.integers(0, 3), st.integers(0, 99)),
    ),
    min_size=1,
    max_size=3,
)


@_SETTINGS
@given(rounds=st.lists(_CORRECTING, min_size=1, max_size=3))
def test_incremental_runs_after_corrections_alone_store_what_full_runs_store(
    histories: Histories, rounds: list[list[tuple[object, ...]]]
) -> None:
    """Every incident stored and detected; then rounds of corrections with nothing new, a
    run after each: only the corrected incidents' defendants (now, before, through their
    identity) are judged again, and the stored alerts end as full runs leave them."""
    scenario, new_store = histories.scenario, histories.new_store
    fix, _, _ = approached(scenario)
    _, named, _ = named_through_shared(scenario)
    incidents = [*scenario.all_incidents(), fix, named]
    with new_store() as incremental, new_store() as full:
        stores = (incremental, full)
        for store in stores:
            store_records(store, scenario)
            store_incidents(store, incidents)
        run_detection(incremental, at=NOW, actor=DEMO_ACTOR)
        run_detection(full, at=NOW, actor=DEMO_ACTOR)
        for n, corrections in enumerate(rounds, 1):
            for store in stores:
                _write_casework(store, scenario, corrections, n, incidents)
            assert run_detection(incremental, at=NOW, actor=DEMO_ACTOR).incremental
            run_detection(full, at=NOW, actor=DEMO_ACTOR, full=True)
        assert _stored(incremental) == _stored(full)
