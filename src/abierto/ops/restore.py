"""``abierto restore``: load a verified backup into an empty database and a blob store.

Order matters: the manifest is checked first (nothing is touched if any file is altered or
missing), then the blobs are copied (idempotent: content-addressed keys), and only then the
rows are inserted in one transaction, so a committed catalog never names a missing blob.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Integer, Table, func, insert, select, text
from sqlalchemy.engine import Engine

from abierto.db import schema_revision
from abierto.ops.backup import tables
from abierto.ops.manifest import BackupError, parse_line, read_manifest, verify
from abierto.storage import BlobStore

BATCH = 500


def non_empty_tables(conn: Connection) -> list[str]:
    return [t.name for t in tables() if conn.execute(select(func.count()).select_from(t)).scalar()]


def _load_table(conn: Connection, table: Table, path: Path) -> int:
    batch: list[dict[str, Any]] = []
    count = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            batch.append(parse_line(line))
            if len(batch) >= BATCH:
                conn.execute(insert(table), batch)
                count += len(batch)
                batch = []
    if batch:
        conn.execute(insert(table), batch)
        count += len(batch)
    return count


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: integer keys inserted explicitly leave their sequences behind."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            column = keys[0].name
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column}'), "
                    f'COALESCE((SELECT MAX("{column}") FROM "{table.name}"), 0) + 1, false) '
                    f"WHERE pg_get_serial_sequence('\"{table.name}\"', '{column}') IS NOT NULL"
                )
            )


def _reindex_search(conn: Connection) -> None:
    """The full-text index is derived data outside the dump: rebuild it."""
    from sqlalchemy.orm import Session

    try:
        from abierto.search.service import reindex_all
    except ImportError:
        return
    with Session(bind=conn) as session:
        reindex_all(session)
        session.flush()


def restore(engine: Engine, store: BlobStore, src: Path, force: bool = False) -> dict[str, Any]:
    """Restore the backup in ``src``; return its manifest."""
    manifest = read_manifest(src)
    verify(src, manifest)
    known = {t.name: t for t in tables()}
    for entry in manifest["tables"]:
        if entry["name"] not in known:
            raise BackupError(f"{src / entry['file']}: table {entry['name']} is unknown here")
    with engine.connect() as conn:
        revision = schema_revision(conn)
        if revision != manifest["alembic_revision"]:
            raise BackupError(
                f"{src / 'manifest.json'}: backup is at schema revision "
                f"{manifest['alembic_revision']}, the database at {revision}: "
                "run `abierto db upgrade` to the same revision first"
            )
        busy = non_empty_tables(conn)
    if busy and not force:
        raise BackupError(
            f"the target database is not empty ({', '.join(busy)}): restore into an empty "
            "database, or pass --force to replace its contents"
        )
    for key in manifest["blobs"]:
        store.put_file(src / "blobs" / key, key)
    with engine.begin() as conn:
        for table in reversed(tables()):
            conn.execute(table.delete())
        for entry in manifest["tables"]:
            loaded = _load_table(conn, known[entry["name"]], src / entry["file"])
            if loaded != entry["rows"]:
                raise BackupError(f"{src / entry['file']}: {loaded} rows, manifest says more")
        _reset_sequences(conn)
        _reindex_search(conn)
    return manifest
