"""The rows grammar and engine over a real Parquet file: operators, types, cursors, aggregates,
facets, time limits and the refusal of anything that is not the table's."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from abierto.query.engine import QueryBusy, QueryEngine, QueryTimeout, facet_counts, run_rows
from abierto.query.rows import QueryError, RowQuery, parse_row_query
from abierto.settings import Settings
from tests.query import rowdata

COUNT = 3_000
Row = dict[str, Any]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Row]]:
    rows = rowdata.records(COUNT)
    path = rowdata.write(tmp_path_factory.mktemp("rows") / "t.parquet", rows)
    return str(path), rows


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryEngine]:
    settings = Settings(home=tmp_path_factory.mktemp("home"), duckdb_threads=2)
    engine = QueryEngine(settings)
    yield engine
    engine.close()


def ask(engine: QueryEngine, table: tuple[str, list[Row]], **params: str) -> Any:
    query = parse_row_query(params, rowdata.COLUMNS)
    return run_rows(engine, table[0], rowdata.COLUMNS, query)


def ids(result: Any) -> list[int]:
    names = [f["name"] for f in result.fields]
    return [row[names.index("id")] for row in result.rows]


def fold(text: str | None) -> str:
    return (text or "").lower().replace("á", "a").replace("ú", "u")


DAY = dt.date(2020, 6, 1)
CASES: list[tuple[dict[str, str], Callable[[Row], bool]]] = [
    ({"id": "17"}, lambda r: r["id"] == 17),
    ({"id__gt": "2990"}, lambda r: r["id"] > 2990),
    ({"id__lte": "5"}, lambda r: r["id"] <= 5),
    ({"id__in": "3,30,300,3000"}, lambda r: r["id"] in (3, 30, 300, 3000)),
    ({"monto__gte": "4000.5"}, lambda r: r["monto"] is not None and r["monto"] >= 4000.5),
    ({"monto__lt": "0"}, lambda r: r["monto"] is not None and r["monto"] < 0),
    ({"monto": "100"}, lambda r: r["monto"] == 100.0),
    ({"monto__ne": "100"}, lambda r: r["monto"] is not None and r["monto"] != 100.0),
    ({"monto__isnull": "true"}, lambda r: r["monto"] is None),
    ({"fecha__lt": "2020-06-01"}, lambda r: r["fecha"] is not None and r["fecha"] < DAY),
    ({"fecha": "2020-06-01"}, lambda r: r["fecha"] == DAY),
    ({"fecha__startswith": "2021-02"}, lambda r: str(r["fecha"]).startswith("2021-02")),
    (
        {"momento__gte": "2021-03-05T12:00:00"},
        lambda r: r["momento"] >= dt.datetime(2021, 3, 5, 12),
    ),
    ({"pagado": "sí"}, lambda r: r["pagado"] is True),
    ({"pagado": "false"}, lambda r: r["pagado"] is False),
    ({"pagado__isnull": "true"}, lambda r: r["pagado"] is None),
    ({"colonia": "Tesistán"}, lambda r: r["colonia"] == "Tesistán"),
    ({"colonia__ne": "Centro"}, lambda r: r["colonia"] not in (None, "Centro")),
    ({"colonia__in": "Centro,Santa Úrsula"}, lambda r: r["colonia"] in ("Centro", "Santa Úrsula")),
    ({"colonia__contains": "URSULA"}, lambda r: r["colonia"] == "Santa Úrsula"),
    ({"colonia__startswith": "tesis"}, lambda r: r["colonia"] == "Tesistán"),
    ({"colonia__isnull": "false"}, lambda r: r["colonia"] is not None),
    ({"ubicacion__isnull": "true"}, lambda r: r["ubicacion"] is None),
    ({"q": "santa ursula"}, lambda r: "santa ursula" in fold(r["colonia"])),
    ({"q": "TESISTAN", "pagado": "true"}, lambda r: r["colonia"] == "Tesistán" and r["pagado"]),
    ({"colonia": "x' OR '1'='1"}, lambda r: False),
    ({"colonia__contains": "%"}, lambda r: False),
]


@pytest.mark.parametrize(("params", "keep"), CASES, ids=[str(c[0]) for c in CASES])
def test_every_operator_and_type(
    engine: QueryEngine, table: tuple[str, list[Row]], params: dict[str, str], keep: Any
) -> None:
    result = ask(engine, table, limit="10000", include_total="true", **params)
    expected = [r["id"] for r in table[1] if keep(r)]
    assert ids(result) == expected
    assert result.total == len(expected)


def test_values_come_back_json_ready(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    result = ask(engine, table, id="2")
    row = dict(zip([f["name"] for f in result.fields], result.rows[0], strict=True))
    source = table[1][1]
    assert row["fecha"] == (source["fecha"].isoformat() if source["fecha"] else None)
    assert row["momento"] == source["momento"].isoformat()
    assert row["ubicacion"] == source["ubicacion"]
    assert result.fields[6] == {"name": "ubicacion", "type": "geopoint", "title": "Ubicación"}
    assert result.row_ids == [2]


@pytest.mark.parametrize(
    ("params", "param", "words"),
    [
        ({"id__gt": "1.5"}, "id__gt", "not a valid integer"),
        ({"id": "1_000"}, "id", "not a valid integer"),
        ({"monto": "mucho"}, "monto", "not a valid number"),
        ({"monto__lt": "nan"}, "monto__lt", "not a valid number"),
        ({"fecha": "2020-13-01"}, "fecha", "not a valid date"),
        ({"pagado": "quizá"}, "pagado", "not a valid boolean"),
        ({"ubicacion": "20,-103"}, "ubicacion", "point column"),
        ({"colonia__like": "x"}, "colonia__like", "unknown operator"),
        ({"nada": "1"}, "nada", "columns are: id, monto, fecha"),
        ({"select": "id\" FROM read_csv('/etc/passwd') --"}, "select", "unknown column"),
        ({'id"; DROP TABLE x; --': "1"}, 'id"; DROP TABLE x; --', "unknown column"),
        ({"order": "-nada"}, "order", "unknown column"),
        ({"order": "ubicacion"}, "order", "no order"),
        ({"limit": "10001"}, "limit", "between 0 and 10,000"),
        ({"offset": "-1"}, "offset", "between"),
        ({"sum": "colonia"}, "sum", "numeric"),
        ({"group_by": "colonia", "order": "monto"}, "order", "grouped query"),
        ({"cursor": "basura"}, "cursor", "not one this API gave out"),
        ({"cursor": "e30", "offset": "5"}, "cursor", "cannot be combined"),
        ({"include_total": "quizá"}, "include_total", "true or false"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, str], param: str, words: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_row_query(params, rowdata.COLUMNS)
    assert caught.value.param == param
    assert words in str(caught.value)


def test_select_order_offset(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    result = ask(engine, table, select="monto,id", order="-monto,id", limit="40", offset="7")
    assert [f["name"] for f in result.fields] == ["monto", "id"]
    ordered = sorted(table[1], key=lambda r: (r["monto"] is None, -(r["monto"] or 0), r["id"]))
    assert [row[1] for row in result.rows] == [r["id"] for r in ordered[7:47]]


def _key(order: str) -> Callable[[Row], tuple[Any, ...]]:
    """The Python twin of the API's order: nulls last in both directions, then file order."""

    def key(row: Row) -> tuple[Any, ...]:
        parts: list[Any] = []
        for part in order.split(","):
            name = part.lstrip("-")
            value = row[name]
            if isinstance(value, dt.date | dt.datetime):
                value = value.toordinal() if type(value) is dt.date else value.timestamp()
            if isinstance(value, str):
                value = tuple(-ord(c) for c in value) if part.startswith("-") else value
            elif value is not None and part.startswith("-"):
                value = -value
            parts += [value is None, 0 if value is None else value]
        return (*parts, row["id"])

    return key


@pytest.mark.parametrize(
    "order", ["", "-monto", "colonia,-fecha", "pagado,-colonia", "-momento", "fecha,monto"]
)
def test_cursor_pages_every_row_exactly_once(
    engine: QueryEngine, table: tuple[str, list[Row]], order: str
) -> None:
    params = {"limit": "450", "select": "id", **({"order": order} if order else {})}
    seen: list[int] = []
    pages = 0
    while True:
        result = ask(engine, table, **params)
        seen += ids(result)
        pages += 1
        if result.next_cursor is None:
            break
        params["cursor"] = result.next_cursor
    assert pages == -(-COUNT // 450)
    assert sorted(seen) == list(range(1, COUNT + 1))
    if order and "colonia" not in order:  # text order is DuckDB's collation, not Python's
        assert seen == [r["id"] for r in sorted(table[1], key=_key(order))]
    elif not order:
        assert seen == list(range(1, COUNT + 1))


def test_a_cursor_only_fits_its_own_order(
    engine: QueryEngine, table: tuple[str, list[Row]]
) -> None:
    cursor = ask(engine, table, order="-monto", limit="5").next_cursor
    assert cursor
    with pytest.raises(QueryError, match="another order"):
        ask(engine, table, order="fecha", cursor=cursor)


def test_last_page_has_no_cursor(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    assert ask(engine, table, limit=str(COUNT)).next_cursor is None
    assert ask(engine, table, limit=str(COUNT - 1)).next_cursor is not None


def test_group_by_and_aggregates(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    result = ask(
        engine,
        table,
        group_by="colonia",
        count="",
        sum="monto",
        avg="monto",
        min="fecha",
        max="monto",
        distinct="fecha",
        order="-count",
        include_total="true",
    )
    names = [f["name"] for f in result.fields]
    assert names == [
        "colonia",
        "count",
        "sum_monto",
        "avg_monto",
        "min_fecha",
        "max_monto",
        "distinct_fecha",
    ]
    by = {row[0]: dict(zip(names, row, strict=True)) for row in result.rows}
    assert result.total == len(rowdata.COLONIAS)
    counts = [row[1] for row in result.rows]
    assert counts == sorted(counts, reverse=True)
    for colonia in rowdata.COLONIAS:
        group = [r for r in table[1] if r["colonia"] == colonia]
        montos = [r["monto"] for r in group if r["monto"] is not None]
        fechas = [r["fecha"] for r in group if r["fecha"] is not None]
        got = by[colonia]
        assert got["count"] == len(group)
        assert got["sum_monto"] == pytest.approx(sum(montos))
        assert got["avg_monto"] == pytest.approx(sum(montos) / len(montos))
        assert got["min_fecha"] == min(fechas).isoformat()
        assert got["max_monto"] == max(montos)
        assert got["distinct_fecha"] == len(set(fechas))


def test_aggregate_without_groups_under_filters(
    engine: QueryEngine, table: tuple[str, list[Row]]
) -> None:
    result = ask(engine, table, count="", sum="id", pagado="true")
    kept = [r["id"] for r in table[1] if r["pagado"] is True]
    assert result.rows == [[len(kept), sum(kept)]]


def test_facets_follow_the_filters(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    query = parse_row_query({"pagado": "true"}, rowdata.COLUMNS)
    facets = facet_counts(engine, table[0], rowdata.COLUMNS, query, ["colonia", "pagado"])
    expected: dict[Any, int] = {}
    for r in table[1]:
        if r["pagado"] is True:
            expected[r["colonia"]] = expected.get(r["colonia"], 0) + 1
    assert {f["value"]: f["count"] for f in facets["colonia"]} == expected
    counts = [f["count"] for f in facets["colonia"]]
    assert counts == sorted(counts, reverse=True)
    assert facets["pagado"] == [{"value": True, "count": sum(expected.values())}]


def test_facets_keep_the_top_fifty(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    facets = facet_counts(engine, table[0], rowdata.COLUMNS, RowQuery(), ["id"])
    assert len(facets["id"]) == 50 and {f["count"] for f in facets["id"]} == {1}


def test_a_slow_query_is_interrupted(tmp_path: Path) -> None:
    engine = QueryEngine(Settings(home=tmp_path, duckdb_threads=1), timeout=0.3)
    try:
        with pytest.raises(QueryTimeout, match=r"longer than 0\.3 s"):
            engine.fetch("SELECT sum(hash(i)) FROM range(100000000000) t(i)", [])
        assert engine.fetch("SELECT 41 + 1", []) == [(42,)]  # the slot was given back
    finally:
        engine.close()


def test_queries_beyond_the_slots_wait_then_give_up(tmp_path: Path) -> None:
    engine = QueryEngine(Settings(home=tmp_path), slots=1)
    engine.wait = 0.2
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with engine.cursor():
            held.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        assert held.wait(5)
        with pytest.raises(QueryBusy):
            engine.fetch("SELECT 1", [])
    finally:
        release.set()
        worker.join()
    assert engine.fetch("SELECT 1", []) == [(1,)]
    engine.close()


def test_exports_queue_on_their_own_slots(tmp_path: Path) -> None:
    engine = QueryEngine(Settings(home=tmp_path), slots=2)
    try:
        with engine.cursor(export=True):  # the one export slot
            assert engine.fetch("SELECT 1", []) == [(1,)]  # pages still run
            with pytest.raises(QueryBusy), engine.cursor(export=True, wait=0.05):
                pass
        with engine.cursor(), engine.cursor(), engine.cursor(export=True) as cur:
            assert cur.execute("SELECT 2").fetchall() == [(2,)]  # every page slot is taken
    finally:
        engine.close()


@pytest.mark.parametrize("filters", [{}, {"colonia": "Centro"}, {"q": "santa"}])
def test_offset_in_file_order(
    engine: QueryEngine, table: tuple[str, list[Row]], filters: dict[str, str]
) -> None:
    kept = [r["id"] for r in table[1] if _keeps(r, filters)]
    for offset in ("0", "17", str(len(kept) - 5), str(len(kept) + 5)):
        result = ask(engine, table, select="id", limit="25", offset=offset, **filters)
        assert ids(result) == kept[int(offset) : int(offset) + 25]


def _keeps(row: Row, filters: dict[str, str]) -> bool:
    if "colonia" in filters:
        return row["colonia"] == filters["colonia"]
    if "q" in filters:
        return "santa" in fold(row["colonia"])
    return True
