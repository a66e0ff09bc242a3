"""Quality over HTTP: the dataset endpoint and panel, the scoreboard, organization scores
and the publisher dashboard; nothing private leaks."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import httpx
from sqlalchemy import update

from abierto.app_context import AppContext
from abierto.catalog.editing import add_link
from abierto.catalog.models import Release, utcnow
from abierto.catalog.services import dataset_by_slug
from abierto.quality.models import LinkCheck
from abierto.quality.services import score_catalog
from tests.accounts.people import Person, browser, create_people
from tests.web.conftest import XSS, Portal, hide, publish_csv


def _score(portal: Portal) -> None:
    context = AppContext.create(portal.settings)
    try:
        with context.db.session() as session:
            score_catalog(session, utcnow())
    finally:
        context.close()


def test_dataset_quality_shape(client: httpx.Client) -> None:
    body = client.get("/api/v1/datasets/obras/quality").json()
    assert set(body) == {"score", "breakdown", "checks", "history"}
    assert 0 <= body["score"] <= 100
    check = next(c for c in body["checks"] if c["id"] == "license.open")
    assert check == {
        "id": "license.open",
        "family": "license",
        "passed": False,
        "value": "missing",
        "evidence": "license: —",
        "fix": "Usa una licencia abierta (Libre Uso MX o CC BY 4.0).",
    }
    english = client.get("/api/v1/datasets/obras/quality", params={"lang": "en"}).json()
    fixes = {c["id"]: c["fix"] for c in english["checks"]}
    assert fixes["license.open"] == "Use an open licence (Libre Uso MX or CC BY 4.0)."


def test_private_and_draft_datasets_are_404(client: httpx.Client) -> None:
    for slug in ("secreto", "borrador", "no-existe"):
        assert client.get(f"/api/v1/datasets/{slug}/quality").status_code == 404


def test_scoreboard_and_history_after_scoring(portal: Portal, client: httpx.Client) -> None:
    _score(portal)
    board = client.get("/api/v1/quality/scoreboard").json()["organizations"]
    zapopan = next(row for row in board if row["organization"] == "zapopan")
    assert zapopan["datasets"] == 2  # obras and trampa; secreto and borrador are hidden
    assert zapopan["trend"] is None  # a first day: nothing to compare with
    history = client.get("/api/v1/datasets/obras/quality").json()["history"]
    assert len(history) == 1 and history[0]["date"] == utcnow().date().isoformat()
    page = client.get("/quality").text
    assert "Calidad por organización" in page and "/organizations/zapopan" in page
    organization = client.get("/api/v1/organizations/zapopan/quality").json()
    assert {d["slug"] for d in organization["datasets"]} == {"obras", "trampa"}
    assert organization["score"] == zapopan["score"]
    assert organization["history"] == [
        {"date": utcnow().date().isoformat(), "score": zapopan["score"]}
    ]
    assert all(d["score"] is not None for d in organization["datasets"])


def test_the_scoreboard_is_the_same_for_every_reader(portal: Portal) -> None:
    """Organization scores are over public datasets: an admin who may read the private ones
    sees the same ranking as anyone, so the public number says nothing about them."""
    _score(portal)
    create_people(portal.settings, Person("calidad-root", site_admin=True))
    with browser(portal.url) as anonymous, browser(portal.url, "calidad-root") as admin:
        path = "/api/v1/quality/scoreboard"
        assert admin.get(path).json() == anonymous.get(path).json()
        mine = admin.get("/api/v1/organizations/zapopan/quality").json()
        assert {"secreto", "borrador"} <= {d["slug"] for d in mine["datasets"]}


def test_dataset_page_shows_the_panel(client: httpx.Client) -> None:
    page = client.get("/datasets/obras").text
    assert 'id="quality-title"' in page and "Licencia abierta" in page


def test_dashboard_needs_a_login(client: httpx.Client) -> None:
    response = client.get("/quality/dashboard", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]


def _panel_fixture(portal: Portal, tmp_path: Path) -> None:
    """A private dataset of its own organization, monthly, last released 60 days ago, with
    a link the link checker found broken."""
    context = AppContext.create(portal.settings)
    try:
        publish_csv(context, tmp_path, "tablero", "a,b\n1,2\n", title=f"Tablero {XSS}", org="panel")
        hide(context, "tablero", private=True)
        with context.db.session() as session:
            dataset = dataset_by_slug(session, "tablero")
            assert dataset is not None
            dataset.frequency = "MONTHLY"
            link = add_link(session, dataset, title="Mapa", url="https://panel.example/mapa.csv",
                            format="CSV", kind="link", actor_id=None)  # fmt: skip
            ago = utcnow() - dt.timedelta(days=60)
            session.add(LinkCheck(resource_id=link.id, url=link.url, ok=False, status=404,
                                  checked_at=utcnow(), first_broken_at=ago))  # fmt: skip
            resources = [r.id for r in dataset.resources]
            session.execute(
                update(Release).where(Release.resource_id.in_(resources)).values(created_at=ago)
            )
    finally:
        context.close()


def test_the_dashboard_lists_what_to_fix_overdue_and_broken(portal: Portal, tmp_path: Path) -> None:
    _panel_fixture(portal, tmp_path)
    create_people(
        portal.settings,
        Person("panel-editor", {"panel": "editor"}),
        Person("panel-member", {"panel": "member"}),
    )
    with browser(portal.url, "panel-editor") as editor:
        page = editor.get("/quality/dashboard").text
    assert "/datasets/tablero" in page
    assert XSS not in page and html.escape(XSS, quote=False) in page
    assert "Usa una licencia abierta" in page  # a fix, in Spanish
    late = page.split('id="late"')[1].split('id="broken"')[0]
    # Monthly, released once 60 days ago: due 31 days after, so 29 days late.
    assert "/datasets/tablero" in late and "nunca actualizado" in late and ">29<" in late
    broken = page.split('id="broken"')[1]
    assert "https://panel.example/mapa.csv" in broken and "404" in broken
    assert "/datasets/obras" not in page  # another organization's
    with browser(portal.url, "panel-editor") as editor:
        english = editor.get("/quality/dashboard?lang=en").text
    assert "What to fix first" in english and "Overdue updates" in english
    assert "Use an open licence" in english and "never updated" in english
    with browser(portal.url, "panel-member") as member:
        page = member.get("/quality/dashboard").text  # may read it, may not edit it
    assert "/datasets/tablero" not in page and "No editas ningún conjunto." in page
