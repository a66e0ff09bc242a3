"""Production jobs: RQ over the local Redis, `abierto worker` processes, PostgreSQL metadata.

The crash test kills a worker with SIGKILL in the middle of a publish and checks that after a
restart the job completes once, with exactly one new release, while the previous release
stayed readable.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.ingest.hashing import sha256_file
from abierto.ingest.publish import PublishRequest, publish
from abierto.jobs.models import Job
from abierto.ops.gc import collect
from abierto.settings import Settings
from tests.conftest import _truncate_all, redis_problem

REDIS_URL = os.environ.get("ABIERTO_TEST_REDIS", "redis://127.0.0.1:6379/0")
ABIERTO = Path(sys.executable).parent / "abierto"


@pytest.fixture
def production(postgres_url: str, tmp_path: Path) -> Iterator[AppContext]:
    if problem := redis_problem(REDIS_URL):
        message = f"REDIS NOT AVAILABLE at {REDIS_URL}: worker tests skipped ({problem})"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    settings = Settings(
        home=tmp_path / "home",
        database_url=postgres_url,
        queue_url=REDIS_URL,
        queue_name=f"abierto-test-{uuid.uuid4().hex[:8]}",
        job_heartbeat_seconds=0.3,
    )
    context = AppContext.create(settings)
    _truncate_all(context.db)
    yield context
    _stop_workers()  # a live worker may hold row locks the cleanup would wait for
    _truncate_all(context.db)
    context.close()


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ABIERTO_HOME": str(settings.home),
        "ABIERTO_DATABASE_URL": settings.database_url,
        "ABIERTO_QUEUE_URL": settings.queue_url,
        "ABIERTO_QUEUE_NAME": settings.queue_name,
        "ABIERTO_JOB_HEARTBEAT_SECONDS": str(settings.job_heartbeat_seconds),
    }


STARTED: list[subprocess.Popen[bytes]] = []


def _worker(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(ABIERTO), "worker", *args],
        env=_environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: RQ's scheduler child dies with it
    )
    STARTED.append(process)
    return process


def _stop_workers() -> None:
    while STARTED:
        process = STARTED.pop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _csv(path: Path, rows: int, note: str) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write("Folio,Municipio,Monto,Fecha,Nota\n")
        for n in range(rows):
            f.write(f"{n},Zapopan,{n % 9973}.50,2020-01-{n % 28 + 1:02d},{note} {n}\n")
    return path


def _stage(context: AppContext, path: Path) -> dict[str, str]:
    key = f"uploads/{sha256_file(path)}"
    context.store.put_file(path, key)
    return {
        "blob_key": key,
        "source_name": path.name,
        "organization": "zapopan",
        "dataset": "pagos",
        "title": "Pagos",
    }


def _state(context: AppContext, job_id: str) -> str:
    with context.db.session() as session:
        return session.get(Job, job_id).state  # type: ignore[union-attr]


def _rows_of_release_one(context: AppContext) -> int:
    with context.db.session() as session:
        release = session.scalar(select(Release).where(Release.number == 1))
        path = context.store.local_path(release.blob_key)  # type: ignore[union-attr]
    with duckdb.connect() as con:
        return con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]


def test_worker_runs_a_publish_job(production: AppContext, tmp_path: Path) -> None:
    payload = _stage(production, _csv(tmp_path / "pagos.csv", 500, "uno"))
    job_id = production.jobs.enqueue("publish", payload, key="publish:pagos:small")
    worker = _worker(production.settings, "--burst")
    _, stderr = worker.communicate(timeout=120)
    assert worker.returncode == 0, stderr.decode()[-2000:]
    assert _state(production, job_id) == "done"
    with production.db.session() as session:
        assert [r.row_count for r in session.scalars(select(Release))] == [500]


def test_a_file_that_cannot_be_read_fails_once(production: AppContext, tmp_path: Path) -> None:
    broken = tmp_path / "escaneo.pdf"
    broken.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nno es un PDF de verdad\n")
    job_id = production.jobs.enqueue("publish", _stage(production, broken), max_attempts=3)
    worker = _worker(production.settings, "--burst")
    _, stderr = worker.communicate(timeout=120)
    assert worker.returncode == 0, stderr.decode()[-2000:]
    with production.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == "failed" and job.attempts == 1, job.error
        assert "escaneo.pdf" in (job.error or "")
        assert session.scalars(select(Release)).all() == []


def test_worker_killed_mid_publish_completes_once(production: AppContext, tmp_path: Path) -> None:
    first = _csv(tmp_path / "pagos-2019.csv", 1_000, "uno")
    with production.db.session() as session:
        request = PublishRequest(path=first, organization="zapopan", dataset="pagos")
        publish(session, production.settings, production.store, request)
    payload = _stage(production, _csv(tmp_path / "pagos-2020.csv", 600_000, "dos"))
    job_id = production.jobs.enqueue("publish", payload, key="publish:pagos:big")

    victim = _worker(production.settings, "--name", f"victim-{uuid.uuid4().hex[:6]}")
    deadline = time.monotonic() + 60
    while _state(production, job_id) != "running":
        assert time.monotonic() < deadline and victim.poll() is None, "the job never started"
        time.sleep(0.05)
    time.sleep(0.3)  # inside the publish: reading and typing 600,000 rows
    assert _state(production, job_id) == "running"
    os.killpg(victim.pid, signal.SIGKILL)  # the worker and its scheduler, as a crash would
    victim.wait(timeout=10)
    assert _rows_of_release_one(production) == 1_000  # the old release stays readable

    time.sleep(4 * production.settings.job_heartbeat_seconds)  # the job is now abandoned
    rescuer = _worker(production.settings, "--burst")
    try:
        _, stderr = rescuer.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        rescuer.kill()
        _, stderr = rescuer.communicate()
        pytest.fail(f"the rescuing worker did not finish: {stderr.decode()[-3000:]}")
    assert rescuer.returncode == 0, stderr.decode()[-2000:]
    assert _state(production, job_id) == "done"
    with production.db.session() as session:
        releases = session.scalars(select(Release).order_by(Release.number)).all()
        assert [(r.number, r.row_count) for r in releases] == [(1, 1_000), (2, 600_000)]
        assert session.get(Job, job_id).attempts == 2  # type: ignore[union-attr]
    assert _rows_of_release_one(production) == 1_000
    with production.db.session() as session:
        collect(session, production.store, production.settings.scratch_dir, grace_hours=0)
        referenced = {r.blob_key for r in session.scalars(select(Release))}
    stored = set(production.store.keys(prefix="releases/"))
    assert stored == referenced  # no orphan release blob is left
