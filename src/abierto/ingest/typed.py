"""The typed rows: every staged row parsed once, with the flags validation needs.

One pass over the staged cells computes, per row, each column's typed value, whether each
value was present (not a missing marker), whether numeric text looks like a code, the text
of a value that broke its type, whether the row is blank, how many cells it had and a hash
for duplicates. The typed values go straight to the release file (stream.py); the rest
stays as the table ``typed``, and every later check is an aggregate over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from abierto.ingest.source import ROW_COLUMN, ScanResult, SourceTable, cell_column
from abierto.ingest.stream import ParquetSink, stream_typed
from abierto.ingest.types import (
    SQL_TYPES,
    TOLERANCE,
    ColumnType,
    code_like_sql,
    prepared_refs,
    trim_sql,
)

TYPED = "typed"
TYPED_EXTRA = "typed_extra"
SIDE = "__side"
SCAN = "__scan"


@dataclass(slots=True)
class TypedTable:
    scan: ScanResult
    failures: dict[str, int]  # staged column → values that do not fit its type
    written: Path  # every column, the rows in scan order, without the rows staged apart
    extra: str | None  # the typed rows staged apart (lines DuckDB rejected), if any


def present(column: str) -> str:
    return f'"__present_{column}"'


def _code(column: str) -> str:
    return f'"__code_{column}"'


def bad_value(column: str) -> str:
    """The typed table's column holding the original text of a value that broke its type
    (NULL elsewhere): the report quotes it without reading the file again."""
    return f'"__bad_{column}"'


def _blank_sql(width: int) -> str:
    # A CASE stops at the first cell with text, and `> ' '` (first byte past a space)
    # settles almost every cell without a string function. Two WHENs, not an OR: DuckDB
    # evaluates both sides of an OR on every row.
    whens = " ".join(
        f"WHEN {c} > ' ' THEN false WHEN ab_trim({c}) <> '' THEN false"
        for c in (cell_column(i) for i in range(width))
    )
    return f"CASE {whens} ELSE true END" if width else "true"


def _missing(d: ColumnType, cell: str) -> str:
    return f"ab_missing_date({cell})" if d.candidate.dates else f"ab_missing({cell})"


def _fast(column: str) -> str:
    return f"f_{column}"


def _typed_source(
    staged: str, source: SourceTable, decided: list[ColumnType], *, numbered: bool
) -> str:
    """The staged cells plus, per typed column, what its value needs more than once: the
    value read on the fast path (see Candidate.fast_sql), or the trimmed text and the
    missing flag where the candidate reads another prepared form."""
    cells = [cell_column(i) for i in range(source.width)]
    extra = []
    for d in decided:
        fast = d.candidate.fast_sql(d.column)
        if fast is not None:
            extra.append(f"{fast} AS {_fast(d.column)}")
        elif d.type != "text":
            extra += [
                f"ab_trim({d.column}) AS t_{d.column}",
                f"{_missing(d, d.column)} AS m_{d.column}",
            ]
    row = ROW_COLUMN if numbered else f"NULL::BIGINT AS {ROW_COLUMN}"
    return f'SELECT {row}, {", ".join(cells + extra)} FROM "{staged}"'


def _value_and_presence(d: ColumnType) -> tuple[str, str]:
    """SQL for a typed column's value and for whether the cell held a value at all.

    Text is not trimmed here: the stream trims it (stream.py), for a fraction of the cost.
    """
    c, cell = d.candidate, d.column
    if c.type == "text":
        return f"CASE WHEN {_missing(d, cell)} THEN NULL ELSE {cell} END", ""
    fast = c.fast_sql(cell)
    if fast is None:
        refs = {**prepared_refs(cell), "trim": f"t_{cell}", "missing": f"m_{cell}"}
        refs["lower"] = f"lower(t_{cell})"
        return c.value_sql(refs), f"NOT m_{cell}"
    slow = c.value_sql({**prepared_refs(cell), "missing": _missing(d, cell)})
    f = _fast(cell)
    value = f"CASE WHEN {f} IS NOT NULL THEN {f} ELSE {slow} END"
    return value, f"CASE WHEN {f} IS NOT NULL THEN true ELSE NOT {_missing(d, cell)} END"


def _selects(source: SourceTable, decided: list[ColumnType], names: list[str]) -> list[str]:
    cells = [cell_column(i) for i in range(source.width)]
    # Short rows are padded from the right: the last cell tells whether any is missing.
    short = f"{cells[-1] if cells else 'NULL'} IS NULL"
    present_cells = " + ".join(f"({c} IS NOT NULL)::INTEGER" for c in cells) or "0"
    selects = [
        f"{_blank_sql(source.width)} AS __blank",
        f"{short} AS __short",
        f"CASE WHEN {short} THEN {present_cells} END AS __cells",
        # One struct hashes in about half the time of the same cells as arguments.
        f"hash(row({', '.join(cells)})) AS __hash",
    ]
    for d, name in zip(decided, names, strict=True):
        value, presence = _value_and_presence(d)
        selects.append(f'CAST({value} AS {SQL_TYPES[d.type]}) AS "{name}"')
        if d.type != "text":
            selects.append(f"{presence} AS {present(d.column)}")
            selects.append(f"{d.column} AS {_raw(d.column)}")
        if d.type in ("integer", "number"):
            selects.append(f"{code_like_sql(d.column)} AS {_code(d.column)}")
    return selects


def _raw(column: str) -> str:
    return f'"__raw_{column}"'


def _with_bad_values(sql: str, decided: list[ColumnType], names: list[str]) -> str:
    """Replace the raw text passed through for each typed column by its bad value."""
    typed = [(d, n) for d, n in zip(decided, names, strict=True) if d.type != "text"]
    if not typed:
        return sql
    bad = ", ".join(
        f'CASE WHEN {present(d.column)} AND "{name}" IS NULL THEN {_raw(d.column)} END '
        f"AS {bad_value(d.column)}"
        for d, name in typed
    )
    raw = ", ".join(_raw(d.column) for d, _ in typed)
    return f"SELECT * EXCLUDE ({raw}), {bad} FROM ({sql})"


def build_typed_table(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    staged: str,
    decided: list[ColumnType],
    names: list[str],
    written: Path,
    max_rounds: int = 4,
) -> TypedTable:
    """Write every typed row to ``written`` and create ``typed`` with its validation
    columns, widening types where too many values break.

    A type that breaks on more than TOLERANCE of a column's values, or a number column
    found to hold codes ("0870") beyond the sample, widens and the pass runs again.
    """
    scan: ScanResult | None = None
    failures: dict[str, int] = {}
    for _ in range(max_rounds):
        sql = _rows_sql(staged, source, decided, names)
        scanned, sink, side = _stream_pass(con, source, sql, decided, names, written)
        try:
            scan = scan or source.scanned(con, scanned)
        except BaseException:
            sink.abort()
            raise
        sink.close(scan.keep_rows)
        if scan.extra is not None:
            extra = _rows_sql(scan.extra, source, decided, names, numbered=True)
            # The stream trims the text of the other rows (stream.py); these are trimmed here.
            quoted = [f'"{n}"' for n in _texts(decided, names)]
            trims = ", ".join(f"{trim_sql(q)} AS {q}" for q in quoted)
            replace = f" REPLACE ({trims})" if trims else ""
            con.execute(
                f"CREATE OR REPLACE TABLE {TYPED_EXTRA} AS SELECT *{replace} FROM ({extra})"
            )
        _view_side(con, side, scan)
        failures, changed = _widen_where_needed(con, decided)
        if not changed:
            break
    assert scan is not None
    return TypedTable(scan, failures, written, TYPED_EXTRA if scan.extra else None)


def _rows_sql(
    relation: str,
    source: SourceTable,
    decided: list[ColumnType],
    names: list[str],
    *,
    numbered: bool | None = None,
) -> str:
    """The typed rows of ``relation``; readers that number rows themselves stage a __row
    column, the CSV view does not."""
    numbered = source.finish_scan is None if numbered is None else numbered
    inner = _typed_source(relation, source, decided, numbered=numbered)
    selects = ", ".join(_selects(source, decided, names))
    return _with_bad_values(f"SELECT {ROW_COLUMN}, {selects} FROM ({inner})", decided, names)


def _view_side(con: duckdb.DuckDBPyConnection, side: pa.Table, scan: ScanResult) -> None:
    """The view ``typed`` over the validation columns of the scanned rows, in Arrow: note
    rows at the end left out, rows numbered, the rows staged apart added. ``__scan`` is
    a row's scan position (NULL for those added). A DuckDB table would copy them all
    for the few queries that read them."""
    con.register(SIDE, side)
    number = scan.row_sql or ROW_COLUMN
    scanned = (
        f"SELECT * EXCLUDE (rowid) REPLACE ({number} AS {ROW_COLUMN}), rowid AS {SCAN} "
        f"FROM {SIDE} WHERE rowid < {scan.keep_rows}"
    )
    if scan.extra is not None:
        kept = [n for n in _columns(con, f"({scanned})") if n != SCAN]
        listed = ", ".join(f'"{n}"' for n in kept)
        scanned += f" UNION ALL SELECT {listed}, NULL FROM {TYPED_EXTRA}"
    con.execute(f"CREATE OR REPLACE VIEW {TYPED} AS {scanned}")


def _stream_pass(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    sql: str,
    decided: list[ColumnType],
    names: list[str],
    path: Path,
) -> tuple[int, ParquetSink, pa.Table]:
    # Untitled columns go to ``typed`` too: whether they hold anything decides if they stay.
    untitled = [n for n, title in zip(names, source.titles, strict=True) if not title.strip()]
    texts = _texts(decided, names)
    streamed: list[tuple[int, ParquetSink, pa.Table]] = []
    source.scan(
        con,
        lambda: streamed.append(
            stream_typed(con, sql, names, untitled, path, source.trailing_rows, texts)
        ),
    )
    return streamed[-1]


def _texts(decided: list[ColumnType], names: list[str]) -> list[str]:
    return [n for d, n in zip(decided, names, strict=True) if d.type == "text"]


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The column names of a table, or of a query in parentheses."""
    quoted = relation if relation.startswith("(") else f'"{relation}"'
    return [row[0] for row in con.execute(f"DESCRIBE {quoted}").fetchall()]


def _widen_where_needed(
    con: duckdb.DuckDBPyConnection, decided: list[ColumnType]
) -> tuple[dict[str, int], bool]:
    typed = [d for d in decided if d.type != "text"]
    if not typed:
        return {}, False
    parts = []
    for d in typed:
        code = _code(d.column) if d.type in ("integer", "number") else "false"
        parts += [
            f"count(*) FILTER (WHERE {present(d.column)})",
            f"count({bad_value(d.column)})",
            f"count(*) FILTER (WHERE {code})",
        ]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {TYPED} WHERE NOT __blank").fetchone()
    assert row is not None
    failures: dict[str, int] = {}
    changed = False
    for i, d in enumerate(typed):
        total, failed, code_like = row[3 * i : 3 * i + 3]
        if code_like:
            d.fallbacks = [c for c in d.fallbacks if c.type not in ("integer", "number")]
            d.widen("leading zeros or long digit strings past the sample: an identifier")
            changed = True
        elif failed > TOLERANCE * total:
            d.widen(f"{failed} of {total} values do not fit {d.candidate.key}")
            changed = True
        elif failed:
            failures[d.column] = failed
    return failures, changed
