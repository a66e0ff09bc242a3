"""Streaming exports of a release (whole, or as a rows query selects it) in six formats.

Every export is written to a temporary file in the scratch folder and then streamed: DuckDB's
``COPY`` writes CSV, NDJSON, JSON and Parquet without holding the table in memory; XLSX and
GeoJSON are written from a Parquet copy read back in record batches (xlsxwriter in
constant-memory mode), so memory stays flat whatever the table's size, and the DuckDB slot is
released before the first byte goes out to a slow client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow.parquet as pq
import xlsxwriter

from abierto.query.engine import QueryEngine, engine_for
from abierto.query.rows import QueryError, RowQuery, count_sql, export_sql, output_fields
from abierto.query.sql import ident, literal
from abierto.settings import Settings

CHUNK_BYTES = 1 << 16
BATCH_ROWS = 10_000
XLSX_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header


@dataclass(frozen=True, slots=True)
class Format:
    extension: str
    media_type: str
    compressible: bool  # worth gzipping on the way out


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", True),
    "ndjson": Format("ndjson", "application/x-ndjson; charset=utf-8", True),
    "json": Format("json", "application/json; charset=utf-8", True),
    "xlsx": Format(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False
    ),
    "parquet": Format("parquet", "application/vnd.apache.parquet", False),
    "geojson": Format("geojson", "application/geo+json; charset=utf-8", True),
}


@dataclass(frozen=True, slots=True)
class Point:
    """Where a row's location is: one geopoint column, or a latitude and a longitude column."""

    column: str | None = None
    lat: str | None = None
    lon: str | None = None


def find_point(schema: dict[str, Any], names: list[str], types: dict[str, str]) -> Point | None:
    """The point of the exported columns ``names``: a geopoint, else the schema's lat/lon."""
    for name in names:
        if types.get(name) == "geopoint":
            return Point(column=name)
    pair = schema.get("point") or {}
    if pair.get("lat") in names and pair.get("lon") in names:
        return Point(lat=pair["lat"], lon=pair["lon"])
    return None


def export(
    engine: QueryEngine | Settings,
    path: str,
    columns: list[dict[str, Any]],
    query: RowQuery,
    fmt: str,
    schema: dict[str, Any] | None = None,
) -> Path:
    """Write what ``query`` selects from the Parquet file at ``path`` as ``fmt`` to a temporary
    file and return it; the caller removes it (``stream_file`` does)."""
    engine = engine_for(engine)
    fields = output_fields(query, columns)
    types = {f["name"]: f["type"] for f in fields}
    point = find_point(schema or {}, list(types), types)
    if fmt == "geojson" and point is None:
        raise QueryError("geojson needs a point column (or latitude and longitude)", "format")
    if fmt == "xlsx":
        _check_xlsx_size(engine, path, columns, query)
    target = _temp_file(engine.settings, fmt)
    try:
        if fmt in ("xlsx", "geojson"):
            staged = _temp_file(engine.settings, "parquet")
            try:
                _copy(engine, path, columns, query, staged, "parquet")
                writer = _write_xlsx if fmt == "xlsx" else _write_geojson
                writer(staged, target, fields, point)
            finally:
                staged.unlink(missing_ok=True)
        else:
            _copy(engine, path, columns, query, target, fmt)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _temp_file(settings: Settings, extension: str) -> Path:
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="export-", suffix=f".{extension}", dir=settings.scratch_dir)
    os.close(fd)
    return Path(name)


def _check_xlsx_size(
    engine: QueryEngine, path: str, columns: list[dict[str, Any]], query: RowQuery
) -> None:
    if not query.all_rows and query.limit <= XLSX_MAX_ROWS:
        return
    text, params = count_sql(query, columns, path)
    rows = max(0, int(engine.fetch(text, params)[0][0]) - query.offset)
    if not query.all_rows:
        rows = min(rows, query.limit)
    if rows > XLSX_MAX_ROWS:
        raise QueryError(
            f"a spreadsheet holds at most {XLSX_MAX_ROWS:,} rows and this export has {rows:,}; "
            "filter it, or download csv or parquet",
            "format",
        )


def _outer_select(fields: list[dict[str, Any]], fmt: str) -> str:
    """The exported columns, rendered for ``fmt``: CSV writes points as "lat,lon" text and
    the JSON formats write timestamps as ISO 8601, as the rows API does."""
    parts = []
    for f in fields:
        q = ident(f["name"])
        if f["type"] == "geopoint" and fmt == "csv":
            parts.append(
                f"CASE WHEN {q} IS NULL THEN NULL ELSE concat(struct_extract({q}, 'lat'), ',', "
                f"struct_extract({q}, 'lon')) END AS {q}"
            )
        elif f["type"] == "datetime" and fmt in ("json", "ndjson"):
            parts.append(f"strftime({q}, '%Y-%m-%dT%H:%M:%S') AS {q}")
        else:
            parts.append(q)
    return ", ".join(parts)


COPY_OPTIONS = {
    "csv": "FORMAT csv, HEADER",
    "ndjson": "FORMAT json",
    "json": "FORMAT json, ARRAY true",
    "parquet": "FORMAT parquet, COMPRESSION zstd",
}


def _copy(
    engine: QueryEngine,
    path: str,
    columns: list[dict[str, Any]],
    query: RowQuery,
    target: Path,
    fmt: str,
) -> None:
    sql = export_sql(query, columns, path)
    outer = f"SELECT {_outer_select(sql.fields, fmt)} FROM ({sql.text})"
    copy = f"COPY ({outer}) TO {literal(target.as_posix())} ({COPY_OPTIONS[fmt]})"
    with engine.cursor(export=True) as cur:
        cur.execute(copy, sql.params)


def _batches(staged: Path) -> Iterator[list[tuple[Any, ...]]]:
    parquet = pq.ParquetFile(staged)
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
        yield list(zip(*(column.to_pylist() for column in batch.columns), strict=True))


def _write_xlsx(
    staged: Path, target: Path, fields: list[dict[str, Any]], point: Point | None
) -> None:
    with xlsxwriter.Workbook(str(target), {"constant_memory": True}) as book:
        sheet = book.add_worksheet("datos")
        bold = book.add_format({"bold": True})
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        moments = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        sheet.write_row(0, 0, [f["name"] for f in fields], bold)
        sheet.freeze_panes(1, 0)
        r = 1
        for rows in _batches(staged):
            for row in rows:
                for c, value in enumerate(row):
                    _write_cell(sheet, r, c, value, dates, moments)
                r += 1


def _write_cell(sheet: Any, r: int, c: int, value: Any, dates: Any, moments: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        sheet.write_number(r, c, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(r, c, value, moments)
    elif isinstance(value, dt.date):
        sheet.write_datetime(r, c, value, dates)
    elif isinstance(value, dict):
        sheet.write_string(r, c, f"{value.get('lat')},{value.get('lon')}")
    else:
        sheet.write_string(r, c, str(value))


def _write_geojson(
    staged: Path, target: Path, fields: list[dict[str, Any]], point: Point | None
) -> None:
    assert point is not None
    names = [f["name"] for f in fields]
    geometry = _geometry_reader(names, point)
    with target.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[')
        first = True
        for rows in _batches(staged):
            for row in rows:
                properties = {
                    n: _json_value(v) for n, v in zip(names, row, strict=True) if n != point.column
                }
                feature = {"type": "Feature", "geometry": geometry(row), "properties": properties}
                out.write(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False))
                first = False
        out.write("]}\n")


def _geometry_reader(
    names: list[str], point: Point
) -> Callable[[tuple[Any, ...]], dict[str, Any] | None]:
    def geometry(row: tuple[Any, ...]) -> dict[str, Any] | None:
        if point.column is not None:
            value = row[names.index(point.column)]
            lat, lon = (None, None) if value is None else (value["lat"], value["lon"])
        else:
            lat, lon = row[names.index(point.lat or "")], row[names.index(point.lon or "")]
        if lat is None or lon is None:
            return None
        return {"type": "Point", "coordinates": [lon, lat]}

    return geometry


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


# -- streaming out ------------------------------------------------------------------------


def stream_file(path: Path) -> tuple[Iterator[bytes], int]:
    """Chunks of a temporary file and its size; the file is gone once streaming ends.

    On POSIX the file is unlinked at once (the open handle keeps the data readable), so
    nothing is left behind even if the client disconnects half way.
    """
    handle = path.open("rb")
    size = os.fstat(handle.fileno()).st_size
    with contextlib.suppress(OSError):  # Windows: removed when the stream closes
        path.unlink()
    return _chunks(handle, path), size


def _chunks(handle: IO[bytes], path: Path) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def gzip_chunks(chunks: Iterator[bytes], level: int = 1) -> Iterator[bytes]:
    """``chunks`` gzip-compressed on the fly (one member; constant memory)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    try:
        for chunk in chunks:
            if out := compressor.compress(chunk):
                yield out
        yield compressor.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
