"""Property: any table written as CSV, in any supported encoding and delimiter, reads back
cell for cell: quoting, embedded delimiters and line breaks, accents, leading spaces."""

import csv
import io

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abierto.ingest.pipeline import inspect_file
from abierto.settings import Settings

# Words with letters (so never numbers or dates), the delimiters, quotes and line breaks.
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZáéíóúñÁÉÍÓÚÑü¿¡°"
BOOLEAN_WORDS = {"si", "sí", "no", "true", "false", "yes", "verdadero", "falso"}
MISSING_WORDS = {"na", "nd", "sd", "null", "none", "nan", "sin dato", "sin datos"}
words = (
    st.text(alphabet=LETTERS + " ,;|\t\"'\n-", min_size=1, max_size=15)
    .map(str.strip)
    .filter(lambda s: any(c.isalpha() for c in s))
    .filter(lambda s: s.lower() not in BOOLEAN_WORDS | MISSING_WORDS)
)
titles = st.from_regex(r"[A-Za-zÁÉÍÓÚÑáéíóúñ][A-Za-zÁÉÍÓÚÑáéíóúñ ]{0,10}[A-Za-z]", fullmatch=True)
integers = st.integers(min_value=-(10**12), max_value=10**12)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[str], list[list[object]]]:
    # A one-column file has no delimiter to find; its values may hold any of them.
    width = draw(st.integers(min_value=2, max_value=5))
    header = draw(st.lists(titles, min_size=width, max_size=width, unique_by=lambda t: t.lower()))
    kinds = draw(st.lists(st.sampled_from(["text", "integer"]), min_size=width, max_size=width))
    size = draw(st.integers(min_value=1, max_value=25))
    columns = [
        draw(st.lists(words if kind == "text" else integers, min_size=size, max_size=size))
        for kind in kinds
    ]
    return header, kinds, [list(row) for row in zip(*columns, strict=True)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "windows-1252"]),
)
def test_csv_round_trip(tmp_path_factory, table, delimiter: str, encoding: str) -> None:
    header, kinds, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    tmp = tmp_path_factory.mktemp("rt")
    source = tmp / "t.csv"
    source.write_bytes(buffer.getvalue().encode(encoding))
    [result] = inspect_file(source, Settings(home=tmp / "home"), output_dir=tmp / "out")
    assert [c.title for c in result.columns] == header
    data = pq.read_table(result.parquet_path).to_pylist()
    assert len(data) == len(rows)
    for index, (column, kind) in enumerate(zip(result.columns, kinds, strict=True)):
        got = [row[column.name] for row in data]
        expected = [row[index] for row in rows]
        assert column.type == kind
        assert got == (expected if kind == "integer" else [str(v).strip() for v in expected])
    assert result.report.counts.get("type-error", 0) == 0
