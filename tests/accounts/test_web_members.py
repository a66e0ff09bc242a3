"""Organization members over real HTTP: who may manage them, and every change they make."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from abierto.accounts.models import Membership, User
from abierto.catalog.models import Organization
from tests.accounts.people import Person, browser, create_people, form_token, portal_db
from tests.web.conftest import Portal

PAGE = "/organizations/guadalajara/members"


@pytest.fixture(scope="module")
def people(portal: Portal) -> dict[str, str]:
    return create_people(
        portal.settings,
        Person("gaby", {"guadalajara": "admin"}, full_name="Gabriela <b>Soto</b>"),
        Person("hugo", {"guadalajara": "editor"}),
        Person("ines", {"guadalajara": "member"}),
        Person("jorge", {"otra-org": "admin"}),
        Person("karla", {"zapopan": "admin"}),
        Person("novata"),
        Person("sitio", site_admin=True),
    )


def _roles(portal: Portal, slug: str = "guadalajara") -> dict[str, str]:
    with portal_db(portal.settings) as session:
        rows = session.execute(
            select(User.username, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Organization, Membership.organization_id == Organization.id)
            .where(Organization.slug == slug)
        )
        return dict(rows.all())


@pytest.mark.parametrize(
    ("login", "status"),
    [("gaby", 200), ("sitio", 200), ("hugo", 403), ("ines", 403), ("jorge", 403), ("novata", 403)],
)
def test_who_sees_the_members_page(
    portal: Portal, people: dict[str, str], login: str, status: int
) -> None:
    with browser(portal.url, login) as client:
        response = client.get(PAGE)
        assert response.status_code == status
        if status == 200:
            assert "Miembros de guadalajara" in response.text
            assert "Gabriela &lt;b&gt;Soto&lt;/b&gt;" in response.text
            assert "<b>Soto</b>" not in response.text
        else:
            assert "Sin permiso" in response.text and "hugo@example.org" not in response.text
        assert client.get("/organizations/no-existe/members").status_code == 404


def test_anonymous_visitors_go_to_log_in(portal: Portal, people: dict[str, str]) -> None:
    with portal.client() as client:
        response = client.get(PAGE)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=" + quote(PAGE, safe="")
        assert client.post(PAGE, data={"username": "novata", "role": "admin"}).status_code == 403
    assert "novata" not in _roles(portal)


def test_an_admin_adds_changes_and_removes_a_member(portal: Portal, people: dict[str, str]) -> None:
    with browser(portal.url, "gaby") as client:
        csrf = form_token(client, PAGE)
        form = {"csrf_token": csrf, "username": " Novata ", "role": "member"}
        added = client.post(PAGE, data=form)
        assert added.status_code == 303 and added.headers["location"] == f"{PAGE}?done=added"
        assert "Miembro agregado." in client.get(added.headers["location"]).text
        assert _roles(portal)["novata"] == "member"
        changed = client.post(f"{PAGE}/novata/role", data={"csrf_token": csrf, "role": "editor"})
        assert changed.status_code == 303 and _roles(portal)["novata"] == "editor"
        removed = client.post(f"{PAGE}/novata/remove", data={"csrf_token": csrf})
        assert removed.status_code == 303 and "novata" not in _roles(portal)
        again = client.post(f"{PAGE}/novata/remove", data={"csrf_token": csrf})
        assert again.status_code == 404


def test_a_new_member_reads_private_data_at_once(portal: Portal, people: dict[str, str]) -> None:
    """End to end: karla (admin of zapopan) adds novata, whose token then reads ``secreto``."""
    bearer = {"Authorization": f"Bearer {people['novata']}"}
    with portal.client() as api:
        assert api.get("/api/v1/datasets/secreto", headers=bearer).status_code == 404
    with browser(portal.url, "karla") as client:
        page = "/organizations/zapopan/members"
        form = {"csrf_token": form_token(client, page), "username": "novata", "role": "member"}
        assert client.post(page, data=form).status_code == 303
        with portal.client() as api:
            assert api.get("/api/v1/datasets/secreto", headers=bearer).status_code == 200
        form = {"csrf_token": form["csrf_token"]}
        assert client.post(f"{page}/novata/remove", data=form).status_code == 303
    with portal.client() as api:
        assert api.get("/api/v1/datasets/secreto", headers=bearer).status_code == 404


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        (PAGE, {"username": "nadie", "role": "member"}, "No existe el usuario «nadie»"),
        (PAGE, {"username": "novata", "role": "owner"}, "Rol desconocido"),
        (f"{PAGE}/gaby/role", {"role": "member"}, "al menos una persona administradora"),
        (f"{PAGE}/gaby/remove", {}, "al menos una persona administradora"),
    ],
)
def test_refused_changes_explain_why(
    portal: Portal, people: dict[str, str], path: str, form: dict[str, str], message: str
) -> None:
    before = _roles(portal)
    with browser(portal.url, "gaby") as client:
        response = client.post(path, data={"csrf_token": form_token(client, PAGE), **form})
        assert response.status_code == 400 and message in response.text
        assert "Miembros de guadalajara" in response.text
    assert _roles(portal) == before


@pytest.mark.parametrize("login", ["hugo", "ines", "jorge", "karla"])
def test_non_admins_cannot_change_members(
    portal: Portal, people: dict[str, str], login: str
) -> None:
    before = _roles(portal)
    with browser(portal.url, login) as client:
        csrf = form_token(client)
        for path, form in (
            (PAGE, {"username": login, "role": "admin"}),
            (f"{PAGE}/hugo/role", {"role": "admin"}),
            (f"{PAGE}/ines/remove", {}),
        ):
            response = client.post(path, data={"csrf_token": csrf, **form})
            assert response.status_code == 403, path
    assert _roles(portal) == before


def test_member_changes_need_csrf(portal: Portal, people: dict[str, str]) -> None:
    before = _roles(portal)
    with browser(portal.url, "gaby") as client:
        assert client.post(PAGE, data={"username": "novata", "role": "admin"}).status_code == 403
        assert client.post(f"{PAGE}/ines/remove").status_code == 403
        other = "not-the-token"
        response = client.post(f"{PAGE}/hugo/role", data={"csrf_token": other, "role": "admin"})
        assert response.status_code == 403
    assert _roles(portal) == before


def test_a_site_admin_manages_any_organization(portal: Portal, people: dict[str, str]) -> None:
    with browser(portal.url, "sitio") as client:
        form = {"csrf_token": form_token(client), "role": "admin"}
        assert client.post(f"{PAGE}/hugo/role", data=form).status_code == 303
        assert _roles(portal)["hugo"] == "admin"
        assert client.post(f"{PAGE}/hugo/role", data={**form, "role": "editor"}).status_code == 303
    assert _roles(portal)["hugo"] == "editor"
