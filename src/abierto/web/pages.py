"""HTML pages of the public portal: home, the dataset page with its preview, the language."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from abierto.accounts.permissions import Action, can
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset
from abierto.web import portal_queries, queries
from abierto.web.auth import ActorDep
from abierto.web.dataset_view import ResourceView, metadata, resource_view
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from abierto.web.preview import FORM_OPERATORS, PreviewState, run_preview
from abierto.web.quality_views import dataset_quality, quality_weights
from abierto.web.templating import render, request_language

router = APIRouter(include_in_schema=False)
NEWEST_LISTED = 12  # the whole demo catalog fits on the home page
MOST_VIEWED_LISTED = 6
LISTED_ERRORS = 20
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    context = {
        "stats": portal_queries.home_stats(session, actor),
        "themes": portal_queries.themes_with_counts(session, actor),
        "newest": portal_queries.newest_datasets(session, actor, NEWEST_LISTED),
        "most_viewed": portal_queries.most_viewed_datasets(session, actor, MOST_VIEWED_LISTED),
    }
    return render(request, "home.html", context)


@router.get("/lang/{code}")
def choose_language(code: str, next: str = Query("/", max_length=2000)) -> RedirectResponse:
    """Remember the language in a cookie and go back to the page (only a local one)."""
    if code not in LANGUAGES:
        raise HTTPException(status_code=404)
    local = next.startswith("/") and not next.startswith("//") and "\\" not in next
    response = RedirectResponse(next if local else "/", status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_AGE, samesite="lax", httponly=True
    )
    return response


def _views(
    request: Request, context: AppContext, dataset: Dataset, chosen: str | None
) -> list[ResourceView]:
    """Every resource; the preview of ``chosen`` (or of none named: every table) follows
    the query string, the others start at their first page."""
    views = []
    resources = sorted(dataset.resources, key=lambda r: (r.position, r.name))
    for index, resource in enumerate(resources, start=1):
        view = resource_view(dataset, resource, index)
        if view.release is not None:
            asked = chosen is None or chosen == resource.name
            params = request.query_params if asked else {}
            view.preview = run_preview(context, view.release, PreviewState.from_params(params))
        views.append(view)
    return views


@router.get("/datasets/{slug}", response_class=HTMLResponse)
def dataset_page(
    request: Request,
    slug: str,
    session: SessionDep,
    context: ContextDep,
    actor: ActorDep,
    resource: str | None = Query(None, max_length=300),
) -> HTMLResponse:
    dataset = queries.get_dataset(session, actor, slug)
    if dataset is None:
        raise HTTPException(status_code=404)
    context.views.add(dataset.id)
    lang_index = LANGUAGES.index(request_language(request))
    page = {
        "dataset": dataset,
        "meta": metadata(dataset, lang_index),
        "views": _views(request, context, dataset, resource),
        "listed_errors": LISTED_ERRORS,
        "can_edit": can(actor, Action.EDIT, dataset),
        "can_delete": can(actor, Action.DELETE, dataset),
        "base_url": str(request.base_url).rstrip("/"),
        "operators": FORM_OPERATORS,
        "quality": dataset_quality(
            session, dataset, request_language(request), quality_weights(context)
        ),
    }
    return render(request, "dataset.html", page)


@router.get("/datasets/{slug}/resources/{name}/preview", response_class=HTMLResponse)
def preview_partial(
    request: Request,
    slug: str,
    name: str,
    session: SessionDep,
    context: ContextDep,
    actor: ActorDep,
) -> HTMLResponse:
    """The preview block alone, for htmx to swap in place (same parameters as the page)."""
    dataset = queries.get_dataset(session, actor, slug)
    found = (
        None
        if dataset is None
        else next((r for r in dataset.resources if r.name == name and r.kind == "table"), None)
    )
    if dataset is None or found is None:
        raise HTTPException(status_code=404)
    index = sorted(dataset.resources, key=lambda r: (r.position, r.name)).index(found) + 1
    view = resource_view(dataset, found, index)
    if view.release is None:
        raise HTTPException(status_code=404)
    view.preview = run_preview(
        context, view.release, PreviewState.from_params(request.query_params)
    )
    response = render(
        request,
        "dataset_preview.html",
        {"dataset": dataset, "view": view, "operators": FORM_OPERATORS},
    )
    if request.headers.get("HX-Request"):
        # The address bar shows the full page for this state, so a reload or a shared link
        # (also after an htmx form submit) opens the same preview without JavaScript.
        response.headers["HX-Push-Url"] = _page_url(request, dataset, view)
    return response


def _page_url(request: Request, dataset: Dataset, view: ResourceView) -> str:
    assert view.preview is not None
    params = {"resource": view.resource.name, **view.preview.state.params()}
    if "lang" in request.query_params:
        params["lang"] = request_language(request)
    return f"/datasets/{quote(dataset.slug, safe='')}?{urlencode(params)}#preview-{view.anchor}"
