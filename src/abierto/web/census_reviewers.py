"""Reviewers: the queue of submissions waiting for the caller, asking to become a reviewer
(of a place, a dataset type or the whole edition) and the site admins' approval page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.census import permissions, workflow
from abierto.census.models import Census, Place, Reviewer, Submission
from abierto.census.workflow import CensusError
from abierto.web.auth import ActorDep, CsrfDep
from abierto.web.census_common import (
    census_or_404,
    current_user,
    page,
    place_or_404,
    refused,
    type_or_404,
    user_names,
)
from abierto.web.deps import ContextDep
from abierto.web.edit_views import local_url, redirect

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]


def _to_login(request: Request, path: str) -> Response:
    return redirect(local_url(request, "/login", next=path))


def _scopes(session: Session, census: Census, claims: list[Reviewer]) -> list[dict[str, Any]]:
    """Each claim with its user, place and dataset type, for the pages."""
    people = user_names(session, [c.user_id for c in claims])
    types = {t.id: t for t in census.dataset_types}
    return [
        {
            "claim": c,
            "user": people.get(c.user_id),
            "place": session.get(Place, c.place_id) if c.place_id else None,
            "dataset_type": types.get(c.dataset_type_id or ""),
        }
        for c in claims
    ]


def _claims(session: Session, census: Census, **where: Any) -> list[Reviewer]:
    query = select(Reviewer).where(Reviewer.census_id == census.id).order_by(Reviewer.created_at)
    for name, value in where.items():
        query = query.where(getattr(Reviewer, name) == value)
    return list(session.scalars(query))


# -- the queue ------------------------------------------------------------------------------


@router.get("/census/{slug}/queue", response_class=HTMLResponse)
def queue_page(request: Request, slug: str, context: ContextDep, actor: ActorDep) -> Response:
    """Pending submissions the caller may review, oldest first (never their own)."""
    if not actor.is_authenticated:
        return _to_login(request, request.url.path)
    with context.db.session() as session:
        census = census_or_404(session, slug)
        user = current_user(session, actor)
        if user is None:
            return _to_login(request, request.url.path)
        waiting = session.scalars(
            select(Submission)
            .where(Submission.census_id == census.id, Submission.status == "pending")
            .order_by(Submission.created_at)
        ).all()
        mine = [
            s
            for s in waiting
            if s.user_id != user.id
            and permissions.can_review(session, user, census.id, s.place_id, s.dataset_type_id)
        ]
        items = [_queue_item(session, census, s) for s in mine]
        people = user_names(session, [s.user_id for s in mine])
        scopes = _scopes(session, census, _claims(session, census, user_id=user.id))
        context_ = {"census": census, "items": items, "people": people, "scopes": scopes}
        return page(request, "census_queue.html", context_)


def _queue_item(session: Session, census: Census, submission: Submission) -> dict[str, Any]:
    place = session.get(Place, submission.place_id)
    dataset_type = next(t for t in census.dataset_types if t.id == submission.dataset_type_id)
    assert place is not None
    return {
        "submission": submission,
        "place": place,
        "dataset_type": dataset_type,
        "path": workflow.entry_path(census, place, dataset_type),
    }


# -- asking to review -----------------------------------------------------------------------


@router.post("/census/{slug}/reviewers/request", dependencies=[CsrfDep])
def request_reviewer(
    request: Request,
    slug: str,
    context: ContextDep,
    actor: ActorDep,
    place: FormText = "",
    dataset_type: FormText = "",
) -> Response:
    """Ask to review a place (``place`` = its key), a dataset type, or the whole edition."""
    back = f"/census/{slug}"
    if place:
        back += f"/places/{place}"
    elif dataset_type:
        back += f"/types/{dataset_type}"
    if not actor.is_authenticated:
        return _to_login(request, back)
    with context.db.session() as session:
        census = census_or_404(session, slug)
        user = current_user(session, actor)
        if user is None:
            return _to_login(request, back)
        workflow.request_reviewer(
            session,
            census,
            user,
            place=place_or_404(session, census, place) if place else None,
            dataset_type=type_or_404(census, dataset_type) if dataset_type else None,
        )
    return redirect(local_url(request, back, notice="requested"))


# -- approving reviewers (site admins) -----------------------------------------------------------


@router.get("/census/{slug}/reviewers", response_class=HTMLResponse)
def reviewers_page(request: Request, slug: str, context: ContextDep, actor: ActorDep) -> Response:
    if not actor.is_authenticated:
        return _to_login(request, request.url.path)
    with context.db.session() as session:
        census = census_or_404(session, slug)
        if not actor.is_site_admin:
            error = CensusError("census.error.admin", "only a site admin approves reviewers")
            return refused(request, error, back=f"/census/{slug}")
        requests = _scopes(session, census, _claims(session, census, approved=False))
        approved = _scopes(session, census, _claims(session, census, approved=True))
        context_ = {"census": census, "requests": requests, "approved": approved}
        return page(request, "census_reviewers.html", context_)


@router.post("/census/{slug}/reviewers/{claim_id}/approve", dependencies=[CsrfDep])
def approve_reviewer(
    request: Request, slug: str, claim_id: str, context: ContextDep, actor: ActorDep
) -> Response:
    back = f"/census/{slug}/reviewers"
    if not actor.is_authenticated:
        return _to_login(request, back)
    try:
        with context.db.session() as session:
            census = census_or_404(session, slug)
            claim = session.get(Reviewer, claim_id)
            user = current_user(session, actor)
            if claim is None or claim.census_id != census.id or user is None:
                raise HTTPException(status_code=404)
            workflow.approve_reviewer(session, claim, user)
    except CensusError as exc:
        return refused(request, exc, back=f"/census/{slug}")
    return redirect(local_url(request, back, notice="approved"))
