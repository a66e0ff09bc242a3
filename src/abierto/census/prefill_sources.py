"""What a catalog says of the dataset behind an evidence URL, for the census pre-fill.

Four kinds of URL are recognised, by their shape and then by what the server answers:

- ``…/datasets/{slug}``: a dataset on an abierto portal (this one or another), read through
  its CKAN-compatible ``package_show`` (``interop/ckan.py``): licence, frequency in
  ``extras``, and each table's full CSV export as a resource whose ``last_modified`` is its
  latest release — the same JSON API any outsider can call, so what a private dataset
  hides stays hidden;
- ``…/dataset/{name}`` (and ``…/dataset/{name}/resource/{id}`` for one resource): a CKAN
  portal, read through ``{prefix}/api/3/action/package_show?id={name}``;
- a DCAT-US / Project Open Data ``data.json`` catalog: ``dataset[]`` with ``distribution[]``
  (``downloadURL`` or only ``accessURL``, ``format``/``mediaType``), ``license``,
  ``modified`` and ``accrualPeriodicity``; the URL's fragment (``#identifier`` or
  ``#title``) picks the dataset when the catalog lists several;
- anything else is the file itself (its ``Last-Modified`` header dates it).

When a URL looks like a catalog but the server does not answer like one, it is read as a
page or file. What a catalog refuses or lacks goes to ``problems``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from abierto.census.http import Fetched, Fetcher

SNIFF_BYTES = 64 * 1024
FREQUENCY_KEYS = ("frequency", "accrual_periodicity", "frecuencia", "periodicidad",
                  "update_frequency")  # fmt: skip
PACKAGE_PATHS = (
    (re.compile(r"(?P<prefix>.*?)/datasets/(?P<name>[^/]+)/?"), "abierto"),
    (re.compile(r"(?P<prefix>.*?)/dataset/(?P<name>[^/]+)(?:/resource/(?P<res>[^/]+))?/?"), "ckan"),
)
NOT_A_CATALOG = object()  # the server did not answer like the catalog the URL suggested


@dataclass(frozen=True, slots=True)
class Distribution:
    url: str
    declared: str = ""  # the catalog's format or media type
    is_file: bool = True  # False: an access URL (a page or an API), not a download


@dataclass(slots=True)
class Source:
    kind: str  # abierto | ckan | dcat | file
    page: Fetched  # the catalog's answer, or the file itself
    label: str  # how evidence names the catalog record
    distributions: list[Distribution] = field(default_factory=list)
    license: str | None = None
    modified: dt.datetime | None = None
    modified_from: str = ""  # which field gave ``modified``
    frequency: str | None = None  # the declared frequency, as written


def read_source(
    url: str, client: Fetcher, problems: list[str], portal: str | None = None
) -> Source | None:
    """The catalog record (or file) behind ``url``; ``None`` with a problem if there is none."""
    path = urlsplit(url).path
    for pattern, kind in PACKAGE_PATHS:
        if match := pattern.fullmatch(path):
            found = _package(url, match, kind, client, problems, portal)
            if found is not NOT_A_CATALOG:
                return found if isinstance(found, Source) else None
    page = client.get(url, max_bytes=SNIFF_BYTES)
    if _looks_like_dcat(page) and page.truncated:
        page = client.get(url)  # the whole catalog, up to the client's own cap
    if _looks_like_dcat(page):
        return _dcat(url, page, problems)
    modified = _http_date(page.headers.get("last-modified"))
    return Source(
        "file",
        page,
        f"the file {url}",
        [Distribution(url)],
        modified=modified,
        modified_from="its Last-Modified header" if modified else "",
    )


def _api_bases(url: str, prefix: str) -> list[str]:
    """Where package_show may live: under the page's path prefix (a CKAN at /ckan, a
    localised /es), then at the root."""
    parts = urlsplit(url)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return list(dict.fromkeys([f"{root}{prefix}", root]))


def _package(
    url: str,
    match: re.Match[str],
    kind: str,
    client: Fetcher,
    problems: list[str],
    portal: str | None,
) -> Source | object | None:
    name = unquote(match.group("name"))
    for base in _api_bases(url, match.group("prefix")):
        api = client.get(f"{base}/api/3/action/package_show?id={quote(name, safe='')}")
        if api.error:
            problems.append(f"could not read the catalog: {api.describe()}")
            return None
        envelope = _json(api)
        if not isinstance(envelope, dict) or "success" not in envelope:
            continue
        result = envelope.get("result")
        if isinstance(result, list) and len(result) == 1:
            result = result[0]  # DKAN answers package_show with a one-item list
        if not envelope["success"] or not isinstance(result, dict):
            error = envelope.get("error") or {}
            said = error.get("__type") or error.get("message") or "no result"
            problems.append(f"{api.describe()}: the catalog answers {said!r}")
            return None
        ours = portal is not None and url.startswith(portal.rstrip("/") + "/")
        label = f"this portal's package_show of {name!r}" if ours else None
        resource = match.groupdict().get("res")
        return _ckan_source(kind, api, result, label, resource, problems)
    return NOT_A_CATALOG


def _ckan_source(
    kind: str,
    api: Fetched,
    package: dict[str, Any],
    label: str | None,
    resource: str | None,
    problems: list[str],
) -> Source:
    resources = [r for r in package.get("resources") or [] if isinstance(r, dict) and r.get("url")]
    if resource:
        resources = [r for r in resources if r.get("id") == resource]
        if not resources:
            problems.append(f"the dataset has no resource {resource!r} with a URL")
    extras = {
        e.get("key"): e.get("value") for e in package.get("extras") or [] if isinstance(e, dict)
    }
    frequency = next((v for k in FREQUENCY_KEYS if (v := package.get(k) or extras.get(k))), None)
    updated = [d for r in resources if (d := _date(r.get("last_modified")))]
    modified, modified_from = (
        (max(updated), "the resources' last_modified")
        if updated
        else (_date(package.get("metadata_modified")), "metadata_modified (the record's change)")
    )
    name = package.get("name") or package.get("id") or ""
    system = "abierto" if kind == "abierto" else "CKAN"
    return Source(
        kind,
        api,
        label or f"{system} package_show of {name!r}",
        [_distribution(api.url, r) for r in resources],
        package.get("license_id") or package.get("license_url") or package.get("license_title"),
        modified,
        modified_from if modified else "",
        str(frequency) if frequency else None,
    )


def _distribution(base: str, resource: dict[str, Any]) -> Distribution:
    declared = resource.get("format") or resource.get("mimetype") or ""
    return Distribution(urljoin(base, resource["url"]), str(declared))


def _json(fetched: Fetched) -> Any:
    """The parsed body, whatever the status (CKAN's errors come as JSON with 403/404)."""
    if fetched.error or fetched.truncated:
        return None
    try:
        return json.loads(fetched.body)
    except ValueError:
        return None


def _looks_like_dcat(page: Fetched) -> bool:
    head = page.body[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    return page.ok and head[:1] == b"{" and b'"dataset"' in head


def _dcat(url: str, page: Fetched, problems: list[str]) -> Source | None:
    if page.truncated:
        problems.append(
            f"the data.json catalog is larger than the {len(page.body):,} bytes read from one URL"
        )
        return None
    catalog = _json(page)
    datasets = catalog.get("dataset") if isinstance(catalog, dict) else None
    if not isinstance(datasets, list) or not datasets:
        problems.append(f"{page.describe()}: the data.json catalog lists no dataset")
        return None
    chosen = _pick(datasets, unquote(urlsplit(url).fragment), problems)
    if chosen is None:
        return None
    distributions = [
        Distribution(
            urljoin(url, d.get("downloadURL") or d.get("accessURL")),
            d.get("format") or d.get("mediaType") or "",
            is_file=bool(d.get("downloadURL")),
        )
        for d in chosen.get("distribution") or []
        if isinstance(d, dict) and (d.get("downloadURL") or d.get("accessURL"))
    ]
    modified = _date(chosen.get("modified"))
    name = chosen.get("identifier") or chosen.get("title") or ""
    return Source(
        "dcat",
        page,
        f"the data.json entry {name!r}",
        distributions,
        chosen.get("license") or None,
        modified,
        "modified" if modified else "",
        chosen.get("accrualPeriodicity") or None,
    )


def _pick(datasets: list[Any], wanted: str, problems: list[str]) -> dict[str, Any] | None:
    """The dataset the URL's fragment names (identifier or title); the only one if none."""
    entries = [d for d in datasets if isinstance(d, dict)]
    if not wanted:
        if len(entries) == 1:
            return entries[0]
        problems.append(
            f"the data.json catalog lists {len(entries)} datasets: add #identifier to the URL"
        )
        return None
    for entry in entries:
        if wanted in (entry.get("identifier"), entry.get("title")) or (
            wanted.lower() == str(entry.get("title") or "").lower()
        ):
            return entry
    problems.append(f"no dataset {wanted!r} in the data.json catalog")
    return None


def _date(value: Any) -> dt.datetime | None:
    """An ISO 8601 date or time as naive UTC; ``None`` for anything else."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _http_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
