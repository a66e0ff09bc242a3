"""Per-column profile of a written release: nulls, distinct values, range, top values."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import duckdb

from abierto.query.sql import ident, literal

TOP_VALUES = 5
SAMPLE_VALUES = 5


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def profile_parquet(
    con: duckdb.DuckDBPyConnection, path: str, columns: list[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """Profile of each (name, type) column of the Parquet file at ``path``."""
    source = f"read_parquet({literal(path)})"
    parts = ["count(*)"]
    for name, kind in columns:
        q = ident(name)
        ordered = kind != "geopoint"
        parts += [
            f"count({q})",
            f"approx_count_distinct({q})",
            f"min({q})" if ordered else "NULL",
            f"max({q})" if ordered else "NULL",
        ]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    assert row is not None
    total = row[0]
    profiles: dict[str, dict[str, Any]] = {}
    for i, (name, kind) in enumerate(columns):
        present, distinct, low, high = row[1 + 4 * i : 5 + 4 * i]
        profiles[name] = {
            "null_count": total - present,
            "distinct_count": min(distinct, present),
            "min": jsonable(low),
            "max": jsonable(high),
            "top_values": _top_values(con, source, name, present, distinct, kind),
            "sample": _sample(con, source, name),
        }
    return profiles


def _top_values(
    con: duckdb.DuckDBPyConnection, source: str, name: str, present: int, distinct: int, kind: str
) -> list[dict[str, Any]]:
    # Near-unique columns (identifiers, free text) have no meaningful most common values.
    if not present or kind == "geopoint" or distinct > 0.9 * present:
        return []
    rows = con.execute(
        f"SELECT {ident(name)}, count(*) AS n FROM {source} WHERE {ident(name)} IS NOT NULL "
        f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT {TOP_VALUES}"
    ).fetchall()
    return [{"value": jsonable(v), "count": n} for v, n in rows]


def _sample(con: duckdb.DuckDBPyConnection, source: str, name: str) -> list[Any]:
    rows = con.execute(
        f"SELECT DISTINCT {ident(name)} FROM (SELECT {ident(name)} FROM {source} "
        f"WHERE {ident(name)} IS NOT NULL LIMIT 1000) LIMIT {SAMPLE_VALUES}"
    ).fetchall()
    return [jsonable(r[0]) for r in rows]
