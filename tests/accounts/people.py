"""Users for tests over the live portal: created in its database, logged in over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from sqlalchemy.orm import Session

from abierto.accounts import services
from abierto.app_context import AppContext
from abierto.catalog.services import get_or_create_organization
from abierto.settings import Settings

PASSWORD = "caballo correcto batería grapa"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    username: str
    roles: dict[str, str] = field(default_factory=dict)  # organization slug → role
    site_admin: bool = False
    full_name: str = ""


@contextmanager
def portal_db(settings: Settings) -> Iterator[Session]:
    """A committed session on the running portal's own database."""
    context = AppContext.create(settings)
    try:
        with context.db.session() as session:
            yield session
    finally:
        context.close()


def create_people(settings: Settings, *people: Person) -> dict[str, str]:
    """Create the users with their memberships; returns an API token per user name."""
    tokens = {}
    with portal_db(settings) as session:
        for person in people:
            user = services.create_user(
                session,
                person.username,
                f"{person.username}@example.org",
                PASSWORD,
                full_name=person.full_name,
                site_admin=person.site_admin,
            )
            for slug, role in person.roles.items():
                services.set_membership(
                    session, user, get_or_create_organization(session, slug), role
                )
            tokens[person.username], _ = services.create_token(session, user, "tests")
    return tokens


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def log_in(
    client: httpx.Client, login: str, password: str = PASSWORD, next_path: str = "/"
) -> httpx.Response:
    """Log in as a browser does: load the form (CSRF cookie and field), post it."""
    page = client.get("/login", params={"next": next_path})
    form = {"csrf_token": csrf_of(page.text), "login": login, "password": password}
    return client.post("/login", data={**form, "next": next_path})


@contextmanager
def browser(base_url: str, login: str | None = None) -> Iterator[httpx.Client]:
    """A client with its own cookie jar, logged in as ``login`` when given."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        if login is not None:
            response = log_in(client, login)
            assert response.status_code == 303, response.text
        yield client


def form_token(client: httpx.Client, path: str = "/account") -> str:
    """The CSRF token a page gives this client's forms."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return csrf_of(response.text)
