"""One pass over the typed rows gives both the release file and the validation columns.

DuckDB parses and types the staged cells in parallel and hands the rows over as Arrow
batches, in order. Each batch is split here: the table's columns go to a Parquet file (row
groups of ROW_GROUP_ROWS, blank rows left out), the validation columns (flags, the row
hash, the text of values that broke their type) to a narrow Arrow table that the checks
read through a DuckDB view. Storing every typed row in DuckDB first and writing the file
from that copy cost a second pass and, past the memory limit, spilling to disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from abierto.ingest.types import EDGE_SPACES

# Rows per Parquet row group of a release. DuckDB decodes whole row groups, so a page of the
# data API (a cursor, an offset, the first page) costs one group: 32,768 rows read 4× less
# than DuckDB's default 122,880 for a file about 5 % larger (bench/README.md, data API).
ROW_GROUP_ROWS = 32_768
BATCH_ROWS = 122_880
STREAM_BUFFER_MB = 64
DICTIONARY_SHARE = 0.5  # at most this many distinct values per row for dictionary encoding
POSITION = "__pos"


class ParquetSink:
    """Writes rows in row groups of exactly ROW_GROUP_ROWS, holding back the last ``hold``
    rows until :meth:`close` says how many of the scanned rows are data.

    Encoding and compressing run on a thread of their own (pyarrow frees the GIL), one
    write at a time, while the next rows are read.
    """

    def __init__(self, path: Path, schema: pa.Schema, hold: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.schema = schema
        self.writer: pq.ParquetWriter | None = None  # opened with the first rows
        self.hold = hold
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-sink")
        self.writing: Future[None] | None = None

    def add(self, rows: pa.Table) -> None:
        """Rows with their scan position in POSITION."""
        self.pending.append(rows)
        self.pending_rows += rows.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS + self.hold:
            self._write_groups()

    def _write_groups(self) -> None:
        rows = pa.concat_tables(self.pending)
        ready = (rows.num_rows - self.hold) // ROW_GROUP_ROWS * ROW_GROUP_ROWS
        if ready > 0:
            self._write(rows.slice(0, ready))
        rest = rows.slice(max(ready, 0))
        self.pending, self.pending_rows = [rest], rest.num_rows

    def _write(self, rows: pa.Table) -> None:
        rows = rows.drop_columns([POSITION])
        writer = self._open(rows)
        self._wait()
        self.writing = self.thread.submit(writer.write_table, rows, ROW_GROUP_ROWS)

    def _wait(self) -> None:
        """Let the write under way finish (raising what it raised)."""
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.result()

    def _open(self, first: pa.Table | None) -> pq.ParquetWriter:
        if self.writer is None:
            dictionary = _dictionary_columns(first) if first is not None else True
            self.writer = pq.ParquetWriter(
                self.path, self.schema, compression="zstd", use_dictionary=dictionary
            )
        return self.writer

    def abort(self) -> None:
        """Close and remove the file (a writer left open would finish it when collected)."""
        self.pending = []
        try:
            self._wait()
        finally:
            self.thread.shutdown()
            if self.writer is not None:
                self.writer.close()
            self.path.unlink(missing_ok=True)

    def close(self, keep_rows: int) -> None:
        """Write what is left of the first ``keep_rows`` scanned rows and finish the file."""
        if self.pending:
            rows = pa.concat_tables(self.pending)
            self._write(rows.filter(pc.less(rows.column(POSITION), keep_rows)))
        self.pending = []
        self._wait()
        self.thread.shutdown()
        self._open(None).close()


def _dictionary_columns(rows: pa.Table) -> list[str]:
    """The columns worth dictionary encoding, judged on the first rows: those repeating
    their values. Near-unique columns (folios, RFCs, amounts) would only pay for building
    a dictionary per row group to end up larger."""
    return [
        name
        for name, column in zip(rows.column_names, rows.columns, strict=True)
        if not pa.types.is_nested(column.type)
        and pc.count_distinct(column).as_py() <= DICTIONARY_SHARE * max(1, len(column))
    ]


def stream_typed(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    columns: list[str],
    shared: list[str],
    sink_path: Path,
    hold: int,
    trimmed: list[str],
) -> tuple[int, ParquetSink, pa.Table]:
    """Run the SELECT ``sql``: its non-blank rows' ``columns`` go to a Parquet file at
    ``sink_path``, those named in ``trimmed`` without EDGE_SPACES; every row's other
    columns, and those of ``columns`` listed in ``shared``, make the returned Arrow table,
    after a ``rowid`` column with each row's scan position.

    Also returns the number of rows and the sink, to be closed once the rows to keep are
    known.
    """
    con.complete()  # a relation does not run while an execute() result is unfinished
    # DuckDB's threads stop once this much output waits: with the default (10 MB, less
    # than one batch) they idled while this thread wrote Parquet.
    con.execute(f"SET streaming_buffer_size = '{STREAM_BUFFER_MB}MB'")
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    schema = reader.schema
    side_names = [name for name in schema.names if name not in columns or name in shared]
    sink = ParquetSink(sink_path, pa.schema([schema.field(n) for n in columns]), hold)
    sides: list[pa.Table] = []
    scanned = 0
    try:
        for batch in _batches(reader):
            positions = pa.array(np.arange(scanned, scanned + batch.num_rows, dtype=np.int64))
            # A copy (take): a column of DuckDB's batch would keep the whole batch alive.
            side = pa.Table.from_batches([batch.select(side_names)]).take(_positions_in(batch))
            sides.append(side.add_column(0, "rowid", positions))
            rows = _trim(pa.Table.from_batches([batch.select(columns)]), trimmed)
            rows = rows.append_column(POSITION, positions)
            blank = batch.column("__blank")
            sink.add(rows.filter(pc.invert(blank)) if pc.any(blank).as_py() else rows)
            scanned += batch.num_rows
    except BaseException:
        sink.abort()
        raise
    side_schema = pa.schema([pa.field("rowid", pa.int64())] + [schema.field(n) for n in side_names])
    return scanned, sink, pa.concat_tables(sides) if sides else side_schema.empty_table()


def _trim(rows: pa.Table, names: list[str]) -> pa.Table:
    """Text cells without edge spaces: cheaper here, in one kernel per column, than in
    DuckDB's expressions."""
    for name in names:
        index = rows.schema.get_field_index(name)
        rows = rows.set_column(index, name, pc.utf8_trim(rows.column(index), EDGE_SPACES))
    return rows


def _positions_in(batch: pa.RecordBatch) -> pa.Array:
    return pa.array(np.arange(batch.num_rows, dtype=np.int64))


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """The reader's batches; DuckDB's errors (a CSV line it cannot parse) come through
    Arrow as OSError and are raised again as what they are."""
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise duckdb.Error(str(exc)) from exc
