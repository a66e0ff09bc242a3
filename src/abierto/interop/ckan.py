"""abierto's catalog as CKAN dictionaries (package, resource, organization, group, tag).

CKAN clients (ckanapi, harvesters, portal monitors) read these field names, so they follow
CKAN 2.10's ``package_show`` output; abierto-only facts go in ``extras``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from abierto.catalog.models import Dataset, Organization, Release, Resource, Tag, Theme
from abierto.catalog.vocab import FREQUENCIES, LICENSES, license_of

CKAN_TYPES = {
    "integer": "int",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "text": "text",
    "geopoint": "text",
}


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": org.id,
        "name": org.slug,
        "title": org.name,
        "display_name": org.name,
        "description": org.description,
        "image_url": org.logo_url or "",
        "created": iso(org.created_at),
        "is_organization": True,
        "type": "organization",
        "state": "active",
        "approval_status": "approved",
        "extras": [{"key": "level", "value": org.level}]
        + ([{"key": "inegi_key", "value": org.place_key}] if org.place_key else []),
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def group_dict(theme: Theme, lang: str = "es", package_count: int | None = None) -> dict[str, Any]:
    title = theme.name_en if lang == "en" else theme.name_es
    result: dict[str, Any] = {
        "id": theme.id,
        "name": theme.slug,
        "title": title,
        "display_name": title,
        "description": theme.description,
        "image_url": "",
        "is_organization": False,
        "type": "group",
        "state": "active",
        "approval_status": "approved",
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def tag_dict(tag: Tag) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "display_name": tag.name, "state": "active"}


def license_dicts() -> list[dict[str, Any]]:
    return [
        {
            "id": lic.id,
            "title": lic.title,
            "url": lic.url,
            "od_conformance": "approved" if lic.is_open else "not reviewed",
            "osd_conformance": "not reviewed",
            "status": "active",
            "is_okd_compliant": lic.is_open,
            "is_osi_compliant": False,
            "is_generic": False,
        }
        for lic in LICENSES.values()
    ]


def resource_dict(base_url: str, dataset: Dataset, resource: Resource) -> dict[str, Any]:
    latest: Release | None = resource.releases[-1] if resource.releases else None
    is_table = resource.kind == "table"
    if is_table:
        url = f"{base_url}/datasets/{dataset.slug}/resources/{resource.name}/data.csv"
        fmt = "CSV"
    else:
        url = resource.url or ""
        fmt = (resource.format or "").upper()
    return {
        "id": resource.id,
        "package_id": dataset.id,
        "name": resource.title or resource.name,
        "description": resource.description,
        "format": fmt,
        "url": url,
        "url_type": "upload" if is_table else None,
        "mimetype": "text/csv" if is_table else None,
        "size": latest.size_bytes if latest else None,
        "hash": f"sha256:{latest.checksum}" if latest else "",
        "created": iso(resource.created_at),
        "last_modified": iso(latest.created_at) if latest else None,
        "metadata_modified": iso(latest.created_at if latest else resource.created_at),
        "datastore_active": bool(is_table and latest),
        "position": resource.position,
        "state": "active",
        "resource_type": None,
        "abierto_name": resource.name,
        "release_number": latest.number if latest else None,
        "row_count": latest.row_count if latest else None,
    }


def package_dict(base_url: str, dataset: Dataset, lang: str = "es") -> dict[str, Any]:
    lic = license_of(dataset.license_id)
    org = dataset.organization
    resources = [resource_dict(base_url, dataset, r) for r in dataset.resources]
    return {
        "id": dataset.id,
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "draft" if dataset.state == "draft" else "active",
        "private": dataset.private,
        "owner_org": org.id,
        "organization": organization_dict(org),
        "author": dataset.contact_name,
        "author_email": dataset.contact_email,
        "maintainer": dataset.contact_name,
        "maintainer_email": dataset.contact_email,
        "license_id": dataset.license_id or "notspecified",
        "license_title": lic.title if lic else "License not specified",
        "license_url": lic.url if lic else "",
        "isopen": bool(lic and lic.is_open),
        "url": f"{base_url}/datasets/{dataset.slug}",
        "version": None,
        "metadata_created": iso(dataset.created_at),
        "metadata_modified": iso(dataset.modified_at),
        "tags": [tag_dict(t) for t in dataset.tags],
        "num_tags": len(dataset.tags),
        "groups": [group_dict(t, lang) for t in dataset.themes],
        "resources": resources,
        "num_resources": len(resources),
        "extras": _extras(dataset),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


def _extras(dataset: Dataset) -> list[dict[str, str]]:
    values = {
        "frequency": dataset.frequency,
        "frequency_label": FREQUENCIES[dataset.frequency][0]
        if dataset.frequency in FREQUENCIES
        else None,
        "temporal_start": iso(dataset.temporal_start),
        "temporal_end": iso(dataset.temporal_end),
        "spatial": dataset.spatial,
        "language": dataset.language,
    }
    return [{"key": k, "value": str(v)} for k, v in values.items() if v]


def datastore_fields(release: Release) -> list[dict[str, Any]]:
    """CKAN DataStore field descriptions, ``_id`` first as CKAN always returns it."""
    fields: list[dict[str, Any]] = [{"id": "_id", "type": "int"}]
    for column in release.columns:
        fields.append(
            {
                "id": column["name"],
                "type": CKAN_TYPES.get(column.get("type", "text"), "text"),
                "info": {"label": column.get("title", ""), "notes": column.get("description", "")},
            }
        )
    return fields
