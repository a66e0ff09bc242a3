"""What the dataset page shows, gathered from the loaded dataset: metadata and resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlparse

from abierto.catalog.models import Dataset, Release, Resource
from abierto.catalog.vocab import FREQUENCIES, License, license_of
from abierto.web import queries
from abierto.web.preview import PreviewResult
from abierto.web.schemas import download_url

DOWNLOAD_FORMATS = ("csv", "json", "xlsx", "parquet")
SAFE_SCHEMES = ("http", "https", "ftp", "ftps")


@dataclass
class ResourceView:
    resource: Resource
    anchor: str
    release: Release | None = None
    history: list[Release] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    downloads: dict[str, str] = field(default_factory=dict)
    preview: PreviewResult | None = None
    resource_path: str = ""
    preview_url: str = ""
    rows_url: str = ""
    safe_url: str | None = None  # link/file resources: the URL, if it is a web address

    @property
    def is_table(self) -> bool:
        return self.resource.kind == "table"


@dataclass(frozen=True, slots=True)
class Metadata:
    license: License | None
    frequency: str | None
    temporal: str | None


def resource_path(dataset: Dataset, resource: Resource) -> str:
    return f"/datasets/{quote(dataset.slug, safe='')}/resources/{quote(resource.name, safe='')}"


def web_url(url: str | None) -> str | None:
    """``url`` if it is an http(s)/ftp address; never a ``javascript:`` or ``data:`` one."""
    if not url:
        return None
    return url if urlparse(url.strip()).scheme.lower() in SAFE_SCHEMES else None


def dictionary(resource: Resource, release: Release) -> list[dict[str, Any]]:
    """The release's columns with their profile; the publisher's descriptions win."""
    written = resource.column_descriptions or {}
    return [
        {
            **column,
            "description": written.get(column["name"]) or column.get("description") or "",
            "profile": (release.profile or {}).get(column["name"], {}),
        }
        for column in release.columns
    ]


def downloads(dataset: Dataset, resource: Resource, release: Release) -> dict[str, str]:
    formats = list(DOWNLOAD_FORMATS)
    if any(c.get("type") == "geopoint" for c in release.columns):
        formats.append("geojson")
    return {fmt: download_url(dataset, resource, fmt, None) for fmt in formats}


def resource_view(dataset: Dataset, resource: Resource, index: int) -> ResourceView:
    view = ResourceView(resource, anchor=f"r{index}")
    if not view.is_table:
        view.safe_url = web_url(resource.url)
        return view
    view.release = queries.latest(resource)
    view.history = list(reversed(resource.releases))
    path = view.resource_path = resource_path(dataset, resource)
    view.preview_url = f"{path}/preview"
    view.rows_url = f"/api/v1{path}/rows"
    if view.release is not None:
        view.columns = dictionary(resource, view.release)
        view.downloads = downloads(dataset, resource, view.release)
    return view


def metadata(dataset: Dataset, lang_index: int) -> Metadata:
    frequency = FREQUENCIES.get(dataset.frequency or "")
    start, end = dataset.temporal_start, dataset.temporal_end
    temporal = None
    if start or end:
        temporal = f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}"
    return Metadata(
        license=license_of(dataset.license_id),
        frequency=frequency[lang_index] if frequency else None,
        temporal=temporal,
    )
