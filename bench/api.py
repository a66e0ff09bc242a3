"""Data API benchmark: abierto's rows API vs Datasette over the same procurement table.

    python bench/api.py [--rows 3000000] [--seconds 15] [--clients 8] [--only page,group]

Loads the ingest benchmark's CompraNet-shaped CSV (bench/ingest.py generates and caches it)
into abierto (``abierto publish``) and into SQLite for Datasette (``sqlite-utils insert
--csv --detect-types``), starts each server alone on loopback (one process each), and drives
``--clients`` concurrent httpx clients for ``--seconds`` per scenario: a filtered, sorted page
of 100 rows; a group-by aggregate; a deep page by offset and by cursor (Datasette: ``_next``);
a full CSV export. Prints requests/s, p50/p99 latency and the servers' peak RSS, then the
ratios, and writes ``<out>/api-results.json``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from abierto.ingest.pipeline import ROW_GROUP_ROWS
from common import MB, kill_tree, machine_info, tree_rss
from ingest import VENV_BIN, Dataset, ensure_dataset

TOOLS = ("abierto", "datasette")
SCENARIOS = ("page", "group", "deep-offset", "deep-cursor", "export")
DEPENDENCIA = "Secretaría de Salud"
TIPO = "OBRA PÚBLICA"
ROWS_API = "/api/v1/datasets/compras/resources/data/rows"


@dataclass
class Stats:
    tool: str
    scenario: str
    path: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    bytes: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    peak_rss_mb: float = 0.0
    first_error: str = ""
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------- loading


def _run(cmd: list[str], env: dict[str, str] | None = None) -> str:
    print("  $ " + " ".join(cmd), file=sys.stderr, flush=True)
    done = subprocess.run(
        cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def load_abierto(ds: Dataset, work: Path) -> tuple[Path, float]:
    """A home with the table published (reused when already there for this file, written
    with the same row-group size)."""
    home = work / f"abierto-{ds.rows}"
    marker = home / "loaded.json"
    kept = json.loads(marker.read_text()) if marker.exists() else {}
    if kept.get("bytes") == ds.bytes and kept.get("row_group_rows") == ROW_GROUP_ROWS:
        return home, kept["seconds"]
    subprocess.run(["rm", "-rf", str(home)], check=True)
    home.mkdir(parents=True)
    start = time.perf_counter()
    cmd = [str(VENV_BIN / "abierto"), "publish", str(ds.path), "--org", "bench"]
    _run([*cmd, "--dataset", "compras", "--json"], {"ABIERTO_HOME": str(home)})
    seconds = time.perf_counter() - start
    loaded = {"bytes": ds.bytes, "seconds": seconds, "row_group_rows": ROW_GROUP_ROWS}
    marker.write_text(json.dumps(loaded))
    return home, seconds


def load_sqlite(ds: Dataset, work: Path) -> tuple[Path, float]:
    """compras.db for Datasette, typed by sqlite-utils' own detection (reused when there)."""
    folder = work / f"datasette-{ds.rows}"
    db = folder / "compras.db"
    marker = folder / "loaded.json"
    if marker.exists() and json.loads(marker.read_text()).get("bytes") == ds.bytes:
        return db, json.loads(marker.read_text())["seconds"]
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    cmd = [str(VENV_BIN / "sqlite-utils"), "insert", str(db), "compras", str(ds.path)]
    _run([*cmd, "--csv"])  # sqlite-utils 4 detects column types by default
    seconds = time.perf_counter() - start
    marker.write_text(json.dumps({"bytes": ds.bytes, "seconds": seconds}))
    return db, seconds


# ---------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    tool: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path  # the server's output: a pipe nobody reads would block it once full

    def stop(self) -> None:
        kill_tree(psutil.Process(self.process.pid))
        self.process.wait(timeout=30)


def _spawn(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:  # the child keeps its own handle
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)


def start_abierto(home: Path) -> Server:
    port = _free_port()
    env = {**os.environ, "ABIERTO_HOME": str(home), "ABIERTO_RATE_LIMIT": ""}
    cmd = [str(VENV_BIN / "abierto"), "serve", "--port", str(port)]
    log = home.parent / "abierto-server.log"
    process = _spawn(cmd, log, env)
    return _started(Server("abierto", f"http://127.0.0.1:{port}", process, log), "/healthz")


def start_datasette(db: Path) -> Server:
    port = _free_port()
    cmd = [str(VENV_BIN / "datasette"), "serve", str(db), "--port", str(port)]
    cmd += ["--setting", "sql_time_limit_ms", "10000", "--setting", "suggest_facets", "off"]
    cmd += ["--setting", "max_csv_mb", "0"]  # the default 100 MB cap would cut the export
    log = db.parent.parent / "datasette-server.log"
    process = _spawn(cmd, log)
    url = f"http://127.0.0.1:{port}"
    return _started(Server("datasette", url, process, log), "/-/versions.json")


def _started(server: Server, probe: str) -> Server:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{server.tool} exited: {tail}")
        try:
            if httpx.get(server.url + probe, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.tool} did not start")


# ---------------------------------------------------------------- scenarios


def paths(tool: str, url: str, rows: int) -> dict[str, str]:
    """The request of each scenario for ``tool``; the deep page is 1/3 into the table
    (1,000,000 of 3,000,000)."""
    deep = rows // 3
    if tool == "abierto":
        return {
            "page": f"{ROWS_API}?dependencia={DEPENDENCIA}&tipo_contratacion={TIPO}"
            "&order=-fecha_fin&limit=100",
            "group": f"{ROWS_API}?group_by=dependencia&count&sum=cantidad",
            "deep-offset": f"{ROWS_API}?offset={deep}&limit=100",
            "deep-cursor": f"{ROWS_API}?cursor={_abierto_cursor(url, deep)}&limit=100",
            "export": "/datasets/compras/resources/data/data.csv",
        }
    sql = (
        "select dependencia, count(*) as count, sum(cantidad) as sum_cantidad "
        "from compras group by dependencia"
    )
    return {
        "page": f"/compras/compras.json?dependencia={DEPENDENCIA}&tipo_contratacion={TIPO}"
        "&_sort_desc=fecha_fin&_size=100&_nocount=1",
        "group": f"/compras.json?sql={sql}&_shape=array",
        "deep-offset": f"/compras.json?sql=select rowid, * from compras limit 100 offset {deep}"
        "&_shape=array",
        "deep-cursor": f"/compras/compras.json?_next={deep}&_size=100&_nocount=1",
        "export": "/compras/compras.csv?_stream=on&_size=max",
    }


def _abierto_cursor(url: str, deep: int) -> str:
    """The cursor that starts at row ``deep`` (taken once, from the page before it)."""
    params = {"offset": deep - 100, "limit": 100, "select": "numero_procedimiento"}
    document = httpx.get(url + ROWS_API, params=params, timeout=120).json()
    return str(document["next_cursor"])


def drive(server: Server, scenario: str, path: str, clients: int, seconds: float) -> Stats:
    """``clients`` threads repeating the request until ``seconds`` pass (each makes at least
    one request, and one under way then still completes); the server's process-tree RSS is
    sampled meanwhile."""
    stats = Stats(server.tool, scenario, path)
    lock = threading.Lock()
    if scenario != "export":  # a whole-table export warms nothing a page needs
        _fetch(httpx.Client(base_url=server.url, timeout=1800), path)
    stop = time.monotonic() + seconds
    root = psutil.Process(server.process.pid)
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            stats.peak_rss_mb = max(stats.peak_rss_mb, tree_rss(root) / MB)
            sampling.wait(0.1)

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=1800) as http:
            while True:  # at least one request each, however long it takes
                began = time.perf_counter()
                size, error = _fetch(http, path)
                elapsed = time.perf_counter() - began
                with lock:
                    stats.bytes += size
                    if error:
                        stats.errors += 1
                        stats.first_error = stats.first_error or error
                    else:
                        stats.requests += 1
                        stats.latencies.append(elapsed)
                if time.monotonic() >= stop:
                    return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stats.seconds = time.perf_counter() - began
    sampling.set()
    sampler.join()
    _percentiles(stats)
    return stats


def _fetch(http: httpx.Client, path: str) -> tuple[int, str]:
    size = 0
    try:
        with http.stream("GET", path) as response:
            for chunk in response.iter_raw(1 << 20):
                size += len(chunk)
            if response.status_code != 200:
                return size, f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return size, f"{type(exc).__name__}: {exc}"
    return size, ""


def _percentiles(stats: Stats) -> None:
    ordered = sorted(stats.latencies)
    if ordered:
        stats.p50_ms = 1000 * ordered[len(ordered) // 2]
        stats.p99_ms = 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


# ---------------------------------------------------------------- report


def ratios(results: list[Stats]) -> dict[str, dict[str, float | None]]:
    """abierto ÷ Datasette per scenario: requests/s (higher is better for abierto) and
    p50 latency and peak RSS (lower is better for abierto)."""
    by = {(s.tool, s.scenario): s for s in results}
    out: dict[str, dict[str, float | None]] = {}
    for scenario in SCENARIOS:
        a, d = by.get(("abierto", scenario)), by.get(("datasette", scenario))
        if a is None or d is None:
            continue
        out[scenario] = {
            "rps": a.rps / d.rps if d.rps else None,
            "p50": a.p50_ms / d.p50_ms if a.p50_ms and d.p50_ms else None,
            "peak_rss": a.peak_rss_mb / d.peak_rss_mb if d.peak_rss_mb else None,
        }
    return out


def _f(value: float | None, spec: str = ",.1f") -> str:
    return "—" if value is None else format(value, spec)


def print_report(results: list[Stats], table: dict[str, dict[str, float | None]]) -> None:
    head = f"{'scenario':<12} {'tool':<10} {'req':>6} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9}"
    print(f"\n{head} {'err':>4} {'MB out':>8} {'peak RSS MB':>12}")
    for s in results:
        print(
            f"{s.scenario:<12} {s.tool:<10} {s.requests:>6} {_f(s.rps, ',.2f'):>8} "
            f"{_f(s.p50_ms):>9} {_f(s.p99_ms):>9} {s.errors:>4} {s.bytes / MB:>8,.0f} "
            f"{s.peak_rss_mb:>12,.0f}"
        )
    print("\nabierto ÷ datasette   req/s (>1: abierto faster)   p50 (<1: abierto faster)   RSS")
    for scenario, r in table.items():
        print(f"  {scenario:<12} {_f(r['rps'], '.2f'):>10}× {_f(r['p50'], '.2f'):>22}× ", end="")
        print(f"{_f(r['peak_rss'], '.2f'):>18}×")
    for s in results:
        if s.errors:
            print(f"  {s.tool} {s.scenario}: {s.errors} errors, first: {s.first_error}")


# ---------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=3_000_000, help="data rows to generate")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    p.add_argument("--seconds", type=float, default=15, help="seconds per scenario and tool")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients")
    p.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    p.add_argument("--skip", default="", help="comma-separated tools to skip: abierto,datasette")
    args = p.parse_args(argv)
    args.only = [s for s in args.only.split(",") if s]
    if unknown := set(args.only) - set(SCENARIOS):
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def run_tool(
    tool: str, start: Callable[[], Server], ds: Dataset, args: argparse.Namespace
) -> list[Stats]:
    server = start()
    try:
        requests = paths(tool, server.url, ds.rows)
        results = []
        for scenario in args.only:
            print(f"{tool}: {scenario} …", file=sys.stderr, flush=True)
            stats = drive(server, scenario, requests[scenario], args.clients, args.seconds)
            results.append(stats)
            print(
                f"  {stats.requests} requests, {stats.rps:.2f}/s, p50 {_f(stats.p50_ms)} ms, "
                f"{stats.errors} errors, peak RSS {stats.peak_rss_mb:,.0f} MB",
                file=sys.stderr,
                flush=True,
            )
        return results
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    skip = set(filter(None, args.skip.split(",")))
    print(f"preparing {args.rows:,}-row dataset in {args.out} …", file=sys.stderr, flush=True)
    ds = ensure_dataset(args.out, args.rows)
    work = args.out / "api"
    loads: dict[str, float] = {}
    results: list[Stats] = []
    if "abierto" not in skip:
        home, loads["abierto"] = load_abierto(ds, work)
        results += run_tool("abierto", lambda: start_abierto(home), ds, args)
    if "datasette" not in skip:
        db, loads["datasette"] = load_sqlite(ds, work)
        results += run_tool("datasette", lambda: start_datasette(db), ds, args)
    table = ratios(results)
    print(f"\n{ds.rows:,} rows; load: " + ", ".join(f"{k} {v:.0f} s" for k, v in loads.items()))
    print_report(results, table)
    document = {
        "benchmark": "api",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info(),
        "rows": ds.rows,
        "clients": args.clients,
        "seconds": args.seconds,
        "load_seconds": loads,
        "results": [asdict(s) | {"rps": s.rps, "latencies": None} for s in results],
        "ratios": table,
    }
    path = args.out / "api-results.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(f"results: {path}")
    return 0 if all(s.errors == 0 for s in results) else 1


if __name__ == "__main__":
    sys.exit(main())
