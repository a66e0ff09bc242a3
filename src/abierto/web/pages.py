"""HTML pages: the list of datasets and the page of one dataset."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Release, Resource
from abierto.web import queries
from abierto.web.auth import ActorDep
from abierto.web.data import PREVIEW_ROWS, Preview, read_preview
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.schemas import download_url
from abierto.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
LISTED_ERRORS = 20


@dataclass(slots=True)
class ResourceView:
    resource: Resource
    release: Release | None
    history: list[tuple[Release, dict[str, str]]] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    preview: Preview | None = None
    downloads: dict[str, str] = field(default_factory=dict)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, session: SessionDep, actor: ActorDep, page: int = Query(1, ge=1)
) -> HTMLResponse:
    total = queries.count_datasets(session, actor)
    listings = queries.list_datasets(session, actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "home.html",
        {"listings": listings, "total": total, "page": page, "pages": pages},
    )


@router.get("/datasets/{slug}", response_class=HTMLResponse)
def dataset_page(
    request: Request, slug: str, session: SessionDep, context: ContextDep, actor: ActorDep
) -> HTMLResponse:
    dataset = queries.get_dataset(session, actor, slug)
    if dataset is None:
        raise HTTPException(status_code=404)
    views = [_resource_view(context, dataset, r) for r in dataset.resources]
    return render(
        request,
        "dataset.html",
        {"dataset": dataset, "views": views, "listed_errors": LISTED_ERRORS},
    )


def _resource_view(context: AppContext, dataset: Dataset, resource: Resource) -> ResourceView:
    release = queries.latest(resource)
    history = [(r, _downloads(dataset, resource, r.number)) for r in reversed(resource.releases)]
    view = ResourceView(resource, release, history=history)
    if release is None:
        return view
    view.columns = [
        {**column, "profile": release.profile.get(column["name"], {})} for column in release.columns
    ]
    view.titles = {c["name"]: c["title"] for c in release.columns}
    view.preview = _preview(context, release)
    view.downloads = _downloads(dataset, resource, None)
    return view


def _downloads(dataset: Dataset, resource: Resource, number: int | None) -> dict[str, str]:
    return {fmt: download_url(dataset, resource, fmt, number) for fmt in ("csv", "parquet")}


def _preview(context: AppContext, release: Release) -> Preview | None:
    try:
        path = context.store.local_path(release.blob_key)
        return read_preview(context.settings, path, PREVIEW_ROWS)
    except (duckdb.Error, OSError, ValueError):
        log.exception("cannot read release %s (%s)", release.id, release.blob_key)
        return None
