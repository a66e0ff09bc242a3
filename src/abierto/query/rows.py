"""The rows grammar of the data API: query-string parameters → one parameterised DuckDB SELECT.

``col=value``, ``col__gt=…`` (gt gte lt lte ne in contains startswith isnull), ``q``, ``select``,
``order=-a,b``, ``limit``, ``offset``, ``cursor`` (keyset paging), ``group_by`` with ``count``,
``sum=col``, ``avg=col``, ``min=col``, ``max=col``, ``distinct=col``, ``include_total``.
Column names must be the table's; values are converted to the column's type and bound as
parameters; nothing the client sends is pasted into SQL.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from abierto.query.sql import ident

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
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
RESERVED = {
    "q", "select", "order", "limit", "offset", "cursor", "group_by", "include_total", "format",
    "shape", "lang", "columns", "_", *AGGREGATES,
}  # fmt: skip
SOURCE = "read_parquet($1, file_row_number = true)"
ROW = "file_row_number"


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

    @property
    def grouped(self) -> bool:
        return bool(self.group_by or self.aggregates)


@dataclass
class Sql:
    text: str
    params: list[Any]
    fields: list[dict[str, Any]]
    order_keys: list[tuple[str, bool]]  # SQL expressions of the cursor keys, with direction


# -- parsing ------------------------------------------------------------------------------


def _pairs(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(params, Mapping):
        return list(params.items())
    multi = getattr(params, "multi_items", None)
    return list(multi()) if multi else list(params)


def _names(text: str, types: dict[str, str], param: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        _check_column(name, types, param)
    return names


def _check_column(name: str, types: dict[str, str], param: str) -> None:
    if name not in types:
        valid = ", ".join(types)
        raise QueryError(f"unknown column {name!r} in {param}; columns are: {valid}", param)


def _int(text: str, param: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"{param} must be an integer, not {text!r}", param) from None
    if not low <= value <= high:
        raise QueryError(f"{param} must be between {low} and {high}", param)
    return value


def convert(text: str, kind: str, param: str) -> Any:
    """``text`` as a value of the column type ``kind`` (400 with the parameter if it is not)."""
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered in ("true", "1", "sí", "si", "yes"):
                return True
            if lowered in ("false", "0", "no"):
                return False
            raise ValueError(text)
        if kind == "date":
            return dt.date.fromisoformat(text)
        if kind == "datetime":
            return dt.datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{param}: {text!r} is not a valid {kind}", param) from None
    if kind == "geopoint":
        raise QueryError(f"{param}: a point column can only be filtered with __isnull", param)
    return text


def parse_row_query(
    params: Mapping[str, str] | Iterable[tuple[str, str]], columns: list[dict[str, Any]]
) -> RowQuery:
    types = {c["name"]: c.get("type", "text") for c in columns}
    query = RowQuery()
    for key, value in _pairs(params):
        if key in AGGREGATES:
            column = None if key == "count" else value
            if column is not None:
                _check_column(column, types, key)
            query.aggregates.append(Aggregate(key, column))
        elif key == "q":
            query.q = value.strip() or None
        elif key == "select":
            query.select = _names(value, types, key)
        elif key == "order":
            for part in (p.strip() for p in value.split(",") if p.strip()):
                name = part.lstrip("-")
                _check_column(name, types, key)
                query.order.append((name, part.startswith("-")))
        elif key == "limit":
            query.limit = _int(value, key, 0, MAX_LIMIT)
        elif key == "offset":
            query.offset = _int(value, key, 0, 10**12)
        elif key == "cursor":
            query.cursor = value or None
        elif key == "group_by":
            query.group_by = _names(value, types, key)
        elif key == "include_total":
            query.include_total = value.lower() in ("true", "1", "yes")
        elif key not in RESERVED:
            query.filters.append(_filter(key, value, types))
    if query.cursor and (query.grouped or query.offset):
        raise QueryError("cursor cannot be combined with offset, group_by or aggregates", "cursor")
    return query


def _filter(key: str, value: str, types: dict[str, str]) -> Filter:
    column, _, op = key.partition("__")
    op = op or "eq"
    if op not in OPERATORS:
        valid = ", ".join(f"__{o}" for o in OPERATORS)
        raise QueryError(f"unknown operator __{op} in {key}; use one of {valid}", key)
    _check_column(column, types, key)
    kind = types[column]
    if op == "isnull":
        return Filter(column, op, value.lower() in ("true", "1", "yes"))
    if op == "in":
        return Filter(column, op, [convert(v, kind, key) for v in value.split(",")])
    if op in ("contains", "startswith"):
        return Filter(column, op, value)
    return Filter(column, op, convert(value, kind, key))


# -- SQL ----------------------------------------------------------------------------------


class _Params:
    def __init__(self, first: list[Any]) -> None:
        self.values = list(first)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _conditions(query: RowQuery, columns: list[dict[str, Any]], params: _Params) -> list[str]:
    parts = []
    for f in query.filters:
        col = ident(f.column)
        if f.op == "isnull":
            parts.append(f"{col} IS {'' if f.value else 'NOT '}NULL")
        elif f.op == "in":
            parts.append(f"{col} IN ({', '.join(params.add(v) for v in f.value)})")
        elif f.op in ("contains", "startswith"):
            func = OPERATORS[f.op]
            parts.append(
                f"{func}(strip_accents(lower(CAST({col} AS VARCHAR))), "
                f"strip_accents(lower({params.add(f.value)})))"
            )
        else:
            parts.append(f"{col} {OPERATORS[f.op]} {params.add(f.value)}")
    if query.q:
        texts = [ident(c["name"]) for c in columns if c.get("type", "text") == "text"]
        haystack = f"strip_accents(lower(concat_ws(' ', {', '.join(texts)})))" if texts else "''"
        for word in query.q.split()[:10]:
            parts.append(f"contains({haystack}, strip_accents(lower({params.add(word)})))")
    return parts


def _aggregate_sql(aggregate: Aggregate) -> str:
    if aggregate.func == "count":
        return "count(*)"
    column = ident(aggregate.column or "")
    if aggregate.func == "distinct":
        return f"count(DISTINCT {column})"
    return f"{aggregate.func}({column})"


def _field(name: str, kind: str, title: str) -> dict[str, Any]:
    return {"name": name, "type": kind, "title": title}


def _column_field(column: dict[str, Any]) -> dict[str, Any]:
    name = column["name"]
    return _field(name, column.get("type", "text"), column.get("title") or name)


def build_sql(query: RowQuery, columns: list[dict[str, Any]], path: str) -> Sql:
    """The SELECT for ``query`` over the Parquet file at ``path`` (bound as ``$1``)."""
    by_name = {c["name"]: c for c in columns}
    params = _Params([path])
    where = _conditions(query, columns, params)
    if query.grouped:
        select = [ident(g) for g in query.group_by] + [
            f"{_aggregate_sql(a)} AS {ident(a.name)}" for a in query.aggregates
        ]
        fields = [_column_field(by_name[g]) for g in query.group_by]
        fields += [_field(a.name, _aggregate_type(a, by_name), a.name) for a in query.aggregates]
        order_keys = [(ident(name), desc) for name, desc in query.order if name in query.group_by]
        order_keys += [(ident(g), False) for g in query.group_by]
    else:
        names = query.select or [c["name"] for c in columns]
        select = [ident(n) for n in names]
        fields = [_column_field(by_name[n]) for n in names]
        order_keys = [(ident(name), desc) for name, desc in query.order] + [(ROW, False)]
    if query.cursor:
        where.append(_after_cursor(query.cursor, order_keys, params))
    if not query.grouped:  # the cursor keys ride along after the visible columns
        select += [f"{expr} AS {ident(f'__key{n}')}" for n, (expr, _) in enumerate(order_keys)]
    sql = f"SELECT {', '.join(select)} FROM {SOURCE}"
    if where:
        sql += " WHERE " + " AND ".join(f"({w})" for w in where)
    if query.group_by:
        sql += " GROUP BY " + ", ".join(ident(g) for g in query.group_by)
    if order_keys:
        sql += " ORDER BY " + ", ".join(_order_terms(order_keys))
    sql += f" LIMIT {int(query.limit)}"
    if query.offset:
        sql += f" OFFSET {int(query.offset)}"
    return Sql(sql, params.values, fields, order_keys)


def count_sql(query: RowQuery, columns: list[dict[str, Any]], path: str) -> tuple[str, list[Any]]:
    params = _Params([path])
    where = _conditions(query, columns, params)
    inner = f"SELECT 1 FROM {SOURCE}"
    if where:
        inner += " WHERE " + " AND ".join(f"({w})" for w in where)
    if query.group_by:
        inner += " GROUP BY " + ", ".join(ident(g) for g in query.group_by)
    return f"SELECT count(*) FROM ({inner})", params.values


def _aggregate_type(aggregate: Aggregate, by_name: dict[str, dict[str, Any]]) -> str:
    if aggregate.func in ("count", "distinct"):
        return "integer"
    if aggregate.func in ("min", "max") and aggregate.column:
        return by_name[aggregate.column].get("type", "text")
    return "number"


def _order_terms(keys: list[tuple[str, bool]]) -> list[str]:
    terms = []
    for expr, desc in keys:
        terms.append(f"({expr} IS NULL)")  # nulls last, in both directions
        terms.append(f"{expr} {'DESC' if desc else 'ASC'}")
    return terms


# -- keyset cursors -------------------------------------------------------------------------


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_jsonable(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return {"t": value.isoformat()}
    return value


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        raise QueryError("cursor is not one this API gave out", "cursor") from None
    if not isinstance(values, list):
        raise QueryError("cursor is not one this API gave out", "cursor")
    return [_restore(v) for v in values]


def _restore(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        text = value["t"]
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    return value


def _after_cursor(cursor: str, keys: list[tuple[str, bool]], params: _Params) -> str:
    """Rows strictly after the cursor's row in the (nulls-last, row-number) order."""
    values = _decode_cursor(cursor)
    if len(values) != len(keys):
        raise QueryError("cursor does not match this query's order", "cursor")
    branches = []
    equal: list[str] = []
    for (expr, desc), value in zip(keys, values, strict=True):
        if value is None:  # after a null only other nulls with a later key follow
            equal.append(f"{expr} IS NULL")
            continue
        slot = params.add(value)
        step = f"{expr} {'<' if desc else '>'} {slot}"
        branches.append(" AND ".join([*equal, f"({step} OR {expr} IS NULL)"]))
        equal.append(f"{expr} = {slot}")
    return " OR ".join(f"({b})" for b in branches) or "FALSE"
