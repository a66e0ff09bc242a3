"""Logging in and out over real HTTP: cookies, CSRF, redirects, fixation, throttling."""

from __future__ import annotations

import datetime as dt
from http.cookies import SimpleCookie

import httpx
import pytest
from sqlalchemy import select, text

from abierto.accounts import services
from abierto.accounts.models import LoginSession, User
from abierto.catalog.models import utcnow
from tests.accounts.people import (
    PASSWORD,
    Person,
    browser,
    create_people,
    csrf_of,
    form_token,
    log_in,
    portal_db,
)
from tests.web.conftest import Portal


@pytest.fixture(scope="module")
def people(portal: Portal) -> dict[str, str]:
    return create_people(
        portal.settings,
        Person("lupita", {"zapopan": "member"}, full_name="Guadalupe Ríos"),
        Person("beto", {"zapopan": "editor"}),
        Person("throttled"),
        Person("apagada"),
        Person("caduca"),
    )


def _set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        cookies.update({name: cookie for name in cookie})
    return cookies


def _session_count(portal: Portal, username: str) -> int:
    with portal_db(portal.settings) as session:
        user = services.user_by_name(session, username)
        rows = session.scalars(select(LoginSession).where(LoginSession.user_id == user.id))
        return len(rows.all())


def test_login_page_has_a_csrf_field_and_cookie(portal: Portal, people: dict[str, str]) -> None:
    with portal.client() as client:
        response = client.get("/login")
        assert response.status_code == 200
        assert "Iniciar sesión" in response.text and 'name="password"' in response.text
        token = csrf_of(response.text)
        cookie = _set_cookies(response)["abierto_csrf"]["abierto_csrf"]
        assert cookie.value == token
        assert cookie["httponly"] and cookie["samesite"].lower() == "lax" and not cookie["secure"]
        english = client.get("/login", params={"lang": "en"}).text
        assert "Log in" in english and 'action="/login?lang=en"' in english


def test_login_by_user_name_sets_a_session_cookie_and_goes_next(
    portal: Portal, people: dict[str, str]
) -> None:
    with portal.client() as client:
        response = log_in(client, "lupita", next_path="/account")
        assert response.status_code == 303 and response.headers["location"] == "/account"
        cookies = _set_cookies(response)
        session_cookie = cookies["abierto_session"]["abierto_session"]
        assert session_cookie["httponly"] and session_cookie["samesite"].lower() == "lax"
        assert session_cookie["path"] == "/" and not session_cookie["secure"]
        assert int(session_cookie["max-age"]) == 14 * 24 * 3600
        assert cookies["abierto_csrf"]["abierto_csrf"]["max-age"] == "0"  # the visitor one goes
        page = client.get("/account")
        assert page.status_code == 200 and "Guadalupe Ríos" in page.text


def test_login_by_email_in_any_case(portal: Portal, people: dict[str, str]) -> None:
    with portal.client() as client:
        assert log_in(client, "Beto@Example.org").status_code == 303
        assert "beto@example.org" in client.get("/account").text


@pytest.mark.parametrize(
    ("login", "password"), [("lupita", "not the password"), ("nobody-at-all", PASSWORD)]
)
def test_failed_login_is_a_generic_400(
    portal: Portal, people: dict[str, str], login: str, password: str
) -> None:
    with portal.client() as client:
        response = log_in(client, login, password)
        assert response.status_code == 400
        assert "Usuario o contraseña incorrectos." in response.text
        assert f'value="{login}"' in response.text  # the login is kept, never the password
        assert password not in response.text.replace(f'value="{login}"', "")
        assert "abierto_session" not in response.headers.get("set-cookie", "")


def test_login_without_or_with_a_wrong_csrf_token_is_refused(
    portal: Portal, people: dict[str, str]
) -> None:
    form = {"login": "lupita", "password": PASSWORD, "next": "/"}
    with portal.client() as client:
        assert client.post("/login", data=form).status_code == 403  # no cookie, no field
        token = csrf_of(client.get("/login").text)
        assert client.post("/login", data=form).status_code == 403  # cookie, no field
        wrong = {**form, "csrf_token": token[:-2] + "xx"}
        assert client.post("/login", data=wrong).status_code == 403
        with portal.client() as attacker:  # a field from another browser's page
            foreign = csrf_of(attacker.get("/login").text)
        assert client.post("/login", data={**form, "csrf_token": foreign}).status_code == 403
        header = client.post("/login", data=form, headers={"X-CSRF-Token": token})
        assert header.status_code == 303  # the header works as well as the field


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(
    portal: Portal, people: dict[str, str], next_path: str
) -> None:
    with portal.client() as client:
        response = log_in(client, "lupita", next_path=next_path)
        assert response.status_code == 303 and response.headers["location"] == "/"
        page = client.get("/login", params={"next": next_path})  # logged in: straight back
        assert page.status_code == 303 and page.headers["location"] == "/"


def test_login_issues_a_new_session_and_ends_the_old_one(
    portal: Portal, people: dict[str, str]
) -> None:
    """No session fixation: whatever session cookie came in is worthless after a login."""
    with portal.client() as client:
        log_in(client, "lupita")
        first = client.cookies["abierto_session"]
        # Same browser, another login (a login form left open in another tab).
        form = {"csrf_token": form_token(client), "login": "beto", "password": PASSWORD}
        response = client.post("/login", data=form)
        second = client.cookies["abierto_session"]
        assert response.status_code == 303 and first != second
        assert "beto@example.org" in client.get("/account").text
    with portal.client() as replay:
        replay.cookies.set("abierto_session", first, domain="127.0.0.1")
        assert replay.get("/account").status_code == 303  # off to the login page
    with portal.client() as planted:  # a made-up cookie is ignored, not adopted
        planted.cookies.set("abierto_session", "planted-by-attacker", domain="127.0.0.1")
        assert log_in(planted, "lupita").status_code == 303
        assert planted.cookies["abierto_session"] != "planted-by-attacker"


def test_the_cookie_is_secure_over_https(portal: Portal, people: dict[str, str]) -> None:
    """Behind a TLS proxy (X-Forwarded-Proto from a trusted address) cookies get Secure."""
    https = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=portal.url, timeout=10, headers=https) as client:
        page = client.get("/login")
        assert _set_cookies(page)["abierto_csrf"]["abierto_csrf"]["secure"]
        form = {"csrf_token": csrf_of(page.text), "login": "lupita", "password": PASSWORD}
        # httpx keeps Secure cookies for https only, so send the CSRF cookie by hand.
        response = client.post(
            "/login", data=form, headers={"Cookie": f"abierto_csrf={form['csrf_token']}"}
        )
        assert response.status_code == 303
        assert _set_cookies(response)["abierto_session"]["abierto_session"]["secure"]


def test_logout_ends_the_server_session_and_the_cookie(
    portal: Portal, people: dict[str, str]
) -> None:
    with browser(portal.url, "lupita") as client:
        token = client.cookies["abierto_session"]
        before = _session_count(portal, "lupita")
        assert client.post("/logout").status_code == 403  # CSRF: no token, no logout
        assert client.get("/account").status_code == 200
        csrf = csrf_of(client.get("/account").text)
        response = client.post("/logout", data={"csrf_token": csrf})
        assert response.status_code == 303 and response.headers["location"] == "/"
        assert _set_cookies(response)["abierto_session"]["abierto_session"]["max-age"] == "0"
        assert _session_count(portal, "lupita") == before - 1
        assert client.get("/account").status_code == 303
    with portal.client() as replay:
        replay.cookies.set("abierto_session", token, domain="127.0.0.1")
        assert replay.get("/account").status_code == 303


def test_sessions_are_stored_only_hashed(portal: Portal, people: dict[str, str]) -> None:
    with browser(portal.url, "beto") as client:
        cookie = client.cookies["abierto_session"]
        with portal_db(portal.settings) as session:
            rows = session.execute(text("SELECT * FROM login_session")).all()
        assert services.sha256(cookie) in {row.token_hash for row in rows}
        assert not any(cookie in str(value) for row in rows for value in row)


def test_repeated_failures_are_throttled_per_login_and_address(
    portal: Portal, people: dict[str, str]
) -> None:
    with portal.client() as client:
        for _ in range(5):
            assert log_in(client, "throttled", "wrong password").status_code == 400
        blocked = log_in(client, "throttled")  # even the right password is refused now
        assert blocked.status_code == 429
        assert "Demasiados intentos" in blocked.text
        assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
        assert "abierto_session" not in blocked.headers.get("set-cookie", "")
        assert log_in(client, "lupita").status_code == 303  # other logins are unaffected


def test_deactivated_and_expired_sessions_end(portal: Portal, people: dict[str, str]) -> None:
    with browser(portal.url, "apagada") as off, browser(portal.url, "caduca") as old:
        with portal_db(portal.settings) as session:
            services.user_by_name(session, "apagada").is_active = False
            caduca = services.user_by_name(session, "caduca")
            for row in session.scalars(
                select(LoginSession).where(LoginSession.user_id == caduca.id)
            ):
                row.expires_at = utcnow() - dt.timedelta(minutes=1)
        assert off.get("/account").status_code == 303
        assert old.get("/account").status_code == 303
        assert log_in(off, "apagada").status_code == 400
    with portal_db(portal.settings) as session:
        user = session.scalar(select(User).where(User.username == "apagada"))
        user.is_active = True
