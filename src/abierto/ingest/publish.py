"""Publishing: a file becomes one new release per table, all or nothing.

The typed tables are written to scratch space first; only when every table is ready are
their Parquet files moved into the blob store (atomically, content-addressed) and the
releases recorded in one database transaction. A failure at any point leaves the earlier
releases exactly as they were and removes the blobs this attempt added.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Release, Resource, utcnow
from abierto.catalog.services import (
    get_or_create_dataset,
    get_or_create_organization,
    get_or_create_resource,
    latest_release,
)
from abierto.ingest.diff import schema_diff
from abierto.ingest.hashing import sha256_file, sha256_future
from abierto.ingest.pipeline import Progress, TableResult, inspect_file
from abierto.ingest.readers import ReadOptions
from abierto.search import index_dataset
from abierto.settings import Settings
from abierto.storage import BlobStore
from abierto.storage.interface import release_key


@dataclass(slots=True)
class PublishResult:
    dataset: Dataset
    releases: list[Release] = field(default_factory=list)
    unchanged: bool = False
    tables: list[TableResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset.slug,
            "unchanged": self.unchanged,
            "releases": [
                {
                    "id": r.id,
                    "resource": r.resource.name,
                    "number": r.number,
                    "row_count": r.row_count,
                    "checksum": r.checksum,
                    "diff": r.diff,
                    "report": r.report,
                }
                for r in self.releases
            ],
        }


@dataclass(frozen=True, slots=True)
class PublishRequest:
    path: Path
    organization: str
    dataset: str
    title: str | None = None
    renames: dict[str, str] = field(default_factory=dict)  # new machine name → earlier name
    options: ReadOptions | None = None
    new_dataset: bool = False  # the dataset must not exist yet (SlugTaken if it does)


def publish(
    session: Session,
    settings: Settings,
    store: BlobStore,
    request: PublishRequest,
    progress: Progress | None = None,
) -> PublishResult:
    """Publish ``request.path``; the caller commits (or rolls back) ``session``."""
    # The file is hashed while its layout and types are found; the costly pass then waits
    # for the hash, so an unchanged file stops before it.
    hashing = sha256_future(request.path)
    org = get_or_create_organization(session, request.organization)
    dataset = get_or_create_dataset(
        session, org, request.dataset, request.title, new=request.new_dataset
    )

    def stop_if_unchanged() -> None:
        if _already_published(session, dataset, hashing.result()) and not request.renames:
            raise _Unchanged

    try:
        return _publish(
            session, settings, store, request, dataset, hashing, stop_if_unchanged, progress
        )
    except _Unchanged:
        return PublishResult(dataset, unchanged=True)


class _Unchanged(Exception):
    """The file is the one the dataset's newest release came from."""


def _publish(
    session: Session,
    settings: Settings,
    store: BlobStore,
    request: PublishRequest,
    dataset: Dataset,
    hashing: Future[str],
    before_typing: Callable[[], None],
    progress: Progress | None,
) -> PublishResult:
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    added_blobs: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="publish-", dir=settings.scratch_dir) as tmp:
            options = request.options or ReadOptions(workdir=tmp)
            tables = inspect_file(
                request.path,
                settings,
                options,
                output_dir=Path(tmp),
                renames=request.renames,
                before_typing=before_typing,
                **({"progress": progress} if progress else {}),
            )
            source_hash = hashing.result()
            if _lock_dataset(session, dataset, source_hash) and not request.renames:
                return PublishResult(dataset, unchanged=True)
            result = PublishResult(dataset, tables=tables)
            for table in tables:
                resource = get_or_create_resource(session, dataset, _resource_name(table, tables))
                release = _record_release(
                    session, store, resource, table, request.path.name, source_hash, added_blobs
                )
                result.releases.append(release)
            dataset.modified_at = utcnow()
            session.flush()
            index_dataset(session, dataset)
    except BaseException:
        for key in added_blobs:
            store.delete(key)
        raise
    return result


def _lock_dataset(session: Session, dataset: Dataset, source_hash: str) -> bool:
    """Wait for any other publish to this dataset to commit, then hold it until we do.

    The slow part (reading and typing the file) runs unlocked; numbering releases, creating
    resources and storing blobs are serialized per dataset by a row lock (PostgreSQL; SQLite
    has one writer at a time anyway), so two web processes never take the same release
    number. Returns whether the newest release, as now committed, came from the same file.
    """
    session.execute(select(Dataset.id).where(Dataset.id == dataset.id).with_for_update())
    session.expire(dataset)
    return _already_published(session, dataset, source_hash)


def _already_published(session: Session, dataset: Dataset, source_hash: str) -> bool:
    if not dataset.resources:
        return False
    latest = [latest_release(session, r) for r in dataset.resources if r.kind == "table"]
    return bool(latest) and all(r is not None and r.source_sha256 == source_hash for r in latest)


def _resource_name(table: TableResult, tables: list[TableResult]) -> str:
    # A single-table file always feeds the same resource, whatever its file name.
    return "data" if len(tables) == 1 else table.name


def _record_release(
    session: Session,
    store: BlobStore,
    resource: Resource,
    table: TableResult,
    source_name: str,
    source_hash: str,
    added_blobs: list[str],
) -> Release:
    assert table.parquet_path is not None
    checksum = sha256_file(table.parquet_path)
    key = release_key(checksum)
    if store.put_file(table.parquet_path, key):
        added_blobs.append(key)
    previous = latest_release(session, resource)
    columns = [c.to_dict() for c in table.columns]
    schema_columns = [{k: v for k, v in c.items() if k != "profile"} for c in columns]
    report = table.report.to_dict(table.row_count)
    release = Release(
        resource=resource,
        number=(previous.number + 1) if previous else 1,
        blob_key=key,
        checksum=checksum,
        size_bytes=table.parquet_path.stat().st_size,
        row_count=table.row_count,
        schema={"columns": schema_columns, "point": table.point},
        profile={c["name"]: c["profile"] for c in columns},
        report=report,
        diff=schema_diff(_with_profiles(previous), columns) if previous else None,
        detected=table.source.detected,
        notes=[n.to_dict() for n in table.source.notes],
        source_name=source_name,
        source_sha256=source_hash,
    )
    session.add(release)
    return release


def _with_profiles(release: Release) -> list[dict[str, Any]]:
    return [{**c, "profile": release.profile.get(c["name"], {})} for c in release.columns]
