"""Compile a parsed SoQL query to one parameterised DuckDB SELECT over a release file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from abierto.query.soql import (
    Between,
    Binary,
    Call,
    Column,
    InList,
    IsNull,
    Literal,
    Selection,
    SoqlError,
    SoqlQuery,
    Star,
    Unary,
)
from abierto.query.sql import ident

# abierto column type → the Socrata type name clients expect in X-SODA2-Types
SODA_TYPES = {
    "integer": "number",
    "number": "number",
    "boolean": "checkbox",
    "date": "floating_timestamp",
    "datetime": "floating_timestamp",
    "text": "text",
    "geopoint": "point",
}
SQL_TYPES = {
    "integer": "DOUBLE",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "TIMESTAMP",
    "datetime": "TIMESTAMP",
}
ROW_ID = ":id"
OPERATORS = {"=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "||", "and", "or", "like"}
AGGREGATES = {"count", "sum", "avg", "min", "max"}
DATE_PARTS = {"y": "year", "ym": "month", "ymd": "day"}
EXTRACTS = {"y": "year", "m": "month", "d": "day", "dow": "dow", "hh": "hour", "mm": "minute"}
EARTH_RADIUS_M = 6_371_000


@dataclass
class Compiled:
    sql: str
    params: list[Any]
    fields: list[str]
    types: list[str]  # abierto types of the output columns (see SODA_TYPES)


@dataclass
class _Expr:
    sql: str
    type: str
    aggregate: bool = False


@dataclass
class Compiler:
    columns: dict[str, str]  # machine name → abierto type
    params: list[Any] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # alias → type

    def bind(self, value: Any, cast: str | None = None) -> str:
        """A numbered parameter ($n), so the same value may appear twice in the SQL."""
        self.params.append(value)
        slot = f"${len(self.params)}"
        return f"CAST({slot} AS {cast})" if cast else slot

    def column(self, name: str) -> _Expr:
        if name == ROW_ID:
            return _Expr("(file_row_number + 1)", "integer")
        if name in self.columns:
            kind = self.columns[name]
            sql = ident(name)
            return _Expr(f"CAST({sql} AS TIMESTAMP)" if kind == "date" else sql, kind)
        if name in self.aliases:
            return _Expr(ident(name), self.aliases[name])
        raise SoqlError(f"no such column: {name}", "query.soql.no-such-column")

    def expr(self, node: Any, hint: str | None = None) -> _Expr:
        """SQL for ``node``; ``hint`` is the type of the other side of a comparison."""
        if isinstance(node, Literal):
            return self.literal(node.value, hint)
        if isinstance(node, Column):
            return self.column(node.name)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            operand = self.expr(node.operand, hint)
            op = "NOT " if node.op == "not" else "-"
            kind = "boolean" if node.op == "not" else operand.type
            return _Expr(f"({op}{operand.sql})", kind, operand.aggregate)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, IsNull):
            operand = self.expr(node.operand)
            check = "IS NOT NULL" if node.negated else "IS NULL"
            return _Expr(f"({operand.sql} {check})", "boolean", operand.aggregate)
        if isinstance(node, InList):
            operand = self.expr(node.operand)
            items = [self.expr(item, operand.type).sql for item in node.items]
            negation = "NOT " if node.negated else ""
            return _Expr(f"({operand.sql} {negation}IN ({', '.join(items)}))", "boolean")
        if isinstance(node, Between):
            operand = self.expr(node.operand)
            low = self.expr(node.low, operand.type).sql
            high = self.expr(node.high, operand.type).sql
            negation = "NOT " if node.negated else ""
            return _Expr(f"({operand.sql} {negation}BETWEEN {low} AND {high})", "boolean")
        if isinstance(node, Star):
            raise SoqlError("* is only allowed alone in $select or in count(*)")
        raise SoqlError(f"unsupported expression {node!r}")

    def literal(self, value: Any, hint: str | None) -> _Expr:
        if value is None:
            return _Expr("NULL", hint or "text")
        if isinstance(value, bool):
            return _Expr(self.bind(value), "boolean")
        if isinstance(value, int | float):
            if hint == "text":  # folio = 4 on a text code column compares as text
                return _Expr(self.bind(str(value)), "text")
            return _Expr(self.bind(float(value), "DOUBLE"), "number")
        cast = SQL_TYPES.get(hint or "")
        return _Expr(self.bind(value, cast), hint if cast else "text")

    def binary(self, node: Binary) -> _Expr:
        if node.op not in OPERATORS:
            raise SoqlError(f"unsupported operator {node.op}")
        left = self.expr(node.left, _type_hint(self, node.right))
        right = self.expr(node.right, left.type)
        aggregate = left.aggregate or right.aggregate
        if node.op in ("and", "or"):
            return _Expr(f"({left.sql} {node.op.upper()} {right.sql})", "boolean", aggregate)
        if node.op == "like":
            return _Expr(f"({left.sql} LIKE {right.sql})", "boolean", aggregate)
        if node.op in ("=", "!=", "<", "<=", ">", ">="):
            return _Expr(f"({left.sql} {node.op} {right.sql})", "boolean", aggregate)
        kind = "text" if node.op == "||" else "number"
        return _Expr(f"({left.sql} {node.op} {right.sql})", kind, aggregate)

    def call(self, node: Call) -> _Expr:
        name, args = node.name, node.args
        if name == "count":
            if len(args) != 1:
                raise SoqlError("count takes one argument: count(*) or count(column)")
            if isinstance(args[0], Star):
                return _Expr("count(*)", "integer", True)
            inner = self.expr(args[0]).sql
            distinct = "DISTINCT " if node.distinct else ""
            return _Expr(f"count({distinct}{inner})", "integer", True)
        if name in AGGREGATES:
            inner = self.expr(_one(node))
            kind = inner.type if name in ("min", "max") else "number"
            return _Expr(f"{name}({inner.sql})", kind, True)
        return self.scalar_call(node)

    def scalar_call(self, node: Call) -> _Expr:
        name, args = node.name, node.args
        if name in ("upper", "lower"):
            return _Expr(f"{name}({self.expr(_one(node)).sql})", "text")
        if name in ("starts_with", "contains") and len(args) == 2:
            subject = self.expr(args[0]).sql
            return _Expr(f"{name}(CAST({subject} AS VARCHAR), {self.expr(args[1]).sql})", "boolean")
        if name.startswith("date_trunc_") and name[11:] in DATE_PARTS:
            inner = self.expr(_one(node)).sql
            return _Expr(f"date_trunc('{DATE_PARTS[name[11:]]}', {inner})", "datetime")
        if name.startswith("date_extract_") and name[13:] in EXTRACTS:
            inner = self.expr(_one(node)).sql
            return _Expr(f"extract('{EXTRACTS[name[13:]]}' FROM {inner})", "integer")
        if name == "abs":
            return _Expr(f"abs({self.expr(_one(node)).sql})", "number")
        if name == "round" and 1 <= len(args) <= 2:
            parts = [self.expr(a).sql for a in args]
            return _Expr(f"round({', '.join(parts)})", "number")
        if name == "within_box" and len(args) == 5:
            return self.within_box(args)
        if name == "within_circle" and len(args) == 4:
            return self.within_circle(args)
        raise SoqlError(f"unknown function {name}() or wrong number of arguments")

    def point(self, node: Any) -> tuple[str, str]:
        point = self.expr(node)
        if point.type != "geopoint":
            raise SoqlError("the first argument must be a point column")
        return f"struct_extract({point.sql}, 'lat')", f"struct_extract({point.sql}, 'lon')"

    def within_box(self, args: tuple[Any, ...]) -> _Expr:
        lat, lon = self.point(args[0])
        north, west, south, east = (self.expr(a, "number").sql for a in args[1:])
        sql = f"({lat} BETWEEN {south} AND {north} AND {lon} BETWEEN {west} AND {east})"
        return _Expr(sql, "boolean")

    def within_circle(self, args: tuple[Any, ...]) -> _Expr:
        lat, lon = self.point(args[0])
        clat, clon, radius = (self.expr(a, "number").sql for a in args[1:])
        haversine = (
            f"pow(sin(radians({lat} - {clat}) / 2), 2) + cos(radians({clat})) "
            f"* cos(radians({lat})) * pow(sin(radians({lon} - {clon}) / 2), 2)"
        )
        distance = f"2 * {EARTH_RADIUS_M} * asin(sqrt({haversine}))"
        return _Expr(f"({distance} <= {radius})", "boolean")


def _one(node: Call) -> Any:
    if len(node.args) != 1 or isinstance(node.args[0], Star):
        raise SoqlError(f"{node.name}() takes exactly one column or expression")
    return node.args[0]


def _type_hint(compiler: Compiler, node: Any) -> str | None:
    if isinstance(node, Column):
        if node.name == ROW_ID:
            return "integer"
        return compiler.columns.get(node.name) or compiler.aliases.get(node.name)
    return None


def _default_name(node: Any, position: int) -> str:
    if isinstance(node, Column):
        return node.name.lstrip(":")
    if isinstance(node, Call):
        inner = [a.name for a in node.args if isinstance(a, Column)]
        return "_".join([node.name, *inner])
    return f"_expr{position}"


def compile_query(
    query: SoqlQuery,
    columns: list[dict[str, Any]],
    source: str,
    equality: dict[str, str] | None = None,
    source_params: list[Any] | None = None,
) -> Compiled:
    """The SELECT for ``query`` over ``source`` (a FROM item exposing ``file_row_number``).

    ``source`` may use parameters ``$1``… for ``source_params`` (e.g. the Parquet path);
    the query's own parameters are numbered after them.
    """
    types = {c["name"]: c.get("type", "text") for c in columns}
    compiler = Compiler(types, list(source_params or []))
    select_parts, fields, types = _select_list(compiler, query.select, columns)
    conditions = _conditions(compiler, query, columns, equality or {})
    sql = f"SELECT {', '.join(select_parts)} FROM {source}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    group = [compiler.expr(g).sql for g in query.group]
    if group:
        sql += " GROUP BY " + ", ".join(group)
    if query.having is not None:
        sql += f" HAVING {compiler.expr(query.having).sql}"
    sql += " ORDER BY " + _order(compiler, query, group, select_parts)
    if query.limit is not None:
        sql += f" LIMIT {int(query.limit)}"
    if query.offset:
        sql += f" OFFSET {int(query.offset)}"
    return Compiled(sql, compiler.params, fields, types)


def _select_list(
    compiler: Compiler, selections: list[Selection], columns: list[dict[str, Any]]
) -> tuple[list[str], list[str], list[str]]:
    if not selections or (len(selections) == 1 and isinstance(selections[0].expr, Star)):
        names = [c["name"] for c in columns]
        kinds = [c.get("type", "text") for c in columns]
        return [ident(n) for n in names], names, kinds
    parts, fields, types = [], [], []
    for position, selection in enumerate(selections):
        expr = compiler.expr(selection.expr)
        name = selection.alias or _default_name(selection.expr, position)
        if name in fields:
            raise SoqlError(f"two output columns are named {name!r}; use AS to rename one")
        parts.append(f"{expr.sql} AS {ident(name)}")
        fields.append(name)
        types.append(expr.type)
    pairs = zip(fields, types, strict=True)
    compiler.aliases = {n: t for n, t in pairs if n not in compiler.columns}
    return parts, fields, types


def _conditions(
    compiler: Compiler,
    query: SoqlQuery,
    columns: list[dict[str, Any]],
    equality: dict[str, str],
) -> list[str]:
    aliases, compiler.aliases = compiler.aliases, {}  # WHERE sees table columns only
    conditions = []
    for name, value in equality.items():
        conditions.append(compiler.expr(Binary("=", Column(name), Literal(value))).sql)
    if query.where is not None:
        where = compiler.expr(query.where)
        if where.aggregate:
            raise SoqlError("aggregates belong in $having, not in $where")
        conditions.append(where.sql)
    if query.search:
        conditions.extend(_search(compiler, query.search, columns))
    compiler.aliases = aliases
    return conditions


def _search(compiler: Compiler, text: str, columns: list[dict[str, Any]]) -> list[str]:
    """``$q``: every word must appear in some text column, ignoring case and accents."""
    texts = [ident(c["name"]) for c in columns if c.get("type", "text") == "text"]
    if not texts:
        return ["FALSE"]
    haystack = f"strip_accents(lower(concat_ws(' ', {', '.join(texts)})))"
    return [
        f"contains({haystack}, strip_accents(lower({compiler.bind(word)})))"
        for word in text.split()[:10]
    ]


def _order(compiler: Compiler, query: SoqlQuery, group: list[str], select: list[str]) -> str:
    """The requested order, then a stable tie-breaker so paging never skips or repeats."""
    parts = [
        f"{compiler.expr(o.expr).sql} {'DESC' if o.descending else 'ASC'} NULLS LAST"
        for o in query.order
    ]
    if group:
        parts.extend(group)
    elif _is_aggregate_only(query):
        parts.append("1")
    else:
        parts.append("file_row_number")
    return ", ".join(parts)


def _is_aggregate_only(query: SoqlQuery) -> bool:
    return bool(query.select) and all(
        isinstance(s.expr, Call) and s.expr.name in AGGREGATES | {"count"} for s in query.select
    )
