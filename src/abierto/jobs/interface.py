"""What the rest of abierto needs from a job queue."""

from __future__ import annotations

from typing import Any, Protocol


class JobQueue(Protocol):
    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        key: str | None = None,
        created_by: str | None = None,
        max_attempts: int = 3,
    ) -> str:
        """Record a job and hand it to the workers; returns its id (the existing job's id when
        ``key`` was already enqueued)."""
        ...

    def resubmit(self, job_id: str) -> None:
        """Hand a recorded job to the workers again (an admin's retry of a failed job)."""
        ...

    def wait(self, job_id: str, timeout: float) -> str:
        """Block until the job is done or failed (or the timeout passes); returns its state."""
        ...

    def close(self) -> None: ...
