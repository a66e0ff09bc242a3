"""Account operations: users, memberships, password checks, login sessions, API tokens."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from abierto.accounts import ROLES
from abierto.accounts.models import ApiToken, LoginSession, Membership, User
from abierto.catalog.models import Organization, utcnow

SESSION_LIFETIME = dt.timedelta(days=14)
TOKEN_PREFIX = "abt_"
# A token's last use is written at most this often: one write per minute, not per request.
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,49}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing megabytes of "password" would be a cheap denial of service

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps "no such user" as slow as "wrong password" (no user
    probing). Made on first use, not at import: hashing costs ~0.3 s, which every
    command-line call (``abierto publish``) paid."""
    return _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request the account rules refuse, with a message fit for the user.

    ``code`` names the same message in the portal's translations (``accounts.error.*``),
    ``values`` fill it in; the English text is what the command line prints.
    """

    def __init__(self, message: str, code: str, **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"the password needs at least {MIN_PASSWORD} characters",
            "accounts.error.password_short",
            n=MIN_PASSWORD,
        )
    if len(password) > MAX_PASSWORD:
        raise AccountError(
            f"the password may have at most {MAX_PASSWORD} characters",
            "accounts.error.password_long",
            n=MAX_PASSWORD,
        )
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
            "2–50 lowercase letters, digits, '.', '_' or '-'",
            "accounts.error.username_invalid",
        )
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 300:
        raise AccountError(f"{email!r} is not an email address", "accounts.error.email_invalid")
    taken = session.scalar(
        select(func.count())
        .select_from(User)
        .where((User.username == username) | (User.email == email))
    )
    if taken:
        raise AccountError(
            f"the user name {username!r} or the email {email!r} is already taken",
            "accounts.error.taken",
        )
    user = User(
        username=username,
        email=email,
        full_name=full_name.strip()[:300],
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
    if len(password) > MAX_PASSWORD:
        return None
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def membership_of(session: Session, user: User, organization: Organization) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == organization.id
        )
    )


def _keep_an_admin(session: Session, membership: Membership | None, new_role: str | None) -> None:
    """Refuse to demote or remove the last admin of an organization (nobody could manage it)."""
    if membership is None or membership.role != "admin" or new_role == "admin":
        return
    admins = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == membership.organization_id, Membership.role == "admin")
    )
    if (admins or 0) <= 1:
        raise AccountError(
            "an organization needs at least one admin: name another admin first",
            "accounts.error.last_admin",
        )


def set_membership(
    session: Session, user: User, organization: Organization, role: str
) -> Membership:
    if role not in ROLES:
        raise AccountError(
            f"unknown role {role!r}: use one of {', '.join(ROLES)}", "accounts.error.role_unknown"
        )
    membership = membership_of(session, user, organization)
    _keep_an_admin(session, membership, role)
    if membership is None:
        membership = Membership(user=user, organization=organization, role=role)
        session.add(membership)
    membership.role = role
    session.flush()
    return membership


def remove_membership(session: Session, user: User, organization: Organization) -> bool:
    """Remove ``user`` from ``organization``; False when they were not a member."""
    membership = membership_of(session, user, organization)
    if membership is None:
        return False
    _keep_an_admin(session, membership, None)
    session.delete(membership)
    session.flush()
    return True


def list_members(session: Session, organization: Organization) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .join(User, Membership.user_id == User.id)
            .where(Membership.organization_id == organization.id)
            .options(joinedload(Membership.user))
            .order_by(User.username)
        )
    )


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def list_users(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .options(selectinload(User.memberships).joinedload(Membership.organization))
            .order_by(User.username)
        )
    )


def organization_by_slug(session: Session, slug: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.slug == slug.strip().lower()))


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; every login session ends."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError(
            "the current password is wrong", "accounts.error.password_wrong"
        ) from None
    user.password_hash = hash_password(new)
    end_all_sessions(session, user)


# -- login sessions -------------------------------------------------------------------


def start_session(session: Session, user: User) -> tuple[str, LoginSession]:
    """A new login session; returns the cookie value (never stored) and the row."""
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.expires_at <= utcnow()
        )
    )
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
        raise AccountError(
            "give the token a name, such as the script that will use it",
            "accounts.error.token_name",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], token_hash=sha256(secret), prefix=secret[:10])
    session.add(row)
    session.flush()
    return secret, row


def user_for_token(session: Session, secret: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(secret)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION:
        row.last_used_at = now
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
