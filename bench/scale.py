"""Scaling benchmark: the same mixed read workload against 1 and then 2 web processes.

    python bench/scale.py [--rows 300000] [--seconds 15] [--clients 8] [--sqlite]

Publishes the ingest benchmark's CompraNet-shaped table (bench/ingest.py generates and
caches the CSV) into a PostgreSQL database of its own (``abierto_bench_scale`` on
127.0.0.1:5432, kept for later runs) plus a few small datasets for the catalog search, then
runs ``abierto serve --workers 1`` and ``--workers 2`` in turn and drives ``--clients``
httpx clients for ``--seconds`` each, every client cycling through the mix: the data API
benchmark's filtered, sorted page of 100 rows; a catalog search (API and page); the
dataset's page. Prints requests/s, p50 and p95 latency per process count and per kind of
request, then the 2 ÷ 1 ratios, and writes ``<out>/scale-results.json``. See
bench/README.md.
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
from dataclasses import asdict, dataclass, field
from itertools import cycle
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api import DEPENDENCIA, ROWS_API, TIPO, Server, _fetch, _free_port, _started
from common import machine_info
from ingest import VENV_BIN, Dataset, ensure_dataset

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "abierto_bench_scale"
MIX = {
    "page": f"{ROWS_API}?dependencia={DEPENDENCIA}&tipo_contratacion={TIPO}"
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
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    first_error: str = ""
    server_cpu_s: float = 0.0  # CPU time of the server's processes during the run
    client_cpu_s: float = 0.0  # and of this process (the clients)
    machine_busy: float = 0.0  # share of all cores busy (PostgreSQL and others included)
    latencies: dict[str, list[float]] = field(default_factory=dict, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

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


def _database_url(sqlite: bool, home: Path) -> str:
    if sqlite:
        return f"sqlite:///{home / 'abierto.db'}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"


def load(ds: Dataset, work: Path, sqlite: bool) -> dict[str, str]:
    """The environment of a home with the table and the small datasets published (kept)."""
    home = work / ("sqlite" if sqlite else "postgresql") / f"rows-{ds.rows}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABIERTO_", "PROMETHEUS"))}
    env |= {"ABIERTO_HOME": str(home), "ABIERTO_DATABASE_URL": _database_url(sqlite, home)}
    env |= {"ABIERTO_RATE_LIMIT": "", "ABIERTO_LOG_LEVEL": "warning"}
    marker = home / "loaded.json"
    if marker.exists() and json.loads(marker.read_text()).get("bytes") == ds.bytes:
        return env
    subprocess.run(["rm", "-rf", str(home)], check=True)
    home.mkdir(parents=True)
    if not sqlite:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    _abierto(env, "db", "upgrade")
    print(f"  publishing {ds.rows:,} rows …", file=sys.stderr, flush=True)
    _abierto(env, "publish", str(ds.path), "--org", "bench", "--dataset", "compras")
    for slug, title in SMALL.items():
        small = home / f"{slug}.csv"
        small.write_text("proveedor,monto\nAcme,10\nBeta,20\n", encoding="utf-8")
        _abierto(env, "publish", str(small), "--org", "bench", "--dataset", slug, "--title", title)
    marker.write_text(json.dumps({"bytes": ds.bytes}))
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


def drive(server: Server, processes: int, clients: int, seconds: float) -> Run:
    """``clients`` threads cycling through the mix for ``seconds`` (new connections are
    spread over the processes by the kernel; each client keeps its own)."""
    run = Run(processes, latencies={kind: [] for kind in MIX})
    lock = threading.Lock()
    for path in MIX.values():  # warm caches: the first page of a release opens its file
        _fetch(httpx.Client(base_url=server.url, timeout=600), path)
    stop = time.monotonic() + seconds
    cpu_before = (tree_cpu(server), time.process_time())
    machine_before = psutil.cpu_times()

    def client(offset: int) -> None:
        kinds = list(MIX)
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
                if time.monotonic() >= stop:
                    return

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - began
    run.server_cpu_s = tree_cpu(server) - cpu_before[0]
    run.client_cpu_s = time.process_time() - cpu_before[1]
    run.machine_busy = busy_share(machine_before, psutil.cpu_times())
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


def report(runs: list[Run]) -> dict[str, float | None]:
    head = f"{'processes':>9} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
    print(f"\n{head} {'err':>4} {'server cores':>13} {'client cores':>13} {'machine busy':>13}")
    for r in runs:
        print(
            f"{r.processes:>9} {r.requests:>9} {r.rps:>8.1f} {_f(r.percentile(0.5)):>8} "
            f"{_f(r.percentile(0.95)):>8} {r.errors:>4} {r.server_cpu_s / r.seconds:>13.2f} "
            f"{r.client_cpu_s / r.seconds:>13.2f} {r.machine_busy:>12.0%}"
        )
    print("\np95 ms by request kind: " + "  ".join(f"{k}" for k in MIX))
    for r in runs:
        cells = "  ".join(_f(r.percentile(0.95, k)) for k in MIX)
        print(f"  {r.processes} process(es): {cells}")
    one, two = runs[0], runs[-1]
    p95_one, p95_two = one.percentile(0.95), two.percentile(0.95)
    ratios = {
        "rps": two.rps / one.rps if one.rps else None,
        "p95": p95_two / p95_one if p95_one and p95_two else None,
    }
    print(
        f"\n2 ÷ 1 processes: throughput {_f(ratios['rps'], '.2f')}× (2× is the ideal on 2 free "
        f"cores), p95 latency {_f(ratios['p95'], '.2f')}×"
    )
    for r in runs:
        if r.errors:
            print(f"  {r.processes} process(es): {r.errors} errors, first: {r.first_error}")
    return ratios


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=300_000, help="rows of the big table")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    p.add_argument("--seconds", type=float, default=15, help="seconds per process count")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients")
    p.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    p.add_argument(
        "--duckdb-threads", type=int, default=0, help="DuckDB threads per process (0: default)"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(f"preparing {args.rows:,}-row dataset in {args.out} …", file=sys.stderr, flush=True)
    ds = ensure_dataset(args.out, args.rows)
    env = load(ds, args.out / "scale", args.sqlite)
    if args.duckdb_threads:  # one thread each: the processes, not DuckDB, use the cores
        env["ABIERTO_DUCKDB_THREADS"] = str(args.duckdb_threads)
    runs = []
    with tempfile.TemporaryDirectory(prefix="scale-") as logs:
        for processes in (1, 2):
            print(f"{processes} web process(es) …", file=sys.stderr, flush=True)
            server = start(env, processes, Path(logs) / f"serve-{processes}.log")
            try:
                runs.append(drive(server, processes, args.clients, args.seconds))
            finally:
                stop(server)
    ratios = report(runs)
    document = {
        "benchmark": "scale",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info() | {"loadavg_after": round(psutil.getloadavg()[0], 2)},
        "database": "sqlite" if args.sqlite else "postgresql",
        "rows": ds.rows,
        "clients": args.clients,
        "seconds": args.seconds,
        "mix": MIX,
        "runs": [
            asdict(r)
            | {"rps": r.rps, "p50_ms": r.percentile(0.5), "p95_ms": r.percentile(0.95)}
            | {"latencies": None}
            for r in runs
        ],
        "ratios": ratios,
    }
    path = args.out / "scale-results.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(f"results: {path}")
    return 0 if all(r.errors == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
