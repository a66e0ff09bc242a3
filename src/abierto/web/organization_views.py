"""HTML pages of organizations: the list, and one organization with its readable datasets."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from abierto.catalog.vocab import LEVELS
from abierto.web import portal_queries
from abierto.web.auth import ActorDep
from abierto.web.dataset_view import web_url
from abierto.web.deps import SessionDep
from abierto.web.i18n import LANGUAGES
from abierto.web.templating import render, request_language

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 24


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _level(request: Request, level: str) -> str:
    names = LEVELS.get(level, LEVELS["other"])
    return names[LANGUAGES.index(request_language(request))]


@router.get("/organizations", response_class=HTMLResponse)
def organizations(
    request: Request, session: SessionDep, actor: ActorDep, page: int = Query(1, ge=1, le=10_000)
) -> HTMLResponse:
    items, total = portal_queries.organizations_with_counts(
        session, actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    context = {
        "items": items,
        "total": total,
        "page": page,
        "pages": _pages(total),
        "level": lambda code: _level(request, code),
        "logo": web_url,
    }
    return render(request, "organizations.html", context)


@router.get("/organizations/{slug}", response_class=HTMLResponse)
def organization_page(
    request: Request,
    slug: str,
    session: SessionDep,
    actor: ActorDep,
    page: int = Query(1, ge=1, le=10_000),
) -> HTMLResponse:
    organization = portal_queries.organization_by_slug(session, slug)
    if organization is None:
        raise HTTPException(status_code=404)
    datasets, total = portal_queries.organization_datasets(
        session, actor, organization.id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    context = {
        "organization": organization,
        "datasets": datasets,
        "total": total,
        "page": page,
        "pages": _pages(total),
        "level": _level(request, organization.level),
        "logo": web_url(organization.logo_url),
        "homepage": web_url(organization.homepage),
    }
    return render(request, "organization.html", context)
