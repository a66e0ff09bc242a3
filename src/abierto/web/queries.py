"""Read-side catalog queries, always for one actor.

Every query here applies the one read rule, ``permissions.readable_datasets``: visitors see
public, published datasets; members of an organization also its private and draft ones.
Pages, the API and downloads all go through these functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from abierto.accounts.permissions import Actor, readable_datasets
from abierto.catalog.models import Dataset, Release, Resource
from abierto.lru import Lru


@dataclass(frozen=True, slots=True)
class DatasetListing:
    dataset: Dataset
    last_release_at: dt.datetime | None
    row_count: int | None


@dataclass(frozen=True, slots=True)
class ResourceRelease:
    dataset: Dataset
    resource: Resource
    release: Release


def _latest_per_dataset() -> Select:
    """Per dataset: the date of its newest release and the rows of its resources' latest."""
    latest = (
        select(Release.resource_id, func.max(Release.number).label("number"))
        .group_by(Release.resource_id)
        .subquery()
    )
    return (
        select(
            Resource.dataset_id.label("dataset_id"),
            func.max(Release.created_at).label("last_release_at"),
            func.sum(Release.row_count).label("row_count"),
        )
        .join(latest, latest.c.resource_id == Resource.id)
        .join(
            Release,
            and_(Release.resource_id == latest.c.resource_id, Release.number == latest.c.number),
        )
        .group_by(Resource.dataset_id)
    )


def count_datasets(session: Session, actor: Actor) -> int:
    return (
        session.scalar(select(func.count()).select_from(Dataset).where(readable_datasets(actor)))
        or 0
    )


def list_datasets(
    session: Session, actor: Actor, limit: int = 100, offset: int = 0
) -> list[DatasetListing]:
    """Visible datasets, the most recently released first."""
    stats = _latest_per_dataset().subquery()
    rows = session.execute(
        select(Dataset, stats.c.last_release_at, stats.c.row_count)
        .outerjoin(stats, stats.c.dataset_id == Dataset.id)
        .where(readable_datasets(actor))
        .options(joinedload(Dataset.organization))
        .order_by(
            stats.c.last_release_at.desc().nulls_last(),
            Dataset.modified_at.desc(),
            Dataset.slug,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        DatasetListing(dataset, last, None if rows_ is None else int(rows_))
        for dataset, last, rows_ in rows
    ]


def get_dataset(session: Session, actor: Actor, slug: str) -> Dataset | None:
    """A visible dataset with its organization, resources and every release loaded."""
    return session.scalar(
        select(Dataset)
        .where(Dataset.slug == slug, readable_datasets(actor))
        .options(
            joinedload(Dataset.organization),
            selectinload(Dataset.resources).selectinload(Resource.releases),
        )
    )


def get_release(session: Session, actor: Actor, release_id: str) -> ResourceRelease | None:
    """A release of a visible dataset."""
    release = session.scalar(
        select(Release)
        .join(Resource, Release.resource_id == Resource.id)
        .join(Dataset, Resource.dataset_id == Dataset.id)
        .where(Release.id == release_id, readable_datasets(actor))
        .options(joinedload(Release.resource).joinedload(Resource.dataset))
    )
    if release is None:
        return None
    return ResourceRelease(release.resource.dataset, release.resource, release)


@dataclass(frozen=True, slots=True)
class TableRelease:
    """A release of a readable table as the data API and downloads serve it: the release row
    (immutable once published, so kept per process by id, without its large JSON documents)
    and what may change, read on every request — the names in its URL and its visibility."""

    release: Release
    dataset_slug: str
    resource_name: str
    public: bool


_releases: Lru[Release] = Lru(1024)
_statements: Lru[Select] = Lru(256)


def find_release(
    session: Session, actor: Actor, slug: str, resource_name: str, number: int | None = None
) -> TableRelease | None:
    """Release ``number`` (the latest when None) of a resource of a visible dataset.

    Every data-API request and download starts here: one small query applies the read rule
    and finds the release's id; the release row itself comes from the process's copy.
    """
    params: dict[str, object] = {"slug": slug, "name": resource_name}
    if number is not None:
        params["number"] = number
    return _table(session, _statement(actor, "name" if number is None else "number"), params)


def find_release_by_id(session: Session, actor: Actor, release_id: str) -> TableRelease | None:
    """A release of a visible dataset, by id, as ``find_release`` gives it."""
    return _table(session, _statement(actor, "id"), {"release_id": release_id})


_BY = {
    "name": (Dataset.slug == bindparam("slug"), Resource.name == bindparam("name")),
    "number": (
        Dataset.slug == bindparam("slug"),
        Resource.name == bindparam("name"),
        Release.number == bindparam("number"),
    ),
    "id": (Release.id == bindparam("release_id"),),
}


def _statement(actor: Actor, by: str) -> Select:
    """The lookup ``by`` name, number or id under ``actor``'s read rule, built once per actor
    (keyed on every field of it, as ``repr`` shows them) and reused: building and keying a
    statement cost more than running it."""

    def make() -> Select:
        return (
            select(Release.id, Dataset.slug, Resource.name, Dataset.private, Dataset.state)
            .join(Resource, Release.resource_id == Resource.id)
            .join(Dataset, Resource.dataset_id == Dataset.id)
            .where(*_BY[by], readable_datasets(actor))
            .order_by(Release.number.desc())
            .limit(1)
        )

    return _statements.get_or_make((by, repr(actor)), make)


def _table(session: Session, query: Select, params: dict[str, object]) -> TableRelease | None:
    row = session.execute(query, params).first()
    if row is None:
        return None
    release_id, slug, name, private, state = row
    public = not private and state == "published"
    return TableRelease(_release(session, release_id), slug, name, public)


def _release(session: Session, release_id: str) -> Release:
    """The release row ``release_id`` (which exists), from the process's copy when there."""

    def make() -> Release:
        release = session.get(Release, release_id, options=[defer(c) for c in _HEAVY])
        assert release is not None
        session.expunge(release)  # detached: read-only, shared by every thread
        return release

    return _releases.get_or_make((str(session.get_bind().url), release_id), make)


# Never needed to serve rows or files; loaded only if read (never, once detached).
_HEAVY = (Release.profile, Release.report, Release.diff, Release.detected, Release.notes)


def latest(resource: Resource) -> Release | None:
    """The newest release of a loaded resource (releases are ordered by number)."""
    return resource.releases[-1] if resource.releases else None


def release_stats(
    session: Session, dataset_ids: list[str]
) -> dict[str, tuple[dt.datetime | None, int | None]]:
    """Per dataset: when it was last released and the rows of its latest releases."""
    stats = _latest_per_dataset().subquery()
    rows = session.execute(
        select(stats.c.dataset_id, stats.c.last_release_at, stats.c.row_count).where(
            stats.c.dataset_id.in_(dataset_ids)
        )
    )
    return {d: (last, None if n is None else int(n)) for d, last, n in rows}
