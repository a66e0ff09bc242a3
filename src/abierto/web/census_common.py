"""What every census page shares: finding an edition, a place and a dataset type (or a 404),
the caller's user row, names in the page language, score bands, and refusals as pages.

A dataset type's slug in a path is a plain segment (letters, digits, ``-``, ``_``), so the
entry path ``/census/{slug}/places/{key}/{type}`` never swallows the place's
``badge.svg`` (served by ``census_api``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from abierto.accounts.models import User
from abierto.accounts.permissions import Actor
from abierto.census.models import Census, CensusPlace, DatasetType, Place
from abierto.census.workflow import CensusError
from abierto.web.i18n import translator
from abierto.web.templating import render, request_language

PERMISSION_CODES = frozenset(
    {
        "census.error.own",
        "census.error.not_reviewer",
        "census.error.not_government",
        "census.error.admin",
    }
)


class SegmentConvertor(Convertor[str]):
    regex = "[A-Za-z0-9_-]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("segment", SegmentConvertor())
ENTRY = "/census/{slug}/places/{key}/{type_slug:segment}"


# -- finding things -----------------------------------------------------------------------


def census_or_404(session: Session, slug: str) -> Census:
    census = session.scalar(select(Census).where(Census.slug == slug))
    if census is None:
        raise HTTPException(status_code=404)
    return census


def place_or_404(session: Session, census: Census, key: str) -> Place:
    place = session.scalar(select(Place).where(Place.key == key))
    if place is None or session.get(CensusPlace, (census.id, place.id)) is None:
        raise HTTPException(status_code=404)
    return place


def type_or_404(census: Census, slug: str) -> DatasetType:
    found = next((t for t in census.dataset_types if t.slug == slug), None)
    if found is None:
        raise HTTPException(status_code=404)
    return found


def census_places(session: Session, census: Census) -> list[Place]:
    return list(
        session.scalars(
            select(Place)
            .join(CensusPlace, CensusPlace.place_id == Place.id)
            .where(CensusPlace.census_id == census.id)
            .order_by(Place.name)
        )
    )


def current_user(session: Session, actor: Actor) -> User | None:
    if not actor.is_authenticated:
        return None
    user = session.get(User, actor.user_id)
    return user if user is not None and user.is_active else None


def user_names(session: Session, ids: Iterable[str]) -> dict[str, User]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def editions(session: Session, census: Census) -> list[Census]:
    """``census`` and the editions before it (``previous_id`` chain), oldest first."""
    chain, seen = [census], {census.id}
    while chain[-1].previous_id and chain[-1].previous_id not in seen:
        previous = session.get(Census, chain[-1].previous_id)
        if previous is None:
            break
        chain.append(previous)
        seen.add(previous.id)
    return chain[::-1]


# -- presentation -------------------------------------------------------------------------


def band(score: float | None) -> str:
    """The colour band of a score (a CSS class suffix); the number is always shown too."""
    if score is None:
        return "none"
    if score >= 100:
        return "open"
    if score >= 70:
        return "high"
    if score >= 40:
        return "mid"
    return "low" if score > 0 else "zero"


def score_text(score: float | None) -> str:
    return "—" if score is None else f"{score:g}"


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """``render`` with the census helpers: ``bi`` (a bilingual field), ``band``, ``pts``."""
    lang = request_language(request)

    def bi(row: Any, field: str) -> str:
        value = getattr(row, f"{field}_{lang}", "") or getattr(row, f"{field}_es", "")
        return str(value)

    helpers = {"bi": bi, "band": band, "pts": score_text}
    return render(request, name, {**helpers, **context}, status_code=status)


def error_status(exc: CensusError) -> int:
    return 403 if exc.code in PERMISSION_CODES else 400


def error_text(request: Request, exc: CensusError) -> str:
    t = translator(request_language(request))
    text = t(exc.code)
    return text if text != exc.code else str(exc)


def refused(request: Request, exc: CensusError, back: str | None = None) -> HTMLResponse:
    """A census refusal as a page: 403 for permission codes, 400 otherwise."""
    context = {"message": error_text(request, exc), "back": back}
    return page(request, "census_error.html", context, error_status(exc))
