"""One harvest run: each remote dataset becomes (or updates) a harvest-owned local dataset.

Every remote dataset is written in its own short transaction, so a crash mid-run loses at
most the one being written, and a rerun picks up where things are: a dataset whose remote
content did not change (same fingerprint) is left alone. Only datasets a ``HarvestRecord``
points to are ever updated or withdrawn; a slug another dataset holds gets a fresh one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from abierto.catalog import activity
from abierto.catalog.editing import (
    MAX_DESCRIPTION,
    MAX_TAG,
    MAX_TAGS,
    MAX_TEXT,
    EditError,
    Metadata,
    add_link,
    apply_metadata,
    free_slug,
    metadata_of,
    remove_link,
    split_tags,
)
from abierto.catalog.models import Dataset, Organization, utcnow
from abierto.catalog.services import SlugTaken, get_or_create_dataset
from abierto.census.http import Fetcher
from abierto.census.prefill_vocab import frequency_code
from abierto.harvest.licenses import license_id
from abierto.harvest.models import HarvestRecord, HarvestSource
from abierto.harvest.sources import CkanListing, DcatListing, RemoteDataset, RemoteResource
from abierto.jobs.errors import NotRetryable

if TYPE_CHECKING:
    from abierto.app_context import AppContext

OVERLAP = dt.timedelta(hours=1)  # incremental runs look back this far before the last run
MAX_REASONS = 200  # skipped datasets listed in a run's counts (all are counted)


@dataclass(slots=True)
class RunCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    skipped: int = 0
    reasons: list[dict[str, str]] = field(default_factory=list)
    incremental: bool = False
    complete: bool = False  # the whole listing was read (withdrawal needs it)
    capped: bool = False  # stopped at settings.harvest_max_datasets

    def skip(self, remote_id: str, reason: str) -> None:
        self.skipped += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append({"id": remote_id, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    url: str
    kind: str
    organization_id: str
    last_success_at: dt.datetime | None


# -- a run ------------------------------------------------------------------------------------


def run_harvest(context: AppContext, source_id: str, *, full: bool = False) -> RunCounts:
    """Harvest one source now; the source row keeps the run's status, counts and error."""
    started = utcnow()
    info = _begin(context, source_id, started)
    counts = RunCounts()
    try:
        _harvest(context, info, counts, full=full)
    except Exception as exc:
        _end(context, source_id, counts, error=str(exc) or type(exc).__name__)
        raise
    _end(context, source_id, counts, succeeded_at=started)
    return counts


def _begin(context: AppContext, source_id: str, started: dt.datetime) -> SourceInfo:
    with context.db.session() as session:
        source = session.get(HarvestSource, source_id)
        if source is None:
            raise NotRetryable(f"no harvest source {source_id!r}")
        if not source.active:
            raise NotRetryable(f"harvest source {source_id} ({source.title}) is not active")
        source.last_run_at, source.last_status, source.last_error = started, "running", None
        return SourceInfo(
            source.id, source.url, source.kind, source.organization_id, source.last_success_at
        )


def _end(
    context: AppContext,
    source_id: str,
    counts: RunCounts,
    *,
    error: str | None = None,
    succeeded_at: dt.datetime | None = None,
) -> None:
    with context.db.session() as session:
        source = session.get(HarvestSource, source_id)
        if source is None:
            return
        source.last_status = "failed" if error else "done"
        source.last_error = error[:4000] if error else None
        source.last_counts = counts.as_dict()
        if succeeded_at is not None:
            source.last_success_at = succeeded_at


def _harvest(context: AppContext, info: SourceInfo, counts: RunCounts, *, full: bool) -> None:
    settings = context.settings
    since = None
    if info.kind == "ckan" and not full and info.last_success_at is not None:
        since = info.last_success_at - OVERLAP
    counts.incremental = since is not None
    seen: set[str] = set()
    with Fetcher(
        allow_private=settings.fetch_allow_private,
        timeout=settings.harvest_timeout_s,
        max_bytes=settings.harvest_max_mb << 20,
    ) as client:
        listing = (
            CkanListing(client, info.url, since)
            if info.kind == "ckan"
            else DcatListing(client, info.url)
        )
        for remote_id, item in listing:
            if remote_id in seen:
                continue  # listed twice (a page shifted by a concurrent change)
            if len(seen) >= settings.harvest_max_datasets:
                counts.capped = True
                break
            seen.add(remote_id)
            if isinstance(item, str):
                counts.skip(remote_id, item)
            else:
                _count(counts, remote_id, harvest_one(context, info, item))
        counts.complete = listing.complete and not counts.capped
    # An empty full listing withdraws nothing: a portal emptied by mistake (or answering
    # an empty page to everyone) is far likelier than one that removed every dataset.
    if counts.complete and not counts.incremental and seen:
        counts.withdrawn = withdraw_missing(context, info.id, seen)


def _count(counts: RunCounts, remote_id: str, outcome: str) -> None:
    if outcome in ("created", "updated", "unchanged"):
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    else:
        counts.skip(remote_id, outcome)


# -- one dataset ------------------------------------------------------------------------------


def fingerprint(remote: RemoteDataset) -> str:
    text = json.dumps(dataclasses.asdict(remote), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def harvest_one(context: AppContext, info: SourceInfo, remote: RemoteDataset) -> str:
    """``created``, ``updated`` or ``unchanged``; otherwise the reason it was skipped."""
    try:
        try:
            with context.db.session() as session:
                return _write(session, info, remote)
        except (IntegrityError, SlugTaken):
            # Another run of the same source (or a publish taking the slug) wrote first:
            # once more, on what it committed; a second clash is the job's failure.
            with context.db.session() as session:
                return _write(session, info, remote)
    except EditError as exc:
        return "invalid " + ", ".join(sorted(exc.errors))


def _write(session: Session, info: SourceInfo, remote: RemoteDataset) -> str:
    record = session.scalar(
        select(HarvestRecord).where(
            HarvestRecord.source_id == info.id, HarvestRecord.remote_id == remote.remote_id
        )
    )
    digest = fingerprint(remote)
    now = utcnow()
    if record is not None and record.fingerprint == digest and not record.withdrawn:
        record.last_seen_at = now
        return "unchanged"
    metadata = to_metadata(remote)
    dataset = None if record is None else session.get(Dataset, record.dataset_id)
    if record is not None and dataset is None:  # cannot outlive its dataset, but be sure
        session.delete(record)
        session.flush()
        record = None
    outcome = "updated"
    if dataset is None or record is None:
        dataset = _create(session, info, remote, metadata.title)
        record = HarvestRecord(source_id=info.id, remote_id=remote.remote_id, dataset_id=dataset.id)
        session.add(record)
        outcome = "created"
    apply_metadata(session, dataset, metadata, None, record=outcome == "updated")
    sync_links(session, dataset, remote.resources)
    record.fingerprint, record.remote_modified = digest, remote.modified[:64] or None
    record.withdrawn, record.last_seen_at = False, now
    return outcome


def _create(session: Session, info: SourceInfo, remote: RemoteDataset, title: str) -> Dataset:
    organization = session.get(Organization, info.organization_id)
    if organization is None:
        raise NotRetryable(f"the organization of harvest source {info.id} no longer exists")
    # A slug taken meanwhile (SlugTaken) fails the transaction: harvest_one tries once more.
    slug = free_slug(session, remote.name or remote.title)
    dataset = get_or_create_dataset(session, organization, slug, title, new=True)
    activity.record(
        session,
        "dataset.created",
        actor_id=None,
        dataset=dataset,
        harvest_source=info.id,
        remote_id=remote.remote_id,
    )
    return dataset


def to_metadata(remote: RemoteDataset) -> Metadata:
    """The remote fields in abierto's terms; what does not fit (an unknown licence or
    frequency, a date that is not one) is left out rather than refused."""
    start, end = _date(remote.temporal_start), _date(remote.temporal_end)
    if start and end and end < start:
        start = end = None
    tags = [t for t in split_tags(remote.tags) if len(t) <= MAX_TAG][:MAX_TAGS]
    spatial = remote.spatial if 0 < len(remote.spatial) <= MAX_TEXT else None
    return Metadata(
        title=" ".join(remote.title.split())[:MAX_TEXT],
        description=remote.description[:MAX_DESCRIPTION],
        license_id=license_id(remote.licenses),
        frequency=frequency_code(remote.frequency),
        temporal_start=start,
        temporal_end=end,
        spatial=None if spatial and spatial.startswith("{") else spatial,  # GeoJSON: not a name
        tags=tags,
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def sync_links(session: Session, dataset: Dataset, resources: list[RemoteResource]) -> None:
    """Make the dataset's link resources the remote resources (in order), if they differ."""
    current = [(r.url, r.title, r.format or "") for r in dataset.resources if r.kind != "table"]
    if current == [(r.url, r.title, r.format) for r in resources]:
        return
    for resource in [r for r in dataset.resources if r.kind != "table"]:
        remove_link(session, resource, None)
    for r in resources:
        add_link(
            session, dataset, title=r.title, url=r.url, format=r.format, kind="link", actor_id=None
        )


# -- withdrawal -------------------------------------------------------------------------------


def withdraw_missing(context: AppContext, source_id: str, seen: set[str]) -> int:
    """Make drafts of the datasets a full listing no longer has (kept, never deleted)."""
    with context.db.session() as session:
        rows = session.execute(
            select(HarvestRecord.id, HarvestRecord.remote_id).where(
                HarvestRecord.source_id == source_id, HarvestRecord.withdrawn.is_(False)
            )
        ).all()
    gone = [record_id for record_id, remote_id in rows if remote_id not in seen]
    for record_id in gone:
        with context.db.session() as session:
            withdraw(session, record_id)
    return len(gone)


def withdraw(session: Session, record_id: str) -> None:
    record = session.get(HarvestRecord, record_id)
    dataset = None if record is None else session.get(Dataset, record.dataset_id)
    if record is None or dataset is None:
        return
    metadata = metadata_of(dataset)
    metadata.state = "draft"
    apply_metadata(session, dataset, metadata, None)
    record.withdrawn = True
    record.fingerprint = ""  # if it comes back, it is written again (and published)
