"""The per-process cache of decoded row groups behind pages in file order."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pytest

from abierto.query.engine import QueryBusy, QueryEngine, json_rows, json_value, run_rows
from abierto.query.row_groups import RowGroupCache
from abierto.query.rows import parse_row_query
from abierto.settings import Settings
from tests.query import rowdata


def _ids(table: pa.Table) -> list[int]:
    return table.column("id").to_pylist()


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(rowdata.write(tmp_path / "t.parquet", rowdata.records(2_500)))


def test_sequential_pages_decode_each_group_once(path: str) -> None:
    cache = RowGroupCache(64 * 1024 * 1024)
    for first in range(0, 2_500, 100):
        assert _ids(cache.window(path, first, first + 99, ["id"])) == list(
            range(first + 1, first + 101)
        )
    assert cache.misses == 3 and cache.hits == 22
    assert _ids(cache.window(path, 950, 2_049, ["id"])) == list(range(951, 2_051))
    assert _ids(cache.window(path, 2_490, 3_000, ["id"])) == list(range(2_491, 2_501))
    assert cache.window(path, 2_500, 2_600, ["id", "colonia"]).column_names == ["id", "colonia"]
    assert cache.window(path, 2_500, 2_600, ["id"]).num_rows == 0


def test_the_cache_stays_within_its_bytes(path: str) -> None:
    one = RowGroupCache(1 << 30)
    one.window(path, 0, 0, ["id"])
    size = one.bytes
    cache = RowGroupCache(size * 2)
    for first in (0, 1_000, 2_000, 0):
        cache.window(path, first, first, ["id"])
        assert cache.bytes <= size * 2
    assert cache.misses == 4  # the first group was evicted by the third
    none = RowGroupCache(0)  # keeps nothing, still answers
    assert _ids(none.window(path, 5, 6, ["id"])) == [6, 7] and none.bytes == 0


def test_a_rewritten_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    rowdata.write(path, rowdata.records(10))
    cache = RowGroupCache(1 << 30)
    assert _ids(cache.window(str(path), 0, 3, ["id"])) == [1, 2, 3, 4]
    before = path.stat().st_mtime_ns
    rowdata.write(path, rowdata.records(20)[10:])
    os.utime(path, ns=(before + 10**9, before + 10**9))  # however coarse the clock
    assert _ids(cache.window(str(path), 0, 3, ["id"])) == [11, 12, 13, 14]


def test_misses_take_a_query_slot_and_hits_do_not(path: str, tmp_path: Path) -> None:
    engine = QueryEngine(Settings(home=tmp_path / "home"), slots=1)
    engine.wait = 0.05
    query = parse_row_query({"select": "id", "limit": "10"}, rowdata.COLUMNS)
    far = parse_row_query({"select": "id", "offset": "2000"}, rowdata.COLUMNS)
    try:
        assert run_rows(engine, path, rowdata.COLUMNS, query).row_ids == list(range(1, 11))
        with engine.slot():  # every slot taken
            assert len(run_rows(engine, path, rowdata.COLUMNS, query).rows) == 10
            with pytest.raises(QueryBusy):
                run_rows(engine, path, rowdata.COLUMNS, far)
        assert len(run_rows(engine, path, rowdata.COLUMNS, far).rows) == 100
    finally:
        engine.close()


def test_the_settings_bound_the_engine_cache(tmp_path: Path) -> None:
    engine = QueryEngine(Settings(home=tmp_path, rows_cache_mb=3))
    assert engine.row_groups.max_bytes == 3 * 1024 * 1024
    engine.close()


def test_json_rows_are_what_json_value_makes() -> None:
    table = pa.table(
        {
            "fecha": pa.array([dt.date(1, 1, 1), dt.date(999, 12, 31), None], pa.date32()),
            "momento": pa.array([dt.datetime(2021, 3, 1, 8, 0, 0, 5), None, None]),
            "n": [1, None, 3],
        }
    )
    expected = [[json_value(v) for v in row.values()] for row in table.to_pylist()]
    assert json_rows(table) == expected
    assert expected[0][:2] == ["0001-01-01", "2021-03-01T08:00:00.000005"]
