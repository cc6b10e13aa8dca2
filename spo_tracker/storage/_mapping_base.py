"""The shared pieces of the row mappers: the :class:`Mapper` base, its row shapes and helpers.

A mapper turns a domain aggregate into a :class:`RowSet` (its root row and child
rows) and back, field by field, through the domain's own constructors (so its
validators run). The mappers of each aggregate family are in
:mod:`~spo_tracker.storage._mapping_people`, :mod:`~spo_tracker.storage._mapping_incidents`,
:mod:`~spo_tracker.storage._mapping_orders` and :mod:`~spo_tracker.storage._mapping_records`;
:mod:`~spo_tracker.storage._mapping` holds the one mapper per aggregate.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final, Generic, TypeVar

import attrs
import pendulum
from sqlmodel import SQLModel

from spo_tracker.domain.identities import Identity, IdentityKind, Platform
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import _codec
from spo_tracker.storage._crypto import PersonKeys
from spo_tracker.storage._stored import READ_ERRORS, refused
from spo_tracker.storage._types import in_zone, zone_name

__all__ = [
    "CHANGED",
    "WITHHELD",
    "ChildSpec",
    "Mapper",
    "PersonalDataMapper",
    "RowSet",
    "identity_from_key",
]

T = TypeVar("T")


def _day(value: _dt.date | None) -> pendulum.Date | None:
    """A stored date as a pendulum date (drivers return ``datetime.date``)."""
    return None if value is None else pendulum.Date(value.year, value.month, value.day)


def _required_day(value: _dt.date) -> pendulum.Date:
    return pendulum.Date(value.year, value.month, value.day)


def _zone_or_none(at: _dt.datetime | None) -> str | None:
    return None if at is None else zone_name(at)


def _in_zone_or_none(at: _dt.datetime | None, zone: str | None) -> pendulum.DateTime | None:
    return None if at is None else in_zone(at, zone)


def identity_from_key(key: str) -> Identity:
    """The identity whose key is ``key`` (``kind:value`` or ``handle:platform:value``).

    Raises:
        UnknownCodeError: the kind or platform is not known.
        InvalidValueError: the key has no value part.
    """
    kind, sep, rest = key.partition(":")
    if not sep or not rest:
        raise InvalidValueError("identity key", key, "expected kind:value")
    which = IdentityKind(kind)
    if which is IdentityKind.HANDLE:
        platform, _, value = rest.partition(":")
        return Identity(which, value, Platform(platform))
    return Identity(which, rest)


@attrs.frozen
class ChildSpec:
    """A child table of an aggregate.

    Attributes:
        table: the row model.
        order_by: the columns that give the rows their order.
        append_only: rows once stored are never rewritten (order versions and their terms).
    """

    table: type[SQLModel]
    order_by: tuple[str, ...]
    append_only: bool = False


@attrs.frozen
class RowSet:
    """An aggregate as rows: its root row and, per child table, its child rows in order."""

    root: Any
    children: Mapping[type[SQLModel], Sequence[Any]] = attrs.field(factory=dict)

    def of(self, table: type[SQLModel]) -> Sequence[Any]:
        """The child rows of ``table`` (empty when there are none)."""
        return self.children.get(table, ())


class Mapper(Generic[T]):
    """How one aggregate is stored.

    Attributes:
        kind: the record kind named in errors and audit entries.
        domain: the domain class.
        root: the root row model; its primary key column is ``key_column``.
        children: child tables, parents first.
        revisioned: the domain object carries its own ``revision``.
        restricted: the aggregate holds restricted details (reads are audited).
        lookups: further root columns ``Repository.ids_where`` may look up (beyond the
            ``..._id`` columns that mirror a domain field).
        plain_body: the record is one row whose ``body`` column holds its dump as JSON
            (:meth:`stored_text`), and it is built from that body alone.
    """

    kind: ClassVar[str]
    domain: ClassVar[type]
    root: ClassVar[type[SQLModel]]
    key_column: ClassVar[str]
    key_column_on_children: ClassVar[str]
    children: ClassVar[tuple[ChildSpec, ...]] = ()
    revisioned: ClassVar[bool] = False
    restricted: ClassVar[bool] = False
    lookups: ClassVar[tuple[str, ...]] = ()
    plain_body: ClassVar[bool] = False

    def key(self, obj: T) -> str:
        """The aggregate's id."""
        return str(getattr(obj, self.key_column))

    def domain_revision(self, obj: T) -> int | None:
        """The revision the domain object carries, if it carries one."""
        return int(getattr(obj, "revision")) if self.revisioned else None  # noqa: B009

    def bound(self, keys: PersonKeys | None) -> Mapper[T]:
        """This mapper for one unit of work, with its persons' keys (itself, unless the
        aggregate holds sealed details)."""
        return self

    def from_domain(self, obj: T, revision: int) -> RowSet:
        """The rows that store ``obj`` at ``revision``."""
        raise NotImplementedError

    def to_domain(self, rows: RowSet) -> T:
        """The domain object stored in ``rows``."""
        raise NotImplementedError

    def from_rows(self, rows: RowSet) -> T:
        """The domain object stored in ``rows``, as :meth:`to_domain` builds it.

        Raises:
            StoredRecordError: the stored values break a rule of the library (written
                by an earlier release, or edited by hand), naming this record.
        """
        try:
            return self.to_domain(rows)
        except READ_ERRORS as error:
            failure = error
        # Raised outside the except block: a protected person's error keeps no context.
        raise refused(self.kind, getattr(rows.root, self.key_column), failure)

    def stored_text(self, obj: T) -> str | None:
        """The JSON text the record's one row holds for ``obj`` in its ``body`` column, for
        comparing with what is stored without building the stored record; ``None`` for a
        record that is not kept as one plain JSON body (children, columns of its own)."""
        return None

    def root_values(self, obj: T, revision: int, *, body: Any = None) -> dict[str, Any]:
        """The root row of a single-row record as column values (the bulk insert path);
        ``body``: the record's dump (:func:`_codec.dump`) if the caller made it already."""
        root = self.from_domain(obj, revision).root
        return {c.name: getattr(root, c.name) for c in self.root.__table__.columns}  # type: ignore[attr-defined]

    def check_update(self, before: T, after: T) -> None:
        """Refuse an update that rewrites what must never change (nothing, by default)."""

    def references(self, obj: T) -> list[tuple[str, str]]:
        """The records ``obj`` refers to, as ``(kind, id)``; they must be stored first."""
        return []

    def snapshot(self, obj: T) -> dict[str, Any]:
        """A JSON-ready picture of ``obj`` for the audit trail."""
        return dict(_codec.dump(obj, type(obj)))

    def audit_diff(self, before: T, after: T) -> dict[str, Any]:
        """What changed, for the audit trail."""
        from spo_tracker.storage._audit import diff

        return diff(self.snapshot(before), self.snapshot(after))

    def audit_created(self, obj: T) -> dict[str, Any]:
        """What a new record holds, for the audit trail."""
        return {"created": self.snapshot(obj)}


#: What the audit trail holds in place of a personal value (a name, free text, an identity).
WITHHELD: Final = "recorded (personal data: not written to the audit trail)"
#: What it holds when a personal value changed.
CHANGED: Final = "changed (personal data: not written to the audit trail)"


class PersonalDataMapper(Mapper[T]):
    """A mapper whose audit entries never carry personal values (release 0011 on).

    The fields named in ``personal`` (names, identities, addresses, free text) are
    written to the audit trail as :data:`WITHHELD` (or left out when empty), and a
    change to one as :data:`CHANGED`: the trail records that a value was recorded or
    changed, by whom and when, never the value. The trail is hash-chained and cannot
    be edited, so this is what lets disposal erase a person's data everywhere: after
    disposal nothing of the value remains in the trail to erase (see docs/retention.md).
    """

    personal: ClassVar[tuple[str, ...]] = ()

    def snapshot(self, obj: T) -> dict[str, Any]:
        dumped = dict(_codec.dump(obj, type(obj)))
        for field in self.personal:
            if dumped.get(field) not in (None, "", [], ()):
                dumped[field] = WITHHELD
        return dumped

    def audit_diff(self, before: T, after: T) -> dict[str, Any]:
        from spo_tracker.storage._audit import diff

        changes = diff(self.snapshot(before), self.snapshot(after))
        for field in self.personal:
            if getattr(before, field) != getattr(after, field):
                changes[field] = CHANGED
        return changes
