"""What was written since the last detection run, and whether the next run can be
incremental (:mod:`spo_tracker.casework._incremental` reads what it decides).

A run is full, reading every incident, when: it is asked to be
(``full=True``, ``spo-tracker detect --full``); no earlier run left a
watermark; an identity was unlinked from a defendant since the watermark (its
incidents go to whoever else holds it, and the trail, which holds no personal
value, counts the identities unlinked but does not say which they were: erasing
a defendant who had identities is such a change); a person or defendant was
written in some other way than created, changed or (a person) their key
destroyed; an order was moved to another
defendant, or is no longer stored; the identity that acted in a stored incident
was changed (its incidents may have belonged to another defendant before, and
the trail, which holds no identity, does not say whose); or the detection
settings differ from the last run's.

Other writes of the records the rules read stay incremental, judging again only
the defendants they bear on (:func:`changed_since`), as a full run would judge
them:

- an order created or changed otherwise (served, varied, renewed, discharged,
  its appeal lodged...) bears only on its own defendant: the run judges that
  defendant's incidents again and checks the order whole;
- a protected person created, or whose restricted details changed (moved house,
  say) or were disposed of (their key destroyed: their places can no longer be
  read), bears only on the approach rule of the orders naming them (SPA2019
  s.2(1)(c)): those orders are treated as changed; a change of name alone bears
  on no alert;
- a defendant created, or given an identity with none unlinked (a new account
  linked), bears on their own alerts and on those of every defendant an
  identity of theirs is also linked to (an identity now shared attributes its
  incidents to neither): the run judges all of them again; any other change of
  a defendant (a name, an address) bears on no alert, as detection reads a
  defendant only through their identities (no alert holds a name);
- a stored incident changed otherwise (its time, kind, target or place moved, the
  defendant it names corrected, an erasure of an incident with no actor) bears
  on whom it names now, every holder of its actor's identity and whom it named
  before (the trail holds the defendant ids changed): all are judged again,
  whatever the incident's time now.

A force that edits its casework every day (a person moves, a defendant is
added, an incident is corrected) therefore keeps its nightly runs incremental.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Final

import attrs

from spo_tracker.casework._incremental import Watermark
from spo_tracker.domain.orders import Order
from spo_tracker.storage import IDENTITIES_UNLINKED, KEY_DESTROYED, AuditEntry, Store

__all__ = [
    "NOTHING_WRITTEN",
    "ORDER_KIND",
    "Changed",
    "ChangedOrderMissing",
    "changed_since",
    "full_run_reason",
    "orders_naming",
]

#: The audit subject kind of an order's writes.
ORDER_KIND: Final = "order"
#: The audit subject kinds of a defendant's and a protected person's writes.
DEFENDANT_KIND: Final = "defendant"
PERSON_KIND: Final = "protected_person"
#: Records whose change can re-attribute or re-judge incidents already stored (most
#: changes re-judge only some defendants: :func:`changed_since`).
_INPUT_KINDS: Final = frozenset({ORDER_KIND, DEFENDANT_KIND, PERSON_KIND})
#: The audit subject kind of an incident's writes, and the one write of a stored incident
#: an incremental run judges again (:func:`_judged_again`): a change (an erasure is one).
INCIDENT_KIND: Final = "incident"
_INCIDENT_WRITES: Final = frozenset({f"{INCIDENT_KIND}.changed"})
#: The writes of people that an incremental run judges again (:func:`_judged_again`; an
#: erasure is a change, and so is a person's key destroyed); any other (a bulk write)
#: makes the run full.
_PEOPLE_WRITES: Final = frozenset(
    {
        f"{DEFENDANT_KIND}.created",
        f"{DEFENDANT_KIND}.changed",
        f"{PERSON_KIND}.created",
        f"{PERSON_KIND}.changed",
        KEY_DESTROYED,
    }
)
#: Entries on those records that change nothing (reads and disclosures, audited as such),
#: and the one entry on an incident that changes no stored incident: its creation.
_HARMLESS_EVENTS: Final = frozenset(
    {
        "protected_person.restricted_read",
        "casefile.read",
        "casefile.written",
        "subject_access.disclosed",
        "subject_access.written",
        "incident.created",
    }
)


def full_run_reason(
    store: Store, previous: Watermark | None, *, head: int | None, config: str, full: bool
) -> str | None:
    """Why this run must read every incident, or ``None`` if it can be incremental.

    Args:
        store: the store.
        previous: the latest run's watermark, if any.
        head: the audit trail's last entry number now (``None``: the store keeps no head).
        config: the digest of this run's detection settings.
        full: the caller asked for a full run.
    """
    if full:
        return "a full run was asked for"
    if previous is None or head is None:
        return "no earlier run left a watermark"
    if previous.config != config:
        return "the detection settings differ from the last run's"
    # A stored incident changed can leave the defendant it was attributed to before.
    kinds = _INPUT_KINDS | {f"{k}_batch" for k in _INPUT_KINDS} | {INCIDENT_KIND}
    # The reads left out by the store: a full run's one restricted-read entry per person
    # would otherwise all be built to be passed over by the next night's run.
    changed = store.audit_entries_between(
        previous.through, head, kinds=kinds, excluding=_HARMLESS_EVENTS
    )
    for entry in changed:
        if _judged_again(entry):
            continue
        kind = entry.subject_kind.removesuffix("_batch").replace("_", " ")
        article = "an" if kind[0] in "aeiou" else "a"
        where = f"{entry.event}, audit entry {entry.seq}"
        return f"{article} {kind} changed since the last run ({where})"
    return None


def _judged_again(entry: AuditEntry) -> bool:
    """Whether an audit entry writes a record that an incremental run judges again
    (:func:`changed_since`) rather than a change that needs a full run:

    - an order created, or changed without moving to another defendant (the one it left
      would need judging again too, and nothing stored says who that was);
    - a protected person created, changed or their key destroyed (their places feed
      the approach rule of the orders naming them, and nothing else);
    - a defendant created, or changed with no identity unlinked (the trail counts those
      unlinked): an identity unlinked re-attributes its incidents to its other owners,
      and the trail does not say which identity it was (identities are personal data,
      written to it only as changed);
    - an incident changed but for the identity that acted (personal data too, so the
      trail does not say whose it was): whom it named before is in the trail.
    """
    kind = entry.subject_kind
    if kind not in _INPUT_KINDS and kind != INCIDENT_KIND:
        return False
    if kind != ORDER_KIND and entry.event not in _PEOPLE_WRITES | _INCIDENT_WRITES:
        return False
    try:
        changes = json.loads(entry.changes)
    except ValueError:
        return False
    if not isinstance(changes, dict):
        return False
    if kind == ORDER_KIND:
        if "transition" in changes:
            changes = changes.get("changes")  # a lifecycle transition's diff, beside it
        return isinstance(changes, dict) and "defendant_id" not in changes
    if kind == INCIDENT_KIND:
        return "actor" not in changes
    if entry.event == f"{DEFENDANT_KIND}.changed" and "identities" in changes:
        # Identities linked, none unlinked: every incident attributed before is attributed
        # as before or made ambiguous, so judging every holder of theirs again suffices.
        unlinked = changes.get(IDENTITIES_UNLINKED)
        return type(unlinked) is int and unlinked == 0
    return True


@attrs.frozen
class Changed:
    """The records written since the last run that an incremental run judges again
    (:func:`changed_since`).

    Attributes:
        orders: orders created or changed (each bears only on its own defendant).
        defendants: defendants created, or whose identities changed (none unlinked).
        persons: protected persons created, or whose restricted details changed or were
            disposed of (their key destroyed).
        incidents: stored incidents changed (not the identity that acted).
        left: the defendants those incidents named before the change, where it changed.
    """

    orders: frozenset[str] = frozenset()
    defendants: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()
    incidents: frozenset[str] = frozenset()
    left: frozenset[str] = frozenset()


#: Nothing written since the last run.
NOTHING_WRITTEN: Final = Changed()


def changed_since(store: Store, previous: Watermark, *, head: int) -> Changed:
    """The orders, defendants and protected persons created or changed by the audit
    entries after ``previous``'s watermark through ``head`` (when :func:`full_run_reason`
    found nothing that needs a full run).

    An order's terms, dates, state and flags bear only on its own defendant's alerts:
    every alert drawn from incidents belongs to one defendant and rests on that
    defendant's incidents and orders (SPA2019 s.8(1): a breach of *their* order), and
    the dated checks of an order (s.1(2)(b), s.4, s.5(6), s.9-s.11) rest on it and the
    notification duties bound to it. So the run judges that defendant's incidents
    again, as a full run would
    (:func:`~spo_tracker.casework._incremental.touched_rows`), and checks the order
    whole (:func:`~spo_tracker.casework._due.due_orders`), with none of its sign-on
    windows taken as settled.

    A stored incident changed (but for its actor) bears on the alerts of whom it names
    now, of every holder of its actor's identity, and of whom it named before if that
    changed (:attr:`Changed.left`): all judged again, whatever its time now (one moved
    after the run's instant leaves its owner's alerts).

    Of a protected person, detection reads only their places (the approach rule's,
    SPA2019 s.2(1)(c): a term names only its order's protected persons): a person whose
    restricted details changed or were disposed of (their key destroyed), or who was
    created, bears only on the alerts of the
    defendants whose orders name them (:func:`orders_naming`), judged again; a change
    of name alone bears on none. Of a defendant, detection reads only their linked
    identities (they attribute incidents; no alert holds a name): a defendant created,
    or whose identities changed with none unlinked, bears on their own alerts and on
    those of every other defendant an identity of theirs is linked to (an identity now
    shared attributes its incidents to neither), all judged again
    (:func:`~spo_tracker.casework._incremental.touched_rows`); any other change of a
    defendant (a name, an address) bears on none.
    """
    kinds = _INPUT_KINDS | {INCIDENT_KIND}
    entries = store.audit_entries_between(
        previous.through, head, kinds=kinds, excluding=_HARMLESS_EVENTS
    )
    found: dict[str, set[str]] = {kind: set() for kind in kinds}
    left: set[str] = set()
    for entry in entries:
        if entry.subject_kind == INCIDENT_KIND:
            named = json.loads(entry.changes).get("defendant_id")  # _judged_again parsed it
            before = named.get("before") if isinstance(named, dict) else None
            if isinstance(before, str):
                left.add(before)
        if entry.subject_kind in (ORDER_KIND, INCIDENT_KIND) or _reads_people(entry):
            found[entry.subject_kind].add(entry.subject_id)
    return Changed(
        frozenset(found[ORDER_KIND]),
        frozenset(found[DEFENDANT_KIND]),
        frozenset(found[PERSON_KIND]),
        frozenset(found[INCIDENT_KIND]),
        frozenset(left),
    )


def _reads_people(entry: AuditEntry) -> bool:
    """Whether a write of a person or defendant (one :func:`_judged_again` admits)
    changed what detection reads of them: created, or their places or identities."""
    if entry.event.endswith(".created") or entry.event == KEY_DESTROYED:
        return True  # a key destroyed: the person's places can no longer be read
    changes = json.loads(entry.changes)  # parsed by _judged_again already
    read = "restricted" if entry.subject_kind == PERSON_KIND else "identities"
    return isinstance(changes, dict) and read in changes


def orders_naming(orders: Iterable[Order], persons: frozenset[str]) -> frozenset[str]:
    """The ids of ``orders`` naming any of ``persons`` among their protected persons (the
    store's own answer is ``uow.orders.protecting``)."""
    return frozenset(o.order_id for o in orders if not persons.isdisjoint(o.protected_person_ids))


class ChangedOrderMissing(Exception):
    """An order written since the last run is not stored now (deleted outside the
    library): the defendant it bound cannot be named, so the run is made in full."""

    REASON: Final = "an order changed since the last run is no longer stored"
