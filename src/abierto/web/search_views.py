"""The search page: a query, facets with counts, sorting and paging; plain GET forms, so it
works without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from abierto.search.service import FACETS, SORTS, SearchQuery, search
from abierto.web.auth import ActorDep
from abierto.web.deps import SessionDep
from abierto.web.templating import render, request_language

router = APIRouter(include_in_schema=False)
MAX_QUERY = 200


def search_query(request: Request, q: str, sort: str | None, page: int, size: int) -> SearchQuery:
    """The query a request asks for: facet filters are repeated parameters (theme=a&theme=b)."""
    filters = {f: [v for v in request.query_params.getlist(f) if v][:20] for f in FACETS}
    q = q.strip()[:MAX_QUERY]
    chosen = sort if sort in SORTS else ("relevance" if q else "modified")
    lang = request_language(request)
    return SearchQuery(q, {k: v for k, v in filters.items() if v}, chosen, page, size, lang=lang)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    q: str = "",
    sort: str | None = None,
    page: int = Query(1, ge=1, le=10_000),
) -> HTMLResponse:
    query = search_query(request, q, sort, page, 20)
    results = search(session, actor, query)
    return render(
        request,
        "search.html",
        {
            "query": query,
            "results": results,
            "facet_names": FACETS,
            "sorts": SORTS,
            "page_url": _page_url(query),
        },
    )


def _page_url(query: SearchQuery) -> Any:
    def url(page: int) -> list[tuple[str, str]]:
        params = [("q", query.q)] if query.q else []
        params += [(k, v) for k, values in query.filters.items() for v in values]
        params += [("sort", query.sort), ("page", str(page))]
        return params

    return url
