"""Unfiltered pages in file order are a range of row numbers, sliced from decoded row groups
kept in memory (query.row_groups), and return exactly the rows DuckDB's LIMIT/OFFSET or keyset
SQL returns."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from abierto.query.engine import QueryEngine, _sql_rows, run_rows
from abierto.query.rows import file_window, parse_row_query
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


def _window(**params: str) -> tuple[int, int] | None:
    return file_window(parse_row_query(params, rowdata.COLUMNS), extra_row=True)


def test_only_unfiltered_file_order_pages_are_ranges() -> None:
    assert _window() == (0, 100)
    assert _window(offset="1990", limit="30") == (1990, 2020)
    assert _window(select="id", limit="0") == (0, 0)
    assert _window(id__gt="5") is None
    assert _window(order="-monto") is None
    assert _window(q="centro") is None
    assert _window(group_by="colonia", count="") is None


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


def _both(engine: QueryEngine, path: str, **params: str) -> tuple[object, object]:
    """The page from the row-group cache and the same page from DuckDB's SQL."""
    query = parse_row_query(params, rowdata.COLUMNS)
    return (
        run_rows(engine, path, rowdata.COLUMNS, query),
        _sql_rows(engine, path, rowdata.COLUMNS, query),
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"limit": "0"},
        {"offset": "999", "limit": "3"},
        {"offset": "1500", "limit": "1000", "select": "ubicacion,fecha,momento"},
        {"offset": "2499"},
        {"offset": "2500"},
        {"offset": "99999"},
        {"select": "colonia,pagado,monto", "limit": "1"},
    ],
)
def test_offset_pages_equal_duckdb_pages(
    engine: QueryEngine, path: str, params: dict[str, str]
) -> None:
    cached, sql = _both(engine, path, **params)
    assert cached == sql


def test_cursor_pages_equal_duckdb_pages(engine: QueryEngine, path: str) -> None:
    params = {"limit": "777"}
    pages = 0
    while True:
        cached, sql = _both(engine, path, **params)
        assert cached == sql
        pages += 1
        if cached.next_cursor is None:
            break
        params["cursor"] = cached.next_cursor
    assert pages == 4


def test_real_release_pages_equal_duckdb_pages(
    engine: QueryEngine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A file DuckDB wrote (as publishing does), with every column type and nulls."""
    folder = tmp_path_factory.mktemp("duck")
    source = rowdata.write(folder / "source.parquet", rowdata.records(COUNT, seed=11))
    written = str(folder / "release.parquet")
    with engine.cursor() as cur:
        cur.execute(
            f"COPY (SELECT * FROM read_parquet('{source}')) TO '{written}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 700)"
        )
    for params in ({"offset": "650", "limit": "120"}, {"limit": "5"}, {"offset": "2400"}):
        cached, sql = _both(engine, written, **params)
        assert cached == sql and cached.rows
    cursor = _both(engine, written, limit="699")[0].next_cursor
    assert cursor is not None
    cached, sql = _both(engine, written, cursor=cursor, limit="3")
    assert cached == sql and cached.row_ids == [700, 701, 702]


def test_filtered_offset_pages_across_row_groups_keep_file_order(
    engine: QueryEngine, path: str
) -> None:
    """DuckDB's page (a semi-join on row numbers) may emit the later row group first."""
    for _ in range(60):
        ids, _ = _ids(engine, path, select="id", id__gt="0", offset="998", limit="4")
        assert ids == [999, 1000, 1001, 1002]
