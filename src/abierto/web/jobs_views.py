"""The jobs admin page: every background job with its state, attempts, error and timings.

Site admins only (a job's payload and error name private datasets and files). A failed job
can be retried: it goes back to ``queued`` with one more attempt allowed and is handed to
the queue again; the state change is one conditional UPDATE, so two admins clicking at once
start one attempt, not two.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.jobs.models import STATES, Job
from abierto.web.auth import ActorDep, CsrfDep
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 200
BADGES = {"queued": "", "running": "badge-warn", "done": "badge-ok", "failed": "badge-danger"}


def refuse_non_admins(request: Request, actor: Actor) -> Response | None:
    """A login redirect for visitors, 403 for users who are not site admins, else None."""
    if not actor.is_authenticated:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if not actor.is_site_admin:
        return render(request, "account_forbidden.html", {}, status_code=403)
    return None


def list_jobs(session: Session, state: str | None, limit: int = PAGE_SIZE) -> list[Job]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
    if state is not None:
        query = query.where(Job.state == state)
    return list(session.scalars(query))


def count_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {state: count for state, count in rows}


def duration(job: Job) -> str:
    if job.started_at is None or job.finished_at is None:
        return "—"
    seconds = (job.finished_at - job.started_at).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request, actor: ActorDep, session: SessionDep, state: str = "", notice: str = ""
) -> Response:
    if refused := refuse_non_admins(request, actor):
        return refused
    chosen = state if state in STATES else None
    counts = count_by_state(session)
    context: dict[str, Any] = {
        "jobs": list_jobs(session, chosen),
        "state": chosen,
        "states": STATES,
        "counts": counts,
        "total": sum(counts.values()),
        "badges": BADGES,
        "duration": duration,
        "notice": notice if notice in ("retried", "not_failed") else "",
    }
    return render(request, "jobs_admin.html", context)


def retry_failed(context: AppContext, job_id: str) -> bool:
    """Queue a failed job again with one more attempt; False if it was not failed."""
    with context.db.session() as session:
        changed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "failed")
            .values(state="queued", finished_at=None, max_attempts=Job.attempts + 1)
        ).rowcount
    if changed:
        context.jobs.resubmit(job_id)
    return bool(changed)


@router.post("/admin/jobs/{job_id}/retry", dependencies=[CsrfDep])
def retry_job(
    job_id: str, request: Request, actor: ActorDep, context: ContextDep, state: str = ""
) -> Response:
    if refused := refuse_non_admins(request, actor):
        return refused
    notice = "retried" if retry_failed(context, job_id) else "not_failed"
    params = f"state={state}&" if state in STATES else ""
    return RedirectResponse(f"/admin/jobs?{params}notice={notice}", status_code=303)
