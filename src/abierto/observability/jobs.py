"""Start, finish and failure of background jobs: a log line each and a duration sample.

Used by ``abierto.jobs.runner`` around every handler call, so in-process jobs (embedded
default) and RQ jobs (``abierto worker``) report the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from abierto.jobs.errors import will_retry
from abierto.observability.metrics import JOB_SECONDS

log = logging.getLogger("abierto.job")
ERROR_CHARS = 500


@contextmanager
def observe_job(job_id: str, kind: str, attempt: int, max_attempts: int) -> Iterator[None]:
    """Log and time one attempt of a job; outcome ``done``, ``retry`` or ``failed``."""
    fields = {"job_id": job_id, "kind": kind, "attempt": attempt, "max_attempts": max_attempts}
    log.info(
        "job %s (%s) started, attempt %d/%d",
        job_id,
        kind,
        attempt,
        max_attempts,
        extra={**fields, "event": "job.started"},
    )
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        outcome = "retry" if will_retry(exc, attempt, max_attempts) else "failed"
        _finished(fields, outcome, time.perf_counter() - started, error=str(exc))
        raise
    _finished(fields, "done", time.perf_counter() - started)


def _finished(fields: dict[str, object], outcome: str, seconds: float, error: str = "") -> None:
    JOB_SECONDS.labels(str(fields["kind"]), outcome).observe(seconds)
    duration_ms = round(seconds * 1000, 1)
    extra = {**fields, "event": f"job.{outcome}", "outcome": outcome, "duration_ms": duration_ms}
    if error:
        extra["error"] = error[:ERROR_CHARS]
    level = logging.INFO if outcome == "done" else logging.WARNING
    if outcome == "failed":
        level = logging.ERROR
    log.log(
        level,
        "job %s (%s) %s in %.1fms",
        fields["job_id"],
        fields["kind"],
        outcome,
        duration_ms,
        extra=extra,
    )
