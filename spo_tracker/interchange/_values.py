"""Plain values of the interchange format, both ways: instants, days, periods, GeoJSON.

Every reader raises :class:`FieldError` naming the path of the offending
field inside the record (``attributes.occurred_at``), so that an import can
report it with its line. Writers produce the one canonical text for a value:
instants in UTC with microseconds (``2024-03-15T14:30:00.000000Z``), days as
ISO dates, zones as GeoJSON Features and places as GeoJSON Points, with
coordinates in GeoJSON's ``[longitude, latitude]`` order (RFC 7946).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.limits import INSTANT_MAX, INSTANT_MIN
from spo_tracker.domain.orders import Duration
from spo_tracker.domain.statutory_time import DayPeriod
from spo_tracker.domain.validators import quotable
from spo_tracker.errors import InvalidValueError, SpoTrackerError
from spo_tracker.wire import instant_text

__all__ = [
    "INSTANT_PATTERN",
    "FieldError",
    "day_text",
    "field",
    "instant_text",
    "read_day",
    "read_duration",
    "read_instant",
    "read_period",
    "read_point",
    "read_restricted_point",
    "read_shape",
    "said",
    "write_duration",
    "write_period",
    "write_point",
    "write_shape",
]

T = TypeVar("T")

#: RFC 3339 instants with a UTC offset; a naive timestamp does not match.
INSTANT_PATTERN: Final = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_INSTANT: Final = re.compile(INSTANT_PATTERN)
_UTC: Final = pendulum.UTC
_RANGE: Final = f"{INSTANT_MIN:%Y-%m-%dT%H:%M:%SZ} to {INSTANT_MAX:%Y-%m-%dT%H:%M:%SZ}, excluded"
_NAIVE: Final = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"
)


class FieldError(Exception):
    """A value in a record that cannot be read; ``path`` names the field.

    Internal to the interchange package: the importer turns it into an
    :class:`~spo_tracker.errors.ImportIssue` with the line number.

    Attributes:
        path: the JSON path of the field in its record.
        message: what is wrong, naming the value.
        record_id: the id of the record at fault, when it is not the one being read
            (a term of an order, say).
    """

    def __init__(self, path: str, message: str, record_id: str | None = None) -> None:
        self.path = path
        self.message = message
        self.record_id = record_id
        super().__init__(f"{path}: {message}")


def field(path: str, build: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``build(*args, **kwargs)``, turning a domain error into a :class:`FieldError` at ``path``.

    The domain constructors raise :class:`~spo_tracker.errors.InvalidValueError`
    (or another library error) naming their own field; the message is kept and
    the record path added.
    """
    try:
        return build(*args, **kwargs)
    except FieldError:
        raise
    except (SpoTrackerError, ValueError, TypeError) as error:
        raise FieldError(path, said(error)) from None


def said(error: BaseException) -> str:
    """What a message says of a domain refusal: the refusal, its value withheld unless
    :func:`quotable` (a code, an id, a number, a time): whoever wrote the file may have put
    a name or an address anywhere, and the message reaches screens and logs."""
    if not isinstance(error, InvalidValueError):
        return str(error)
    value = error.value
    if quotable(value) or (not isinstance(value, str) and repr(value).startswith("<")):
        return str(error)  # plain, or already a stand-in (a withheld value)
    return f"{error.field}=<value withheld: not plain text>: {error.reason}"


# --------------------------------------------------------------------------- instants and days


def read_instant(value: object, path: str) -> pendulum.DateTime:
    """An RFC 3339 instant with a UTC offset, as an aware UTC datetime.

    Raises:
        FieldError: not text, naive (no offset), not a real date and time, or outside
            the supported range (:data:`~spo_tracker.domain.limits.INSTANT_MIN` to
            :data:`~spo_tracker.domain.limits.INSTANT_MAX`).
    """
    if not isinstance(value, str):
        raise FieldError(path, f"{value!r} is not an RFC 3339 instant")
    if not _INSTANT.match(value):
        if _NAIVE.match(value):
            raise FieldError(path, f"{value!r} has no UTC offset: naive timestamps are refused")
        raise FieldError(path, f"{value!r} is not an RFC 3339 instant with a UTC offset")
    try:
        parsed = _dt.datetime.fromisoformat(value)
        if parsed.utcoffset():
            parsed = parsed.astimezone(_dt.UTC)
    except (ValueError, OverflowError) as error:
        raise FieldError(path, f"{value!r} is not a real instant ({error})") from None
    if not INSTANT_MIN <= parsed < INSTANT_MAX:
        raise FieldError(path, f"{value!r} is outside the supported range ({_RANGE})")
    # Built directly: pendulum.instance() costs ten times as much, and imports read millions.
    p = parsed
    return pendulum.DateTime(
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.microsecond, tzinfo=_UTC
    )


def read_optional_instant(value: object, path: str) -> pendulum.DateTime | None:
    """:func:`read_instant`, or ``None`` for ``null``."""
    return None if value is None else read_instant(value, path)


def day_text(day: _dt.date) -> str:
    """A calendar day as ISO text."""
    return day.isoformat()


_DAY: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def read_day(value: object, path: str) -> pendulum.Date:
    """An ISO calendar day (``2024-02-29``).

    Raises:
        FieldError: not text of that form, or not a real day.
    """
    if not isinstance(value, str) or not _DAY.match(value):
        raise FieldError(path, f"{value!r} is not a calendar day (YYYY-MM-DD)")
    try:
        return pendulum.Date.fromisoformat(value)
    except ValueError:
        raise FieldError(path, f"{value!r} is not a real day") from None


def read_optional_day(value: object, path: str) -> pendulum.Date | None:
    """:func:`read_day`, or ``None`` for ``null``."""
    return None if value is None else read_day(value, path)


# --------------------------------------------------------------------------- periods and durations


def write_period(period: DayPeriod | None) -> dict[str, str] | None:
    """A run of London days as ``{"first_day", "last_day"}`` (both included)."""
    if period is None:
        return None
    return {"first_day": day_text(period.first_day), "last_day": day_text(period.last_day)}


def read_period(value: object, path: str) -> DayPeriod | None:
    """The period written by :func:`write_period` (``null`` is none)."""
    if value is None:
        return None
    data = _mapping(value, path)
    first = read_day(data.get("first_day"), f"{path}.first_day")
    last = read_day(data.get("last_day"), f"{path}.last_day")
    return field(f"{path}.last_day", DayPeriod, first, last)


def write_duration(duration: Duration | None) -> dict[str, int] | None:
    """A stated length (SPA2019 s.6(b)) as years, months, weeks and days."""
    if duration is None:
        return None
    return {
        "years": duration.years,
        "months": duration.months,
        "weeks": duration.weeks,
        "days": duration.days,
    }


def read_duration(value: object, path: str) -> Duration | None:
    """The duration written by :func:`write_duration` (``null`` is "until further order")."""
    if value is None:
        return None
    data = _mapping(value, path)
    parts = {unit: data.get(unit, 0) for unit in ("years", "months", "weeks", "days")}
    return field(path, Duration, **parts)


# --------------------------------------------------------------------------- GeoJSON


def write_point(point: GeoPoint | None) -> dict[str, Any] | None:
    """A place as a GeoJSON Point geometry: ``[longitude, latitude]``."""
    if point is None:
        return None
    return {"type": "Point", "coordinates": _coordinates(point)}


def _coordinates(point: GeoPoint) -> list[float]:
    # + 0.0 turns -0.0 into 0.0: equal positions get one text (databases drop the sign).
    return [point.lon + 0.0, point.lat + 0.0]


def read_point(value: object, path: str) -> GeoPoint | None:
    """The place of a GeoJSON Point geometry (``null`` is none).

    Raises:
        FieldError: not a Point, or coordinates out of range.
    """
    if value is None:
        return None
    data = _mapping(value, path)
    if data.get("type") != "Point":
        raise FieldError(f"{path}.type", f"{data.get('type')!r}: expected a GeoJSON 'Point'")
    return _position(data.get("coordinates"), f"{path}.coordinates")


def _position(value: object, path: str) -> GeoPoint:
    if not isinstance(value, list) or len(value) != 2:
        raise FieldError(path, f"{value!r}: expected [longitude, latitude]")
    lon, lat = value
    return field(path, GeoPoint, lat, lon)


def read_restricted_point(value: object, path: str) -> GeoPoint | None:
    """:func:`read_point` for a protected person's whereabouts: errors never quote the value.

    A restricted position that cannot be read is reported by its path and the
    problem only, so that an import's errors (printed, logged, shown on a
    terminal) never carry where a protected person lives or goes.

    Raises:
        FieldError: not a Point, or coordinates that are not a position.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FieldError(path, "is not an object (value withheld: restricted)")
    if value.get("type") != "Point":
        raise FieldError(f"{path}.type", "expected a GeoJSON 'Point' (value withheld: restricted)")
    where = f"{path}.coordinates"
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) != 2:
        raise FieldError(where, "expected [longitude, latitude] (value withheld: restricted)")
    lon, lat = coordinates
    try:
        return GeoPoint(lat, lon)
    except InvalidValueError as error:
        raise FieldError(
            where, f"{error.field} {error.reason} (value withheld: restricted)"
        ) from None


def write_shape(shape: Circle | Polygon | None) -> dict[str, Any] | None:
    """A zone or locality as a GeoJSON Feature.

    A circle is a Point with a ``radius_m`` property; a polygon is a Polygon
    whose single ring is closed (its last position repeats the first, RFC 7946).
    """
    if shape is None:
        return None
    if isinstance(shape, Circle):
        return {
            "type": "Feature",
            "geometry": write_point(shape.centre),
            "properties": {"radius_m": shape.radius_m},
        }
    ring = [_coordinates(p) for p in shape.ring]
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {},
    }


def read_shape(value: object, path: str) -> Circle | Polygon | None:
    """The zone of a GeoJSON Feature written by :func:`write_shape` (``null`` is none).

    Raises:
        FieldError: not a Point-with-radius or single-ring closed Polygon Feature.
    """
    if value is None:
        return None
    data = _mapping(value, path)
    geometry = _mapping(data.get("geometry"), f"{path}.geometry")
    properties = data.get("properties") or {}
    kind = geometry.get("type")
    if kind == "Point":
        centre = _position(geometry.get("coordinates"), f"{path}.geometry.coordinates")
        radius = _mapping(properties, f"{path}.properties").get("radius_m")
        return field(f"{path}.properties.radius_m", Circle, centre, radius)
    if kind == "Polygon":
        return _polygon(geometry.get("coordinates"), f"{path}.geometry.coordinates")
    raise FieldError(f"{path}.geometry.type", f"{kind!r}: expected 'Point' (a circle) or 'Polygon'")


def _polygon(value: object, path: str) -> Polygon:
    if not isinstance(value, list) or len(value) != 1:
        raise FieldError(path, "expected exactly one linear ring (holes are not supported)")
    ring = value[0]
    if not isinstance(ring, list) or len(ring) < 4:
        raise FieldError(f"{path}[0]", "a closed ring needs at least 4 positions")
    points = [_position(p, f"{path}[0][{i}]") for i, p in enumerate(ring)]
    if points[0] != points[-1]:
        raise FieldError(
            f"{path}[0]", "the ring is not closed: its last position must repeat the first"
        )
    return field(path, Polygon, tuple(points[:-1]))


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FieldError(path, f"{value!r} is not an object")
    return value
