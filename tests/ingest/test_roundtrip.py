"""Property: any table written as CSV reads back cell for cell."""

import csv
import io

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abierto.ingest.pipeline import inspect_file
from abierto.settings import Settings

words = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\ufeff"
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(
        lambda s: (
            s
            and s.lower()
            not in {
                "na",
                "nd",
                "n/d",
                "s/d",
                "sd",
                "n/a",
                "null",
                "none",
                "nan",
                "-",
                "--",
                "---",
                "n.d.",
                "#n/a",
                "#n/d",
                "sin dato",
                "sin datos",
            }
        )
    )
)

tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda width: st.tuples(
        st.lists(
            st.from_regex(r"[A-Za-zÁÉÍÓÚÑáéíóúñ ]{1,10}[A-Za-z]", fullmatch=True),
            min_size=width,
            max_size=width,
            unique_by=lambda t: t.strip().lower(),
        ),
        st.lists(
            st.lists(st.integers(-(10**12), 10**12) | words, min_size=width, max_size=width),
            min_size=1,
            max_size=30,
        ),
    )
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=tables,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_csv_round_trip(tmp_path_factory, table, delimiter: str, encoding: str) -> None:
    header, rows = table
    tmp = tmp_path_factory.mktemp("rt")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    source = tmp / "t.csv"
    source.write_bytes(buffer.getvalue().encode(encoding))
    [result] = inspect_file(source, Settings(home=tmp / "home"), output_dir=tmp / "out")
    assert [c.title for c in result.columns] == [h.strip() for h in header]
    data = pq.read_table(result.parquet_path).to_pylist()
    assert len(data) == len(rows)
    for column_index, column in enumerate(result.columns):
        got = [row[column.name] for row in data]
        expected = [row[column_index] for row in rows]
        if column.type == "integer":
            assert got == [int(v) for v in expected]
        else:
            assert column.type == "text" or all(isinstance(v, int) for v in expected)
            assert got == [str(v).strip() for v in expected] if column.type == "text" else True
