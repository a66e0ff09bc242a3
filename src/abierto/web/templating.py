"""Jinja2 templates (autoescaped), their filters and the per-request context."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from abierto.web.auth import CSRF_FIELD, csrf_token, get_actor
from abierto.web.data import format_cell
from abierto.web.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_COOKIE,
    LANGUAGES,
    error_label,
    localized,
    pick_language,
    translator,
)
from abierto.web.markdown import markdown_text, render_markdown
from abierto.web.messages import MESSAGES

TEMPLATES_DIR = Path(__file__).parent / "templates"


def format_number(value: int | float | None) -> str:
    return "—" if value is None else f"{value:,}"


def format_moment(value: dt.datetime | None, with_time: bool = False) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    env.filters["number"] = format_number
    env.filters["moment"] = format_moment
    env.filters["cell"] = lambda v: "" if v is None else format_cell(v)
    env.filters["markdown"] = render_markdown
    env.filters["plaintext"] = markdown_text
    env.globals["has_message"] = MESSAGES.__contains__
    return env


templates = Jinja2Templates(env=_environment())


def request_language(request: Request) -> str:
    """``?lang=`` first, then the ``lang`` cookie set by ``/lang/{code}``, then Spanish."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return pick_language(request.cookies.get(LANGUAGE_COOKIE))


def _link_factory(lang: str) -> Any:
    def link(path: str, **params: Any) -> str:
        """An internal link that keeps the chosen language."""
        query = {k: v for k, v in params.items() if v is not None}
        if lang != DEFAULT_LANGUAGE:
            query["lang"] = lang
        return f"{path}?{urlencode(query)}" if query else path

    return link


def current_path(request: Request, drop: tuple[str, ...] = ("lang",)) -> str:
    """This page's path and query, without ``drop`` parameters (for ``next=`` links)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in drop]
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


def _switch_url(request: Request, lang: str) -> str:
    """``/lang/{other}?next=…``: sets the cookie, so the choice persists across pages."""
    other = "en" if lang == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE
    return f"/lang/{other}?{urlencode({'next': current_path(request)})}"


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    lang = request_language(request)
    base = {
        "lang": lang,
        "t": translator(lang),
        "link": _link_factory(lang),
        "switch_url": _switch_url(request, lang),
        "localized": lambda text: localized(text, lang),
        "error_label": lambda kind: error_label(kind, lang),
        "actor": get_actor(request),
        "current_path": current_path(request),
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
