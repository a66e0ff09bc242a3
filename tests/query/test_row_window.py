"""Unfiltered pages in file order are asked for as a range of row numbers (so DuckDB reads
only the row groups of the page) and still return exactly the rows LIMIT/OFFSET would."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from abierto.query.engine import QueryEngine, run_rows
from abierto.query.rows import build_sql, parse_row_query
from abierto.settings import Settings
from tests.query import rowdata

COUNT = 2_500  # three row groups of 1,000 rows


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(rowdata.write(tmp_path_factory.mktemp("w") / "t.parquet", rowdata.records(COUNT)))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryEngine]:
    engine = QueryEngine(Settings(home=tmp_path_factory.mktemp("home"), duckdb_threads=2))
    yield engine
    engine.close()


def _ids(engine: QueryEngine, path: str, **params: str) -> tuple[list[int], str | None]:
    result = run_rows(engine, path, rowdata.COLUMNS, parse_row_query(params, rowdata.COLUMNS))
    return [row[0] for row in result.rows], result.next_cursor


def _sql(**params: str) -> str:
    query = parse_row_query(params, rowdata.COLUMNS)
    return build_sql(query, rowdata.COLUMNS, "t.parquet", extra_row=True).text


def test_only_unfiltered_file_order_pages_are_ranges() -> None:
    assert "BETWEEN 0 AND 100" in _sql()
    assert "BETWEEN 1990 AND 2020" in _sql(offset="1990", limit="30")
    assert "BETWEEN" not in _sql(id__gt="5")
    assert "BETWEEN" not in _sql(order="-monto")
    assert "BETWEEN" not in _sql(q="centro")
    assert "BETWEEN" not in _sql(group_by="colonia", count="")


@pytest.mark.parametrize(("offset", "limit"), [(0, 10), (990, 25), (1999, 2), (2490, 50)])
def test_offset_pages_across_row_groups(
    engine: QueryEngine, path: str, offset: int, limit: int
) -> None:
    ids, cursor = _ids(engine, path, select="id", offset=str(offset), limit=str(limit))
    expected = list(range(offset + 1, min(offset + limit, COUNT) + 1))
    assert ids == expected
    assert (cursor is None) == (offset + limit >= COUNT)


def test_cursor_pages_across_row_groups(engine: QueryEngine, path: str) -> None:
    seen: list[int] = []
    params = {"select": "id", "limit": "333"}
    while True:
        ids, cursor = _ids(engine, path, **params)
        seen += ids
        if cursor is None:
            break
        params["cursor"] = cursor
    assert seen == list(range(1, COUNT + 1))


def test_a_forged_cursor_far_away_is_an_empty_page(engine: QueryEngine, path: str) -> None:
    first = _ids(engine, path, select="id", limit="1")[1]
    assert first
    document = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))

    def forge(value: int) -> str:
        document["v"] = [value]
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode()

    assert _ids(engine, path, select="id", cursor=forge(10**30)) == ([], None)
    ids, cursor = _ids(engine, path, select="id", cursor=forge(-(10**30)))
    assert ids == list(range(1, 101)) and cursor is not None  # from the first row
