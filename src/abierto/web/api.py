"""The JSON API, version 1 (read-only for now)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query

from abierto.web import queries
from abierto.web.auth import ActorDep
from abierto.web.deps import SessionDep
from abierto.web.schemas import (
    DatasetDetail,
    DatasetList,
    ReleaseDetail,
    dataset_detail,
    dataset_summary,
    release_detail,
)

router = APIRouter(prefix="/api/v1", tags=["api"])
NOT_FOUND = {404: {"description": "Not found, or not public"}}


@router.get("/datasets", response_model=DatasetList, summary="Public datasets, newest first")
def list_datasets(
    session: SessionDep,
    actor: ActorDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> DatasetList:
    listings = queries.list_datasets(session, actor, limit=limit, offset=offset)
    return DatasetList(
        total=queries.count_datasets(session, actor),
        items=[dataset_summary(x.dataset, x.last_release_at, x.row_count) for x in listings],
    )


@router.get("/datasets/{slug}", response_model=DatasetDetail, responses=NOT_FOUND)
def get_dataset(slug: str, session: SessionDep, actor: ActorDep) -> DatasetDetail:
    """A dataset, its resources and a summary of each resource's latest release."""
    dataset = queries.get_dataset(session, actor, slug)
    if dataset is None:
        raise HTTPException(status_code=404, detail="dataset not found")
    return dataset_detail(dataset)


@router.get("/releases/{release_id}", response_model=ReleaseDetail, responses=NOT_FOUND)
def get_release(release_id: str, session: SessionDep, actor: ActorDep) -> ReleaseDetail:
    """One release in full: schema, profile, validation report, diff, detection, notes."""
    found = queries.get_release(session, actor, release_id)
    if found is None:
        raise HTTPException(status_code=404, detail="release not found")
    return release_detail(found.dataset, found.resource, found.release)
