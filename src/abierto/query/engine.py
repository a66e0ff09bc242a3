"""Running data-API queries: one shared DuckDB database per process, bounded concurrency, a
time limit per query, JSON-ready values.

Each query runs on a cursor of one shared in-memory DuckDB connection (so the memory limit
bounds all of them together) and must first take one of a few slots: a web request never
opens a connection of its own, and a burst of requests queues instead of exhausting memory.
A timer interrupts a query that runs past its limit.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import decimal
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from abierto.query.cursors import ROW, encode_cursor
from abierto.query.duck import connect
from abierto.query.row_groups import RowGroupCache
from abierto.query.rows import (
    RowQuery,
    RowsResult,
    Sql,
    build_sql,
    count_sql,
    facet_sql,
    file_window,
    output_fields,
)
from abierto.settings import Settings

__all__ = ["QueryBusy", "QueryEngine", "QueryTimeout", "RowsResult", "engine_for", "run_rows"]

QUERY_SECONDS = 10.0  # settings.query_timeout_s overrides
EXPORT_SECONDS = 600.0  # whole-table exports; settings.export_timeout_s overrides
WAIT_SECONDS = 10.0  # how long a query waits for a free slot before "busy"
MB = 1024 * 1024


class QueryTimeout(RuntimeError):
    pass


class QueryBusy(RuntimeError):
    pass


class QueryEngine:
    """A shared DuckDB database and ``slots`` concurrent queries over it."""

    def __init__(
        self, settings: Settings, slots: int | None = None, timeout: float | None = None
    ) -> None:
        self.settings = settings
        self.timeout = timeout or float(getattr(settings, "query_timeout_s", QUERY_SECONDS))
        self.export_timeout = float(getattr(settings, "export_timeout_s", EXPORT_SECONDS))
        self.wait = WAIT_SECONDS
        size = slots or max(2, settings.duckdb_threads or os.cpu_count() or 2)
        self._slots = threading.BoundedSemaphore(size)
        # Whole-table exports take seconds: they queue on slots of their own (as long as
        # their time limit), so pages and aggregates never wait behind a run of downloads.
        self._export_slots = threading.BoundedSemaphore(max(1, size // 2))
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self.row_groups = RowGroupCache(settings.rows_cache_mb * MB, self.slot)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None:
                self._con = connect(self.settings, memory_mb=self.settings.query_memory_mb)
                # Release files never change (content-addressed), so their footers can be
                # cached: a page of rows then costs one read of the data it needs.
                self._con.execute("SET parquet_metadata_cache = true")
            return self._con.cursor()

    @contextlib.contextmanager
    def cursor(
        self, timeout: float | None = None, wait: float | None = None, export: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB cursor inside a slot, interrupted after ``timeout`` seconds (``export``:
        an export slot and the export time limit).

        Raises QueryBusy when no slot frees up in time and QueryTimeout when interrupted.
        """
        limit = timeout or (self.export_timeout if export else self.timeout)
        with self.slot(wait, export):
            cur = self._cursor()
            token = _watchdog.watch(cur, limit)
            try:
                yield cur
            except duckdb.InterruptException:
                raise QueryTimeout(f"the query took longer than {limit:g} s") from None
            finally:
                _watchdog.cancel(token)
                cur.close()

    @contextlib.contextmanager
    def slot(self, wait: float | None = None, export: bool = False) -> Iterator[None]:
        """One of the concurrent query slots (``export``: an export slot), or QueryBusy when
        none frees up within ``wait`` seconds."""
        slots = self._export_slots if export else self._slots
        patience = wait if wait is not None else (self.export_timeout if export else self.wait)
        if not slots.acquire(timeout=patience):
            raise QueryBusy("the data API is busy; retry in a moment")
        try:
            yield
        finally:
            slots.release()

    def fetch(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self.cursor() as cur:
            return cur.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


class _Watchdog:
    """One thread that interrupts cursors past their deadline (a timer thread per query
    would cost more than a small query)."""

    def __init__(self) -> None:
        self._deadlines: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._next = 0
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, cursor: duckdb.DuckDBPyConnection, seconds: float) -> int:
        with self._wake:
            self._next += 1
            self._deadlines[self._next] = (time.monotonic() + seconds, cursor)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="query-watchdog")
                self._thread.daemon = True
                self._thread.start()
            self._wake.notify()
            return self._next

    def cancel(self, token: int) -> None:
        with self._wake:
            self._deadlines.pop(token, None)

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                self._interrupt([t for t, (d, _) in self._deadlines.items() if d <= now])
                soonest = min((d for d, _ in self._deadlines.values()), default=now + 60)
                self._wake.wait(max(0.01, soonest - now))

    def _interrupt(self, tokens: list[int]) -> None:
        for token in tokens:  # no reference to a cursor outlives this call
            self._deadlines.pop(token)[1].interrupt()


_watchdog = _Watchdog()
_engines: dict[tuple[Any, ...], QueryEngine] = {}
_engines_lock = threading.Lock()


@atexit.register
def _close_engines() -> None:
    """Close the shared connections before the interpreter tears DuckDB's bindings down."""
    with _engines_lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()


def engine_for(settings: Settings | QueryEngine) -> QueryEngine:
    """The process's engine for these settings (one per home, memory and thread limits)."""
    if isinstance(settings, QueryEngine):
        return settings
    key = (
        str(settings.scratch_dir),
        settings.query_memory_mb,
        settings.duckdb_threads,
        getattr(settings, "query_timeout_s", None),
        settings.rows_cache_mb,
    )
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = QueryEngine(settings)
        return engine


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def run_rows(
    engine: QueryEngine | Settings, path: str, columns: list[dict[str, Any]], query: RowQuery
) -> RowsResult:
    """One page of ``query`` over the Parquet file at ``path``, with its next cursor."""
    engine = engine_for(engine)
    window = file_window(query, extra_row=True)
    if window is not None:
        result = _window_rows(engine, path, columns, query, window)
    else:
        result = _sql_rows(engine, path, columns, query)
    if query.include_total:
        text, params = count_sql(query, columns, path)
        result.total = int(engine.fetch(text, params)[0][0])
    return result


def _sql_rows(
    engine: QueryEngine, path: str, columns: list[dict[str, Any]], query: RowQuery
) -> RowsResult:
    sql = build_sql(query, columns, path, extra_row=not query.grouped)
    raw = engine.fetch(sql.text, sql.params)
    width = len(sql.fields)
    more = not query.all_rows and len(raw) > query.limit
    raw = raw[: query.limit] if more else raw
    rows = [[json_value(v) for v in row[:width]] for row in raw]
    next_cursor = _next_cursor(sql, raw, width) if more and query.limit else None
    row_ids = None if query.grouped else [int(row[-1]) + 1 for row in raw]
    return RowsResult(sql.fields, rows, None, next_cursor, row_ids)


def _window_rows(
    engine: QueryEngine,
    path: str,
    columns: list[dict[str, Any]],
    query: RowQuery,
    window: tuple[int, int],
) -> RowsResult:
    """A page in file order, sliced from the engine's decoded row groups (no SQL)."""
    fields = output_fields(query, columns)
    table = engine.row_groups.window(path, *window, [f["name"] for f in fields])
    count = min(table.num_rows, query.limit)
    rows = json_rows(table.slice(0, count))
    first = window[0]
    more = table.num_rows > query.limit and query.limit > 0
    next_cursor = encode_cursor([first + count - 1], [(ROW, "integer", False)]) if more else None
    return RowsResult(fields, rows, None, next_cursor, list(range(first + 1, first + count + 1)))


_PLAIN_TYPES = (  # to_pylist already gives these as JSON values
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_boolean,
    pa.types.is_string,
    pa.types.is_large_string,
)


def json_rows(table: pa.Table) -> list[list[Any]]:
    """The rows of ``table`` as lists of JSON-ready values (as ``json_value`` makes them)."""
    columns = []
    for column in table.itercolumns():
        if pa.types.is_date32(column.type):  # ISO 8601 as date.isoformat(), ten times faster
            values = column.cast(pa.string()).to_pylist()
        else:
            values = column.to_pylist()
            if not any(plain(column.type) for plain in _PLAIN_TYPES):
                values = [json_value(v) for v in values]
        columns.append(values)
    return [list(row) for row in zip(*columns, strict=True)]


def _next_cursor(sql: Sql, raw: list[tuple[Any, ...]], width: int) -> str:
    return encode_cursor(list(raw[-1][width:]), sql.keys)


def facet_counts(
    engine: QueryEngine | Settings,
    path: str,
    columns: list[dict[str, Any]],
    query: RowQuery,
    names: list[str],
) -> dict[str, list[dict[str, Any]]]:
    """The 50 most frequent values of each column in ``names`` among the rows ``query`` keeps;
    each column is its own query with its own time limit."""
    engine = engine_for(engine)
    result = {}
    for name in names:
        text, params = facet_sql(query, columns, path, name)
        rows = engine.fetch(text, params)
        result[name] = [{"value": json_value(v), "count": int(c)} for v, c in rows]
    return result
