"""Quality in the API and the portal: per dataset, per organization, the public scoreboard
and the publisher dashboard. Readers only ever see datasets they may read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Action, Actor, can, readable_datasets
from abierto.catalog.models import Dataset, Organization, utcnow
from abierto.quality import services
from abierto.quality.scoring import weights_from
from abierto.web import queries
from abierto.web.auth import ActorDep
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.templating import render, request_language

router = APIRouter(tags=["quality"])


def _now() -> dt.datetime:
    return utcnow()


def dataset_quality(
    session: Session, dataset: Dataset, lang: str, weights: dict[str, float] | None = None
) -> dict[str, Any]:
    """The live assessment of one dataset with its recorded history."""
    [assessment] = services.assess(session, [dataset], _now(), weights)
    return {
        "score": assessment.score,
        "breakdown": assessment.breakdown,
        "checks": [services.check_json(c, lang) for c in assessment.checks],
        "history": [
            {"date": day.isoformat(), "score": value}
            for day, value in services.history(session, dataset.id)
        ],
    }


@router.get("/api/v1/datasets/{slug}/quality")
def dataset_quality_api(
    slug: str, request: Request, session: SessionDep, actor: ActorDep, context: ContextDep
) -> dict[str, Any]:
    """Score 0–100, every check (passed, value, evidence, fix) and the score history."""
    dataset = queries.get_dataset(session, actor, slug)
    if dataset is None:
        raise HTTPException(status_code=404, detail=f"no dataset {slug!r}")
    weights = weights_from(context.settings.quality_weights)
    return dataset_quality(session, dataset, request_language(request), weights)


def _scoreboard(session: Session, actor: Actor) -> list[dict[str, Any]]:
    rows = services.organization_scores(session, readable_datasets(actor))
    return [
        {
            "organization": o.slug,
            "name": o.name,
            "score": s,
            "datasets": n,
            "trend": trend,
            "rank": i,
        }
        for i, (o, s, n, trend) in enumerate(rows, start=1)
    ]


@router.get("/api/v1/quality/scoreboard")
def scoreboard_api(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Organizations by the mean score of their datasets, with the change since the first
    recorded day (``trend``)."""
    return {"organizations": _scoreboard(session, actor)}


@router.get("/api/v1/organizations/{slug}/quality")
def organization_quality_api(slug: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise HTTPException(status_code=404, detail=f"no organization {slug!r}")
    row = next((r for r in _scoreboard(session, actor) if r["organization"] == slug), None)
    datasets = session.scalars(
        select(Dataset)
        .where(Dataset.organization_id == organization.id, readable_datasets(actor))
        .order_by(Dataset.slug)
    ).all()
    scored = services.assess(session, datasets, _now())
    return {
        "organization": slug,
        "score": row["score"] if row else None,
        "trend": row["trend"] if row else None,
        "datasets": [
            {"slug": d.slug, "score": a.score, "breakdown": a.breakdown}
            for d, a in zip(datasets, scored, strict=True)
        ],
    }


@router.get("/quality", response_class=HTMLResponse, include_in_schema=False)
def scoreboard_page(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    return render(request, "quality_scoreboard.html", {"rows": _scoreboard(session, actor)})


@router.get("/quality/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """A publisher's datasets, what to fix first: lowest score, then overdue."""
    if not actor.is_authenticated:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    editable = [
        d
        for d in session.scalars(select(Dataset).where(and_(readable_datasets(actor))))
        if can(actor, Action.EDIT, d)
    ]
    lang = request_language(request)
    rows = []
    for dataset, a in zip(editable, services.assess(session, editable, _now()), strict=True):
        failing = [services.check_json(c, lang) for c in a.checks if c.passed is False]
        fresh = next((c for c in a.checks if c.id == "freshness.on_time"), None)
        rows.append(
            {
                "dataset": dataset,
                "score": a.score,
                "failing": failing,
                "freshness": fresh.value if fresh else None,
                "broken_links": next(
                    (c.value for c in a.checks if c.id == "retrievability.links"), 0
                ),
            }
        )
    rows.sort(key=lambda r: (r["score"], r["dataset"].title))
    return render(request, "quality_dashboard.html", {"rows": rows})
