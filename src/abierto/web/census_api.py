"""The census as data: JSON and CSV for scripts and other portals, and an SVG badge per place.

Every list answers ``?format=csv`` too (a download with a stable header). Censuses hold no
private data: entries, scores and rankings are public by design.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal
from xml.sax.saxutils import escape

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.catalog.models import utcnow
from abierto.census import workflow
from abierto.census.http import Fetcher
from abierto.census.models import Census, CensusPlace, Entry, Place, Submission
from abierto.census.prefill import prefill
from abierto.census.scoring import dataset_type_ranking, ranking
from abierto.web.auth import UserDep
from abierto.web.deps import ContextDep, SessionDep

router = APIRouter(tags=["census"])
Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]


def census_or_404(session: Session, slug: str) -> Census:
    census = session.scalar(select(Census).where(Census.slug == slug))
    if census is None:
        raise HTTPException(status_code=404, detail=f"no census {slug!r}")
    return census


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


def _census_json(session: Session, census: Census) -> dict[str, Any]:
    previous = session.get(Census, census.previous_id) if census.previous_id else None
    places = session.scalar(
        select(func.count()).select_from(CensusPlace).where(CensusPlace.census_id == census.id)
    )
    return {
        "slug": census.slug,
        "name": census.name,
        "year": census.year,
        "series": census.series,
        "scheme": census.scheme,
        "open": census.open,
        "previous": previous.slug if previous else None,
        "dataset_types": len(census.dataset_types),
        "places": places or 0,
        "url": f"/census/{census.slug}",
    }


@router.get("/api/v1/censuses")
def list_censuses(session: SessionDep) -> dict[str, Any]:
    """Every census edition, newest first."""
    censuses = session.scalars(select(Census).order_by(Census.year.desc(), Census.slug)).all()
    return {"censuses": [_census_json(session, c) for c in censuses]}


@router.get("/api/v1/censuses/{slug}")
def show_census(slug: str, session: SessionDep) -> dict[str, Any]:
    """One edition with its questions (weights, conditions) and dataset types."""
    census = census_or_404(session, slug)
    return _census_json(session, census) | {
        "questions": [
            {
                "key": q.key,
                "kind": q.kind,
                "text": {"es": q.text_es, "en": q.text_en},
                "weight": q.weight,
                "condition": q.condition,
                "evidence_required": q.evidence_required,
            }
            for q in census.questions
        ],
        "dataset_types": [_type_json(t) for t in census.dataset_types],
    }


def _type_json(dataset_type: Any) -> dict[str, Any]:
    return {
        "slug": dataset_type.slug,
        "name": {"es": dataset_type.name_es, "en": dataset_type.name_en},
        "category": dataset_type.category,
        "description": {"es": dataset_type.description_es, "en": dataset_type.description_en},
        "elements": dataset_type.elements,
    }


@router.get("/api/v1/censuses/{slug}/ranking", response_model=None)
def census_ranking(slug: str, session: SessionDep, format: Format = "json") -> Any:
    """Places by score over every dataset type of the edition (unassessed = 0; ties share
    a rank)."""
    census = census_or_404(session, slug)
    rows = ranking(session, census)
    if format == "csv":
        header = ("rank", "key", "name", "score", "entries_open", "entries_total")
        values = [
            (r.rank, r.place.key, r.place.name, r.score, r.entries_open, r.entries_total)
            for r in rows
        ]
        return _csv(f"{slug}-ranking", header, values)
    return {
        "census": slug,
        "dataset_types": len(census.dataset_types),
        "places": [
            {
                "key": r.place.key,
                "name": r.place.name,
                "score": r.score,
                "rank": r.rank,
                "entries_open": r.entries_open,
                "entries_total": r.entries_total,
            }
            for r in rows
        ],
    }


@router.get("/api/v1/censuses/{slug}/dataset-types", response_model=None)
def census_dataset_types(slug: str, session: SessionDep, format: Format = "json") -> Any:
    """Dataset types by their mean score over every place of the edition."""
    census = census_or_404(session, slug)
    rows = dataset_type_ranking(session, census)
    if format == "csv":
        header = ("rank", "slug", "name_es", "name_en", "score")
        values = [
            (r.rank, r.dataset_type.slug, r.dataset_type.name_es, r.dataset_type.name_en, r.score)
            for r in rows
        ]
        return _csv(f"{slug}-dataset-types", header, values)
    return {
        "census": slug,
        "dataset_types": [
            _type_json(r.dataset_type) | {"score": r.score, "rank": r.rank} for r in rows
        ],
    }


@router.get("/api/v1/censuses/{slug}/places", response_model=None)
def census_places(slug: str, session: SessionDep, format: Format = "json") -> Any:
    census = census_or_404(session, slug)
    places = session.scalars(
        select(Place)
        .join(CensusPlace, CensusPlace.place_id == Place.id)
        .where(CensusPlace.census_id == census.id)
        .order_by(Place.key)
    ).all()
    parents = {p.id: p.key for p in session.scalars(select(Place))}
    rows = [(p.key, p.name, p.kind, parents.get(p.parent_id or "")) for p in places]
    if format == "csv":
        return _csv(f"{slug}-places", ("key", "name", "kind", "parent"), rows)
    keys = ("key", "name", "kind", "parent")
    return {"census": slug, "places": [dict(zip(keys, row, strict=True)) for row in rows]}


@router.get("/api/v1/censuses/{slug}/entries", response_model=None)
def census_entries(slug: str, session: SessionDep, format: Format = "json") -> Any:
    """The accepted entries: answers, evidence, score, government confirmation."""
    census = census_or_404(session, slug)
    places = {p.id: p for p in session.scalars(select(Place))}
    types = {t.id: t for t in census.dataset_types}
    entries = session.scalars(select(Entry).where(Entry.census_id == census.id)).all()
    items = []
    for entry in entries:
        submission = session.get(Submission, entry.submission_id)
        confirmation = workflow.current_confirmation(session, entry)
        place, dataset_type = places[entry.place_id], types[entry.dataset_type_id]
        items.append(
            {
                "place": place.key,
                "place_name": place.name,
                "dataset_type": dataset_type.slug,
                "score": entry.score,
                "answers": submission.answers if submission else {},
                "evidence": submission.evidence if submission else [],
                "government": confirmation.state if confirmation else None,
                "updated_at": entry.updated_at.isoformat(),
                "url": workflow.entry_path(census, place, dataset_type),
            }
        )
    items.sort(key=lambda item: (item["place"], item["dataset_type"]))
    if format == "csv":
        keys = [q.key for q in census.questions]
        header = ("place", "place_name", "dataset_type", "score", "government", *keys)
        rows = [
            (
                i["place"],
                i["place_name"],
                i["dataset_type"],
                i["score"],
                i["government"] or "",
                *(_cell(i["answers"].get(k)) for k in keys),
            )
            for i in items
        ]
        return _csv(f"{slug}-entries", header, rows)
    return {"census": slug, "entries": items}


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


@router.get("/api/v1/census-prefill")
def census_prefill(
    context: ContextDep,
    actor: UserDep,
    url: Annotated[str, Query(max_length=2000, description="An evidence URL")],
) -> dict[str, Any]:
    """What the evidence URL itself tells: answers by question key, each with its evidence,
    and what could not be determined. Logged-in users only (the portal fetches the URL)."""
    settings = context.settings
    with Fetcher(
        allow_private=settings.fetch_allow_private, timeout=min(settings.fetch_timeout_s, 15)
    ) as fetcher:
        found = prefill(url, fetcher, utcnow())
    return {
        "url": url,
        "answers": {
            key: {"value": a.value, "evidence": a.evidence} for key, a in found.answers.items()
        },
        "problems": found.problems,
    }


@router.get("/census/{slug}/places/{key}/badge.svg", include_in_schema=False)
def place_badge(slug: str, key: str, session: SessionDep) -> Response:
    """An embeddable badge: the place's score and rank in this edition."""
    census = census_or_404(session, slug)
    row = next((r for r in ranking(session, census) if r.place.key == key), None)
    if row is None:
        raise HTTPException(status_code=404, detail=f"no place {key!r} in {slug!r}")
    return Response(
        badge_svg(
            f"Censo {census.year}", f"{row.place.name}: {row.score:g}% (#{row.rank})", row.score
        ),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=300"},
    )


def badge_svg(label: str, value: str, score: float) -> str:
    colour = "#1a7f37" if score >= 75 else "#9a6700" if score >= 40 else "#b42318"
    left, right = 7 * len(label) + 12, 7 * len(value) + 12
    width = left + right
    label, value = escape(label), escape(value)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{label}: {value}"><title>{label}: {value}</title>'
        f'<rect width="{left}" height="20" fill="#24292f"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="14">{label}</text><text x="{left + 6}" y="14">{value}</text></g></svg>'
    )
