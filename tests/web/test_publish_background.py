"""Big files publish in the background: the browser flow over a live portal, the job, gc.

The portals here publish every file in the background (``background_publish_mb=0``). The
first runs its jobs in-process (SQLite); the second enqueues them on Redis and a real
``abierto worker --burst`` process runs them against PostgreSQL, with its own home (its own
scratch folder), as a worker on another machine would: it sees only the database and the
blob store.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from abierto.accounts import services as accounts
from abierto.accounts.permissions import actor_for
from abierto.app_context import AppContext
from abierto.catalog.editing import Metadata
from abierto.catalog.models import ActivityEvent, Dataset, Release, utcnow
from abierto.catalog.services import dataset_by_slug, get_or_create_organization
from abierto.ingest import staging
from abierto.ingest.hashing import sha256_file
from abierto.ingest.publish import PublishRequest, publish
from abierto.jobs.models import Job
from abierto.jobs.registry import handler
from abierto.jobs.runner import run_job
from abierto.ops.gc import collect
from abierto.settings import Settings
from abierto.web import publish_jobs
from tests.accounts.people import Person, browser, create_people, csrf_of, portal_db
from tests.conftest import _truncate_all, redis_problem
from tests.web.conftest import OBRAS_V1, _serve, publish_csv
from tests.web.test_publish_flow import finish, staged_id, upload

REDIS_URL = os.environ.get("ABIERTO_TEST_REDIS", "redis://127.0.0.1:6379/0")
ABIERTO = Path(sys.executable).parent / "abierto"
JOB_PAGE = re.compile(r"/publish/jobs/[0-9a-f]{32}")
PEOPLE = (
    Person("editora", {"zapopan": "editor"}),
    Person("perdida", {"zapopan": "editor"}),  # loses the role before her job runs
    Person("otra", {"zapopan": "editor"}),
    Person("jefa", site_admin=True),
)
SMALL = "Obra,Monto\nPuente,10\nCalle,20\nParque,30\n"
HOLD = threading.Event()


@handler("test.hold")
def hold(context: AppContext, payload: dict[str, Any]) -> None:
    """Keeps the portal's one in-process job thread busy until the test lets it go."""
    HOLD.wait(timeout=60)


@dataclass
class Site:
    url: str
    settings: Settings
    context: AppContext  # the running server's own (its job queue)
    org_id: str


def _prepare(settings: Settings, root: Path) -> str:
    context = AppContext.create(settings)
    try:
        publish_csv(context, root, "obras", OBRAS_V1, title="Obra pública")
        with context.db.session() as session:
            org_id = get_or_create_organization(session, "zapopan").id
    finally:
        context.close()
    create_people(settings, *PEOPLE)
    return org_id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("background")
    settings = Settings(home=root / "home", rate_limit="100000/minute", background_publish_mb=0)
    org_id = _prepare(settings, root)
    server, thread, url = _serve(settings)
    try:
        yield Site(url, settings, server.config.app.state.context, org_id)
    finally:
        HOLD.set()
        server.should_exit = True
        thread.join(timeout=10)


def _report(client: httpx.Client, upload_id: str, timeout: float = 60) -> httpx.Response:
    """Step 2: reload the report page, as its meta refresh would, until the file is read."""
    deadline = time.monotonic() + timeout
    while 'id="publish-analysing"' in (response := client.get(f"/publish/{upload_id}")).text:
        assert response.status_code == 200, response.text
        assert time.monotonic() < deadline, "the file is still being analysed"
        time.sleep(0.1)
    return response


def _publish(client: httpx.Client, upload_id: str, **metadata: str) -> str:
    """Steps 3 and 4 once the report is there; returns the job page the browser goes to."""
    _report(client, upload_id)
    response = finish(client, upload_id, **metadata)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert JOB_PAGE.fullmatch(location), location
    return location


def _wait(client: httpx.Client, page: str, timeout: float = 60) -> httpx.Response:
    """Reload the job page, as its meta refresh would, until the job has finished."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(page)
        assert response.status_code == 200, response.text
        state = re.search(r'data-state="(\w+)"', response.text)
        assert state is not None
        if state.group(1) in ("done", "failed"):
            return response
        assert time.monotonic() < deadline, f"the job is still {state.group(1)}"
        time.sleep(0.1)


def _releases(settings: Settings, slug: str) -> list[tuple[int, int]]:
    with portal_db(settings) as session:
        dataset = dataset_by_slug(session, slug)
        assert dataset is not None
        return [(r.number, r.row_count) for res in dataset.resources for r in res.releases]


def _revoke(settings: Settings, username: str) -> None:
    with portal_db(settings) as session:
        user = accounts.user_by_name(session, username)
        org = get_or_create_organization(session, "zapopan")
        assert user is not None and accounts.remove_membership(session, user, org)


def _uploads_left(settings: Settings) -> list[str]:
    root = staging.uploads_dir(settings)
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


# -- in-process jobs, SQLite ------------------------------------------------------------


def test_a_big_file_publishes_in_the_background(site: Site, realdata: Path) -> None:
    source = realdata / "csv" / "mx_compranet_contratos2013_sample.csv"
    title = "Contratos en segundo plano"
    with browser(site.url, "editora") as client:
        new = {"organization": site.org_id, "title": title}
        upload_id = staged_id(upload(client, source, **new))
        assert site.context.store.exists(f"uploads/{sha256_file(source)}")  # any worker reads it
        assert "399" in _report(client, upload_id).text
        metadata = {"title": title, "license_id": "cc-by-4.0", "tags": "contratos, compras"}
        page = _publish(client, upload_id, **metadata)
        assert _publish(client, upload_id, **metadata) == page  # a second click: the same job
        done = _wait(client, page)
        assert 'data-state="done"' in done.text and "Se publicó la nueva versión." in done.text
        slug = "contratos-en-segundo-plano"
        assert f'href="/datasets/{slug}?notice=published"' in done.text
        assert 'http-equiv="refresh"' not in done.text and "hx-trigger" not in done.text
        partial = client.get(page, headers={"HX-Request": "true"})
        assert "<html" not in partial.text and 'id="publish-job"' in partial.text
    assert upload_id not in _uploads_left(site.settings)  # published: the staged folder goes
    with httpx.Client(base_url=site.url) as anonymous:
        api = anonymous.get(f"/api/v1/datasets/{slug}").json()
    assert api["title"] == title and api["resources"][0]["latest_release"]["row_count"] == 399
    with portal_db(site.settings) as session:
        dataset = dataset_by_slug(session, slug)
        assert dataset is not None and dataset.license_id == "cc-by-4.0"
        assert sorted(t.name for t in dataset.tags) == ["compras", "contratos"]
        events = session.execute(
            select(ActivityEvent.verb, ActivityEvent.actor_id).where(
                ActivityEvent.dataset_id == dataset.id
            )
        ).all()
        editor = accounts.user_by_name(session, "editora")
        assert editor is not None
        assert sorted(events) == [("dataset.created", editor.id), ("release.published", editor.id)]
        release = dataset.resources[0].releases[0]
        assert release.source_name == source.name and release.source_sha256 == sha256_file(source)
        jobs = session.scalars(select(Job).where(Job.kind == "publish.web")).all()
        mine = [j for j in jobs if j.payload["upload_id"] == upload_id]
        assert len(mine) == 1 and mine[0].created_by == editor.id and mine[0].attempts == 1


def _hold(site: Site) -> str:
    """Keep the portal's job thread busy: jobs enqueued now wait until ``HOLD.set()``."""
    HOLD.clear()
    return site.context.jobs.enqueue("test.hold", {"n": uuid.uuid4().hex})


def test_a_big_file_is_analysed_in_the_background(site: Site) -> None:
    blocker = _hold(site)
    try:
        with browser(site.url, "editora") as client:
            upload_id = staged_id(upload(client, content=SMALL.encode(), dataset="obras"))
            path = f"/publish/{upload_id}"
            analysing = client.get(path)
            assert analysing.status_code == 200 and "Analizando el archivo" in analysing.text
            assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in analysing.text
            assert f'hx-get="{path}" hx-trigger="every 3s"' in analysing.text
            assert client.get(f"{path}/metadata").headers["location"] == path  # not yet
            polled = client.get(path, headers={"HX-Request": "true"})
            assert "HX-Refresh" not in polled.headers
            HOLD.set()
            report = _report(client, upload_id)
            assert "Primera versión" not in report.text and "Frente a la versión" in report.text
            assert "noscript" not in report.text and 'id="publish-analysing"' not in report.text
            assert client.get(path, headers={"HX-Request": "true"}).headers["HX-Refresh"] == "true"
            client.post(f"{path}/cancel", data={"csrf_token": csrf_of(report.text)})
    finally:
        HOLD.set()
        assert site.context.jobs.wait(blocker, 30) == "done"
    with portal_db(site.settings) as session:
        job = session.scalar(select(Job).where(Job.key == f"inspect.web:{upload_id}"))
        assert job is not None and job.state == "done" and job.result["inspection"]["tables"]


def test_an_editor_who_loses_the_right_gets_a_failed_job(site: Site) -> None:
    before = _releases(site.settings, "obras")
    with browser(site.url, "perdida") as client:
        upload_id = staged_id(upload(client, content=SMALL.encode(), dataset="obras"))
        _report(client, upload_id)
    blocker = _hold(site)
    try:
        with browser(site.url, "perdida") as client:
            page = _publish(client, upload_id, title="Obra pública")
            queued = client.get(page)
            assert 'data-state="queued"' in queued.text and "espera su turno" in queued.text
            assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in queued.text
            assert f'hx-get="{page}" hx-trigger="every 3s"' in queued.text
            _revoke(site.settings, "perdida")
            HOLD.set()
            failed = _wait(client, page)
        assert 'data-state="failed"' in failed.text
        assert "Tu cuenta ya no puede publicar" in failed.text
        assert "la versión anterior sigue publicada" in failed.text
    finally:
        HOLD.set()
        assert site.context.jobs.wait(blocker, 30) == "done"
    assert _releases(site.settings, "obras") == before


def test_a_bad_file_fails_with_its_reason_and_keeps_the_release(site: Site, realdata: Path) -> None:
    html = realdata / "csv" / "mx_inegi_indicadores_export_is_html.csv"
    before = _releases(site.settings, "obras")
    with browser(site.url, "editora") as client:
        upload_id = staged_id(upload(client, html, dataset="obras"))
        report = _report(client, upload_id)
        assert report.status_code == 422 and "No se pudo leer el archivo" in report.text
        data = {"csrf_token": csrf_of(report.text), "title": "Título que no debe quedar"}
        response = client.post(f"/publish/{upload_id}", data=data)
        assert response.status_code == 303 and JOB_PAGE.fullmatch(response.headers["location"])
        failed = _wait(client, response.headers["location"])
    assert 'data-state="failed"' in failed.text
    assert f"{html.name}: " in failed.text  # the file and why, not a server path
    assert str(site.settings.scratch_dir) not in failed.text
    assert _releases(site.settings, "obras") == before
    with portal_db(site.settings) as session:
        assert dataset_by_slug(session, "obras").title == "Obra pública"  # type: ignore[union-attr]


def test_only_the_uploader_and_admins_see_a_job(site: Site) -> None:
    with browser(site.url, "editora") as client:
        upload_id = staged_id(upload(client, content=b"a,b\n1,2\n", dataset="obras"))
        page = _publish(client, upload_id, title="Obra pública")
        assert client.get(page).status_code == 200
    with browser(site.url, "otra") as other:  # an editor of the same organization
        assert other.get(page).status_code == 404
        assert other.get("/publish/jobs/" + "0" * 32).status_code == 404
    with browser(site.url, "jefa") as admin:
        assert admin.get(page).status_code == 200
        hold_job = site.context.jobs.enqueue("test.hold", {"unused": True})
        assert admin.get(f"/publish/jobs/{hold_job}").status_code == 404  # not a publish
    with httpx.Client(base_url=site.url) as anonymous:
        response = anonymous.get(page)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


# -- an RQ worker process, PostgreSQL ---------------------------------------------------


@pytest.fixture(scope="module")
def rq_site(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Site]:
    if problem := redis_problem(REDIS_URL):
        message = f"REDIS NOT AVAILABLE at {REDIS_URL}: RQ publish tests skipped ({problem})"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("background-rq")
    settings = Settings(
        home=root / "web",
        database_url=postgres_url,
        queue_url=REDIS_URL,
        queue_name=f"abierto-test-{uuid.uuid4().hex[:8]}",
        rate_limit="100000/minute",
        background_publish_mb=0,
    )
    context = AppContext.create(settings)
    _truncate_all(context.db)
    context.close()
    org_id = _prepare(settings, root)
    server, thread, url = _serve(settings)
    try:
        yield Site(url, settings, server.config.app.state.context, org_id)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        context = AppContext.create(settings)
        _truncate_all(context.db)
        context.close()


def _run_worker(settings: Settings, home: Path) -> None:
    """``abierto worker --burst`` with its own home: only the database and blobs are shared."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABIERTO_")}
    env |= {
        "ABIERTO_HOME": str(home),
        "ABIERTO_DATABASE_URL": settings.database_url,
        "ABIERTO_STORAGE_URL": settings.storage_url,
        "ABIERTO_QUEUE_URL": settings.queue_url,
        "ABIERTO_QUEUE_NAME": settings.queue_name,
    }
    command = [str(ABIERTO), "worker", "--burst"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, start_new_session=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_an_rq_worker_publishes_and_rechecks_the_right(rq_site: Site, tmp_path: Path) -> None:
    before = _releases(rq_site.settings, "obras")
    with browser(rq_site.url, "editora") as editor, browser(rq_site.url, "perdida") as lost:
        new = {"organization": rq_site.org_id, "title": "Obras del trabajador"}
        good_id = staged_id(upload(editor, content=SMALL.encode(), **new))
        lost_id = staged_id(
            upload(lost, content=SMALL.replace("Parque", "Jardín").encode(), dataset="obras")
        )
        analysing = editor.get(f"/publish/{good_id}")  # no worker yet
        assert 'id="publish-analysing"' in analysing.text
        assert 'id="publish-analysing"' in lost.get(f"/publish/{lost_id}").text
        _run_worker(rq_site.settings, tmp_path / "worker-home")  # reads both files
        assert "Primera versión de esta tabla" in _report(editor, good_id, timeout=5).text
        good = _publish(editor, good_id, title="Obras del trabajador", tags="obra")
        refused = _publish(lost, lost_id, title="Obra pública")
        queued = editor.get(good)
        assert 'data-state="queued"' in queued.text and 'http-equiv="refresh"' in queued.text
        _revoke(rq_site.settings, "perdida")
        _run_worker(rq_site.settings, tmp_path / "worker-home")
        done, failed = _wait(editor, good, timeout=5), _wait(lost, refused, timeout=5)
    assert 'data-state="done"' in done.text
    assert 'href="/datasets/obras-del-trabajador?notice=published"' in done.text
    assert 'data-state="failed"' in failed.text and "Tu cuenta ya no puede publicar" in failed.text
    assert _releases(rq_site.settings, "obras-del-trabajador") == [(1, 3)]
    assert _releases(rq_site.settings, "obras") == before
    with portal_db(rq_site.settings) as session:
        dataset = dataset_by_slug(session, "obras-del-trabajador")
        assert dataset is not None and [t.name for t in dataset.tags] == ["obra"]


# -- a rerun, gc ------------------------------------------------------------------------


def _staged(context: AppContext, user_id: str, org_id: str, content: str) -> Any:
    receiver = staging.Receiver(context.settings, "obras nuevas.csv")
    receiver.write(content.encode())
    upload = receiver.finish(user_id, staging.Target(org_id, "zapopan", "", "Obras nuevas"))
    staging.share(context.store, upload)
    return upload


def test_a_rerun_after_a_crash_publishes_once(context: AppContext) -> None:
    with context.db.session() as session:
        user = accounts.create_user(session, "ana", "ana@example.org", "contraseña larga 123")
        org = get_or_create_organization(session, "zapopan")
        accounts.set_membership(session, user, org, "editor")
        session.flush()
        actor, org_id = actor_for(session, user), org.id
    upload = _staged(context, actor.user_id or "", org_id, SMALL)
    metadata = Metadata(title="Obras nuevas", tags=["obra"])
    job_id = publish_jobs.enqueue(context, actor, upload, metadata, {})
    assert context.jobs.wait(job_id, 30) == "done"
    assert publish_jobs.enqueue(context, actor, upload, metadata, {}) == job_id
    with context.db.session() as session:  # as a worker killed after the commit leaves it
        session.get(Job, job_id).state = "running"  # type: ignore[union-attr]
    assert run_job(context, job_id) == "done"
    with context.db.session() as session:
        assert session.scalars(select(Dataset.slug)).all() == ["obras-nuevas"]  # no "-2"
        assert session.scalar(select(func.count()).select_from(Release)) == 1
        job = session.get(Job, job_id)
        assert job is not None and job.attempts == 2 and job.result["dataset"] == "obras-nuevas"


def _age(path: Path, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def _stage_blob(context: AppContext, folder: Path, name: str, hours_old: float) -> str:
    path = folder / f"{name}.csv"
    path.write_text(f"nombre,monto\n{name},1\n", encoding="utf-8")
    key = staging.blob_key(sha256_file(path))
    context.store.put_file(path, key)
    _age(context.store.local_path(key), hours_old)
    return key


def test_gc_keeps_staged_blobs_while_an_upload_or_a_job_needs_them(
    context: AppContext, tmp_path: Path
) -> None:
    old, young = 72.0, 2.0
    keys = {name: _stage_blob(context, tmp_path, name, old) for name in ("queued", "done")}
    keys |= {n: _stage_blob(context, tmp_path, n, old) for n in ("failed-old", "failed-new")}
    keys["waiting"] = _stage_blob(context, tmp_path, "waiting", young)  # between the steps
    keys["published"] = _stage_blob(context, tmp_path, "published", young)
    with context.db.session() as session:
        publish(session, context.settings, context.store,
                PublishRequest(tmp_path / "published.csv", "zapopan", "publicado"))  # fmt: skip
        long_ago = utcnow() - dt.timedelta(hours=old)
        for name, state, finished in (
            ("queued", "queued", None),
            ("done", "done", long_ago),
            ("failed-old", "failed", long_ago),
            ("failed-new", "failed", utcnow()),
        ):
            payload = {"blob_key": keys[name]}
            session.add(Job(kind="publish.web", payload=payload, state=state, finished_at=finished))
    scratch = context.settings.scratch_dir
    staged_folder, stale = scratch / "uploads" / "abc" / "file.csv", scratch / "job-x" / "a.csv"
    for path in (staged_folder, stale):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        for each in (path, path.parent):
            _age(each, young)
    with context.db.session() as session:  # grace 1 h; staged uploads live 24 h
        report = collect(session, context.store, scratch, 1, staged_hours=24)
    gone = {name for name, key in keys.items() if key in report.blobs}
    assert gone == {"done", "failed-old", "published"}
    assert all(context.store.exists(keys[n]) for n in ("queued", "waiting", "failed-new"))
    assert report.scratch == [stale.parent] and staged_folder.exists()


def test_abierto_gc_keeps_the_blob_of_a_queued_publish(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    context = AppContext.create(settings)
    try:
        key = _stage_blob(context, tmp_path, "pendiente", 72)
        with context.db.session() as session:
            session.add(Job(kind="publish.web", payload={"blob_key": key}))
    finally:
        context.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABIERTO_")}
    env["ABIERTO_HOME"] = str(settings.home)
    command = [str(ABIERTO), "gc", "--grace-hours", "0"]
    kept = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert kept.returncode == 0, kept.stderr
    assert key not in kept.stdout and (settings.home / "blobs" / key).is_file()
    context = AppContext.create(settings)
    try:
        with context.db.session() as session:  # the job ran (and the file is 72 h old)
            session.execute(update(Job).values(state="done"))
    finally:
        context.close()
    gone = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert f"removed blob {key}" in gone.stdout and not (settings.home / "blobs" / key).exists()
