"""Organization scores: the public scoreboard, its trend and the daily points behind it.

An organization's score is the mean current score of its *public* datasets (published, not
private). It is the same for every reader: a ranking that moved when an admin looked at it
would be no ranking, and a public number computed over private datasets would leak
something about them. Datasets not scored yet do not count. Whole-catalog scoring runs
(``services.score_catalog``) store one point per organization and day; the trend is the
change since the oldest point of the last ``TREND_DAYS`` days
(``services.organization_history`` reads the points).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from abierto.accounts.permissions import public_datasets
from abierto.catalog.models import Dataset, Organization
from abierto.quality.models import CurrentQuality, OrganizationQualityScore

TREND_DAYS = 30


@dataclass(frozen=True, slots=True)
class OrganizationScore:
    organization: Organization
    score: float
    datasets: int  # public datasets with a score
    trend: float | None  # points gained (or lost) over the last TREND_DAYS days


def current_scores(session: Session) -> dict[str, tuple[float, int]]:
    """Organization id → (mean current score of its public datasets, how many), one query."""
    rows = session.execute(
        select(Dataset.organization_id, func.avg(CurrentQuality.score), func.count())
        .join(CurrentQuality, CurrentQuality.dataset_id == Dataset.id)
        .where(public_datasets())
        .group_by(Dataset.organization_id)
    ).all()
    return {org: (round(float(mean), 1), int(n)) for org, mean, n in rows}


def _references(session: Session, today: dt.date) -> dict[str, float]:
    """Each organization's oldest stored score of the last TREND_DAYS days before today."""
    since = today - dt.timedelta(days=TREND_DAYS)
    oldest = (
        select(
            OrganizationQualityScore.organization_id,
            func.min(OrganizationQualityScore.day).label("day"),
        )
        .where(OrganizationQualityScore.day >= since, OrganizationQualityScore.day < today)
        .group_by(OrganizationQualityScore.organization_id)
        .subquery()
    )
    rows = session.execute(
        select(OrganizationQualityScore.organization_id, OrganizationQualityScore.score).join(
            oldest,
            and_(
                oldest.c.organization_id == OrganizationQualityScore.organization_id,
                oldest.c.day == OrganizationQualityScore.day,
            ),
        )
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def scoreboard(session: Session, today: dt.date) -> list[OrganizationScore]:
    """Every organization with a scored public dataset, best first (ties by name)."""
    current = current_scores(session)
    if not current:
        return []
    references = _references(session, today)
    organizations = session.scalars(
        select(Organization).where(Organization.id.in_(list(current)))
    ).all()
    rows = []
    for org in organizations:
        value, count = current[org.id]
        before = references.get(org.id)
        trend = None if before is None else round(value - before, 1)
        rows.append(OrganizationScore(org, value, count, trend))
    rows.sort(key=lambda row: (-row.score, row.organization.name))
    return rows


def record_organizations(session: Session, now: dt.datetime) -> int:
    """Store today's point for every organization with a scored public dataset (replacing
    an earlier one of the same day); returns how many."""
    day = now.date()
    current = current_scores(session)
    existing = {
        row.organization_id: row
        for row in session.scalars(
            select(OrganizationQualityScore).where(OrganizationQualityScore.day == day)
        )
    }
    for org_id, (value, count) in current.items():
        row = existing.get(org_id) or OrganizationQualityScore(organization_id=org_id, day=day)
        row.score, row.datasets, row.computed_at = value, count, now
        session.add(row)
    session.flush()
    return len(current)
