"""SoQL: parsing, refusing, and compiling to SQL that DuckDB runs over a real Parquet file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from abierto.query.soql import (
    SoqlError,
    SoqlQuery,
    parse_expression,
    parse_full_query,
    parse_group,
    parse_orderings,
    parse_selections,
)
from abierto.query.soql_sql import compile_query

COLUMNS = [
    {"name": "municipio", "type": "text"},
    {"name": "monto", "type": "number"},
    {"name": "fecha", "type": "date"},
    {"name": "pagado", "type": "boolean"},
    {"name": "ubicacion", "type": "geopoint"},
]


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> str:
    point = pa.struct([("lat", pa.float64()), ("lon", pa.float64())])
    table = pa.table(
        {
            "municipio": ["Zapopan", "Guadalajara", "Zapopan", "Tonalá", None],
            "monto": [100.0, 250.5, 50.0, 75.25, 10.0],
            "fecha": [dt.date(2020, 1, d) for d in (1, 2, 3, 4, 5)],
            "pagado": [True, False, True, None, False],
            "ubicacion": pa.array(
                [
                    {"lat": 20.72, "lon": -103.39},
                    {"lat": 20.67, "lon": -103.35},
                    {"lat": 20.74, "lon": -103.44},
                    None,
                    {"lat": 25.67, "lon": -100.31},
                ],
                type=point,
            ),
        }
    )
    path = tmp_path_factory.mktemp("soql") / "t.parquet"
    pq.write_table(table, path)
    return str(path)


def run(parquet: str, query: SoqlQuery, equality: dict[str, str] | None = None) -> list[tuple]:
    source = "read_parquet($1, file_row_number = true)"
    compiled = compile_query(query, COLUMNS, source, equality, [parquet])
    with duckdb.connect() as con:
        return con.execute(compiled.sql, compiled.params).fetchall()


def where(text: str) -> SoqlQuery:
    return SoqlQuery(select=parse_selections("municipio"), where=parse_expression(text))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("monto > 60", ["Zapopan", "Guadalajara", "Tonalá"]),
        ("monto >= '100'", ["Zapopan", "Guadalajara"]),
        ("municipio = 'Zapopan' AND monto < 100", ["Zapopan"]),
        ("municipio = 'Zapopan' OR monto = 75.25", ["Zapopan", "Zapopan", "Tonalá"]),
        ("NOT (monto > 60)", ["Zapopan", None]),
        ("municipio IS NULL", [None]),
        ("municipio IS NOT NULL AND pagado", ["Zapopan", "Zapopan"]),
        ("municipio IN ('Tonalá', 'Guadalajara')", ["Guadalajara", "Tonalá"]),
        ("municipio NOT IN ('Zapopan')", ["Guadalajara", "Tonalá"]),
        ("monto BETWEEN 50 AND 100", ["Zapopan", "Zapopan", "Tonalá"]),
        ("fecha > '2020-01-03'", ["Tonalá", None]),
        ("fecha >= '2020-01-03T00:00:00.000'", ["Zapopan", "Tonalá", None]),
        ("municipio LIKE 'Zap%'", ["Zapopan", "Zapopan"]),
        ("starts_with(municipio, 'Gua')", ["Guadalajara"]),
        ("upper(municipio) = 'TONALÁ'", ["Tonalá"]),
        (
            "within_box(ubicacion, 20.8, -103.5, 20.6, -103.3)",
            ["Zapopan", "Guadalajara", "Zapopan"],
        ),
        ("within_circle(ubicacion, 25.67, -100.31, 1000)", [None]),
        ("date_extract_d(fecha) = 2", ["Guadalajara"]),
        ("monto * 2 > 400", ["Guadalajara"]),
    ],
)
def test_where(parquet: str, condition: str, expected: list[str | None]) -> None:
    assert [row[0] for row in run(parquet, where(condition))] == expected


def test_aggregates_group_having_order(parquet: str) -> None:
    query = SoqlQuery(
        select=parse_selections("municipio, sum(monto) AS total, count(*)"),
        where=parse_expression("municipio IS NOT NULL"),
        group=parse_group("municipio"),
        having=parse_expression("sum(monto) > 60"),
        order=parse_orderings("total DESC"),
    )
    assert run(parquet, query) == [
        ("Guadalajara", 250.5, 1),
        ("Zapopan", 150.0, 2),
        ("Tonalá", 75.25, 1),
    ]


def test_default_order_is_the_file_order_and_paging_is_exact(parquet: str) -> None:
    pages = [
        run(parquet, SoqlQuery(select=parse_selections("monto"), limit=2, offset=offset))
        for offset in (0, 2, 4)
    ]
    assert [row[0] for page in pages for row in page] == [100.0, 250.5, 50.0, 75.25, 10.0]


def test_equality_filters_and_full_text(parquet: str) -> None:
    query = SoqlQuery(select=parse_selections("monto"))
    assert run(parquet, query, {"municipio": "Zapopan"}) == [(100.0,), (50.0,)]
    search = SoqlQuery(select=parse_selections("municipio"), search="tonala")
    assert run(parquet, search) == [("Tonalá",)]


def test_row_id_system_field(parquet: str) -> None:
    query = SoqlQuery(select=parse_selections(":id, monto"), where=parse_expression(":id = 2"))
    assert run(parquet, query) == [(2, 250.5)]


def test_full_query() -> None:
    query = parse_full_query(
        "SELECT municipio, count(*) AS n WHERE monto > 1 GROUP BY municipio "
        "HAVING count(*) > 1 ORDER BY n DESC LIMIT 5 OFFSET 1"
    )
    assert [s.alias for s in query.select] == [None, "n"]
    assert query.limit == 5 and query.offset == 1
    assert len(query.group) == 1 and query.having is not None and query.order[0].descending


@pytest.mark.parametrize(
    "text",
    [
        "monto > ",
        "monto >> 1",
        "monto = 1; DROP TABLE x",
        "read_csv('/etc/passwd') IS NULL",
        "municipio = 'a' UNION SELECT 1",
        "nada = 1",
        "sum(monto) > 1",
        "municipio = 'unterminated",
        '`municipio" = 1',
        "getenv('HOME') = 'x'",
    ],
)
def test_refused(parquet: str, text: str) -> None:
    with pytest.raises(SoqlError):
        run(parquet, where(text))


def test_literals_are_parameters_not_sql() -> None:
    attack = "x' OR 1=1 --"
    compiled = compile_query(
        SoqlQuery(where=parse_expression(f"municipio = '{attack.replace(chr(39), chr(39) * 2)}'")),
        COLUMNS,
        "t",
    )
    assert attack in compiled.params
    assert "OR 1=1" not in compiled.sql


def test_unknown_column_error_names_it() -> None:
    with pytest.raises(SoqlError, match="no such column: nada") as caught:
        compile_query(SoqlQuery(select=parse_selections("nada")), COLUMNS, "t")
    assert caught.value.code == "query.soql.no-such-column"


def test_parquet_path_exists(parquet: str) -> None:
    assert Path(parquet).is_file()
