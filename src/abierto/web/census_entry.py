"""The entry page (``workflow.entry_path``): current answers, evidence, history, reviews,
the government's confirmation and the discussion; and the actions taken from it.

- Reviewers accept, reject or ask for changes on the pending submission.
- Officials of the place's verified government confirm or dispute the entry.
- Anyone logged in comments.

The workflow decides who may do what; a refusal re-renders the page with the reason
(403 for permission codes, 400 otherwise) and keeps what was typed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts.models import User
from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.catalog.models import Organization
from abierto.census import permissions, workflow
from abierto.census.models import (
    Census,
    Comment,
    DatasetType,
    Place,
    Question,
    Review,
    Submission,
)
from abierto.census.scoring import applies, entry_score, missing_elements
from abierto.census.workflow import CensusError
from abierto.web.auth import ActorDep, CsrfDep
from abierto.web.census_common import (
    ENTRY,
    census_or_404,
    current_user,
    error_status,
    error_text,
    page,
    place_or_404,
    type_or_404,
    user_names,
)
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.edit_views import local_url, redirect

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]


@dataclass(frozen=True, slots=True)
class AnswerRow:
    question: Question
    asked: bool  # False: its condition is false, so it does not apply
    value: Any  # None when not answered
    points: int  # weight earned
    elements: list[tuple[str, bool]] = field(default_factory=list)  # (element, present)


def answer_rows(
    census: Census, dataset_type: DatasetType, answers: dict[str, Any]
) -> list[AnswerRow]:
    rows = []
    for question in census.questions:
        asked = applies(question, answers)
        value = answers.get(question.key) if asked else None
        earned = question.weight if asked and value == "yes" else 0
        elements: list[tuple[str, bool]] = []
        if question.key == "elements":
            present = set(value or [])
            elements = [(e, e in present) for e in dataset_type.elements]
            elements += [(e, True) for e in value or [] if e not in dataset_type.elements]
        rows.append(AnswerRow(question, asked, value, earned, elements))
    return rows


def _found(
    session: Session, slug: str, key: str, type_slug: str
) -> tuple[Census, Place, DatasetType]:
    census = census_or_404(session, slug)
    return census, place_or_404(session, census, key), type_or_404(census, type_slug)


def _reviews(session: Session, submissions: list[Submission]) -> dict[str, list[Review]]:
    grouped: dict[str, list[Review]] = defaultdict(list)
    ids = [s.id for s in submissions]
    if ids:
        query = select(Review).where(Review.submission_id.in_(ids)).order_by(Review.created_at)
        for review in session.scalars(query):
            grouped[review.submission_id].append(review)
    return grouped


def entry_context(
    session: Session, census: Census, place: Place, dataset_type: DatasetType, user: User | None
) -> dict[str, Any]:
    """Everything the entry page shows, and which of its forms the caller may use."""
    entry = workflow.find_entry(session, census.id, place.id, dataset_type.id)
    submissions = workflow.history(session, census.id, place.id, dataset_type.id)
    current = next((s for s in submissions if entry and s.id == entry.submission_id), None)
    pending = next((s for s in submissions if s.status == "pending"), None)
    reviews = _reviews(session, submissions)
    comments = list(
        session.scalars(
            select(Comment)
            .where(
                Comment.census_id == census.id,
                Comment.place_id == place.id,
                Comment.dataset_type_id == dataset_type.id,
            )
            .order_by(Comment.created_at)
        )
    )
    answered = workflow.confirmations(session, entry) if entry else []
    confirmation = workflow.current_among(answered, current)
    earlier = [c for c in answered if confirmation is None or c.id != confirmation.id]
    people = user_names(
        session,
        [s.user_id for s in submissions]
        + [r.reviewer_id for rs in reviews.values() for r in rs]
        + [c.user_id for c in comments]
        + [c.user_id for c in answered],
    )
    answers = current.answers if current else {}
    may_review = bool(
        pending
        and user
        and pending.user_id != user.id
        and permissions.can_review(session, user, census.id, place.id, dataset_type.id)
    )
    return {
        "census": census,
        "place": place,
        "dataset_type": dataset_type,
        "entry": entry,
        "current": current,
        "rows": answer_rows(census, dataset_type, answers),
        "missing": missing_elements(dataset_type.elements, answers) if current else [],
        "pending": pending,
        "pending_rows": answer_rows(census, dataset_type, pending.answers) if pending else [],
        "pending_score": (
            entry_score(census.questions, pending.answers, dataset_type.elements)
            if pending
            else None
        ),
        "history": submissions,
        "reviews": reviews,
        "comments": comments,
        "confirmation": confirmation,
        "earlier_confirmations": earlier,
        "governments": {
            o.id: o.name
            for o in session.scalars(
                select(Organization).where(
                    Organization.id.in_({c.organization_id for c in answered})
                )
            )
        },
        "people": people,
        "may_review": may_review,
        "government": (
            permissions.government_of(session, user, place.id) if entry and user else None
        ),
        "entry_path": workflow.entry_path(census, place, dataset_type),
    }


def _entry_page(
    request: Request,
    session: Session,
    names: tuple[str, str, str],
    actor: Actor,
    *,
    error: CensusError | None = None,
    posted: dict[str, str] | None = None,
) -> HTMLResponse:
    census, place, dataset_type = _found(session, *names)
    context = entry_context(session, census, place, dataset_type, current_user(session, actor))
    context |= {"error": error_text(request, error) if error else None, "posted": posted or {}}
    return page(request, "census_entry.html", context, error_status(error) if error else 200)


@router.get(ENTRY, response_class=HTMLResponse)
def entry_page(
    request: Request, slug: str, key: str, type_slug: str, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    return _entry_page(request, session, (slug, key, type_slug), actor)


# -- actions ------------------------------------------------------------------------------


def _act(
    request: Request,
    context: AppContext,
    actor: Actor,
    names: tuple[str, str, str],
    action: Any,
    *,
    notice: str,
    anchor: str,
    posted: dict[str, str],
) -> Response:
    """Run ``action(session, census, place, dataset_type, user)`` and go back to the entry;
    a census refusal re-renders the entry page with its reason."""
    slug, key, type_slug = names
    back = f"/census/{slug}/places/{key}/{type_slug}"
    if not actor.is_authenticated:
        return redirect(local_url(request, "/login", next=back))
    try:
        with context.db.session() as session:
            census, place, dataset_type = _found(session, *names)
            user = current_user(session, actor)
            if user is None:
                raise HTTPException(status_code=401)
            action(session, census, place, dataset_type, user)
    except CensusError as exc:
        with context.db.session() as session:
            return _entry_page(request, session, names, actor, error=exc, posted=posted)
    return redirect(local_url(request, back, notice=notice) + anchor)


@router.post(ENTRY + "/review", dependencies=[CsrfDep])
def review_submission(
    request: Request,
    slug: str,
    key: str,
    type_slug: str,
    context: ContextDep,
    actor: ActorDep,
    submission: FormText = "",
    decision: FormText = "",
    reason: FormText = "",
) -> Response:
    def action(
        session: Session, census: Census, place: Place, dtype: DatasetType, user: User
    ) -> None:
        target = session.get(Submission, submission)
        where = (census.id, place.id, dtype.id)
        if target is None or (target.census_id, target.place_id, target.dataset_type_id) != where:
            raise HTTPException(status_code=404)
        workflow.review(session, target, user, decision, reason)

    names = (slug, key, type_slug)
    posted = {"reason": reason, "decision": decision}
    return _act(request, context, actor, names, action, notice="reviewed", anchor="", posted=posted)


@router.post(ENTRY + "/confirm", dependencies=[CsrfDep])
def confirm_entry(
    request: Request,
    slug: str,
    key: str,
    type_slug: str,
    context: ContextDep,
    actor: ActorDep,
    state: FormText = "",
    comment: FormText = "",
) -> Response:
    def action(
        session: Session, census: Census, place: Place, dtype: DatasetType, user: User
    ) -> None:
        entry = workflow.find_entry(session, census.id, place.id, dtype.id)
        if entry is None:
            raise HTTPException(status_code=404)
        workflow.confirm(session, entry, user, state, comment)

    names, posted = (slug, key, type_slug), {"confirm_comment": comment}
    return _act(
        request,
        context,
        actor,
        names,
        action,
        notice=state or "confirmed",
        anchor="",
        posted=posted,
    )


@router.post(ENTRY + "/comments", dependencies=[CsrfDep])
def comment_entry(
    request: Request,
    slug: str,
    key: str,
    type_slug: str,
    context: ContextDep,
    actor: ActorDep,
    body: FormText = "",
) -> Response:
    def action(
        session: Session, census: Census, place: Place, dtype: DatasetType, user: User
    ) -> None:
        workflow.add_comment(session, census, place, dtype, user, body)

    names, posted = (slug, key, type_slug), {"body": body}
    return _act(
        request,
        context,
        actor,
        names,
        action,
        notice="commented",
        anchor="#comments",
        posted=posted,
    )
