"""CKAN DataStore actions over abierto's releases: datastore_search, _search_sql and _info.

A table resource is "in the DataStore" as soon as it has a release; its rows are read from the
latest release's Parquet file with the data API's engine (``query.rows``) and, for SQL, the
sandbox (``query.sandbox``); table names in SQL are resource ids, as in CKAN.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from abierto.interop import ckan
from abierto.query import sandbox
from abierto.query.engine import QueryBusy, QueryTimeout, run_rows
from abierto.query.rows import MAX_LIMIT, Filter, QueryError, RowQuery, convert
from abierto.web.api_sql import resolve_table
from abierto.web.ckan_actions import find_resource
from abierto.web.ckan_api import (
    ActionContext,
    CkanError,
    NotFound,
    ValidationError,
    action,
    as_bool,
    as_int,
    as_json,
    require,
)


def _table(ctx: ActionContext, data: dict[str, Any]) -> tuple[Any, Any]:
    resource_id = str(
        require(data, "resource_id") if "resource_id" in data else require(data, "id")
    )
    _, resource = find_resource(ctx, resource_id)
    if resource.kind != "table" or not resource.releases:
        raise NotFound(f"Resource {resource_id} has no DataStore table")
    return resource, resource.releases[-1]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [n.strip() for n in value.split(",") if n.strip()]
    return [str(n) for n in value or []]


def _row_query(data: dict[str, Any], columns: list[dict[str, Any]]) -> RowQuery:
    types = {c["name"]: c.get("type", "text") for c in columns}
    query = RowQuery(limit=as_int(data, "limit", 100, high=MAX_LIMIT))
    query.offset = as_int(data, "offset", 0, high=10**12)
    query.include_total = as_bool(data, "include_total", True)
    for column, value in (as_json(data, "filters", {}) or {}).items():
        if column not in types:
            raise ValidationError("invalid filters", filters=[f"field {column!r} not in table"])
        values = value if isinstance(value, list) else [value]
        converted = [convert(str(v), types[column], "filters") for v in values]
        query.filters.append(Filter(column, "in", converted))
    q = as_json(data, "q", "") if str(data.get("q", "")).startswith("{") else data.get("q")
    if isinstance(q, dict):
        for column, text in q.items():
            if column not in types:
                raise ValidationError("invalid q", q=[f"field {column!r} not in table"])
            query.filters.append(Filter(column, "contains", str(text)))
    elif q:
        query.q = str(q)
    fields = [n for n in _names(data.get("fields")) if n != "_id"]
    for name in fields:
        if name not in types:
            raise ValidationError("invalid fields", fields=[f"field {name!r} not in table"])
    query.select = fields or None
    for part in str(data.get("sort") or "").split(","):
        name, _, direction = part.strip().partition(" ")
        name = name.strip('"')
        if not name or name == "_id":
            continue
        if name not in types:
            raise ValidationError("invalid sort", sort=[f"field {name!r} not in table"])
        query.order.append((name, direction.strip().lower() == "desc"))
    if as_bool(data, "distinct"):
        query.group_by = fields or list(types)
    return query


def _field(field: dict[str, Any]) -> dict[str, str]:
    return {"id": field["name"], "type": ckan.CKAN_TYPES.get(field["type"], "text")}


@action
def datastore_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    resource, release = _table(ctx, data)
    try:
        query = _row_query(data, release.columns)
        path = str(ctx.app.store.local_path(release.blob_key))
        result = run_rows(ctx.app.settings, path, release.columns, query)
    except QueryError as exc:
        raise ValidationError(str(exc), **{exc.param: [str(exc)]}) from exc
    except (QueryTimeout, QueryBusy) as exc:
        raise CkanError(str(exc)) from exc
    records_format = str(data.get("records_format") or "objects")
    fields = [{"id": "_id", "type": "int"}] if result.row_ids is not None else []
    fields += [
        {"id": f["name"], "type": ckan.CKAN_TYPES.get(f["type"], "text")} for f in result.fields
    ]
    rows = [
        ([row_id] if result.row_ids is not None else []) + row
        for row_id, row in zip(
            result.row_ids or [None] * len(result.rows), result.rows, strict=True
        )
    ]
    columns = [f["id"] for f in fields]
    records: Any
    if records_format == "lists":
        records = rows
    elif records_format in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t" if records_format == "tsv" else ",")
        writer.writerows(rows)
        records = buffer.getvalue()
    else:
        records = [dict(zip(columns, row, strict=True)) for row in rows]
    base = f"/api/3/action/datastore_search?resource_id={resource.id}"
    params = {k: v for k, v in data.items() if k not in ("resource_id", "offset")}
    next_link = f"{base}&{urlencode({**params, 'offset': query.offset + query.limit})}"
    result_dict = {
        "resource_id": resource.id,
        "fields": fields,
        "records": records,
        "limit": query.limit,
        "offset": query.offset,
        "records_format": records_format,
        "include_total": query.include_total,
        "_links": {"start": base, "next": next_link},
    }
    if query.include_total:
        result_dict["total"] = result.total
        result_dict["total_was_estimated"] = False
    return result_dict


@action
def datastore_search_sql(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    sql = str(require(data, "sql"))
    try:
        checked = sandbox.check(sql)
        tables = [resolve_table(ctx.session, ctx.app, ctx.actor, n) for n in sorted(checked.tables)]
        result = sandbox.run(ctx.app.settings, checked, {t.name: t.path for t in tables})
    except sandbox.SqlError as exc:
        raise ValidationError(exc.message, query=[exc.message]) from exc
    names = [f["name"] for f in result.fields]
    return {
        "sql": sql,
        "fields": [_field(f) for f in result.fields],
        "records": [dict(zip(names, row, strict=True)) for row in result.rows],
        "records_truncated": result.truncated,
    }


@action
def datastore_info(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    resource, release = _table(ctx, data)
    return {
        "meta": {
            "id": resource.id,
            "count": release.row_count,
            "table_type": "BASE TABLE",
            "size": release.size_bytes,
            "release": release.number,
        },
        "fields": [f for f in ckan.datastore_fields(release) if f["id"] != "_id"],
    }
