"""CPU one data-API request costs in the server process, without HTTP.

    python bench/rows_cpu.py [--rows 1000000] [--requests 1500] [--runs 3] [--only cursor]

Drives the ASGI application in-process (no sockets, no HTTP parser, no log output) against
the home the data API benchmark (bench/api.py) publishes into ``bench/out/api/abierto-<rows>``,
and prints the CPU milliseconds per request (the process's, all threads), fastest of ``--runs``:
a deep page by cursor and by offset (a third into the table, as in bench/api.py), the first
page and ``/healthz``. Steadier than requests per second on a shared machine. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROWS_API = "/api/v1/datasets/compras/resources/data/rows"
KINDS = ("cursor", "offset", "first", "health")


async def call(app: Any, path: str, query: str) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"bench"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


async def requests(app: Any, rows: int) -> dict[str, tuple[str, str]]:
    deep = rows // 3
    query = f"offset={deep - 100}&limit=100&select=numero_procedimiento"
    status, body = await call(app, ROWS_API, query)
    if status != 200:
        raise SystemExit(f"no table to page ({status}): run bench/api.py --rows {rows} first")
    cursor = json.loads(gzip.decompress(body))["next_cursor"]
    return {
        "cursor": (ROWS_API, f"cursor={cursor}&limit=100"),
        "offset": (ROWS_API, f"offset={deep}&limit=100"),
        "first": (ROWS_API, "limit=100"),
        "health": ("/healthz", ""),
    }


async def cpu_ms(app: Any, path: str, query: str, count: int) -> float:
    for _ in range(20):  # warm: the row group, the release row, the statements
        status, _ = await call(app, path, query)
        assert status == 200, (path, status)
    started = time.process_time()
    for _ in range(count):
        await call(app, path, query)
    return 1000 * (time.process_time() - started) / count


async def main(args: argparse.Namespace) -> None:
    from abierto.settings import load_settings
    from abierto.web.app import create_app

    app = create_app(load_settings())
    async with app.router.lifespan_context(app):
        paths = await requests(app, args.rows)
        for kind in args.only:
            runs = [await cpu_ms(app, *paths[kind], args.requests) for _ in range(args.runs)]
            print(f"{kind:<8} {min(runs):6.2f} ms CPU per request (runs: {runs})")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000, help="the api benchmark's table")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    p.add_argument("--requests", type=int, default=1500, help="requests per run")
    p.add_argument("--runs", type=int, default=3, help="runs per kind; the fastest counts")
    p.add_argument("--only", default=",".join(KINDS), help="comma-separated: " + ",".join(KINDS))
    args = p.parse_args(argv)
    args.only = [k for k in args.only.split(",") if k]
    if unknown := set(args.only) - set(KINDS):
        p.error(f"unknown kind(s): {', '.join(sorted(unknown))}")
    return args


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    os.environ["ABIERTO_HOME"] = str(arguments.out / "api" / f"abierto-{arguments.rows}")
    os.environ["ABIERTO_RATE_LIMIT"] = ""
    asyncio.run(main(arguments))
