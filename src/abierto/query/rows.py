"""The rows grammar of the data API: query-string parameters → one parameterised DuckDB SELECT.

``col=value``, ``col__gt=…`` (gt gte lt lte ne in contains startswith isnull), ``q``, ``select``,
``order=-a,b``, ``limit``, ``offset``, ``cursor`` (keyset paging), ``group_by`` with ``count``,
``sum=col``, ``avg=col``, ``min=col``, ``max=col``, ``distinct=col``, ``include_total``.
Column names must be the table's; values are converted to the column's type and bound as
parameters; nothing the client sends is pasted into SQL.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from abierto.query.cursors import ROW, CursorError, after_cursor, decode_cursor
from abierto.query.sql import ident

if TYPE_CHECKING:
    from abierto.query.engine import QueryEngine
    from abierto.settings import Settings

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
FACET_LIMIT = 50
LAST_ROW = 2**62  # beyond any file's row numbers
OPERATORS = {
    "eq": "=",
    "ne": "!=",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "in": "IN",
    "contains": "contains",
    "startswith": "starts_with",
    "isnull": "isnull",
}
AGGREGATES = ("count", "sum", "avg", "min", "max", "distinct")
NUMERIC = ("integer", "number")
RESERVED = {
    "q", "select", "order", "limit", "offset", "cursor", "group_by", "include_total", "format",
    "shape", "lang", "columns", "release", "_", *AGGREGATES,
}  # fmt: skip
SOURCE = "read_parquet($1, file_row_number = true)"
PLAIN = "read_parquet($1)"  # reading the row number costs time; only row pages need it
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TRUE = ("true", "1", "sí", "si", "yes")
_FALSE = ("false", "0", "no")


class QueryError(ValueError):
    """A parameter the grammar refuses; ``param`` names it."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True, slots=True)
class Filter:
    column: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class Aggregate:
    func: str  # count sum avg min max distinct
    column: str | None

    @property
    def name(self) -> str:
        return self.func if self.column is None else f"{self.func}_{self.column}"


@dataclass
class RowQuery:
    filters: list[Filter] = field(default_factory=list)
    q: str | None = None
    select: list[str] | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (column, descending)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    cursor: str | None = None
    group_by: list[str] = field(default_factory=list)
    aggregates: list[Aggregate] = field(default_factory=list)
    include_total: bool = False
    all_rows: bool = False  # exports: no LIMIT unless one was asked for

    @property
    def grouped(self) -> bool:
        return bool(self.group_by or self.aggregates)


@dataclass
class RowsResult:
    fields: list[dict[str, Any]]  # {"name", "type", "title"}
    rows: list[list[Any]]  # JSON-ready values
    total: int | None
    next_cursor: str | None
    row_ids: list[int] | None = None  # 1-based positions in the file (ungrouped queries)


@dataclass
class Sql:
    text: str
    params: list[Any]
    fields: list[dict[str, Any]]
    keys: list[tuple[str, str, bool]]  # cursor keys: (SQL expression, type, descending)


def run_rows(
    engine: QueryEngine | Settings, path: str, columns: list[dict[str, Any]], query: RowQuery
) -> RowsResult:
    """Run ``query`` over the Parquet file at ``path`` (see ``query.engine.run_rows``)."""
    from abierto.query.engine import run_rows as run

    return run(engine, path, columns, query)


# -- parsing ------------------------------------------------------------------------------


def _pairs(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    multi = getattr(params, "multi_items", None)
    if multi is not None:
        return list(multi())
    if isinstance(params, Mapping):
        return list(params.items())
    return list(params)


def _names(text: str, types: dict[str, str], param: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise QueryError(f"{param} needs at least one column name", param)
    for name in names:
        _check_column(name, types, param)
    return names


def _check_column(name: str, types: dict[str, str], param: str) -> None:
    if name not in types:
        valid = ", ".join(types)
        raise QueryError(f"unknown column {name!r} in {param}; columns are: {valid}", param)


def _int(text: str, param: str, low: int, high: int) -> int:
    if not _INTEGER.fullmatch(text.strip()):
        raise QueryError(f"{param} must be an integer, not {text!r}", param)
    value = int(text)
    if not low <= value <= high:
        raise QueryError(f"{param} must be between {low:,} and {high:,}, not {value}", param)
    return value


def _flag(text: str, param: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE or lowered == "":
        return True
    if lowered in _FALSE:
        return False
    raise QueryError(f"{param} must be true or false, not {text!r}", param)


def convert(text: str, kind: str, param: str) -> Any:
    """``text`` as a value of the column type ``kind`` (a QueryError naming ``param`` if not)."""
    value = text.strip()
    try:
        if kind == "integer" and _INTEGER.fullmatch(value):
            return int(value)
        if kind == "number" and _NUMBER.fullmatch(value) and math.isfinite(float(value)):
            return float(value)
        if kind == "boolean" and value.lower() in (*_TRUE, *_FALSE):
            return value.lower() in _TRUE
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "datetime":
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is not None:  # stored timestamps are naive UTC-less wall times
                moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
            return moment
    except ValueError:
        pass
    else:
        if kind == "geopoint":
            raise QueryError(f"{param}: a point column can only be filtered with __isnull", param)
        if kind not in ("integer", "number", "boolean"):
            return text
    raise QueryError(f"{param}: {text!r} is not a valid {kind}", param)


def parse_row_query(
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    columns: list[dict[str, Any]],
    *,
    export: bool = False,
) -> RowQuery:
    """The query a request's parameters describe; ``export`` lifts the row limit (files)."""
    types = {c["name"]: c.get("type", "text") for c in columns}
    query = RowQuery(all_rows=export)
    order = ""
    for key, value in _pairs(params):
        if key in AGGREGATES:
            query.aggregates.append(_aggregate(key, value, types))
        elif key == "q":
            query.q = value.strip() or None
        elif key == "select":
            query.select = _names(value, types, key)
        elif key == "order":
            order = value
        elif key == "limit":
            query.limit = _int(value, key, 0, 10**12 if export else MAX_LIMIT)
            query.all_rows = False
        elif key == "offset":
            query.offset = _int(value, key, 0, 10**12)
        elif key == "cursor":
            query.cursor = value.strip() or None
        elif key == "group_by":
            query.group_by = _names(value, types, key)
        elif key == "include_total":
            query.include_total = _flag(value, key)
        elif key not in RESERVED:
            query.filters.append(_filter(key, value, types))
    query.order = _order(order, query, types)
    if query.cursor and (query.grouped or query.offset):
        raise QueryError("cursor cannot be combined with offset, group_by or aggregates", "cursor")
    if query.select and query.grouped:
        raise QueryError("select cannot be combined with group_by; name the groups", "select")
    if query.cursor:  # refuse a bad cursor now, not when the SQL is built
        try:
            decode_cursor(query.cursor, _cursor_keys(query, types))
        except CursorError as exc:
            raise QueryError(str(exc), "cursor") from None
    return query


def _cursor_keys(query: RowQuery, types: dict[str, str]) -> list[tuple[str, str, bool]]:
    """The keyset of an ungrouped query: its order, then the file row number (unique)."""
    keys = [(ident(name), types[name], desc) for name, desc in query.order]
    return [*keys, (ROW, "integer", False)]


def _aggregate(func: str, value: str, types: dict[str, str]) -> Aggregate:
    if func == "count":
        return Aggregate(func, None)
    column = value.strip()
    _check_column(column, types, func)
    kind = types[column]
    if func in ("sum", "avg") and kind not in NUMERIC:
        raise QueryError(f"{func} needs a numeric column; {column!r} is {kind}", func)
    if func in ("min", "max") and kind == "geopoint":
        raise QueryError(f"{func} cannot be taken of the point column {column!r}", func)
    return Aggregate(func, column)


def _order(text: str, query: RowQuery, types: dict[str, str]) -> list[tuple[str, bool]]:
    """``-a,b`` → [(a, desc), (b, asc)]; grouped queries may also order by their aggregates."""
    order = []
    outputs = set(query.group_by) | {a.name for a in query.aggregates}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name = part[1:] if part.startswith("-") else part
        if query.grouped:
            if name not in outputs:
                valid = ", ".join(sorted(outputs))
                raise QueryError(f"order {name!r}: a grouped query orders by {valid}", "order")
        else:
            _check_column(name, types, "order")
            if types[name] == "geopoint":
                raise QueryError(f"order: the point column {name!r} has no order", "order")
        order.append((name, part.startswith("-")))
    return order


def _filter(key: str, value: str, types: dict[str, str]) -> Filter:
    column, _, op = key.partition("__")
    op = op or "eq"
    if op not in OPERATORS:
        valid = ", ".join(f"__{o}" for o in OPERATORS)
        raise QueryError(f"unknown operator __{op} in {key}; use one of {valid}", key)
    _check_column(column, types, key)
    kind = types[column]
    if op == "isnull":
        return Filter(column, op, _flag(value, key))
    if op in ("contains", "startswith"):
        if kind == "geopoint":
            raise QueryError(f"{key}: a point column can only be filtered with __isnull", key)
        return Filter(column, op, value)
    if op == "in":
        return Filter(column, op, [convert(v, kind, key) for v in value.split(",")])
    return Filter(column, op, convert(value, kind, key))


# -- SQL ----------------------------------------------------------------------------------


class _Params:
    def __init__(self, first: list[Any]) -> None:
        self.values = list(first)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _normalised(sql: str) -> str:
    return f"strip_accents(lower({sql}))"


def _conditions(query: RowQuery, columns: list[dict[str, Any]], params: _Params) -> list[str]:
    parts = []
    for f in query.filters:
        col = ident(f.column)
        if f.op == "isnull":
            parts.append(f"{col} IS {'' if f.value else 'NOT '}NULL")
        elif f.op == "in":
            parts.append(f"{col} IN ({', '.join(params.add(v) for v in f.value)})")
        elif f.op in ("contains", "startswith"):
            needle = _normalised(params.add(f.value))
            parts.append(f"{OPERATORS[f.op]}({_normalised(f'CAST({col} AS VARCHAR)')}, {needle})")
        else:
            parts.append(f"{col} {OPERATORS[f.op]} {params.add(f.value)}")
    if query.q:
        texts = [ident(c["name"]) for c in columns if c.get("type", "text") == "text"]
        haystack = _normalised(f"concat_ws(' ', {', '.join(texts)})") if texts else "''"
        for word in query.q.split()[:10]:
            parts.append(f"contains({haystack}, {_normalised(params.add(word))})")
    return parts


def _where(where: list[str]) -> str:
    return " WHERE " + " AND ".join(f"({w})" for w in where) if where else ""


def _aggregate_sql(aggregate: Aggregate) -> str:
    if aggregate.func == "count":
        return "count(*)"
    column = ident(aggregate.column or "")
    if aggregate.func == "distinct":
        return f"count(DISTINCT {column})"
    return f"{aggregate.func}({column})"


def _aggregate_type(aggregate: Aggregate, types: dict[str, str]) -> str:
    if aggregate.func in ("count", "distinct"):
        return "integer"
    if aggregate.func in ("min", "max", "sum") and aggregate.column:
        return types[aggregate.column]
    return "number"


def _field(name: str, kind: str, title: str) -> dict[str, Any]:
    return {"name": name, "type": kind, "title": title}


def _column_field(column: dict[str, Any]) -> dict[str, Any]:
    name = column["name"]
    return _field(name, column.get("type", "text"), column.get("title") or name)


def output_fields(query: RowQuery, columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields ``query`` returns, in order."""
    by_name = {c["name"]: c for c in columns}
    if query.grouped:
        types = {c["name"]: c.get("type", "text") for c in columns}
        fields = [_column_field(by_name[g]) for g in query.group_by]
        fields += [_field(a.name, _aggregate_type(a, types), a.name) for a in query.aggregates]
        return fields
    return [_column_field(by_name[n]) for n in query.select or list(by_name)]


def build_sql(
    query: RowQuery, columns: list[dict[str, Any]], path: str, *, extra_row: bool = False
) -> Sql:
    """The SELECT for ``query`` over the Parquet file at ``path`` (bound as ``$1``).

    Ungrouped queries carry their cursor keys after the visible columns; ``extra_row`` asks
    for one row past the limit, so the caller knows whether another page follows.
    """
    if query.grouped:
        return _grouped_sql(query, columns, path, extra_row)
    types = {c["name"]: c.get("type", "text") for c in columns}
    params = _Params([path])
    where = _conditions(query, columns, params)
    fields = output_fields(query, columns)
    keys = _cursor_keys(query, types)
    offset = int(query.offset)
    if query.cursor:
        where.append(after_cursor(query.cursor, keys, params.add))
    select = [ident(f["name"]) for f in fields]
    select += [f"{expr} AS {ident(f'__key{n}')}" for n, (expr, _, _) in enumerate(keys)]
    paging = "" if query.all_rows else f" LIMIT {int(query.limit) + int(extra_row)}"
    paging += f" OFFSET {offset}" if offset else ""
    if not query.order:  # file order: DuckDB keeps it (preserve_insertion_order) and streams
        sql = f"SELECT {', '.join(select)} FROM {SOURCE}{_where(where)}{paging}"
        if offset and not query.all_rows:  # skip rows reading only the row number
            page = f"SELECT {ROW} FROM {SOURCE}{_where(where)}{paging}"
            # A semi-join emits row groups as its threads finish them: put them back in order.
            sql = f"SELECT {', '.join(select)} FROM {SOURCE} WHERE {ROW} IN ({page}) ORDER BY {ROW}"
        return Sql(sql, params.values, fields, keys)
    order = " ORDER BY " + ", ".join(_order_terms(keys))
    if query.all_rows:
        sql = f"SELECT {', '.join(select)} FROM {SOURCE}{_where(where)}{order}{paging}"
        return Sql(sql, params.values, fields, keys)
    # A page of a sorted table: sort only the keys, then read the page's rows by number —
    # much less to decompress and sort than every column of every row.
    page = f"SELECT {ROW} FROM {SOURCE}{_where(where)}{order}{paging}"
    sql = f"SELECT {', '.join(select)} FROM {SOURCE} WHERE {ROW} IN ({page}){order}"
    return Sql(sql, params.values, fields, keys)


def file_window(query: RowQuery, *, extra_row: bool = False) -> tuple[int, int] | None:
    """The file rows of an unfiltered page in file order, first and last (0-based, inclusive);
    None for any other query.

    Such a page is a range of row numbers, so it is read as one (``query.row_groups``): only
    the row groups holding it, instead of decoding row groups until a LIMIT is met.
    """
    if query.grouped or query.all_rows or query.filters or query.q or query.order:
        return None
    start = int(query.offset)
    if query.cursor:  # the previous page's last row number
        [last] = decode_cursor(query.cursor, [(ROW, "integer", False)])
        start += int(last) + 1
    start = min(max(start, 0), LAST_ROW)
    return start, min(start + int(query.limit) + int(extra_row) - 1, LAST_ROW)


def export_sql(query: RowQuery, columns: list[dict[str, Any]], path: str) -> Sql:
    """The SELECT of an export: only the visible columns, file order unless sorted."""
    if query.grouped:
        return _grouped_sql(query, columns, path, False)
    types = {c["name"]: c.get("type", "text") for c in columns}
    params = _Params([path])
    where = _conditions(query, columns, params)
    fields = output_fields(query, columns)
    select = ", ".join(ident(f["name"]) for f in fields)
    source, order = PLAIN, ""
    if query.order:
        source = SOURCE
        order = " ORDER BY " + ", ".join(_order_terms(_cursor_keys(query, types)))
    sql = f"SELECT {select} FROM {source}{_where(where)}{order}"
    sql += "" if query.all_rows else f" LIMIT {int(query.limit)}"
    sql += f" OFFSET {int(query.offset)}" if query.offset else ""
    return Sql(sql, params.values, fields, [])


def _grouped_sql(query: RowQuery, columns: list[dict[str, Any]], path: str, extra_row: bool) -> Sql:
    params = _Params([path])
    where = _conditions(query, columns, params)
    select = [ident(g) for g in query.group_by]
    select += [f"{_aggregate_sql(a)} AS {ident(a.name)}" for a in query.aggregates]
    keys = [(ident(name), "", desc) for name, desc in query.order]
    keys += [(ident(g), "", False) for g in query.group_by if g not in dict(query.order)]
    sql = f"SELECT {', '.join(select)} FROM {PLAIN}{_where(where)}"
    if query.group_by:
        sql += " GROUP BY " + ", ".join(ident(g) for g in query.group_by)
    if keys:
        sql += " ORDER BY " + ", ".join(_order_terms(keys))
    if not query.all_rows:
        sql += f" LIMIT {int(query.limit) + int(extra_row)}"
    if query.offset:
        sql += f" OFFSET {int(query.offset)}"
    return Sql(sql, params.values, output_fields(query, columns), keys)


def count_sql(query: RowQuery, columns: list[dict[str, Any]], path: str) -> tuple[str, list[Any]]:
    """How many rows (or groups) ``query`` matches, ignoring its paging."""
    params = _Params([path])
    inner = f"SELECT 1 FROM {PLAIN}{_where(_conditions(query, columns, params))}"
    if query.group_by:
        inner += " GROUP BY " + ", ".join(ident(g) for g in query.group_by)
    return f"SELECT count(*) FROM ({inner})", params.values


def facet_sql(
    query: RowQuery, columns: list[dict[str, Any]], path: str, name: str
) -> tuple[str, list[Any]]:
    """The most frequent values of column ``name`` among the rows ``query`` filters."""
    params = _Params([path])
    col = ident(name)
    sql = (
        f'SELECT {col}, count(*) AS "count" FROM {PLAIN}'
        f"{_where(_conditions(query, columns, params))} GROUP BY {col} "
        f'ORDER BY "count" DESC, ({col} IS NULL), {col} LIMIT {FACET_LIMIT}'
    )
    return sql, params.values


def _order_terms(keys: list[tuple[str, str, bool]]) -> list[str]:
    return [f"{expr} {'DESC' if desc else 'ASC'} NULLS LAST" for expr, _, desc in keys]
