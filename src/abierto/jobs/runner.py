"""Running one recorded job: state transitions, attempts, heartbeat, idempotence."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from abierto.catalog.models import utcnow
from abierto.jobs.errors import will_retry
from abierto.jobs.models import Job
from abierto.jobs.registry import handler_for
from abierto.observability.jobs import observe_job

if TYPE_CHECKING:
    from abierto.app_context import AppContext

log = logging.getLogger(__name__)
ERROR_CHARS = 4000


class JobFailed(RuntimeError):
    """The handler raised; ``retry`` says whether attempts are left."""

    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


def record(
    context: AppContext,
    kind: str,
    payload: dict[str, Any],
    *,
    key: str | None,
    created_by: str | None,
    max_attempts: int,
) -> tuple[str, bool]:
    """Insert the job row (or find the one with the same key); returns (id, is_new)."""
    with context.db.session() as session:
        if key is not None:
            existing = session.scalar(select(Job.id).where(Job.key == key))
            if existing is not None:
                return existing, False
        job = Job(
            kind=kind,
            payload=payload,
            key=key,
            created_by=created_by,
            max_attempts=max(1, max_attempts),
        )
        session.add(job)
        session.flush()
        return job.id, True


def run_job(context: AppContext, job_id: str) -> str:
    """Run ``job_id`` once; returns its final state. A finished job is not run again."""
    with context.db.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            raise LookupError(f"no job {job_id}")
        if job.state in ("done", "failed"):
            return job.state
        job.state, job.attempts = "running", job.attempts + 1
        job.started_at = job.heartbeat_at = utcnow()
        kind, payload, attempt, limit = job.kind, dict(job.payload), job.attempts, job.max_attempts
    try:
        with observe_job(job_id, kind, attempt, limit), _heartbeat(context, job_id):
            result = handler_for(kind)(context, payload)
    except Exception as exc:
        retry = will_retry(exc, attempt, limit)
        _finish(context, job_id, "queued" if retry else "failed", error=_describe(exc))
        log.warning("job %s (%s) attempt %d/%d failed: %s", job_id, kind, attempt, limit, exc)
        raise JobFailed(str(exc), retry) from exc
    _finish(context, job_id, "done", result=result or {})
    return "done"


def _describe(exc: Exception) -> str:
    text = "".join(traceback.format_exception_only(exc)).strip()
    return text[:ERROR_CHARS]


def _finish(
    context: AppContext,
    job_id: str,
    state: str,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    with context.db.session() as session:
        values: dict[str, Any] = {"state": state, "error": error}
        if state in ("done", "failed"):
            values["finished_at"] = utcnow()
        if result is not None:
            values["result"] = result
        session.execute(update(Job).where(Job.id == job_id).values(**values))


@contextmanager
def _heartbeat(context: AppContext, job_id: str) -> Iterator[None]:
    """Touch ``heartbeat_at`` while the handler runs, so a dead worker's job can be found."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(context.settings.job_heartbeat_seconds):
            try:
                with context.db.session() as session:
                    session.execute(
                        update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed beat is not a failure of the job
                log.debug("heartbeat of job %s failed", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def abandoned(context: AppContext, older_than: dt.timedelta) -> list[str]:
    """Jobs left queued or running by a process that died: to be handed out again."""
    cutoff = utcnow() - older_than
    with context.db.session() as session:
        return list(
            session.scalars(
                select(Job.id).where(
                    ((Job.state == "running") & (Job.heartbeat_at < cutoff))
                    | ((Job.state == "queued") & (Job.created_at < cutoff))
                )
            )
        )
