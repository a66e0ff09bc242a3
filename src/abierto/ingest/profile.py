"""Per-column profile of a written release: nulls, distinct values, range, top values.

Most of it is read without a scan: null counts and ranges from the Parquet footer's
statistics, samples from the first rows. The first row group also tells which columns
repeat values: their top values are counted at once and the number of groups is their
distinct count. Only the other columns need an approximate distinct count (a scan of
those columns), which also says whether they are near-unique (no top values) or not.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from abierto.query.sql import ident, literal

TOP_VALUES = 5
SAMPLE_VALUES = 5
SAMPLE_FROM = 1000  # the sample: distinct values among a column's first present values
NEAR_UNIQUE = 0.9  # distinct > 0.9 × present: identifiers, free text; no top values
REPEATING = 0.5  # distinct ≤ 0.5 × present in the first row group: counted without estimate
# Writers truncate long text in statistics (DuckDB at 256 bytes, parquet-rs at 64) and
# pyarrow does not say whether a value was cut: longer text is taken from the data.
EXACT_TEXT_BYTES = 64
FROM_GROUPS = -1  # distinct count not known yet: the number of top-value groups
# Top values of a few columns per statement: a 300-column table in one statement exceeded
# the memory limit of a publish, and a few at a time cost no more than one.
TOP_VALUES_AT_ONCE = 8

STATISTICS_TYPES: dict[str, type] = {
    "integer": int,
    "number": float,
    "boolean": bool,
    "date": dt.date,
    "datetime": dt.datetime,
    "text": str,
}


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@dataclass(slots=True)
class _Column:
    name: str
    kind: str
    present: int | None = None  # None: not known yet
    distinct: int | None = None
    ranged: bool = False  # min and max known (geopoints have none)
    low: Any = None
    high: Any = None
    sample: list[Any] = field(default_factory=list)
    top: list[dict[str, Any]] = field(default_factory=list)


def profile_parquet(
    con: duckdb.DuckDBPyConnection, path: str, columns: list[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """Profile of each (name, type) column of the Parquet file at ``path``."""
    source = f"read_parquet({literal(path)})"
    file = pq.ParquetFile(path)
    total = file.metadata.num_rows
    profiled = [_Column(name, kind) for name, kind in columns]
    _from_footer(file.metadata, profiled)
    _from_first_rows(file, profiled)
    _scan(con, source, profiled)
    _count_top_values(con, source, profiled)
    return {
        c.name: {
            "null_count": total - (c.present or 0),
            "distinct_count": c.distinct or 0,
            "min": jsonable(c.low),
            "max": jsonable(c.high),
            "top_values": c.top,
            "sample": [jsonable(v) for v in c.sample],
        }
        for c in profiled
    }


def _from_footer(meta: pq.FileMetaData, columns: list[_Column]) -> None:
    """Present values and ranges from the row groups' statistics, where they are exact."""
    leaves = {meta.schema.column(i).path: i for i in range(meta.num_columns)}
    groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
    for column in columns:
        if column.kind == "geopoint":
            column.ranged = True  # no order: min and max stay None
        elif column.name in leaves:
            leaf = leaves[column.name]
            _from_statistics(column, [(g.num_rows, g.column(leaf).statistics) for g in groups])


def _from_statistics(column: _Column, stats: list[tuple[int, Any]]) -> None:
    if any(s is None or not s.has_null_count for _, s in stats):
        return
    column.present = sum(rows - s.null_count for rows, s in stats)
    filled = [s for rows, s in stats if rows > s.null_count]
    if not all(
        s.has_min_max and _exact(column.kind, s.min) and _exact(column.kind, s.max) for s in filled
    ):
        return
    column.ranged = True
    if filled:
        column.low = min(s.min for s in filled)
        column.high = max(s.max for s in filled)
    if column.kind == "number" and filled:  # statistics give -0.0 for a zero minimum
        column.low, column.high = column.low + 0.0, column.high + 0.0


def _exact(kind: str, value: Any) -> bool:
    expected = STATISTICS_TYPES[kind]
    if not isinstance(value, expected) or (kind == "integer" and isinstance(value, bool)):
        return False
    if isinstance(value, dt.datetime):
        return kind == "datetime" and value.tzinfo is None
    if isinstance(value, str):
        return len(value.encode()) < EXACT_TEXT_BYTES
    return True


def _from_first_rows(file: pq.ParquetFile, columns: list[_Column]) -> None:
    """Samples from each column's first present values; the first row group also decides
    which columns repeat values, and when it is the whole file, their distinct counts."""
    first: dict[str, list[pa.Array]] = {c.name: [] for c in columns if c.present != 0}
    whole = file.metadata.num_row_groups == 1
    for group in range(file.metadata.num_row_groups):
        wanted = [c for c in columns if c.name in first and _have(first[c.name]) < _wanted(c)]
        if not wanted:
            break
        rows = file.read_row_group(group, columns=[c.name for c in wanted])
        for column in wanted:
            values = rows.column(column.name)
            have = first[column.name]
            have += pc.drop_null(values).slice(0, SAMPLE_FROM - _have(have)).chunks
            if group == 0 and column.kind != "geopoint":
                _guess_distinct(column, values, whole)
    for column in columns:
        column.sample = _sample(first.get(column.name, []))


def _have(chunks: list[pa.Array]) -> int:
    return sum(len(chunk) for chunk in chunks)


def _wanted(column: _Column) -> int:
    return SAMPLE_FROM if column.present is None else min(SAMPLE_FROM, column.present)


def _guess_distinct(column: _Column, values: pa.ChunkedArray, whole: bool) -> None:
    present = len(values) - values.null_count
    distinct = pc.count_distinct(values).as_py()
    if whole:
        column.present, column.distinct = present, distinct
    elif present and distinct <= REPEATING * present:
        column.distinct = FROM_GROUPS


def _sample(chunks: list[pa.Array]) -> list[Any]:
    """The first distinct values, in order of appearance."""
    if not chunks:
        return []
    values = pa.chunked_array(chunks)
    if not pa.types.is_struct(values.type):
        return pc.unique(values).slice(0, SAMPLE_VALUES).to_pylist()
    seen: dict[tuple[Any, ...], Any] = {}  # geopoints: Arrow has no hash kernel for structs
    for value in values.to_pylist():
        seen.setdefault(tuple(value.items()), value)
    return list(seen.values())[:SAMPLE_VALUES]


def _scan(con: duckdb.DuckDBPyConnection, source: str, columns: list[_Column]) -> None:
    """One aggregate over the file for what the footer and the first rows left open."""
    parts: list[tuple[_Column, str, str]] = []
    for column in columns:
        q = ident(column.name)
        if column.present is None:
            parts.append((column, "present", f"count({q})"))
        if column.distinct is None and column.present != 0:
            parts.append((column, "distinct", f"approx_count_distinct({q})"))
        if not column.ranged:
            parts += [(column, "low", f"min({q})"), (column, "high", f"max({q})")]
    if not parts:
        return
    row = con.execute(f"SELECT {', '.join(sql for *_, sql in parts)} FROM {source}").fetchone()
    assert row is not None
    for (column, attribute, _), value in zip(parts, row, strict=True):
        setattr(column, attribute, value)
    for column in columns:
        if column.distinct not in (None, FROM_GROUPS):
            column.distinct = min(column.distinct, column.present or 0)


def _count_top_values(con: duckdb.DuckDBPyConnection, source: str, columns: list[_Column]) -> None:
    """The most common values of every column that has them, a few columns per statement
    (each a list in a one-row result), with the number of groups where the distinct count
    is still open."""
    counted = [c for c in columns if _has_top_values(c)]
    lists = []
    for column in counted:
        q = ident(column.name)
        groups = "count(*) OVER ()" if column.distinct == FROM_GROUPS else "NULL"
        lists.append(
            f"(SELECT list({{'value': v, 'count': n, 'groups': g}} ORDER BY n DESC, v) FROM "
            f"(SELECT {q} AS v, count(*) AS n, {groups} AS g FROM {source} WHERE {q} IS NOT NULL "
            f"GROUP BY {q} ORDER BY n DESC, v LIMIT {TOP_VALUES}))"
        )
    tops: list[Any] = []
    for start in range(0, len(lists), TOP_VALUES_AT_ONCE):
        row = con.execute(f"SELECT {', '.join(lists[start : start + TOP_VALUES_AT_ONCE])}")
        tops += row.fetchone() or ()
    for column, top in zip(counted, tops, strict=True):
        assert column.present and top
        if column.distinct == FROM_GROUPS:
            column.distinct = top[0]["groups"]
        assert column.distinct is not None
        if column.distinct <= NEAR_UNIQUE * column.present:  # else it repeated only at first
            column.top = [{"value": jsonable(t["value"]), "count": t["count"]} for t in top]


def _has_top_values(column: _Column) -> bool:
    if not column.present or column.kind == "geopoint":
        return False
    assert column.distinct is not None
    return column.distinct == FROM_GROUPS or column.distinct <= NEAR_UNIQUE * column.present
