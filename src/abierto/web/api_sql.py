"""``/api/v1/sql``: one read-only SELECT over the tables the caller may read.

Tables are named ``"dataset/resource"`` (the latest release), ``"dataset/resource@3"``
(release 3), by resource id, or by the dataset alone when its table is the usual "data".
Names are resolved with the one read rule (``permissions.readable_datasets``): a private
table is "no such table" to whoever may not read it, exactly like a table that does not
exist. The query itself is checked and run by ``query.sandbox``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Actor, readable_datasets
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Release, Resource
from abierto.query import sandbox
from abierto.web.auth import ActorDep
from abierto.web.deps import ContextDep

router = APIRouter(prefix="/api/v1", tags=["sql"])
NAME = re.compile(r"^(?P<base>[^@]+?)(?:@(?P<number>[0-9]{1,9}))?$")
RESOURCE_ID = re.compile(r"^[0-9a-f]{32}$")
DEFAULT_RESOURCE = "data"  # a single-table file always publishes to this resource
Format = Literal["json", "csv"]
ERRORS = {
    400: {"description": "The query is not allowed, names an unknown table, or is invalid"},
    408: {"description": "The query ran past the time limit"},
    503: {"description": "Too many queries at once; retry"},
}


class SqlRequest(BaseModel):
    sql: str = Field(description='One SELECT, e.g. SELECT count(*) FROM "obras/data"')
    limit: int = Field(sandbox.ROW_LIMIT, ge=1, le=sandbox.MAX_ROW_LIMIT)
    format: Format = "json"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    dataset: str
    resource: str
    release_id: str
    number: int
    path: Path


@router.get("/sql", responses=ERRORS, summary="Run one read-only SELECT")
def sql_get(
    context: ContextDep,
    actor: ActorDep,
    sql: str = Query(description='One SELECT, e.g. SELECT count(*) FROM "obras/data"'),
    limit: int = Query(sandbox.ROW_LIMIT, ge=1, le=sandbox.MAX_ROW_LIMIT),
    format: Format = "json",
) -> Response:
    """`{"fields": [{name, type, db_type}], "rows": [[…]], "truncated", "tables"}`, or CSV."""
    return _answer(context, actor, sql, limit, format)


@router.post("/sql", responses=ERRORS, summary="Run one read-only SELECT (JSON body)")
def sql_post(body: SqlRequest, context: ContextDep, actor: ActorDep) -> Response:
    """The same as GET, for queries too long for a URL. Read-only, so no CSRF token: the
    body must be JSON, which a cross-site form cannot send."""
    return _answer(context, actor, body.sql, body.limit, body.format)


def _answer(context: AppContext, actor: Actor, sql: str, limit: int, fmt: str) -> Response:
    try:
        checked = sandbox.check(sql)
        with context.db.session() as session:
            names = sorted(checked.tables)
            tables = [resolve_table(session, context, actor, name) for name in names]
        files = {t.name: t.path for t in tables}
        result = sandbox.run(context.settings, checked, files, row_limit=limit)
    except sandbox.SqlError as exc:
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        return JSONResponse({"detail": exc.message, "code": exc.code}, exc.status, headers)
    if fmt == "csv":
        return _csv(result)
    return JSONResponse(
        {
            "fields": result.fields,
            "rows": result.rows,
            "truncated": result.truncated,
            "tables": [_describe(t) for t in tables],
        }
    )


def resolve_table(session: Session, context: AppContext, actor: Actor, name: str) -> Table:
    """The release a table name means, if ``actor`` may read it; else ``UnknownTable``."""
    match = NAME.match(name)
    found = _find(session, actor, match["base"], match["number"]) if match else None
    if found is None:
        raise sandbox.UnknownTable(name)
    dataset, resource, release = found
    path = context.store.local_path(release.blob_key)
    return Table(name, dataset.slug, resource.name, release.id, release.number, path)


def _find(
    session: Session, actor: Actor, base: str, number: str | None
) -> tuple[Dataset, Resource, Release] | None:
    if "/" in base:
        slug, resource_name = base.split("/", 1)
        which = and_(Dataset.slug == slug, Resource.name == resource_name)
    elif RESOURCE_ID.match(base):
        which = Resource.id == base
    else:
        which = and_(Dataset.slug == base, Resource.name == DEFAULT_RESOURCE)
    row = session.execute(
        select(Dataset, Resource)
        .join(Resource, Resource.dataset_id == Dataset.id)
        .where(which, Resource.kind == "table", readable_datasets(actor))
    ).first()
    if row is None:
        return None
    dataset, resource = row
    wanted = (
        int(number)
        if number is not None
        else select(func.max(Release.number))
        .where(Release.resource_id == resource.id)
        .scalar_subquery()
    )
    release = session.scalar(
        select(Release).where(Release.resource_id == resource.id, Release.number == wanted)
    )
    return None if release is None else (dataset, resource, release)


def _describe(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "dataset": table.dataset,
        "resource": table.resource,
        "release": {"id": table.release_id, "number": table.number},
    }


def _csv(result: sandbox.SqlResult) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f["name"] for f in result.fields])
    writer.writerows([_cell(v) for v in row] for row in result.rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"X-Truncated": "true" if result.truncated else "false"},
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
