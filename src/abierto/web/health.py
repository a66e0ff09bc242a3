"""Liveness (``/healthz``) and readiness (``/readyz``) for load balancers and orchestrators.

``/healthz`` answers as long as the process serves HTTP: restart the process when it fails.
``/readyz`` checks what a request needs — the database answers, its schema is at the newest
migration (a web process started before ``abierto db upgrade`` must not take traffic), the
blob store takes and gives back a file, the Redis queue answers (production) — and answers
503 when any fails, so the proxy sends traffic elsewhere until it recovers. Checks run in
parallel, each with a time limit. Failures name the exception type and its first line,
never settings (no credentials in a public answer).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from abierto.app_context import AppContext
from abierto.db import SCHEMA_REVISION, schema_revision
from abierto.web.schemas import Health

router = APIRouter(tags=["health"])
CHECK_SECONDS = 5.0
PROBE_PREFIX = "health/"


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: the process answers HTTP."""
    return Health(status="ok")


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: every dependency of a request works; 503 with the failing check otherwise."""
    context: AppContext = request.app.state.context
    checks = run_checks(context)
    ready = all(c["status"] == "ok" for c in checks.values())
    body = {"status": "ok" if ready else "fail", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


def run_checks(context: AppContext, timeout: float = CHECK_SECONDS) -> dict[str, dict[str, Any]]:
    checks: dict[str, Callable[[AppContext], None]] = {
        "database": check_database,
        "migrations": check_migrations,
        "storage": check_storage,
    }
    if context.settings.queue_url.startswith(("redis://", "rediss://", "unix://")):
        checks["queue"] = check_queue
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(_timed, check, context) for name, check in checks.items()}
        deadline = time.monotonic() + timeout
        return {name: _result(f, deadline) for name, f in futures.items()}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a hung check must not hang the probe


def _timed(check: Callable[[AppContext], None], context: AppContext) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check(context)
        outcome: dict[str, Any] = {"status": "ok"}
    except Exception as exc:
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        outcome = {"status": "fail", "error": f"{type(exc).__name__}: {first_line}"}
    outcome["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return outcome


def _result(future: Any, deadline: float) -> dict[str, Any]:
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        return {"status": "fail", "error": "timed out"}


def check_database(context: AppContext) -> None:
    with context.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def check_migrations(context: AppContext) -> None:
    with context.db.engine.connect() as conn:
        current = schema_revision(conn)
    if current != SCHEMA_REVISION:
        raise RuntimeError(f"schema at {current or 'none'}, code expects {SCHEMA_REVISION}")


def check_storage(context: AppContext) -> None:
    """Write a small blob, read it back, delete it: the path every publish and read takes."""
    store = context.store
    key = f"{PROBE_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
    payload = uuid.uuid4().bytes * 4
    context.settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="readyz-", dir=context.settings.scratch_dir) as tmp:
        source, back = Path(tmp) / "probe", Path(tmp) / "back"
        source.write_bytes(payload)
        try:
            store.put_file(source, key)
            store.copy_to(key, back)
        finally:
            store.delete(key)
        if back.read_bytes() != payload:
            raise RuntimeError("the blob store gave back different bytes")


def check_queue(context: AppContext) -> None:
    from redis import Redis

    url = context.settings.queue_url
    with Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as redis:
        redis.ping()
