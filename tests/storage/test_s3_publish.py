"""Publishing into S3 and reading the release back through the local cache with DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

from abierto.app_context import AppContext
from abierto.db import Database
from abierto.ingest.publish import PublishRequest, publish
from abierto.query.engine import QueryEngine, _sql_rows, run_rows
from abierto.query.rows import parse_row_query
from abierto.settings import Settings
from abierto.storage import blob_store
from abierto.storage.s3 import S3BlobStore


def test_publish_to_s3_and_read_through_the_cache(s3_settings: Settings, tmp_path: Path) -> None:
    db = Database(s3_settings)
    db.upgrade()
    store = blob_store(s3_settings.storage_url, s3_settings)
    assert isinstance(store, S3BlobStore)
    context = AppContext(s3_settings, db, store)
    source = tmp_path / "obras.csv"
    rows = "obra,monto,fecha\nPuente,10.5,2024-01-02\nEscuela,20,2024-02-03\n"
    source.write_text(rows, encoding="utf-8")
    try:
        with db.session() as session:
            result = publish(
                session,
                s3_settings,
                store,
                PublishRequest(path=source, organization="cdmx", dataset="obras"),
            )
            key = result.releases[0].blob_key
        assert key in set(store.keys("releases/"))
        path = store.local_path(key)
        assert Path(s3_settings.blob_cache_dir) in path.parents
        query = f"SELECT obra, monto FROM read_parquet('{path}') ORDER BY monto"
        rows = duckdb.sql(query).fetchall()
        assert [r[0] for r in rows] == ["Puente", "Escuela"]
        assert float(rows[1][1]) == 20.0
        # A second process with an empty cache reads the same bytes from the bucket.
        path.unlink()
        assert store.local_path(key).exists()
    finally:
        context.close()


def test_pages_in_file_order_from_s3(s3_settings: Settings, tmp_path: Path) -> None:
    """The row-group cache reads the blob cache's copy, and a copy fetched again after
    eviction (a new file at the same path) is read afresh."""
    db = Database(s3_settings)
    db.upgrade()
    store = blob_store(s3_settings.storage_url, s3_settings)
    context = AppContext(s3_settings, db, store)
    source = tmp_path / "folios.csv"
    source.write_text("folio,obra\n" + "".join(f"{n},Obra {n}\n" for n in range(1, 301)))
    engine = QueryEngine(s3_settings)
    try:
        with db.session() as session:
            request = PublishRequest(path=source, organization="cdmx", dataset="folios")
            release = publish(session, s3_settings, store, request).releases[0]
            key, columns = release.blob_key, release.columns
        for _ in range(2):
            path = str(store.local_path(key))
            first = run_rows(engine, path, columns, parse_row_query({"limit": "120"}, columns))
            query = parse_row_query({"cursor": first.next_cursor or ""}, columns)
            cached = run_rows(engine, path, columns, query)
            assert cached == _sql_rows(engine, path, columns, query)
            assert [row[1] for row in cached.rows] == [f"Obra {n}" for n in range(121, 221)]
            Path(path).unlink()  # evicted from the blob cache
    finally:
        engine.close()
        context.close()
