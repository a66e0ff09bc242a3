"""Prometheus metrics over real HTTP: route templates (never private slugs), job durations
and queue depth, the optional bearer token, and `abierto serve --workers 2` adding up the
samples of both processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from abierto.app_context import AppContext
from abierto.ingest.hashing import sha256_file
from abierto.settings import Settings
from tests.storage.s3server import free_port
from tests.web.conftest import Portal, _serve

ABIERTO = Path(sys.executable).parent / "abierto"
REQUESTS = "abierto_http_request_duration_seconds"


def samples(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


def request_count(client: httpx.Client, route: str, status: str) -> float:
    text = client.get("/metrics").text
    return samples(text, f"{REQUESTS}_count", route=route, status=status)


def test_requests_are_labelled_by_route_template_never_by_path(
    client: httpx.Client, portal: Portal
) -> None:
    before = request_count(client, "/datasets/{slug}", "404")
    for slug in ("secreto", "borrador", "no-existe"):
        assert client.get(f"/datasets/{slug}").status_code == 404  # private, draft, unknown
    assert client.get("/api/v1/datasets/secreto/resources/data/rows").status_code == 404
    assert client.get("/secreto/no/such/page").status_code == 404
    assert client.get("/datasets/obras").status_code == 200
    text = client.get("/metrics").text
    # at least (a request of an earlier test may land in between): three 404s, one label
    assert samples(text, f"{REQUESTS}_count", route="/datasets/{slug}", status="404") >= before + 3
    assert samples(text, f"{REQUESTS}_count", route="/datasets/{slug}", status="200") >= 1
    assert 'route="/api/v1/datasets/{slug}/resources/{name}/rows"' in text
    assert 'route="<unmatched>"' in text
    for private in ("secreto", "borrador", "Nómina", "obras"):
        assert private not in text


@contextmanager
def portal_with(settings: Settings) -> Iterator[httpx.Client]:
    server, thread, url = _serve(settings)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_metrics_token_is_required_when_set(tmp_path: Path) -> None:
    with portal_with(Settings(home=tmp_path / "home", metrics_token="s3cret-t0ken")) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
        right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-t0ken"})
        assert right.status_code == 200 and "abierto_jobs" in right.text


def _stage(context: AppContext, folder: Path) -> dict[str, str]:
    source = folder / "pagos.csv"
    source.write_text("folio,monto\n1,10.5\n2,20\n", encoding="utf-8")
    key = f"uploads/{sha256_file(source)}"
    context.store.put_file(source, key)
    names = {"source_name": source.name, "organization": "zapopan", "dataset": "pagos"}
    return {"blob_key": key, **names}


def test_job_durations_and_queue_depth(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    context = AppContext.create(settings)  # its in-process queue runs in this process
    try:
        with portal_with(settings) as client:
            text = client.get("/metrics").text
            done = samples(
                text, "abierto_job_duration_seconds_count", kind="publish", outcome="done"
            )
            failed = samples(
                text, "abierto_job_duration_seconds_count", kind="publish", outcome="failed"
            )
            good = context.jobs.enqueue("publish", _stage(context, tmp_path))
            bad_payload = {**_stage(context, tmp_path), "blob_key": "uploads/missing"}
            bad = context.jobs.enqueue("publish", bad_payload, max_attempts=1)
            assert context.jobs.wait(good, 60) == "done"
            assert context.jobs.wait(bad, 60) == "failed"
            text = client.get("/metrics").text
    finally:
        context.close()
    job = "abierto_job_duration_seconds_count"
    assert samples(text, job, kind="publish", outcome="done") == done + 1
    assert samples(text, job, kind="publish", outcome="failed") == failed + 1
    assert samples(text, "abierto_jobs", state="failed", kind="publish") == 1
    assert samples(text, "abierto_jobs", state="queued") == 0


def _request_pids(log: Path) -> set[int]:
    pids = set()
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("logger") == "abierto.request":
                pids.add(record["pid"])
    return pids


def test_serve_with_two_workers_reports_the_samples_of_both(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABIERTO_", "PROMETHEUS"))}
    env.update(ABIERTO_HOME=str(tmp_path / "home"), ABIERTO_RATE_LIMIT="", TMPDIR=str(scratch))
    env.update(ABIERTO_LOG_FORMAT="json")
    command = [str(ABIERTO), "serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server)
        sent = 0
        while len(_request_pids(log)) < 2 and sent < 400:  # new connections spread over both
            assert httpx.get(f"{url}/api/v1/datasets/nadie").status_code == 404
            sent += 1
        assert len(_request_pids(log)) == 2, "one process answered every request"
        route = "/api/v1/datasets/{slug}"
        for _ in range(6):  # whichever process answers, it reports both processes' samples
            text = httpx.get(f"{url}/metrics").text
            assert samples(text, f"{REQUESTS}_count", route=route, status="404") == sent
        assert list(scratch.glob("abierto-metrics-*")), "no shared metrics folder"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert not list(scratch.glob("abierto-metrics-*")), "the metrics folder was left behind"


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "abierto serve exited"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("abierto serve --workers 2 did not become ready")
