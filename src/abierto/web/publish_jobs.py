"""Big files in the browser flow: inspected and published by background jobs.

A file over ``settings.background_publish_mb`` is not read inside a request (a 500 MB file
would hold it for minutes). Step 2 enqueues an ``inspect.web`` job (``ingest/tasks.py``)
and shows "analysing…" until its report is there. Step 4 enqueues a ``publish.web`` job
and sends the browser to ``/publish/jobs/{id}``, which says whether the job is queued,
running, done (with a link to the dataset) or failed (with why). Both pages refresh
themselves: a meta refresh without JavaScript, an htmx poll with it.

Only the uploader and site admins see a job's page; anyone else gets a 404, the same as
for a job that does not exist, so job ids reveal nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.catalog.editing import Metadata
from abierto.ingest import staging
from abierto.ingest.staging import StagedUpload
from abierto.ingest.tasks import INSPECT_KIND, JOB_KIND, may_publish, metadata_to_json
from abierto.jobs.models import Job, jobs_keyed
from abierto.web.auth import ActorDep
from abierto.web.deps import ContextDep
from abierto.web.edit_views import forbidden, local_url, redirect, to_login
from abierto.web.templating import render

router = APIRouter(include_in_schema=False)
KEY_PREFIX = f"{JOB_KIND}:"
REFRESH_SECONDS = 3
# How long the report page waits for a fresh inspect job before it says "analysing…".
INSPECT_WAIT_SECONDS = 2.0
# A bad file or a lost right fails a job at once (``NotRetryable``), so the editor sees why;
# a passing failure (the database or storage did not answer) is retried with backoff. A
# worker that dies mid-run is rescued too: the job runs again and completes once.
MAX_ATTEMPTS = 3


def in_background(context: AppContext, upload: StagedUpload) -> bool:
    return upload.size > context.settings.background_publish_mb * 1024 * 1024


# -- step 2: the inspect report --------------------------------------------------------


def inspection(context: AppContext, upload: StagedUpload) -> dict[str, Any] | None:
    """The report of the upload's inspect job: None while it is queued or running.

    The first call enqueues the job (and waits a moment, so a file that is quick to read
    shows its report at once); a job that failed gives an error report naming the error.
    """
    key = f"{INSPECT_KIND}:{upload.id}"
    found = _job_by_key(context, key)
    if found is None:
        job_id = _enqueue_inspection(context, upload, key)
        if context.jobs.wait(job_id, INSPECT_WAIT_SECONDS) not in ("done", "failed"):
            return None
        found = _job_by_key(context, key)
        assert found is not None
    state, result, error = found
    if state == "done" and isinstance(result, dict) and "inspection" in result:
        return result["inspection"]
    if state in ("done", "failed"):
        name = (error or "").split(":", 1)[0].rsplit(".", 1)[-1] or "Error"
        return {"error": {"message": name, "hint": None}}
    return None


def _job_by_key(context: AppContext, key: str) -> tuple[str, Any, str | None] | None:
    """(state, result, error) of the job with ``key``, if there is one."""
    with context.db.session() as session:
        row = session.execute(select(Job.state, Job.result, Job.error).where(Job.key == key))
        found = row.first()
    return (found[0], found[1], found[2]) if found else None


def _enqueue_inspection(context: AppContext, upload: StagedUpload, key: str) -> str:
    staging.keep_blob(context.store, upload)
    payload = {
        "blob_key": upload.blob_key,
        "source_name": upload.filename,
        "dataset_slug": upload.target.dataset_slug,
        "upload_id": upload.id,
    }
    return context.jobs.enqueue(
        INSPECT_KIND, payload, key=key, created_by=upload.owner_id, max_attempts=MAX_ATTEMPTS
    )


# -- step 4: publishing ----------------------------------------------------------------


def start(
    request: Request,
    context: AppContext,
    actor: Actor,
    upload: StagedUpload,
    metadata: Metadata,
    renames: dict[str, str],
) -> Response:
    """Step 4 for a big file: enqueue its publish, send the browser to the job's page."""
    with context.db.session() as session:
        if not may_publish(session, actor, upload.target):
            return forbidden(request)
    job_id = enqueue(context, actor, upload, metadata, renames)
    return redirect(local_url(request, f"/publish/jobs/{job_id}"))


def enqueue(
    context: AppContext,
    actor: Actor,
    upload: StagedUpload,
    metadata: Metadata,
    renames: dict[str, str],
) -> str:
    """The job publishing ``upload``: the one already under way or done (a second click on
    "Publish" does not publish twice), else a new one (the first, or after a failure)."""
    earlier = _jobs_of(context, upload.id)
    current = next((job_id for job_id, state in earlier if state != "failed"), None)
    if current is not None:
        return current
    staging.keep_blob(context.store, upload)
    key = f"{KEY_PREFIX}{upload.id}:{len(earlier)}"
    payload = {
        "job_key": key,
        "upload_id": upload.id,
        "blob_key": upload.blob_key,
        "source_name": upload.filename,
        "source": upload.source_url or upload.filename,
        "size": upload.size,
        "target": dataclasses.asdict(upload.target),
        "metadata": metadata_to_json(metadata),
        "renames": renames,
        "actor_id": actor.user_id,
    }
    return context.jobs.enqueue(
        JOB_KIND, payload, key=key, created_by=actor.user_id, max_attempts=MAX_ATTEMPTS
    )


def _jobs_of(context: AppContext, upload_id: str) -> list[tuple[str, str]]:
    """(id, state) of the publish jobs of one staged upload, oldest first."""
    with context.db.session() as session:
        return jobs_keyed(session, f"{KEY_PREFIX}{upload_id}:")


# -- the status page --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobView:
    """What the status page shows of a job: nothing its viewer may not see."""

    id: str
    state: str
    filename: str
    size: int
    target: dict[str, Any]
    upload_id: str
    created_at: Any
    finished_at: Any
    dataset: str | None = None
    notice: str = "published"
    error: tuple[str, dict[str, Any]] | str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def job_view(job: Job) -> JobView:
    payload, result = job.payload, job.result or {}
    return JobView(
        id=job.id,
        state=job.state,
        filename=str(payload.get("source_name", "")),
        size=int(payload.get("size") or 0),
        target=dict(payload.get("target") or {}),
        upload_id=str(payload.get("upload_id", "")),
        created_at=job.created_at,
        finished_at=job.finished_at,
        dataset=result.get("dataset") if job.state == "done" else None,
        notice="unchanged" if result.get("unchanged") else "published",
        error=explain(job.error) if job.state == "failed" else None,
    )


def explain(error: str | None) -> tuple[str, dict[str, Any]] | str:
    """The stored error as the editor should read it: a message key, or the file's problem.

    Unexpected errors show only their type: their text may hold paths or SQL.
    """
    first = (error or "").splitlines()[0] if error else ""
    kind, _, text = first.partition(": ")
    name = kind.rsplit(".", 1)[-1]
    if name == "PublishRefused" and text.startswith("publish.job.error."):
        return text, {}
    if name == "PublishFailed":
        return text
    if name == "FileNotFoundError":
        return "publish.job.error.missing_file", {}
    return "publish.job.error.unexpected", {"name": name or "?"}


@router.get("/publish/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, actor: ActorDep, context: ContextDep) -> Response:
    if not actor.is_authenticated:
        return redirect(to_login(request))
    with context.db.session() as session:
        job = session.get(Job, job_id[:32])
        if job is None or job.kind != JOB_KIND or not _may_see(actor, job):
            raise HTTPException(status_code=404)
        view, owner = job_view(job), job.created_by
    if view.state == "done":
        _discard_staged(context, view.upload_id, owner)
    page = {"job": view, "refresh": REFRESH_SECONDS}
    partial = bool(request.headers.get("HX-Request"))
    return render(request, "publish_job_status.html" if partial else "publish_job.html", page)


def _may_see(actor: Actor, job: Job) -> bool:
    return actor.is_site_admin or (job.created_by is not None and job.created_by == actor.user_id)


def _discard_staged(context: AppContext, upload_id: str, owner: str | None) -> None:
    """Once published, the staged upload is of no more use, here or on any machine."""
    upload = staging.load(context.settings, upload_id, owner, context.store)
    if upload is not None:
        staging.discard(upload, context.store)
