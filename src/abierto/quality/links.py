"""The link checker: is each link resource still there, and is it what it says it is?

Polite: at most ``per_host`` requests at a time to one host with ``delay`` seconds between
them, robots.txt obeyed (as user agent ``abierto-linkcheck``), HEAD first and a GET (body
not read) only when HEAD is refused. Bounded: ``limit`` links per run, a timeout per request.
Each resource keeps its latest result; ``first_broken_at`` is kept while it stays broken, so
the dashboard can say "broken since". Private addresses are refused unless
``settings.fetch_allow_private``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import urllib.robotparser
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.catalog.models import Resource, utcnow
from abierto.ingest.staging import StagingError, check_url
from abierto.jobs.registry import handler
from abierto.quality.models import LinkCheck

if TYPE_CHECKING:
    from abierto.app_context import AppContext

USER_AGENT = "abierto-linkcheck/1"
MAX_REDIRECTS = 5
# Declared formats that must not come back as a web page.
DATA_FORMATS = {"CSV", "JSON", "XLSX", "XLS", "PDF", "ZIP", "XML", "GEOJSON", "ODS", "PARQUET"}


@dataclass(slots=True)
class Outcome:
    url: str
    status: int | None = None
    content_type: str = ""
    size: int | None = None
    last_modified: str = ""
    redirects: list[str] = field(default_factory=list)
    error: str = ""

    def ok_for(self, declared: str | None) -> bool:
        if self.error or self.status is None or not 200 <= self.status < 300:
            return False
        return not (
            (declared or "").upper() in DATA_FORMATS and self.content_type.startswith("text/html")
        )


class Robots:
    """robots.txt per host, fetched once per run."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.parsers: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self.locks[origin]:
            if origin not in self.parsers:
                parser = urllib.robotparser.RobotFileParser()
                try:
                    response = await self.client.get(f"{origin}/robots.txt")
                    lines = response.text.splitlines() if response.status_code == 200 else []
                except httpx.HTTPError:
                    lines = []
                parser.parse(lines)
                self.parsers[origin] = parser
        return self.parsers[origin].can_fetch(USER_AGENT, url)


class Checker:
    def __init__(
        self,
        *,
        per_host: int = 2,
        delay: float = 0.5,
        timeout: float = 10.0,
        allow_private: bool = False,
    ) -> None:
        self.per_host = per_host
        self.delay = delay
        self.timeout = timeout
        self.allow_private = allow_private
        self.slots: dict[str, asyncio.Semaphore] = {}

    def _slot(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc
        if host not in self.slots:
            self.slots[host] = asyncio.Semaphore(self.per_host)
        return self.slots[host]

    async def check_all(self, urls: list[str]) -> list[Outcome]:
        self.slots = {}  # semaphores belong to this run's event loop
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(
            timeout=self.timeout, headers={"User-Agent": USER_AGENT}, limits=limits
        ) as client:
            robots = Robots(client)
            return list(await asyncio.gather(*(self._check(client, robots, u) for u in urls)))

    async def _check(self, client: httpx.AsyncClient, robots: Robots, url: str) -> Outcome:
        outcome = Outcome(url)
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                current = check_url(current, self.allow_private)
                if not await robots.allowed(current):
                    outcome.error = "robots.txt disallows checking"
                    return outcome
                response = await self._request(client, current)
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    outcome.redirects.append(current)
                    continue
                outcome.status = response.status_code
                outcome.content_type = response.headers.get("content-type", "")
                length = response.headers.get("content-length", "")
                outcome.size = int(length) if length.isdigit() else None
                outcome.last_modified = response.headers.get("last-modified", "")
                return outcome
            outcome.error = "too many redirects"
        except StagingError as exc:
            outcome.error = f"refused ({exc.code.rsplit('.', 1)[-1]})"
        except httpx.TimeoutException:
            outcome.error = "timed out"
        except httpx.HTTPError as exc:
            outcome.error = type(exc).__name__
        return outcome

    async def _request(self, client: httpx.AsyncClient, url: str) -> httpx.Response:
        async with self._slot(url):
            response = await client.head(url)
            if response.status_code in (405, 501):  # HEAD refused: GET without reading the body
                async with client.stream("GET", url) as streamed:
                    response = streamed
            if self.delay:
                await asyncio.sleep(self.delay)
            return response


def due_links(
    session: Session, now: dt.datetime, recheck_after: dt.timedelta, limit: int
) -> list[Resource]:
    """Link resources never checked, or checked longer than ``recheck_after`` ago."""
    checked = select(LinkCheck.resource_id).where(LinkCheck.checked_at > now - recheck_after)
    return list(
        session.scalars(
            select(Resource)
            .where(Resource.kind == "link", Resource.url.is_not(None))
            .where(Resource.id.not_in(checked))
            .order_by(Resource.id)
            .limit(limit)
        )
    )


def check_links(
    session: Session,
    checker: Checker,
    now: dt.datetime,
    *,
    recheck_after: dt.timedelta = dt.timedelta(days=1),
    limit: int = 1000,
) -> list[LinkCheck]:
    resources = due_links(session, now, recheck_after, limit)
    outcomes = asyncio.run(checker.check_all([r.url or "" for r in resources]))
    return [_store(session, r, o, now) for r, o in zip(resources, outcomes, strict=True)]


def _store(session: Session, resource: Resource, outcome: Outcome, now: dt.datetime) -> LinkCheck:
    row = session.get(LinkCheck, resource.id) or LinkCheck(resource_id=resource.id)
    ok = outcome.ok_for(resource.format)
    if not ok and outcome.error == "" and outcome.status and 200 <= outcome.status < 300:
        outcome.error = f"a {resource.format} link answers {outcome.content_type.split(';')[0]}"
    row.url = outcome.url
    row.ok = ok
    row.status = outcome.status
    row.content_type = outcome.content_type[:200]
    row.size = outcome.size
    row.last_modified = outcome.last_modified[:100]
    row.redirects = outcome.redirects
    row.error = outcome.error[:500]
    row.checked_at = now
    row.first_broken_at = None if ok else (row.first_broken_at or now)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class LinkResult:
    ok: bool
    status: int | None
    content_type: str
    first_broken_at: dt.datetime | None
    checked_at: dt.datetime
    error: str


def latest_results(session: Session, resource_ids: list[str]) -> dict[str, LinkResult]:
    if not resource_ids:
        return {}
    rows = session.scalars(select(LinkCheck).where(LinkCheck.resource_id.in_(resource_ids)))
    return {
        r.resource_id: LinkResult(
            r.ok, r.status, r.content_type, r.first_broken_at, r.checked_at, r.error
        )
        for r in rows
    }


@handler("quality.check_links")
def check_links_job(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    settings = context.settings
    checker = Checker(allow_private=settings.fetch_allow_private)
    started = time.monotonic()
    with context.db.session() as session:
        rows = check_links(session, checker, utcnow(), limit=int(payload.get("limit", 1000)))
        broken = sum(not r.ok for r in rows)
    return {"checked": len(rows), "broken": broken, "seconds": round(time.monotonic() - started, 1)}
