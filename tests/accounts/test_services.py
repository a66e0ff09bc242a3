"""Account services on SQLite and PostgreSQL: users, passwords, memberships, sessions, tokens."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select, text

from abierto.accounts import services
from abierto.accounts.models import ApiToken, LoginSession, Membership, User
from abierto.accounts.services import AccountError
from abierto.app_context import AppContext
from abierto.catalog.models import utcnow
from abierto.catalog.services import get_or_create_organization

PASSWORD = "una contraseña larga"


def _user(context: AppContext, username: str = "ana", **kwargs: object) -> str:
    with context.db.session() as session:
        user = services.create_user(
            session, username, f"{username}@example.org", PASSWORD, **kwargs
        )
        return user.id


def test_create_user_normalises_and_hashes_with_argon2id(context: AppContext) -> None:
    with context.db.session() as session:
        user = services.create_user(
            session, "  Ana.Lopez ", " Ana@Example.ORG ", PASSWORD, full_name=" Ana López "
        )
        assert (user.username, user.email, user.full_name) == (
            "ana.lopez", "ana@example.org", "Ana López"
        )  # fmt: skip
    with context.db.engine.connect() as conn:
        stored = conn.execute(text('SELECT password_hash FROM "user"')).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "email", "password", "code"),
    [
        ("a", "a@example.org", PASSWORD, "accounts.error.username_invalid"),
        ("-ana", "a@example.org", PASSWORD, "accounts.error.username_invalid"),
        ("ana lopez", "a@example.org", PASSWORD, "accounts.error.username_invalid"),
        ("x" * 51, "a@example.org", PASSWORD, "accounts.error.username_invalid"),
        ("ana", "ana", PASSWORD, "accounts.error.email_invalid"),
        ("ana", "ana@localhost", PASSWORD, "accounts.error.email_invalid"),
        ("ana", "a b@example.org", PASSWORD, "accounts.error.email_invalid"),
        ("ana", "a@example.org", "corta", "accounts.error.password_short"),
        ("ana", "a@example.org", "x" * 1025, "accounts.error.password_long"),
    ],
)
def test_create_user_refuses_bad_input(
    context: AppContext, username: str, email: str, password: str, code: str
) -> None:
    with pytest.raises(AccountError) as caught, context.db.session() as session:
        services.create_user(session, username, email, password)
    assert caught.value.code == code and str(caught.value)
    with context.db.session() as session:
        assert session.scalars(select(User)).all() == []


def test_user_name_and_email_are_unique(context: AppContext) -> None:
    _user(context, "ana")
    for username, email in (("ana", "otra@example.org"), ("otra", "ANA@example.org")):
        with pytest.raises(AccountError, match="already taken"), context.db.session() as s:
            services.create_user(s, username, email, PASSWORD)


def test_authenticate_by_user_name_or_email_any_case(context: AppContext) -> None:
    user_id = _user(context)
    for login in ("ana", " ANA ", "ana@example.org", "Ana@Example.org"):
        with context.db.session() as session:
            user = services.authenticate(session, login, PASSWORD)
            assert user is not None and user.id == user_id
            assert user.last_login_at is not None
    with context.db.session() as session:
        assert services.authenticate(session, "ana", PASSWORD.upper()) is None
        assert services.authenticate(session, "ana", "") is None
        assert services.authenticate(session, "ana", PASSWORD + "x" * 2000) is None
        assert services.authenticate(session, "nadie", PASSWORD) is None


def test_inactive_users_cannot_log_in(context: AppContext) -> None:
    user_id = _user(context)
    with context.db.session() as session:
        session.get(User, user_id).is_active = False
    with context.db.session() as session:
        assert services.authenticate(session, "ana", PASSWORD) is None


def test_unknown_user_costs_a_password_check(context: AppContext) -> None:
    """No shortcut for unknown names: both paths verify one argon2 hash."""
    _user(context)

    def cost(login: str) -> float:
        started = time.perf_counter()
        for _ in range(3):
            with context.db.session() as session:
                services.authenticate(session, login, "not the password")
        return time.perf_counter() - started

    known, unknown = cost("ana"), cost("nadie")
    assert unknown > known / 3, (known, unknown)


def test_memberships_set_change_list_remove(context: AppContext) -> None:
    ana = _user(context, "ana")
    _user(context, "bea")
    with context.db.session() as session:
        org = get_or_create_organization(session, "zapopan")
        users = {u.username: u for u in session.scalars(select(User))}
        services.set_membership(session, users["ana"], org, "admin")
        services.set_membership(session, users["bea"], org, "member")
        services.set_membership(session, users["bea"], org, "editor")  # a change, not a copy
        members = services.list_members(session, org)
        assert [(m.user.username, m.role) for m in members] == [("ana", "admin"), ("bea", "editor")]
        with pytest.raises(AccountError) as caught:
            services.set_membership(session, users["bea"], org, "owner")
        assert caught.value.code == "accounts.error.role_unknown"
        assert services.remove_membership(session, users["bea"], org) is True
        assert services.remove_membership(session, users["bea"], org) is False
    with context.db.session() as session:
        rows = session.execute(select(Membership.user_id, Membership.role)).all()
        assert rows == [(ana, "admin")]
        assert services.organization_by_slug(session, " Zapopan ").slug == "zapopan"
        assert services.organization_by_slug(session, "nope") is None
        listed = services.list_users(session)
        assert [u.username for u in listed] == ["ana", "bea"]
        assert [m.organization.slug for m in listed[0].memberships] == ["zapopan"]


def test_the_last_admin_cannot_be_demoted_or_removed(context: AppContext) -> None:
    _user(context, "ana")
    _user(context, "bea")
    with context.db.session() as session:
        org = get_or_create_organization(session, "zapopan")
        ana, bea = services.user_by_name(session, "ana"), services.user_by_name(session, "bea")
        services.set_membership(session, ana, org, "admin")
        for attempt in (
            lambda: services.set_membership(session, ana, org, "editor"),
            lambda: services.remove_membership(session, ana, org),
        ):
            with pytest.raises(AccountError) as caught:
                attempt()
            assert caught.value.code == "accounts.error.last_admin"
        services.set_membership(session, bea, org, "admin")
        services.set_membership(session, ana, org, "member")  # another admin remains
        assert services.membership_of(session, ana, org).role == "member"


def test_sessions_store_only_a_hash_and_end(context: AppContext) -> None:
    user_id = _user(context)
    with context.db.session() as session:
        user = session.get(User, user_id)
        token, row = services.start_session(session, user)
        other, _ = services.start_session(session, user)
        assert row.token_hash == services.sha256(token) and token != other
    with context.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, csrf_token FROM login_session")).all()
    assert len(stored) == 2 and all(token not in r.token_hash for r in stored)
    with context.db.session() as session:
        found = services.find_session(session, token)
        assert found is not None and found.user_id == user_id
        assert services.find_session(session, "made-up") is None
        services.end_session(session, token)
    with context.db.session() as session:
        assert services.find_session(session, token) is None
        assert services.find_session(session, other) is not None
        services.end_all_sessions(session, session.get(User, user_id))
    with context.db.session() as session:
        assert services.find_session(session, other) is None


def test_expired_sessions_do_not_count_and_are_cleaned_up(context: AppContext) -> None:
    user_id = _user(context)
    with context.db.session() as session:
        token, row = services.start_session(session, session.get(User, user_id))
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
    with context.db.session() as session:
        assert services.find_session(session, token) is None
        services.start_session(session, session.get(User, user_id))  # sweeps the old one
    with context.db.session() as session:
        hashes = session.scalars(select(LoginSession.token_hash)).all()
        assert services.sha256(token) not in hashes and len(hashes) == 1


def test_sessions_of_deactivated_users_stop_working(context: AppContext) -> None:
    user_id = _user(context)
    with context.db.session() as session:
        token, _ = services.start_session(session, session.get(User, user_id))
        session.get(User, user_id).is_active = False
    with context.db.session() as session:
        assert services.find_session(session, token) is None


def test_change_password_checks_the_old_one_and_ends_every_session(context: AppContext) -> None:
    user_id = _user(context)
    with context.db.session() as session:
        token, _ = services.start_session(session, session.get(User, user_id))
    with pytest.raises(AccountError) as caught, context.db.session() as session:
        services.change_password(session, session.get(User, user_id), "wrong", "otra larga clave")
    assert caught.value.code == "accounts.error.password_wrong"
    with pytest.raises(AccountError) as caught, context.db.session() as session:
        services.change_password(session, session.get(User, user_id), PASSWORD, "corta")
    assert caught.value.code == "accounts.error.password_short"
    with context.db.session() as session:
        assert services.find_session(session, token) is not None  # failures change nothing
        services.change_password(session, session.get(User, user_id), PASSWORD, "otra larga clave")
    with context.db.session() as session:
        assert services.find_session(session, token) is None
        assert services.authenticate(session, "ana", PASSWORD) is None
        assert services.authenticate(session, "ana", "otra larga clave") is not None


def test_api_tokens_are_hashed_named_listed_and_revoked(context: AppContext) -> None:
    ana, bea = _user(context, "ana"), _user(context, "bea")
    with context.db.session() as session:
        user = session.get(User, ana)
        secret, row = services.create_token(session, user, "  carga mensual  ")
        token_id = row.id
        assert secret.startswith("abt_") and len(secret) > 40
        assert row.name == "carga mensual" and secret.startswith(row.prefix)
        with pytest.raises(AccountError) as caught:
            services.create_token(session, user, "   ")
        assert caught.value.code == "accounts.error.token_name"
    with context.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, prefix, name FROM api_token")).one()
    assert stored.token_hash == services.sha256(secret) and secret not in tuple(stored)
    with context.db.session() as session:
        assert services.user_for_token(session, secret).id == ana
        assert services.user_for_token(session, secret + "x") is None
        assert services.user_for_token(session, "abt_" + "a" * 43) is None
        assert session.get(ApiToken, token_id).last_used_at is not None
        # Somebody else's token id is not theirs to revoke.
        assert services.revoke_token(session, session.get(User, bea), token_id) is False
        assert services.revoke_token(session, session.get(User, ana), "nope") is False
    with context.db.session() as session:
        assert services.revoke_token(session, session.get(User, ana), token_id) is True
        assert services.revoke_token(session, session.get(User, ana), token_id) is False
    with context.db.session() as session:
        assert services.user_for_token(session, secret) is None
        assert services.list_tokens(session, session.get(User, ana)) == []


def test_token_use_is_recorded_at_most_once_a_minute(context: AppContext) -> None:
    user_id = _user(context)
    with context.db.session() as session:
        secret, row = services.create_token(session, session.get(User, user_id), "script")
        token_id = row.id
    with context.db.session() as session:
        services.user_for_token(session, secret)
        first = session.get(ApiToken, token_id).last_used_at
    with context.db.session() as session:
        services.user_for_token(session, secret)
        assert session.get(ApiToken, token_id).last_used_at == first
        session.get(ApiToken, token_id).last_used_at = first - dt.timedelta(minutes=2)
    with context.db.session() as session:
        services.user_for_token(session, secret)
        assert session.get(ApiToken, token_id).last_used_at > first - dt.timedelta(minutes=2)


def test_tokens_of_deactivated_users_stop_working(context: AppContext) -> None:
    user_id = _user(context)
    with context.db.session() as session:
        secret, _ = services.create_token(session, session.get(User, user_id), "script")
        session.get(User, user_id).is_active = False
    with context.db.session() as session:
        assert services.user_for_token(session, secret) is None
