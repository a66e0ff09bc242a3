"""From a source table to a typed, validated, profiled Parquet file.

Every step after reading is SQL over the staged text cells: structure checks (blank rows,
missing cells, header problems, duplicates), types (types.py), the typed Parquet file, and
the profile of that file.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from abierto.ingest.errors import ValidationError
from abierto.ingest.names import machine_names
from abierto.ingest.profile import profile_parquet
from abierto.ingest.readers import ReadOptions, read_tables
from abierto.ingest.readers.encoding import NotUtf8Error
from abierto.ingest.report import Report
from abierto.ingest.source import ROW_COLUMN, SourceTable, cell_column
from abierto.ingest.stream import ROW_GROUP_ROWS
from abierto.ingest.typed import SCAN, TYPED, TypedTable, bad_value, build_typed_table
from abierto.ingest.types import (
    ColumnType,
    infer_types,
    install_macros,
    keep_identifiers_as_text,
)
from abierto.query.duck import connect
from abierto.query.sql import literal
from abierto.settings import Settings

STAGE = "staged"
Progress = Callable[[str], None]


def _silent(step: str) -> None:
    pass


def _nothing() -> None:
    pass


@dataclass(frozen=True, slots=True)
class Steps:
    """Who hears of the steps of inspecting a file: ``progress`` gets a line per step,
    ``before_typing`` is called before each table's rows are typed and may raise."""

    progress: Progress = _silent
    before_typing: Callable[[], None] = _nothing


@dataclass(slots=True)
class Column:
    name: str  # machine name
    title: str  # the label as the file has it
    type: str
    format: str  # the candidate key that parsed it, e.g. "date:%d/%m/%Y"
    source_index: int
    profile: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "profile": self.profile,
        }


@dataclass(slots=True)
class TableResult:
    name: str
    source: SourceTable
    columns: list[Column]
    row_count: int
    report: Report
    parquet_path: Path | None = None
    # A pair of number columns holding latitude and longitude: {"lat": name, "lon": name}.
    point: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "row_count": self.row_count,
            "detected": self.source.detected,
            "point": self.point,
            "notes": [n.to_dict() for n in self.source.notes],
            "columns": [c.to_dict() for c in self.columns],
            "errors": self.report.to_dict(self.row_count)["errors"],
            "report": self.report.to_dict(self.row_count),
        }


def inspect_file(
    path: Path,
    settings: Settings,
    options: ReadOptions | None = None,
    *,
    output_dir: Path | None = None,
    renames: dict[str, str] | None = None,
    progress: Progress = _silent,
    before_typing: Callable[[], None] = _nothing,
) -> list[TableResult]:
    """Read, type, validate and profile every table in ``path``.

    With ``output_dir`` the typed tables are written there as Parquet files (one per
    table); without it they go to a scratch folder that is removed afterwards.
    ``before_typing`` is called before each table's rows are typed (the costly pass),
    once its layout and types are decided; it may raise to stop there.
    """
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    options = options or ReadOptions(workdir=str(settings.scratch_dir))
    with tempfile.TemporaryDirectory(prefix="abierto-inspect-", dir=settings.scratch_dir) as tmp:
        progress("detectando formato / detecting the format")
        target = output_dir or Path(tmp)
        steps = Steps(progress, before_typing)
        read = functools.partial(_process_tables, path, settings, target, renames, steps)
        try:
            results = read(options)
        except NotUtf8Error:  # the samples looked like UTF-8; the whole file decides
            results = read(dataclasses.replace(options, utf8_checked_by_parser=False))
        if output_dir is None:
            for result in results:
                assert result.parquet_path is not None
                result.parquet_path.unlink(missing_ok=True)
                result.parquet_path = None
        return results


def _process_tables(
    path: Path,
    settings: Settings,
    target: Path,
    renames: dict[str, str] | None,
    steps: Steps,
    options: ReadOptions,
) -> list[TableResult]:
    tables = read_tables(path, options)
    results = []
    try:
        for index, source in enumerate(tables):
            parquet = target / f"table-{index}.parquet"
            # In memory, bounded by the settings' limit: DuckDB spills to scratch on disk.
            with connect(settings) as con:
                results.append(process_table(con, source, parquet, renames or {}, steps))
            source.close()
    finally:
        for source in tables:
            source.close()
    return results


def process_table(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    parquet: Path,
    renames: dict[str, str],
    steps: Steps = Steps(),
) -> TableResult:
    progress = steps.progress
    install_macros(con)
    progress(f"{source.name}: leyendo / reading")
    source.stage(con, STAGE)
    progress(f"{source.name}: infiriendo tipos / inferring types")
    all_columns = list(range(source.width))
    names = _final_names(source.titles, renames)
    decided = infer_types(
        con,
        STAGE,
        [cell_column(i) for i in all_columns],
        decimal_comma_hint=source.detected.get("delimiter") == ";",
    )
    keep_identifiers_as_text(decided, names)
    steps.before_typing()
    progress(f"{source.name}: convirtiendo y validando / parsing and validating")
    written = parquet.with_name(f"{parquet.stem}-typed.parquet")
    typed = build_typed_table(con, source, STAGE, decided, names, written)
    report = Report()
    for error in source.errors:
        report.add(error)
    kept, row_count, short_rows = _check_structure(con, source, names, report)
    failing = [(decided[i], names[i]) for i in kept if decided[i].column in typed.failures]
    shorts = _rows_where(con, "__cells", "__short AND NOT __blank") if short_rows else []
    _report_missing_cells(con, source, short_rows, shorts, report)
    for d, name in failing:
        examples = _rows_where(con, bad_value(d.column), f"{bad_value(d.column)} IS NOT NULL")
        _report_type_errors(source, d, name, typed.failures[d.column], examples, report)
    _report_duplicates(con, report)
    columns = [
        Column(names[i], source.titles[i], decided[i].type, decided[i].candidate.key, i)
        for i in kept
    ]
    progress(f"{source.name}: escribiendo Parquet / writing Parquet")
    _finish_parquet(con, typed, [c.name for c in columns], names, parquet)
    progress(f"{source.name}: perfilando / profiling")
    profiles = profile_parquet(con, parquet.as_posix(), [(c.name, c.type) for c in columns])
    for column in columns:
        column.profile = profiles[column.name]
    point = find_point_columns(columns)
    return TableResult(source.name, source, columns, row_count, report, parquet, point)


LATITUDE = re.compile(r"^(lat|latitud|latitude|y|coord_y)(_|$)")
LONGITUDE = re.compile(r"^(lon|lng|long|longitud|longitude|x|coord_x)(_|$)")


def find_point_columns(columns: list[Column]) -> dict[str, str] | None:
    """Latitude and longitude columns, by name and by range (|lat| ≤ 90, |lon| ≤ 180)."""

    def within(column: Column, limit: float) -> bool:
        low, high = column.profile.get("min"), column.profile.get("max")
        return column.type == "number" and low is not None and -limit <= low <= high <= limit

    lat = next((c for c in columns if LATITUDE.match(c.name) and within(c, 90)), None)
    lon = next((c for c in columns if LONGITUDE.match(c.name) and within(c, 180)), None)
    return {"lat": lat.name, "lon": lon.name} if lat and lon else None


def _final_names(titles: list[str], renames: dict[str, str]) -> list[str]:
    """Machine names, with confirmed renames (new name → earlier name) applied."""
    names = [renames.get(n, n) for n in machine_names(titles)]
    return machine_names(names) if len(set(names)) != len(names) else names


def _check_structure(
    con: duckdb.DuckDBPyConnection, source: SourceTable, names: list[str], report: Report
) -> tuple[list[int], int, int]:
    """Blank rows and header problems; returns the kept columns, the row count and the
    number of rows shorter than the header.

    A column with no title and no value at all (a trailing delimiter, a phantom range)
    is dropped; one with values but no title is kept and reported.
    """
    width = source.width
    parts = ["count(*)", "count(*) FILTER (WHERE __blank)"]
    parts += ["count(*) FILTER (WHERE __short AND NOT __blank)"]
    untitled = [i for i in range(width) if not source.titles[i].strip()]
    parts += [f'count("{names[i]}")' for i in untitled]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {TYPED}").fetchone()
    assert row is not None
    total, blank, short_rows = row[0], row[1], row[2]
    filled = dict(zip(untitled, row[3:], strict=True))
    kept = [i for i in range(width) if i not in filled or filled[i]]
    _report_headers(source, kept, report)
    _report_blank_rows(con, blank, report)
    return kept, total - blank, short_rows


def _report_blank_rows(con: duckdb.DuckDBPyConnection, count: int, report: Report) -> None:
    report.add_count("blank-row", count)
    for line, _ in _rows_where(con, "NULL", "__blank") if count else []:
        report.add(ValidationError("blank-row", "fila vacía / empty row", row=line), counted=False)


def _report_headers(source: SourceTable, kept: list[int], report: Report) -> None:
    seen: Counter[str] = Counter()
    header_row = source.detected.get("header_row")
    for i in kept:
        title = source.titles[i].strip()
        if not title:
            message = f"la columna {i + 1} no tiene encabezado / column {i + 1} has no header"
            report.add(ValidationError("blank-header", message, header_row, f"#{i + 1}"))
            continue
        key = " ".join(title.lower().split())
        seen[key] += 1
        if seen[key] > 1:
            message = f"encabezado repetido / repeated header: {title!r}"
            report.add(ValidationError("duplicate-header", message, header_row, f"#{i + 1}"))


def _column_label(titles: list[str], index: int) -> str:
    """A column's title, or its position ("#5") when the title is blank or not unique."""
    title = titles[index].strip()
    unique = title and sum(t.strip() == title for t in titles) == 1
    return title if unique else f"#{index + 1}"


def _rows_where(
    con: duckdb.DuckDBPyConnection, value: str, condition: str
) -> list[tuple[int, Any]]:
    """(row number, value) of the first rows of the typed table meeting ``condition``."""
    return con.execute(
        f"SELECT {ROW_COLUMN}, {value} FROM {TYPED} WHERE {condition} ORDER BY 1 LIMIT 100"
    ).fetchall()


def _report_missing_cells(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    short_rows: int,
    shorts: list[tuple[int, int]],
    report: Report,
) -> None:
    """Cells absent from rows shorter than the header, listed for the first 100 rows."""
    missing = 0
    for line, present_cells in shorts:
        missing += source.width - present_cells
        for index in range(present_cells, source.width):
            report.add(
                ValidationError(
                    "missing-cell", "a la fila le falta esta celda / the row lacks this cell",
                    row=line, column=_column_label(source.titles, index),
                ),
                counted=False,
            )  # fmt: skip
    if short_rows > len(shorts):  # more than were listed: count them all
        row = con.execute(
            f"SELECT sum({source.width} - __cells) FROM {TYPED} WHERE __short AND NOT __blank"
        )
        missing = int((row.fetchone() or [0])[0] or 0)
    report.add_count("missing-cell", missing)


def _report_type_errors(
    source: SourceTable,
    decided: ColumnType,
    name: str,
    count: int,
    rows: list[tuple[int, str]],
    report: Report,
) -> None:
    index = int(decided.column[1:])
    title = source.titles[index] or name
    report.add_count("type-error", count)
    for line, value in rows:
        report.add(
            ValidationError(
                "type-error",
                f"{value!r} no es {decided.type} / is not {decided.type} "
                f"({decided.candidate.key}); se publica vacío / published as empty",
                row=line, column=title, value=value,
            ),
            counted=False,
        )  # fmt: skip


def _report_duplicates(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    # Repeated hashes first: listing the rows of every group would build a list per row.
    rows = con.execute(
        f"WITH repeated AS (SELECT __hash FROM {TYPED} WHERE NOT __blank GROUP BY __hash "
        f"HAVING count(*) > 1) "
        f"SELECT count(*) - 1, list({ROW_COLUMN} ORDER BY {ROW_COLUMN})[:101] "
        f"FROM {TYPED} SEMI JOIN repeated USING (__hash) WHERE NOT __blank GROUP BY __hash"
    ).fetchall()
    for extra, lines in rows:
        report.add_count("duplicate-row", extra)
        for line in lines[1:]:
            report.add(
                ValidationError(
                    "duplicate-row", f"igual a la fila / same as row {lines[0]}", row=line
                ),
                counted=False,
            )


def _finish_parquet(
    con: duckdb.DuckDBPyConnection,
    typed: TypedTable,
    kept: list[str],
    names: list[str],
    parquet: Path,
) -> None:
    """The release file: the written file itself, unless rows DuckDB rejected must be put
    back in their place or an empty untitled column dropped (then it is written again)."""
    if typed.extra is None and kept == names:
        typed.written.replace(parquet)
        return
    rows = f"SELECT * FROM read_parquet({literal(typed.written.as_posix())})"
    if typed.extra is not None:
        # The written file holds the scanned rows that are not blank, in scan order.
        numbers = f"SELECT {ROW_COLUMN} FROM {TYPED} WHERE NOT __blank AND {SCAN} IS NOT NULL "
        numbers += f"ORDER BY {SCAN}"
        finals = ", ".join(f'"{n}"' for n in names)
        rows = (
            f"SELECT * FROM ({rows}) POSITIONAL JOIN ({numbers}) UNION ALL BY NAME "
            f"SELECT {ROW_COLUMN}, {finals} FROM {typed.extra} WHERE NOT __blank "
            f"ORDER BY {ROW_COLUMN}"
        )
    selects = ", ".join(f'"{n}"' for n in kept)
    con.execute(
        f"COPY (SELECT {selects} FROM ({rows})) TO {literal(parquet.as_posix())} "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    )
    typed.written.unlink()
