"""Quality in the API and the portal: per dataset, per organization, the public scoreboard
and the publisher dashboard. Readers only ever see datasets they may read; organization
scores are over public datasets only (``quality.organizations``), the same for everyone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts.permissions import editable_datasets, readable_datasets
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Organization, utcnow
from abierto.quality import dashboard, organizations, services
from abierto.quality.scoring import weights_from
from abierto.web import queries
from abierto.web.auth import ActorDep
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.templating import render, request_language

router = APIRouter(tags=["quality"])


def _now() -> dt.datetime:
    return utcnow()


def quality_weights(context: AppContext) -> dict[str, float]:
    """The family weights this portal is configured with (``ABIERTO_QUALITY_WEIGHTS``)."""
    return weights_from(context.settings.quality_weights)


def _history(points: list[tuple[dt.date, float]]) -> list[dict[str, Any]]:
    return [{"date": day.isoformat(), "score": value} for day, value in points]


def dataset_quality(
    session: Session, dataset: Dataset, lang: str, weights: dict[str, float] | None = None
) -> dict[str, Any]:
    """The live assessment of one dataset (a fix shows at once) with its recorded history."""
    [assessment] = services.assess(session, [dataset], _now(), weights)
    return {
        "score": assessment.score,
        "breakdown": assessment.breakdown,
        "checks": [services.check_json(c, lang) for c in assessment.checks],
        "history": _history(services.history(session, dataset.id)),
    }


@router.get("/api/v1/datasets/{slug}/quality")
def dataset_quality_api(
    slug: str, request: Request, session: SessionDep, actor: ActorDep, context: ContextDep
) -> dict[str, Any]:
    """Score 0–100, every check (passed, value, evidence, fix) and the score history."""
    dataset = queries.get_dataset(session, actor, slug)
    if dataset is None:
        raise HTTPException(status_code=404, detail=f"no dataset {slug!r}")
    return dataset_quality(session, dataset, request_language(request), quality_weights(context))


def _scoreboard(session: Session) -> list[dict[str, Any]]:
    rows = organizations.scoreboard(session, _now().date())
    return [
        {
            "organization": row.organization.slug,
            "name": row.organization.name,
            "score": row.score,
            "datasets": row.datasets,
            "trend": row.trend,
            "rank": rank,
        }
        for rank, row in enumerate(rows, start=1)
    ]


@router.get("/api/v1/quality/scoreboard")
def scoreboard_api(session: SessionDep) -> dict[str, Any]:
    """Organizations by the mean score of their public datasets, with ``trend``: the change
    over the last 30 days."""
    return {"organizations": _scoreboard(session)}


@router.get("/api/v1/organizations/{slug}/quality")
def organization_quality_api(slug: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The organization's score, trend and history, and the current score of each of its
    datasets the caller may read (null: not scored yet)."""
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise HTTPException(status_code=404, detail=f"no organization {slug!r}")
    row = next((r for r in _scoreboard(session) if r["organization"] == slug), None)
    datasets = session.execute(
        select(Dataset.id, Dataset.slug)
        .where(Dataset.organization_id == organization.id, readable_datasets(actor))
        .order_by(Dataset.slug)
    ).all()
    scores = services.latest_breakdowns(session, [d.id for d in datasets])
    return {
        "organization": slug,
        "score": row["score"] if row else None,
        "trend": row["trend"] if row else None,
        "history": _history(services.organization_history(session, organization.id)),
        "datasets": [
            {
                "slug": d.slug,
                "score": scores[d.id][0] if d.id in scores else None,
                "breakdown": scores[d.id][1] if d.id in scores else None,
            }
            for d in datasets
        ],
    }


@router.get("/quality", response_class=HTMLResponse, include_in_schema=False)
def scoreboard_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "quality_scoreboard.html", {"rows": _scoreboard(session)})


@router.get("/quality/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(
    request: Request, session: SessionDep, actor: ActorDep, context: ContextDep
) -> Response:
    """A publisher's datasets: what to fix first, overdue updates, broken links."""
    if not actor.is_authenticated:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    scope = editable_datasets(actor)
    now = _now()
    page = {
        "rows": dashboard.to_fix(session, scope, now, quality_weights(context)),
        "late": dashboard.late(session, scope, now),
        "broken": dashboard.broken_links(session, scope),
    }
    return render(request, "quality_dashboard.html", page)
