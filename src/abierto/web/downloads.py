"""Downloads of a whole release: ``data.parquet`` (the release file itself) and ``data.csv``,
``.json``, ``.ndjson``, ``.xlsx``, ``.geojson`` exported on the fly by ``query.exports`` — the
same exporters as the data API's ``rows.{format}``. ``?release=N`` picks an earlier release.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from abierto.query.exports import FORMATS
from abierto.web import queries
from abierto.web.api_rows import (
    cache_headers,
    error,
    export_response,
    filename,
    guarded,
    not_modified,
)
from abierto.web.auth import ActorDep
from abierto.web.deps import ContextDep, SessionDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["downloads"])
ReleaseNumber = Query(None, ge=1, description="A release number; the latest when absent")
PATH = "/datasets/{slug}/resources/{resource_name}/data.{fmt}"


@router.get(
    PATH,
    summary="Download a whole release: csv, parquet, json, ndjson, xlsx or geojson",
    responses={
        200: {"description": "The file, streamed"},
        304: {"description": "Not modified"},
        400: {"description": "Unknown format, or no point column for geojson"},
        404: {"description": "No such table, release, or not readable by the caller"},
    },
)
def download(
    slug: str,
    resource_name: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    actor: ActorDep,
    release: int | None = ReleaseNumber,
) -> Response:
    found = queries.find_release(session, actor, slug, resource_name, release)
    if found is None:
        raise HTTPException(status_code=404)
    if fmt not in FORMATS:
        return error(400, f"unknown format .{fmt}; use one of {', '.join(FORMATS)}", "format")
    headers = cache_headers(request, found, fmt)
    if not_modified(request, headers):
        return Response(status_code=304, headers=headers)
    if fmt == "parquet":  # the release file is already the Parquet download
        path = context.store.local_path(found.release.blob_key)
        if not path.is_file():
            log.error("release %s: file %s is missing", found.release.id, found.release.blob_key)
            raise HTTPException(status_code=500, detail="release file missing")
        return FileResponse(
            path,
            media_type=FORMATS["parquet"].media_type,
            filename=filename(found, "parquet"),
            headers=headers,
        )
    return guarded(
        lambda: export_response(request, context, found, fmt, headers, disposition="attachment")
    )


# HEAD for link checkers and download managers, without a second OpenAPI operation.
router.add_api_route(PATH, download, methods=["HEAD"], include_in_schema=False)
