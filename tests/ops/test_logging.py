"""Structured logs from the real commands: `abierto serve` writes one JSON line per request
(with the request id it was given or made, sent back in X-Request-ID) and uvicorn's own
lines in the same format; `abierto worker` logs each job's start and finish with its id,
kind and duration; ABIERTO_LOG_FORMAT=text gives lines for people."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from abierto.app_context import AppContext
from abierto.ingest.hashing import sha256_file
from abierto.settings import Settings
from tests.conftest import redis_problem
from tests.storage.s3server import free_port

ABIERTO = Path(sys.executable).parent / "abierto"
REDIS_URL = os.environ.get("ABIERTO_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABIERTO_", "PROMETHEUS"))}
    env["ABIERTO_HOME"] = str(home)
    env.update({f"ABIERTO_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def serving(home: Path, log: Path, log_format: str) -> Iterator[str]:
    port = free_port()
    env = _env(home, log_format=log_format, rate_limit="")
    with log.open("wb") as out:
        command = [str(ABIERTO), "serve", "--port", str(port)]
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def json_lines(log: Path) -> list[dict[str, Any]]:
    """Every line the process wrote that is a log line; each must be one JSON object."""
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    others = [line for line in lines if not line.startswith("{")]
    assert not others, others
    return records


def test_serve_writes_one_json_line_per_request_with_its_id(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serving(tmp_path / "home", log, "json") as url:
        given = httpx.get(f"{url}/api/v1/datasets", headers={"X-Request-ID": "proxy-42.a"})
        made = httpx.get(f"{url}/datasets/nada", headers={"X-Request-ID": "bad id\t<x>"})
    assert given.headers["x-request-id"] == "proxy-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])  # replaced, not echoed
    records = json_lines(log)
    requests = [r for r in records if r["logger"] == "abierto.request"]
    first = next(r for r in requests if r.get("request_id") == "proxy-42.a")
    assert first["method"] == "GET" and first["path"] == "/api/v1/datasets"
    assert first["status"] == 200 and first["duration_ms"] > 0
    assert first["level"] == "INFO" and first["time"].endswith("+00:00")
    second = next(r for r in requests if r.get("request_id") == made.headers["x-request-id"])
    assert (second["status"], second["route"]) == (404, "/datasets/{slug}")
    assert not [r for r in requests if r["path"] == "/healthz"]  # probes: debug level
    uvicorn = [r for r in records if r["logger"].startswith("uvicorn")]
    assert any("Application startup complete" in r["message"] for r in uvicorn)


def test_text_format_is_for_people(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serving(tmp_path / "home", log, "text") as url:
        httpx.get(f"{url}/api/v1/datasets")
    text = log.read_text(encoding="utf-8")
    assert not [line for line in text.splitlines() if line.startswith("{")]
    assert re.search(r"INFO +\[\d+\] abierto\.request: GET /api/v1/datasets 200 [\d.]+ms", text)


@pytest.fixture
def redis_queue(tmp_path: Path) -> Iterator[AppContext]:
    if problem := redis_problem(REDIS_URL):
        warnings.warn(f"REDIS NOT AVAILABLE at {REDIS_URL}: worker log test skipped", stacklevel=1)
        pytest.skip(f"REDIS NOT AVAILABLE: {problem}")
    queue = f"abierto-logs-{uuid.uuid4().hex[:8]}"
    context = AppContext.create(
        Settings(home=tmp_path / "home", queue_url=REDIS_URL, queue_name=queue)
    )
    yield context
    context.close()


def test_worker_logs_each_job_with_id_kind_and_duration(
    redis_queue: AppContext, tmp_path: Path
) -> None:
    good, bad = tmp_path / "pagos.csv", tmp_path / "nunca.csv"
    good.write_text("folio,monto\n1,10.5\n2,20\n", encoding="utf-8")
    bad.write_text("folio\n1\n", encoding="utf-8")
    redis_queue.store.put_file(good, f"uploads/{sha256_file(good)}")
    jobs = {}
    for path in (good, bad):
        payload = {"blob_key": f"uploads/{sha256_file(path)}", "source_name": path.name}
        payload |= {"organization": "zapopan", "dataset": path.stem}
        jobs[path.stem] = redis_queue.jobs.enqueue("publish", payload, max_attempts=1)
    settings = redis_queue.settings
    env = _env(
        settings.home, log_format="json", queue_url=REDIS_URL, queue_name=settings.queue_name
    )
    worker = subprocess.run(
        [str(ABIERTO), "worker", "--burst"], env=env, capture_output=True, text=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    log = tmp_path / "worker.log"
    log.write_text(worker.stdout + worker.stderr, encoding="utf-8")
    records = json_lines(log)
    events = {(r["job_id"], r["event"]): r for r in records if r["logger"] == "abierto.job"}
    assert {"job.started", "job.done"} <= {e for j, e in events if j == jobs["pagos"]}
    done = events[(jobs["pagos"], "job.done")]
    assert done["kind"] == "publish" and done["duration_ms"] > 0 and done["level"] == "INFO"
    failed = events[(jobs["nunca"], "job.failed")]
    assert failed["level"] == "ERROR" and failed["attempt"] == 1 and failed["error"]
    assert any(r["logger"].startswith("rq.") for r in records)  # RQ's own lines, in JSON
