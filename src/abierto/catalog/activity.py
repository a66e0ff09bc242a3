"""The activity log: who did what to which dataset, when.

Events are written in the same transaction as the change they describe, so the log never
claims a change that was rolled back. An event outlives its dataset (``dataset_id`` becomes
NULL; ``data`` keeps the slug and title), so deletions stay on record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Actor, readable_datasets
from abierto.catalog.models import ActivityEvent, Dataset

VERBS = (
    "dataset.created",
    "dataset.updated",
    "dataset.deleted",
    "release.published",
    "resource.added",
    "resource.removed",
    "resource.described",
)


def record(
    session: Session,
    verb: str,
    *,
    actor_id: str | None,
    dataset: Dataset | None = None,
    organization_id: str | None = None,
    **data: Any,
) -> ActivityEvent:
    """Add an event; ``dataset`` fills in the organization, slug and title."""
    if verb not in VERBS:
        raise ValueError(f"unknown activity verb {verb!r}")
    if dataset is not None:
        organization_id = organization_id or dataset.organization_id
        data = {"slug": dataset.slug, "title": dataset.title, **data}
    event = ActivityEvent(
        verb=verb,
        actor_id=actor_id,
        organization_id=organization_id,
        dataset_id=dataset.id if dataset is not None and verb != "dataset.deleted" else None,
        data=data,
    )
    session.add(event)
    return event


def list_events(
    session: Session,
    actor: Actor,
    *,
    dataset_id: str | None = None,
    organization_id: str | None = None,
    limit: int = 50,
) -> list[ActivityEvent]:
    """The newest events ``actor`` may see: those of datasets it may read, and those of
    deleted datasets only for members of their organization."""
    query = (
        select(ActivityEvent)
        .outerjoin(Dataset, Dataset.id == ActivityEvent.dataset_id)
        .where(
            or_(
                and_(ActivityEvent.dataset_id.is_not(None), readable_datasets(actor)),
                and_(ActivityEvent.dataset_id.is_(None), _member_condition(actor)),
            )
        )
        .order_by(ActivityEvent.created_at.desc(), ActivityEvent.id)
        .limit(limit)
    )
    if dataset_id is not None:
        query = query.where(ActivityEvent.dataset_id == dataset_id)
    if organization_id is not None:
        query = query.where(ActivityEvent.organization_id == organization_id)
    return list(session.scalars(query))


def _member_condition(actor: Actor) -> Any:
    if actor.is_site_admin and actor.is_authenticated:
        return true()
    return ActivityEvent.organization_id.in_(actor.organizations_with("member"))
