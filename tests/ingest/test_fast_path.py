"""The cheap forms the one pass uses are the costly ones, value for value.

Typed cells are read first as they are (Candidate.fast_sql) and only the cells that do not
pass are trimmed and checked for missing markers; text is trimmed in the stream, not in
SQL. These tests hold each shortcut to the full form it replaces.
"""

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abierto.ingest.pipeline import TableResult, inspect_file
from abierto.ingest.types import (
    DATES,
    GEOPOINT,
    INTEGER,
    INTEGER_COMMA,
    NUMBER_COMMA,
    NUMBER_DOT,
    SQL_TYPES,
    Candidate,
    install_macros,
    prepared_refs,
)
from abierto.settings import Settings

NUMERIC_FORMS = [d for d in DATES if d.prepare == "trim"]  # not those naming months
FAST = [INTEGER, INTEGER_COMMA, NUMBER_DOT, NUMBER_COMMA, GEOPOINT, *NUMERIC_FORMS]
# Digits and every character the gates, parsers, markers and trimming care about.
ALPHABET = "0123456789 \t\xa0$,.%+-eE/:()NnDdAa;"
cells = st.text(alphabet=ALPHABET, max_size=14) | st.sampled_from(
    [" 1,234.50", "$ 1,234", "12.5% ", " 0870", "31/12/2019", " 2019-12-31", "N/D", " - ",
     "9999-99-99", "00/00/0000", "19.43,-99.13", " (19.43, -99.13) ", "1 234,5", "12,5"]
)  # fmt: skip


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    install_macros(con)
    return con


def both_ways(con: duckdb.DuckDBPyConnection, candidate: Candidate, cell: str) -> tuple:
    """(the value the pass computes, the value of the full form) for one cell."""
    fast = candidate.fast_sql("v")
    assert fast is not None
    full = candidate.value_sql(prepared_refs("v"))
    kind = SQL_TYPES[candidate.type]
    row = con.execute(
        f"SELECT CAST(COALESCE({fast}, {full}) AS {kind}), CAST({full} AS {kind}) "
        "FROM (SELECT ?::VARCHAR AS v)",
        [cell],
    ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("candidate", FAST, ids=lambda c: c.key)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cell=cells)
def test_the_fast_path_reads_every_cell_as_the_full_form(
    con: duckdb.DuckDBPyConnection, candidate: Candidate, cell: str
) -> None:
    fast, full = both_ways(con, candidate, cell)
    assert fast == full


def test_only_trimmed_forms_have_a_fast_path() -> None:
    assert all(c.fast_sql("v") is not None for c in FAST)
    assert [c.prepare for c in DATES if c.fast_sql("v") is None] == ["months"] * 4


def run(tmp_path: Path, settings: Settings, text: str) -> TableResult:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    [table] = inspect_file(source, settings, output_dir=tmp_path / "out")
    return table


def column(table: TableResult, name: str) -> list:
    assert table.parquet_path is not None
    return pq.read_table(table.parquet_path).column(name).to_pylist()


def test_text_is_trimmed_on_every_path(tmp_path: Path, settings: Settings) -> None:
    # Row 4 has a cell too many: DuckDB rejects the line and it is typed apart.
    text = (
        "nombre,n\n"
        "  Zapopan ,1\n"
        "\tGuadalajara\t,2\n"
        "\xa0Xalapa\xa0,3,sobra\n"
        "Monterrey,4\n"
        "  N/D  ,5\n"
    )
    table = run(tmp_path, settings, text)
    assert column(table, "nombre") == ["Zapopan", "Guadalajara", "Xalapa", "Monterrey", None]
    assert column(table, "n") == [1, 2, 3, 4, 5]
    assert table.report.counts == {"extra-cell": 1}


def test_leading_zeros_behind_spaces_are_still_codes(tmp_path: Path, settings: Settings) -> None:
    body = "".join(f"{1000 + i}\n" for i in range(200)) + " 0870\n"
    table = run(tmp_path, settings, "numero\n" + body)
    assert {c.name: c.type for c in table.columns} == {"numero": "text"}
    assert column(table, "numero")[-1] == "0870"


def test_repeating_columns_are_dictionary_encoded_unique_ones_not(
    tmp_path: Path, settings: Settings
) -> None:
    rows = "".join(f"FOLIO-{i:06d},{['A', 'B', 'C'][i % 3]},{i % 7}\n" for i in range(5000))
    table = run(tmp_path, settings, "folio,grupo,k\n" + rows)
    assert table.parquet_path is not None
    chunks = pq.ParquetFile(table.parquet_path).metadata.row_group(0)
    encodings = {chunks.column(i).path_in_schema: chunks.column(i).encodings for i in range(3)}
    assert "RLE_DICTIONARY" in encodings["grupo"]
    assert "RLE_DICTIONARY" in encodings["k"]
    assert "RLE_DICTIONARY" not in encodings["folio"]
    assert column(table, "folio")[4999] == "FOLIO-004999"
