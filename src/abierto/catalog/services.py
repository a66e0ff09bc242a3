"""Catalog operations shared by the CLI, the web and the API."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Organization, Release, Resource

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "dataset"


def check_slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise ValueError(
            f"{slug!r} is not a valid identifier: use lowercase letters, digits and dashes"
        )
    return slug


def get_or_create_organization(
    session: Session, slug: str, name: str | None = None
) -> Organization:
    org = session.scalar(select(Organization).where(Organization.slug == check_slug(slug)))
    if org is None:
        org = Organization(slug=slug, name=name or slug)
        session.add(org)
        session.flush()
    return org


def get_or_create_dataset(
    session: Session, organization: Organization, slug: str, title: str | None = None
) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.slug == check_slug(slug)))
    if dataset is None:
        dataset = Dataset(slug=slug, organization=organization, title=title or slug)
        session.add(dataset)
        session.flush()
    elif dataset.organization_id != organization.id:
        raise ValueError(f"dataset {slug!r} belongs to another organization")
    elif title:
        dataset.title = title
    return dataset


def get_or_create_resource(session: Session, dataset: Dataset, name: str) -> Resource:
    resource = session.scalar(
        select(Resource).where(Resource.dataset_id == dataset.id, Resource.name == name)
    )
    if resource is None:
        position = session.scalar(
            select(func.count()).select_from(Resource).where(Resource.dataset_id == dataset.id)
        )
        resource = Resource(dataset=dataset, name=name, position=position or 0)
        session.add(resource)
        session.flush()
    return resource


def latest_release(session: Session, resource: Resource) -> Release | None:
    return session.scalar(
        select(Release)
        .where(Release.resource_id == resource.id)
        .order_by(Release.number.desc())
        .limit(1)
    )


def dataset_by_slug(session: Session, slug: str) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.slug == slug))
