"""The Parquet sink: exact row groups, rows held back until close, errors not swallowed."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from abierto.ingest.stream import POSITION, ROW_GROUP_ROWS, ParquetSink

SCHEMA = pa.schema([pa.field("n", pa.int64())])


def rows(start: int, count: int) -> pa.Table:
    numbers = pa.array(range(start, start + count), pa.int64())
    return pa.table({"n": numbers, POSITION: numbers})


def test_row_groups_are_exact_and_held_rows_filtered_at_close(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    sink = ParquetSink(path, SCHEMA, hold=10)
    total = ROW_GROUP_ROWS * 2 + 500
    for start in range(0, total, 7_000):
        sink.add(rows(start, min(7_000, total - start)))
    sink.close(keep_rows=total - 4)  # the last 4 scanned rows were notes
    written = pq.ParquetFile(path)
    sizes = [written.metadata.row_group(i).num_rows for i in range(written.num_row_groups)]
    assert sizes == [ROW_GROUP_ROWS, ROW_GROUP_ROWS, 496]
    assert written.read().column("n").to_pylist() == list(range(total - 4))


def test_a_failed_write_is_raised_and_abort_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    sink = ParquetSink(path, SCHEMA, hold=0)
    bad = pa.table(
        {"n": pa.array(["x"] * ROW_GROUP_ROWS), POSITION: pa.array([0] * ROW_GROUP_ROWS)}
    )
    with pytest.raises(ValueError, match="schema"):
        sink.add(bad)
        sink.close(keep_rows=ROW_GROUP_ROWS)
    sink.abort()
    assert not path.exists()


def test_nothing_written_still_gives_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    sink = ParquetSink(path, SCHEMA, hold=0)
    sink.close(keep_rows=0)
    assert pq.read_table(path).num_rows == 0
