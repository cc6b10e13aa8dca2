"""Every read of a protected person's restricted details is checked, whichever method
reads it, and the switch that skips the check is not public API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spo_tracker.errors import PermissionDeniedError
from spo_tracker.storage import Actor, Repository, Store, UnitOfWork
from tests.storage import builders
from tests.storage.conftest import ACTOR, BACKENDS

ANALYST = Actor("An 3", "analyst", purpose="trends")


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    "read",
    [
        pytest.param(
            lambda uow, key: Repository.get_many(uow.protected_persons, [key]), id="get_many"
        ),
        pytest.param(lambda uow, key: Repository.get(uow.protected_persons, key), id="get"),
    ],
)
def test_the_base_class_methods_check_restricted_reads(
    fresh_store: Store, read: Callable[[UnitOfWork, str], object]
) -> None:
    """The base class's get and get_many on the persons' repository are refused to an
    analyst (audited) as the repository's own methods are."""
    person = builders.person("P-1")
    with fresh_store.unit_of_work(ACTOR) as uow:
        uow.protected_persons.add(person)
        uow.commit()
    with pytest.raises(PermissionDeniedError), fresh_store.unit_of_work(ANALYST) as uow:
        read(uow, "P-1")
    last = list(fresh_store.audit_entries())[-1]
    assert (last.event, last.actor_role) == ("permission.denied", "analyst")
    with fresh_store.unit_of_work(ACTOR) as uow:
        read(uow, "P-1")
    assert any(
        e.event == "protected_person.restricted_read" and e.subject_id == "P-1"
        for e in fresh_store.audit_entries()
    )


def test_the_processing_switch_is_not_public() -> None:
    """No public ``processing`` on the unit of work: only the library skips the check."""
    assert not hasattr(UnitOfWork, "processing")
