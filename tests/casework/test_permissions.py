"""Enforcement: refusals are typed, change nothing but their own audit entry, on every backend."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import (
    alert_detail,
    assign_case,
    case_file,
    load_records,
    review_alert,
    run_detection,
    serve_order,
    start_alert_review,
)
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.domain.permissions import PERMISSIONS, Role, Scope, permission_for
from spo_tracker.errors import PermissionDeniedError, UnknownActionError, UnknownRoleError
from spo_tracker.storage import Actor, Store, verify

SERGEANT = Actor("Sgt 12", "supervisor", purpose="caseload supervision")
MINE = Actor("PC 9", "officer", purpose="my case")
OTHER = Actor("PC 4471", "officer", purpose="not my case")
#: The alert on the seed story's order SPO-1001 (a ban breached), as in test_review.py.
BAN = "AL-e16438f369730d61fbb3"


def _trail(store: Store) -> list[tuple[str, str, str]]:
    return [(e.event, e.actor_role, e.subject_id) for e in store.audit_entries()]


def _state(store: Store) -> tuple[tuple[str, ...], tuple[int, ...]]:
    return (
        tuple(e.entry_hash for e in store.audit_entries()),
        tuple(e.position for e in store.outbox_entries()),
    )


def _refused_only(
    store: Store, before: tuple[tuple[str, ...], tuple[int, ...]], role: str, action: str
) -> None:
    """The trail grew by one permission.denied entry naming role and action; nothing else."""
    hashes, outbox = before
    entries = list(store.audit_entries())
    assert tuple(e.entry_hash for e in entries[: len(hashes)]) == hashes
    (denied,) = entries[len(hashes) :]
    assert (denied.event, denied.actor_role, denied.subject_id) == (
        "permission.denied",
        role,
        action,
    )
    assert json.loads(denied.changes)["action"] == action
    assert tuple(e.position for e in store.outbox_entries()) == outbox
    assert verify(store).ok


def test_an_analyst_may_not_run_detection_and_the_refusal_is_audited(demo_store: Store) -> None:
    """PermissionDeniedError naming role and action; only the refusal is recorded."""
    before = _state(demo_store)
    analyst = Actor("A 1", "analyst", purpose="trend analysis")
    with pytest.raises(PermissionDeniedError, match="role 'analyst' may not run_detection"):
        run_detection(demo_store, at=NOW, actor=analyst)
    _refused_only(demo_store, before, "analyst", "run_detection")


def test_a_restricted_read_without_a_purpose_is_refused(demo_store: Store) -> None:
    """load_records returns restricted details: an officer with no purpose is refused."""
    before = _state(demo_store)
    with pytest.raises(PermissionDeniedError, match="state a purpose"):
        load_records(demo_store, actor=Actor("PC 1", "officer"), at=NOW)
    _refused_only(demo_store, before, "officer", "load_records")


def test_the_unit_of_works_restricted_read_needs_role_and_purpose(demo_store: Store) -> None:
    """uow.protected_persons.get: an auditor, or a supervisor without purpose, is refused;
    a supervisor with a purpose reads, audited."""
    person = "P-1001"
    for actor, says in (
        (Actor("Aud 1", "auditor", purpose="audit"), "role 'auditor' may not read_restricted"),
        (Actor("Sgt 1", "supervisor"), "state a purpose"),
    ):
        before = _state(demo_store)
        with (
            demo_store.unit_of_work(actor, at=NOW) as uow,
            pytest.raises(PermissionDeniedError, match=says),
        ):
            uow.protected_persons.get(person)
        _refused_only(demo_store, before, actor.role, "read_restricted")
    with demo_store.unit_of_work(SERGEANT, at=NOW) as uow:
        assert uow.protected_persons.get(person).person_id == person
    assert ("protected_person.restricted_read", "supervisor", person) in _trail(demo_store)[-2:]


def test_an_unknown_role_is_refused_and_audited(demo_store: Store) -> None:
    """A role not in the table: UnknownRoleError (a PermissionDeniedError), audited."""
    before = _state(demo_store)
    with pytest.raises(UnknownRoleError, match="role 'system' may not serve_order"):
        serve_order(demo_store, "SPO-1001", at=NOW, actor=Actor("job", "system"))
    _refused_only(demo_store, before, "system", "serve_order")


def test_an_action_missing_from_the_table_changes_nothing(demo_store: Store) -> None:
    """uow.authorise of an action with no row: UnknownActionError; nothing is written."""
    before = _state(demo_store)
    with demo_store.unit_of_work(SERGEANT, at=NOW) as uow, pytest.raises(UnknownActionError):
        uow.authorise("dispose_of_everything")
    assert _state(demo_store) == before


def test_software_may_not_decide_a_review(demo_store: Store) -> None:
    """The ingest service may not review an alert (a person decides, SPA2019 s.8(1))."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    before = _state(demo_store)
    with pytest.raises(PermissionDeniedError, match="role 'ingest' may not review_alert"):
        review_alert(demo_store, BAN, outcome="referred", at=NOW, actor=DEMO_ACTOR)
    _refused_only(demo_store, before, "ingest", "review_alert")


def test_an_officer_works_their_own_and_unassigned_cases_only(demo_store: Store) -> None:
    """Unassigned: any officer; assigned to PC 9: PC 9 and supervisors, not PC 4471."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    assert alert_detail(demo_store, BAN, actor=OTHER, at=NOW).entry.alert.alert_id == BAN
    with pytest.raises(PermissionDeniedError, match="role 'officer' may not assign_case"):
        assign_case(demo_store, "SPO-1001", officer="PC 9", unit="PPU", force="WMP", at=NOW,
                    actor=MINE)  # fmt: skip
    assign_case(demo_store, "SPO-1001", officer="PC 9", unit="PPU", force="WMP", at=NOW,
                actor=SERGEANT)  # fmt: skip
    before = _state(demo_store)
    with pytest.raises(PermissionDeniedError, match="another officer's"):
        start_alert_review(demo_store, BAN, at=NOW, actor=OTHER)
    _refused_only(demo_store, before, "officer", "start_alert_review")
    with pytest.raises(PermissionDeniedError, match="another officer's"):
        case_file(demo_store, "D-1001", at=NOW, actor=OTHER)
    assert start_alert_review(demo_store, BAN, at=NOW, actor=MINE).alert.alert_id == BAN
    assert (
        case_file(demo_store, "D-1001", at=NOW, actor=SERGEANT).defendant.defendant_id == "D-1001"
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.sampled_from(Role), row=st.sampled_from(PERMISSIONS), purpose=st.booleans())
def test_the_unit_of_work_authorises_every_role_and_action_as_the_table_says(
    empty_store: Store, role: Role, row: object, purpose: bool
) -> None:
    """Every role x every action: allowed exactly when the table allows it, else refused and
    audited (one permission.denied entry), on every backend."""
    action = permission_for(row.action)  # type: ignore[attr-defined]
    actor = Actor("someone", role.value, purpose="why" if purpose else None)
    allowed = action.scope(role) is not Scope.NONE and (purpose or not action.purpose)
    before = len(list(empty_store.audit_entries()))
    with empty_store.unit_of_work(actor, at=NOW) as uow:
        if allowed:
            assert uow.authorise(action.action) is action.scope(role)
        else:
            with pytest.raises(PermissionDeniedError):
                uow.authorise(action.action)
    after = list(empty_store.audit_entries())
    assert len(after) == before + (0 if allowed else 1)
    if not allowed:
        assert (after[-1].event, after[-1].subject_id) == ("permission.denied", action.action)


def test_an_unassigned_sibling_order_opens_nothing(demo_store: Store) -> None:
    """D-1004 has SPO-1004 and the interim SPO-1004-I: with SPO-1004 assigned to PC 9 and
    the interim to no one, PC 4471 may not have D-1004's case file (refused, audited);
    PC 9 may (theirs and no one's)."""
    assign_case(demo_store, "SPO-1004", officer="PC 9", unit="PPU", force="WMP", at=NOW,
                actor=SERGEANT)  # fmt: skip
    before = _state(demo_store)
    with pytest.raises(PermissionDeniedError, match="'SPO-1004' is another officer's"):
        case_file(demo_store, "D-1004", at=NOW, actor=OTHER)
    _refused_only(demo_store, before, "officer", "case_file")
    assert case_file(demo_store, "D-1004", at=NOW, actor=MINE).defendant.defendant_id == "D-1004"
