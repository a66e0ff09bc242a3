"""Score datasets and keep their history; read scores for pages, the API and the scoreboard.

``score_catalog`` loads the facts of every dataset in a handful of bulk queries (no query
per dataset), so the whole catalog scores in seconds. A dataset keeps one history row per
day: scoring again the same day updates it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Release, Resource, dataset_tag
from abierto.catalog.models import dataset_theme as theme_link
from abierto.quality import checks as quality_checks
from abierto.quality.checks import Check, Facts
from abierto.quality.freshness import assess_freshness
from abierto.quality.links import latest_results
from abierto.quality.models import CurrentQuality, OrganizationQualityScore, QualityScore
from abierto.quality.organizations import record_organizations
from abierto.quality.scoring import breakdown, score
from abierto.search import cache as search_cache

BATCH = 2_000


@dataclass(frozen=True, slots=True)
class Assessment:
    dataset_id: str
    score: float
    breakdown: dict[str, float]
    checks: list[Check]


def _facts(session: Session, datasets: Sequence[Dataset], now: dt.datetime) -> dict[str, Facts]:
    ids = [d.id for d in datasets]
    facts = {
        d.id: Facts(
            description=d.description or "",
            license_id=d.license_id,
            frequency=d.frequency,
            temporal=d.temporal_start is not None or d.temporal_end is not None,
            spatial=bool(d.spatial),
            contact=bool(d.contact_email or d.contact_name),
        )
        for d in datasets
    }
    for dataset_id, n in session.execute(
        select(theme_link.c.dataset_id, func.count())
        .where(theme_link.c.dataset_id.in_(ids))
        .group_by(theme_link.c.dataset_id)
    ):
        facts[dataset_id].themes = n
    for dataset_id, n in session.execute(
        select(dataset_tag.c.dataset_id, func.count())
        .where(dataset_tag.c.dataset_id.in_(ids))
        .group_by(dataset_tag.c.dataset_id)
    ):
        facts[dataset_id].tags = n
    resources = session.execute(
        select(Resource.id, Resource.dataset_id, Resource.kind, Resource.format,
               Resource.column_descriptions)
        .where(Resource.dataset_id.in_(ids))
    ).all()  # fmt: skip
    owner = {r.id: r.dataset_id for r in resources}
    for r in resources:
        facts[r.dataset_id].formats.append("CSV" if r.kind == "table" else (r.format or "?"))
    _release_facts(session, facts, owner, {r.id: r.column_descriptions or {} for r in resources})
    _link_facts(session, facts, [r for r in resources if r.kind == "link"])
    last = defaultdict(lambda: (None, 0))  # type: ignore[var-annotated]
    for dataset_id, latest, count in session.execute(
        select(Resource.dataset_id, func.max(Release.created_at), func.count(Release.id))
        .join(Release, Release.resource_id == Resource.id)
        .where(Resource.dataset_id.in_(ids))
        .group_by(Resource.dataset_id)
    ):
        last[dataset_id] = (latest, count)
    for d in datasets:
        latest, count = last[d.id]
        facts[d.id].freshness = assess_freshness(d.frequency, latest, now, releases=count)
    return facts


def _release_facts(
    session: Session,
    facts: dict[str, Facts],
    owner: dict[str, str],
    descriptions: dict[str, dict[str, Any]],
) -> None:
    """The latest release's report and columns, and the recent schema diffs, per dataset."""
    if not owner:
        return
    recent = (
        select(
            Release.resource_id,
            Release.row_count,
            Release.report,
            Release.diff,
            Release.schema,
            func.row_number()
            .over(partition_by=Release.resource_id, order_by=Release.number.desc())
            .label("nth"),
        )
        .where(Release.resource_id.in_(list(owner)))
        .subquery()
    )
    rows = session.execute(
        select(recent.c.resource_id, recent.c.row_count, recent.c.report, recent.c.diff,
               recent.c.schema)
        .where(recent.c.nth <= quality_checks.RECENT_RELEASES)
        .order_by(recent.c.resource_id, recent.c.nth)
    ).all()  # fmt: skip
    seen: dict[str, int] = defaultdict(int)
    for resource_id, row_count, report, diff, schema in rows:
        target = facts[owner[resource_id]]
        seen[resource_id] += 1
        if seen[resource_id] == 1:  # the resource's latest release
            counts = dict(target.report.get("counts", {}))
            for kind, n in (report or {}).get("counts", {}).items():
                counts[kind] = counts.get(kind, 0) + n
            errors = target.report.get("error_count", 0) + (report or {}).get("error_count", 0)
            target.report = {"error_count": errors, "counts": counts}
            target.row_count += row_count
            columns = (schema or {}).get("columns", [])
            described = descriptions.get(resource_id, {})
            target.columns += len(columns)
            target.described_columns += sum(
                1 for c in columns if c.get("description") or described.get(c.get("name"))
            )
        if seen[resource_id] <= quality_checks.RECENT_RELEASES:
            target.diffs.append(diff)


def _link_facts(session: Session, facts: dict[str, Facts], links: Sequence[Any]) -> None:
    """The link checker's latest results; a link not checked yet does not count."""
    results = latest_results(session, [r.id for r in links])
    for r in links:
        result = results.get(r.id)
        if result is not None:
            facts[r.dataset_id].links.append(
                quality_checks.LinkStatus(result.ok, result.status, result.first_broken_at)
            )


def assess(
    session: Session,
    datasets: Sequence[Dataset],
    now: dt.datetime,
    weights: dict[str, float] | None = None,
) -> list[Assessment]:
    facts = _facts(session, datasets, now)
    out = []
    for d in datasets:
        found = quality_checks.all_checks(facts[d.id])
        out.append(Assessment(d.id, score(found, weights), breakdown(found), found))
    return out


def record(session: Session, assessments: Sequence[Assessment], now: dt.datetime) -> None:
    """Store today's history point per dataset (replacing an earlier one of the same day)."""
    day = now.date()
    ids = [a.dataset_id for a in assessments]
    existing = {
        s.dataset_id: s
        for s in session.scalars(
            select(QualityScore).where(QualityScore.day == day, QualityScore.dataset_id.in_(ids))
        )
    }
    current = {
        c.dataset_id: c
        for c in session.scalars(select(CurrentQuality).where(CurrentQuality.dataset_id.in_(ids)))
    }
    changed = False
    for a in assessments:
        row = existing.get(a.dataset_id) or QualityScore(dataset_id=a.dataset_id, day=day)
        row.score = a.score
        row.breakdown = a.breakdown
        row.checks = [check_json(c, "es") for c in a.checks]
        row.computed_at = now
        session.add(row)
        latest = current.get(a.dataset_id) or CurrentQuality(dataset_id=a.dataset_id)
        changed = changed or latest.score != a.score
        latest.score = a.score
        latest.computed_at = now
        session.add(latest)
    session.flush()
    if changed:  # the quality facet and sort read the current scores
        search_cache.bump(session)


def check_json(check: Check, lang: str) -> dict[str, Any]:
    return {
        "id": check.id,
        "family": check.family,
        "passed": check.passed,
        "value": check.value,
        "evidence": check.evidence,
        "fix": check.fix(lang) if check.passed is False else "",
    }


def score_dataset(
    session: Session, dataset: Dataset, now: dt.datetime, weights: dict[str, float] | None = None
) -> Assessment:
    [assessment] = assess(session, [dataset], now, weights)
    record(session, [assessment], now)
    return assessment


def score_catalog(
    session: Session, now: dt.datetime, weights: dict[str, float] | None = None
) -> int:
    """Score every dataset, in batches, then store each organization's point of the day;
    returns how many datasets."""
    done = 0
    last_id = ""
    while True:
        batch = session.scalars(
            select(Dataset).where(Dataset.id > last_id).order_by(Dataset.id).limit(BATCH)
        ).all()
        if not batch:
            break
        record(session, assess(session, batch, now, weights), now)
        done += len(batch)
        last_id = batch[-1].id
    record_organizations(session, now)
    return done


def latest_breakdowns(session: Session, dataset_ids: Sequence[str]) -> dict[str, Any]:
    """Dataset id → (current score, its family breakdown) from the latest history point."""
    if not dataset_ids:
        return {}
    last = (
        select(QualityScore.dataset_id, func.max(QualityScore.day).label("day"))
        .where(QualityScore.dataset_id.in_(list(dataset_ids)))
        .group_by(QualityScore.dataset_id)
        .subquery()
    )
    rows = session.execute(
        select(QualityScore.dataset_id, QualityScore.score, QualityScore.breakdown).join(
            last, (last.c.dataset_id == QualityScore.dataset_id) & (last.c.day == QualityScore.day)
        )
    ).all()
    return {dataset_id: (value, parts) for dataset_id, value, parts in rows}


def history(session: Session, dataset_id: str, limit: int = 90) -> list[tuple[dt.date, float]]:
    """A dataset's stored daily scores, oldest first (the last ``limit`` of them)."""
    return _points(session, QualityScore, QualityScore.dataset_id == dataset_id, limit)


def organization_history(
    session: Session, organization_id: str, limit: int = 365
) -> list[tuple[dt.date, float]]:
    """An organization's stored daily scores, oldest first (the last ``limit`` of them)."""
    condition = OrganizationQualityScore.organization_id == organization_id
    return _points(session, OrganizationQualityScore, condition, limit)


def _points(
    session: Session,
    model: type[QualityScore] | type[OrganizationQualityScore],
    condition: Any,
    limit: int,
) -> list[tuple[dt.date, float]]:
    rows = session.execute(
        select(model.day, model.score).where(condition).order_by(model.day.desc()).limit(limit)
    ).all()
    return [(day, value) for day, value in reversed(rows)]
