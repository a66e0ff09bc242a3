"""Running data-API queries: bounded concurrency, a time limit, JSON-ready values."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
from dataclasses import dataclass
from typing import Any

import duckdb

from abierto.query.duck import connect
from abierto.query.rows import Aggregate, RowQuery, build_sql, count_sql, encode_cursor
from abierto.settings import Settings

QUERY_SECONDS = 10.0
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


class QueryTimeout(RuntimeError):
    pass


class QueryBusy(RuntimeError):
    pass


@dataclass
class RowsResult:
    fields: list[dict[str, Any]]
    rows: list[list[Any]]
    total: int | None
    next_cursor: str | None
    row_ids: list[int] | None = None  # 1-based positions in the file (ungrouped queries)


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def _slot(settings: Settings) -> threading.BoundedSemaphore:
    """Queries one process runs at once: each may use the whole DuckDB memory limit."""
    size = max(2, settings.duckdb_threads or 2)
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


def execute(settings: Settings, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    slot = _slot(settings)
    if not slot.acquire(timeout=QUERY_SECONDS):
        raise QueryBusy("the data API is busy; retry in a moment")
    try:
        with connect(settings) as con:
            timer = threading.Timer(QUERY_SECONDS, con.interrupt)
            timer.start()
            try:
                return con.execute(sql, params).fetchall()
            except duckdb.InterruptException:
                raise QueryTimeout(f"the query took longer than {QUERY_SECONDS:.0f} s") from None
            finally:
                timer.cancel()
    finally:
        slot.release()


def run_rows(
    settings: Settings, path: str, columns: list[dict[str, Any]], query: RowQuery
) -> RowsResult:
    sql = build_sql(query, columns, path)
    raw = execute(settings, sql.text, sql.params)
    width = len(sql.fields)
    rows = [[json_value(v) for v in row[:width]] for row in raw]
    next_cursor = None
    if not query.grouped and query.limit and len(raw) == query.limit:
        next_cursor = encode_cursor(list(raw[-1][width:]))
    row_ids = None if query.grouped else [int(row[-1]) + 1 for row in raw]
    total = None
    if query.include_total:
        text, params = count_sql(query, columns, path)
        total = int(execute(settings, text, params)[0][0])
    return RowsResult(sql.fields, rows, total, next_cursor, row_ids)


def facet_counts(
    settings: Settings, path: str, columns: list[dict[str, Any]], query: RowQuery, names: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Top 50 values of each column in ``names`` among the rows ``query`` filters."""
    result = {}
    for name in names:
        grouped = RowQuery(
            filters=query.filters,
            q=query.q,
            group_by=[name],
            aggregates=[Aggregate("count", None)],
            limit=50,
        )
        sql = build_sql(grouped, columns, path)
        text = sql.text.replace(" ORDER BY ", ' ORDER BY "count" DESC, ', 1)
        rows = execute(settings, text, sql.params)
        result[name] = [{"value": json_value(v), "count": int(c)} for v, c in rows]
    return result
