"""CKAN catalog actions: packages, organizations, groups (themes), tags, licences, status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

import abierto
from abierto.accounts.permissions import ANONYMOUS, readable_datasets
from abierto.catalog.models import (
    Dataset,
    Organization,
    Resource,
    Tag,
    Theme,
    dataset_tag,
    dataset_theme,
)
from abierto.interop import ckan, ckan_search
from abierto.search.facets import FacetValue
from abierto.search.service import SearchQuery, search
from abierto.web.ckan_api import (
    ActionContext,
    NotFound,
    SearchError,
    action,
    as_bool,
    as_int,
    as_json,
    require,
)

MAX_LIST = 1000
ROWS_MAX = 1000  # CKAN's ckan.search.rows_max: larger ``rows`` are cut to it
FACET_LIMIT = 50  # CKAN's search.facets.limit


def _full_dataset() -> Select:
    return select(Dataset).options(
        selectinload(Dataset.organization),
        selectinload(Dataset.tags),
        selectinload(Dataset.themes),
        selectinload(Dataset.resources).selectinload(Resource.releases),
    )


def find_dataset(ctx: ActionContext, id_or_name: str) -> Dataset:
    """A dataset the caller may read, by id or name; NotFound otherwise (even if it exists)."""
    dataset = ctx.session.scalar(
        _full_dataset().where(
            or_(Dataset.id == id_or_name, Dataset.slug == id_or_name),
            readable_datasets(ctx.actor),
        )
    )
    if dataset is None:
        raise NotFound("Not found")
    return dataset


def find_resource(ctx: ActionContext, resource_id: str) -> tuple[Dataset, Resource]:
    resource = ctx.session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("Resource was not found.")
    try:
        dataset = find_dataset(ctx, resource.dataset_id)
    except NotFound:
        raise NotFound("Resource was not found.") from None
    found = next(r for r in dataset.resources if r.id == resource.id)
    return dataset, found


@action
def status_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "ckan_version": "2.10.0",
        "site_title": "abierto",
        "site_description": "Datos abiertos de gobierno",
        "site_url": ctx.base_url,
        "locale_default": "es",
        "extensions": ["datastore", "abierto"],
        "abierto_version": abierto.__version__,
    }


@action
def package_list(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Names of public datasets (private ones too with include_private, for their members)."""
    actor = ctx.actor if as_bool(data, "include_private") else ANONYMOUS
    limit = as_int(data, "limit", MAX_LIST * 100, low=0, high=MAX_LIST * 100)
    offset = as_int(data, "offset", 0, high=10**9)
    query = (
        select(Dataset.slug)
        .where(readable_datasets(actor))
        .where(or_(Dataset.state == "published", as_bool(data, "include_drafts")))
        .order_by(Dataset.slug)
        .limit(limit)
        .offset(offset)
    )
    return list(ctx.session.scalars(query))


@action
def current_package_list_with_resources(
    ctx: ActionContext, data: dict[str, Any]
) -> list[dict[str, Any]]:
    limit = as_int(data, "limit", 10, low=1, high=MAX_LIST)
    page = as_int(data, "page", 0, high=10**6)
    offset = (page - 1) * limit if page else as_int(data, "offset", 0, high=10**9)
    datasets = ctx.session.scalars(
        _full_dataset()
        .where(readable_datasets(ANONYMOUS))
        .order_by(Dataset.modified_at.desc(), Dataset.slug)
        .limit(limit)
        .offset(offset)
    )
    return [ckan.package_dict(ctx.base_url, d, ctx.lang) for d in datasets]


@action
def package_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    dataset = find_dataset(ctx, str(require(data, "id")))
    return ckan.package_dict(ctx.base_url, dataset, ctx.lang)


@action
def resource_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    dataset, resource = find_resource(ctx, str(require(data, "id")))
    return ckan.resource_dict(ctx.base_url, dataset, resource)


def _organization_counts(ctx: ActionContext) -> dict[str, int]:
    query = (
        select(Dataset.organization_id, func.count())
        .where(readable_datasets(ctx.actor))
        .group_by(Dataset.organization_id)
    )
    return {key: count for key, count in ctx.session.execute(query)}


def _theme_counts(ctx: ActionContext) -> dict[str, int]:
    query = (
        select(dataset_theme.c.theme_id, func.count())
        .select_from(dataset_theme)
        .join(Dataset, Dataset.id == dataset_theme.c.dataset_id)
        .where(readable_datasets(ctx.actor))
        .group_by(dataset_theme.c.theme_id)
    )
    return {key: count for key, count in ctx.session.execute(query)}


def _sorted_names(rows: list[Any], data: dict[str, Any], title: str) -> list[Any]:
    sort = str(data.get("sort", "name asc")).strip().lower()
    field, _, direction = sort.partition(" ")
    key = (lambda r: getattr(r, title).lower()) if field == "title" else (lambda r: r.slug)
    return sorted(rows, key=key, reverse=direction.strip() == "desc")


@action
def organization_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    orgs = list(ctx.session.scalars(select(Organization)))
    orgs = _sorted_names(orgs, data, "name")
    offset = as_int(data, "offset", 0, high=10**9)
    orgs = orgs[offset : offset + as_int(data, "limit", MAX_LIST, low=1, high=MAX_LIST)]
    if not as_bool(data, "all_fields"):
        return [o.slug for o in orgs]
    counts = _organization_counts(ctx)
    return [ckan.organization_dict(o, counts.get(o.id, 0)) for o in orgs]


@action
def organization_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    key = str(require(data, "id"))
    org = ctx.session.scalar(
        select(Organization).where(or_(Organization.id == key, Organization.slug == key))
    )
    if org is None:
        raise NotFound("Organization not found")
    query = _full_dataset().where(Dataset.organization_id == org.id, readable_datasets(ctx.actor))
    datasets = list(ctx.session.scalars(query.order_by(Dataset.slug)))
    result = ckan.organization_dict(org, len(datasets))
    if as_bool(data, "include_datasets"):
        result["packages"] = [ckan.package_dict(ctx.base_url, d, ctx.lang) for d in datasets]
    return result


@action
def group_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    themes = _sorted_names(list(ctx.session.scalars(select(Theme))), data, "name_es")
    if not as_bool(data, "all_fields"):
        return [t.slug for t in themes]
    counts = _theme_counts(ctx)
    return [ckan.group_dict(t, ctx.lang, counts.get(t.id, 0)) for t in themes]


@action
def group_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    key = str(require(data, "id"))
    theme = ctx.session.scalar(select(Theme).where(or_(Theme.id == key, Theme.slug == key)))
    if theme is None:
        raise NotFound("Group not found")
    query = _full_dataset().where(
        Dataset.themes.any(Theme.id == theme.id), readable_datasets(ctx.actor)
    )
    datasets = list(ctx.session.scalars(query.order_by(Dataset.slug)))
    result = ckan.group_dict(theme, ctx.lang, len(datasets))
    if as_bool(data, "include_datasets"):
        result["packages"] = [ckan.package_dict(ctx.base_url, d, ctx.lang) for d in datasets]
    return result


@action
def tag_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Tags of datasets the caller may read; ``query`` filters by a name fragment."""
    query = (
        select(Tag)
        .where(
            Tag.id.in_(
                select(dataset_tag.c.tag_id)
                .join(Dataset, Dataset.id == dataset_tag.c.dataset_id)
                .where(readable_datasets(ctx.actor))
            )
        )
        .order_by(Tag.name)
    )
    if fragment := str(data.get("query") or data.get("q") or "").strip().lower():
        query = query.where(func.lower(Tag.name).contains(fragment, autoescape=True))
    tags = list(ctx.session.scalars(query))
    if as_bool(data, "all_fields"):
        return [ckan.tag_dict(t) for t in tags]
    return [t.name for t in tags]


@action
def license_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    return ckan.license_dicts()


@action
def package_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """CKAN's dataset search (q, fq, facet.field, rows, start, sort, include_private/drafts),
    answered by abierto's search service; see ``interop.ckan_search`` for the syntax read."""
    sort = str(data.get("sort") or ckan_search.DEFAULT_SORT)
    try:
        query = ckan_search.parse(str(data.get("q") or ""), *_filters(data))
        order = ckan_search.parse_sort(sort)
        fields = _facet_fields(data)
    except ckan_search.CkanQueryError as exc:
        raise SearchError(f"Search Query is invalid: {exc}") from None
    rows = as_int(data, "rows", 10, high=ROWS_MAX)
    limit = as_int(data, "facet.limit", FACET_LIMIT, low=-1, high=10**6)
    request = SearchQuery(
        q=query.text,
        sort=order,
        page_size=rows,
        offset=as_int(data, "start", 0, high=10**9),
        lang=ctx.lang,
        clauses=tuple(query.clauses),
        ranges=tuple(query.ranges),
        private=as_bool(data, "include_private"),
        drafts=as_bool(data, "include_drafts"),
        facet_size=10**6 if limit < 0 else limit,
    )
    if query.empty:
        return _search_result(ctx, sort, 0, [], {f: [] for f in fields})
    found = search(ctx.session, ctx.actor, request)
    facets = {f: found.facets.get(facet, []) for f, facet in fields.items()}
    return _search_result(ctx, sort, found.total, [d.id for d in found.items], facets)


def _filters(data: dict[str, Any]) -> list[str]:
    """``fq`` and ``fq_list`` (CKAN 2.9+: several filter queries, all must hold)."""
    extra = as_json(data, "fq_list", [])
    if not isinstance(extra, list):
        raise ckan_search.CkanQueryError("fq_list must be a list of filter queries")
    return [str(data.get("fq") or ""), *map(str, extra)]


def _facet_fields(data: dict[str, Any]) -> dict[str, str]:
    if not as_bool(data, "facet", True):
        return {}
    return ckan_search.facet_fields(as_json(data, "facet.field", []))


def _search_result(
    ctx: ActionContext,
    sort: str,
    count: int,
    ids: list[str],
    facets: dict[str, list[FacetValue]],
) -> dict[str, Any]:
    loaded = {d.id: d for d in ctx.session.scalars(_full_dataset().where(Dataset.id.in_(ids)))}
    results = [ckan.package_dict(ctx.base_url, loaded[i], ctx.lang) for i in ids if i in loaded]
    return {
        "count": count,
        "results": results,
        "facets": {f: {v.value: v.count for v in values} for f, values in facets.items()},
        "search_facets": {
            f: {
                "title": f,
                "items": [
                    {"name": v.value, "display_name": v.label, "count": v.count} for v in values
                ],
            }
            for f, values in facets.items()
        },
        "sort": sort,
    }
