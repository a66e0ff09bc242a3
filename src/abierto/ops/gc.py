"""Garbage collection: blobs no release references, stale scratch files.

A publish uploads its blobs before it commits its releases, so an unreferenced blob may
belong to a publish still in progress: only blobs older than the grace period are removed.

Staged uploads (``uploads/<sha256>`` blobs, ``scratch/uploads/<id>`` folders) live as long
as a staged upload may still be published: they are kept for at least
``staged_hours`` (``settings.staged_upload_hours``), and always while a queued or running
job names them (a failed one: ``staged_hours`` after it failed, so it can be retried). A
staged blob whose file is already published (a release has its SHA-256) only gets the
grace period: the browser flow puts the blob back if the same file is published again.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.catalog.models import Release
from abierto.ingest.staging import BLOB_PREFIX, UPLOADS
from abierto.jobs.models import Job
from abierto.storage import BlobStore

IN_CHUNK = 500


@dataclass(slots=True)
class GcReport:
    blobs: list[str] = field(default_factory=list)
    scratch: list[Path] = field(default_factory=list)
    bytes_freed: int = 0
    kept_young: int = 0


def referenced_keys(session: Session, failed_since: dt.datetime | None = None) -> set[str]:
    """Every blob key the metadata database still needs.

    Jobs that did not finish name the staged blob they will read; a failed job keeps its
    blob only if it failed after ``failed_since`` (None: every failed job keeps it).
    """
    keys = set(session.scalars(select(Release.blob_key)))
    jobs = select(Job.payload, Job.state, Job.finished_at).where(Job.state != "done")
    for payload, state, finished in session.execute(jobs):
        if state == "failed" and failed_since and finished and finished < failed_since:
            continue
        if isinstance(payload, dict) and isinstance(payload.get("blob_key"), str):
            keys.add(payload["blob_key"])
    return keys


def collect(
    session: Session,
    store: BlobStore,
    scratch_dir: Path,
    grace_hours: float = 24,
    dry_run: bool = False,
    *,
    staged_hours: float = 24,
) -> GcReport:
    now = time.time()
    cutoff = now - grace_hours * 3600
    staged_cutoff = now - max(grace_hours, staged_hours) * 3600
    failed_since = dt.datetime.fromtimestamp(staged_cutoff, dt.UTC).replace(tzinfo=None)
    report = GcReport()
    # List first, then read references: a blob uploaded and committed in between is young.
    entries = list(store.entries())
    referenced = referenced_keys(session, failed_since)
    published = _published_uploads(session, [e.key for e in entries])
    candidates = []
    for entry in entries:
        if entry.key in referenced:
            continue
        if entry.modified >= _cutoff_of(entry.key, published, cutoff, staged_cutoff):
            report.kept_young += 1
            continue
        candidates.append(entry)
    # A publish may have reused (and so refreshed) an old orphan meanwhile: look again.
    referenced = referenced_keys(session, failed_since)
    for entry in candidates:
        key_cutoff = _cutoff_of(entry.key, published, cutoff, staged_cutoff)
        if entry.key in referenced or not _still_old(store, entry.key, key_cutoff):
            continue
        if not dry_run:
            store.delete(entry.key)
        report.blobs.append(entry.key)
        report.bytes_freed += entry.size
    if scratch_dir.is_dir():
        for child in sorted(scratch_dir.iterdir()):
            child_cutoff = staged_cutoff if child.name == UPLOADS else cutoff
            _collect_scratch(child, child_cutoff, dry_run, report)
    return report


def _cutoff_of(key: str, published: set[str], cutoff: float, staged_cutoff: float) -> float:
    """The age past which an unreferenced blob may go: staged uploads wait longer."""
    if key.startswith(BLOB_PREFIX) and key not in published:
        return staged_cutoff
    return cutoff


def _published_uploads(session: Session, keys: list[str]) -> set[str]:
    """The staged-upload keys whose file some release was published from."""
    by_hash = {k.removeprefix(BLOB_PREFIX): k for k in keys if k.startswith(BLOB_PREFIX)}
    hashes = list(by_hash)
    found: set[str] = set()
    for start in range(0, len(hashes), IN_CHUNK):
        chunk = hashes[start : start + IN_CHUNK]
        query = select(Release.source_sha256).where(Release.source_sha256.in_(chunk))
        found.update(session.scalars(query.distinct()))
    return {by_hash[h] for h in found}


def _still_old(store: BlobStore, key: str, cutoff: float) -> bool:
    return any(e.key == key and e.modified < cutoff for e in store.entries(key))


def _newest_mtime(path: Path) -> float:
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for child in path.rglob("*"):
            newest = max(newest, child.lstat().st_mtime)
    return newest


def _collect_scratch(path: Path, cutoff: float, dry_run: bool, report: GcReport) -> None:
    """Remove ``path`` if nothing in it changed since ``cutoff``, else look inside."""
    if _newest_mtime(path) < cutoff:
        report.scratch.append(path)
        if not dry_run:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return
    if path.is_dir() and not path.is_symlink():
        for child in sorted(path.iterdir()):
            _collect_scratch(child, cutoff, dry_run, report)
