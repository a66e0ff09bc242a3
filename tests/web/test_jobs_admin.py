"""The jobs admin page over real HTTP: only site admins see it, it shows state, attempts,
error and timings, filters by state, and a failed job can be retried (POST with CSRF) —
here a publish whose staged file was missing, retried once the file is there."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from abierto.accounts import services as accounts
from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.catalog.services import get_or_create_organization
from abierto.ingest.hashing import sha256_file
from abierto.jobs.models import Job
from abierto.settings import Settings
from tests.web.conftest import _serve

PASSWORD = "contraseña de prueba larga"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    url: str
    context: AppContext  # the test's own view of the same database and blob store
    failed: str  # a publish job that failed: its staged file was missing
    done: str
    source: Path  # the file the failed job wanted


def _people(context: AppContext) -> None:
    with context.db.session() as session:
        accounts.create_user(session, "jefa", "jefa@example.org", PASSWORD, site_admin=True)
        editor = accounts.create_user(session, "editora", "editora@example.org", PASSWORD)
        org = get_or_create_organization(session, "zapopan")
        accounts.set_membership(session, editor, org, "admin")


def _payload(source: Path, dataset: str) -> dict[str, str]:
    return {
        "blob_key": f"uploads/{sha256_file(source)}",
        "source_name": source.name,
        "organization": "zapopan",
        "dataset": dataset,
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("jobs-admin")
    settings = Settings(home=root / "home", rate_limit="100000/minute")
    context = AppContext.create(settings)
    _people(context)
    present, missing = root / "presupuesto.csv", root / "pagos.csv"
    present.write_text("partida,monto\n1000,5.5\n2000,7\n", encoding="utf-8")
    missing.write_text("folio,monto\n1,10.5\n2,20\n3,30\n", encoding="utf-8")
    context.store.put_file(present, f"uploads/{sha256_file(present)}")
    done = context.jobs.enqueue("publish", _payload(present, "presupuesto"))
    failed = context.jobs.enqueue("publish", _payload(missing, "pagos"), max_attempts=1)
    assert context.jobs.wait(done, 60) == "done" and context.jobs.wait(failed, 60) == "failed"
    server, thread, url = _serve(settings)
    try:
        yield Site(url, context, failed, done, missing)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        context.close()


@contextmanager
def browser(site: Site, username: str | None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        if username is not None:
            token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
            form = {"csrf_token": token, "login": username, "password": PASSWORD, "next": "/"}
            assert client.post("/login", data=form).status_code == 303
        yield client


def _job(site: Site, job_id: str) -> Job:
    with site.context.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_visitors_log_in_first_and_other_users_are_refused(site: Site) -> None:
    with browser(site, None) as visitor:
        response = visitor.get("/admin/jobs")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/admin/jobs"
        assert visitor.post(f"/admin/jobs/{site.failed}/retry").status_code == 403  # no CSRF
    with browser(site, "editora") as editor:
        page = editor.get("/admin/jobs")
        assert page.status_code == 403 and site.failed not in page.text
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        refused = editor.post(f"/admin/jobs/{site.failed}/retry", data={"csrf_token": token})
        assert refused.status_code == 403
    assert _job(site, site.failed).state == "failed"


def test_admins_see_state_attempts_error_and_timings(site: Site) -> None:
    with browser(site, "jefa") as admin:
        page = admin.get("/admin/jobs")
        assert page.status_code == 200
        rows = dict(re.findall(r'<tr id="job-(\w+)" data-state="(\w+)"', page.text))
        assert rows == {site.failed: "failed", site.done: "done"}
        assert "FileNotFoundError" in page.text or "No such file" in page.text
        assert "1/1" in page.text and " s</td>" in page.text  # attempts, a duration
        failed_only = admin.get("/admin/jobs", params={"state": "failed"}).text
        assert site.failed in failed_only and site.done not in failed_only
        english = admin.get("/admin/jobs", params={"lang": "en", "state": "done"}).text
        assert "Background jobs" in english and site.failed not in english


def test_a_failed_job_is_retried_once_with_csrf(site: Site) -> None:
    with browser(site, "jefa") as admin:
        token = CSRF.search(admin.get("/admin/jobs").text).group(1)  # type: ignore[union-attr]
        retry = f"/admin/jobs/{site.failed}/retry"
        assert admin.post(retry, data={"csrf_token": "forged"}).status_code == 403
        assert _job(site, site.failed).state == "failed"

        site.context.store.put_file(site.source, f"uploads/{sha256_file(site.source)}")
        answer = admin.post(retry, data={"csrf_token": token})
        assert answer.status_code == 303 and answer.headers["location"].endswith("retried")
        deadline = time.monotonic() + 60
        while _job(site, site.failed).state != "done":
            assert time.monotonic() < deadline, _job(site, site.failed).error
            time.sleep(0.1)
        job = _job(site, site.failed)
        assert (job.attempts, job.max_attempts, job.error) == (2, 2, None)
        with site.context.db.session() as session:
            assert sorted(r.row_count for r in session.scalars(select(Release))) == [2, 3]

        again = admin.post(retry, data={"csrf_token": token})  # done: nothing to retry
        assert again.headers["location"].endswith("not_failed")
        assert "Solo un trabajo fallido" in admin.get(again.headers["location"]).text
    assert _job(site, site.failed).attempts == 2
