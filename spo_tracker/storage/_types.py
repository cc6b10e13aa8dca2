"""Column types: aware instants stored as UTC on every backend, with their zone beside them.

PostgreSQL keeps an instant in ``timestamp with time zone``. SQLite has no
time-zone type, so an instant is stored as whole microseconds since
1970-01-01 UTC in an integer column: exact, sortable and cheap to read in bulk
(the streaming scan hands the integer on untouched). Either way a round trip
gives back an equal instant.

The zone the instant was given in is kept in a text column next to it
(:func:`zone_name`, :func:`in_zone`), so that loading gives back an *equal*
datetime: Python never counts a time in a clock-change fold (01:30 on the
last Sunday of October in London) equal to the same instant read in another
zone, so an instant alone would not be enough.
"""

from __future__ import annotations

import datetime as _dt
import functools
import zoneinfo
from typing import Any, Final

import attrs
import pendulum
from sqlalchemy import BigInteger, Boolean, Connection, DateTime, Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from spo_tracker.domain.limits import INSTANT_MAX, INSTANT_MAX_US, INSTANT_MIN, INSTANT_MIN_US
from spo_tracker.errors import NaiveDatetimeError

__all__ = [
    "EPOCH",
    "StrayInstantProbe",
    "StrictBoolean",
    "UtcInstant",
    "from_epoch_us",
    "in_zone",
    "to_epoch_us",
    "zone_name",
]

EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_MICROSECOND: Final = _dt.timedelta(microseconds=1)
_sub = _dt.datetime.__sub__


def to_epoch_us(at: _dt.datetime) -> int:
    """Whole microseconds from 1970-01-01 UTC to the aware instant ``at`` (exact).

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """
    if at.tzinfo is None:
        raise NaiveDatetimeError("at", at)
    # datetime.__sub__ directly: pendulum's own subtraction builds an Interval, far slower.
    return _sub(at, EPOCH) // _MICROSECOND


@attrs.frozen
class StrayInstantProbe:
    """How to find a row of ``table`` whose instant ``column`` holds what no instant of the
    library can be (:func:`stray_instant_probe`).

    Attributes:
        check: SQL giving a row when some value of the column is stray: the column's
            greatest and least values, each one seek of its index (both backends answer
            ``max``/``min`` of an indexed column from the index, with or without
            statistics).
        find: SQL giving the least key of a stray row (two range searches of the
            index), run only when ``check`` gave a row.
        parameters: the two bounds, for either.
    """

    check: str
    find: str
    parameters: tuple[Any, Any]

    def first_stray(self, conn: Connection) -> Any:
        """The least key of a stray row, read on ``conn``; ``None`` if there is none."""
        if conn.exec_driver_sql(self.check, self.parameters).first() is None:
            return None
        return conn.exec_driver_sql(self.find, self.parameters).scalar()


def stray_instant_probe(table: str, key: str, column: str, *, sqlite: bool) -> StrayInstantProbe:
    """The probe for instants in ``table.column`` that a hand edit made stray.

    A hand edit can put there what the library never writes, which a filter such as
    ``column < ?`` leaves out without a word (an incident never scanned, a sign-on made
    reported missed). SQLite keeps anything in the integer column and sorts text and
    bytes after every number; PostgreSQL's ``timestamptz`` takes ``'infinity'`` and any
    year. So a value at or past :data:`~spo_tracker.domain.limits.INSTANT_MAX` (text,
    bytes, an infinity, a far year) or before
    :data:`~spo_tracker.domain.limits.INSTANT_MIN` is stray.
    """
    mark = "?" if sqlite else "%s"
    check = (
        f"SELECT 1 WHERE (SELECT max({column}) FROM {table}) >= {mark} "
        f"OR (SELECT min({column}) FROM {table}) < {mark}"
    )
    find = (
        f"SELECT min({key}) FROM (SELECT {key} FROM {table} WHERE {column} >= {mark} "
        f"UNION ALL SELECT {key} FROM {table} WHERE {column} < {mark}) AS stray"
    )
    bounds = (INSTANT_MAX_US, INSTANT_MIN_US) if sqlite else (INSTANT_MAX, INSTANT_MIN)
    return StrayInstantProbe(check, find, bounds)


def from_epoch_us(us: int) -> pendulum.DateTime:
    """The UTC instant ``us`` microseconds after 1970-01-01 UTC.

    Raises:
        TypeError: ``us`` is not a whole number (SQLite keeps a real number or text in the
            integer column edited by hand: its record is refused by name, never read as an
            instant rounded to the microsecond). The value is not quoted.
    """
    if type(us) is not int:
        raise TypeError("an instant is stored as whole microseconds")
    return _pendulum(EPOCH + _dt.timedelta(microseconds=us), pendulum.UTC)


def _pendulum(at: _dt.datetime, zone: _dt.tzinfo) -> pendulum.DateTime:
    # Built field by field: pendulum.instance() re-reads a foreign zone's tz file on
    # every call, which made reading back a row with a driver datetime ~40x slower.
    local = at.astimezone(zone)
    return pendulum.DateTime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=local.tzinfo,
        fold=local.fold,
    )


def zone_name(at: _dt.datetime) -> str:
    """The zone of an aware datetime: its IANA name, or a fixed offset such as ``+05:30``."""
    zone = at.tzinfo
    if isinstance(zone, zoneinfo.ZoneInfo):
        return zone.key
    offset = at.utcoffset()
    if offset is None:
        raise NaiveDatetimeError("at", at)
    seconds = int(offset.total_seconds())
    sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
    text = f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return text + (f":{seconds % 60:02d}" if seconds % 60 else "")


@functools.cache
def _zone(name: str) -> pendulum.FixedTimezone | pendulum.Timezone:
    if name[:1] in "+-":
        parts = [int(p) for p in name[1:].split(":")] + [0]
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
        return pendulum.FixedTimezone(-seconds if name[0] == "-" else seconds)
    return pendulum.timezone(name)


def in_zone(at: _dt.datetime, name: str | None) -> pendulum.DateTime:
    """The instant ``at`` read in the zone ``name`` (from :func:`zone_name`; ``None``: UTC)."""
    return _pendulum(at, _zone(name) if name else pendulum.UTC)


class UtcInstant(TypeDecorator[_dt.datetime]):
    """An aware instant: ``timestamptz`` on PostgreSQL, integer microseconds (UTC) on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: _dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError("instant", value)
        return to_epoch_us(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> pendulum.DateTime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return from_epoch_us(value)
        return _pendulum(value, pendulum.UTC)

    @property
    def python_type(self) -> type[_dt.datetime]:
        return _dt.datetime


class StrictBoolean(TypeDecorator[bool]):
    """A boolean column (``BOOLEAN`` on both backends; SQLite stores 0 or 1), read back
    strictly on SQLite.

    SQLite keeps any value a hand edit puts there, and SQLAlchemy's own boolean reads any
    of them by truth (the text ``'false'`` as true): here anything but 0 or 1 is refused
    as its column's type cannot read it, so its record is refused by name and column.
    PostgreSQL's column holds booleans only, read as SQLAlchemy reads them.
    """

    impl = Boolean
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "sqlite":
            return _strict_flag  # the driver's value itself, not its truth
        return super().result_processor(dialect, coltype)

    @property
    def python_type(self) -> type[bool]:
        return bool


def _strict_flag(value: Any) -> bool | None:
    """0 or 1 (or ``None``) from SQLite as a boolean; ``ValueError`` for anything else."""
    if value is None:
        return None
    if type(value) is int and (value == 0 or value == 1):
        return value == 1
    raise ValueError("a boolean is stored as 0 or 1")
