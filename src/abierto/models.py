"""Every model of every domain, imported in one place for Alembic and create_all."""

import abierto.census.models
import abierto.harvest.models
import abierto.notify.models
import abierto.quality.models  # noqa: F401
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
from abierto.jobs.models import Job
from abierto.search.models import DatasetFormat

__all__ = [
    "ActivityEvent",
    "ApiToken",
    "Dataset",
    "DatasetFormat",
    "Job",
    "LoginSession",
    "Membership",
    "Organization",
    "Release",
    "Resource",
    "Tag",
    "Theme",
    "User",
]
