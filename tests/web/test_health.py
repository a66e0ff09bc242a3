"""Liveness and readiness: /readyz fails, with the failing check named, when a real
dependency is broken — a schema behind the code, a blob store that cannot take files, a
dropped database, a queue server that does not answer."""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from abierto.db import Database, alembic_config
from abierto.settings import Settings
from tests.conftest import PG_ADMIN_URL, redis_problem
from tests.web.conftest import Portal, _serve

REDIS_URL = os.environ.get("ABIERTO_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@contextmanager
def _client(settings: Settings) -> Iterator[httpx.Client]:
    """The real portal over HTTP (uvicorn in a thread), stopped afterwards."""
    server, thread, url = _serve(settings)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_healthz_and_readyz_on_a_working_portal(client: httpx.Client, portal: Portal) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "storage"}  # no queue: in-process
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert not list((portal.settings.home / "blobs").glob("health*/*"))  # the probe cleaned up


def test_readyz_fails_when_the_schema_is_behind_the_code(home: Path) -> None:
    settings = Settings(home=home)
    with _client(settings) as client:
        from alembic import command

        command.stamp(alembic_config(settings.database_url), "0001")
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive, but not ready
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["migrations"]["status"] == "fail"
    assert "schema at 0001" in checks["migrations"]["error"]
    assert checks["database"]["status"] == "ok"


def test_readyz_fails_when_the_blob_store_cannot_take_files(home: Path) -> None:
    settings = Settings(home=home)
    with _client(settings) as client:
        blobs = home / "blobs"
        shutil.rmtree(blobs)
        blobs.write_text("not a folder: the volume was not mounted")
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["storage"]["status"] == "fail"
    assert body["checks"]["storage"]["error"].split(":")[0].endswith("Error")


def test_readyz_fails_when_the_queue_server_is_gone(home: Path) -> None:
    settings = Settings(home=home, queue_url="redis://127.0.0.1:1/0")  # nothing listens there
    with _client(settings) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    queue = response.json()["checks"]["queue"]
    assert queue["status"] == "fail" and "ConnectionError" in queue["error"]


def test_readyz_checks_a_live_redis_queue(home: Path) -> None:
    if problem := redis_problem(REDIS_URL):
        warnings.warn(f"REDIS NOT AVAILABLE at {REDIS_URL}: test skipped", stacklevel=1)
        pytest.skip(f"REDIS NOT AVAILABLE: {problem}")
    with _client(Settings(home=home, queue_url=REDIS_URL)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["queue"]["status"] == "ok"


@pytest.fixture
def doomed_database(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database of its own, to be dropped under a running portal."""
    name = f"abierto_readyz_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    Database(Settings(database_url=url)).upgrade()
    yield name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_readyz_fails_when_the_database_is_gone(
    doomed_database: str, postgres_url: str, home: Path
) -> None:
    url = postgres_url.rsplit("/", 1)[0] + f"/{doomed_database}"
    with _client(Settings(home=home, database_url=url)) as client:
        assert client.get("/readyz").status_code == 200
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{doomed_database}" WITH (FORCE)')
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "fail"
    assert "OperationalError" in checks["database"]["error"]
    assert "postgres@" not in response.text  # settings (credentials) never appear
