"""Log in and out, the account page (API tokens, password) and organization members.

Writes open their own database session and commit it before answering, so the browser
never follows a redirect to a page that cannot yet see the change. Failed logins are
throttled per (login, client address), shared across processes (see ``accounts.throttle``).
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts import ROLES, services
from abierto.accounts.models import User
from abierto.accounts.permissions import Action, Actor, can
from abierto.accounts.services import AccountError
from abierto.accounts.throttle import LoginThrottle
from abierto.catalog.models import Organization
from abierto.web.auth import ActorDep, CsrfDep, UserDep, login_response, logout_response
from abierto.web.deps import ContextDep, SessionDep, get_context
from abierto.web.i18n import DEFAULT_LANGUAGE, translator
from abierto.web.templating import render, request_language

router = APIRouter(include_in_schema=False)
NOTICES = ("revoked", "password", "added", "role", "removed")
FormText = Annotated[str, Form()]
MAX_LOGIN = 300


def safe_next(value: str | None) -> str:
    """A local path to return to after logging in; anything else becomes "/".

    Refuses other sites (``https://…``, ``//host``), backslashes (browsers read ``/\\host``
    as ``//host``) and control characters.
    """
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


def _local(request: Request, path: str, **params: str) -> str:
    """A local URL that keeps the page language."""
    if request_language(request) != DEFAULT_LANGUAGE:
        params["lang"] = request_language(request)
    return f"{path}?{urlencode(params)}" if params else path


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _to_login(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _redirect(_local(request, "/login", next=here))


def _error_text(request: Request, exc: AccountError) -> str:
    return translator(request_language(request))(exc.code, **exc.values)


def _throttle(request: Request) -> LoginThrottle:
    state = request.app.state
    if not hasattr(state, "login_throttle"):
        settings = get_context(request).settings
        state.login_throttle = LoginThrottle(storage_url=settings.rate_limit_storage)
    return state.login_throttle


# -- log in, log out -------------------------------------------------------------------


def _login_page(
    request: Request, next_path: str, login: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"next": next_path, "login": login, "error": error}
    return render(request, "login.html", context, status_code=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, actor: ActorDep, next: str | None = None) -> Response:
    target = safe_next(next)
    if actor.is_authenticated:
        return _redirect(target)
    return _login_page(request, target)


@router.post("/login", dependencies=[CsrfDep])
def login_submit(
    request: Request,
    context: ContextDep,
    login: FormText = "",
    password: FormText = "",
    next: FormText = "/",
) -> Response:
    target, login = safe_next(next), login[:MAX_LOGIN]
    t = translator(request_language(request))
    throttle = _throttle(request)
    key = throttle.key(login, request.client.host if request.client else None)
    if wait := throttle.retry_after(key):
        error = t("accounts.login.throttled", minutes=math.ceil(wait / 60))
        page = _login_page(request, target, login, error, status=429)
        page.headers["Retry-After"] = str(math.ceil(wait))
        return page
    with context.db.session() as session:
        user = services.authenticate(session, login, password)
        if user is None:
            throttle.failure(key)
            return _login_page(request, target, login, t("accounts.login.failed"), status=400)
        throttle.success(key)
        response = _redirect(target)
        login_response(request, response, session, user)
    return response


@router.post("/logout", dependencies=[CsrfDep])
def logout(request: Request, context: ContextDep) -> Response:
    response = _redirect(_local(request, "/"))
    with context.db.session() as session:
        logout_response(request, response, session)
    return response


# -- the account page, API tokens, password ---------------------------------------------


def _account_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    user = session.get(User, actor.user_id)
    if user is None:
        raise HTTPException(status_code=401, detail="log in first")
    organizations = session.scalars(select(Organization).order_by(Organization.name)).all()
    managed = [
        o for o in organizations if can(actor, Action.MANAGE_ORGANIZATION, organization_id=o.id)
    ]
    memberships = sorted(user.memberships, key=lambda m: m.organization.name)
    context = {
        "user": user,
        "memberships": memberships,
        "managed": managed,
        "tokens": services.list_tokens(session, user),
        "error": error,
        "notice": notice if notice in NOTICES else None,
    }
    return render(request, "account.html", context, status_code=status)


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request, actor: ActorDep, session: SessionDep, done: str | None = None
) -> Response:
    if not actor.is_authenticated:
        return _to_login(request)
    return _account_page(request, session, actor, notice=done)


@router.post("/account/tokens", dependencies=[CsrfDep])
def create_token(
    request: Request, context: ContextDep, actor: UserDep, name: FormText = ""
) -> Response:
    try:
        with context.db.session() as session:
            user = session.get(User, actor.user_id)
            assert user is not None
            secret, token = services.create_token(session, user, name)
    except AccountError as exc:
        with context.db.session() as session:
            return _account_page(
                request, session, actor, error=_error_text(request, exc), status=400
            )
    page = render(request, "account_token.html", {"secret": secret, "token": token})
    page.headers["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return page


@router.post("/account/tokens/{token_id}/revoke", dependencies=[CsrfDep])
def revoke_token(request: Request, token_id: str, context: ContextDep, actor: UserDep) -> Response:
    with context.db.session() as session:
        user = session.get(User, actor.user_id)
        assert user is not None
        if not services.revoke_token(session, user, token_id):
            raise HTTPException(status_code=404, detail="token not found")
    return _redirect(_local(request, "/account", done="revoked"))


@router.post("/account/password", dependencies=[CsrfDep])
def change_password(
    request: Request,
    context: ContextDep,
    actor: UserDep,
    current: FormText = "",
    new: FormText = "",
    confirm: FormText = "",
) -> Response:
    """Every other session ends; this browser gets a fresh one."""
    response = _redirect(_local(request, "/account", done="password"))
    try:
        if new != confirm:
            raise AccountError("the new passwords differ", "accounts.error.password_mismatch")
        with context.db.session() as session:
            user = session.get(User, actor.user_id)
            assert user is not None
            services.change_password(session, user, current, new)
            login_response(request, response, session, user)
    except AccountError as exc:
        with context.db.session() as session:
            return _account_page(
                request, session, actor, error=_error_text(request, exc), status=400
            )
    return response


# -- organization members ---------------------------------------------------------------


def _organization(session: Session, actor: Actor, slug: str) -> Organization:
    """The organization ``actor`` may manage; 404 when unknown, 403 when not allowed."""
    organization = services.organization_by_slug(session, slug)
    if organization is None:
        raise HTTPException(status_code=404)
    if not can(actor, Action.MANAGE_ORGANIZATION, organization_id=organization.id):
        raise HTTPException(status_code=403, detail="not an admin of this organization")
    return organization


def _members_page(
    request: Request,
    session: Session,
    organization: Organization,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "organization": organization,
        "members": services.list_members(session, organization),
        "roles": ROLES,
        "error": error,
        "notice": notice if notice in NOTICES else None,
    }
    return render(request, "account_members.html", context, status_code=status)


def _forbidden(request: Request) -> HTMLResponse:
    return render(request, "account_forbidden.html", {}, status_code=403)


@router.get("/organizations/{slug}/members", response_class=HTMLResponse)
def members_page(
    request: Request, slug: str, actor: ActorDep, session: SessionDep, done: str | None = None
) -> Response:
    if not actor.is_authenticated:
        return _to_login(request)
    try:
        organization = _organization(session, actor, slug)
    except HTTPException as exc:
        if exc.status_code == 403:
            return _forbidden(request)
        raise
    return _members_page(request, session, organization, notice=done)


def _change_members(
    request: Request, context: ContextDep, actor: Actor, slug: str, change: Any, done: str
) -> Response:
    """Run ``change(session, organization)``; on an AccountError show the page with it."""
    try:
        with context.db.session() as session:
            change(session, _organization(session, actor, slug))
    except AccountError as exc:
        with context.db.session() as session:
            organization = _organization(session, actor, slug)
            error = _error_text(request, exc)
            return _members_page(request, session, organization, error=error, status=400)
    except HTTPException as exc:
        if exc.status_code == 403:
            return _forbidden(request)
        raise
    return _redirect(_local(request, f"/organizations/{slug}/members", done=done))


def _member(session: Session, username: str) -> User:
    user = services.user_by_name(session, username)
    if user is None:
        name = username.strip()[:100]
        raise AccountError(f"no user {name!r}", "accounts.error.no_user", username=name)
    return user


@router.post("/organizations/{slug}/members", dependencies=[CsrfDep])
def add_member(
    request: Request,
    slug: str,
    context: ContextDep,
    actor: UserDep,
    username: FormText = "",
    role: FormText = "member",
) -> Response:
    def change(session: Session, organization: Organization) -> None:
        services.set_membership(session, _member(session, username), organization, role)

    return _change_members(request, context, actor, slug, change, "added")


@router.post("/organizations/{slug}/members/{username}/role", dependencies=[CsrfDep])
def change_role(
    request: Request,
    slug: str,
    username: str,
    context: ContextDep,
    actor: UserDep,
    role: FormText = "",
) -> Response:
    def change(session: Session, organization: Organization) -> None:
        user = _member(session, username)
        if services.membership_of(session, user, organization) is None:
            raise HTTPException(status_code=404, detail="not a member")
        services.set_membership(session, user, organization, role)

    return _change_members(request, context, actor, slug, change, "role")


@router.post("/organizations/{slug}/members/{username}/remove", dependencies=[CsrfDep])
def remove_member(
    request: Request, slug: str, username: str, context: ContextDep, actor: UserDep
) -> Response:
    def change(session: Session, organization: Organization) -> None:
        if not services.remove_membership(session, _member(session, username), organization):
            raise HTTPException(status_code=404, detail="not a member")

    return _change_members(request, context, actor, slug, change, "removed")
