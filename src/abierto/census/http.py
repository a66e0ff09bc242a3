"""The census's one outbound HTTP client: timeouts, a size cap, checked redirects, no SSRF.

Volunteers paste arbitrary URLs and the portal fetches them, so this client must not become
a way into the machines around the portal, nor a way to tie it up:

- the scheme and host of every hop are checked like a publish-by-URL
  (``ingest.staging.check_url``), and — what that check alone cannot promise — the address
  the socket actually connected to is checked too, before the request is sent (httpx's
  ``trace`` hook), so a host whose DNS answer changes between the check and the connection
  is still refused. Private, loopback and link-local addresses pass only with
  ``allow_private`` (tests, intranet portals: ``settings.fetch_allow_private``);
- environment proxies are not used (``trust_env=False``): the address checked is the
  server's own;
- a connect timeout, a read timeout and an overall deadline per request (a server dripping
  one byte a second does not hold a worker for long);
- only the first ``max_bytes`` of a body are read; ``truncated`` says there was more;
- redirects are followed by hand, at most ``max_redirects``, each hop listed for evidence.

Errors never raise: a ``Fetched`` carries what happened, so evidence can quote it.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from abierto.ingest.staging import StagingError, check_url

USER_AGENT = "abierto-census/1 (open data census pre-fill; +https://github.com/abierto)"
MAX_REDIRECTS = 5
STAGING_ERRORS = {
    "publish.error.url_scheme": "refused (not an http(s) URL)",
    "publish.error.url_host": "failed (the host name does not resolve)",
    "publish.error.url_private": "refused (a private, loopback or link-local address)",
}
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-disposition",
    "last-modified",
    "www-authenticate",
)


class Refused(Exception):
    """The connection went to an address the client may not reach."""


class TooSlow(Exception):
    """The body kept coming past the request's deadline."""


@dataclass(slots=True)
class Fetched:
    """One GET, redirects followed: what came back, or why nothing did."""

    url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error

    @property
    def final_url(self) -> str:
        return self.redirects[-1] if self.redirects else self.url

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def describe(self) -> str:
        """One line of evidence: what was asked and what came back."""
        if self.error:
            return f"GET {self.url} → {self.error}"
        hops = len(self.redirects)
        via = f" (via {hops} redirect{'s' if hops > 1 else ''} to {self.final_url})" if hops else ""
        kind = self.media_type or "no content type"
        cut = f", first {len(self.body):,} bytes read" if self.truncated else ""
        return f"GET {self.url} → {self.status} {kind}{via}{cut}"


class Fetcher:
    """The client; use it as a context manager so its connections are closed."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = 10.0,
        connect_timeout: float | None = None,
        deadline: float | None = None,
        max_bytes: int = 1 << 20,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.deadline = deadline if deadline is not None else 3 * timeout
        connect = min(timeout, connect_timeout if connect_timeout is not None else 5.0)
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, max_bytes: int | None = None) -> Fetched:
        """GET ``url``, keeping at most ``max_bytes`` (the client's limit by default)."""
        fetched = Fetched(url)
        limit = self.max_bytes if max_bytes is None else max_bytes
        until = time.monotonic() + self.deadline
        try:
            self._follow(fetched, url, limit, until)
        except StagingError as exc:
            fetched.error = STAGING_ERRORS.get(exc.code, f"refused ({exc.code})")
        except Refused as exc:
            fetched.error = (
                f"refused (connected to a private address {exc})"
                if str(exc)
                else "refused (the connected address could not be checked)"
            )
        except (httpx.TimeoutException, TooSlow):
            fetched.error = "timed out"
        except httpx.HTTPError as exc:
            fetched.error = f"failed ({type(exc).__name__})"
        return fetched

    def _follow(self, fetched: Fetched, url: str, limit: int, until: float) -> None:
        current = url
        for _ in range(self.max_redirects + 1):
            current = check_url(current, self.allow_private)
            with self.client.stream("GET", current, extensions={"trace": self._trace}) as response:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    fetched.redirects.append(current)
                    continue
                fetched.status = response.status_code
                fetched.headers = {
                    k: response.headers[k] for k in KEPT_HEADERS if k in response.headers
                }
                fetched.body, fetched.truncated = _read(response, limit, until)
                return
        fetched.error = f"too many redirects (more than {self.max_redirects})"

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """Refuse a connection to a private address before anything is sent on it. An
        address that cannot be read or parsed is refused too: the check fails closed."""
        if self.allow_private or event != "connection.connect_tcp.complete":
            return
        stream = info["return_value"]
        peer = stream.get_extra_info("server_addr")
        host = str(peer[0]).split("%", 1)[0] if peer else ""
        try:
            public = ipaddress.ip_address(host).is_global
        except ValueError:
            public = False
        if not public:
            stream.close()  # nothing was sent on it, and nothing will be
            raise Refused(host)


def _read(response: httpx.Response, limit: int, until: float) -> tuple[bytes, bool]:
    """At most ``limit`` bytes; the rest is never read (the connection is dropped)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if time.monotonic() > until:
            raise TooSlow
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
