"""Two web processes and a worker on one PostgreSQL database, one blob folder and Redis;
20 clients publish to and read from the same datasets at once.

Done when (issue 7): no lost update, no duplicate release, no 500. Every request succeeds
or fails cleanly (4xx); every dataset ends with one release per accepted file (none lost,
none twice: two clients sending the same file at the same moment make one release); every
release stays readable, with the rows of the file it came from.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select

from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Release, Resource
from abierto.catalog.services import get_or_create_organization
from abierto.settings import Settings
from tests.conftest import PG_ADMIN_URL, redis_problem
from tests.storage.s3server import free_port

ABIERTO = Path(sys.executable).parent / "abierto"
REDIS_URL = os.environ.get("ABIERTO_TEST_REDIS", "redis://127.0.0.1:6379/0")
SHARED = ("ventas", "compras", "obras")  # every writer thread publishes into one of these
TWINS = "gemelos"  # two clients upload the same file here at the same moment
CLIENTS, HTTP_WRITERS, ROUNDS, JOB_WRITERS = 20, 14, 2, 2
ROWS = {"limit": 1000, "shape": "objects"}


@dataclass
class Cluster:
    webs: list[str]
    settings: Settings
    context: AppContext  # the test's own view: the same database, blobs and queue
    token: str
    logs: list[Path]


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(ABIERTO), *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{url} never became ready"
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards."""
    name = f"abierto_conc_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cluster(database: str, tmp_path: Path) -> Iterator[Cluster]:
    if problem := redis_problem(REDIS_URL):
        warnings.warn(f"REDIS NOT AVAILABLE at {REDIS_URL}: test skipped", stacklevel=1)
        pytest.skip(f"REDIS NOT AVAILABLE: {problem}")
    settings = Settings(
        home=tmp_path / "home",
        database_url=database,
        queue_url=REDIS_URL,
        queue_name=f"abierto-conc-{uuid.uuid4().hex[:8]}",
        rate_limit="",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABIERTO_", "PROMETHEUS"))}
    env |= {
        "ABIERTO_HOME": str(settings.home),
        "ABIERTO_DATABASE_URL": database,
        "ABIERTO_QUEUE_URL": REDIS_URL,
        "ABIERTO_QUEUE_NAME": settings.queue_name,
        "ABIERTO_RATE_LIMIT": "",
        "ABIERTO_LOG_FORMAT": "json",
    }
    _cli(env, "db", "upgrade")
    _cli(env, "users", "create", "robot", "--email", "r@example.org", "--password", "x" * 20)
    token = _cli(env, "users", "token", "robot", "concurrency").strip().splitlines()[-1]
    context = AppContext.create(settings)
    with context.db.session() as session:
        get_or_create_organization(session, "zapopan")
    _cli(env, "users", "add-member", "robot", "zapopan", "--role", "editor")
    processes, logs, webs = [], [], []
    try:
        for n in (1, 2):
            port, log = free_port(), tmp_path / f"web{n}.log"
            command = [str(ABIERTO), "serve", "--port", str(port)]
            processes.append(_start(command, env, log))
            logs.append(log)
            webs.append(f"http://127.0.0.1:{port}")
        worker_log = tmp_path / "worker.log"
        processes.append(_start([str(ABIERTO), "worker", "--name", "conc"], env, worker_log))
        logs.append(worker_log)
        for url, process, log in zip(webs, processes, logs, strict=False):
            _ready(url, process, log)
        yield Cluster(webs, settings, context, token, logs)
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        context.close()


@dataclass
class Ledger:
    """What the clients saw, shared by the threads."""

    accepted: dict[str, list[str]] = field(default_factory=dict)  # dataset → file sha256s
    markers: dict[str, str] = field(default_factory=dict)  # file sha256 → marker in its rows
    statuses: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, what: str, response: httpx.Response) -> httpx.Response:
        with self.lock:
            self.statuses.append((what, response.status_code))
        return response

    def accept(self, dataset: str, content: bytes, marker: str) -> None:
        digest = hashlib.sha256(content).hexdigest()
        with self.lock:
            self.accepted.setdefault(dataset, []).append(digest)
            self.markers[digest] = marker


def csv_bytes(marker: str, rows: int) -> bytes:
    lines = ["folio,marca,monto"] + [f"{n},{marker},{n * 7 % 101}.25" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def resource_create(
    cluster: Cluster, ledger: Ledger, web: str, dataset: str, content: bytes
) -> httpx.Response:
    response = httpx.post(
        f"{web}/api/3/action/resource_create",
        headers={"Authorization": cluster.token},
        data={"package_id": dataset},
        files={"upload": (f"{dataset}.csv", content, "text/csv")},
        timeout=120,
    )
    return ledger.saw("resource_create", response)


def package_create(cluster: Cluster, dataset: str) -> None:
    response = httpx.post(
        f"{cluster.webs[0]}/api/3/action/package_create",
        headers={"Authorization": cluster.token},
        json={"name": dataset, "owner_org": "zapopan", "title": dataset.title()},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def http_writer(cluster: Cluster, ledger: Ledger, n: int) -> None:
    dataset = SHARED[n % len(SHARED)]
    for round_ in range(ROUNDS):
        marker = f"http-{n}-{round_}"
        content = csv_bytes(marker, 5 + n + round_)
        web = cluster.webs[(n + round_) % 2]
        response = resource_create(cluster, ledger, web, dataset, content)
        if response.status_code == 200:
            ledger.accept(dataset, content, marker)
        read_latest(cluster, ledger, cluster.webs[(n + round_ + 1) % 2], dataset)


def read_latest(cluster: Cluster, ledger: Ledger, web: str, dataset: str) -> None:
    """The latest rows of a dataset, from the other web process: always whole files."""
    url = f"{web}/api/v1/datasets/{dataset}/resources/data/rows"
    response = ledger.saw("rows", httpx.get(url, params=ROWS, timeout=60))
    if response.status_code == 200:
        markers = {row["marca"] for row in response.json()["rows"]}
        assert len(markers) == 1, f"rows of several files mixed: {markers}"


def twin_writer(cluster: Cluster, ledger: Ledger, n: int) -> None:
    content = csv_bytes("gemelo", 9)
    response = resource_create(cluster, ledger, cluster.webs[n % 2], TWINS, content)
    if response.status_code == 200:
        ledger.accept(TWINS, content, "gemelo")


def job_writer(cluster: Cluster, ledger: Ledger, n: int) -> None:
    """Publishes through the queue and `abierto worker`, as a large upload would."""
    dataset = SHARED[n % len(SHARED)]
    for round_ in range(ROUNDS):
        marker = f"job-{n}-{round_}"
        source = cluster.settings.home / f"{marker}.csv"
        source.write_bytes(csv_bytes(marker, 3 + round_))
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        cluster.context.store.put_file(source, f"uploads/{digest}")
        payload = {"blob_key": f"uploads/{digest}", "source_name": source.name}
        payload |= {"organization": "zapopan", "dataset": dataset}
        job_id = cluster.context.jobs.enqueue("publish", payload, key=f"publish:{marker}")
        state = cluster.context.jobs.wait(job_id, 180)
        assert state == "done", f"job {job_id}: {state}"
        ledger.accept(dataset, source.read_bytes(), marker)


def reader(cluster: Cluster, ledger: Ledger, n: int, stop: threading.Event) -> None:
    with httpx.Client(base_url=cluster.webs[n % 2], timeout=60) as client:
        while not stop.is_set():
            for dataset in SHARED:
                ledger.saw("page", client.get(f"/datasets/{dataset}"))
                show = client.get("/api/3/action/package_show", params={"id": dataset})
                ledger.saw("package_show", show)
                read_latest(cluster, ledger, str(client.base_url).rstrip("/"), dataset)


def run_clients(cluster: Cluster, ledger: Ledger) -> None:
    stop, errors = threading.Event(), []
    start = threading.Barrier(CLIENTS)

    def client(job: Callable[[], None]) -> None:
        try:
            start.wait(timeout=60)
            job()
        except BaseException as exc:  # reported after every thread has finished
            errors.append(exc)

    writers = [lambda n=n: http_writer(cluster, ledger, n) for n in range(HTTP_WRITERS)]
    writers += [lambda n=n: twin_writer(cluster, ledger, n) for n in range(2)]
    writers += [lambda n=n: job_writer(cluster, ledger, n) for n in range(JOB_WRITERS)]
    readers = [lambda n=n: reader(cluster, ledger, n, stop) for n in range(CLIENTS - len(writers))]
    threads = [threading.Thread(target=client, args=(job,)) for job in writers + readers]
    for thread in threads:
        thread.start()
    for thread in threads[: len(writers)]:
        thread.join(timeout=600)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]


def releases_of(cluster: Cluster, dataset: str) -> list[Release]:
    with cluster.context.db.session() as session:
        query = (
            select(Release)
            .join(Resource)
            .join(Dataset)
            .where(Dataset.slug == dataset)
            .order_by(Release.number)
        )
        return list(session.scalars(query))


@pytest.mark.slow
def test_twenty_clients_two_web_processes_and_a_worker(cluster: Cluster) -> None:
    ledger = Ledger()
    for dataset in SHARED:  # each starts with one release, so every later one is a new number
        package_create(cluster, dataset)
        content = csv_bytes(f"inicial-{dataset}", 4)
        assert resource_create(cluster, ledger, cluster.webs[1], dataset, content).is_success
        ledger.accept(dataset, content, f"inicial-{dataset}")
    package_create(cluster, TWINS)

    run_clients(cluster, ledger)

    crashes = [(what, status) for what, status in ledger.statuses if status >= 500]
    assert not crashes, f"server errors: {crashes}"
    refused = [(what, status) for what, status in ledger.statuses if status >= 400]
    assert len(ledger.statuses) > HTTP_WRITERS * ROUNDS * 2  # every client did its part
    assert len(refused) <= len(ledger.statuses) // 20, refused  # clean refusals stay rare
    for dataset in (*SHARED, TWINS):
        releases = releases_of(cluster, dataset)
        accepted = ledger.accepted[dataset]
        got = [r.source_sha256 for r in releases]
        assert [r.number for r in releases] == list(range(1, len(releases) + 1)), dataset
        assert sorted(set(got)) == sorted(set(accepted)), f"{dataset}: a lost update"
        assert len(got) == len(set(got)), f"{dataset}: a file became two releases"
        if dataset != TWINS:  # every file sent there was different: one release each
            assert len(releases) == len(accepted), dataset
    assert len(releases_of(cluster, TWINS)) == 1
    for n, dataset in enumerate(SHARED):
        for release in releases_of(cluster, dataset):
            web = cluster.webs[n % 2]
            url = f"{web}/api/v1/releases/{release.id}/rows"
            rows = httpx.get(url, params=ROWS, timeout=60).json()["rows"]
            assert len(rows) == release.row_count
            assert {row["marca"] for row in rows} == {ledger.markers[release.source_sha256]}
    for log in cluster.logs:
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
        assert not [x for x in lines if x["level"] in ("ERROR", "CRITICAL")], log.name
