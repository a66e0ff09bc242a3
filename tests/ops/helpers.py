"""Shared helpers of the operations tests: publishing real CSV text, reading a catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from abierto.app_context import AppContext
from abierto.ingest.publish import PublishRequest, PublishResult, publish
from abierto.ops.backup import tables
from abierto.ops.manifest import encode


def publish_text(ctx: AppContext, folder: Path, dataset: str, text: str) -> PublishResult:
    source = folder / f"{dataset}.csv"
    folder.mkdir(parents=True, exist_ok=True)
    source.write_text(text, encoding="utf-8")
    with ctx.db.session() as session:
        return publish(
            session,
            ctx.settings,
            ctx.store,
            PublishRequest(path=source, organization="sfp", dataset=dataset),
        )


def catalog(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every metadata table, comparable across backends."""
    out: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        for table in tables():
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings()
            out[table.name] = [{k: encode(v) for k, v in row.items()} for row in rows]
    return out
