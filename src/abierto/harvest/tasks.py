"""The ``harvest.run`` job, and enqueueing it so one source is never queued twice at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from abierto.harvest.service import run_harvest
from abierto.jobs.models import jobs_keyed
from abierto.jobs.registry import handler

if TYPE_CHECKING:
    from abierto.app_context import AppContext

KIND = "harvest.run"
KEY_PREFIX = "harvest:"


@handler(KIND)
def harvest_job(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Harvest ``payload["source_id"]`` (``full``: no incremental filter, withdraw what is
    gone). Source errors are retried with backoff unless they are ``NotRetryable``."""
    counts = run_harvest(context, str(payload["source_id"]), full=bool(payload.get("full")))
    return counts.as_dict()


def enqueue_run(
    context: AppContext, source_id: str, *, full: bool = False, created_by: str | None = None
) -> str:
    """The source's queued or running harvest job if there is one, else a new one."""
    with context.db.session() as session:
        earlier = jobs_keyed(session, f"{KEY_PREFIX}{source_id}:")
    current = next((job_id for job_id, state in earlier if state in ("queued", "running")), None)
    if current is not None:
        return current
    return context.jobs.enqueue(
        KIND,
        {"source_id": source_id, "full": full},
        key=f"{KEY_PREFIX}{source_id}:{len(earlier)}",
        created_by=created_by,
    )
