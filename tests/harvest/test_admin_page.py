"""``/admin/harvest`` over real HTTP: visitors log in first, other users get 403, every
form needs its CSRF token; a site admin adds a source and "Run now" harvests it (a job on
the portal's own queue) from a live remote abierto portal."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from abierto.accounts import services as accounts
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset
from abierto.catalog.services import get_or_create_organization
from abierto.harvest.models import HarvestSource
from abierto.jobs.models import Job
from abierto.settings import Settings
from tests.harvest.conftest import Remote
from tests.web.conftest import _serve

PASSWORD = "contraseña de prueba larga"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, AppContext]]:
    settings = Settings(
        home=tmp_path / "local", rate_limit="100000/minute", fetch_allow_private=True
    )
    context = AppContext.create(settings)
    with context.db.session() as session:
        accounts.create_user(session, "jefa", "jefa@example.org", PASSWORD, site_admin=True)
        editor = accounts.create_user(session, "editora", "editora@example.org", PASSWORD)
        org = get_or_create_organization(session, "cdmx", "Ciudad de México")
        accounts.set_membership(session, editor, org, "admin")
    server, thread, url = _serve(settings)
    try:
        yield url, context
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        context.close()


def _wait_for_harvest(context: AppContext, timeout: float = 60) -> str:
    """The portal's job, watched in the database (a second in-process queue here would
    pick the job up too)."""
    deadline = time.monotonic() + timeout
    while True:
        with context.db.session() as session:
            state = session.scalar(select(Job.state).where(Job.kind == "harvest.run"))
        if state in ("done", "failed") or time.monotonic() > deadline:
            return str(state)
        time.sleep(0.05)


@contextmanager
def browser(url: str, username: str | None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        if username is not None:
            token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
            form = {"csrf_token": token, "login": username, "password": PASSWORD, "next": "/"}
            assert client.post("/login", data=form).status_code == 303
        yield client


def _token(page: httpx.Response) -> str:
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def _sources(context: AppContext) -> list[HarvestSource]:
    with context.db.session() as session:
        return list(session.scalars(select(HarvestSource)))


def test_only_site_admins_and_only_with_csrf(site: tuple[str, AppContext], remote: Remote) -> None:
    url, context = site
    form = {"url": remote.url, "kind": "ckan", "organization": "cdmx"}
    with browser(url, None) as visitor:
        response = visitor.get("/admin/harvest")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/admin/harvest"
        assert visitor.post("/admin/harvest", data=form).status_code == 403
    with browser(url, "editora") as editor:
        page = editor.get("/admin/harvest")
        assert page.status_code == 403
        refused = editor.post("/admin/harvest", data={**form, "csrf_token": _token(page)})
        assert refused.status_code == 403
    with browser(url, "jefa") as admin:
        assert admin.post("/admin/harvest", data=form).status_code == 403  # no token
    assert _sources(context) == []


def test_admin_adds_a_source_and_runs_it(site: tuple[str, AppContext], remote: Remote) -> None:
    url, context = site
    with browser(url, "jefa") as admin:
        page = admin.get("/admin/harvest")
        assert page.status_code == 200 and "Cosecha de catálogos remotos" in page.text
        token = _token(page)
        form = {"csrf_token": token, "url": "ftp://x", "kind": "ckan", "organization": "cdmx"}
        bad = admin.post("/admin/harvest", data=form)
        assert bad.status_code == 400 and 'id="url-error"' in bad.text
        form.update(url=remote.url, title="CDMX remota")
        added = admin.post("/admin/harvest", data=form)
        assert added.status_code == 303 and added.headers["location"].endswith("notice=added")
        [source] = _sources(context)
        assert source.title == "CDMX remota" and source.created_by is not None

        run = admin.post(f"/admin/harvest/{source.id}/run", data={"csrf_token": token})
        assert run.status_code == 303 and run.headers["location"].endswith("notice=queued")
        assert _wait_for_harvest(context) == "done"  # run by the portal's own queue
        with context.db.session() as session:
            slugs = set(session.scalars(select(Dataset.slug)))
        assert slugs == {"presupuesto", "escuelas", "calidad-aire"}

        listing = admin.get("/admin/harvest").text
        assert f'id="source-{source.id}" data-status="done"' in listing
        assert "3 nuevos, 0 actualizados" in listing
        english = admin.get("/admin/harvest", params={"lang": "en"}).text
        assert "Harvesting remote catalogs" in english and "3 created, 0 updated" in english
