"""Rate limits over a real server: in memory, and in the local Redis shared by processes."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from abierto.settings import Settings
from tests.conftest import redis_problem
from tests.web.conftest import _serve

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    storage = "memory://"
    if request.param == "redis":
        if problem := redis_problem(REDIS_URL):
            message = f"REDIS NOT AVAILABLE at {REDIS_URL}: rate-limit test skipped ({problem})"
            warnings.warn(message, stacklevel=1)
            pytest.skip(message)
        storage = REDIS_URL
    settings = Settings(home=tmp_path / "home", rate_limit="5/minute", rate_limit_storage=storage)
    server, thread, url = _serve(settings)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_429_with_retry_after_per_client(server: str) -> None:
    token = f"abt_{uuid.uuid4().hex}"  # a distinct client key per run (Redis keeps counts)
    with httpx.Client(base_url=server, headers={"Authorization": token}) as client:
        answers = [client.get("/api/3/action/status_show") for _ in range(6)]
    statuses = [a.status_code for a in answers]
    assert statuses[-1] == 429, statuses
    assert all(s != 429 for s in statuses[:5])
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"] == "rate_limited"
    assert answers[0].headers["X-RateLimit-Limit"] == "5"
    assert answers[0].headers["X-RateLimit-Remaining"] == "4"
    with httpx.Client(base_url=server, headers={"Authorization": f"{token}-other"}) as other:
        assert other.get("/api/3/action/status_show").status_code != 429


def test_static_files_and_health_are_not_counted(server: str) -> None:
    with httpx.Client(base_url=server, headers={"Authorization": uuid.uuid4().hex}) as client:
        for _ in range(8):
            assert client.get("/healthz").status_code == 200
