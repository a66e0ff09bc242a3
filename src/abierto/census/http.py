"""The census's one outbound HTTP client: timeouts, a size cap, checked redirects.

Every hop's host is checked like a publish-by-URL (``ingest.staging.check_url``): private,
loopback and link-local addresses are refused unless ``allow_private`` (tests and intranets).
Only the first ``max_bytes`` of a body are read; ``truncated`` says there was more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from abierto.ingest.staging import StagingError, check_url

USER_AGENT = "abierto-census/1 (+https://github.com/abierto)"
MAX_REDIRECTS = 5


@dataclass(slots=True)
class Fetched:
    url: str
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error

    def describe(self) -> str:
        """One line of evidence: what was asked and what came back."""
        if self.error:
            return f"GET {self.url} → {self.error}"
        via = f" (via {len(self.redirects)} redirects)" if self.redirects else ""
        kind = self.content_type.split(";")[0] or "no content type"
        return f"GET {self.url} → {self.status} {kind}{via}"


class Fetcher:
    def __init__(
        self, *, allow_private: bool = False, timeout: float = 10.0, max_bytes: int = 1 << 20
    ) -> None:
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, max_bytes: int | None = None) -> Fetched:
        fetched = Fetched(url)
        limit = self.max_bytes if max_bytes is None else max_bytes
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                current = check_url(current, self.allow_private)
                with self.client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        fetched.redirects.append(current)
                        continue
                    fetched.status = response.status_code
                    fetched.content_type = response.headers.get("content-type", "")
                    fetched.body, fetched.truncated = _read(response, limit)
                    return fetched
            fetched.error = "too many redirects"
        except StagingError as exc:
            fetched.error = f"refused ({exc.code.rsplit('.', 1)[-1]})"
        except httpx.TimeoutException:
            fetched.error = "timed out"
        except httpx.HTTPError as exc:
            fetched.error = type(exc).__name__
        return fetched


def _read(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
