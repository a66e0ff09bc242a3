"""Response models of the JSON API (they document /openapi.json) and their builders.

Stored JSON (schema, profile, report, diff) is validated leniently: unknown keys pass
through, so a richer profile or report from a newer ingest needs no change here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from abierto.catalog.models import Dataset, Organization, Release, Resource


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Localized(BaseModel):
    es: str = ""
    en: str = ""


class OrganizationOut(BaseModel):
    slug: str
    name: str
    level: str
    place_key: str | None = Field(None, description="INEGI key, e.g. '14120'")


class ColumnOut(Open):
    name: str = Field(description="Machine name, stable across releases")
    title: str = Field(description="The label as the source file has it")
    type: str = Field(description="text, integer, number, boolean, date, datetime, geopoint")
    format: str = ""
    description: str = ""


class ReleaseSchema(Open):
    columns: list[ColumnOut] = []


class SchemaChange(Open):
    kind: str = Field(description="type-changed, title-changed, renamed, removed, added, …")
    column: str
    breaking: bool
    es: str
    en: str


class SchemaDiff(Open):
    breaking: bool
    changes: list[SchemaChange] = []
    summary: Localized


class ValidationErrorOut(Open):
    type: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None


class ValidationReport(Open):
    valid: bool = True
    error_count: int = 0
    counts: dict[str, int] = {}
    errors: list[ValidationErrorOut] = []
    listed_all: bool = True
    summary: Localized = Localized()


class ColumnProfile(Open):
    null_count: int | None = None
    distinct_count: int | None = None
    min: Any = None
    max: Any = None
    top_values: list[dict[str, Any]] = []
    sample: list[Any] = []


class NoteOut(Open):
    row: int | None = None
    text: str
    position: str


class Downloads(BaseModel):
    csv: str
    parquet: str


class ReleaseSummary(BaseModel):
    id: str
    number: int
    created_at: dt.datetime
    row_count: int
    columns: list[ColumnOut]
    report_summary: Localized
    valid: bool
    error_count: int
    diff: SchemaDiff | None
    downloads: Downloads


class ReleaseDetail(ReleaseSummary):
    dataset: str
    resource: str
    checksum: str = Field(description="SHA-256 of the Parquet file")
    size_bytes: int
    schema_: ReleaseSchema = Field(alias="schema", serialization_alias="schema")
    profile: dict[str, ColumnProfile]
    report: ValidationReport
    detected: dict[str, Any]
    notes: list[NoteOut]

    model_config = ConfigDict(populate_by_name=True)


class ResourceOut(BaseModel):
    name: str
    kind: str
    latest_release: ReleaseSummary | None


class DatasetSummary(BaseModel):
    slug: str
    title: str
    description: str
    organization: OrganizationOut
    last_release_at: dt.datetime | None
    row_count: int | None
    url: str = Field(description="The dataset's page")


class DatasetDetail(DatasetSummary):
    resources: list[ResourceOut]


class FacetValueOut(BaseModel):
    value: str
    label: str
    count: int


class DatasetList(BaseModel):
    total: int
    items: list[DatasetSummary]
    facets: dict[str, list[FacetValueOut]] = Field(
        default_factory=dict,
        description="Counts per organization, theme, tag, format, license and frequency",
    )


class Health(BaseModel):
    status: str


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC; the API states the zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def dataset_url(dataset: Dataset) -> str:
    return f"/datasets/{quote(dataset.slug)}"


def download_url(dataset: Dataset, resource: Resource, fmt: str, number: int | None) -> str:
    url = f"{dataset_url(dataset)}/resources/{quote(resource.name, safe='')}/data.{fmt}"
    return url if number is None else f"{url}?release={number}"


def organization_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(slug=org.slug, name=org.name, level=org.level, place_key=org.place_key)


def release_summary(
    dataset: Dataset, resource: Resource, release: Release, *, pinned: bool = True
) -> ReleaseSummary:
    number = release.number if pinned else None
    report = release.report or {}
    return ReleaseSummary(
        id=release.id,
        number=release.number,
        created_at=as_utc(release.created_at),
        row_count=release.row_count,
        columns=[ColumnOut.model_validate(c) for c in release.columns],
        report_summary=Localized.model_validate(report.get("summary") or {}),
        valid=bool(report.get("valid", not report.get("error_count"))),
        error_count=int(report.get("error_count") or 0),
        diff=SchemaDiff.model_validate(release.diff) if release.diff else None,
        downloads=Downloads(
            csv=download_url(dataset, resource, "csv", number),
            parquet=download_url(dataset, resource, "parquet", number),
        ),
    )


def release_detail(dataset: Dataset, resource: Resource, release: Release) -> ReleaseDetail:
    summary = release_summary(dataset, resource, release)
    return ReleaseDetail(
        **summary.model_dump(),
        dataset=dataset.slug,
        resource=resource.name,
        checksum=release.checksum,
        size_bytes=release.size_bytes,
        schema=ReleaseSchema.model_validate(release.schema or {}),
        profile={k: ColumnProfile.model_validate(v) for k, v in (release.profile or {}).items()},
        report=ValidationReport.model_validate(release.report or {}),
        detected=release.detected or {},
        notes=[NoteOut.model_validate(n) for n in release.notes or []],
    )


def dataset_summary(
    dataset: Dataset, last_release_at: dt.datetime | None, row_count: int | None
) -> DatasetSummary:
    return DatasetSummary(
        slug=dataset.slug,
        title=dataset.title,
        description=dataset.description,
        organization=organization_out(dataset.organization),
        last_release_at=as_utc(last_release_at) if last_release_at else None,
        row_count=row_count,
        url=dataset_url(dataset),
    )


def dataset_detail(dataset: Dataset) -> DatasetDetail:
    resources = []
    for resource in dataset.resources:
        release = resource.releases[-1] if resource.releases else None
        summary = release_summary(dataset, resource, release, pinned=False) if release else None
        resources.append(
            ResourceOut(name=resource.name, kind=resource.kind, latest_release=summary)
        )
    latest = [r.latest_release for r in resources if r.latest_release]
    return DatasetDetail(
        **dataset_summary(
            dataset,
            max((r.created_at for r in latest), default=None),
            sum(r.row_count for r in latest) if latest else None,
        ).model_dump(),
        resources=resources,
    )
