"""One ASGI middleware for every HTTP request: its id, one log line, one latency sample.

The request id is the ``X-Request-ID`` the reverse proxy sent (when it looks like an id),
else a new one; it is sent back in the response and carried by every log line written while
the request is handled. Probes (``/healthz``, ``/readyz``, ``/metrics``) are logged at debug
level: a load balancer asking every few seconds would drown the rest.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from abierto.observability.logging import REQUEST_ID
from abierto.observability.metrics import REQUEST_SECONDS

log = logging.getLogger("abierto.request")
HEADER = b"x-request-id"
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "<unmatched>"


def incoming_id(scope: Scope) -> str | None:
    """The caller's request id, if it is a plausible one (no spaces, quotes, newlines)."""
    for name, value in scope.get("headers", []):
        if name == HEADER:
            text = value.decode("latin-1").strip()
            return text if VALID_ID.fullmatch(text) else None
    return None


def route_template(scope: Scope) -> str:
    """The matched route's template (``/datasets/{slug}``): never the path as asked."""
    route = scope.get("route") or _mount_of(scope)
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


def _mount_of(scope: Scope) -> Mount | None:
    """FastAPI's router records no ``route`` for a mount (``/static``): find it by its app."""
    endpoint = scope.get("endpoint")
    for candidate in getattr(scope.get("router"), "routes", ()):
        if isinstance(candidate, Mount) and endpoint is not None and candidate.app is endpoint:
            return candidate
    return None


class RequestObserver:
    """Pure ASGI (streamed responses stay streamed); the outermost of our middlewares."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_id(scope) or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception is answered with a 500
        recorded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Before the last bytes leave: the client's next request (a scrape of
                # /metrics) sees this one counted, whatever cleanup the app still runs.
                recorded = True
                record(scope, status, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not recorded:
                record(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)


def record(scope: Scope, status: int, seconds: float) -> None:
    method = scope.get("method", "GET")
    route = route_template(scope)
    label = method if method in METHODS else "OTHER"
    REQUEST_SECONDS.labels(label, route, str(status)).observe(seconds)
    path = scope.get("path", "")
    level = logging.ERROR if status >= 500 else logging.INFO
    if path in PROBES and status < 500:
        level = logging.DEBUG
    duration_ms = round(seconds * 1000, 1)
    client = scope.get("client")
    log.log(
        level,
        "%s %s %d %.1fms",
        method,
        path,
        status,
        duration_ms,
        extra={
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "client": client[0] if client else None,
        },
    )
