"""Every model of every domain, imported in one place for Alembic and create_all."""

from abierto.catalog.models import Dataset, Organization, Release, Resource

__all__ = ["Dataset", "Organization", "Release", "Resource"]
