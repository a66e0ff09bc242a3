"""Read-only SQL over releases: one SELECT, checked before it runs, run in a locked DuckDB.

Two walls. First ``check`` parses the text with DuckDB's own parser and walks the parse
tree (``json_serialize_sql``): exactly one SELECT, no table functions but a few pure
generators, no reference to anything but the tables the caller names (an allow-list) or
the query's own CTEs, no function that reads the engine's settings. Then ``run`` executes
it in a fresh in-memory DuckDB that can read only the named release files
(``allowed_paths``, external access off, configuration locked), under a memory limit, a
time limit (the connection is interrupted from a timer) and a row limit.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from abierto.query.sql import ident, literal
from abierto.settings import Settings

MAX_SQL_CHARS = 20_000
ROW_LIMIT = 1_000
MAX_ROW_LIMIT = 10_000
QUERY_SECONDS = 10.0
MAX_RESULT_CHARS = 32_000_000  # text in one response, roughly; more is cut off as truncated
CONCURRENT_QUERIES = 2  # per process: each query may use the whole memory limit
FETCH_BATCH = 200

# Pure generators; every other table function (read_csv, glob, query, duckdb_settings, …)
# is refused.
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
# Scalar functions that read the engine's state or only stall it.
REFUSED_FUNCTIONS = frozenset(
    {"current_setting", "getvariable", "getenv", "sleep_ms", "pg_sleep", "which_secret"}
)
REFUSED_PREFIXES = ("duckdb_", "pragma_", "pg_settings")
QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE"})
TABLE_REFS = frozenset(
    {"BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST", "PIVOT", "TABLE_FUNCTION"}
)
SHOWS = frozenset({"DESCRIBE", "SUMMARY"})  # DESCRIBE t / SUMMARIZE t over allowed tables
REFUSALS = {
    "LOAD": "INSTALL and LOAD statements are not allowed: send one SELECT",
    "SET": "SET, RESET and USE statements are not allowed: send one SELECT",
    "CALL": "CALL and CHECKPOINT statements are not allowed: send one SELECT",
    "MULTI": "PIVOT without an IN list is not allowed: PIVOT t ON c IN ('a', 'b') USING sum(x)",
}

# abierto column types by DuckDB type name (the rest are reported as "text").
ABIERTO_TYPES = {
    "BOOLEAN": "boolean",
    "DATE": "date",
    "VARCHAR": "text",
    "STRUCT(lat DOUBLE, lon DOUBLE)": "geopoint",
}
INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")
INTEGER_TYPES += ("UINTEGER", "UBIGINT", "UHUGEINT")
NUMBER_TYPES = ("FLOAT", "DOUBLE", "DECIMAL")


class SqlError(Exception):
    """A query that cannot run; ``status`` and ``code`` say why to an API client."""

    status = 400
    code = "invalid_sql"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SqlRefused(SqlError):
    code = "not_allowed"


class UnknownTable(SqlError):
    """The same error for a table that does not exist and one the caller may not read."""

    code = "no_such_table"

    def __init__(self, name: str) -> None:
        super().__init__(
            f'no such table: "{name}" (name tables as "dataset/resource", '
            '"dataset/resource@release", a resource id, or a dataset with one table)'
        )
        self.name = name


class SqlTimeout(SqlError):
    status = 408
    code = "timeout"


class SqlTooBig(SqlError):
    code = "too_much_memory"


class SqlBusy(SqlError):
    status = 503
    code = "busy"


@dataclass(frozen=True, slots=True)
class Checked:
    """A query that passed ``check``: its text and the table names it reads (lowercase)."""

    sql: str
    tables: frozenset[str]


@dataclass(slots=True)
class SqlResult:
    fields: list[dict[str, str]]  # {"name", "type" (abierto), "db_type" (DuckDB)}
    rows: list[list[Any]]  # JSON-ready values
    truncated: bool


# -- check ------------------------------------------------------------------------------


def check(sql: str) -> Checked:
    """Refuse anything but one SELECT over plain table names; the names it reads."""
    if not sql.strip():
        raise SqlError("empty query: send one SELECT statement")
    if len(sql) > MAX_SQL_CHARS:
        raise SqlRefused(f"query too long: {len(sql):,} characters, the limit is {MAX_SQL_CHARS:,}")
    _refuse_other_statements(sql)
    return Checked(sql, frozenset(_Walker().walk(_parse_tree(sql))))


def _refuse_other_statements(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise SqlError(_clean(str(exc))) from None
    if not statements:
        raise SqlError("empty query: send one SELECT statement")
    if len(statements) > 1:
        raise SqlRefused(
            f"{len(statements)} statements: multiple statements are not allowed, send one SELECT"
        )
    kind = statements[0].type.name
    if kind != "SELECT":
        what = kind.replace("_", " ")
        raise SqlRefused(REFUSALS.get(kind, f"{what} statements are not allowed: send one SELECT"))


_parser_lock = threading.Lock()
_parser: duckdb.DuckDBPyConnection | None = None


def _parse_tree(sql: str) -> Any:
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = _locked_connection(memory_mb=64, threads=1)
        text = _parser.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()
    assert text is not None
    try:
        tree = json.loads(text[0])
    except RecursionError:
        raise SqlRefused("query too deeply nested") from None
    if tree.get("error"):
        message = tree.get("error_message", "")
        if "Only SELECT" in message:
            raise SqlRefused(REFUSALS["MULTI"])
        raise SqlError(_clean(message))
    if len(tree.get("statements", [])) != 1:
        raise SqlRefused("multiple statements are not allowed: send one SELECT")
    return tree["statements"][0]


class _Walker:
    """Visits every node of a parse tree, tracking which CTE names are in scope.

    A reference is taken as a CTE only where DuckDB certainly binds it to one (the body
    after the WITH, later CTEs of the same WITH, the recursive half of a recursive CTE);
    anywhere else it must be a table the caller may read, so a mistake here refuses a
    query, never lets a catalog name through.
    """

    def __init__(self) -> None:
        self.tables: set[str] = set()

    def walk(self, root: Any) -> set[str]:
        stack: list[tuple[Any, frozenset[str]]] = [(root, frozenset())]
        while stack:
            node, scope = stack.pop()
            if isinstance(node, list):
                stack.extend((item, scope) for item in node)
            elif isinstance(node, dict):
                stack.extend(self._visit(node, scope))
        return self.tables

    def _visit(self, node: dict[str, Any], scope: frozenset[str]) -> Iterator[tuple[Any, Any]]:
        if "class" in node:
            _check_expression(node)
        elif "cte_map" in node:
            yield from self._query_node(node, scope)
            return
        elif "sample" in node:
            yield from self._table_ref(node, scope)
            return
        yield from ((value, scope) for value in node.values())

    def _query_node(self, node: dict[str, Any], scope: frozenset[str]) -> Iterator[tuple]:
        if node.get("type") not in QUERY_NODES:
            raise SqlRefused(f"{node.get('type', 'this query')} is not allowed")
        ctes = (node.get("cte_map") or {}).get("map") or []
        seen = set(scope)
        for entry in ctes:
            name = str(entry["key"]).lower()
            if name in reserved_names():
                raise SqlRefused(
                    f'a CTE named "{entry["key"]}" is not allowed: choose another name'
                )
            yield entry["value"], frozenset(seen)
            seen.add(name)
        body = frozenset(seen)
        for key, value in node.items():
            if key == "cte_map":
                continue
            if key == "right" and node["type"] == "RECURSIVE_CTE_NODE":
                yield value, body | {str(node["cte_name"]).lower()}
            else:
                yield value, body

    def _table_ref(self, node: dict[str, Any], scope: frozenset[str]) -> Iterator[tuple]:
        kind = node.get("type")
        if kind == "SHOW_REF":
            yield from _show(node, scope)
            return
        if kind not in TABLE_REFS:
            raise SqlRefused(f"{kind} in FROM is not allowed")
        if kind == "BASE_TABLE":
            self._base_table(node, scope)
            return
        if kind == "TABLE_FUNCTION":
            name = str(node["function"].get("function_name", "")).lower()
            if name not in TABLE_FUNCTIONS:
                raise SqlRefused(
                    f"table function {name}() is not allowed: "
                    'name a table as "dataset/resource" instead'
                )
        yield from ((value, scope) for value in node.values())

    def _base_table(self, node: dict[str, Any], scope: frozenset[str]) -> None:
        name = str(node.get("table_name", ""))
        path = (node.get("qualified_name") or {}).get("path") or [name]
        if node.get("schema_name") or node.get("catalog_name") or len(path) > 1:
            raise SqlRefused(f'qualified table names are not allowed: write "{name}" alone')
        if node.get("at_clause"):
            raise SqlRefused("AT (time travel) is not allowed: name a release with @number")
        if name.lower() not in scope:
            self.tables.add(name.lower())


def _show(node: dict[str, Any], scope: frozenset[str]) -> Iterator[tuple]:
    if node.get("show_type") not in SHOWS or not node.get("query"):
        raise SqlRefused("SHOW is not allowed: DESCRIBE or SUMMARIZE a named table")
    yield node["query"], scope


def _check_expression(node: dict[str, Any]) -> None:
    if node["class"] == "PARAMETER":
        raise SqlRefused("parameters ($1, ?) are not allowed: write the values in the query")
    if node["class"] == "FUNCTION":
        name = str(node.get("function_name", "")).lower()
        if name in REFUSED_FUNCTIONS or name.startswith(REFUSED_PREFIXES):
            raise SqlRefused(f"function {name}() is not allowed")


_reserved: frozenset[str] | None = None


def reserved_names() -> frozenset[str]:
    """Every name an empty DuckDB already binds (system views, schemas, databases): no CTE
    may shadow one, so a reference outside the CTE's scope cannot reach it either."""
    global _reserved
    if _reserved is None:
        con = duckdb.connect(":memory:")
        try:
            rows = con.execute(
                "SELECT lower(view_name) FROM duckdb_views() "
                "UNION SELECT lower(table_name) FROM duckdb_tables() "
                "UNION SELECT lower(schema_name) FROM duckdb_schemas() "
                "UNION SELECT lower(database_name) FROM duckdb_databases()"
            ).fetchall()
        finally:
            con.close()
        _reserved = frozenset(r[0] for r in rows)
    return _reserved


# -- run --------------------------------------------------------------------------------

_slots = threading.BoundedSemaphore(CONCURRENT_QUERIES)


def run(
    settings: Settings,
    checked: Checked,
    files: Mapping[str, Path],
    *,
    row_limit: int = ROW_LIMIT,
    seconds: float | None = None,
) -> SqlResult:
    """Run a checked query with each of its tables a view over one release file.

    ``files`` maps the (lowercase) table names of ``checked`` to their Parquet files; the
    caller resolved them with the permission rule, and nothing else is readable.
    """
    if missing := sorted(checked.tables - files.keys()):
        raise UnknownTable(missing[0])
    row_limit = max(1, min(row_limit, MAX_ROW_LIMIT))
    seconds = QUERY_SECONDS if seconds is None else seconds
    if not _slots.acquire(timeout=seconds):
        raise SqlBusy("too many SQL queries at once: try again in a few seconds")
    try:
        con = _locked_connection(
            settings.query_memory_mb, _threads(settings), {n: files[n] for n in checked.tables}
        )
        try:
            return _execute(con, checked.sql, row_limit, seconds)
        except duckdb.Error as exc:
            raise _error(exc, files, seconds) from None
        finally:
            con.close()
    finally:
        _slots.release()


def _threads(settings: Settings) -> int:
    return settings.duckdb_threads or min(os.cpu_count() or 1, 4)


def _locked_connection(
    memory_mb: int, threads: int, views: Mapping[str, Path] | None = None
) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB that can read exactly ``views``' files and change nothing."""
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": f"{memory_mb}MB",
            "threads": threads,
            "temp_directory": "",  # no spilling: the memory limit is the limit
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "python_enable_replacements": False,  # no scanning of Python variables by name
        },
    )
    try:
        paths = [Path(p).as_posix() for p in (views or {}).values()]
        con.execute(f"SET allowed_paths = [{', '.join(literal(p) for p in paths)}]")
        con.execute("SET enable_external_access = false")
        for name, path in (views or {}).items():
            source = f"read_parquet({literal(Path(path).as_posix())})"
            con.execute(f"CREATE VIEW {ident(name)} AS SELECT * FROM {source}")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _execute(con: duckdb.DuckDBPyConnection, sql: str, row_limit: int, seconds: float) -> SqlResult:
    with _Deadline(con, seconds):
        cursor = con.execute(sql)
        description = cursor.description or []
        rows, truncated = _fetch(cursor, row_limit)
    fields = [_field(name, str(kind)) for name, kind, *_ in description]
    return SqlResult(fields, [[json_value(v) for v in row] for row in rows], truncated)


def _fetch(cursor: duckdb.DuckDBPyConnection, row_limit: int) -> tuple[list[tuple], bool]:
    """At most ``row_limit`` rows and whether there were more (or too much text)."""
    rows: list[tuple] = []
    chars = 0
    while len(rows) <= row_limit:
        batch = cursor.fetchmany(min(FETCH_BATCH, row_limit + 1 - len(rows)))
        if not batch:
            return rows, False
        rows.extend(batch)
        chars += sum(len(v) for row in batch for v in row if isinstance(v, str | bytes))
        if chars > MAX_RESULT_CHARS:
            return rows, True
    return rows[:row_limit], True


class _Deadline:
    """Interrupts the connection when the time is up (DuckDB checks between vectors)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float) -> None:
        self.con = con
        self.lock = threading.Lock()
        self.done = False
        self.fired = False
        self.timer = threading.Timer(seconds, self._interrupt)
        self.timer.daemon = True

    def _interrupt(self) -> None:
        with self.lock:
            if not self.done:
                self.fired = True
                self.con.interrupt()

    def __enter__(self) -> _Deadline:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.done = True
        self.timer.cancel()


def _error(exc: duckdb.Error, files: Mapping[str, Path], seconds: float) -> SqlError:
    message = str(exc)
    for name, path in files.items():  # never show where release files live
        message = message.replace(Path(path).as_posix(), name)
    message = _clean(message)
    if isinstance(exc, duckdb.InterruptException):
        return SqlTimeout(f"the query took longer than {seconds:g} seconds and was stopped")
    if isinstance(exc, duckdb.OutOfMemoryException):
        return SqlTooBig(
            "the query needs more memory than it may use: filter or aggregate more, "
            "or select fewer columns"
        )
    if isinstance(exc, duckdb.PermissionException):
        return SqlRefused(f"not allowed: {message}")
    return SqlError(message)


def _clean(message: str) -> str:
    """DuckDB's message without advice that does not apply here (SET, INSTALL, …)."""
    first = message.split("\n\n", 1)[0] if "SET " in message else message
    return first.strip()


# -- values -----------------------------------------------------------------------------


def _field(name: str, db_type: str) -> dict[str, str]:
    return {"name": name, "type": abierto_type(db_type), "db_type": db_type}


def abierto_type(db_type: str) -> str:
    """The abierto column type closest to a DuckDB type (``text`` for the rest)."""
    if db_type in ABIERTO_TYPES:
        return ABIERTO_TYPES[db_type]
    if db_type in INTEGER_TYPES:
        return "integer"
    if db_type.startswith(NUMBER_TYPES):
        return "number"
    if db_type.startswith("TIMESTAMP"):
        return "datetime"
    return "text"


def json_value(value: Any) -> Any:
    """A DuckDB value as JSON: dates in ISO 8601, non-finite numbers as null, bytes as hex."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    return str(value)
