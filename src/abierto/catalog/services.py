"""Catalog operations shared by the CLI, the web and the API."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Organization, Release, Resource
from abierto.db import add_unique

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


class SlugTaken(ValueError):
    """Another transaction created a dataset with this slug first."""


def get_or_create_organization(
    session: Session, slug: str, name: str | None = None
) -> Organization:
    query = select(Organization).where(Organization.slug == check_slug(slug))
    org = session.scalar(query)
    if org is None:
        org = Organization(slug=slug, name=name or slug)
        if not add_unique(session, org):
            org = session.scalars(query).one()  # a concurrent publish created it
    return org


def get_or_create_dataset(
    session: Session,
    organization: Organization,
    slug: str,
    title: str | None = None,
    *,
    new: bool = False,
) -> Dataset:
    """The dataset ``slug`` of ``organization``, created if it does not exist; with ``new``,
    it must not exist yet (SlugTaken otherwise)."""
    query = select(Dataset).where(Dataset.slug == check_slug(slug))
    dataset = session.scalar(query)
    if dataset is None:
        # By id, not relationship: a row the savepoint drops must not stay in a collection.
        dataset = Dataset(slug=slug, organization_id=organization.id, title=title or slug)
        if add_unique(session, dataset):
            return dataset
        dataset = session.scalars(query).one()  # a concurrent publish created it
    if new:
        raise SlugTaken(slug)
    if dataset.organization_id != organization.id:
        raise ValueError(f"dataset {slug!r} belongs to another organization")
    if title:
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
