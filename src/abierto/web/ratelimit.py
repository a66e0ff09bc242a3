"""Per-client rate limits: ``429 Too Many Requests`` with ``Retry-After``, as pure ASGI.

A client is its API token (hashed) when it sends one, else its IP address. Counting uses
the ``limits`` library: a moving window in process memory (embedded default) or a fixed
window in Redis shared by every web process (production). If the counter store fails the
request goes through: an outage of Redis must not take the portal down with it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
EXEMPT_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics")


def make_limiter(storage_url: str) -> RateLimiter:
    storage = storage_from_string(storage_url)
    if storage_url.startswith("memory"):
        return MovingWindowRateLimiter(storage)
    return FixedWindowRateLimiter(storage)


def client_key(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value.strip():
            return "token:" + hashlib.sha256(value.strip()).hexdigest()[:24]
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: str, storage_url: str) -> None:
        self.app = app
        self.item: RateLimitItem = parse(limit)
        self.limiter = make_limiter(storage_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        try:
            allowed = self.limiter.hit(self.item, "abierto", key)
            stats = self.limiter.get_window_stats(self.item, "abierto", key)
        except Exception:  # the counter store is down: serve rather than refuse
            log.warning("rate limit store unavailable; request not counted", exc_info=True)
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        if not allowed:
            await _too_many(send, self.item, retry_after)
            return
        headers = [
            (b"x-ratelimit-limit", str(self.item.amount).encode()),
            (b"x-ratelimit-remaining", str(stats.remaining).encode()),
            (b"x-ratelimit-reset", str(retry_after).encode()),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _too_many(send: Send, item: RateLimitItem, retry_after: int) -> None:
    body = json.dumps(
        {
            "error": "rate_limited",
            "message": f"too many requests: at most {item} per client; retry in {retry_after} s",
            "retry_after": retry_after,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
                (b"x-ratelimit-limit", str(item.amount).encode()),
                (b"x-ratelimit-remaining", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
