"""The embedded job queue: real jobs on a thread pool, recorded in the real database."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.ingest.hashing import sha256_file
from abierto.jobs.errors import NotRetryable
from abierto.jobs.models import Job
from abierto.jobs.registry import handler

ATTEMPTS: dict[str, int] = {}
LOCK = threading.Lock()


@handler("test.flaky")
def flaky(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    with LOCK:
        ATTEMPTS[payload["name"]] = ATTEMPTS.get(payload["name"], 0) + 1
        seen = ATTEMPTS[payload["name"]]
    if seen < payload["succeed_on"]:
        raise RuntimeError(f"attempt {seen} fails on purpose")
    return {"attempts": seen}


@handler("test.refuses")
def refuses(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    with LOCK:
        ATTEMPTS[payload["name"]] = ATTEMPTS.get(payload["name"], 0) + 1
    raise NotRetryable("the file has no table: another attempt would say the same")


def stage(context: AppContext, path: Path) -> str:
    key = f"uploads/{sha256_file(path)}"
    context.store.put_file(path, key)
    return key


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("abierto.jobs.inprocess.BACKOFF_SECONDS", (0.05, 0.05, 0.05))


def test_publish_job_creates_one_release(context: AppContext, tmp_path: Path) -> None:
    source = tmp_path / "obras.csv"
    source.write_text("Obra,Monto\nPuente,10\nCalle,20\n", encoding="utf-8")
    payload = {
        "blob_key": stage(context, source),
        "source_name": "obras.csv",
        "organization": "zapopan",
        "dataset": "obras",
        "title": "Obras",
    }
    first = context.jobs.enqueue("publish", payload, key="publish:obras:1")
    again = context.jobs.enqueue("publish", payload, key="publish:obras:1")
    assert first == again
    assert context.jobs.wait(first, timeout=30) == "done"
    with context.db.session() as session:
        job = session.get(Job, first)
        assert job.attempts == 1 and job.result["releases"][0]["row_count"] == 2
        assert len(session.scalars(select(Release)).all()) == 1
        assert session.scalar(select(Release.source_name)) == "obras.csv"


def test_failures_are_retried_then_recorded(context: AppContext, fast_backoff: None) -> None:
    ok = context.jobs.enqueue("test.flaky", {"name": f"ok-{id(context)}", "succeed_on": 2})
    bad = context.jobs.enqueue(
        "test.flaky", {"name": f"bad-{id(context)}", "succeed_on": 99}, max_attempts=2
    )
    assert context.jobs.wait(ok, timeout=20) == "done"
    assert context.jobs.wait(bad, timeout=20) == "failed"
    with context.db.session() as session:
        done, failed = session.get(Job, ok), session.get(Job, bad)
        assert done.attempts == 2 and done.error is None and done.result == {"attempts": 2}
        assert failed.attempts == 2 and "fails on purpose" in failed.error


def test_a_failure_that_would_repeat_is_not_retried(
    context: AppContext, fast_backoff: None
) -> None:
    name = f"refused-{id(context)}"
    job_id = context.jobs.enqueue("test.refuses", {"name": name}, max_attempts=3)
    assert context.jobs.wait(job_id, timeout=20) == "failed"
    time.sleep(0.3)  # longer than the backoff: a retry would have run by now
    with context.db.session() as session:
        job = session.get(Job, job_id)
        assert job.attempts == 1 and "another attempt would say the same" in job.error
    assert ATTEMPTS[name] == 1


def test_unknown_kind_fails_clearly(context: AppContext) -> None:
    job_id = context.jobs.enqueue("no.such.kind", {}, max_attempts=1)
    assert context.jobs.wait(job_id, timeout=10) == "failed"
    with context.db.session() as session:
        assert "no handler for job kind 'no.such.kind'" in session.get(Job, job_id).error


def test_unfinished_jobs_resume_when_the_process_starts(context: AppContext) -> None:
    with context.db.session() as session:
        session.add(
            Job(id="left-behind", kind="test.flaky", payload={"name": "resume", "succeed_on": 1})
        )
    restarted = AppContext.create(context.settings)
    try:
        assert restarted.jobs.wait("left-behind", timeout=10) == "done"
    finally:
        restarted.close()
