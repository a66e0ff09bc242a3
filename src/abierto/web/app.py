"""The web portal and the JSON API, as one FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import abierto
from abierto.app_context import AppContext
from abierto.observability import metrics
from abierto.observability.requests import RequestObserver
from abierto.settings import Settings
from abierto.web import (
    accounts_views,
    api,
    api_rows,
    api_sql,
    census_api,
    census_views,
    ckan_actions,
    ckan_api,
    ckan_datastore,
    ckan_write,
    downloads,
    edit_views,
    harvest_views,
    health,
    jobs_views,
    notify_views,
    organization_views,
    pages,
    publish_views,
    quality_views,
    search_views,
    soda,
)
from abierto.web.auth import CsrfCookieMiddleware
from abierto.web.ratelimit import RateLimitMiddleware
from abierto.web.templating import render

STATIC_DIR = Path(__file__).parent / "static"


# Importing the CKAN action modules registers their actions.
CKAN_ACTION_MODULES = (ckan_actions, ckan_datastore, ckan_write)


def create_app(settings: Settings) -> FastAPI:
    """The application for ``settings``; one AppContext, closed when the server stops."""
    context = AppContext.create(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context.close()

    app = FastAPI(
        title="abierto",
        description="Datos abiertos de gobierno / open government data.",
        version=abierto.__version__,
        lifespan=lifespan,
        # abierto observes itself (observability/: request ids, JSON logs, Prometheus); FastAPI's
        # OpenTelemetry hooks would only look for providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.context = context
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(CsrfCookieMiddleware)
    if settings.rate_limit:
        app.add_middleware(
            RateLimitMiddleware, limit=settings.rate_limit, storage_url=settings.rate_limit_storage
        )
    app.add_middleware(RequestObserver)  # outermost: ids, logs and times every answer
    # Routes are matched in order, one router after another: the data API, the most
    # requested and the cheapest per request, first (no other route matches its paths).
    for module in (
        api_rows,
        pages,
        organization_views,
        search_views,
        accounts_views,
        publish_views,
        edit_views,
        census_views,
        census_api,
        quality_views,
        notify_views,
        downloads,
        api,
        api_sql,
        ckan_api,
        soda,
        health,
        metrics,
        jobs_views,
        harvest_views,
    ):
        app.include_router(module.router)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """A Spanish-first HTML page for unknown pages; the API keeps JSON errors."""
    assert isinstance(exc, StarletteHTTPException)
    wants_html = not request.url.path.startswith("/api/") and exc.status_code == 404
    if wants_html:
        return render(request, "404.html", {}, status_code=404)
    return await http_exception_handler(request, exc)


def app_from_environment() -> FastAPI:
    """The application from ``ABIERTO_*`` settings: what ``abierto serve --workers N`` runs."""
    from abierto.settings import load_settings

    return create_app(load_settings())
