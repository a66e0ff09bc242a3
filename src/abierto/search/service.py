"""Catalog search: indexing datasets and answering queries with facets, for one actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from sqlalchemy import Select, delete, func, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from abierto.accounts.permissions import Actor, readable_datasets
from abierto.catalog.models import Dataset, Organization, Tag, Theme, dataset_tag, dataset_theme
from abierto.catalog.vocab import FREQUENCIES, LICENSES
from abierto.search.interface import SearchBackend
from abierto.search.models import DatasetFormat
from abierto.search.postgres import PostgresSearch
from abierto.search.sqlite_fts import SqliteSearch
from abierto.search.text import document, terms

FACETS = ("organization", "theme", "tag", "format", "license", "frequency")
SORTS = ("relevance", "modified", "name")
PAGE_SIZE = 20
FACET_SIZE = 20


@dataclass
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    offset: int | None = None  # overrides page (the API pages by offset)


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResults:
    total: int
    items: list[Dataset]
    facets: dict[str, list[FacetValue]]
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def backend_for(session: Session) -> SearchBackend:
    dialect = session.get_bind().dialect.name
    return PostgresSearch() if dialect == "postgresql" else SqliteSearch()


# -- indexing -------------------------------------------------------------------------------


def dataset_formats(dataset: Dataset) -> set[str]:
    formats = set()
    for resource in dataset.resources:
        if resource.kind == "table" and resource.releases:
            suffix = PurePath(resource.releases[-1].source_name).suffix.lstrip(".").upper()
            formats.add(suffix or "CSV")
        elif resource.format:
            formats.add(resource.format.upper())
    return formats


def _body(dataset: Dataset) -> str:
    parts = [dataset.description, dataset.organization.name, dataset.spatial or ""]
    parts += [t.name for t in dataset.tags]
    parts += [f"{t.name_es} {t.name_en}" for t in dataset.themes]
    for resource in dataset.resources:
        parts += [resource.name, resource.title or "", resource.description]
        parts += [str(d) for d in (resource.column_descriptions or {}).values()]
        if resource.releases:
            for column in resource.releases[-1].columns:
                parts += [column.get("title", ""), column.get("description", "")]
    return document(" ".join(p for p in parts if p))


def index_dataset(session: Session, dataset: Dataset) -> None:
    session.flush()
    backend_for(session).store(session, dataset.id, document(dataset.title), _body(dataset))
    session.execute(delete(DatasetFormat).where(DatasetFormat.dataset_id == dataset.id))
    for fmt in sorted(dataset_formats(dataset)):
        session.add(DatasetFormat(dataset_id=dataset.id, format=fmt[:20]))
    session.flush()


def remove_dataset(session: Session, dataset_id: str) -> None:
    backend_for(session).delete(session, dataset_id)
    session.execute(delete(DatasetFormat).where(DatasetFormat.dataset_id == dataset_id))


def reindex_all(session: Session) -> int:
    datasets = session.scalars(
        select(Dataset).options(
            selectinload(Dataset.tags),
            selectinload(Dataset.themes),
            selectinload(Dataset.resources),
            joinedload(Dataset.organization),
        )
    ).all()
    for dataset in datasets:
        index_dataset(session, dataset)
    return len(datasets)


def ensure_index(session: Session) -> int:
    """Index every dataset if the index is behind the catalog (after an upgrade or restore)."""
    table = "search_document" if session.get_bind().dialect.name == "postgresql" else "search_fts"
    indexed = session.scalar(text(f"SELECT count(*) FROM {table}")) or 0
    if indexed >= (session.scalar(select(func.count()).select_from(Dataset)) or 0):
        return 0
    return reindex_all(session)


# -- searching ------------------------------------------------------------------------------


def _filtered(actor: Actor, filters: dict[str, list[str]]) -> Select:
    query = select(Dataset.id).where(readable_datasets(actor))
    for facet, values in filters.items():
        if not values:
            continue
        if facet == "organization":
            orgs = select(Organization.id).where(Organization.slug.in_(values))
            query = query.where(Dataset.organization_id.in_(orgs))
        elif facet == "theme":
            query = query.where(Dataset.themes.any(Theme.slug.in_(values)))
        elif facet == "tag":
            query = query.where(Dataset.tags.any(Tag.name.in_(values)))
        elif facet == "format":
            formats = select(DatasetFormat.dataset_id).where(
                DatasetFormat.format.in_([v.upper() for v in values])
            )
            query = query.where(Dataset.id.in_(formats))
        elif facet == "license":
            query = query.where(Dataset.license_id.in_(values))
        elif facet == "frequency":
            query = query.where(Dataset.frequency.in_(values))
    return query


def search(session: Session, actor: Actor, request: SearchQuery) -> SearchResults:
    ids = _filtered(actor, request.filters)
    words = terms(request.q)
    rank = None
    if words:
        found = backend_for(session).matches(words).subquery()
        ids = ids.join(found, found.c.dataset_id == Dataset.id).add_columns(found.c.rank)
        rank = found.c.rank
    matching = ids.subquery()
    total = session.scalar(select(func.count()).select_from(matching)) or 0
    query = (
        select(Dataset)
        .join(matching, matching.c.id == Dataset.id)
        .options(joinedload(Dataset.organization), selectinload(Dataset.tags))
    )
    if request.sort == "name":
        query = query.order_by(func.lower(Dataset.title), Dataset.slug)
    elif request.sort == "relevance" and rank is not None:
        query = query.order_by(matching.c.rank.desc(), Dataset.modified_at.desc(), Dataset.slug)
    else:
        query = query.order_by(Dataset.modified_at.desc(), Dataset.slug)
    page = max(1, request.page)
    offset = request.offset if request.offset is not None else (page - 1) * request.page_size
    query = query.limit(request.page_size).offset(offset)
    items = list(session.scalars(query).unique())
    dataset_ids = select(matching.c.id)
    facets = {name: _facet(session, name, dataset_ids) for name in FACETS} if total else {}
    return SearchResults(total, items, facets, page, request.page_size)


def _facet(session: Session, name: str, ids: Select) -> list[FacetValue]:
    count = func.count().label("n")
    if name == "organization":
        query = (
            select(Organization.slug, Organization.name, count)
            .join(Dataset, Dataset.organization_id == Organization.id)
            .where(Dataset.id.in_(ids))
            .group_by(Organization.slug, Organization.name)
        )
    elif name == "theme":
        query = (
            select(Theme.slug, Theme.name_es, count)
            .join(dataset_theme, dataset_theme.c.theme_id == Theme.id)
            .where(dataset_theme.c.dataset_id.in_(ids))
            .group_by(Theme.slug, Theme.name_es)
        )
    elif name == "tag":
        query = (
            select(Tag.name, Tag.name, count)
            .join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
            .where(dataset_tag.c.dataset_id.in_(ids))
            .group_by(Tag.name)
        )
    elif name == "format":
        query = (
            select(DatasetFormat.format, DatasetFormat.format, count)
            .where(DatasetFormat.dataset_id.in_(ids))
            .group_by(DatasetFormat.format)
        )
    else:
        column = Dataset.license_id if name == "license" else Dataset.frequency
        query = (
            select(column, column, count)
            .where(Dataset.id.in_(ids), column.is_not(None))
            .group_by(column)
        )
    ordered = query.order_by(count.desc(), query.selected_columns[0]).limit(FACET_SIZE)
    rows = session.execute(ordered)
    return [FacetValue(str(v), _label(name, str(v), str(label)), int(n)) for v, label, n in rows]


def _label(facet: str, value: str, label: str) -> str:
    if facet == "license" and value in LICENSES:
        return LICENSES[value].title
    if facet == "frequency" and value in FREQUENCIES:
        return FREQUENCIES[value][0]
    return label
