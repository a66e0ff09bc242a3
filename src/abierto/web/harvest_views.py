"""The harvest admin page: remote catalogs this portal copies, their last runs, a form to
add one and a "Run now" button that enqueues a ``harvest.run`` job.

Site admins only, like the jobs page (a source decides what the portal publishes under an
organization's name). Every form carries the CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.catalog.editing import EditError
from abierto.catalog.models import Organization
from abierto.harvest.admin import add_source, list_sources
from abierto.harvest.models import KINDS, HarvestSource
from abierto.harvest.tasks import enqueue_run
from abierto.web.auth import ActorDep, CsrfDep
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.jobs_views import refuse_non_admins
from abierto.web.templating import render

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]
NOTICES = ("added", "queued", "missing")
BADGES = {"running": "badge-warn", "done": "badge-ok", "failed": "badge-danger"}


def _page(
    request: Request,
    session: Session,
    *,
    notice: str = "",
    form: dict[str, str] | None = None,
    errors: dict[str, tuple[str, dict[str, Any]]] | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "rows": list_sources(session),
        "organizations": list(session.scalars(select(Organization).order_by(Organization.name))),
        "kinds": KINDS,
        "badges": BADGES,
        "notice": notice if notice in NOTICES else "",
        "form": form or {"kind": "ckan"},
        "errors": errors or {},
    }
    return render(request, "harvest_admin.html", context, status_code=status_code)


@router.get("/admin/harvest", response_class=HTMLResponse)
def harvest_page(
    request: Request, actor: ActorDep, session: SessionDep, notice: str = ""
) -> Response:
    if refused := refuse_non_admins(request, actor):
        return refused
    return _page(request, session, notice=notice)


@router.post("/admin/harvest", dependencies=[CsrfDep])
def add_harvest_source(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    url: FormText = "",
    kind: FormText = "",
    organization: FormText = "",
    title: FormText = "",
) -> Response:
    if refused := refuse_non_admins(request, actor):
        return refused
    form = {"url": url, "kind": kind, "organization": organization, "title": title}
    org = session.scalar(select(Organization).where(Organization.slug == organization))
    try:
        if org is None:
            raise EditError({"organization": ("publish.error.choice", {})})
        add_source(
            session, url=url, kind=kind, organization=org, title=title, created_by=actor.user_id
        )
    except EditError as exc:
        session.rollback()
        return _page(request, session, form=form, errors=exc.errors, status_code=400)
    session.commit()
    return RedirectResponse("/admin/harvest?notice=added", status_code=303)


@router.post("/admin/harvest/{source_id}/run", dependencies=[CsrfDep])
def run_harvest_source(
    source_id: str,
    request: Request,
    actor: ActorDep,
    context: ContextDep,
    full: FormText = "",
) -> Response:
    if refused := refuse_non_admins(request, actor):
        return refused
    with context.db.session() as session:
        exists = session.get(HarvestSource, source_id) is not None
    if not exists:
        return RedirectResponse("/admin/harvest?notice=missing", status_code=303)
    enqueue_run(context, source_id, full=full in ("on", "1", "true"), created_by=actor.user_id)
    return RedirectResponse("/admin/harvest?notice=queued", status_code=303)
