"""The built-in job handlers."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from abierto.ingest.publish import PublishRequest, publish
from abierto.jobs.registry import handler

if TYPE_CHECKING:
    from abierto.app_context import AppContext


@handler("publish")
def publish_upload(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Publish a staged upload (a blob under ``uploads/``) as a new release of a dataset.

    The upload is copied to local scratch space under its original file name (readers look at
    the extension); a crash leaves nothing but scratch files, and a rerun after a crash finds
    either no release (publishes) or the release it made (the source hash matches: no-op).
    """
    source = context.store.local_path(payload["blob_key"])
    settings = context.settings
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="job-", dir=settings.scratch_dir) as tmp:
        local = Path(tmp) / Path(payload["source_name"]).name
        shutil.copyfile(source, local)
        request = PublishRequest(
            path=local,
            organization=payload["organization"],
            dataset=payload["dataset"],
            title=payload.get("title"),
            renames=dict(payload.get("renames") or {}),
        )
        with context.db.session() as session:
            result = publish(session, settings, context.store, request)
            summary = result.to_dict()
    return {
        "dataset": summary["dataset"],
        "unchanged": summary["unchanged"],
        "releases": [
            {k: r[k] for k in ("id", "resource", "number", "row_count")}
            for r in summary["releases"]
        ],
    }
