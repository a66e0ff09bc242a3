"""The data API: rows, facets and exports of a table's release.

``/api/v1/datasets/{slug}/resources/{name}/rows`` reads the latest release,
``/api/v1/releases/{id}/rows`` any release; the grammar is in ``query.rows``. ``format=`` or an
extension (``rows.csv``) picks CSV, NDJSON, XLSX, Parquet or GeoJSON, streamed from
``query.exports``. Responses carry an ETag (the release checksum and the normalised query) and
Last-Modified, so clients revalidate cheaply; JSON and text formats are gzipped on request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib
import json
import logging
import math
from pathlib import Path
from typing import Any

import duckdb
import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.catalog.services import slugify
from abierto.query import export_cache
from abierto.query.engine import QueryBusy, QueryTimeout, engine_for, facet_counts, run_rows
from abierto.query.exports import FORMATS, export, gzip_chunks, stream_file
from abierto.query.rows import QueryError, RowsResult, parse_row_query
from abierto.web import queries
from abierto.web.auth import ActorDep
from abierto.web.deps import ContextDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["data"])
ROW_FORMATS = ("json", *FORMATS)
GZIP_MIN_BYTES = 1024
# A 100-row page (~25 KB of JSON): level 3 takes 0.08 ms of CPU and 8 % more bytes than
# level 5 (0.24 ms), a tenth of a page served from memory.
GZIP_LEVEL = 3
ERRORS: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match or If-Modified-Since matched)"},
    400: {"description": "A parameter is not valid; `param` names it"},
    404: {"description": "No such table, or not readable by the caller"},
    408: {"description": "The query took longer than the time limit"},
    503: {"description": "Too many queries at once; retry after `Retry-After` seconds"},
}
# ``format=`` (or the extension) picks any of these for the rows endpoints.
ROWS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows, as JSON or as the file format asked for",
        "content": {spec.media_type.split(";")[0]: {} for spec in FORMATS.values()},
    },
    **ERRORS,
}
GRAMMAR = (
    "Filters: `col=value`, `col__gt|gte|lt|lte|ne|in|contains|startswith|isnull=…`; `q` "
    "(accent-insensitive text search); `select=a,b`; `order=-a,b`; `limit` (≤ 10,000 for "
    "JSON; exports have every row unless limited), `offset`, `cursor` (from `next_cursor`); "
    "`group_by=a` with `count`, `sum=col`, `avg=col`, `min=col`, `max=col`, `distinct=col`; "
    "`include_total=true`; `format=json|csv|ndjson|xlsx|parquet|geojson` (or `rows.csv`, …); "
    "`shape=objects` for rows as objects. See docs/api.md."
)


# -- shared with the download URLs --------------------------------------------------------


def error(status: int, message: str, param: str | None, retry_after: int | None = None) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    body = json.dumps({"detail": message, "param": param}, ensure_ascii=False)
    return Response(body, status, headers=headers, media_type="application/json")


def cache_headers(request: Request, found: queries.TableRelease, fmt: str) -> dict[str, str]:
    """ETag (release checksum + format + sorted query) and Last-Modified of a response;
    shared caches may keep public tables only."""
    release, public = found.release, found.public
    pairs = sorted(request.query_params.multi_items())
    digest = hashlib.sha256(f"{release.checksum}\n{fmt}\n{pairs!r}".encode()).hexdigest()
    modified = release.created_at.replace(tzinfo=dt.UTC)
    return {
        "ETag": f'W/"{digest[:32]}"',
        "Last-Modified": email.utils.format_datetime(modified, usegmt=True),
        "Cache-Control": "no-cache" if public else "private, no-cache",
        "Vary": "Accept-Encoding",
    }


def not_modified(request: Request, headers: dict[str, str]) -> bool:
    """Whether the client's copy is current (If-None-Match first, else If-Modified-Since)."""
    if match := request.headers.get("if-none-match"):
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or headers["ETag"].removeprefix("W/") in tags
    if since := request.headers.get("if-modified-since"):
        try:
            client = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        ours = email.utils.parsedate_to_datetime(headers["Last-Modified"])
        return client.tzinfo is not None and ours <= client
    return False


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, q = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return q.strip().replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def json_body(document: Any) -> bytes:
    """Compact UTF-8 JSON, floats that are not finite as null (orjson: a 100-row page in 0.01
    ms instead of 0.13). Integers beyond 64 bits, which only a sum can reach, go through the
    standard library, which writes them exactly."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        return json.dumps(_finite(document), ensure_ascii=False, separators=(",", ":")).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def json_response(request: Request, document: Any, headers: dict[str, str]) -> Response:
    body = json_body(document)
    headers = dict(headers)
    if len(body) >= GZIP_MIN_BYTES and accepts_gzip(request):
        body = gzip.compress(body, GZIP_LEVEL)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


def export_response(
    request: Request,
    context: AppContext,
    found: queries.TableRelease,
    fmt: str,
    headers: dict[str, str],
    disposition: str = "inline",
) -> Response:
    """Stream what the request's parameters select from ``found`` as ``fmt``."""
    release = found.release
    query = parse_row_query(request.query_params, release.columns, export=True)
    path = _path(context, release)
    engine = engine_for(context.settings)
    spec = FORMATS[fmt]
    gzipped = spec.compressible and accepts_gzip(request)
    attachment = f'{disposition}; filename="{filename(found, fmt)}"'
    headers = {**headers, "Content-Disposition": attachment}
    if gzipped:
        headers["Content-Encoding"] = "gzip"

    def make() -> Path:
        return export(engine, path, release.columns, query, fmt, release.schema)

    if export_cache.is_whole(query):  # the same file for every download of this release
        kept = export_cache.cached(context.settings, release.checksum, fmt, gzipped, make)
        chunks, size = export_cache.read_file(kept)
    else:
        chunks, size = stream_file(make())
        if gzipped:
            body = gzip_chunks(chunks)
            return StreamingResponse(body, media_type=spec.media_type, headers=headers)
    headers["Content-Length"] = str(size)
    return StreamingResponse(chunks, media_type=spec.media_type, headers=headers)


def filename(found: queries.TableRelease, extension: str) -> str:
    name = slugify(found.resource_name)
    return f"{found.dataset_slug}-{name}-v{found.release.number}.{extension}"


def guarded(run: Any) -> Response:
    """``run()``, with the query errors every data endpoint maps the same way."""
    try:
        return run()
    except QueryError as exc:
        return error(400, str(exc), exc.param)
    except QueryTimeout as exc:
        return error(408, f"{exc}: add filters or a smaller limit", None)
    except QueryBusy as exc:
        return error(503, str(exc), None, retry_after=2)
    except duckdb.Error:
        log.exception("data API query failed")
        return error(500, "the query could not be run", None)


def _path(context: AppContext, release: Release) -> str:
    path = context.store.local_path(release.blob_key)
    if not path.is_file():
        log.error("release %s: file %s is missing", release.id, release.blob_key)
        raise HTTPException(status_code=500, detail="release file missing")
    return str(path)


# -- rows and facets ----------------------------------------------------------------------


def _found(found: queries.TableRelease | None) -> queries.TableRelease:
    if found is None:
        raise HTTPException(status_code=404, detail="table not found")
    return found


# The lookups open their own short session (loaded rows stay readable after it): two thread
# hops fewer per request than a session dependency, and no connection held during a query.


def _latest(context: AppContext, actor: Actor, slug: str, name: str) -> queries.TableRelease:
    with context.db.session() as session:
        return _found(queries.find_release(session, actor, slug, name))


def _by_id(context: AppContext, actor: Actor, release_id: str) -> queries.TableRelease:
    with context.db.session() as session:
        return _found(queries.find_release_by_id(session, actor, release_id))


def _rows(
    request: Request, context: AppContext, found: queries.TableRelease, ext: str | None
) -> Response:
    fmt = ext or request.query_params.get("format") or "json"
    if fmt not in ROW_FORMATS:
        return error(400, f"unknown format {fmt!r}; use one of {', '.join(ROW_FORMATS)}", "format")
    headers = cache_headers(request, found, fmt)
    if not_modified(request, headers):
        return Response(status_code=304, headers=headers)
    if fmt != "json":
        return guarded(lambda: export_response(request, context, found, fmt, headers))
    return guarded(lambda: _rows_json(request, context, found, headers))


def _rows_json(
    request: Request, context: AppContext, found: queries.TableRelease, headers: dict[str, str]
) -> Response:
    release = found.release
    query = parse_row_query(request.query_params, release.columns)
    result = run_rows(engine_for(context.settings), _path(context, release), release.columns, query)
    shape = request.query_params.get("shape", "arrays")
    if shape not in ("arrays", "objects"):
        raise QueryError(f"shape must be arrays or objects, not {shape!r}", "shape")
    document = {
        "fields": result.fields,
        "rows": _shaped(result, shape == "objects"),
        "total": result.total,
        "next_cursor": result.next_cursor,
        "release": {"id": release.id, "number": release.number},
    }
    return json_response(request, document, headers)


def _shaped(result: RowsResult, objects: bool) -> list[Any]:
    if not objects:
        return result.rows
    names = [f["name"] for f in result.fields]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def _facets(
    request: Request, context: AppContext, found: queries.TableRelease, columns: str
) -> Response:
    release = found.release
    headers = cache_headers(request, found, "facets")
    if not_modified(request, headers):
        return Response(status_code=304, headers=headers)

    def run() -> Response:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "columns"]
        query = parse_row_query(params, release.columns)
        try:
            names = parse_row_query([("select", columns)], release.columns).select or []
        except QueryError as exc:
            raise QueryError(str(exc).replace("in select", "in columns"), "columns") from None
        path = _path(context, release)
        facets = facet_counts(engine_for(context.settings), path, release.columns, query, names)
        document = {"facets": facets, "release": {"id": release.id, "number": release.number}}
        return json_response(request, document, headers)

    return guarded(run)


COLUMNS = Query(..., description="Comma-separated column names")


@router.get(
    "/datasets/{slug}/resources/{name}/rows",
    summary="Rows of the latest release of a table",
    description=GRAMMAR,
    responses=ROWS_RESPONSES,
)
def latest_rows(
    slug: str,
    name: str,
    request: Request,
    context: ContextDep,
    actor: ActorDep,
) -> Response:
    return _rows(request, context, _latest(context, actor, slug, name), None)


@router.get(
    "/datasets/{slug}/resources/{name}/rows.{ext}",
    summary="Rows of the latest release of a table, as a file",
    description=GRAMMAR,
    responses=ROWS_RESPONSES,
)
def latest_rows_file(
    slug: str,
    name: str,
    ext: str,
    request: Request,
    context: ContextDep,
    actor: ActorDep,
) -> Response:
    return _rows(request, context, _latest(context, actor, slug, name), ext)


@router.get(
    "/releases/{release_id}/rows",
    summary="Rows of one release of a table",
    description=GRAMMAR,
    responses=ROWS_RESPONSES,
)
def release_rows(
    release_id: str, request: Request, context: ContextDep, actor: ActorDep
) -> Response:
    return _rows(request, context, _by_id(context, actor, release_id), None)


@router.get(
    "/releases/{release_id}/rows.{ext}",
    summary="Rows of one release of a table, as a file",
    description=GRAMMAR,
    responses=ROWS_RESPONSES,
)
def release_rows_file(
    release_id: str,
    ext: str,
    request: Request,
    context: ContextDep,
    actor: ActorDep,
) -> Response:
    return _rows(request, context, _by_id(context, actor, release_id), ext)


@router.get(
    "/datasets/{slug}/resources/{name}/facets",
    summary="The 50 most frequent values of chosen columns under the same filters",
    responses=ERRORS,
)
def latest_facets(
    slug: str,
    name: str,
    request: Request,
    context: ContextDep,
    actor: ActorDep,
    columns: str = COLUMNS,
) -> Response:
    return _facets(request, context, _latest(context, actor, slug, name), columns)


@router.get(
    "/releases/{release_id}/facets",
    summary="The 50 most frequent values of chosen columns of one release",
    responses=ERRORS,
)
def release_facets(
    release_id: str,
    request: Request,
    context: ContextDep,
    actor: ActorDep,
    columns: str = COLUMNS,
) -> Response:
    return _facets(request, context, _by_id(context, actor, release_id), columns)
