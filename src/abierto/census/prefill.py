"""Automatic pre-fill: answer what the evidence URL itself can tell, with the evidence.

Given a URL of a dataset on this portal (``/datasets/{slug}``), on a CKAN portal
(``/dataset/{name}``, read through ``package_show``), in a DCAT ``data.json`` catalog (pick
the dataset with ``#identifier``), or of a file, ``prefill`` answers: exists, online,
registration_free, free, bulk_download, format and open_format (by the real bytes of the
first distribution, not the declared format), license and open_license, last_updated and
up_to_date. What cannot be known is left out and said in ``problems``. A human still
submits, and a reviewer still accepts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from abierto.catalog.vocab import FREQUENCIES, LICENSES
from abierto.census.http import Fetched, Fetcher
from abierto.quality.checks import OPEN_FORMATS
from abierto.quality.freshness import assess_freshness

SNIFF_BYTES = 64 * 1024
# ISO 8601 repeating durations (DCAT-US accrualPeriodicity) → DCAT-AP frequency codes.
ISO_FREQUENCIES = {
    "R/P1D": "DAILY", "R/P1W": "WEEKLY", "R/P7D": "WEEKLY", "R/P1M": "MONTHLY",
    "R/P3M": "QUARTERLY", "R/P6M": "ANNUAL_2", "R/P1Y": "ANNUAL", "irregular": "IRREG",
}  # fmt: skip
CKAN_FREQUENCIES = {
    "daily": "DAILY", "diario": "DAILY", "weekly": "WEEKLY", "semanal": "WEEKLY",
    "monthly": "MONTHLY", "mensual": "MONTHLY", "quarterly": "QUARTERLY",
    "trimestral": "QUARTERLY", "semestral": "ANNUAL_2", "annual": "ANNUAL", "anual": "ANNUAL",
    "yearly": "ANNUAL",
}  # fmt: skip
LICENSE_ALIASES = {
    "cc-by": "cc-by-4.0", "cc-by-4.0": "cc-by-4.0", "creativecommons.org/licenses/by/": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0", "creativecommons.org/licenses/by-sa/": "cc-by-sa-4.0",
    "cc-zero": "cc0-1.0", "cc0": "cc0-1.0", "publicdomain/zero": "cc0-1.0",
    "odc-odbl": "odc-odbl", "opendatacommons.org/licenses/odbl": "odc-odbl",
    "odc-by": "odc-by", "odc-pddl": "odc-pddl", "libreusomx": "libre-uso-mx",
    "libre-uso-mx": "libre-uso-mx", "cc-nc": "cc-by-nc-4.0", "by-nc": "cc-by-nc-4.0",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Answer:
    value: str
    evidence: str


@dataclass(slots=True)
class Prefill:
    answers: dict[str, Answer] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def set(self, key: str, value: str, evidence: str) -> None:
        self.answers[key] = Answer(value, evidence)

    def values(self) -> dict[str, str]:
        return {key: answer.value for key, answer in self.answers.items()}


@dataclass(slots=True)
class Source:
    """What a catalog says of a dataset."""

    kind: str  # abierto | ckan | dcat | file
    landing: Fetched
    distributions: list[tuple[str, str]] = field(default_factory=list)  # (url, declared)
    license: str | None = None
    modified: dt.datetime | None = None
    frequency: str | None = None


def prefill(url: str, fetcher: Fetcher, now: dt.datetime) -> Prefill:
    result = Prefill()
    source = _source(url, fetcher, result)
    if source is None:
        return result
    _online(source, result)
    if not source.landing.ok:
        return result
    _format(source, fetcher, result)
    _license(source, result)
    _freshness(source, now, result)
    return result


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _source(url: str, fetcher: Fetcher, result: Prefill) -> Source | None:
    path = urlsplit(url).path
    # abierto's own dataset pages answer through its CKAN-compatible package_show.
    for pattern, kind in (
        (r"/datasets/([\w.-]+)/?$", "abierto"),
        (r"/dataset/([\w.-]+)/?$", "ckan"),
    ):
        if match := re.search(pattern, path):
            found = _ckan(url, match.group(1), fetcher, kind)
            if found is not None:
                return found
    landing = fetcher.get(url, max_bytes=SNIFF_BYTES if not path.endswith(".json") else None)
    if landing.ok and _is_dcat(landing.body):
        return _dcat(url, landing, result)
    return Source("file", landing, [(url, "")])


def _json(fetched: Fetched) -> Any:
    if not fetched.ok or fetched.truncated:
        return None
    try:
        return json.loads(fetched.body)
    except ValueError:
        return None


def _ckan(url: str, name: str, fetcher: Fetcher, kind: str) -> Source | None:
    api = fetcher.get(f"{_origin(url)}/api/3/action/package_show?id={name}")
    data = _json(api)
    if not isinstance(data, dict) or not data.get("success"):
        return None
    package = data["result"]
    extras = {e.get("key"): e.get("value") for e in package.get("extras") or []}
    frequency = package.get("frequency") or extras.get("frequency") or extras.get("frecuencia")
    declared = str(frequency or "")
    return Source(
        kind,
        api,
        [(r["url"], r.get("format") or "") for r in package.get("resources", []) if r.get("url")],
        package.get("license_id") or package.get("license_url"),
        _date(package.get("metadata_modified")),
        declared.upper()
        if declared.upper() in FREQUENCIES
        else CKAN_FREQUENCIES.get(declared.lower()),
    )


def _is_dcat(body: bytes) -> bool:
    return body.lstrip()[:1] == b"{" and b'"dataset"' in body


def _dcat(url: str, landing: Fetched, result: Prefill) -> Source | None:
    data = _json(landing)
    datasets = data.get("dataset") if isinstance(data, dict) else None
    if not isinstance(datasets, list) or not datasets:
        result.problems.append("the data.json catalog lists no dataset")
        return None
    wanted = urlsplit(url).fragment
    chosen = next(
        (d for d in datasets if wanted and wanted in (d.get("identifier"), d.get("title"))), None
    )
    if chosen is None:
        if wanted:
            result.problems.append(f"no dataset {wanted!r} in the data.json catalog")
            return None
        chosen = datasets[0]
    distributions = [
        (d.get("downloadURL") or d.get("accessURL"), d.get("format") or d.get("mediaType") or "")
        for d in chosen.get("distribution") or []
        if d.get("downloadURL") or d.get("accessURL")
    ]
    return Source(
        "dcat",
        landing,
        distributions,
        chosen.get("license"),
        _date(chosen.get("modified")),
        ISO_FREQUENCIES.get(str(chosen.get("accrualPeriodicity") or "")),
    )


def _date(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _online(source: Source, result: Prefill) -> None:
    landing = source.landing
    evidence = landing.describe()
    if landing.ok:
        result.set("exists", "yes", evidence)
        result.set("online", "yes", evidence)
        result.set("registration_free", "yes", f"{evidence}, without logging in")
        result.set("free", "yes", f"{evidence}, without paying or logging in")
    elif landing.status in (401, 403):
        result.set("online", "yes", evidence)
        result.set("registration_free", "no", f"{evidence}: the data asks for a login")
    else:
        result.problems.append(f"could not read the URL: {evidence}")


def sniff(body: bytes, content_type: str) -> str:
    """The real format of a file from its first bytes."""
    head = body[:2048].lstrip()
    lower = head.lower()
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"PK\x03\x04"):
        return "XLSX" if b"xl/" in body[:SNIFF_BYTES] else "ZIP"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "XLS"
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:512]:
        return "HTML"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "XML"
    if head[:1] in (b"{", b"["):
        return "JSON"
    return "CSV" if _looks_delimited(body) else "TXT"


def _looks_delimited(body: bytes) -> bool:
    text = body[:SNIFF_BYTES].decode("utf-8", errors="replace")
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    for delimiter in (",", ";", "\t", "|"):
        counts = {line.count(delimiter) for line in lines[:-1]}  # the last may be cut
        if len(counts) == 1 and counts != {0}:
            return True
    return False


def _format(source: Source, fetcher: Fetcher, result: Prefill) -> None:
    if not source.distributions:
        result.problems.append("no downloadable file is listed")
        return
    url, declared = source.distributions[0]
    fetched = source.landing if source.kind == "file" else fetcher.get(url, max_bytes=SNIFF_BYTES)
    if not fetched.ok:
        result.set("bulk_download", "no", fetched.describe())
        return
    real = sniff(fetched.body, fetched.content_type)
    said = f" (declared {declared})" if declared and declared.upper() != real else ""
    evidence = f"{fetched.describe()}; the first bytes are {real}{said}"
    result.set("format", real, evidence)
    result.set("open_format", "yes" if real in OPEN_FORMATS else "no", evidence)
    whole = real != "HTML"
    result.set("bulk_download", "yes" if whole else "no", evidence)


def license_id(value: str | None) -> str | None:
    if not value:
        return None
    lowered = value.strip().lower()
    if lowered in LICENSES:
        return lowered
    return next((v for k, v in LICENSE_ALIASES.items() if k in lowered), None)


def _license(source: Source, result: Prefill) -> None:
    found = license_id(source.license)
    if source.license is None:
        result.problems.append("the catalog states no licence")
        return
    evidence = f"the {source.kind} catalog says license {source.license!r}"
    result.set("license", found or source.license, evidence)
    if found is not None:
        result.set("open_license", "yes" if LICENSES[found].is_open else "no", evidence)
    else:
        result.problems.append(f"unknown licence {source.license!r}: a person must judge it")


def _freshness(source: Source, now: dt.datetime, result: Prefill) -> None:
    if source.modified is None:
        result.problems.append("the catalog gives no modification date")
        return
    result.set(
        "last_updated", source.modified.date().isoformat(), f"modified {source.modified:%Y-%m-%d}"
    )
    if source.frequency is None:
        result.problems.append("no update frequency declared: up to date cannot be judged")
        return
    fresh = assess_freshness(source.frequency, source.modified, now)
    if fresh.status in ("on_time", "due_soon", "overdue"):
        evidence = (
            f"modified {source.modified:%Y-%m-%d}, frequency {source.frequency}: {fresh.status}"
        )
        result.set("up_to_date", "no" if fresh.status == "overdue" else "yes", evidence)
