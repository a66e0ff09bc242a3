"""A user's notifications over HTTP: JSON, Atom and the page; nobody reads another's."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import httpx
import pytest

from abierto.accounts.services import user_by_name
from abierto.notify.services import notify
from tests.accounts.people import Person, browser, create_people, form_token, portal_db
from tests.web.conftest import XSS, Portal

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def tokens(portal: Portal) -> dict[str, str]:
    made = create_people(portal.settings, Person("nora"), Person("omar"))
    with portal_db(portal.settings) as session:
        nora = user_by_name(session, "nora")
        assert nora is not None
        notify(session, [nora.id], kind="census.review", subject=f"Revisar {XSS}", url="/search")
        notify(session, [nora.id], kind="quality.overdue", subject="Actualiza tus datos")
        session.commit()
    return made


def _get(portal: Portal, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(portal.url + path, headers=headers, timeout=10)


def test_json_lists_only_the_callers_notifications(portal: Portal, tokens: dict[str, str]) -> None:
    body = _get(portal, "/api/v1/notifications", tokens["nora"]).json()
    assert body["unread"] == 2
    subjects = {n["subject"] for n in body["notifications"]}
    assert subjects == {f"Revisar {XSS}", "Actualiza tus datos"}
    linked = next(n for n in body["notifications"] if n["kind"] == "census.review")
    assert linked["url"] == portal.url + "/search"
    assert _get(portal, "/api/v1/notifications", tokens["omar"]).json() == {
        "unread": 0,
        "notifications": [],
    }
    assert _get(portal, "/api/v1/notifications").status_code == 401


def test_atom_feed_is_valid_xml_with_escaped_text(portal: Portal, tokens: dict[str, str]) -> None:
    response = _get(portal, "/account/notifications.atom", tokens["nora"])
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = {e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")}
    assert titles == {f"Revisar {XSS}", "Actualiza tus datos"}
    assert _get(portal, "/account/notifications.atom").status_code == 401


def test_page_escapes_and_marks_read(portal: Portal, tokens: dict[str, str]) -> None:
    with browser(portal.url) as anonymous:
        response = anonymous.get("/account/notifications")
        assert response.status_code == 303 and "/login" in response.headers["location"]
    with browser(portal.url, "nora") as client:
        page = client.get("/account/notifications").text
        assert XSS not in page and "Actualiza tus datos" in page
        forged = client.post("/account/notifications/read", data={"csrf_token": "forged"})
        assert forged.status_code == 403
        assert _get(portal, "/api/v1/notifications", tokens["nora"]).json()["unread"] == 2
        token = form_token(client, "/account/notifications")
        done = client.post("/account/notifications/read", data={"csrf_token": token})
        assert done.status_code == 303
    assert _get(portal, "/api/v1/notifications", tokens["nora"]).json()["unread"] == 0
