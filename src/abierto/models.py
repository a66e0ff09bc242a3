"""Every model of every domain, imported in one place for Alembic and create_all."""

from abierto.accounts.models import ApiToken, LoginSession, Membership, User
from abierto.catalog.models import (
    ActivityEvent,
    Dataset,
    Organization,
    Release,
    Resource,
    Tag,
    Theme,
)

__all__ = [
    "ActivityEvent",
    "ApiToken",
    "Dataset",
    "LoginSession",
    "Membership",
    "Organization",
    "Release",
    "Resource",
    "Tag",
    "Theme",
    "User",
]
