"""DuckDB connections with the limits the settings give."""

from __future__ import annotations

from pathlib import Path

import duckdb

from abierto.query.sql import literal
from abierto.settings import Settings


def connect(
    settings: Settings, database: str | Path = ":memory:", *, memory_mb: int | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection bounded by ``memory_mb`` (default: the publishing bound), spilling to the
    scratch folder."""
    scratch = settings.scratch_dir
    scratch.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    con.execute(f"SET memory_limit = '{memory_mb or settings.duckdb_memory_mb}MB'")
    con.execute(f"SET temp_directory = {literal(scratch.as_posix())}")
    if settings.duckdb_threads:
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    con.execute("SET preserve_insertion_order = true")
    return con
