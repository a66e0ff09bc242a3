"""From a source table to a typed, validated, profiled Parquet file.

Every step after reading is SQL over the staged text cells: structure checks (blank rows,
missing cells, header problems, duplicates), types (types.py), the typed Parquet file, and
the profile of that file.
"""

from __future__ import annotations

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
from abierto.ingest.report import Report
from abierto.ingest.source import ROW_COLUMN, SourceTable, cell_column
from abierto.ingest.types import (
    SQL_TYPES,
    ColumnType,
    check_types,
    infer_types,
    install_macros,
    prepared_refs,
)
from abierto.query.duck import connect
from abierto.settings import Settings

STAGE = "staged"
Progress = Callable[[str], None]


def _silent(step: str) -> None:
    pass


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "row_count": self.row_count,
            "detected": self.source.detected,
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
) -> list[TableResult]:
    """Read, type, validate and profile every table in ``path``.

    With ``output_dir`` the typed tables are written there as Parquet files (one per
    table); without it they go to a scratch folder that is removed afterwards.
    """
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    options = options or ReadOptions(workdir=str(settings.scratch_dir))
    with tempfile.TemporaryDirectory(prefix="abierto-inspect-", dir=settings.scratch_dir) as tmp:
        progress("detectando formato / detecting the format")
        tables = read_tables(path, options)
        target = output_dir or Path(tmp)
        results = []
        for index, source in enumerate(tables):
            database = Path(tmp) / f"stage-{index}.duckdb"
            parquet = target / f"table-{index}.parquet"
            with connect(settings, database) as con:
                results.append(process_table(con, source, parquet, renames or {}, progress))
            database.unlink(missing_ok=True)
            if output_dir is None:
                parquet.unlink(missing_ok=True)
                results[-1].parquet_path = None
        return results


def process_table(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    parquet: Path,
    renames: dict[str, str],
    progress: Progress = _silent,
) -> TableResult:
    install_macros(con)
    progress(f"{source.name}: leyendo / reading")
    source.stage(con, STAGE)
    progress(f"{source.name}: validando / validating")
    report = Report()
    for error in source.errors:
        report.add(error)
    kept, row_count = _check_structure(con, source, report)
    names = _final_names([source.titles[i] for i in kept], renames)
    decided = infer_types(
        con,
        STAGE,
        [cell_column(i) for i in kept],
        decimal_comma_hint=source.detected.get("delimiter") == ";",
    )
    progress(f"{source.name}: revisando tipos / checking types")
    failures = check_types(con, STAGE, decided)
    _report_type_errors(con, source, decided, failures, report)
    _report_duplicates(con, kept, report)
    columns = [
        Column(name, source.titles[i], d.type, d.candidate.key, i)
        for name, i, d in zip(names, kept, decided, strict=True)
    ]
    progress(f"{source.name}: escribiendo Parquet / writing Parquet")
    _write_parquet(con, source, columns, decided, parquet)
    progress(f"{source.name}: perfilando / profiling")
    profiles = profile_parquet(con, parquet.as_posix(), [(c.name, c.type) for c in columns])
    for column in columns:
        column.profile = profiles[column.name]
    return TableResult(source.name, source, columns, row_count, report, parquet)


def _final_names(titles: list[str], renames: dict[str, str]) -> list[str]:
    """Machine names, with confirmed renames (new name → earlier name) applied."""
    names = [renames.get(n, n) for n in machine_names(titles)]
    return machine_names(names) if len(set(names)) != len(names) else names


def _blank_row_sql(width: int) -> str:
    cells = [f"coalesce(trim({cell_column(i)}), '') = ''" for i in range(width)]
    return " AND ".join(cells) if cells else "true"


def _check_structure(
    con: duckdb.DuckDBPyConnection, source: SourceTable, report: Report
) -> tuple[list[int], int]:
    """Blank rows, missing cells and header problems; returns kept columns and row count."""
    width = source.width
    parts = ["count(*)", f"count(*) FILTER (WHERE {_blank_row_sql(width)})"]
    for i in range(width):
        c = cell_column(i)
        parts += [f"count(*) FILTER (WHERE trim({c}) <> '')", f"count(*) - count({c})"]
    row = con.execute(f'SELECT {", ".join(parts)} FROM "{STAGE}"').fetchone()
    assert row is not None
    total, blank = row[0], row[1]
    filled = row[2::2]
    missing = row[3::2]
    kept = [i for i in range(width) if source.titles[i].strip() or filled[i]]
    _report_headers(source, kept, report)
    if blank:
        report.add_count("blank-row", blank)
        for (line,) in con.execute(
            f'SELECT {ROW_COLUMN} FROM "{STAGE}" WHERE {_blank_row_sql(width)} ORDER BY 1 LIMIT 100'
        ).fetchall():
            report.add(
                ValidationError("blank-row", "fila vacía / empty row", row=line), counted=False
            )
    for i in kept:
        if missing[i]:
            _report_missing_cells(con, source, i, missing[i], report)
    return kept, total - blank


def _report_headers(source: SourceTable, kept: list[int], report: Report) -> None:
    seen: Counter[str] = Counter()
    for i in kept:
        title = source.titles[i].strip()
        if not title:
            report.add(
                ValidationError(
                    "blank-header",
                    f"la columna {i + 1} no tiene encabezado / column {i + 1} has no header",
                    row=source.detected.get("header_row"),
                    column=f"#{i + 1}",
                )
            )
            continue
        key = " ".join(title.lower().split())
        seen[key] += 1
        if seen[key] > 1:
            report.add(
                ValidationError(
                    "duplicate-header",
                    f"encabezado repetido / repeated header: {title!r}",
                    row=source.detected.get("header_row"),
                    column=title,
                )
            )


def _report_missing_cells(
    con: duckdb.DuckDBPyConnection, source: SourceTable, index: int, count: int, report: Report
) -> None:
    title = source.titles[index] or f"#{index + 1}"
    report.add_count("missing-cell", count)
    rows = con.execute(
        f'SELECT {ROW_COLUMN} FROM "{STAGE}" WHERE {cell_column(index)} IS NULL '
        f"ORDER BY 1 LIMIT 100"
    ).fetchall()
    for (line,) in rows:
        report.add(
            ValidationError(
                "missing-cell", "a la fila le falta esta celda / the row lacks this cell",
                row=line, column=title,
            ),
            counted=False,
        )  # fmt: skip


def _report_type_errors(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    decided: list[ColumnType],
    failures: dict[str, int],
    report: Report,
) -> None:
    by_column = {d.column: d for d in decided}
    for column, count in failures.items():
        d = by_column[column]
        title = source.titles[int(column[1:])] or column
        report.add_count("type-error", count)
        rows = con.execute(
            f'SELECT {ROW_COLUMN}, {column} FROM "{STAGE}" '
            f"WHERE {d.candidate.failed_sql(prepared_refs(column))} ORDER BY 1 LIMIT 100"
        ).fetchall()
        for line, value in rows:
            report.add(
                ValidationError(
                    "type-error",
                    f"{value!r} no es {d.type} / is not {d.type} ({d.candidate.key}); "
                    "se publica vacío / published as empty",
                    row=line, column=title, value=value,
                ),
                counted=False,
            )  # fmt: skip


def _report_duplicates(con: duckdb.DuckDBPyConnection, kept: list[int], report: Report) -> None:
    if not kept:
        return
    cells = ", ".join(cell_column(i) for i in kept)
    rows = con.execute(
        f"SELECT count(*) - 1, list({ROW_COLUMN} ORDER BY {ROW_COLUMN}) FROM "
        f'(SELECT {ROW_COLUMN}, hash({cells}) AS h FROM "{STAGE}" '
        f"WHERE NOT ({_blank_row_sql(max(kept) + 1)})) GROUP BY h HAVING count(*) > 1"
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


def _write_parquet(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    columns: list[Column],
    decided: list[ColumnType],
    parquet: Path,
) -> None:
    parquet.parent.mkdir(parents=True, exist_ok=True)
    selects = [
        f"CAST({d.candidate.value_sql(prepared_refs(d.column))} AS {SQL_TYPES[d.type]}) "
        f'AS "{c.name}"'
        for c, d in zip(columns, decided, strict=True)
    ]
    order = f" ORDER BY {ROW_COLUMN}" if source.needs_sort else ""
    con.execute(
        f'COPY (SELECT {", ".join(selects)} FROM "{STAGE}" '
        f"WHERE NOT ({_blank_row_sql(source.width)}){order}) "
        f"TO '{parquet.as_posix()}' (FORMAT parquet, COMPRESSION zstd)"
    )
