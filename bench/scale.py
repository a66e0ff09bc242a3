"""Scaling benchmark: the same read workload against 1 and then 2 web processes.

    python bench/scale.py [--rows 300000] [--seconds 15] [--clients 8] [--workload page]

Publishes the ingest benchmark's CompraNet-shaped table (bench/ingest.py generates and
caches the CSV) into a PostgreSQL database of its own (``abierto_bench_scale`` on
127.0.0.1:5432, kept for later runs) plus a few small datasets for the catalog search, then
runs ``abierto serve --workers 1`` and ``--workers 2`` in turn and drives ``--clients``
connections for ``--seconds`` each. The workload is the data API benchmark's filtered,
sorted page of 100 rows (``page``, the default) or a mix of it with a catalog search (API and
page) and the dataset's page (``mix``). The load comes from wrk (C, cheap) where it is
installed, else from httpx threads (``--driver``).

Each process count runs twice: with every web process pinned to a core of its own (1
process on 1 core, then 2 processes on 2 cores: does throughput follow the cores?) and
unpinned (the operating system spreads everything, clients and PostgreSQL included, over the
machine). Prints requests/s, p50 and p95/p99 latency, the cores the server and the clients
used, then the 2 ÷ 1 ratios, and writes ``<out>/scale-results.json``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import cycle
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wrk
from api import DEPENDENCIA, ROWS_API, TIPO, Server, _fetch, _free_port, _started
from common import machine_info
from ingest import VENV_BIN, Dataset, ensure_dataset

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "abierto_bench_scale_{rows}"  # one per table size: each has its home folder
PAGE = "page"
MIX = {
    PAGE: f"{ROWS_API}?dependencia={DEPENDENCIA}&tipo_contratacion={TIPO}"
    "&order=-fecha_fin&limit=100",
    "search-api": "/api/v1/datasets?q=compras",
    "search-page": "/search?q=contratos",
    "dataset-page": "/datasets/compras",
}
SMALL = {  # slug → title: something for the catalog search to find and rank
    "contratos-obra": "Contratos de obra pública",
    "compras-salud": "Compras consolidadas de salud",
    "padron-proveedores": "Padrón de proveedores",
}


@dataclass
class Run:
    processes: int
    pinned: bool  # each web process on a core of its own
    driver: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    first_error: str = ""
    server_cpu_s: float = 0.0  # CPU time of the server's processes during the run
    client_cpu_s: float = 0.0  # and of the load generator
    machine_busy: float = 0.0  # share of all cores busy (PostgreSQL and others included)
    p50_ms: float | None = None
    tail_ms: float | None = None  # p99 from wrk, p95 from the httpx clients
    latencies: dict[str, list[float]] = field(default_factory=dict, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def per_core(self) -> float:
        """Requests per second of server CPU: flat when processes add no contention."""
        return self.requests / self.server_cpu_s if self.server_cpu_s else 0.0

    @property
    def label(self) -> str:
        cores = f"{self.processes} core(s)" if self.pinned else "unpinned"
        return f"{self.processes} process(es), {cores}"

    def percentile(self, q: float, kind: str | None = None) -> float | None:
        values = sorted(v for k, vs in self.latencies.items() if kind in (None, k) for v in vs)
        return 1000 * values[min(len(values) - 1, int(len(values) * q))] if values else None


# ---------------------------------------------------------------- loading


def _abierto(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "abierto"), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"abierto {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def _database_url(sqlite: bool, home: Path, rows: int) -> str:
    if sqlite:
        return f"sqlite:///{home / 'abierto.db'}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE.format(rows=rows)}"


def _loaded(marker: Path, ds: Dataset, env: dict[str, str]) -> bool:
    """The home was loaded from this file into this database (the marker says so)."""
    if not marker.exists():
        return False
    seen = json.loads(marker.read_text())
    return seen.get("bytes") == ds.bytes and seen.get("database") == env["ABIERTO_DATABASE_URL"]


def load(ds: Dataset, work: Path, sqlite: bool) -> dict[str, str]:
    """The environment of a home with the table and the small datasets published (kept)."""
    home = work / ("sqlite" if sqlite else "postgresql") / f"rows-{ds.rows}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABIERTO_", "PROMETHEUS"))}
    env |= {"ABIERTO_HOME": str(home), "ABIERTO_DATABASE_URL": _database_url(sqlite, home, ds.rows)}
    env |= {"ABIERTO_RATE_LIMIT": "", "ABIERTO_LOG_LEVEL": "warning"}
    marker = home / "loaded.json"
    if _loaded(marker, ds, env):
        return env
    subprocess.run(["rm", "-rf", str(home)], check=True)
    home.mkdir(parents=True)
    if not sqlite:
        import psycopg

        name = DATABASE.format(rows=ds.rows)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    _abierto(env, "db", "upgrade")
    print(f"  publishing {ds.rows:,} rows …", file=sys.stderr, flush=True)
    _abierto(env, "publish", str(ds.path), "--org", "bench", "--dataset", "compras")
    for slug, title in SMALL.items():
        small = home / f"{slug}.csv"
        small.write_text("proveedor,monto\nAcme,10\nBeta,20\n", encoding="utf-8")
        _abierto(env, "publish", str(small), "--org", "bench", "--dataset", slug, "--title", title)
    marker.write_text(json.dumps({"bytes": ds.bytes, "database": env["ABIERTO_DATABASE_URL"]}))
    return env


# ---------------------------------------------------------------- driving


def start(env: dict[str, str], processes: int, log: Path) -> Server:
    port = _free_port()
    cmd = [str(VENV_BIN / "abierto"), "serve", "--port", str(port), "--workers", str(processes)]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"abierto×{processes}", f"http://127.0.0.1:{port}", process, log)
    return _started(server, "/readyz")


def stop(server: Server) -> None:
    """Ctrl-C first, so ``serve`` removes its shared metrics folder; then kill."""
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.stop()


def web_processes(server: Server, processes: int) -> list[psutil.Process]:
    """The processes that answer requests: uvicorn's spawned children when it has several
    (not multiprocessing's resource tracker)."""
    root = psutil.Process(server.process.pid)
    if processes == 1:
        return [root]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = [c for c in root.children() if "spawn_main" in " ".join(c.cmdline())]
        if len(children) >= processes:
            return children[:processes]
        time.sleep(0.2)
    raise RuntimeError(f"expected {processes} web processes under {root.pid}")


def pin(server: Server, processes: int) -> None:
    """Every thread of web process *i* onto core *i*; threads started later (the thread
    pool, DuckDB's) inherit the core of the thread that starts them."""
    cores = sorted(os.sched_getaffinity(0))
    for index, proc in enumerate(web_processes(server, processes)):
        core = {cores[index % len(cores)]}
        for thread in proc.threads():
            try:
                os.sched_setaffinity(thread.id, core)
            except OSError:  # the thread ended meanwhile
                continue


def warm(server: Server, paths: list[str]) -> None:
    """The first page of a release opens its file, the first search builds a snapshot."""
    with httpx.Client(base_url=server.url, timeout=600) as http:
        for _ in range(4):  # new connections reach every process sooner or later
            for path in paths:
                _fetch(http, path)


def measure(run: Run, server: Server, body: Callable[[], None]) -> Run:
    """Run ``body`` and record the server's CPU and the machine's busy share around it."""
    cpu_before, machine_before = tree_cpu(server), psutil.cpu_times()
    began = time.perf_counter()
    body()
    run.seconds = run.seconds or time.perf_counter() - began
    run.server_cpu_s = tree_cpu(server) - cpu_before
    run.machine_busy = busy_share(machine_before, psutil.cpu_times())
    return run


def drive_wrk(server: Server, run: Run, paths: list[str], clients: int, seconds: float) -> Run:
    def body() -> None:
        result = wrk.run(server.url, paths, clients, seconds)
        run.requests, run.seconds, run.errors = result.requests, result.seconds, result.errors
        run.p50_ms, run.tail_ms, run.client_cpu_s = result.p50_ms, result.p99_ms, result.cpu_s
        if result.errors:
            run.first_error = result.output[-500:]

    return measure(run, server, body)


def drive_httpx(server: Server, run: Run, kinds: list[str], clients: int, seconds: float) -> Run:
    """``clients`` threads cycling through the kinds (each keeps its own connection)."""
    run.latencies = {kind: [] for kind in kinds}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    client_cpu = time.process_time()

    def client(offset: int) -> None:
        order = cycle(kinds[offset % len(kinds) :] + kinds[: offset % len(kinds)])
        with httpx.Client(base_url=server.url, timeout=600) as http:
            for kind in order:
                began = time.perf_counter()
                _, error = _fetch(http, MIX[kind])
                elapsed = time.perf_counter() - began
                with lock:
                    if error:
                        run.errors += 1
                        run.first_error = run.first_error or f"{kind}: {error}"
                    else:
                        run.requests += 1
                        run.latencies[kind].append(elapsed)
                if time.monotonic() >= deadline:
                    return

    def body() -> None:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    measure(run, server, body)
    run.client_cpu_s = time.process_time() - client_cpu
    run.p50_ms, run.tail_ms = run.percentile(0.5), run.percentile(0.95)
    return run


def busy_share(before: object, after: object) -> float:
    """1 - idle share of all cores between two ``psutil.cpu_times()`` readings."""
    spent = {k: getattr(after, k) - getattr(before, k) for k in after._fields}  # type: ignore[attr-defined]
    total = sum(spent.values())
    return 1 - (spent["idle"] + spent.get("iowait", 0.0)) / total if total else 0.0


def tree_cpu(server: Server) -> float:
    """User + system seconds of the server process and its children (the web processes)."""
    root = psutil.Process(server.process.pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


# ---------------------------------------------------------------- report


def _f(value: float | None, spec: str = ",.1f") -> str:
    return "—" if value is None else format(value, spec)


def report(runs: list[Run], kinds: list[str]) -> dict[str, dict[str, float | None]]:
    tail = "p99 ms" if runs[0].driver == "wrk" else "p95 ms"
    print(f"\n{'run':<28} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {tail:>8} {'err':>4}", end="")
    print(f" {'server cores':>13} {'req/core-s':>11} {'client cores':>13} {'machine busy':>13}")
    for r in runs:
        print(
            f"{r.label:<28} {r.requests:>9} {r.rps:>8.1f} {_f(r.p50_ms):>8} {_f(r.tail_ms):>8} "
            f"{r.errors:>4} {r.server_cpu_s / r.seconds:>13.2f} {r.per_core:>11.1f} "
            f"{r.client_cpu_s / r.seconds:>13.2f} {r.machine_busy:>12.0%}"
        )
    if any(r.latencies for r in runs) and len(kinds) > 1:
        print("\np95 ms by request kind: " + "  ".join(kinds))
        for r in runs:
            print(f"  {r.label}: " + "  ".join(_f(r.percentile(0.95, k)) for k in kinds))
    ratios = {}
    for pinned in (True, False):
        pair = {r.processes: r for r in runs if r.pinned is pinned}
        if 1 not in pair or 2 not in pair:
            continue
        one, two = pair[1], pair[2]
        ratio = {
            "rps": two.rps / one.rps if one.rps else None,
            "tail": two.tail_ms / one.tail_ms if one.tail_ms and two.tail_ms else None,
            "per_core": two.per_core / one.per_core if one.per_core else None,
        }
        ratios["pinned" if pinned else "unpinned"] = ratio
        how = "each process on its own core" if pinned else "unpinned"
        print(
            f"\n2 ÷ 1 processes ({how}): throughput {_f(ratio['rps'], '.2f')}× (2× is the "
            f"ideal), {tail} latency {_f(ratio['tail'], '.2f')}×, requests per server core "
            f"{_f(ratio['per_core'], '.2f')}× (1× means the processes do not slow each other)"
        )
    for r in runs:
        if r.errors:
            print(f"  {r.label}: {r.errors} errors, first: {r.first_error}")
    return ratios


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=300_000, help="rows of the big table")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    p.add_argument("--seconds", type=float, default=15, help="seconds per run")
    p.add_argument("--clients", type=int, default=8, help="concurrent connections")
    p.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    p.add_argument("--workload", choices=("page", "mix"), default="page")
    p.add_argument(
        "--driver", choices=("wrk", "httpx"), default="wrk" if wrk.available() else "httpx"
    )
    p.add_argument(
        "--pinning",
        choices=("both", "pinned", "unpinned"),
        default="both",
        help="pin each web process to a core of its own, leave them free, or both (default)",
    )
    p.add_argument(
        "--duckdb-threads", type=int, default=1, help="DuckDB threads per process (0: default)"
    )
    return p.parse_args(argv)


def run_one(args: argparse.Namespace, env: dict[str, str], processes: int, pinned: bool) -> Run:
    kinds = [PAGE] if args.workload == "page" else list(MIX)
    run = Run(processes, pinned, args.driver)
    label = run.label
    print(f"{label} …", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="scale-") as logs:
        server = start(env, processes, Path(logs) / "serve.log")
        try:
            if pinned:
                pin(server, processes)
            warm(server, [MIX[k] for k in kinds])
            if args.driver == "wrk":
                return drive_wrk(server, run, [MIX[k] for k in kinds], args.clients, args.seconds)
            return drive_httpx(server, run, kinds, args.clients, args.seconds)
        finally:
            stop(server)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.pinning != "unpinned" and len(os.sched_getaffinity(0)) < 2:
        print("pinning needs at least 2 cores", file=sys.stderr)
        return 2
    print(f"preparing {args.rows:,}-row dataset in {args.out} …", file=sys.stderr, flush=True)
    ds = ensure_dataset(args.out, args.rows)
    env = load(ds, args.out / "scale", args.sqlite)
    if args.duckdb_threads:  # one thread each: the processes, not DuckDB, use the cores
        env["ABIERTO_DUCKDB_THREADS"] = str(args.duckdb_threads)
    pinnings = {"both": (True, False), "pinned": (True,), "unpinned": (False,)}[args.pinning]
    runs = [run_one(args, env, n, pinned) for pinned in pinnings for n in (1, 2)]
    kinds = [PAGE] if args.workload == "page" else list(MIX)
    ratios = report(runs, kinds)
    document = {
        "benchmark": "scale",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info() | {"loadavg_after": round(psutil.getloadavg()[0], 2)},
        "database": "sqlite" if args.sqlite else "postgresql",
        "rows": ds.rows,
        "clients": args.clients,
        "seconds": args.seconds,
        "driver": args.driver,
        "duckdb_threads": args.duckdb_threads,
        "workload": {k: MIX[k] for k in kinds},
        "runs": [
            asdict(r) | {"rps": r.rps, "per_core": r.per_core, "latencies": None} for r in runs
        ],
        "ratios": ratios,
    }
    path = args.out / "scale-results.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(f"results: {path}")
    return 0 if all(r.errors == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
