"""Production: jobs on an RQ queue in Redis, run by any number of ``abierto worker`` processes.

The ``job`` row is the truth about a job; RQ only delivers job ids. RQ retries a failed
job with backoff, and (RQ ≥ 2) re-queues a job whose worker died mid-run once the worker's
heartbeat expires; ``run_job`` skips what is already done, so a job completes once.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from redis import Redis
from rq import Queue, Retry, SimpleWorker

from abierto.jobs.models import Job
from abierto.jobs.runner import JobFailed, abandoned, record, run_job

if TYPE_CHECKING:
    from abierto.app_context import AppContext

RETRY_INTERVALS = [5, 30, 120]
JOB_TIMEOUT = 6 * 3600  # a multi-gigabyte publish may take a while
_worker_context: AppContext | None = None


def connection(url: str) -> Redis:
    return Redis.from_url(url)


class RqQueue:
    def __init__(self, context: AppContext, url: str) -> None:
        self.context = context
        self.redis = connection(url)
        self.queue = Queue(context.settings.queue_name, connection=self.redis)

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        key: str | None = None,
        created_by: str | None = None,
        max_attempts: int = 3,
    ) -> str:
        job_id, new = record(
            self.context, kind, payload, key=key, created_by=created_by, max_attempts=max_attempts
        )
        if new:
            self.queue.enqueue(
                perform,
                job_id,
                job_id=job_id,
                retry=Retry(max=max_attempts - 1, interval=RETRY_INTERVALS)
                if max_attempts > 1
                else None,  # RQ refuses Retry(max=0)
                job_timeout=JOB_TIMEOUT,
                result_ttl=3600,
                failure_ttl=7 * 86400,
            )
        return job_id

    def resubmit(self, job_id: str) -> None:
        """One more attempt, without RQ retries: the admin asked for exactly one."""
        self.queue.enqueue(perform, job_id, job_timeout=JOB_TIMEOUT, result_ttl=3600)

    def wait(self, job_id: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            with self.context.db.session() as session:
                state = session.get(Job, job_id).state  # type: ignore[union-attr]
            if state in ("done", "failed") or time.monotonic() >= deadline:
                return state
            time.sleep(0.1)

    def depth(self) -> int:
        return len(self.queue)

    def close(self) -> None:
        self.redis.close()


def perform(job_id: str) -> str:
    """What an RQ worker runs: the job, with this worker process's AppContext."""
    if _worker_context is None:
        raise RuntimeError("perform() runs inside `abierto worker`")
    try:
        return run_job(_worker_context, job_id)
    except JobFailed as failure:
        if failure.retry:
            raise  # RQ records it and retries while attempts are left
        return "failed"  # recorded as failed; another attempt would fail the same way


def run_worker(
    context: AppContext, url: str, *, burst: bool = False, name: str | None = None
) -> None:
    """``abierto worker``: take jobs from Redis until stopped (or, with burst, until empty)."""
    global _worker_context
    _worker_context = context
    redis = connection(url)
    queue = Queue(context.settings.queue_name, connection=redis)
    silence = dt.timedelta(seconds=3 * context.settings.job_heartbeat_seconds)
    for job_id in abandoned(context, silence):
        queue.enqueue(perform, job_id, retry=Retry(max=2, interval=RETRY_INTERVALS))
    # No fork per job: the process keeps one AppContext, and a killed worker kills its job.
    worker = SimpleWorker([queue], connection=redis, name=name)
    # RQ forks its scheduler process: it must not inherit open database connections, or a
    # killed worker's transaction would stay open (and its locks held) in the child.
    context.db.engine.dispose()
    worker.work(burst=burst, with_scheduler=True)
