"""Catalog search for one actor: words, facet filters, sorting, paging and facet counts.

Visibility is ``permissions.readable_datasets(actor)`` in every query, so a private or draft
dataset is neither listed nor counted for someone who may not read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, func, not_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from abierto.accounts.permissions import Actor, readable_datasets
from abierto.catalog.models import Dataset, Organization, Tag, Theme, dataset_tag, dataset_theme
from abierto.quality.models import CurrentQuality
from abierto.search import cache
from abierto.search.facets import (
    FACET_SIZE,
    FACETS,
    FacetValue,
    count_facets,
    quality_band_sql,
    top_values,
)
from abierto.search.indexing import (
    backend_for,
    dataset_formats,
    ensure_index,
    index_dataset,
    reindex_all,
    remove_dataset,
)
from abierto.search.models import DatasetFormat
from abierto.search.snapshot import snapshot
from abierto.search.text import terms

__all__ = [
    "FACETS",
    "FACET_SIZE",
    "PAGE_SIZE",
    "SORTS",
    "Clause",
    "DateRange",
    "FacetValue",
    "SearchQuery",
    "SearchResults",
    "dataset_formats",
    "ensure_index",
    "index_dataset",
    "reindex_all",
    "remove_dataset",
    "search",
]

SORTS = ("relevance", "modified", "oldest", "name", "quality")
PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Clause:
    """One more condition on a facet (CKAN's ``fq``): any of ``values``, or none of them.

    Unlike ``filters``, clauses narrow every facet count too, as a filter query does in CKAN.
    """

    facet: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class DateRange:
    """Datasets whose ``field`` (``modified`` or ``created``) falls between the bounds (None:
    open), each bound included or not (CKAN's ``fq=metadata_modified:[… TO *]``)."""

    field: str
    low: dt.datetime | None = None
    high: dt.datetime | None = None
    include_low: bool = True
    include_high: bool = True

    def condition(self) -> ColumnElement[bool]:
        column = Dataset.created_at if self.field == "created" else Dataset.modified_at
        conditions = [true()]
        if self.low is not None:
            conditions.append(column >= self.low if self.include_low else column > self.low)
        if self.high is not None:
            conditions.append(column <= self.high if self.include_high else column < self.high)
        return and_(*conditions)


@dataclass
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    offset: int | None = None  # overrides page (the API pages by offset)
    lang: str = "es"  # of the facet labels
    clauses: tuple[Clause, ...] = ()
    ranges: tuple[DateRange, ...] = ()  # answered in SQL (the snapshot keeps no dates)
    private: bool = True  # the private datasets the actor may read
    drafts: bool = True  # the drafts the actor may read
    facet_size: int = FACET_SIZE


@dataclass
class SearchResults:
    total: int
    items: list[Dataset]
    facets: dict[str, list[FacetValue]]
    page: int
    page_size: int
    formats: dict[str, list[str]] = field(default_factory=dict)  # dataset id → formats

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _visibility(actor: Actor, request: SearchQuery) -> ColumnElement[bool]:
    """The read rule, less the private datasets or drafts the request leaves out."""
    conditions = [readable_datasets(actor)]
    if not request.private:
        conditions.append(Dataset.private.is_(False))
    if not request.drafts:
        conditions.append(Dataset.state == "published")
    return and_(*conditions)


def _clause(clause: Clause) -> ColumnElement[bool]:
    condition = _condition(clause.facet, list(clause.values))
    return not_(condition) if clause.negate else condition


def _condition(facet: str, values: list[str]) -> ColumnElement[bool]:
    if facet == "organization":
        return Dataset.organization_id.in_(
            select(Organization.id).where(Organization.slug.in_(values))
        )
    if facet == "theme":
        themes = select(Theme.id).where(Theme.slug.in_(values))
        return Dataset.id.in_(
            select(dataset_theme.c.dataset_id).where(dataset_theme.c.theme_id.in_(themes))
        )
    if facet == "tag":
        tags = select(Tag.id).where(Tag.name.in_(values))
        return Dataset.id.in_(
            select(dataset_tag.c.dataset_id).where(dataset_tag.c.tag_id.in_(tags))
        )
    if facet == "format":
        upper = [v.upper() for v in values]
        return Dataset.id.in_(
            select(DatasetFormat.dataset_id).where(DatasetFormat.format.in_(upper))
        )
    if facet == "license":
        return Dataset.license_id.in_(values)
    if facet == "quality":
        banded = select(CurrentQuality.dataset_id).where(quality_band_sql().in_(values))
        return Dataset.id.in_(banded)
    return Dataset.frequency.in_(values)


class _Matching:
    """The ids (and rank, with words) of readable datasets matching the words and filters."""

    def __init__(self, session: Session, actor: Actor, request: SearchQuery) -> None:
        ranges = [r.condition() for r in request.ranges]
        self.visible = and_(_visibility(actor, request), *map(_clause, request.clauses), *ranges)
        self.filters = {
            f: _condition(f, values)
            for f, values in request.filters.items()
            if f in FACETS and values
        }
        words = terms(request.q)
        self.found = backend_for(session).matches(words).subquery() if words else None

    def query(self, without: str | None = None) -> Select:
        conditions = [c for f, c in self.filters.items() if f != without]
        if self.found is None:
            return select(Dataset.id).where(self.visible, *conditions)
        return (
            select(Dataset.id, self.found.c.rank)
            .join(self.found, self.found.c.dataset_id == Dataset.id)
            .where(self.visible, *conditions)
        )

    def without(self, facet: str) -> Select | None:
        return self.query(facet) if facet in self.filters else None


def _page(session: Session, matching: _Matching, request: SearchQuery) -> list[Dataset]:
    ids = matching.query().subquery()
    query = (
        select(Dataset)
        .join(ids, ids.c.id == Dataset.id)
        .options(joinedload(Dataset.organization), selectinload(Dataset.tags))
    )
    if request.sort == "name":
        query = query.order_by(func.lower(Dataset.title), Dataset.slug)
    elif request.sort == "quality":
        query = query.outerjoin(CurrentQuality, CurrentQuality.dataset_id == Dataset.id)
        score = func.coalesce(CurrentQuality.score, -1.0)
        query = query.order_by(score.desc(), Dataset.modified_at.desc(), Dataset.slug)
    elif request.sort == "oldest":
        query = query.order_by(Dataset.modified_at, Dataset.slug)
    elif request.sort == "relevance" and matching.found is not None:
        query = query.order_by(ids.c.rank.desc(), Dataset.modified_at.desc(), Dataset.slug)
    else:
        query = query.order_by(Dataset.modified_at.desc(), Dataset.slug)
    offset = request.offset
    if offset is None:
        offset = (max(1, request.page) - 1) * request.page_size
    return list(session.scalars(query.limit(request.page_size).offset(offset)).unique())


def _formats(session: Session, ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in ids}
    rows = session.execute(
        select(DatasetFormat.dataset_id, DatasetFormat.format)
        .where(DatasetFormat.dataset_id.in_(ids))
        .order_by(DatasetFormat.format)
    )
    for dataset_id, fmt in rows:
        found[dataset_id].append(fmt)
    return found


def _load(session: Session, ids: list[str]) -> list[Dataset]:
    """The datasets of a cached page, in its order."""
    rows = session.scalars(
        select(Dataset)
        .where(Dataset.id.in_(ids))
        .options(joinedload(Dataset.organization), selectinload(Dataset.tags))
    ).unique()
    by_id = {d.id: d for d in rows}
    return [by_id[i] for i in ids if i in by_id]


def _key(request: SearchQuery, actor: Actor, generation: tuple[str, int]) -> Hashable:
    filters = tuple(sorted((f, tuple(sorted(v))) for f, v in request.filters.items() if v))
    offset = request.offset
    if offset is None:
        offset = (max(1, request.page) - 1) * request.page_size
    return (
        *generation,
        cache.actor_key(actor),
        tuple(terms(request.q)),
        filters,
        request.sort,
        offset,
        request.page_size,
        request.lang,
        request.clauses,
        request.ranges,
        request.private,
        request.drafts,
        request.facet_size,
    )


def _compute(
    session: Session, actor: Actor, request: SearchQuery
) -> tuple[cache.CachedResult, list[Dataset]]:
    matching = _Matching(session, actor, request)
    total, facets = count_facets(
        session,
        matching.query(),
        matching.without,
        english=request.lang == "en",
        size=request.facet_size,
    )
    items = _page(session, matching, request) if total else []
    return cache.CachedResult(total, facets, [d.id for d in items]), items


def _compute_in_memory(
    session: Session, actor: Actor, request: SearchQuery, generation: tuple[str, int]
) -> cache.CachedResult:
    """The same answer as ``_compute``, from the generation's snapshot (see search.snapshot)."""
    snap = snapshot(session, generation)
    visible = _visibility(actor, request)
    key = (cache.actor_key(actor), request.private, request.drafts)
    mask = snap.visible(session, visible, key).copy()
    for clause in request.clauses:
        found = snap.filter_mask(clause.facet, _public(clause.facet, clause.values))
        mask &= ~found if clause.negate else found
    words = terms(request.q)
    match = None
    if words:
        run = _text_matcher(session, words)
        match = snap.match(tuple(words), run)
        mask &= snap.mask_of(match.positions)
    filters = {
        f: snap.filter_mask(f, _public(f, values))
        for f, values in request.filters.items()
        if f in FACETS and values
    }
    chosen = mask.copy()
    for own in filters.values():
        chosen &= own
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        counted = chosen
        if name in filters:
            counted = mask.copy()
            for other, own in filters.items():
                if other != name:
                    counted &= own
        counts = snap.counts(name, counted)
        facets[name] = top_values(session, name, counts, request.lang == "en", request.facet_size)
    offset = request.offset
    if offset is None:
        offset = (max(1, request.page) - 1) * request.page_size
    sort = request.sort if request.sort in SORTS else "modified"
    page = snap.ordered(chosen, sort, match)[offset : offset + request.page_size]
    return cache.CachedResult(int(chosen.sum()), facets, [snap.ids[n] for n in page])


def _public(facet: str, values: Sequence[str]) -> list[str]:
    return [v.upper() for v in values] if facet == "format" else list(values)


def _text_matcher(session: Session, words: list[str]) -> Callable[[], list[tuple[str, float]]]:
    def run() -> list[tuple[str, float]]:
        rows = session.execute(backend_for(session).matches(words))
        return [(str(dataset_id), float(rank or 0.0)) for dataset_id, rank in rows]

    return run


def search(session: Session, actor: Actor, request: SearchQuery) -> SearchResults:
    generation = cache.generation(session)
    key = None if generation is None else _key(request, actor, generation)
    found = None if key is None else cache.get(key)
    if found is None and generation is not None and not request.ranges:
        found = _compute_in_memory(session, actor, request, generation)
        cache.put(key, found)
        items = _load(session, found.ids) if found.ids else []
    elif found is None:  # no generation to trust, or dates to compare: ask SQL directly
        found, items = _compute(session, actor, request)
        if key is not None:
            cache.put(key, found)
    else:
        items = _load(session, found.ids) if found.ids else []
    formats = _formats(session, found.ids) if found.ids else {}
    page = max(1, request.page)
    return SearchResults(found.total, items, found.facets, page, request.page_size, formats)
