"""Census pages: the list of editions, a census home (ranking and the place × dataset grid),
a place (score, rank, entries, reviewers, trend over editions) and a dataset type.

The entry page and its actions, the submission form, and the reviewer pages live in
``census_entry``, ``census_forms`` and ``census_reviewers``; their routes join this router.
Every page is public and works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Organization
from abierto.census.models import (
    Census,
    CensusPlace,
    Confirmation,
    Entry,
    Government,
    Place,
    Reviewer,
    Submission,
)
from abierto.census.scoring import PlaceScore, dataset_type_ranking, ranking
from abierto.web import census_entry, census_forms, census_reviewers
from abierto.web.auth import ActorDep
from abierto.web.census_common import (
    census_or_404,
    census_places,
    current_user,
    editions,
    page,
    place_or_404,
    type_or_404,
    user_names,
)
from abierto.web.deps import SessionDep

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Cell:
    """One place × dataset type: its score (None: unassessed) and what waits on it."""

    score: float | None
    government: str | None  # confirmed | disputed
    pending: bool


def _cells(session: Session, census: Census) -> dict[tuple[str, str], Cell]:
    entries = session.scalars(select(Entry).where(Entry.census_id == census.id)).all()
    states = _government_states(session, [e.id for e in entries])
    waiting = session.execute(
        select(Submission.place_id, Submission.dataset_type_id).where(
            Submission.census_id == census.id, Submission.status == "pending"
        )
    )
    pending = {(place_id, type_id) for place_id, type_id in waiting}
    cells = {
        (e.place_id, e.dataset_type_id): Cell(
            e.score, states.get(e.id), (e.place_id, e.dataset_type_id) in pending
        )
        for e in entries
    }
    for key in pending - cells.keys():
        cells[key] = Cell(None, None, True)
    return cells


def _government_states(session: Session, entry_ids: list[str]) -> dict[str, str]:
    """The latest confirmation state of each entry."""
    if not entry_ids:
        return {}
    rows = session.execute(
        select(Confirmation.entry_id, Confirmation.state)
        .where(Confirmation.entry_id.in_(entry_ids))
        .order_by(Confirmation.created_at)
    )
    return {entry_id: state for entry_id, state in rows}


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# -- the list of censuses -----------------------------------------------------------------


@router.get("/census", response_class=HTMLResponse)
def census_list(request: Request, session: SessionDep) -> HTMLResponse:
    censuses = session.scalars(select(Census).order_by(Census.year.desc(), Census.name)).all()
    items = [
        {
            "census": c,
            "places": _count(session, CensusPlace, CensusPlace.census_id == c.id),
            "entries": _count(session, Entry, Entry.census_id == c.id),
            "leader": next(iter(ranking(session, c)), None),
        }
        for c in censuses
    ]
    return page(request, "census_list.html", {"items": items})


# -- a census home --------------------------------------------------------------------------


@router.get("/census/{slug}", response_class=HTMLResponse)
def census_home(request: Request, slug: str, session: SessionDep) -> HTMLResponse:
    census = census_or_404(session, slug)
    rows = ranking(session, census)
    later = session.scalars(select(Census).where(Census.previous_id == census.id)).all()
    context = {
        "census": census,
        "rows": rows,
        "cells": _cells(session, census),
        "type_scores": {r.dataset_type.id: r for r in dataset_type_ranking(session, census)},
        "accepted": sum(r.entries_total for r in rows),
        "open_entries": sum(r.entries_open for r in rows),
        "pending": _count(
            session, Submission, Submission.census_id == census.id, Submission.status == "pending"
        ),
        "previous": session.get(Census, census.previous_id) if census.previous_id else None,
        "later": later,
    }
    return page(request, "census_home.html", context)


# -- a place --------------------------------------------------------------------------------


def _trend(session: Session, census: Census, place: Place) -> list[dict[str, Any]]:
    """The place's score and rank in this edition and every earlier one of its series."""
    points = []
    for edition in editions(session, census):
        rows = ranking(session, edition)
        mine = next((r for r in rows if r.place.id == place.id), None)
        if mine is not None:
            points.append({"census": edition, "row": mine, "places": len(rows)})
    return points


def _reviewers(session: Session, census: Census, place: Place) -> list[tuple[Reviewer, Any]]:
    claims = session.scalars(
        select(Reviewer)
        .where(
            Reviewer.census_id == census.id,
            Reviewer.approved.is_(True),
            Reviewer.dataset_type_id.is_(None),
            (Reviewer.place_id == place.id) | Reviewer.place_id.is_(None),
        )
        .order_by(Reviewer.created_at)
    ).all()
    people = user_names(session, [c.user_id for c in claims])
    return [(c, people[c.user_id]) for c in claims if c.user_id in people]


def _my_claim(session: Session, census: Census, user_id: str | None, place: Place) -> Any:
    if user_id is None:
        return None
    return session.scalar(
        select(Reviewer).where(
            Reviewer.census_id == census.id,
            Reviewer.user_id == user_id,
            Reviewer.place_id == place.id,
            Reviewer.dataset_type_id.is_(None),
        )
    )


def _governments(session: Session, place: Place) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .join(Government, Government.organization_id == Organization.id)
            .where(Government.place_id == place.id)
            .order_by(Organization.name)
        )
    )


@router.get("/census/{slug}/places/{key}", response_class=HTMLResponse)
def place_page(
    request: Request, slug: str, key: str, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    census = census_or_404(session, slug)
    place = place_or_404(session, census, key)
    rows = ranking(session, census)
    row: PlaceScore = next(r for r in rows if r.place.id == place.id)
    cells = _cells(session, census)
    user = current_user(session, actor)
    context = {
        "census": census,
        "place": place,
        "row": row,
        "places": len(rows),
        "cells": {t.id: cells.get((place.id, t.id)) for t in census.dataset_types},
        "reviewers": _reviewers(session, census, place),
        "claim": _my_claim(session, census, user.id if user else None, place),
        "governments": _governments(session, place),
        "trend": _trend(session, census, place),
        "base_url": str(request.base_url).rstrip("/"),
    }
    return page(request, "census_place.html", context)


# -- a dataset type ---------------------------------------------------------------------------


@router.get("/census/{slug}/types/{type_slug}", response_class=HTMLResponse)
def type_page(request: Request, slug: str, type_slug: str, session: SessionDep) -> HTMLResponse:
    census = census_or_404(session, slug)
    dataset_type = type_or_404(census, type_slug)
    cells = _cells(session, census)
    rows = sorted(
        ((p, cells.get((p.id, dataset_type.id))) for p in census_places(session, census)),
        key=lambda row: (-(row[1].score or 0) if row[1] else 1, row[0].name),
    )
    summary = next(
        r for r in dataset_type_ranking(session, census) if r.dataset_type.id == dataset_type.id
    )
    context = {
        "census": census,
        "dataset_type": dataset_type,
        "rows": rows,
        "summary": summary,
        "types": len(census.dataset_types),
        "scored": [q for q in census.questions if q.weight],
    }
    return page(request, "census_type.html", context)


for _module in (census_reviewers, census_forms, census_entry):
    router.include_router(_module.router)
