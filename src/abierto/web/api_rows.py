"""The data API: rows and facets of a table's release, as JSON, NDJSON or CSV.

``/api/v1/datasets/{slug}/resources/{name}/rows`` reads the latest release,
``/api/v1/releases/{id}/rows`` any release; the grammar is in ``query.rows``. Responses carry
an ETag (the release checksum and the query) and Last-Modified, so clients revalidate cheaply.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from abierto.accounts.permissions import Actor
from abierto.query.engine import QueryBusy, QueryTimeout, RowsResult, facet_counts, run_rows
from abierto.query.rows import QueryError, parse_row_query
from abierto.web import queries
from abierto.web.auth import ActorDep
from abierto.web.deps import ContextDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["data"])
FORMATS = {"json", "ndjson", "csv"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter is not valid; `param` names it"},
    404: {"description": "No such table, or not readable by the caller"},
    408: {"description": "The query took too long"},
    503: {"description": "Too many queries at once; retry"},
}
GRAMMAR = (
    "Filters: `col=value`, `col__gt|gte|lt|lte|ne|in|contains|startswith|isnull=…`; `q` "
    "(accent-insensitive text search); `select=a,b`; `order=-a,b`; `limit` (≤ 10,000), "
    "`offset`, `cursor` (from `next_cursor`); `group_by=a` with `count`, `sum=col`, `avg=col`, "
    "`min=col`, `max=col`, `distinct=col`; `include_total=true`; `format=json|ndjson|csv`; "
    "`shape=objects` for rows as objects."
)


def _found(found: queries.ResourceRelease | None) -> queries.ResourceRelease:
    if found is None:
        raise HTTPException(status_code=404, detail="table not found")
    return found


def _latest(session: Any, actor: Actor, slug: str, name: str) -> queries.ResourceRelease:
    return _found(queries.find_release(session, actor, slug, name))


def _respond(request: Request, context: Any, found: queries.ResourceRelease, fmt: str) -> Response:
    release = found.release
    etag = (
        '"'
        + hashlib.sha256(f"{release.checksum}?{request.url.query}".encode()).hexdigest()[:32]
        + '"'
    )
    modified = release.created_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    params = [(k, v) for k, v in request.query_params.multi_items()]
    fmt = request.query_params.get("format", fmt)
    if fmt not in FORMATS:
        return _error(400, f"unknown format {fmt!r}; use json, ndjson or csv", "format")
    try:
        query = parse_row_query(params, release.columns)
        path = str(context.store.local_path(release.blob_key))
        result = run_rows(context.settings, path, release.columns, query)
    except QueryError as exc:
        return _error(400, str(exc), exc.param)
    except QueryTimeout as exc:
        return _error(408, str(exc), None)
    except QueryBusy as exc:
        return _error(503, str(exc), None, retry_after=2)
    if fmt == "csv":
        return Response(_csv(result), media_type="text/csv; charset=utf-8", headers=headers)
    objects = request.query_params.get("shape") == "objects"
    if fmt == "ndjson":
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _shaped(result, True))
        return Response(body, media_type="application/x-ndjson", headers=headers)
    document = {
        "fields": result.fields,
        "rows": _shaped(result, objects),
        "total": result.total,
        "next_cursor": result.next_cursor,
        "release": {"id": release.id, "number": release.number},
    }
    return JSONResponse(document, headers=headers)


def _shaped(result: RowsResult, objects: bool) -> list[Any]:
    if not objects:
        return result.rows
    names = [f["name"] for f in result.fields]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def _csv(result: RowsResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f["name"] for f in result.fields])
    for row in result.rows:
        writer.writerow([f"{v['lat']},{v['lon']}" if isinstance(v, dict) else v for v in row])
    return buffer.getvalue()


def _error(
    status: int, message: str, param: str | None, retry_after: int | None = None
) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"detail": message, "param": param}, status, headers=headers)


@router.get(
    "/datasets/{slug}/resources/{name}/rows",
    summary="Rows of the latest release of a table",
    description=GRAMMAR,
    responses=ERRORS,
)
def latest_rows(
    slug: str,
    name: str,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    actor: ActorDep,
) -> Response:
    return _respond(request, context, _latest(session, actor, slug, name), "json")


@router.get(
    "/releases/{release_id}/rows",
    summary="Rows of one release of a table",
    description=GRAMMAR,
    responses=ERRORS,
)
def release_rows(
    release_id: str, request: Request, session: SessionDep, context: ContextDep, actor: ActorDep
) -> Response:
    return _respond(
        request, context, _found(queries.get_release(session, actor, release_id)), "json"
    )


@router.get(
    "/datasets/{slug}/resources/{name}/facets",
    summary="Value counts of chosen columns under the same filters",
    responses=ERRORS,
)
def latest_facets(
    slug: str,
    name: str,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    actor: ActorDep,
    columns: str = Query(..., description="Comma-separated column names"),
) -> Response:
    found = _latest(session, actor, slug, name)
    release = found.release
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "columns"]
    try:
        query = parse_row_query(params, release.columns)
        names = parse_row_query([("select", columns)], release.columns).select or []
        path = str(context.store.local_path(release.blob_key))
        facets = facet_counts(context.settings, path, release.columns, query, names)
    except QueryError as exc:
        return _error(400, str(exc), "columns" if exc.param == "select" else exc.param)
    except QueryTimeout as exc:
        return _error(408, str(exc), None)
    except QueryBusy as exc:
        return _error(503, str(exc), None, retry_after=2)
    return JSONResponse({"facets": facets, "release": {"id": release.id, "number": release.number}})
