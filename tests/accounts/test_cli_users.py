"""``abierto users …`` run as a user runs it: a subprocess with its own ABIERTO_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from abierto.accounts import services
from abierto.app_context import AppContext
from abierto.catalog.services import get_or_create_organization
from abierto.cli.app import app
from abierto.settings import Settings

ABIERTO = [sys.executable, "-m", "abierto"]
PASSWORD = "una contraseña larga"


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ABIERTO_HOME": str(home), "COLUMNS": "200"}
    env.pop("ABIERTO_DATABASE_URL", None)
    return subprocess.run(
        [*ABIERTO, "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with the organization ``zapopan`` and the user ``ana``."""
    home = tmp_path / "home"
    context = AppContext.create(Settings(home=home))
    try:
        with context.db.session() as session:
            get_or_create_organization(session, "zapopan", "Gobierno de Zapopan")
            services.create_user(session, "ana", "ana@example.org", PASSWORD, full_name="Ana [b]")
    finally:
        context.close()
    return home


def _authenticate(home: Path, login: str, password: str) -> dict[str, object] | None:
    context = AppContext.create(Settings(home=home))
    try:
        with context.db.session() as session:
            user = services.authenticate(session, login, password)
            if user is None:
                return None
            roles = {m.organization.slug: m.role for m in user.memberships}
            return {"site_admin": user.is_site_admin, "full_name": user.full_name, "roles": roles}
    finally:
        context.close()


def test_create_with_a_password_option_or_prompt(home: Path) -> None:
    done = run(home, "create", "Root", "--email", "root@example.org", "--password", PASSWORD,
               "--site-admin", "--full-name", "La Raíz")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "root" in done.stdout and PASSWORD not in done.stdout + done.stderr
    assert _authenticate(home, "root", PASSWORD) == {
        "site_admin": True, "full_name": "La Raíz", "roles": {}
    }  # fmt: skip
    prompted = run(
        home, "create", "bea", "--email", "bea@example.org", stdin="otra contraseña\n" * 2
    )
    assert prompted.returncode == 0, prompted.stderr
    assert "otra contraseña" not in prompted.stdout  # hidden input
    assert _authenticate(home, "bea@example.org", "otra contraseña")["site_admin"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "ana", "--email", "x@example.org", "--password", PASSWORD), "already taken"),
        (("create", "x", "--email", "x@example.org", "--password", PASSWORD), "not a valid user"),
        (("create", "xy", "--email", "nope", "--password", PASSWORD), "not an email address"),
        (("create", "xy", "--email", "x@example.org", "--password", "corta"), "at least 10"),
        (("add-member", "nadie", "zapopan"), "no user 'nadie'"),
        (("add-member", "ana", "no-existe"), "no organization 'no-existe'"),
        (("add-member", "ana", "zapopan", "--role", "owner"), "unknown role 'owner'"),
        (("remove-member", "ana", "zapopan"), "ana is not a member of zapopan"),
        (("token", "nadie", "script"), "no user 'nadie'"),
        (("token", "ana", "  "), "give the token a name"),
    ],
)
def test_clear_errors_exit_with_code_2(home: Path, args: tuple[str, ...], message: str) -> None:
    # In process (the same Typer app, much faster than a subprocess per case).
    env = {"ABIERTO_HOME": str(home), "ABIERTO_DATABASE_URL": "", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["users", *args], env=env)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Error:" in result.stderr and message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_add_member_list_and_remove(home: Path) -> None:
    assert run(home, "add-member", "ANA", "zapopan").returncode == 0  # member by default
    assert _authenticate(home, "ana", PASSWORD)["roles"] == {"zapopan": "member"}
    assert run(home, "add-member", "ana", "zapopan", "--role", "editor").returncode == 0
    listing = run(home, "list")
    assert listing.returncode == 0
    line = next(line for line in listing.stdout.splitlines() if "ana@example.org" in line)
    assert "zapopan:editor" in line and "Ana [b]" in line  # markup-like text printed as is
    removed = run(home, "remove-member", "ana", "zapopan")
    assert removed.returncode == 0, removed.stderr
    assert _authenticate(home, "ana", PASSWORD)["roles"] == {}


def test_the_last_admin_stays(home: Path) -> None:
    run(home, "add-member", "ana", "zapopan", "--role", "admin")
    result = run(home, "remove-member", "ana", "zapopan")
    assert result.returncode == 2 and "at least one admin" in result.stderr
    assert _authenticate(home, "ana", PASSWORD)["roles"] == {"zapopan": "admin"}


def test_token_is_printed_once_and_works(home: Path) -> None:
    result = run(home, "token", "ana", "carga mensual")
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip()
    assert secret.startswith("abt_") and "\n" not in secret  # stdout is the token alone
    assert "no se vuelve a mostrar" in result.stderr
    context = AppContext.create(Settings(home=home))
    try:
        with context.db.session() as session:
            assert services.user_for_token(session, secret).username == "ana"
            [token] = services.list_tokens(session, services.user_by_name(session, "ana"))
            assert token.name == "carga mensual" and token.token_hash != secret
    finally:
        context.close()
