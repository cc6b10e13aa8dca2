"""Compliance records read as light rows in one SQL transaction: the orders met between two
instants, and each order's records as ``(defendant, order, term, instant)`` or grouped by
term, for the dated checks of a detection run (SPA2019 s.1(2)(b), s.8(1)).

A mixin of :class:`~spo_tracker.storage._sql_records.SqlRecords`, which gives it the
session and the URL shown in errors.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, Final

from sqlmodel import Session

from spo_tracker.errors import StoredRecordError
from spo_tracker.storage._engine import translating
from spo_tracker.storage._stored import UnreadableValue, refused
from spo_tracker.storage._types import stray_instant_probe

__all__ = ["SqlComplianceTimes"]

#: 1970-01-01 UTC, for instants given as whole microseconds since it.
_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
#: A PostgreSQL instant column ``at`` as whole microseconds since the epoch.
_PG_MICROSECONDS: Final = "(EXTRACT(EPOCH FROM at) * 1000000)::bigint"


def _whole(value: Any) -> int:
    """A stored instant as whole microseconds; ``ValueError`` for anything else (a real
    number or a text that SQLite let a hand edit put in the integer column)."""
    if type(value) is int:
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise ValueError("not whole microseconds")


class SqlComplianceTimes:
    """The light compliance reads of :class:`~spo_tracker.storage._sql_records.SqlRecords`."""

    _session: Session
    _url: str

    @property
    def _sqlite(self) -> bool:
        return self._session.get_bind().dialect.name == "sqlite"

    def orders_met_between(self, after_us: int, through_us: int) -> set[str]:
        self._refuse_stray_instants()
        sql = "SELECT DISTINCT order_id FROM compliance_records WHERE at > {0} AND at <= {0}"
        bounds = [self._instant_parameter(us) for us in (after_us, through_us)]
        conn = self._session.connection()
        with translating(self._url, kind="compliance_record"):
            found = conn.exec_driver_sql(sql.format("?" if self._sqlite else "%s"), tuple(bounds))
            return {key for (key,) in found}

    def compliance_times(
        self, order_ids: Sequence[str], until_us: int | None
    ) -> list[tuple[str, str, str, int]]:
        # Plain values from the driver: no row object or ComplianceRecord per record.
        at = "at" if self._sqlite else _PG_MICROSECONDS
        found = self._compliance_rows(order_ids, until_us, at, grouped=False)
        try:
            return [(d, o, t, _whole(us)) for d, o, t, us in found]
        except (TypeError, ValueError):
            pass
        raise self._unreadable(found)

    def compliance_time_lists(
        self,
        order_ids: Sequence[str],
        until_us: int | None,
        since_us: int | None = None,
        whole_terms: Sequence[tuple[str, str]] = (),
    ) -> list[tuple[str, str, str, list[int]]]:
        # One row per (defendant, order, term): a force's million sign-ons come back as a
        # few thousand rows, so no driver or SQLAlchemy row is made per record.
        # In no set order on either backend, sorted here: an ORDER BY inside PostgreSQL's
        # array_agg sorts each term's records again on the server, doubling its time.
        sqlite = self._sqlite
        times = "group_concat(at)" if sqlite else f"array_agg({_PG_MICROSECONDS})"
        found = self._compliance_rows(order_ids, until_us, times, grouped=True, since_us=since_us)
        if since_us is not None and whole_terms:
            # The whole record of the terms named, read apart (an OR of the two in one
            # query cannot use the indexes): it takes the place of their cut rows.
            pairs = set(whole_terms)
            found = [row for row in found if (row[1], row[2]) not in pairs]
            found += self._whole_rows(sorted(pairs), until_us, times)
        if not sqlite:
            return [(d, o, t, sorted(us)) for d, o, t, us in found]
        try:  # the decimal microseconds joined by commas
            return [(d, o, t, sorted(map(_whole, us.split(",")))) for d, o, t, us in found]
        except (TypeError, ValueError):
            pass
        raise self._unreadable(found)

    def _unreadable(self, found: Sequence[Any]) -> StoredRecordError:
        """The refusal of a compliance record among the terms of ``found`` whose instant
        SQLite holds as something other than whole microseconds (edited by hand), named
        by its id and column, the value not quoted."""
        terms = sorted({(o, t) for _, o, t, _ in found})
        sql = (
            "SELECT record_id FROM compliance_records WHERE order_id = ? AND term_id = ? "
            "AND typeof(at) != 'integer' ORDER BY record_id LIMIT 1"
        )
        conn = self._session.connection()
        with translating(self._url, kind="compliance_record"):
            for order_id, term_id in terms:
                key = conn.exec_driver_sql(sql, (order_id, term_id)).scalar()
                if key is not None:
                    break
        return refused("compliance_record", key, UnreadableValue("at").refusal())

    def _whole_rows(
        self, pairs: Sequence[tuple[str, str]], until_us: int | None, times: str
    ) -> list[Any]:
        """The grouped rows of the ``(order_id, term_id)`` terms named, met by ``until_us``,
        200 terms per query (read only after :meth:`_compliance_rows`, whose probe refused
        any stray instant)."""
        mark = "?" if self._sqlite else "%s"
        until = [] if until_us is None else [self._instant_parameter(until_us)]
        conn, found = self._session.connection(), list[Any]()
        with translating(self._url, kind="compliance_record"):
            for start in range(0, len(pairs), 200):
                part = pairs[start : start + 200]
                rows = " OR ".join([f"(order_id = {mark} AND term_id = {mark})"] * len(part))
                sql = (
                    f"SELECT defendant_id, order_id, term_id, {times} FROM compliance_records "
                    f"WHERE ({rows})"
                    + (f" AND at <= {mark}" if until else "")
                    + " GROUP BY defendant_id, order_id, term_id"
                )
                values = [v for pair in part for v in pair]
                found += conn.exec_driver_sql(sql, tuple(values + until)).all()
        return found

    def _compliance_rows(
        self,
        order_ids: Sequence[str],
        until_us: int | None,
        times: str,
        *,
        grouped: bool,
        since_us: int | None = None,
    ) -> list[Any]:
        """``(defendant_id, order_id, term_id, times)`` of the compliance records of
        ``order_ids`` met by ``until_us`` (all if ``None``) and at or after ``since_us`` (if
        given), 500 orders per query; ``times`` is the SQL of the last column, an aggregate
        if ``grouped`` (one row per term)."""
        self._refuse_stray_instants()
        sqlite = self._sqlite
        mark = "?" if sqlite else "%s"
        bounds: list[Any] = []
        where = ""
        if until_us is not None:
            where += f" AND at <= {mark}"
            bounds.append(self._instant_parameter(until_us))
        if since_us is not None:
            where += f" AND at >= {mark}"
            bounds.append(self._instant_parameter(since_us))
        conn, found = self._session.connection(), list[Any]()
        with translating(self._url, kind="compliance_record"):
            for start in range(0, len(order_ids), 500):
                part = list(order_ids[start : start + 500])
                marks = ", ".join([mark] * len(part))
                sql = (
                    f"SELECT defendant_id, order_id, term_id, {times} FROM compliance_records "
                    f"WHERE order_id IN ({marks}){where}"
                    + (" GROUP BY defendant_id, order_id, term_id" if grouped else "")
                )
                found += conn.exec_driver_sql(sql, tuple(part + bounds)).all()
        return found

    def _refuse_stray_instants(self) -> None:
        """Refuse the first compliance record (by id) whose instant a hand edit made
        something no instant of the library can be (text or bytes on SQLite, an infinity
        or a year outside the supported range on either), by id and column: it would drop
        out of ``at <= ?`` and a sign-on made be reported missed
        (:func:`~spo_tracker.storage._types.stray_instant_probe`: the column's
        greatest and least values, two index seeks)."""
        probe = stray_instant_probe("compliance_records", "record_id", "at", sqlite=self._sqlite)
        with translating(self._url, kind="compliance_record"):
            key = probe.first_stray(self._session.connection())
        if key is not None:
            raise refused("compliance_record", key, UnreadableValue("at").refusal())

    def _instant_parameter(self, us: int) -> Any:
        """Microseconds since 1970 as the ``at`` column compares them: the integer itself
        on SQLite, a plain datetime for psycopg (which renders pendulum's far from the
        present a few microseconds off)."""
        return us if self._sqlite else _EPOCH + _dt.timedelta(microseconds=us)
