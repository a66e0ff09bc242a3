"""Search benchmark: a catalog of generated datasets, searched with facets through HTTP.

    .venv/bin/python bench/search.py [--datasets 50000] [--requests 300] [--skip-postgres]

Builds the catalog (bench/search_catalog.py) on the embedded default (SQLite + FTS5) and on
the local PostgreSQL, starts the real server (uvicorn, its own process) on loopback for each
and times, from an httpx client, a mix of `GET /api/v1/datasets` requests with words, filters
and every facet, plus the `/search` page. Each mix runs twice: "cold" is its first pass (almost
every request is new, so the result cache misses), "warm" replays it (a popular query, the
landing page, a facet link clicked again). Prints p50/p95 latency per backend and pass.
Target: p95 under 50 ms on the embedded default.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from abierto.db import Database  # noqa: E402
from abierto.settings import Settings  # noqa: E402
from search_catalog import TAGS, build_catalog  # noqa: E402

QUERIES = ["presupuesto", "contratos zapopan", "escuelas", "calidad aire", "obra publica",
           "salud jalisco", "bicicleta monterrey", "nomina", "agua potable", "becas",
           "monto adjudicado", "educacion", "bibliot", "incidencia delictiva colonia",
           "datos", "municipio"]  # fmt: skip
FORMATS = ["CSV", "XLSX", "PDF", "JSON"]
THEMES = ["educacion", "salud", "finanzas", "movilidad"]
SORTS = ["relevance", "modified", "name"]


def requests_mix(count: int, seed: int = 2) -> list[tuple[str, dict[str, str]]]:
    """``count`` requests: words most of the time, filters and sorts now and then."""
    rng = random.Random(seed)
    mix = []
    for n in range(count):
        params: dict[str, str] = {}
        if n % 6:  # one request in six browses without words (sorted by update)
            params["q"] = rng.choice(QUERIES)
        if n % 3 == 0:
            params["format"] = rng.choice(FORMATS)
        if n % 4 == 0:
            params["license"] = "cc-by-4.0"
        if n % 5 == 0:
            params["theme"] = rng.choice(THEMES)
        if n % 7 == 0:
            params["tag"] = rng.choice(TAGS)
        if n % 8 == 0:
            params["sort"] = rng.choice(SORTS)
        if n % 10 == 0:  # the HTML page (20 a page) rather than the API
            params["page"] = str(rng.randint(1, 3))
            mix.append(("/search", params))
        else:
            mix.append(("/api/v1/datasets", params | {"limit": "20"}))
    return mix


def timed(client: httpx.Client, mix: list[tuple[str, dict[str, str]]]) -> list[float]:
    timings = []
    for path, params in mix:
        start = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = time.perf_counter() - start
        response.raise_for_status()
        if path.startswith("/api"):
            assert "facets" in response.json()
        timings.append(elapsed * 1000)
    return timings


def serve(settings: Settings) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = os.environ | {
        "ABIERTO_HOME": str(settings.home),
        "ABIERTO_DATABASE_URL": settings.database_url,
        "ABIERTO_RATE_LIMIT": "",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "abierto.web.app:app_from_environment"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def summary(timings: list[float]) -> str:
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[18]
    return f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"


def run(name: str, settings: Settings, count: int, requests: int) -> None:
    database = Database(settings)
    try:
        database.upgrade()
        with database.session() as session:
            steps = build_catalog(session, count)
    finally:
        database.dispose()
    print(f"{name:<12} {count:>8,} datasets: insert {steps['insert_s']:5.1f} s, "
          f"index {steps['index_s']:5.1f} s", flush=True)  # fmt: skip
    server, url = serve(settings)
    try:
        mix = requests_mix(requests)
        with httpx.Client(base_url=url, timeout=60) as client:
            timed(client, requests_mix(10, seed=99))  # start-up: connections, imports
            cold = timed(client, mix)
            warm = timed(client, mix)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{'':<12} cold (first pass)  {summary(cold)}  ({len(cold)} requests)")
    print(f"{'':<12} warm (replayed)    {summary(warm)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        embedded = Settings(home=Path(tmp) / "sqlite", rate_limit="")
        run("sqlite-fts5", embedded, args.datasets, args.requests)
        if args.skip_postgres:
            return
        import psycopg

        name = f"bench_search_{uuid.uuid4().hex[:8]}"
        admin = args.postgres.replace("+psycopg", "") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"{args.postgres}/{name}"
            settings = Settings(home=Path(tmp) / "pg", database_url=url, rate_limit="")
            run("postgresql", settings, args.datasets, args.requests)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
