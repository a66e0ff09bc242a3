"""Read queries of the public portal's home and organization pages, always for one actor.

Like ``web.queries``, every dataset count or listing here is filtered by
``permissions.readable_datasets``: what an actor may not read is not even counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, joinedload

from abierto.accounts.permissions import Actor, readable_datasets
from abierto.catalog.models import Dataset, Organization, Release, Resource, Theme, dataset_theme

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HomeStats:
    datasets: int
    organizations: int
    rows: int


@dataclass(frozen=True, slots=True)
class Counted(Generic[T]):
    item: T
    datasets: int


def _latest_rows() -> Select:
    """Rows of the latest release of every resource, with the resource's dataset."""
    latest = (
        select(Release.resource_id, func.max(Release.number).label("number"))
        .group_by(Release.resource_id)
        .subquery()
    )
    return (
        select(Resource.dataset_id, Release.row_count)
        .join(latest, latest.c.resource_id == Resource.id)
        .join(
            Release,
            and_(Release.resource_id == latest.c.resource_id, Release.number == latest.c.number),
        )
    )


def home_stats(session: Session, actor: Actor) -> HomeStats:
    readable = readable_datasets(actor)
    datasets = session.scalar(select(func.count()).select_from(Dataset).where(readable)) or 0
    organizations = (
        session.scalar(select(func.count(func.distinct(Dataset.organization_id))).where(readable))
        or 0
    )
    latest = _latest_rows().subquery()
    rows = session.scalar(
        select(func.coalesce(func.sum(latest.c.row_count), 0))
        .join(Dataset, Dataset.id == latest.c.dataset_id)
        .where(readable)
    )
    return HomeStats(int(datasets), int(organizations), int(rows or 0))


def themes_with_counts(session: Session, actor: Actor) -> list[Counted[Theme]]:
    """Every theme with how many readable datasets it has, the fullest first."""
    counts = (
        select(dataset_theme.c.theme_id, func.count().label("n"))
        .join(Dataset, Dataset.id == dataset_theme.c.dataset_id)
        .where(readable_datasets(actor))
        .group_by(dataset_theme.c.theme_id)
        .subquery()
    )
    rows = session.execute(
        select(Theme, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.theme_id == Theme.id)
        .order_by(func.coalesce(counts.c.n, 0).desc(), Theme.slug)
    ).all()
    return [Counted(theme, int(n)) for theme, n in rows]


def _datasets(actor: Actor) -> Select:
    return select(Dataset).where(readable_datasets(actor)).options(joinedload(Dataset.organization))


def newest_datasets(session: Session, actor: Actor, limit: int = 6) -> list[Dataset]:
    query = _datasets(actor).order_by(Dataset.created_at.desc(), Dataset.slug).limit(limit)
    return list(session.scalars(query))


def most_viewed_datasets(session: Session, actor: Actor, limit: int = 6) -> list[Dataset]:
    query = _datasets(actor).where(Dataset.view_count > 0)
    query = query.order_by(Dataset.view_count.desc(), Dataset.slug).limit(limit)
    return list(session.scalars(query))


def organizations_with_counts(
    session: Session, actor: Actor, limit: int, offset: int
) -> tuple[list[Counted[Organization]], int]:
    """Organizations by name, each with its readable datasets counted; and how many in all."""
    counts = (
        select(Dataset.organization_id, func.count().label("n"))
        .where(readable_datasets(actor))
        .group_by(Dataset.organization_id)
        .subquery()
    )
    rows = session.execute(
        select(Organization, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.organization_id == Organization.id)
        .order_by(Organization.name, Organization.slug)
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(select(func.count()).select_from(Organization)) or 0
    return [Counted(org, int(n)) for org, n in rows], int(total)


def organization_by_slug(session: Session, slug: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.slug == slug))


def organization_datasets(
    session: Session, actor: Actor, organization_id: str, limit: int, offset: int
) -> tuple[list[Dataset], int]:
    """The organization's datasets the actor may read, by title; and how many."""
    condition = and_(Dataset.organization_id == organization_id, readable_datasets(actor))
    total = session.scalar(select(func.count()).select_from(Dataset).where(condition)) or 0
    rows = session.scalars(
        select(Dataset)
        .where(condition)
        .order_by(Dataset.title, Dataset.slug)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)
