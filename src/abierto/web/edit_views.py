"""Editing a dataset in the browser: metadata, column descriptions, links, deletion.

Every route asks ``permissions.can`` (EDIT, or DELETE for deletion); a dataset the caller
may not even read is a 404, one it may read but not change a 403. Writes open their own
database session and commit it before redirecting, so the next page sees the change.
The helpers at the top are shared with the publish flow (``publish_views``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Action, Actor, can
from abierto.app_context import AppContext
from abierto.catalog import editing
from abierto.catalog.editing import EditError, Metadata
from abierto.catalog.models import Dataset, Resource, Theme
from abierto.catalog.services import dataset_by_slug, latest_release
from abierto.catalog.vocab import FREQUENCIES, LICENSES
from abierto.web.auth import ActorDep, CsrfDep
from abierto.web.deps import ContextDep
from abierto.web.i18n import DEFAULT_LANGUAGE, translator
from abierto.web.templating import render, request_language

router = APIRouter(include_in_schema=False)
LIST_FIELDS = ("themes", "rename")
LANGUAGES = (("es", "Español"), ("en", "English"))


# -- shared helpers ---------------------------------------------------------------------


def local_url(request: Request, path: str, **params: str) -> str:
    """A local URL that keeps the page language."""
    if request_language(request) != DEFAULT_LANGUAGE:
        params["lang"] = request_language(request)
    return f"{path}?{urlencode(params)}" if params else path


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def to_login(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return local_url(request, "/login", next=here)


async def form_values(request: Request) -> dict[str, Any]:
    """The posted form: one string per field, a list for the repeatable ones."""
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    for name in LIST_FIELDS:
        values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    return values


def error_texts(request: Request, errors: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, str]:
    t = translator(request_language(request))
    return {name: t(code, **values) for name, (code, values) in errors.items()}


def metadata_choices(session: Session) -> dict[str, Any]:
    """The controlled vocabularies a metadata form offers."""
    return {
        "licenses": list(LICENSES.values()),
        "frequencies": FREQUENCIES,
        "themes": list(session.scalars(select(Theme).order_by(Theme.slug))),
        "languages": LANGUAGES,
    }


def forbidden(request: Request) -> HTMLResponse:
    return render(request, "publish_forbidden.html", {}, status_code=403)


def _load(session: Session, request: Request, actor: Actor, slug: str, action: Action) -> Any:
    """The dataset if ``actor`` may ``action`` it; otherwise the response to send."""
    if not actor.is_authenticated:
        return redirect(to_login(request))
    dataset = dataset_by_slug(session, slug)
    if dataset is None or not can(actor, Action.READ, dataset):
        raise HTTPException(status_code=404)
    return dataset if can(actor, action, dataset) else forbidden(request)


# -- the edit page ----------------------------------------------------------------------


def _tables(session: Session, dataset: Dataset) -> list[tuple[Resource, list[dict[str, Any]]]]:
    """Each table resource with the columns of its latest release."""
    tables = []
    for resource in dataset.resources:
        release = latest_release(session, resource) if resource.kind == "table" else None
        if release is not None:
            tables.append((resource, release.columns))
    return tables


def _edit_page(
    request: Request,
    session: Session,
    actor: Actor,
    dataset: Dataset,
    metadata: Metadata,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    descriptions = {
        f"col.{r.id}.{name}": text
        for r in dataset.resources
        for name, text in (r.column_descriptions or {}).items()
    }
    if posted is not None:
        descriptions.update({k: v for k, v in posted.items() if k.startswith("col.")})
    page = {
        "dataset": dataset,
        "m": metadata,
        "errors": errors or {},
        "tables": _tables(session, dataset),
        "descriptions": descriptions,
        "links": [r for r in dataset.resources if r.kind != "table"],
        "can_delete": can(actor, Action.DELETE, dataset),
        "posted": posted or {},
        **metadata_choices(session),
    }
    return render(request, "edit_dataset.html", page, status_code=status)


@router.get("/datasets/{slug}/edit", response_class=HTMLResponse)
def edit_page(request: Request, slug: str, actor: ActorDep, context: ContextDep) -> Response:
    with context.db.session() as session:
        dataset = _load(session, request, actor, slug, Action.EDIT)
        if not isinstance(dataset, Dataset):
            return dataset
        return _edit_page(request, session, actor, dataset, editing.metadata_of(dataset))


@router.post("/datasets/{slug}/edit", dependencies=[CsrfDep])
async def edit_submit(
    request: Request, slug: str, actor: ActorDep, context: ContextDep
) -> Response:
    form = await form_values(request)
    return await run_in_threadpool(_save, request, slug, actor, context, form)


def _save(
    request: Request, slug: str, actor: Actor, context: AppContext, form: dict[str, Any]
) -> Response:
    metadata, problems = editing.read_metadata(form)
    try:
        with context.db.session() as session:
            dataset = _load(session, request, actor, slug, Action.EDIT)
            if not isinstance(dataset, Dataset):
                return dataset
            if problems:
                raise EditError(problems)
            editing.apply_metadata(session, dataset, metadata, actor.user_id)
            for resource, columns in _tables(session, dataset):
                names = [c["name"] for c in columns]
                texts = {n: form.get(f"col.{resource.id}.{n}", "") for n in names}
                editing.set_column_descriptions(session, resource, names, texts, actor.user_id)
    except EditError as exc:
        with context.db.session() as session:
            dataset = _load(session, request, actor, slug, Action.EDIT)
            errors = error_texts(request, exc.errors)
            return _edit_page(
                request, session, actor, dataset, metadata, errors=errors, posted=form, status=400
            )
    return redirect(local_url(request, f"/datasets/{slug}", notice="saved"))


# -- link and file resources ------------------------------------------------------------


@router.post("/datasets/{slug}/links", dependencies=[CsrfDep])
async def add_link(request: Request, slug: str, actor: ActorDep, context: ContextDep) -> Response:
    form = await form_values(request)
    return await run_in_threadpool(_add_link, request, slug, actor, context, form)


def _add_link(
    request: Request, slug: str, actor: Actor, context: AppContext, form: dict[str, Any]
) -> Response:
    try:
        with context.db.session() as session:
            dataset = _load(session, request, actor, slug, Action.EDIT)
            if not isinstance(dataset, Dataset):
                return dataset
            editing.add_link(
                session,
                dataset,
                title=form.get("link_title", ""),
                url=form.get("url", ""),
                format=form.get("format", ""),
                kind=form.get("kind", "link"),
                actor_id=actor.user_id,
            )
    except EditError as exc:
        with context.db.session() as session:
            dataset = _load(session, request, actor, slug, Action.EDIT)
            errors = error_texts(request, exc.errors)
            metadata = editing.metadata_of(dataset)
            return _edit_page(
                request, session, actor, dataset, metadata, errors=errors, posted=form, status=400
            )
    return redirect(local_url(request, f"/datasets/{slug}/edit", notice="link_added"))


@router.post("/datasets/{slug}/links/{resource_id}/remove", dependencies=[CsrfDep])
def remove_link(
    request: Request, slug: str, resource_id: str, actor: ActorDep, context: ContextDep
) -> Response:
    with context.db.session() as session:
        dataset = _load(session, request, actor, slug, Action.EDIT)
        if not isinstance(dataset, Dataset):
            return dataset
        resource = next((r for r in dataset.resources if r.id == resource_id), None)
        if resource is None or resource.kind == "table":
            raise HTTPException(status_code=404)
        editing.remove_link(session, resource, actor.user_id)
    return redirect(local_url(request, f"/datasets/{slug}/edit", notice="link_removed"))


# -- deletion ---------------------------------------------------------------------------


@router.get("/datasets/{slug}/delete", response_class=HTMLResponse)
def delete_page(request: Request, slug: str, actor: ActorDep, context: ContextDep) -> Response:
    with context.db.session() as session:
        dataset = _load(session, request, actor, slug, Action.DELETE)
        if not isinstance(dataset, Dataset):
            return dataset
        return render(request, "edit_delete.html", {"dataset": dataset, "error": None})


@router.post("/datasets/{slug}/delete", dependencies=[CsrfDep])
async def delete_submit(
    request: Request, slug: str, actor: ActorDep, context: ContextDep
) -> Response:
    form = await form_values(request)
    return await run_in_threadpool(_delete, request, slug, actor, context, form)


def _delete(
    request: Request, slug: str, actor: Actor, context: AppContext, form: dict[str, Any]
) -> Response:
    with context.db.session() as session:
        dataset = _load(session, request, actor, slug, Action.DELETE)
        if not isinstance(dataset, Dataset):
            return dataset
        if form.get("confirm", "").strip() != dataset.slug:
            error = translator(request_language(request))("publish.delete.mismatch")
            page = {"dataset": dataset, "error": error}
            return render(request, "edit_delete.html", page, status_code=400)
        editing.delete_dataset(session, dataset, actor.user_id)
    return redirect(local_url(request, "/", notice="deleted"))
