"""Who is calling: the session cookie or an API token, resolved once per request; CSRF.

Browsers authenticate with the ``abierto_session`` cookie (HttpOnly, SameSite=Lax, Secure
over HTTPS); scripts send an API token in the ``Authorization`` header, either as
``Bearer abt_…`` or bare as CKAN clients do. Every unsafe form request carries a CSRF token:
the login session's own, or for visitors (the login form) a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from abierto.accounts import services
from abierto.accounts.models import LoginSession, User
from abierto.accounts.permissions import ANONYMOUS, Actor, actor_for
from abierto.web.deps import get_context

SESSION_COOKIE = "abierto_session"
CSRF_COOKIE = "abierto_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _resolve(request: Request) -> tuple[Actor, LoginSession | None]:
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached, request.state.login
    if _anonymous(request):  # no database to ask
        request.state.actor, request.state.login = ANONYMOUS, None
        return ANONYMOUS, None
    user: User | None = None
    login: LoginSession | None = None
    token = _token_from_header(request)
    with get_context(request).db.session() as session:
        if token is not None:
            user = services.user_for_token(session, token)
            if user is None:
                raise HTTPException(status_code=401, detail="invalid or revoked API token")
        elif cookie := request.cookies.get(SESSION_COOKIE):
            login = services.find_session(session, cookie)
            user = login.user if login else None
        actor = actor_for(session, user)
        if login is not None:
            session.expunge(login)
    request.state.actor, request.state.login = actor, login
    return actor, login


def _token_from_header(request: Request) -> str | None:
    value = request.headers.get("authorization", "").strip()
    if not value:
        return None
    scheme, _, rest = value.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else value


def _anonymous(request: Request) -> bool:
    """Whether the request carries neither an API token nor a session cookie."""
    return _token_from_header(request) is None and SESSION_COOKIE not in request.cookies


def get_actor(request: Request) -> Actor:
    return _resolve(request)[0]


async def _actor(request: Request) -> Actor:
    """``get_actor`` as a dependency: anonymous callers at once, the others looked up in a
    worker thread (the database is never read on the event loop)."""
    if _anonymous(request):
        return get_actor(request)
    return await run_in_threadpool(get_actor, request)


def get_login(request: Request) -> LoginSession | None:
    return _resolve(request)[1]


def require_user(request: Request) -> Actor:
    actor = get_actor(request)
    if not actor.is_authenticated:
        raise HTTPException(status_code=401, detail="log in first")
    return actor


ActorDep = Annotated[Actor, Depends(_actor)]
UserDep = Annotated[Actor, Depends(require_user)]


# -- CSRF -------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token a form on this page must send back (put it in a hidden field)."""
    login = get_login(request)
    if login is not None:
        return login.csrf_token
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token  # set as a cookie by ``set_csrf_cookie``
    return token


class CsrfCookieMiddleware:
    """Sends the visitor's double-submit cookie when a page created one (pure ASGI, so
    streamed responses stay streamed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            token = scope.get("state", {}).get("new_csrf")
            if message["type"] == "http.response.start" and token:
                cookie = Response()
                cookie.set_cookie(
                    CSRF_COOKIE,
                    token,
                    httponly=True,
                    samesite="lax",
                    secure=scope.get("scheme") == "https",
                )
                cookies = [h for h in cookie.raw_headers if h[0] == b"set-cookie"]
                message["headers"] = [*message.get("headers", []), *cookies]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def csrf_protect(
    request: Request, login: Annotated[LoginSession | None, Depends(get_login)]
) -> None:
    """Dependency for every unsafe form endpoint: refuse a missing or wrong token.

    Requests authenticated by an API token carry no cookie, so they cannot be forged
    cross-site and are exempt. (``login`` comes from a plain dependency so that the
    database is read in the thread pool, not on the event loop.)
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or _token_from_header(request):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = login.csrf_token if login else request.cookies.get(CSRF_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page")


CsrfDep = Depends(csrf_protect)


def login_response(request: Request, response: Response, session: Session, user: User) -> None:
    """Start a login session for ``user`` and set its cookie on ``response``.

    The session token is always new, and the session the browser came with (if any) ends,
    so a token planted before the login is worthless after it (no session fixation).
    """
    if old := request.cookies.get(SESSION_COOKIE):
        services.end_session(session, old)
    token, _ = services.start_session(session, user)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(services.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    _delete_cookie(request, response, CSRF_COOKIE)


def logout_response(request: Request, response: Response, session: Session) -> None:
    """End the browser's login session on the server and delete its cookie."""
    if token := request.cookies.get(SESSION_COOKIE):
        services.end_session(session, token)
    _delete_cookie(request, response, SESSION_COOKIE)


def _delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
