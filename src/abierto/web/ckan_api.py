"""CKAN Action API v3 at ``/api/3/action/{name}`` (and ``/api/action/{name}``, as ckanapi calls it).

Every response has CKAN's envelope, ``{"help", "success", "result"}`` or
``{"help", "success": false, "error": {"__type", "message", …}}`` with CKAN's status codes, so
existing clients and harvesters work unchanged. Parameters come from the query string (GET),
a JSON body or a form/multipart body (POST), as in CKAN. Action functions live in
``ckan_actions`` (catalog), ``ckan_datastore`` and ``ckan_write``; they raise ``CkanError``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.web.auth import get_actor
from abierto.web.deps import get_context

log = logging.getLogger(__name__)
router = APIRouter(tags=["ckan"])


class CkanError(Exception):
    """An action failure, reported with CKAN's error ``__type`` and HTTP status."""

    status = 400
    kind = "Bad request"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"{self.kind}: {self.message}", **self.fields}


class NotFound(CkanError):
    status = 404
    kind = "Not Found Error"


class NotAuthorized(CkanError):
    status = 403
    kind = "Authorization Error"


class ValidationError(CkanError):
    status = 409
    kind = "Validation Error"

    def body(self) -> dict[str, Any]:
        return {"__type": self.kind, **self.fields, "message": self.message}


class SearchError(CkanError):
    status = 400  # as CKAN answers a query it cannot parse
    kind = "Search Query Error"


@dataclass(slots=True)
class ActionContext:
    """What an action function may use: the caller, the database session and the services."""

    request: Request
    session: Session
    actor: Actor
    app: AppContext
    base_url: str
    lang: str
    uploads: dict[str, UploadFile]


Action = Callable[[ActionContext, dict[str, Any]], Any]
ACTIONS: dict[str, Action] = {}


def action(func: Action) -> Action:
    """Register ``func`` as the CKAN action of the same name."""
    ACTIONS[func.__name__] = func
    return func


def _help_url(base_url: str, name: str) -> str:
    return f"{base_url}/api/3/action/help_show?name={name}"


async def _parameters(request: Request) -> tuple[dict[str, Any], dict[str, UploadFile]]:
    data: dict[str, Any] = dict(request.query_params)
    uploads: dict[str, UploadFile] = {}
    if request.method != "POST":
        return data, uploads
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                uploads[key] = value
            else:
                data[key] = value
        return data, uploads
    body = await request.body()
    if body.strip():
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            raise CkanError(f"JSON Error: {exc}") from exc
        if not isinstance(parsed, dict):
            raise CkanError("JSON Error: the request body must be a JSON object")
        data.update(parsed)
    return data, uploads


def _envelope(base_url: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"help": _help_url(base_url, name), **fields}


async def _dispatch(name: str, request: Request) -> JSONResponse:
    base_url = str(request.base_url).rstrip("/")
    func = ACTIONS.get(name)
    if func is None:
        error = {"__type": "Bad request", "message": f"Bad request - Action name not known: {name}"}
        return JSONResponse(_envelope(base_url, name, success=False, error=error), 400)
    try:
        data, uploads = await _parameters(request)
        result = await run_in_threadpool(_run, func, request, base_url, data, uploads)
    except HTTPException as exc:  # an invalid or revoked API token
        exc = NotAuthorized(str(exc.detail))
        return JSONResponse(_envelope(base_url, name, success=False, error=exc.body()), 403)
    except CkanError as exc:
        body = _envelope(base_url, name, success=False, error=exc.body())
        return JSONResponse(body, exc.status)
    return JSONResponse(_envelope(base_url, name, success=True, result=result))


def _run(
    func: Action,
    request: Request,
    base_url: str,
    data: dict[str, Any],
    uploads: dict[str, UploadFile],
) -> Any:
    """Run one action in a worker thread, in one transaction (rolled back on any error)."""
    actor = get_actor(request)
    app = get_context(request)
    lang = "en" if str(data.get("lang", "")).startswith("en") else "es"
    with app.db.session() as session:
        return func(ActionContext(request, session, actor, app, base_url, lang, uploads), data)


async def ckan_action(name: str, request: Request) -> JSONResponse:
    """CKAN Action API v3: package_search, package_show, datastore_search, … (GET or POST)."""
    return await _dispatch(name, request)


for _prefix, _visible in (("/api/3/action", True), ("/api/action", False)):
    for _method in ("GET", "POST"):
        router.add_api_route(
            f"{_prefix}/{{name}}",
            ckan_action,
            methods=[_method],
            include_in_schema=_visible,
            operation_id=f"ckan_action_{_method.lower()}" if _visible else None,
            summary="CKAN Action API v3",
        )


# -- parameter helpers shared by the action modules -----------------------------------------


def require(data: dict[str, Any], key: str) -> Any:
    value = data.get(key)
    if value in (None, ""):
        raise ValidationError(f"Missing value: {key}", **{key: ["Missing value"]})
    return value


def as_int(data: dict[str, Any], key: str, default: int, *, low: int = 0, high: int) -> int:
    value = data.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Invalid integer: {key}", **{key: ["Invalid integer"]}) from exc
    if number < low:
        raise ValidationError(f"Must be {low} or more: {key}", **{key: [f"Must be >= {low}"]})
    return min(number, high)


def as_bool(data: dict[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def as_json(data: dict[str, Any], key: str, default: Any) -> Any:
    """A parameter that CKAN clients send either as JSON text (GET) or as a JSON value."""
    value = data.get(key, default)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValidationError(f"Invalid JSON: {key}", **{key: ["Invalid JSON"]}) from exc
    return value
