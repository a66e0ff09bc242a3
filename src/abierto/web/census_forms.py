"""The submission form: one entry's questions in the edition's order, with their help text.

Conditions hold without JavaScript: the server keeps only the answers whose condition is
true (``workflow.clean_answers``), each conditional question says when it applies, and
browsers that support ``:has()`` hide the ones that do not apply yet (pure CSS). The
``elements`` question lists the dataset type's required elements as checkboxes. A pending
submission blocks a new one; a refusal re-renders the form with every value kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.catalog.models import utcnow
from abierto.catalog.vocab import LICENSES
from abierto.census import workflow
from abierto.census.http import Fetcher
from abierto.census.models import Census, DatasetType, Place, Question, Submission
from abierto.census.prefill import Prefill, prefill
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
from abierto.web.deps import ContextDep, get_context
from abierto.web.edit_views import local_url, redirect

router = APIRouter(include_in_schema=False)
FORMATS = ("CSV", "XLSX", "JSON", "XML", "GeoJSON", "SHP", "API", "HTML", "PDF", "DOCX")
EVIDENCE_FIELDS = 3
SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class FormQuestion:
    question: Question
    parent: Question | None  # the question its condition looks at
    conditions: list[tuple[str, str]]  # (key, value) up its chain, all must hold
    options: list[str]  # checkboxes of a choice question

    @property
    def classes(self) -> str:
        return " ".join(f"when-{key}-{value}" for key, value in self.conditions)


def _chain(question: Question, by_key: dict[str, Question]) -> list[tuple[str, str]]:
    """The (key, value) conditions that must all hold for ``question`` to be asked."""
    conditions, seen = [], set()
    condition = question.condition
    while condition and condition["key"] not in seen:
        seen.add(condition["key"])
        conditions.append((str(condition["key"]), str(condition["equals"])))
        parent = by_key.get(condition["key"])
        condition = parent.condition if parent else None
    return [(k, v) for k, v in conditions if SAFE.match(k) and SAFE.match(v)]


def form_questions(census: Census, dataset_type: DatasetType) -> list[FormQuestion]:
    by_key = {q.key: q for q in census.questions}
    items = []
    for question in census.questions:
        parent = by_key.get(question.condition["key"]) if question.condition else None
        options = dataset_type.elements if question.key == "elements" else question.choices
        items.append(
            FormQuestion(question, parent, _chain(question, by_key), [str(o) for o in options])
        )
    return items


def hide_rules(questions: list[FormQuestion]) -> list[tuple[str, str]]:
    """The (key, value) pairs the page's CSS hides questions by: conditions on yes/no
    questions (radio buttons, so ``:checked`` tells)."""
    radios = {q.question.key for q in questions if q.question.kind == "yes_no"}
    return sorted({pair for q in questions for pair in q.conditions if pair[0] in radios})


def _found(session: Session, names: tuple[str, str, str]) -> tuple[Census, Place, DatasetType]:
    census = census_or_404(session, names[0])
    return census, place_or_404(session, census, names[1]), type_or_404(census, names[2])


def _current_values(
    session: Session,
    census: Census,
    place: Place,
    dataset_type: DatasetType,
    actor: Actor,
    history: list[Submission],
) -> dict[str, Any]:
    """Where an edit starts: the actor's own submission a reviewer sent back for changes
    (newer than the accepted answers), else the accepted entry's answers."""
    entry = workflow.find_entry(session, census.id, place.id, dataset_type.id)
    accepted = session.get(Submission, entry.submission_id) if entry else None
    returned = _returned_to(history, actor)
    if returned is not None and (accepted is None or returned.created_at > accepted.created_at):
        return {
            "answers": dict(returned.answers),
            "evidence": list(returned.evidence),
            "comment": returned.comment,
        }
    if accepted is None:
        return {"answers": {}, "evidence": [], "comment": ""}
    return {"answers": dict(accepted.answers), "evidence": list(accepted.evidence), "comment": ""}


def _returned_to(history: list[Submission], actor: Actor) -> Submission | None:
    mine = [s for s in history if actor.user_id is not None and s.user_id == actor.user_id]
    return mine[0] if mine and mine[0].status == "changes_requested" else None


def _prefilled(request: Request, values: dict[str, Any]) -> Prefill | None:
    """With ``?prefill=URL``: the answers that URL gives, merged into ``values``."""
    url = (request.query_params.get("prefill") or "").strip()[:2000]
    if not url or request.method != "GET":
        return None
    settings = get_context(request).settings
    with Fetcher(
        allow_private=settings.fetch_allow_private, timeout=min(settings.fetch_timeout_s, 15)
    ) as fetcher:
        found = prefill(url, fetcher, utcnow())
    values["answers"] = {**values["answers"], **found.values()}
    if url not in values["evidence"]:
        values["evidence"] = [url, *values["evidence"]]
    return found


def _form_page(
    request: Request,
    session: Session,
    actor: Actor,
    names: tuple[str, str, str],
    values: dict[str, Any] | None = None,
    error: CensusError | None = None,
) -> HTMLResponse:
    census, place, dataset_type = _found(session, names)
    questions = form_questions(census, dataset_type)
    history = workflow.history(session, census.id, place.id, dataset_type.id)
    pending = next((s for s in history if s.status == "pending"), None)
    values = values or _current_values(session, census, place, dataset_type, actor, history)
    found = _prefilled(request, values)
    evidence = list(values["evidence"])
    evidence += [""] * max(1, EVIDENCE_FIELDS - len(evidence))
    context = {
        "census": census,
        "place": place,
        "dataset_type": dataset_type,
        "questions": questions,
        "rules": hide_rules(questions),
        "values": values,
        "evidence": evidence,
        "pending": pending,
        "pending_by": user_names(session, [pending.user_id]) if pending else {},
        "licenses": [lic.title for lic in LICENSES.values()],
        "formats": FORMATS,
        "error": error_text(request, error) if error else None,
        "error_field": str(error).split(":", 1)[0] if error else None,
        "entry_path": workflow.entry_path(census, place, dataset_type),
        "prefill_url": request.query_params.get("prefill"),
        "prefilled": {k: a.evidence for k, a in found.answers.items()} if found else {},
        "prefill_problems": found.problems if found else [],
    }
    status = error_status(error) if error else 200
    return page(request, "census_submit.html", context, status)


@router.get(ENTRY + "/submit", response_class=HTMLResponse)
def submit_page(
    request: Request, slug: str, key: str, type_slug: str, context: ContextDep, actor: ActorDep
) -> Response:
    if not actor.is_authenticated:
        return redirect(local_url(request, "/login", next=request.url.path))
    with context.db.session() as session:
        return _form_page(request, session, actor, (slug, key, type_slug))


def read_form(census: Census, form: Any) -> dict[str, Any]:
    """The posted answers (one value per question, a list for choices), evidence, comment."""
    answers: dict[str, Any] = {}
    for question in census.questions:
        if question.kind == "choice":
            answers[question.key] = [v.strip() for v in form.getlist(question.key) if v.strip()]
        else:
            value = form.get(question.key)
            answers[question.key] = value.strip() if isinstance(value, str) else ""
    evidence = [v.strip() for v in form.getlist("evidence") if isinstance(v, str) and v.strip()]
    comment = form.get("comment")
    return {
        "answers": answers,
        "evidence": evidence,
        "comment": comment if isinstance(comment, str) else "",
    }


@router.post(ENTRY + "/submit", dependencies=[CsrfDep])
async def submit_form(
    request: Request, slug: str, key: str, type_slug: str, context: ContextDep, actor: ActorDep
) -> Response:
    form = await request.form()
    names = (slug, key, type_slug)
    return await run_in_threadpool(_save, request, context, actor, names, form)


def _save(
    request: Request, context: AppContext, actor: Actor, names: tuple[str, str, str], form: Any
) -> Response:
    if not actor.is_authenticated:
        return redirect(local_url(request, "/login", next=request.url.path))
    values: dict[str, Any] | None = None
    try:
        with context.db.session() as session:
            census, place, dataset_type = _found(session, names)
            values = read_form(census, form)
            user = current_user(session, actor)
            if user is None:
                return redirect(local_url(request, "/login", next=request.url.path))
            workflow.submit(
                session,
                census,
                place,
                dataset_type,
                user,
                values["answers"],
                evidence=values["evidence"],
                comment=values["comment"],
            )
            back = workflow.entry_path(census, place, dataset_type)
    except CensusError as exc:
        with context.db.session() as session:
            return _form_page(request, session, actor, names, values, exc)
    return redirect(local_url(request, back, notice="submitted"))
