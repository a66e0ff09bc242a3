"""The embedded default: jobs run on a small thread pool inside the web or CLI process.

Jobs still go through the ``job`` table, so the admin page shows them and a job left
unfinished when the process stopped is picked up again when it starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from abierto.jobs.models import Job
from abierto.jobs.runner import JobFailed, abandoned, record, run_job

if TYPE_CHECKING:
    from abierto.app_context import AppContext

log = logging.getLogger(__name__)
BACKOFF_SECONDS = (2.0, 10.0, 60.0)


class InProcessQueue:
    def __init__(self, context: AppContext, workers: int = 1) -> None:
        self.context = context
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="abierto-job")
        self.timers: set[threading.Timer] = set()
        self.lock = threading.Lock()
        self.closed = False
        for job_id in abandoned(context, dt.timedelta(0)):
            self._submit(job_id)

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
            self._submit(job_id)
        return job_id

    def resubmit(self, job_id: str) -> None:
        self._submit(job_id)

    def _submit(self, job_id: str) -> None:
        with self.lock:
            if not self.closed:
                self.pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        try:
            run_job(self.context, job_id)
        except JobFailed as failure:
            if failure.retry:
                self._retry_later(job_id)
        except Exception:
            log.exception("job %s could not run", job_id)

    def _retry_later(self, job_id: str) -> None:
        with self.context.db.session() as session:
            attempts = session.get(Job, job_id).attempts  # type: ignore[union-attr]
        delay = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
        timer = threading.Timer(delay, self._submit, args=(job_id,))
        timer.daemon = True
        with self.lock:
            self.timers.add(timer)
        timer.start()

    def wait(self, job_id: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            with self.context.db.session() as session:
                state = session.get(Job, job_id).state  # type: ignore[union-attr]
            if state in ("done", "failed") or time.monotonic() >= deadline:
                return state
            time.sleep(0.05)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            for timer in self.timers:
                timer.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)
