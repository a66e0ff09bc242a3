"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from abierto.app_context import AppContext
from abierto.db import Base
from abierto.search.models import include_object


def test_migrations_match_the_models(context: AppContext) -> None:
    context.db.upgrade()  # SQLite is already migrated; PostgreSQL is migrated here
    with context.db.engine.connect() as connection:
        migration = MigrationContext.configure(
            connection,
            opts={"include_object": include_object, "compare_type": True},
        )
        differences = compare_metadata(migration, Base.metadata)
    assert differences == []
