"""Garbage collection: blobs no release references, stale scratch files.

A publish uploads its blobs before it commits its releases, so an unreferenced blob may
belong to a publish still in progress: only blobs older than the grace period are removed.
Blobs named by an unfinished job (a staged upload waiting to be published) are kept too.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.catalog.models import Release
from abierto.jobs.models import Job
from abierto.storage import BlobStore


@dataclass(slots=True)
class GcReport:
    blobs: list[str] = field(default_factory=list)
    scratch: list[Path] = field(default_factory=list)
    bytes_freed: int = 0
    kept_young: int = 0


def referenced_keys(session: Session) -> set[str]:
    """Every blob key the metadata database still needs."""
    keys = set(session.scalars(select(Release.blob_key)))
    for payload in session.scalars(select(Job.payload).where(Job.state != "done")):
        if isinstance(payload, dict) and isinstance(payload.get("blob_key"), str):
            keys.add(payload["blob_key"])
    return keys


def collect(
    session: Session,
    store: BlobStore,
    scratch_dir: Path,
    grace_hours: float = 24,
    dry_run: bool = False,
) -> GcReport:
    cutoff = time.time() - grace_hours * 3600
    report = GcReport()
    # List first, then read references: a blob uploaded and committed in between is young.
    entries = list(store.entries())
    referenced = referenced_keys(session)
    candidates = []
    for entry in entries:
        if entry.key in referenced:
            continue
        if entry.modified >= cutoff:
            report.kept_young += 1
            continue
        candidates.append(entry)
    # A publish may have reused (and so refreshed) an old orphan meanwhile: look again.
    referenced = referenced_keys(session)
    for entry in candidates:
        if entry.key in referenced or not _still_old(store, entry.key, cutoff):
            continue
        if not dry_run:
            store.delete(entry.key)
        report.blobs.append(entry.key)
        report.bytes_freed += entry.size
    if scratch_dir.is_dir():
        for child in sorted(scratch_dir.iterdir()):
            _collect_scratch(child, cutoff, dry_run, report)
    return report


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
