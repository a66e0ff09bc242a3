"""Quality benchmark: score a generated catalog of 10,000 datasets (target: under a minute).

    .venv/bin/python bench/quality.py [--datasets 10000] [--postgres]

Builds the search benchmark's catalog (bench/search_catalog.py: metadata, tags, themes,
table releases with reports and schemas, PDF files and links) and times
``quality.services.score_catalog``, which loads every dataset's facts in bulk queries and
records one history row per dataset (and per organization), then the public scoreboard.
``bench_links`` times the link checker (``quality.links``) on a local server.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from abierto.catalog.models import utcnow  # noqa: E402
from abierto.db import Database  # noqa: E402
from abierto.quality.organizations import scoreboard  # noqa: E402
from abierto.quality.services import score_catalog  # noqa: E402
from abierto.settings import Settings  # noqa: E402
from search_catalog import build_catalog  # noqa: E402


def run(name: str, settings: Settings, count: int) -> None:
    database = Database(settings)
    try:
        database.upgrade()
        with database.session() as session:
            build_catalog(session, count)
        with database.session() as session:
            started = time.perf_counter()
            scored = score_catalog(session, utcnow())
            elapsed = time.perf_counter() - started
        with database.session() as session:
            started = time.perf_counter()
            ranked = len(scoreboard(session, utcnow().date()))
            board = time.perf_counter() - started
    finally:
        database.dispose()
    verdict = "met" if elapsed < 60 else "NOT met"
    rate = scored / elapsed
    print(f"{name:<11} {scored:,} datasets in {elapsed:.1f} s ({rate:,.0f}/s); < 60 s: {verdict}")
    print(f"{name:<11} scoreboard of {ranked:,} organizations in {board * 1000:.0f} ms")


def bench_links(count: int, per_host: int) -> None:
    """Check ``count`` links on a local server (one host, so ``per_host`` bounds the speed)."""
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from abierto.quality.links import Checker

    class Ok(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()

        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    checker = Checker(per_host=per_host, delay=0.0, allow_private=True)
    started = time.perf_counter()
    outcomes = asyncio.run(checker.check_all([f"{base}/recurso/{n}.csv" for n in range(count)]))
    elapsed = time.perf_counter() - started
    httpd.shutdown()
    good = sum(o.status == 200 for o in outcomes)
    print(f"links       {good:,}/{count:,} checked in {elapsed:.1f} s ({count / elapsed:,.0f}/s), "
          f"{per_host} at a time on one host")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also on the local PostgreSQL")
    parser.add_argument("--links", type=int, default=1_000, help="links to check (0: none)")
    parser.add_argument("--per-host", type=int, default=8)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    if args.links:
        bench_links(args.links, args.per_host)
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        run("sqlite", Settings(home=Path(tmp) / "sqlite"), args.datasets)
        if not args.postgres:
            return
        import psycopg

        name = f"bench_quality_{uuid.uuid4().hex[:8]}"
        admin = args.postgres_url.replace("+psycopg", "") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"{args.postgres_url}/{name}"
            run("postgresql", Settings(home=Path(tmp) / "pg", database_url=url), args.datasets)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
