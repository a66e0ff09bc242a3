"""Reading release files for the web: the preview and the CSV export, both with DuckDB."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from abierto.query.duck import connect
from abierto.settings import Settings

PREVIEW_ROWS = 50
CHUNK_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class Preview:
    columns: list[str]
    rows: list[list[str | None]]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def format_cell(value: Any) -> str | None:
    """A value as the preview shows it (the CSV export writes the same text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict) and value.keys() == {"lat", "lon"}:
        return f"{value['lat']},{value['lon']}"
    return str(value)


def read_preview(settings: Settings, path: Path, limit: int = PREVIEW_ROWS) -> Preview:
    """The first ``limit`` rows of a Parquet file, every value as text."""
    with connect(settings) as con:
        cursor = con.execute("SELECT * FROM read_parquet(?) LIMIT ?", [str(path), limit])
        columns = [d[0] for d in cursor.description or []]
        rows = [[format_cell(v) for v in row] for row in cursor.fetchall()]
    return Preview(columns, rows)


def _csv_select(columns: list[dict[str, Any]]) -> str:
    """The select list of the export: geopoints as "lat,lon" text, the rest as stored."""
    parts = []
    for column in columns:
        q = quote_identifier(column["name"])
        if column.get("type") == "geopoint":
            parts.append(
                f"CASE WHEN {q} IS NULL THEN NULL ELSE concat(struct_extract({q}, 'lat'), ',', "
                f"struct_extract({q}, 'lon')) END AS {q}"
            )
        else:
            parts.append(q)
    return ", ".join(parts) or "*"


def export_csv(settings: Settings, path: Path, columns: list[dict[str, Any]]) -> Path:
    """Write the Parquet file at ``path`` as a UTF-8 CSV in the scratch folder.

    DuckDB streams the rows to disk, so memory stays bounded whatever the table's size.
    The caller owns (and removes) the returned file; ``stream_and_remove`` does both.
    """
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="export-", suffix=".csv", dir=settings.scratch_dir)
    os.close(fd)
    target = Path(name)
    try:
        with connect(settings) as con:
            con.execute(
                f"COPY (SELECT {_csv_select(columns)} FROM read_parquet(?)) "
                "TO ? (FORMAT csv, HEADER)",
                [str(path), str(target)],
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def stream_and_remove(path: Path) -> tuple[Iterator[bytes], int]:
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
