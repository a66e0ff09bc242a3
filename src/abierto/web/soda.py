"""A SODA 2.1 read layer, so Socrata clients (sodapy, Socrata's own widgets) read abierto tables.

``GET /resource/{id}.json|.csv|.geojson`` with ``$select $where $order $group $having $limit
$offset $q $query`` and ``column=value`` filters, ``GET /resource/{id}/{row}.json`` and
``GET /api/views/{id}.json``. ``{id}`` is the resource id. SoQL is parsed and compiled to
parameterised SQL (``query.soql``); results stream, so a client asking for 100,000 rows gets
100,000 rows, and the default order is the file order, stable across pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import select

from abierto.accounts.permissions import readable_datasets
from abierto.catalog.models import Dataset, Release, Resource
from abierto.query.duck import connect
from abierto.query.soql import (
    SoqlError,
    SoqlQuery,
    parse_expression,
    parse_full_query,
    parse_group,
    parse_orderings,
    parse_selections,
)
from abierto.query.soql_sql import ROW_ID, SODA_TYPES, Compiled, compile_query
from abierto.web.auth import get_actor
from abierto.web.deps import get_context

log = logging.getLogger(__name__)
router = APIRouter(tags=["soda"])
DEFAULT_LIMIT = 1000
BATCH = 2000
QUERY_SECONDS = 30
SOURCE = "read_parquet($1, file_row_number = true)"
MEDIA = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/vnd.geo+json; charset=utf-8",
}


class SodaError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        body = {"code": self.code, "error": True, "message": self.message, "data": {}}
        return JSONResponse(body, self.status)


@dataclass(slots=True)
class Table:
    dataset: Dataset
    resource: Resource
    release: Release
    path: str
    publisher: str


def _find_table(request: Request, resource_id: str) -> Table:
    """The latest release of a table resource the caller may read; 404 otherwise."""
    context = get_context(request)
    actor = get_actor(request)
    with context.db.session() as session:
        resource = session.scalar(
            select(Resource)
            .join(Dataset, Resource.dataset_id == Dataset.id)
            .where(Resource.id == resource_id, readable_datasets(actor))
        )
        release = resource.releases[-1] if resource and resource.releases else None
        if resource is None or release is None:
            raise SodaError(404, "not_found", f"Cannot find view with id {resource_id}")
        dataset = resource.dataset
        publisher = dataset.organization.name
        session.expunge_all()
    path = str(context.store.local_path(release.blob_key))
    return Table(dataset, resource, release, path, publisher)


def _soql(params: dict[str, str]) -> SoqlQuery:
    if "$query" in params:
        return parse_full_query(params["$query"])
    query = SoqlQuery()
    if text := params.get("$select"):
        query.select = parse_selections(text)
    if text := params.get("$where"):
        query.where = parse_expression(text)
    if text := params.get("$order"):
        query.order = parse_orderings(text)
    if text := params.get("$group"):
        query.group = parse_group(text)
    if text := params.get("$having"):
        query.having = parse_expression(text)
    query.search = params.get("$q") or None
    query.limit = _count(params, "$limit", DEFAULT_LIMIT)
    query.offset = _count(params, "$offset", 0)
    return query


def _count(params: dict[str, str], key: str, default: int) -> int:
    value = params.get(key)
    if value is None:
        return default
    if not value.isdigit():
        raise SoqlError(f"{key} must be a non-negative integer, not {value!r}")
    return int(value)


def _compile(table: Table, params: dict[str, str]) -> Compiled:
    equality = {k: v for k, v in params.items() if not k.startswith("$")}
    query = _soql(params)
    if query.limit is None:
        query.limit = DEFAULT_LIMIT
    return compile_query(query, table.release.columns, SOURCE, equality, [table.path])


def _etag(table: Table, request: Request) -> str:
    digest = hashlib.sha256(f"{table.release.checksum}?{request.url.query}".encode())
    return f'"{digest.hexdigest()[:32]}"'


def _headers(table: Table, compiled: Compiled, etag: str) -> dict[str, str]:
    modified = table.release.created_at.replace(tzinfo=dt.UTC)
    return {
        "X-SODA2-Fields": json.dumps(compiled.fields),
        "X-SODA2-Types": json.dumps([SODA_TYPES.get(t, "text") for t in compiled.types]),
        "X-SODA2-Data-Out-Of-Date": "false",
        "X-SODA2-Truth-Last-Modified": modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Last-Modified": modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "ETag": etag,
        "Cache-Control": "no-cache",
    }


def soda_value(value: Any, kind: str) -> Any:
    """A value as Socrata writes it: numbers and dates as strings, points as GeoJSON."""
    if value is None or isinstance(value, bool):
        return value
    if kind == "geopoint" and isinstance(value, dict):
        return {"type": "Point", "coordinates": [value["lon"], value["lat"]]}
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000")
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value)


class Run:
    """One query on its own DuckDB connection, interrupted when it exceeds the time limit."""

    def __init__(self, request: Request, compiled: Compiled) -> None:
        settings = get_context(request).settings
        self.con = connect(settings, memory_mb=settings.query_memory_mb)
        timer = threading.Timer(QUERY_SECONDS, self.con.interrupt)
        timer.start()
        try:
            self.cursor = self.con.execute(compiled.sql, compiled.params)
            self.first = self.cursor.fetchmany(BATCH)
        except BaseException:
            self.con.close()
            raise
        finally:
            timer.cancel()

    def rows(self) -> Iterator[tuple[Any, ...]]:
        try:
            batch = self.first
            while batch:
                yield from batch
                batch = self.cursor.fetchmany(BATCH)
        finally:
            self.con.close()


def _json_stream(run: Run, compiled: Compiled) -> Iterator[bytes]:
    yield b"["
    first = True
    for row in run.rows():
        record = {
            name: soda_value(value, kind)
            for name, kind, value in zip(compiled.fields, compiled.types, row, strict=True)
            if value is not None
        }
        yield (b"\n" if first else b",\n") + json.dumps(record, ensure_ascii=False).encode()
        first = False
    yield b"]\n"


def _csv_stream(run: Run, compiled: Compiled) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(compiled.fields)
    for n, row in enumerate(run.rows()):
        values = [soda_value(v, k) for k, v in zip(compiled.types, row, strict=True)]
        writer.writerow([json.dumps(v) if isinstance(v, dict) else v for v in values])
        if n % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _geometry_of(table: Table, compiled: Compiled) -> tuple[int, ...] | None:
    """Where the point is in a row: a geopoint column, or a latitude/longitude pair."""
    if "geopoint" in compiled.types:
        return (compiled.types.index("geopoint"),)
    pair = table.release.schema.get("point") or {}
    if pair.get("lat") in compiled.fields and pair.get("lon") in compiled.fields:
        return compiled.fields.index(pair["lat"]), compiled.fields.index(pair["lon"])
    return None


def _geometry(row: tuple[Any, ...], at: tuple[int, ...]) -> dict[str, Any] | None:
    if len(at) == 1:
        return soda_value(row[at[0]], "geopoint")
    lat, lon = row[at[0]], row[at[1]]
    return None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}


def _geojson_stream(run: Run, compiled: Compiled, at: tuple[int, ...]) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for row in run.rows():
        properties = {
            name: soda_value(value, kind)
            for name, kind, value in zip(compiled.fields, compiled.types, row, strict=True)
            if kind != "geopoint" and value is not None
        }
        feature = {"type": "Feature", "geometry": _geometry(row, at), "properties": properties}
        yield (b"" if first else b",") + json.dumps(feature, ensure_ascii=False).encode()
        first = False
    yield b"]}\n"


STREAMS = {"json": _json_stream, "csv": _csv_stream}


def _respond(request: Request, resource_id: str, fmt: str) -> Response:
    try:
        table = _find_table(request, resource_id)
        params = dict(request.query_params)
        compiled = _compile(table, params)
        etag = _etag(table, request)
        headers = _headers(table, compiled, etag)
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        at = _geometry_of(table, compiled)
        if fmt == "geojson" and at is None:
            raise SodaError(400, "query.execution.no-geometry", "this query selects no point")
        run = Run(request, compiled)
    except SodaError as exc:
        return exc.response()
    except SoqlError as exc:
        return SodaError(400, exc.code, str(exc)).response()
    except duckdb.InterruptException:
        return SodaError(408, "query.execution.timeout", "the query took too long").response()
    except duckdb.Error as exc:
        message = str(exc).split("\n")[0]
        return SodaError(400, "query.execution.failed", message).response()
    stream = _geojson_stream(run, compiled, at) if at and fmt == "geojson" else None
    stream = stream or STREAMS[fmt](run, compiled)  # type: ignore[operator]
    return StreamingResponse(stream, media_type=MEDIA[fmt], headers=headers)


@router.get("/resource/{resource_id}.{fmt}", summary="SODA 2.1: rows of a table")
def resource_rows(resource_id: str, fmt: str, request: Request) -> Response:
    if fmt not in (*STREAMS, "geojson"):
        return SodaError(400, "format.unsupported", f"unsupported format .{fmt}").response()
    return _respond(request, resource_id, fmt)


@router.get("/resource/{resource_id}/{row_id}.json", summary="SODA 2.1: one row by its :id")
def resource_row(resource_id: str, row_id: str, request: Request) -> Response:
    if not row_id.isdigit():
        return SodaError(404, "not_found", f"no row {row_id}").response()
    try:
        table = _find_table(request, resource_id)
        query = SoqlQuery(where=parse_expression(f"{ROW_ID} = {int(row_id)}"), limit=1)
        compiled = compile_query(query, table.release.columns, SOURCE, None, [table.path])
        rows = list(Run(request, compiled).rows())
    except SodaError as exc:
        return exc.response()
    if not rows:
        return SodaError(404, "not_found", f"no row {row_id}").response()
    record = {
        name: soda_value(value, kind)
        for name, kind, value in zip(compiled.fields, compiled.types, rows[0], strict=True)
        if value is not None
    }
    return JSONResponse(record)


@router.get("/api/views/{resource_id}.json", summary="SODA: a table's metadata")
def view_metadata(resource_id: str, request: Request) -> Response:
    try:
        table = _find_table(request, resource_id)
    except SodaError as exc:
        return exc.response()
    release, dataset = table.release, table.dataset
    descriptions = table.resource.column_descriptions or {}
    columns = [
        {
            "id": position + 1,
            "name": column.get("title") or column["name"],
            "fieldName": column["name"],
            "dataTypeName": SODA_TYPES.get(column.get("type", "text"), "text"),
            "description": descriptions.get(column["name"], column.get("description", "")),
            "position": position + 1,
        }
        for position, column in enumerate(release.columns)
    ]
    updated = int(release.created_at.replace(tzinfo=dt.UTC).timestamp())
    return JSONResponse(
        {
            "id": table.resource.id,
            "name": dataset.title if table.resource.name == "data" else table.resource.name,
            "description": dataset.description,
            "attribution": table.publisher,
            "license": {"name": dataset.license_id or "notspecified"},
            "createdAt": int(table.resource.created_at.replace(tzinfo=dt.UTC).timestamp()),
            "rowsUpdatedAt": updated,
            "viewLastModified": updated,
            "columns": columns,
            "metadata": {"rowCount": release.row_count, "releaseNumber": release.number},
        }
    )
