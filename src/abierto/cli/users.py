"""``abierto users …``: create users, list them, give them roles and API tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from abierto.accounts import ROLES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from abierto.accounts.models import User
    from abierto.catalog.models import Organization

users_app = typer.Typer(help="User accounts and memberships.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]Error:[/] {message}", highlight=False)
    return typer.Exit(2)


@contextmanager
def _session() -> Iterator[Session]:
    """A committed session on the configured database; account errors exit with code 2."""
    from abierto.accounts.services import AccountError
    from abierto.app_context import AppContext
    from abierto.settings import load_settings

    context = AppContext.create(load_settings())
    try:
        with context.db.session() as session:
            yield session
    except AccountError as exc:
        raise _fail(str(exc)) from exc
    finally:
        context.close()


def _find(session: Session, what: str, name: str, lookup: Callable[[Session, str], T | None]) -> T:
    found = lookup(session, name)
    if found is None:
        raise _fail(f"no {what} {name!r}")
    return found


def _user(session: Session, username: str) -> User:
    from abierto.accounts import services

    return _find(session, "user", username, services.user_by_name)


def _organization(session: Session, slug: str) -> Organization:
    from abierto.accounts import services

    return _find(session, "organization", slug, services.organization_by_slug)


@users_app.command("create")
def create(
    username: str,
    email: Annotated[str, typer.Option(help="The user's email address.")],
    password: Annotated[
        str | None, typer.Option(help="The password (asked for, hidden, when absent).")
    ] = None,
    site_admin: Annotated[bool, typer.Option("--site-admin", help="May do anything.")] = False,
    full_name: Annotated[str, typer.Option(help="The name shown on the site.")] = "",
) -> None:
    """Create a user account."""
    from abierto.accounts import services

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as session:
        user = services.create_user(
            session, username, email, password, full_name=full_name, site_admin=site_admin
        )
        name = user.username
    kind = "site admin" if site_admin else "user"
    console.print(f"[green]Usuario creado / {kind} created:[/] {name}", highlight=False)


@users_app.command("list")
def list_users() -> None:
    """List every user with their organizations and roles."""
    from abierto.accounts import services

    table = Table("user", "email", "name", "site admin", "active", "organizations")
    with _session() as session:
        for user in services.list_users(session):
            roles = ", ".join(f"{m.organization.slug}:{m.role}" for m in user.memberships)
            cells = (user.username, user.email, user.full_name)
            admin = "yes" if user.is_site_admin else ""
            active = "yes" if user.is_active else "no"
            table.add_row(*map(escape, cells), admin, active, escape(roles))
    console.print(table)


@users_app.command("add-member")
def add_member(
    username: str,
    org_slug: str,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "member",
) -> None:
    """Give USERNAME a role in the organization ORG_SLUG (or change it)."""
    from abierto.accounts import services

    with _session() as session:
        user, organization = _user(session, username), _organization(session, org_slug)
        services.set_membership(session, user, organization, role)
        line = f"{user.username} → {organization.slug}: {role}"
    console.print(f"[green]Rol asignado / role set:[/] {line}", highlight=False)


@users_app.command("remove-member")
def remove_member(username: str, org_slug: str) -> None:
    """Take USERNAME out of the organization ORG_SLUG."""
    from abierto.accounts import services

    with _session() as session:
        user, organization = _user(session, username), _organization(session, org_slug)
        if not services.remove_membership(session, user, organization):
            raise _fail(f"{user.username} is not a member of {organization.slug}")
    console.print(f"[green]Quitado / removed:[/] {username} ← {org_slug}", highlight=False)


@users_app.command("token")
def token(username: str, name: str) -> None:
    """Create an API token for USERNAME and print it once (only its hash is kept)."""
    from abierto.accounts import services

    with _session() as session:
        secret, _ = services.create_token(session, _user(session, username), name)
    errors.print("Guárdala ahora, no se vuelve a mostrar / store it now, it is not shown again:")
    print(secret)
