"""Downloads of a release: the Parquet file itself, or a CSV exported on the fly."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.catalog.services import slugify
from abierto.web import queries
from abierto.web.auth import ActorDep
from abierto.web.data import export_csv, stream_and_remove
from abierto.web.deps import ContextDep, SessionDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["downloads"])
PARQUET_TYPE = "application/vnd.apache.parquet"
ReleaseNumber = Query(None, ge=1, description="A release number; the latest when absent")


def _release_file(
    context: AppContext,
    session: Session,
    actor: Actor,
    slug: str,
    resource_name: str,
    number: int | None,
) -> tuple[queries.ResourceRelease, Path]:
    found = queries.find_release(session, actor, slug, resource_name, number)
    if found is None:
        raise HTTPException(status_code=404)
    path = context.store.local_path(found.release.blob_key)
    if not path.is_file():
        log.error("release %s: file %s is missing", found.release.id, found.release.blob_key)
        raise HTTPException(status_code=500, detail="release file missing")
    return found, path


def _filename(found: queries.ResourceRelease, extension: str) -> str:
    name = slugify(found.resource.name)
    return f"{found.dataset.slug}-{name}-v{found.release.number}.{extension}"


@router.get(
    "/datasets/{slug}/resources/{resource_name}/data.parquet",
    response_class=FileResponse,
    summary="Download a release as Parquet",
)
def download_parquet(
    slug: str,
    resource_name: str,
    session: SessionDep,
    context: ContextDep,
    actor: ActorDep,
    release: int | None = ReleaseNumber,
) -> FileResponse:
    found, path = _release_file(context, session, actor, slug, resource_name, release)
    return FileResponse(path, media_type=PARQUET_TYPE, filename=_filename(found, "parquet"))


@router.get(
    "/datasets/{slug}/resources/{resource_name}/data.csv",
    response_class=StreamingResponse,
    summary="Download a release as CSV (UTF-8, with a header row)",
)
def download_csv(
    slug: str,
    resource_name: str,
    session: SessionDep,
    context: ContextDep,
    actor: ActorDep,
    release: int | None = ReleaseNumber,
) -> StreamingResponse:
    found, path = _release_file(context, session, actor, slug, resource_name, release)
    exported = export_csv(context.settings, path, found.release.columns)
    chunks, size = stream_and_remove(exported)
    disposition = f'attachment; filename="{_filename(found, "csv")}"'
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Content-Length": str(size)},
    )


# HEAD for link checkers and download managers, without a second OpenAPI operation.
for _path, _endpoint in (
    ("/datasets/{slug}/resources/{resource_name}/data.parquet", download_parquet),
    ("/datasets/{slug}/resources/{resource_name}/data.csv", download_csv),
):
    router.add_api_route(_path, _endpoint, methods=["HEAD"], include_in_schema=False)
