"""Quality over HTTP: the dataset endpoint and panel, the scoreboard; nothing private leaks."""

from __future__ import annotations

import httpx

from abierto.app_context import AppContext
from abierto.catalog.models import utcnow
from abierto.quality.services import score_catalog
from tests.web.conftest import Portal


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
    history = client.get("/api/v1/datasets/obras/quality").json()["history"]
    assert len(history) == 1 and history[0]["date"] == utcnow().date().isoformat()
    page = client.get("/quality").text
    assert "Calidad por organización" in page and "/organizations/zapopan" in page
    organization = client.get("/api/v1/organizations/zapopan/quality").json()
    assert {d["slug"] for d in organization["datasets"]} == {"obras", "trampa"}


def test_dataset_page_shows_the_panel(client: httpx.Client) -> None:
    page = client.get("/datasets/obras").text
    assert 'id="quality-title"' in page and "Licencia abierta" in page


def test_dashboard_needs_a_login(client: httpx.Client) -> None:
    response = client.get("/quality/dashboard", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]
