"""Shared fixtures: settings in a temporary home, real databases, the real-data folder."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from abierto.app_context import AppContext
from abierto.db import Database
from abierto.settings import Settings
from tests.realdata import REALDATA

PG_ADMIN_URL = os.environ.get("ABIERTO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real government files not found at {REALDATA} (set ABIERTO_REALDATA)")
    return REALDATA


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def _postgres_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server to test against
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    problem = _postgres_available()
    if problem:
        message = (
            f"PostgreSQL NOT AVAILABLE at {PG_ADMIN_URL}: PostgreSQL tests skipped ({problem})"
        )
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    import psycopg

    name = f"abierto_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    Database(Settings(database_url=url)).upgrade()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_problem(url: str) -> str | None:
    """Why the Redis server at ``url`` cannot be used, or None when it answers."""
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).ping()
        return None
    except Exception as exc:  # any failure means: no server to test against
        return f"{type(exc).__name__}: {exc}"


def _truncate_all(database: Database) -> None:
    from abierto.db import Base

    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def context(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AppContext]:
    """An AppContext on each metadata backend: SQLite, and PostgreSQL where it runs."""
    home = tmp_path / "home"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        ctx = AppContext.create(Settings(home=home, database_url=url))
        _truncate_all(ctx.db)
    else:
        ctx = AppContext.create(Settings(home=home))
    yield ctx
    if request.param == "postgresql":
        _truncate_all(ctx.db)
    ctx.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    skipped = terminalreporter.stats.get("skipped", [])
    if any("PostgreSQL NOT AVAILABLE" in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_line(
            "WARNING: PostgreSQL was not reachable; the PostgreSQL half of the suite did not run.",
            red=True,
            bold=True,
        )
