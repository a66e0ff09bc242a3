"""Adding and listing harvest sources (the CLI and the admin page share these)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.catalog.editing import MAX_TEXT, EditError, check_link
from abierto.catalog.models import Organization
from abierto.harvest.models import KINDS, HarvestRecord, HarvestSource


def add_source(
    session: Session,
    *,
    url: str,
    kind: str,
    organization: Organization,
    title: str = "",
    created_by: str | None = None,
) -> HarvestSource:
    """A new active source; EditError names each refused field (``url``, ``kind``…)."""
    errors = {}
    try:
        url = check_link(url)
    except EditError as exc:
        errors.update(exc.errors)
    if kind not in KINDS:
        errors["kind"] = ("publish.error.choice", {})
    title = " ".join(title.split()) or urlsplit(url).netloc
    if len(title) > MAX_TEXT:
        errors["title"] = ("publish.error.too_long", {"n": MAX_TEXT})
    if errors:
        raise EditError(errors)
    source = HarvestSource(
        url=url, kind=kind, organization_id=organization.id, title=title, created_by=created_by
    )
    session.add(source)
    session.flush()
    return source


@dataclass(frozen=True, slots=True)
class SourceRow:
    source: HarvestSource
    organization: Organization
    datasets: int  # harvest-owned datasets, withdrawn ones included


def list_sources(session: Session) -> list[SourceRow]:
    counts = dict(
        session.execute(
            select(HarvestRecord.source_id, func.count()).group_by(HarvestRecord.source_id)
        ).all()
    )
    rows = session.execute(
        select(HarvestSource, Organization)
        .join(Organization, Organization.id == HarvestSource.organization_id)
        .order_by(HarvestSource.created_at, HarvestSource.id)
    ).all()
    return [SourceRow(source, org, counts.get(source.id, 0)) for source, org in rows]
