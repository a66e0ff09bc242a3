"""The built-in job handlers.

Importing ``abierto.ingest.tasks`` registers ``publish.web``, the browser's background
publish (a staged upload with its metadata, as its editor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.publish import PublishRequest, publish
from abierto.ingest.tasks import PublishFailed, local_copy, summary, unreadable
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
    with local_copy(context, payload["blob_key"], payload["source_name"]) as local:
        request = PublishRequest(
            path=local,
            organization=payload["organization"],
            dataset=payload["dataset"],
            title=payload.get("title"),
            renames=dict(payload.get("renames") or {}),
        )
        try:
            with context.db.session() as session:
                return summary(publish(session, context.settings, context.store, request))
        except UnreadableFileError as exc:  # the same bytes would fail the same way
            raise PublishFailed(unreadable(payload["source_name"], exc)) from exc
