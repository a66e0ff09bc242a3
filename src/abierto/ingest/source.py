"""The contract between format readers and the rest of the pipeline.

A reader turns a file into one or more :class:`SourceTable`: the header titles it found,
every detection decision it made, notes found around the table, structural errors it saw,
and the data cells as *strings*. Typing, validation and profiling happen later, in DuckDB,
the same way for every format.

Cell conventions, shared by every reader:

* a cell the row does not have (the row is shorter than the header) is ``None``;
* an empty cell is ``""``;
* non-text cells from typed formats (Excel, JSON) are rendered canonically: integers
  without a decimal point, floats with ``repr``, dates as ``YYYY-MM-DD``, datetimes as
  ``YYYY-MM-DDTHH:MM:SS``, booleans as ``true``/``false``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from abierto.ingest.errors import ValidationError

ROW_COLUMN = "__row"


@dataclass(slots=True)
class Note:
    """Text found outside the table: a title row above it, a 'Fuente:' line below it."""

    row: int | None
    text: str
    position: str  # "above" | "below"

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "text": self.text, "position": self.position}


def cell_column(index: int) -> str:
    """Name of the staged column holding the index-th column of the source table."""
    return f"c{index}"


def batch_schema(width: int) -> pa.Schema:
    """Arrow schema of batches a reader yields: the row number, then one string per column."""
    fields = [pa.field(ROW_COLUMN, pa.int64())]
    fields += [pa.field(cell_column(i), pa.string()) for i in range(width)]
    return pa.schema(fields)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a reader learns once every row has been parsed (see SourceTable.finish_scan).

    ``keep_rows``: how many staged rows, in order, are data (the rest are notes below);
    ``row_sql``: SQL for each row's number in terms of ``rowid`` (its staged position),
    or None when the staged relation has a ``__row`` column; ``extra``: a relation with
    ``__row`` and the cells of rows staged apart (lines DuckDB rejected, parsed again).
    """

    keep_rows: int
    row_sql: str | None = None
    extra: str | None = None


@dataclass(slots=True)
class SourceTable:
    """One table found in a source file, untyped.

    Exactly one of ``batches`` and ``stage_into`` is set:

    * ``batches()`` yields Arrow record batches with :func:`batch_schema` (``__row`` is the
      spreadsheet row number of each data row) — used by Excel, JSON, PDF readers;
    * ``stage_into(con, table)`` creates the relation itself — used by the CSV reader: a
      view over DuckDB's CSV scan, with no ``__row`` column (numbering rows would take
      the scan's parallelism away); ``finish_scan`` then tells the row numbers.
    """

    name: str
    titles: list[str]
    detected: dict[str, Any]
    notes: list[Note] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)
    batches: Callable[[], Iterator[pa.RecordBatch]] | None = None
    stage_into: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None
    # Called with the number of rows scanned, after the first full pass over the relation.
    finish_scan: Callable[[duckdb.DuckDBPyConnection, int], ScanResult] | None = None
    # Runs that full pass, given as a callable (a reader may need to retry it another way).
    run_scan: Callable[[duckdb.DuckDBPyConnection, Callable[[], object]], None] | None = None
    # At most this many rows at the end of the first full pass may turn out to be notes.
    trailing_rows: int = 0
    # Frees what staging needed (a transcoded copy, extracted members) once processed.
    closer: Callable[[], None] | None = None

    @property
    def width(self) -> int:
        return len(self.titles)

    def close(self) -> None:
        if self.closer is not None:
            self.closer()
            self.closer = None

    def scan(self, con: duckdb.DuckDBPyConnection, run: Callable[[], object]) -> None:
        """Call ``run``, which reads every staged row (run again if the reader retries)."""
        if self.run_scan is None:
            run()
        else:
            self.run_scan(con, run)

    def scanned(self, con: duckdb.DuckDBPyConnection, rows: int) -> ScanResult:
        if self.finish_scan is None:
            return ScanResult(keep_rows=rows)
        return self.finish_scan(con, rows)

    def materialize(self, con: duckdb.DuckDBPyConnection, table: str) -> ScanResult:
        """A table of this source's data rows: ``__row`` then c0 … cN, in order."""
        staged = f"{table}__staged"
        self.stage(con, staged)
        row = ROW_COLUMN if self.finish_scan is None else f"NULL::BIGINT AS {ROW_COLUMN}"
        cells = ", ".join(cell_column(i) for i in range(self.width))
        sql = f'CREATE OR REPLACE TABLE "{table}" AS SELECT {row}, {cells} FROM "{staged}"'
        self.scan(con, lambda: con.execute(sql))
        count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        scan = self.scanned(con, int(count[0]) if count else 0)
        apply_scan(con, table, scan, lambda rel: f'SELECT {ROW_COLUMN}, {cells} FROM "{rel}"')
        return scan

    def stage(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        """Create ``table`` in ``con`` holding this table's rows (``__row``, c0 … cN)."""
        if self.stage_into is not None:
            self.stage_into(con, table)
            return
        assert self.batches is not None, "a SourceTable needs batches or stage_into"
        schema = batch_schema(self.width)
        reader = pa.RecordBatchReader.from_batches(schema, self.batches())
        con.register("__incoming", reader)
        try:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM __incoming')
        finally:
            con.unregister("__incoming")


def apply_scan(
    con: duckdb.DuckDBPyConnection,
    table: str,
    scan: ScanResult,
    select_from: Callable[[str], str],
) -> None:
    """Bring a table built from one pass over a staged relation in line with ``scan``:
    drop the note rows at its end, number its rows, add the rows staged apart.

    ``select_from(relation)`` is the SELECT that makes the table's rows from a relation
    with ``__row`` and the cells.
    """
    con.execute(f'DELETE FROM "{table}" WHERE rowid >= {scan.keep_rows}')
    if scan.row_sql is not None:
        con.execute(f'UPDATE "{table}" SET {ROW_COLUMN} = {scan.row_sql}')
    if scan.extra is not None:
        con.execute(f'INSERT INTO "{table}" {select_from(scan.extra)}')


def batches_from_rows(
    rows: Iterator[tuple[int, list[str | None]]], width: int, batch_size: int = 10_000
) -> Iterator[pa.RecordBatch]:
    """Turn ``(row_number, cells)`` pairs into record batches of :func:`batch_schema`.

    Rows shorter than ``width`` are padded with ``None`` (missing cells); callers report
    and trim longer rows before they get here.
    """
    schema = batch_schema(width)
    numbers: list[int] = []
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for number, cells in rows:
        numbers.append(number)
        for i in range(width):
            columns[i].append(cells[i] if i < len(cells) else None)
        if len(numbers) >= batch_size:
            yield _to_batch(schema, numbers, columns)
            numbers, columns = [], [[] for _ in range(width)]
    if numbers:
        yield _to_batch(schema, numbers, columns)


def _to_batch(
    schema: pa.Schema, numbers: list[int], columns: list[list[str | None]]
) -> pa.RecordBatch:
    arrays = [pa.array(numbers, pa.int64())] + [pa.array(c, pa.string()) for c in columns]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
