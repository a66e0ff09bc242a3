"""The profile of a release file agrees with plain SQL over every row, whether it comes from
the footer's statistics, the first rows or a scan: statistics present, absent or truncated,
all-null and sparse columns, dates, geopoints, one row group or many."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from abierto.ingest.profile import profile_parquet
from abierto.query.sql import ident, literal

ROWS = 1000
POINT = pa.struct([("lat", pa.float64()), ("lon", pa.float64())])
COLUMNS = [
    ("ciudad", "text"),
    ("folio", "text"),
    ("monto", "number"),
    ("cantidad", "integer"),
    ("vigente", "boolean"),
    ("fecha", "date"),
    ("registrado", "datetime"),
    ("vacia", "text"),
    ("tardia", "text"),
    ("punto", "geopoint"),
    ("repetida_al_inicio", "text"),
]


def _table(rows: int = ROWS) -> pa.Table:
    cities = ["Zapopan", "Tonalá", "Ñuu Savi", "Monterrey", "Ávila"]
    start = dt.datetime(2021, 3, 1, 8, 30, 15, 250)
    return pa.table(
        {
            "ciudad": [cities[i * 3 % 5] if i % 7 else None for i in range(rows)],
            "folio": [f"F-{i:05d}" for i in range(rows)],
            "monto": [None if i % 11 == 0 else (i % 40 - 20) * 0.5 for i in range(rows)],
            "cantidad": [i % 13 for i in range(rows)],
            "vigente": [None if i % 3 == 0 else i % 2 == 0 for i in range(rows)],
            "fecha": pa.array(
                [dt.date(2020, 1, 1) + dt.timedelta(days=i % 30) for i in range(rows)]
            ),
            "registrado": pa.array(
                [start + dt.timedelta(hours=i % 50) for i in range(rows)], pa.timestamp("us")
            ),
            "vacia": pa.array([None] * rows, pa.string()),
            # present only at the end: the samples read past the first row groups
            "tardia": [f"t{i % 4}" if i >= rows - 3 else None for i in range(rows)],
            "punto": pa.array(
                [{"lat": 20.0 + i % 9, "lon": -103.5} if i % 4 else None for i in range(rows)],
                POINT,
            ),
            # looks repetitive in the first row group, is near-unique overall
            "repetida_al_inicio": [f"r{i % 10 if i < 100 else i}" for i in range(rows)],
        }
    )


def _expected(con: duckdb.DuckDBPyConnection, path: Path, name: str, kind: str) -> dict:
    """The profile computed the plain way: exact SQL over every row."""
    q, source = ident(name), f"read_parquet({literal(path.as_posix())})"
    total, present, distinct, low, high = con.execute(
        f"SELECT count(*), count({q}), count(DISTINCT {q}), min({q}), max({q}) FROM {source}"
    ).fetchone()
    top = []
    if present and kind != "geopoint" and distinct <= 0.9 * present:
        top = con.execute(
            f"SELECT {q}, count(*) AS n FROM {source} WHERE {q} IS NOT NULL "
            f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT 5"
        ).fetchall()
    first = [v for v in pq.read_table(path, columns=[name]).column(0).to_pylist() if v is not None]
    sample = []
    for value in first[:1000]:
        if value not in sample:
            sample.append(value)
    ordered = kind != "geopoint"
    return {
        "null_count": total - present,
        "distinct_count": distinct,
        "min": _json(low) if ordered else None,
        "max": _json(high) if ordered else None,
        "top_values": [{"value": _json(v), "count": n} for v, n in top],
        "sample": [_json(v) for v in sample[:5]],
    }


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _check(path: Path, columns: list[tuple[str, str]], *, exact_distinct: bool = False) -> dict:
    con = duckdb.connect()
    profile = profile_parquet(con, path.as_posix(), columns)
    for name, kind in columns:
        got, want = dict(profile[name]), _expected(con, path, name, kind)
        distinct, wanted = got.pop("distinct_count"), want.pop("distinct_count")
        assert got == want, name
        if exact_distinct:
            assert distinct == wanted, name
        else:
            assert abs(distinct - wanted) <= max(1, 0.05 * wanted), name
    return profile


def _write(table: pa.Table, path: Path, writer: str, row_group_size: int) -> None:
    """As the pipeline writes releases: pyarrow as it streams, DuckDB when it rewrites."""
    if writer == "pyarrow":
        pq.write_table(table, path, row_group_size=row_group_size)
        return
    con = duckdb.connect()
    con.register("t", table)
    con.execute(
        f"COPY t TO {literal(path.as_posix())} (FORMAT parquet, ROW_GROUP_SIZE {row_group_size})"
    )


@pytest.mark.parametrize("writer", ["pyarrow", "duckdb"])
@pytest.mark.parametrize("row_group_size", [100, ROWS])
def test_profile_matches_sql_with_statistics(
    tmp_path: Path, row_group_size: int, writer: str
) -> None:
    path = tmp_path / "release.parquet"
    _write(_table(), path, writer, row_group_size)
    profile = _check(path, COLUMNS, exact_distinct=row_group_size == ROWS)
    assert profile["vacia"] == {
        "null_count": ROWS, "distinct_count": 0, "min": None, "max": None,
        "top_values": [], "sample": [],
    }  # fmt: skip
    assert profile["fecha"]["min"] == "2020-01-01" and profile["fecha"]["max"] == "2020-01-30"
    assert profile["registrado"]["min"] == "2021-03-01T08:30:15.000250"
    assert profile["punto"]["min"] is None and profile["punto"]["top_values"] == []
    assert profile["punto"]["sample"][0] == {"lat": 21.0, "lon": -103.5}
    assert profile["tardia"]["sample"] == ["t1", "t2", "t3"]
    assert profile["folio"]["top_values"] == []  # near-unique
    assert profile["repetida_al_inicio"]["top_values"] == []
    assert profile["ciudad"]["sample"] == ["Monterrey", "Tonalá", "Ávila", "Ñuu Savi", "Zapopan"]


def test_profile_matches_sql_without_statistics(tmp_path: Path) -> None:
    path = tmp_path / "release.parquet"
    pq.write_table(_table(), path, row_group_size=100, write_statistics=False)
    _check(path, COLUMNS)


class _Recorder:
    """A connection that keeps the statements it runs."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.statements: list[str] = []

    def execute(self, sql: str) -> duckdb.DuckDBPyConnection:
        self.statements.append(sql)
        return self.con.execute(sql)


def test_only_what_the_footer_and_first_rows_leave_open_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "release.parquet"
    pq.write_table(_table(), path, row_group_size=100)
    recorder = _Recorder()
    columns = [c for c in COLUMNS if c[0] in ("ciudad", "folio", "monto", "fecha", "vacia")]
    profile_parquet(recorder, path.as_posix(), columns)  # type: ignore[arg-type]
    scan, top_values = recorder.statements
    # Only the identifier needs an estimate (it might repeat later); nulls, ranges and the
    # distinct values of columns that repeat come from the footer and the top values.
    assert scan.startswith('SELECT approx_count_distinct("folio") FROM')
    assert top_values.count("GROUP BY") == 3 and '"folio"' not in top_values


def test_one_row_group_needs_no_estimate(tmp_path: Path) -> None:
    path = tmp_path / "release.parquet"
    pq.write_table(_table(), path)
    recorder = _Recorder()
    columns = [c for c in COLUMNS if c[1] != "geopoint"]
    profile_parquet(recorder, path.as_posix(), columns)  # type: ignore[arg-type]
    [top_values] = recorder.statements
    assert "approx_count_distinct" not in top_values


def test_zero_minimum_is_positive(tmp_path: Path) -> None:
    path = tmp_path / "release.parquet"  # Parquet statistics store a zero minimum as -0.0
    pq.write_table(pa.table({"avance": [0.0, 50.0, 100.0]}), path)
    profile = profile_parquet(duckdb.connect(), path.as_posix(), [("avance", "number")])
    assert math.copysign(1, profile["avance"]["min"]) == 1


def test_top_value_ties_ordered_by_value(tmp_path: Path) -> None:
    path = tmp_path / "release.parquet"
    values = ["e", "d", "c", "b", "a", "f", "f", "g", "h"] * 3
    pq.write_table(pa.table({"letra": values}), path, row_group_size=5)
    profile = profile_parquet(duckdb.connect(), path.as_posix(), [("letra", "text")])
    assert profile["letra"]["top_values"] == [
        {"value": "f", "count": 6}, {"value": "a", "count": 3}, {"value": "b", "count": 3},
        {"value": "c", "count": 3}, {"value": "d", "count": 3},
    ]  # fmt: skip
    assert profile["letra"]["distinct_count"] == 8


@pytest.mark.parametrize("writer", ["pyarrow", "duckdb"])
def test_long_text_statistics_are_not_trusted(tmp_path: Path, writer: str) -> None:
    """pyarrow leaves out statistics over 4 KiB, DuckDB cuts them at 256 bytes: the range
    of such text comes from the values themselves."""
    texts = {
        "larga": ["b" * 5000, "a" * 5000 + "z", "m", None] * 30,
        "media": ["x" * 300 + "y", "x" * 300, "é" * 40, None] * 30,
        "corta": ["b" * 60, "a" * 70, "c" * 100, None] * 30,
    }
    path = tmp_path / "release.parquet"
    _write(pa.table(texts), path, writer, 40)
    profile = _check(path, [(name, "text") for name in texts])
    assert profile["larga"]["min"] == "a" * 5000 + "z" and profile["larga"]["max"] == "m"
    assert profile["media"]["max"] == "é" * 40 and profile["media"]["min"] == "x" * 300


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "release.parquet"
    pq.write_table(pa.table({"a": pa.array([], pa.int64()), "p": pa.array([], POINT)}), path)
    profile = profile_parquet(
        duckdb.connect(), path.as_posix(), [("a", "integer"), ("p", "geopoint")]
    )
    empty = {"null_count": 0, "distinct_count": 0, "min": None, "max": None}
    assert profile == {n: {**empty, "top_values": [], "sample": []} for n in ("a", "p")}


def test_wide_table_within_a_small_memory_limit(tmp_path: Path) -> None:
    """Top values go a few columns per statement: 120 columns in one ran out of 64 MB."""
    path = tmp_path / "release.parquet"
    rows = 40_000
    table = pa.table(
        {f"c{i}": pa.array([(j * 7 + i) % 50 for j in range(rows)]) for i in range(120)}
    )
    pq.write_table(table, path, row_group_size=32_768)
    con = duckdb.connect()
    con.execute("SET memory_limit = '64MB'")
    profile = profile_parquet(con, path.as_posix(), [(f"c{i}", "integer") for i in range(120)])
    assert profile["c119"]["distinct_count"] == 50
    assert profile["c119"]["top_values"][0] == {"value": 0, "count": 800}
