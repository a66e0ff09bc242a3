"""``abierto gc``: orphans go, referenced and young blobs stay, stale scratch files go."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select

from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.db import Database
from abierto.ops.gc import collect
from abierto.settings import Settings
from abierto.storage import blob_store
from tests.ops.helpers import publish_text

DAY = 24 * 3600


def _age_local(context: AppContext, key: str, seconds: float) -> None:
    path = context.store.local_path(key)
    past = time.time() - seconds
    os.utime(path, (past, past))


def _orphan(context: AppContext, tmp_path: Path, key: str) -> None:
    source = tmp_path / "orphan.bin"
    source.write_bytes(b"nobody needs me " + key.encode())
    context.store.put_file(source, key)


def test_orphans_go_referenced_and_young_stay(context: AppContext, tmp_path: Path) -> None:
    result = publish_text(context, tmp_path / "src", "multas", "monto,pais\n10,MX\n20,AR\n")
    kept = result.releases[0].blob_key
    _orphan(context, tmp_path, "releases/00/old-orphan.parquet")
    _orphan(context, tmp_path, "releases/00/young-orphan.parquet")
    _age_local(context, kept, 10 * DAY)
    _age_local(context, "releases/00/old-orphan.parquet", 2 * DAY)

    with context.db.session() as session:
        dry = collect(session, context.store, context.settings.scratch_dir, 24, dry_run=True)
    assert dry.blobs == ["releases/00/old-orphan.parquet"]
    assert context.store.exists("releases/00/old-orphan.parquet")

    with context.db.session() as session:
        report = collect(session, context.store, context.settings.scratch_dir, 24)
    assert report.blobs == ["releases/00/old-orphan.parquet"]
    assert report.kept_young == 1
    assert not context.store.exists("releases/00/old-orphan.parquet")
    assert context.store.exists("releases/00/young-orphan.parquet")
    assert context.store.exists(kept)


def test_blob_of_an_unfinished_job_stays(context: AppContext, tmp_path: Path) -> None:
    from abierto.jobs.models import Job

    _orphan(context, tmp_path, "uploads/abc/file.csv")
    _age_local(context, "uploads/abc/file.csv", 3 * DAY)
    with context.db.session() as session:
        session.add(Job(kind="publish", payload={"blob_key": "uploads/abc/file.csv"}))
    with context.db.session() as session:
        report = collect(session, context.store, context.settings.scratch_dir, 24)
    assert report.blobs == []
    assert context.store.exists("uploads/abc/file.csv")


def test_stale_scratch_files_go(settings: Settings, tmp_path: Path) -> None:
    context = AppContext.create(settings)
    scratch = settings.scratch_dir
    stale = scratch / "publish-old" / "table.parquet"
    fresh = scratch / "uploads" / "new" / "file.csv"
    old_upload = scratch / "uploads" / "old" / "file.csv"
    for path in (stale, fresh, old_upload):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    for path in (stale, stale.parent, old_upload, old_upload.parent):
        os.utime(path, (time.time() - 2 * DAY,) * 2)
    try:
        with context.db.session() as session:
            report = collect(session, context.store, scratch, 24)
    finally:
        context.close()
    assert sorted(report.scratch) == sorted([stale.parent, old_upload.parent])
    assert not stale.parent.exists() and not old_upload.parent.exists()
    assert fresh.exists()


def test_gc_on_s3(s3_settings: Settings, tmp_path: Path) -> None:
    store = blob_store(s3_settings.storage_url, s3_settings)
    context = AppContext(s3_settings, _database(s3_settings), store)
    try:
        result = publish_text(context, tmp_path / "src", "multas", "monto\n1\n2\n")
        _orphan(context, tmp_path, "releases/00/orphan.parquet")
        with context.db.session() as session:
            young = collect(session, store, s3_settings.scratch_dir, 24)
        assert young.blobs == [] and young.kept_young == 1
        time.sleep(1.5)  # S3 times have one-second resolution
        with context.db.session() as session:
            report = collect(session, store, s3_settings.scratch_dir, 0)
        assert report.blobs == ["releases/00/orphan.parquet"]
        assert sorted(store.keys()) == [result.releases[0].blob_key]
    finally:
        context.close()


def test_young_scratch_stays(settings: Settings) -> None:
    settings.scratch_dir.mkdir(parents=True)
    young = settings.scratch_dir / "job-x"
    young.mkdir()
    context = AppContext.create(settings)
    try:
        with context.db.session() as session:
            report = collect(session, context.store, settings.scratch_dir, 24)
    finally:
        context.close()
    assert report.scratch == [] and young.exists()


def test_republishing_an_old_orphan_saves_it(context: AppContext, tmp_path: Path) -> None:
    # The blob of a deleted release lingers; an identical publish reuses it and refreshes
    # its time, so gc (which sees it unreferenced until the commit) leaves it alone.
    result = publish_text(context, tmp_path / "a", "multas", "monto\n7\n8\n")
    key = result.releases[0].blob_key
    _age_local(context, key, 5 * DAY)
    source = context.store.local_path(key)
    copy = tmp_path / "same.parquet"
    copy.write_bytes(source.read_bytes())
    assert context.store.put_file(copy, key) is False
    with context.db.session() as session:
        for release in session.scalars(select(Release)):
            session.delete(release)
    with context.db.session() as session:
        report = collect(session, context.store, context.settings.scratch_dir, 24)
    assert report.blobs == [] and report.kept_young == 1
    assert context.store.exists(key)


def _database(settings: Settings) -> Database:
    database = Database(settings)
    database.upgrade()
    return database
