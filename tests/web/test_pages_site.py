"""The layout, home, organization pages and the language switch, over a live portal.

This module runs its own server with the shared fixture data (``_publish_fixtures``), so
the exact counts it asserts are not changed by other modules writing to the shared portal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from abierto.accounts.services import organization_by_slug
from abierto.settings import Settings
from tests.accounts.people import Person, browser, create_people, csrf_of, portal_db
from tests.web.conftest import XSS, Portal, _publish_fixtures, _serve

HIDDEN = ("secreto", "Nómina secreta", "borrador", "Borrador oculto")


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    root = tmp_path_factory.mktemp("pages-site")
    settings = Settings(home=root / "home", rate_limit="100000/minute", view_flush_seconds=0)
    ids = _publish_fixtures(settings, root)
    server, thread, url = _serve(settings)
    try:
        yield Portal(url, settings, ids)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def people(portal: Portal) -> dict[str, str]:
    return create_people(
        portal.settings,
        Person("pages-editor", {"zapopan": "editor"}),
        Person("pages-member", {"zapopan": "member"}),
    )


def test_layout_has_landmarks_skip_link_search_and_offline_htmx(client: httpx.Client) -> None:
    html = client.get("/").text
    assert '<a class="skip-link" href="#main">Saltar al contenido</a>' in html
    assert '<main id="main"' in html and "<footer" in html and '<nav class="site-nav"' in html
    assert 'action="/search"' in html and 'name="q"' in html
    for href in ('href="/search"', 'href="/organizations"', 'href="/docs"'):
        assert href in html
    assert 'href="/login?next=%2F"' in html and "/publish" not in html
    assert '<script src="/static/htmx.min.js"' in html and "//unpkg" not in html
    script = client.get("/static/htmx.min.js")
    assert script.status_code == 200 and "htmx" in script.text[:200]
    css = client.get("/static/style.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


def test_home_shows_counts_newest_and_only_public_datasets(client: httpx.Client) -> None:
    html = client.get("/").text
    assert re.search(r"<dt>Conjuntos de datos</dt><dd>2</dd>", html)
    assert re.search(r"<dt>Organizaciones</dt><dd>1</dd>", html)
    assert re.search(r"<dt>Filas publicadas</dt><dd>7</dd>", html)  # obras v2 (4) + trampa (3)
    for text in HIDDEN:
        assert text not in html
    assert XSS not in html and "Trampa &lt;script&gt;" in html


def test_most_viewed_follows_dataset_page_views(client: httpx.Client) -> None:
    for _ in range(3):
        assert client.get("/datasets/obras").status_code == 200
    html = client.get("/").text
    viewed = html[html.index('id="viewed-h"') :]
    assert 'href="/datasets/obras"' in viewed and re.search(r"\d+ visitas", viewed)


def test_organization_list_and_page(client: httpx.Client) -> None:
    html = client.get("/organizations").text
    assert 'href="/organizations/zapopan"' in html and "2 conjuntos" in html
    page = client.get("/organizations/zapopan")
    assert page.status_code == 200
    assert 'href="/datasets/obras"' in page.text and 'href="/datasets/trampa"' in page.text
    assert "Conjuntos de datos (2)" in page.text
    for text in HIDDEN:
        assert text not in page.text
    assert client.get("/organizations/no-existe").status_code == 404


def test_language_switch_persists_in_a_cookie(portal: Portal) -> None:
    with portal.client() as http:
        switch = http.get("/lang/en", params={"next": "/organizations?page=1"})
        assert switch.status_code == 303 and switch.headers["location"] == "/organizations?page=1"
        assert "lang=en" in switch.headers["set-cookie"]
        html = http.get("/").text  # no ?lang=: the cookie decides
        assert '<html lang="en">' in html and "Published datasets" in html
        assert 'href="/lang/es?next=%2F"' in html
        assert '<html lang="es">' in http.get("/", params={"lang": "es"}).text  # ?lang= wins
        http.get("/lang/es", params={"next": "/"})
        assert '<html lang="es">' in http.get("/").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_language_switch_never_redirects_off_site(client: httpx.Client, target: str) -> None:
    response = client.get("/lang/en", params={"next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_unknown_language_is_404(client: httpx.Client) -> None:
    assert client.get("/lang/fr").status_code == 404


def test_header_account_area_for_an_editor(portal: Portal, people: dict[str, str]) -> None:
    with browser(portal.url, "pages-editor") as http:
        html = http.get("/").text
        assert "pages-editor" in html and 'href="/account"' in html
        assert 'href="/publish"' in html and "Publicar" in html
        logout = re.search(r'<form method="post" action="/logout".*?</form>', html, re.S)
        assert logout and 'name="csrf_token"' in logout.group(0)
        dataset = http.get("/datasets/obras").text
        assert 'href="/datasets/obras/edit"' in dataset
        assert 'href="/publish?dataset=obras"' in dataset
        assert 'href="/datasets/obras/delete"' not in dataset  # deleting needs an admin
        response = http.post("/logout", data={"csrf_token": csrf_of(html)})
        assert response.status_code in (200, 303)
        assert "pages-editor" not in http.get("/").text


def test_member_reads_private_datasets_but_cannot_edit(
    portal: Portal, people: dict[str, str]
) -> None:
    with browser(portal.url, "pages-member") as http:
        home = http.get("/").text
        assert 'href="/publish"' not in home
        assert re.search(r"<dt>Conjuntos de datos</dt><dd>4</dd>", home)
        page = http.get("/datasets/secreto")
        assert page.status_code == 200 and "Juana Pérez Confidencial" in page.text
        assert "Privado" in page.text and "/datasets/secreto/edit" not in page.text
        org = http.get("/organizations/zapopan").text
        assert 'href="/datasets/secreto"' in org and 'href="/datasets/borrador"' in org


def test_hidden_datasets_are_404_for_anonymous(client: httpx.Client) -> None:
    for slug in ("secreto", "borrador"):
        page = client.get(f"/datasets/{slug}")
        assert page.status_code == 404 and "Juana" not in page.text
        preview = client.get(f"/datasets/{slug}/resources/data/preview")
        assert preview.status_code == 404 and "Juana" not in preview.text


def test_organization_page_renders_its_profile_safely(portal: Portal) -> None:
    with portal_db(portal.settings) as session:
        org = organization_by_slug(session, "zapopan")
        assert org is not None
        org.name, org.level = "Gobierno de Zapopan", "municipal"
        org.description = f"**Gobierno** municipal {XSS} [x](javascript:alert(1))"
        org.logo_url, org.homepage = "https://www.zapopan.gob.mx/logo.png", "javascript:alert(2)"
    with portal.client() as http:
        html = http.get("/organizations/zapopan").text
        assert (
            "<h1>Gobierno de Zapopan</h1>" in html
            and '<span class="badge">Municipal</span>' in html
        )
        assert "<strong>Gobierno</strong> municipal &lt;script&gt;" in html
        assert '<img src="https://www.zapopan.gob.mx/logo.png"' in html
        assert 'href="javascript' not in html and XSS not in html
        listing = http.get("/organizations", params={"lang": "en"}).text
        assert (
            "Gobierno de Zapopan" in listing and '<span class="badge">Municipal</span>' in listing
        )
        assert '<p class="summary">Gobierno municipal &lt;script&gt;' in listing
