"""Publishing from the browser, in four steps, for editors of an organization.

1. ``GET /publish``: choose the organization and an existing or a new dataset, upload a
   file or give a URL (``POST /publish/upload`` streams it into a staged upload).
2. ``GET /publish/{id}``: the inspect report per table (detections, errors, profile) and
   the schema diff against the last release, whose rename suggestions the editor confirms.
3. ``GET /publish/{id}/metadata``: the dataset's metadata, prefilled.
4. ``POST /publish/{id}``: publish and apply the metadata in one transaction.

Nothing in the catalog changes before step 4 succeeds; the staged upload is deleted after
it, and abandoned ones expire (``ingest.staging``). A small file is published inside the
request; one over ``settings.background_publish_mb`` is inspected (step 2) and published
(step 4) by background jobs, whose progress the browser follows (``web.publish_jobs``).
Both paths run the same ``ingest.tasks`` functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from abierto.accounts.permissions import Action, Actor, can
from abierto.app_context import AppContext
from abierto.catalog.editing import (
    EditError,
    Metadata,
    metadata_of,
    read_metadata,
)
from abierto.catalog.models import Dataset, Organization
from abierto.catalog.services import dataset_by_slug
from abierto.ingest import staging
from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.staging import MultipartUpload, StagedUpload, StagingError, Target
from abierto.ingest.tasks import PublishRefused, inspect_upload, publish_to_target
from abierto.web import publish_jobs
from abierto.web.auth import ActorDep, CsrfDep, csrf_protect, get_login
from abierto.web.deps import ContextDep, get_context
from abierto.web.edit_views import (
    error_texts,
    forbidden,
    form_values,
    local_url,
    metadata_choices,
    redirect,
    to_login,
)
from abierto.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
# The status page of background publishes, ahead of the ``/publish/{upload_id}/…`` routes.
router.include_router(publish_jobs.router)
LISTED_ERRORS = 20


# -- who may publish where --------------------------------------------------------------


def publishable_organizations(session: Session, actor: Actor) -> list[Organization]:
    query = select(Organization).order_by(Organization.name)
    if not actor.is_site_admin:
        query = query.where(Organization.id.in_(actor.organizations_with("member")))
    orgs = session.scalars(query)
    return [o for o in orgs if can(actor, Action.CREATE_DATASET, organization_id=o.id)]


def editable_datasets(session: Session, actor: Actor, orgs: list[Organization]) -> list[Dataset]:
    datasets = session.scalars(
        select(Dataset)
        .where(Dataset.organization_id.in_([o.id for o in orgs]))
        .order_by(Dataset.title)
    )
    return [d for d in datasets if can(actor, Action.EDIT, d)]


def _require_user(request: Request, actor: Actor) -> None:
    if not actor.is_authenticated:
        raise HTTPException(status_code=303, headers={"Location": to_login(request)})


# -- step 1: choose and upload ----------------------------------------------------------


@router.get("/publish", response_class=HTMLResponse)
def start(
    request: Request, actor: ActorDep, context: ContextDep, dataset: str | None = None
) -> Response:
    if not actor.is_authenticated:
        return redirect(to_login(request))
    with context.db.session() as session:
        orgs = publishable_organizations(session, actor)
        if not orgs:
            return forbidden(request)
        datasets = editable_datasets(session, actor, orgs)
        return _start_page(request, orgs, datasets, {"dataset": dataset or ""})


def _start_page(
    request: Request,
    orgs: list[Organization],
    datasets: list[Dataset],
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "orgs": orgs,
        "datasets": datasets,
        "values": values,
        "error": error,
        "max_mb": get_context(request).settings.max_upload_mb,
    }
    return render(request, "publish_start.html", context, status_code=status)


@dataclass(slots=True)
class Received:
    upload: MultipartUpload
    error: StagingError | None = None


async def receive_upload(request: Request, actor: ActorDep) -> Received:
    """Stream the multipart body: the file straight into a staged folder, the rest as fields.

    Listed before ``CsrfDep``, which then reads the fields parsed here; it checks CSRF
    itself too, so that a forged request leaves no file behind.
    """
    _require_user(request, actor)
    settings = get_context(request).settings
    received = Received(MultipartUpload())
    declared = request.headers.get("content-length", "")
    hard_limit = staging.BODY_LIMIT_FACTOR * staging.limit_bytes(settings)
    if declared.isdigit() and int(declared) > hard_limit:
        raise HTTPException(status_code=413, detail=f"over {settings.max_upload_mb} MB")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/"):  # a URL only, sent by a script
        form = await request.form(max_files=0)
        received.upload.fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    else:
        try:
            received.upload = await staging.receive_multipart(
                settings, content_type, request.stream()
            )
            received.error = received.upload.error
        except StagingError as exc:
            received.error = exc
        # Starlette reads a request's form once and keeps it here; CsrfDep finds it.
        request._form = FormData(received.upload.fields)
    try:
        await csrf_protect(request, get_login(request))
    except HTTPException:
        if received.upload.receiver is not None:
            received.upload.receiver.abort()
        raise
    return received


@router.post("/publish/upload", dependencies=[Depends(receive_upload), CsrfDep])
def upload(
    request: Request,
    actor: ActorDep,
    context: ContextDep,
    received: Annotated[Received, Depends(receive_upload)],
) -> Response:
    receiver = received.upload.receiver
    values = {k: received.upload.get(k) for k in ("organization", "dataset", "title", "url")}
    try:
        if received.error is not None:
            raise received.error
        with context.db.session() as session:
            orgs = publishable_organizations(session, actor)
            target = _target(session, actor, values) if orgs else None
        if target is None:
            if receiver is not None:
                receiver.abort()
            return forbidden(request)
        upload = _stage(context, actor, target, values["url"], receiver)
    except StagingError as exc:
        if receiver is not None:
            receiver.abort()
        return _start_error(request, context, actor, values, exc)
    except BaseException:
        if receiver is not None:
            receiver.abort()
        raise
    return redirect(local_url(request, f"/publish/{upload.id}"))


def _start_error(
    request: Request, context: AppContext, actor: Actor, values: dict[str, Any], exc: StagingError
) -> HTMLResponse:
    text = error_texts(request, {"": (exc.code, exc.values)})[""]
    with context.db.session() as session:
        orgs = publishable_organizations(session, actor)
        datasets = editable_datasets(session, actor, orgs)
        return _start_page(request, orgs, datasets, values, text, status=400)


def _target(session: Session, actor: Actor, values: dict[str, str]) -> Target:
    if values["dataset"]:
        dataset = dataset_by_slug(session, values["dataset"])
        if dataset is None or not can(actor, Action.EDIT, dataset):
            raise StagingError("publish.error.dataset")
        org = dataset.organization
        return Target(org.id, org.slug, dataset.slug)
    org = session.get(Organization, values["organization"] or "")
    if org is None or not can(actor, Action.CREATE_DATASET, organization_id=org.id):
        raise StagingError("publish.error.organization")
    title = " ".join(values["title"].split())
    if not title:
        raise StagingError("publish.error.title")
    return Target(org.id, org.slug, None, title[:300])


def _stage(
    context: AppContext,
    actor: Actor,
    target: Target,
    url: str,
    receiver: staging.Receiver | None,
) -> StagedUpload:
    assert actor.user_id is not None
    staging.expire(context.settings)
    if receiver is not None:
        upload = receiver.finish(actor.user_id, target)
    elif url.strip():
        upload = staging.fetch(context.settings, url, actor.user_id, target)
    else:
        raise StagingError("publish.error.no_file")
    staging.share(context.store, upload)  # readable by a worker on any machine
    return upload


# -- step 2: the inspect report ---------------------------------------------------------


def _staged(request: Request, context: AppContext, actor: Actor, upload_id: str) -> StagedUpload:
    _require_user(request, actor)
    upload = staging.load(context.settings, upload_id, actor.user_id, context.store)
    if upload is None:
        raise HTTPException(status_code=404)
    return upload


@router.get("/publish/{upload_id}", response_class=HTMLResponse)
def report(request: Request, upload_id: str, actor: ActorDep, context: ContextDep) -> Response:
    upload = _staged(request, context, actor, upload_id)
    inspection = inspect_staged(context, upload)
    if inspection is not None and request.headers.get("HX-Request"):
        # htmx polled the "analysing…" block: the report is ready, show the whole page.
        return Response(headers={"HX-Refresh": "true"})
    page = {
        "upload": upload,
        "inspection": inspection,
        "listed_errors": LISTED_ERRORS,
        "refresh": publish_jobs.REFRESH_SECONDS,
    }
    status = 200 if inspection is None or inspection.get("error") is None else 422
    return render(request, "publish_report.html", page, status_code=status)


def inspect_staged(context: AppContext, upload: StagedUpload) -> dict[str, Any] | None:
    """The inspect report of a staged file, computed once and kept next to it.

    A big file is inspected by a background job: None until the job has finished.
    """
    cached = upload.read_cache("inspect")
    if cached is not None:
        return cached
    if publish_jobs.in_background(context, upload):
        result = publish_jobs.inspection(context, upload)
    else:
        path = staging.local_file(context.store, upload)
        result = inspect_upload(context, path, upload.target.dataset_slug)
    if result is not None:
        upload.write_cache("inspect", result)
    return result


def suggested_renames(inspection: dict[str, Any]) -> dict[str, str]:
    """new name → earlier name, for every rename the diff suggests."""
    return {
        change["new"]: change["old"]
        for table in inspection.get("tables", [])
        for change in (table.get("diff") or {}).get("changes", [])
        if change["kind"] == "renamed"
    }


@router.post("/publish/{upload_id}/cancel", dependencies=[CsrfDep])
def cancel(request: Request, upload_id: str, actor: ActorDep, context: ContextDep) -> Response:
    staging.discard(_staged(request, context, actor, upload_id), context.store)
    return redirect(local_url(request, "/publish"))


# -- step 3: metadata -------------------------------------------------------------------


@router.get("/publish/{upload_id}/metadata", response_class=HTMLResponse)
def metadata_form(
    request: Request, upload_id: str, actor: ActorDep, context: ContextDep
) -> Response:
    upload = _staged(request, context, actor, upload_id)
    inspection = inspect_staged(context, upload)
    if inspection is None or inspection.get("error") is not None:
        return redirect(local_url(request, f"/publish/{upload.id}"))
    renames = _renames(request.query_params.getlist("rename"), inspection)
    with context.db.session() as session:
        dataset = dataset_by_slug(session, upload.target.dataset_slug or "")
        metadata = (
            metadata_of(dataset) if dataset else Metadata(title=upload.target.new_title or "")
        )
        return _metadata_page(request, session, upload, metadata, renames)


def _renames(values: list[str], inspection: dict[str, Any]) -> dict[str, str]:
    """The confirmed renames ("new=old"), keeping only pairs the diff suggested."""
    suggested = suggested_renames(inspection)
    pairs = (v.split("=", 1) for v in values if "=" in v)
    return {new: old for new, old in pairs if suggested.get(new) == old}


def _metadata_page(
    request: Request,
    session: Session,
    upload: StagedUpload,
    metadata: Metadata,
    renames: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    page = {
        "upload": upload,
        "m": metadata,
        "renames": renames,
        "errors": errors or {},
        **metadata_choices(session),
    }
    return render(request, "publish_metadata.html", page, status_code=status)


# -- step 4: publish --------------------------------------------------------------------


@router.post("/publish/{upload_id}", dependencies=[CsrfDep])
async def publish_upload(
    request: Request, upload_id: str, actor: ActorDep, context: ContextDep
) -> Response:
    form = await form_values(request)
    return await run_in_threadpool(_publish_upload, request, upload_id, actor, context, form)


def _publish_upload(
    request: Request, upload_id: str, actor: Actor, context: AppContext, form: dict[str, Any]
) -> Response:
    upload = _staged(request, context, actor, upload_id)
    inspection = inspect_staged(context, upload)
    if inspection is None:  # still being analysed in the background
        return redirect(local_url(request, f"/publish/{upload.id}"))
    renames = _renames(form.get("rename") or [], inspection)
    metadata, problems = read_metadata(form)
    if problems:
        return _metadata_errors(request, context, upload, metadata, renames, problems)
    if publish_jobs.in_background(context, upload):
        return publish_jobs.start(request, context, actor, upload, metadata, renames)
    return _publish_now(request, context, actor, upload, metadata, renames)


def _metadata_errors(
    request: Request,
    context: AppContext,
    upload: StagedUpload,
    metadata: Metadata,
    renames: dict[str, str],
    problems: dict[str, tuple[str, dict[str, Any]]],
) -> HTMLResponse:
    with context.db.session() as session:
        errors = error_texts(request, problems)
        return _metadata_page(request, session, upload, metadata, renames, errors, 400)


def _publish_now(
    request: Request,
    context: AppContext,
    actor: Actor,
    upload: StagedUpload,
    metadata: Metadata,
    renames: dict[str, str],
) -> Response:
    """Step 4 for a small file: publish inside the request, then show the dataset."""
    source = upload.source_url or upload.filename
    try:
        path = staging.local_file(context.store, upload)
        with context.db.session() as session:
            result = publish_to_target(
                session, context, actor, path, upload.target, metadata, renames, source
            )
            slug = result.dataset.slug
    except EditError as exc:
        return _metadata_errors(request, context, upload, metadata, renames, exc.errors)
    except PublishRefused:
        return forbidden(request)
    except (UnreadableFileError, duckdb.Error, OSError) as exc:
        log.warning("publishing staged upload %s failed: %s", upload.id, exc)
        message = exc.message if isinstance(exc, UnreadableFileError) else type(exc).__name__
        page = {"upload": upload, "message": message}
        return render(request, "publish_failed.html", page, status_code=422)
    staging.discard(upload, context.store)
    notice = "unchanged" if result.unchanged else "published"
    return redirect(local_url(request, f"/datasets/{slug}", notice=notice))
