"""The account page over real HTTP: facts, memberships, API tokens, password change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from abierto.accounts import services
from abierto.accounts.models import ApiToken
from tests.accounts.people import (
    PASSWORD,
    Person,
    browser,
    create_people,
    form_token,
    log_in,
    portal_db,
)
from tests.web.conftest import XSS, Portal

SECRET_ROW = "Juana Pérez Confidencial"


@pytest.fixture(scope="module")
def people(portal: Portal) -> dict[str, str]:
    return create_people(
        portal.settings,
        Person("carmen", {"zapopan": "editor", "tonala": "admin"}, full_name=f"Carmen {XSS}"),
        Person("dario"),
        Person("elena", {"zapopan": "member"}),
        Person("root", site_admin=True),
        Person("fede"),  # changes his password
    )


def _created_secret(html: str) -> str:
    match = re.search(r'class="account-secret" value="(abt_[^"]+)"', html)
    assert match, "no token on the page"
    return match.group(1)


def test_anonymous_visitors_are_sent_to_log_in(portal: Portal, people: dict[str, str]) -> None:
    with portal.client() as client:
        response = client.get("/account", params={"lang": "en"})
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Faccount%3Flang%3Den&lang=en"
        # ... and come back after logging in.
        back = log_in(client, "dario", next_path="/account?lang=en")
        assert back.headers["location"] == "/account?lang=en"
        assert "My account" in client.get(back.headers["location"]).text
        assert client.post("/account/tokens", data={"name": "x"}).status_code == 403


def test_account_page_shows_the_user_and_memberships(
    portal: Portal, people: dict[str, str]
) -> None:
    with browser(portal.url, "carmen") as client:
        html = client.get("/account").text
    assert "carmen@example.org" in html and "Mi cuenta" in html
    assert XSS not in html and "Carmen &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>zapopan</td><td>Editor (publica)</td>" in html
    assert "<td>tonala</td><td>Administración (gestiona miembros)</td>" in html
    # She manages tonala (admin) but not zapopan (editor).
    assert 'href="/organizations/tonala/members"' in html
    assert 'href="/organizations/zapopan/members"' not in html
    assert 'action="/logout"' in html and "tests" in html  # the token made by the fixture
    with browser(portal.url, "root") as client:
        html = client.get("/account").text
    assert "Administración del sitio" in html
    assert 'href="/organizations/zapopan/members"' in html  # a site admin manages them all


def test_a_created_token_is_shown_once_and_works(portal: Portal, people: dict[str, str]) -> None:
    with browser(portal.url, "elena") as client:
        csrf = form_token(client)
        created = client.post("/account/tokens", data={"csrf_token": csrf, "name": "mi script"})
        assert created.status_code == 200
        assert created.headers["cache-control"] == "no-store"
        assert "no la volveremos a mostrar" in created.text
        secret = _created_secret(created.text)
        account = client.get("/account").text
        assert "mi script" in account and secret[:10] in account and secret not in account
    for header in (f"Bearer {secret}", f"bearer  {secret}", secret):  # CKAN sends it bare
        with portal.client() as api:
            response = api.get("/api/v1/datasets/secreto", headers={"Authorization": header})
            assert response.status_code == 200, header
            assert response.json()["slug"] == "secreto"
    with portal_db(portal.settings) as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == "mi script"))
        assert row.last_used_at is not None and row.token_hash == services.sha256(secret)
        stored = session.execute(text("SELECT * FROM api_token")).all()
        assert not any(secret in str(value) for r in stored for value in r)


def test_token_forms_need_csrf_and_a_name(portal: Portal, people: dict[str, str]) -> None:
    with browser(portal.url, "dario") as client:
        assert client.post("/account/tokens", data={"name": "sin csrf"}).status_code == 403
        csrf = form_token(client)
        blank = client.post("/account/tokens", data={"csrf_token": csrf, "name": "  "})
        assert blank.status_code == 400 and "Ponle un nombre a la clave" in blank.text
        english = client.post(
            "/account/tokens", params={"lang": "en"}, data={"csrf_token": csrf, "name": ""}
        )
        assert "Give the token a name" in english.text
        assert "sin csrf" not in client.get("/account").text


def test_revoked_tokens_get_401(portal: Portal, people: dict[str, str]) -> None:
    secret = people["dario"]
    with portal.client() as api:
        bearer = {"Authorization": f"Bearer {secret}"}
        assert api.get("/api/v1/datasets", headers=bearer).status_code == 200
    with portal_db(portal.settings) as session:
        token_id = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == services.sha256(secret))
        )
    with browser(portal.url, "elena") as other:  # not hers: nothing happens
        wrong = other.post(
            f"/account/tokens/{token_id}/revoke", data={"csrf_token": form_token(other)}
        )
        assert wrong.status_code == 404
    with browser(portal.url, "dario") as client:
        path = f"/account/tokens/{token_id}/revoke"
        assert client.post(path).status_code == 403  # CSRF
        with portal.client() as api:
            assert api.get("/api/v1/datasets", headers=bearer).status_code == 200
        response = client.post(path, data={"csrf_token": form_token(client)})
        assert response.status_code == 303
        assert response.headers["location"] == "/account?done=revoked"
        assert "Clave revocada." in client.get(response.headers["location"]).text
    with portal.client() as api:
        for path in ("/api/v1/datasets", "/api/v1/datasets/obras", "/", "/datasets/obras"):
            assert api.get(path, headers=bearer).status_code == 401, path
        assert api.get("/api/v1/datasets", headers={"Authorization": secret}).status_code == 401
        made_up = {"Authorization": "Bearer abt_made-up"}
        assert api.get("/api/v1/datasets", headers=made_up).status_code == 401


def test_change_password_ends_other_sessions(portal: Portal, people: dict[str, str]) -> None:
    new = "una contraseña nueva y larga"
    with browser(portal.url, "fede") as here, browser(portal.url, "fede") as elsewhere:
        csrf = form_token(here)
        for form, message in (
            ({"current": "wrong", "new": new, "confirm": new}, "La contraseña actual no es"),
            ({"current": PASSWORD, "new": new, "confirm": new + "x"}, "no coinciden"),
            ({"current": PASSWORD, "new": "corta", "confirm": "corta"}, "al menos 10"),
        ):
            refused = here.post("/account/password", data={"csrf_token": csrf, **form})
            assert refused.status_code == 400 and message in refused.text
        assert elsewhere.get("/account").status_code == 200  # nothing changed yet
        form = {"csrf_token": csrf, "current": PASSWORD, "new": new, "confirm": new}
        changed = here.post("/account/password", data=form)
        assert changed.status_code == 303
        assert "Contraseña cambiada." in here.get("/account?done=password").text
        assert elsewhere.get("/account").status_code == 303  # logged out there
    with portal.client() as client:
        assert log_in(client, "fede").status_code == 400
        assert log_in(client, "fede", new).status_code == 303
