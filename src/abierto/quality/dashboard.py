"""The publisher dashboard's three lists: what to fix first, overdue updates, broken links.

Its scope is a SQL condition on ``Dataset``, normally ``permissions.editable_datasets`` (the
datasets of the organizations the actor edits; every dataset for a site admin). "Fix first"
takes the ``limit`` worst by stored score (unscored first: nobody has looked at them),
assesses them live so a fix just made shows at once, and orders them worst first, then most
viewed (a fix there helps most readers). Overdue updates and broken links cover the whole
scope: each is one grouped query, not one per dataset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Release, Resource
from abierto.quality.checks import Check
from abierto.quality.freshness import Freshness, assess_freshness
from abierto.quality.links import LinkResult, latest_results
from abierto.quality.models import CurrentQuality
from abierto.quality.services import assess

LIMIT = 100
LATE = ("overdue", "never_updated")


@dataclass(frozen=True, slots=True)
class ToFix:
    dataset: Dataset
    score: float
    failing: list[Check]


@dataclass(frozen=True, slots=True)
class Late:
    slug: str
    title: str
    freshness: Freshness


@dataclass(frozen=True, slots=True)
class BrokenLink:
    slug: str
    title: str
    resource: str
    url: str
    result: LinkResult


def to_fix(
    session: Session,
    scope: ColumnElement[bool],
    now: dt.datetime,
    weights: dict[str, float] | None = None,
    limit: int = LIMIT,
) -> list[ToFix]:
    datasets = session.scalars(
        select(Dataset)
        .outerjoin(CurrentQuality, CurrentQuality.dataset_id == Dataset.id)
        .where(scope)
        .order_by(func.coalesce(CurrentQuality.score, -1.0), Dataset.view_count.desc())
        .limit(limit)
    ).all()
    rows = [
        ToFix(d, a.score, [c for c in a.checks if c.passed is False])
        for d, a in zip(datasets, assess(session, datasets, now, weights), strict=True)
    ]
    rows.sort(key=lambda row: (row.score, -row.dataset.view_count, row.dataset.title))
    return rows


def late(session: Session, scope: ColumnElement[bool], now: dt.datetime) -> list[Late]:
    """Scheduled datasets that are overdue or were never updated, most overdue first."""
    rows = session.execute(
        select(
            Dataset.slug,
            Dataset.title,
            Dataset.frequency,
            func.max(Release.created_at),
            func.count(Release.id),
        )
        .outerjoin(Resource, Resource.dataset_id == Dataset.id)
        .outerjoin(Release, Release.resource_id == Resource.id)
        .where(scope, Dataset.frequency.is_not(None))
        .group_by(Dataset.id, Dataset.slug, Dataset.title, Dataset.frequency)
    ).all()
    found = []
    for slug, title, frequency, last, count in rows:
        fresh = assess_freshness(frequency, last, now, releases=count)
        if fresh.status in LATE:
            found.append(Late(slug, title, fresh))
    found.sort(key=lambda row: (-row.freshness.days_overdue, row.title))
    return found


def broken_links(session: Session, scope: ColumnElement[bool]) -> list[BrokenLink]:
    """Link resources the link checker found broken, longest broken first."""
    links = session.execute(
        select(Resource.id, Resource.name, Resource.title, Resource.url, Dataset.slug,
               Dataset.title)
        .join(Dataset, Dataset.id == Resource.dataset_id)
        .where(scope, Resource.kind == "link")
    ).all()  # fmt: skip
    results = latest_results(session, [row[0] for row in links])
    found = [
        BrokenLink(slug, title, resource_title or name, url or "", results[resource_id])
        for resource_id, name, resource_title, url, slug, title in links
        if resource_id in results and not results[resource_id].ok
    ]
    found.sort(key=lambda row: (row.result.first_broken_at or row.result.checked_at, row.title))
    return found
