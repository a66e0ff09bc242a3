"""Account operations: users, memberships, password checks, login sessions, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from abierto.accounts.models import ROLES, ApiToken, LoginSession, Membership, User
from abierto.catalog.models import Organization, utcnow

SESSION_LIFETIME = dt.timedelta(days=14)
TOKEN_PREFIX = "abt_"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,49}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verifying against this keeps "no such user" as slow as "wrong password" (no user probing).
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request the account rules refuse, with a message fit for the user."""


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def create_user(
    session: Session,
    username: str,
    email: str,
    password: str,
    *,
    full_name: str = "",
    site_admin: bool = False,
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            f"{username!r} is not a valid user name: "
            "2–50 lowercase letters, digits, '.', '_' or '-'"
        )
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"{email!r} is not an email address")
    taken = session.scalar(
        select(func.count())
        .select_from(User)
        .where((User.username == username) | (User.email == email))
    )
    if taken:
        raise AccountError(f"the user name {username!r} or the email {email!r} is already taken")
    user = User(
        username=username,
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        is_site_admin=site_admin,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The active user whose user name or email is ``login`` and whose password matches."""
    login = login.strip().lower()
    user = session.scalar(select(User).where((User.username == login) | (User.email == login)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def set_membership(
    session: Session, user: User, organization: Organization, role: str
) -> Membership:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == organization.id
        )
    )
    if membership is None:
        membership = Membership(user=user, organization=organization, role=role)
        session.add(membership)
    membership.role = role
    session.flush()
    return membership


def remove_membership(session: Session, user: User, organization: Organization) -> None:
    session.execute(
        delete(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == organization.id
        )
    )


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


# -- login sessions -------------------------------------------------------------------


def start_session(session: Session, user: User) -> tuple[str, LoginSession]:
    """A new login session; returns the cookie value (never stored) and the row."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        token_hash=sha256(token),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    session.add(row)
    session.flush()
    return token, row


def find_session(session: Session, token: str) -> LoginSession | None:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == sha256(token)))
    if row is None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == sha256(token)))


def end_all_sessions(session: Session, user: User) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


# -- API tokens -----------------------------------------------------------------------


def create_token(session: Session, user: User, name: str) -> tuple[str, ApiToken]:
    """A new API token; the secret is returned once and only its hash is stored."""
    name = name.strip()
    if not name:
        raise AccountError("give the token a name, such as the script that will use it")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], token_hash=sha256(secret), prefix=secret[:10])
    session.add(row)
    session.flush()
    return secret, row


def user_for_token(session: Session, secret: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(secret)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: str) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
