"""Reading a remote catalog into plain values: CKAN's Action API or a DCAT-US ``data.json``.

Nothing here touches the database. A ``Listing`` yields ``(remote id, RemoteDataset)`` for
each dataset it could read and ``(remote id, reason)`` for each it could not (a missing
title, a bad resource URL): one bad dataset never stops a run. A source that does not
answer, or answers something that is not a catalog, raises: ``SourceError`` when another
attempt may succeed (a timeout, a 5xx), ``SourceRefused`` when it would not (a 4xx, an HTML
page, an address the SSRF guard refuses, a body over the size cap).

No token is ever sent, so a CKAN portal lists its public, active datasets only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from abierto.catalog.editing import FORMAT, EditError, check_link
from abierto.census.http import Fetched, Fetcher
from abierto.jobs.errors import NotRetryable

PAGE_ROWS = 100
MAX_ID = 300  # HarvestRecord.remote_id
MEDIA_FORMATS = {
    "text/csv": "CSV",
    "application/json": "JSON",
    "application/geo+json": "GEOJSON",
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "application/xml": "XML",
    "text/xml": "XML",
    "text/html": "HTML",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
}


class SourceError(Exception):
    """The source did not answer (a timeout, a dropped connection, a 5xx): retried."""


class SourceRefused(NotRetryable):
    """The source answered something another attempt would get again: not retried."""


class Invalid(ValueError):
    """One remote dataset that cannot be harvested; the message is the reason."""


@dataclass(slots=True)
class RemoteResource:
    url: str
    title: str
    format: str = ""


@dataclass(slots=True)
class RemoteDataset:
    """A remote dataset in the terms abierto needs, before any mapping to its vocabularies."""

    remote_id: str
    name: str  # what the local slug is made from
    title: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)  # id, URL, title: first match wins
    frequency: str = ""
    temporal_start: str = ""
    temporal_end: str = ""
    spatial: str = ""
    modified: str = ""
    resources: list[RemoteResource] = field(default_factory=list)


Entry = tuple[str, RemoteDataset | str]


# -- fetching --------------------------------------------------------------------------------


def fetch_json(client: Fetcher, url: str) -> Any:
    """The JSON document at ``url``, or SourceError / SourceRefused saying what came back."""
    fetched = client.get(url)
    if fetched.error:
        if fetched.error.startswith("refused"):
            raise SourceRefused(f"harvest source refused: {fetched.describe()}")
        raise SourceError(f"harvest source did not answer: {fetched.describe()}")
    if fetched.truncated:
        cap = client.max_bytes / (1 << 20)
        raise SourceRefused(f"harvest source too large (over {cap:g} MB): {fetched.describe()}")
    if fetched.status is not None and (fetched.status >= 500 or fetched.status == 429):
        raise SourceError(f"harvest source failed: {fetched.describe()}")
    if fetched.status != 200:
        raise SourceRefused(f"harvest source answered HTTP {fetched.status}: {fetched.describe()}")
    return _json(fetched)


def _json(fetched: Fetched) -> Any:
    try:
        return json.loads(fetched.body)
    except ValueError:
        raise SourceRefused(f"harvest source did not answer JSON: {fetched.describe()}") from None


# -- CKAN --------------------------------------------------------------------------------------


def ckan_base(url: str) -> str:
    """The portal's root from what a person pasted (``…/api/3/action/…`` and ``/`` dropped)."""
    root = url.strip().split("?", 1)[0].split("#", 1)[0]
    root = re.sub(r"/api(/\d+)?(/action(/.*)?)?/?$", "", root)
    return root.rstrip("/")


def search_url(base: str, start: int, since: dt.datetime | None) -> str:
    params: dict[str, Any] = {"sort": "id asc", "rows": PAGE_ROWS, "start": start}
    if since is not None:
        params["fq"] = f"metadata_modified:[{since.strftime('%Y-%m-%dT%H:%M:%S')}Z TO *]"
    return f"{base}/api/3/action/package_search?{urlencode(params)}"


class CkanListing:
    """``package_search`` page by page (``sort=id asc``, ``start`` advanced by what came back)
    until an empty page. A page with nothing new (a server ignoring ``start``) ends the
    listing and leaves ``complete`` False, so nothing is withdrawn on its word."""

    def __init__(self, client: Fetcher, url: str, since: dt.datetime | None) -> None:
        self.client = client
        self.base = ckan_base(url)
        self.since = since
        self.complete = False

    def __iter__(self) -> Iterator[Entry]:
        start, seen = 0, set()
        while True:
            results = self._page(start)
            if not results:
                self.complete = True
                return
            entries = [_entry(package, start + i, from_ckan) for i, package in enumerate(results)]
            if all(remote_id in seen for remote_id, _ in entries):
                return  # the same page again: stop, incomplete
            seen.update(remote_id for remote_id, _ in entries)
            yield from entries
            start += len(results)

    def _page(self, start: int) -> list[Any]:
        url = search_url(self.base, start, self.since)
        envelope = fetch_json(self.client, url)
        if not isinstance(envelope, dict) or "success" not in envelope:
            raise SourceRefused(f"not a CKAN Action API answer: GET {url}")
        if envelope["success"] is not True:
            error = envelope.get("error")
            message = error.get("message", "") if isinstance(error, dict) else ""
            raise SourceRefused(f"CKAN package_search failed ({message or error}): GET {url}")
        result = envelope.get("result")
        results = result.get("results") if isinstance(result, dict) else None
        if not isinstance(results, list):
            raise SourceRefused(f"CKAN package_search answer has no results list: GET {url}")
        return results


def from_ckan(package: Any) -> RemoteDataset:
    if not isinstance(package, dict):
        raise Invalid("not a JSON object")
    if package.get("private") is True or package.get("state", "active") != "active":
        raise Invalid("private or not active")
    extras = _extras(package.get("extras"))
    return RemoteDataset(
        remote_id=_identifier(package, "id" if package.get("id") else "name"),
        name=_text(package.get("name")) or _text(package.get("title")),
        title=_required(package, "title"),
        description=_text(package.get("notes")),
        tags=[_text(t.get("name")) for t in _list(package.get("tags")) if isinstance(t, dict)],
        licenses=[_text(package.get(k)) for k in ("license_id", "license_url", "license_title")],
        frequency=extras.get("frequency") or extras.get("accrual_periodicity", ""),
        temporal_start=extras.get("temporal_start", ""),
        temporal_end=extras.get("temporal_end", ""),
        spatial=extras.get("spatial", ""),
        modified=_text(package.get("metadata_modified")),
        resources=_resources(
            (r.get("url"), r.get("name"), r.get("format"), r.get("mimetype"))
            for r in _list(package.get("resources"))
            if isinstance(r, dict)
        ),
    )


def _extras(value: Any) -> dict[str, str]:
    return {
        str(e["key"]): _text(e.get("value"))
        for e in _list(value)
        if isinstance(e, dict) and "key" in e
    }


# -- DCAT-US data.json ----------------------------------------------------------------------


class DcatListing:
    """The datasets of a DCAT-US ``data.json`` (one document: always a full listing)."""

    def __init__(self, client: Fetcher, url: str) -> None:
        self.client = client
        self.url = url
        self.complete = False

    def __iter__(self) -> Iterator[Entry]:
        catalog = fetch_json(self.client, self.url)
        datasets = catalog.get("dataset") if isinstance(catalog, dict) else catalog
        if not isinstance(datasets, list):
            raise SourceRefused(f"not a DCAT-US data.json catalog (no dataset list): {self.url}")
        for i, item in enumerate(datasets):
            yield _entry(item, i, from_dcat)
        self.complete = True


def from_dcat(item: Any) -> RemoteDataset:
    if not isinstance(item, dict):
        raise Invalid("not a JSON object")
    title = _required(item, "title")
    keywords = item.get("keyword")
    if isinstance(keywords, str):
        keywords = re.split(r"[,;]", keywords)  # one string of comma-separated keywords
    temporal = _text(item.get("temporal")).split("/")
    license_value = item.get("license")
    return RemoteDataset(
        remote_id=_identifier(item, "identifier"),
        name=title,
        title=title,
        description=_text(item.get("description")),
        tags=[_text(k) for k in (keywords if isinstance(keywords, list) else [keywords])],
        licenses=[_text(license_value)],
        frequency=_text(item.get("accrualPeriodicity")),
        temporal_start=temporal[0],
        temporal_end=temporal[1] if len(temporal) > 1 else "",
        spatial=_text(item.get("spatial")),
        modified=_text(item.get("modified")),
        resources=_resources(
            (
                d.get("downloadURL") or d.get("accessURL"),
                d.get("title"),
                d.get("format"),
                d.get("mediaType"),
            )
            for d in _list(item.get("distribution"))
            if isinstance(d, dict)
        ),
    )


# -- shared ------------------------------------------------------------------------------------


def _entry(item: Any, position: int, parse: Any) -> Entry:
    """(remote id, dataset) or (remote id or ``#position``, reason)."""
    label = _label(item, position)
    try:
        return label, parse(item)
    except Invalid as exc:
        return label, str(exc)


def _label(item: Any, position: int) -> str:
    if isinstance(item, dict):
        for key in ("id", "identifier", "name"):
            if text := _text(item.get(key)):
                return text[:300]
    return f"#{position + 1}"


def _resources(rows: Any) -> list[RemoteResource]:
    resources = []
    for url, title, declared, media in rows:
        link = _text(url)
        if not link:
            continue  # a resource without a URL (an upload the portal lost): nothing to link
        try:
            link = check_link(link)
        except EditError:
            raise Invalid(f"bad resource URL {link[:200]!r}") from None
        name = _text(title) or urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1] or "recurso"
        resources.append(RemoteResource(link, name[:300], format_of(declared, media)))
    return resources


def format_of(declared: Any, media: Any) -> str:
    """``CSV``, ``PDF``…: the declared format when it is a plain word, else from the media
    type; empty when neither says."""
    word = _text(declared).upper().lstrip(".")
    if FORMAT.match(word) and "/" not in word:
        return word
    media_type = (_text(media) or _text(declared)).lower().split(";")[0].strip()
    if media_type in MEDIA_FORMATS:
        return MEDIA_FORMATS[media_type]
    subtype = media_type.rsplit("/", 1)[-1].upper()
    return subtype if "/" in media_type and FORMAT.match(subtype) else ""


def _required(item: dict[str, Any], key: str) -> str:
    text = _text(item.get(key))
    if not text:
        raise Invalid(f"missing {key}")
    return text


def _identifier(item: dict[str, Any], key: str) -> str:
    text = _required(item, key)
    if len(text) > MAX_ID:
        raise Invalid(f"{key} longer than {MAX_ID} characters")
    return text


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
