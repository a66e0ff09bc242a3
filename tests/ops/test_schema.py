"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import abierto.models  # noqa: F401  (registers every table on Base.metadata)
from abierto.app_context import AppContext
from abierto.db import SCHEMA_REVISION, Base, Database, alembic_config, schema_revision
from abierto.search.models import include_object
from abierto.settings import Settings


def test_migrations_match_the_models(context: AppContext) -> None:
    context.db.upgrade()  # SQLite is already migrated; PostgreSQL is migrated here
    with context.db.engine.connect() as connection:
        migration = MigrationContext.configure(
            connection,
            opts={"include_object": include_object, "compare_type": True},
        )
        differences = compare_metadata(migration, Base.metadata)
        assert schema_revision(connection) == migration.get_current_revision()
    assert differences == []


def test_schema_revision_is_the_newest_migration() -> None:
    """Database.upgrade() trusts SCHEMA_REVISION to skip Alembic: a new migration must move it."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert scripts.get_heads() == [SCHEMA_REVISION]


def test_upgrade_moves_an_older_schema_to_the_newest(tmp_path: Path) -> None:
    database = Database(Settings(home=tmp_path))
    database.upgrade("0010")
    with database.engine.connect() as connection:
        assert schema_revision(connection) == "0010"
    database.upgrade()
    with database.engine.connect() as connection:
        assert schema_revision(connection) == SCHEMA_REVISION
    database.dispose()
