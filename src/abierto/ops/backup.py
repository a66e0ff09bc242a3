"""``abierto backup``: a portable copy of the catalog, readable by any backend.

The metadata is dumped in ONE read transaction (REPEATABLE READ on PostgreSQL, a read
transaction on SQLite), so it is the catalog as it was at one moment even while others keep
publishing. The blobs it references are then copied: they are immutable and
content-addressed, so a later copy has the same bytes as at that moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.engine import Engine

import abierto.models  # noqa: F401  (registers every table on Base.metadata)
from abierto.catalog.models import Release
from abierto.db import Base, schema_revision
from abierto.ops.manifest import FORMAT, VERSION, BackupError, describe, row_line, write_manifest
from abierto.storage import BlobStore


def tables() -> list[Table]:
    """Every metadata table, parents before children."""
    return list(Base.metadata.sorted_tables)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose every read sees the same committed state."""
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ"}
        with engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn
        return
    with engine.connect() as conn:
        # pysqlite only opens a transaction before writes: open the read transaction by hand.
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def dump_table(conn: Connection, table: Table, path: Path) -> tuple[int, set[str]]:
    """Write ``table`` as JSON lines; the blob keys it references (releases)."""
    order = list(table.primary_key.columns) or list(table.columns)
    count, keys = 0, set()
    with path.open("w", encoding="utf-8") as out:
        for row in conn.execute(select(table).order_by(*order)).mappings():
            out.write(row_line(dict(row)))
            count += 1
            if table.name == Release.__tablename__:
                keys.add(row["blob_key"])
    return count, keys


def backup(engine: Engine, store: BlobStore, dest: Path) -> dict[str, Any]:
    """Write a backup into ``dest`` (new or empty); return its manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest}: the backup folder must be new or empty")
    (dest / "metadata").mkdir(parents=True, exist_ok=True)
    table_list: list[dict[str, Any]] = []
    blob_keys: set[str] = set()
    with snapshot(engine) as conn:
        revision = schema_revision(conn)
        for table in tables():
            relative = f"metadata/{table.name}.jsonl"
            rows, keys = dump_table(conn, table, dest / relative)
            table_list.append({"name": table.name, "file": relative, "rows": rows})
            blob_keys |= keys
    files = {t["file"]: describe(dest, t["file"]) for t in table_list}
    for key in sorted(blob_keys):
        relative = f"blobs/{key}"
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            store.copy_to(key, target)
        except FileNotFoundError as exc:
            raise BackupError(f"blob {key} is referenced by a release but missing") from exc
        files[relative] = describe(dest, relative)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": engine.dialect.name,
        "alembic_revision": revision,
        "tables": table_list,
        "blobs": sorted(blob_keys),
        "files": files,
    }
    write_manifest(dest, manifest)
    return manifest
