"""search rows and generation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 03:30:00

- SQLite: ``search_fts_row`` maps each dataset to the rowid of its FTS5 document (FTS5 cannot
  index ``dataset_id`` for lookups, so replacing a document scanned the whole index).
- Both: ``search_generation``, one row whose ``value`` triggers bump on every write that can
  change a search result (datasets, their tags, themes and formats, organizations, tags,
  themes); the search result cache keys on it. ``token`` tells databases apart.
- Both: indexes on ``dataset`` for visibility and facets, and for "recently updated".
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = {
    "dataset": "slug, title, description, private, state, organization_id, license_id, frequency, "
    "modified_at",
    "dataset_tag": "",
    "dataset_theme": "",
    "dataset_format": "",
    "organization": "slug, name",
    "tag": "name",
    "theme": "slug, name_es, name_en",
}
BUMP = "UPDATE search_generation SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dataset_search",
            ["id", "private", "state", "organization_id", "license_id", "frequency"],
            unique=False,
        )
        batch_op.create_index("ix_dataset_modified_at", ["modified_at"], unique=False)
    if sqlite:
        from abierto.search.sqlite_fts import CREATE_ROWS

        op.execute(CREATE_ROWS)
        op.execute(
            "INSERT OR IGNORE INTO search_fts_row (id, dataset_id) "
            "SELECT rowid, dataset_id FROM search_fts"
        )
    op.execute(
        "CREATE TABLE search_generation (id INTEGER PRIMARY KEY, "
        "token VARCHAR(32) NOT NULL, value BIGINT NOT NULL)"
    )
    token = "lower(hex(randomblob(16)))" if sqlite else "md5(random()::text)"
    op.execute(f"INSERT INTO search_generation (id, token, value) SELECT 1, {token}, 0")
    if sqlite:
        _sqlite_triggers()
    else:
        _postgres_triggers()


def _sqlite_triggers() -> None:
    for table, columns in WATCHED.items():
        update = f"UPDATE OF {columns}" if columns else "UPDATE"
        for event in ("INSERT", "DELETE", update):
            name = f"search_generation_{table}_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")


def _postgres_triggers() -> None:
    op.execute(
        "CREATE FUNCTION search_generation_bump() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    for table, columns in WATCHED.items():
        update = f"UPDATE OF {columns}" if columns else "UPDATE"
        op.execute(
            f"CREATE TRIGGER search_generation_{table} AFTER INSERT OR DELETE OR {update} "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION search_generation_bump()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in WATCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER search_generation_{table}_{event}")
        op.execute("DROP TABLE search_fts_row")
    else:
        for table in WATCHED:
            op.execute(f"DROP TRIGGER search_generation_{table} ON {table}")
        op.execute("DROP FUNCTION search_generation_bump()")
    op.execute("DROP TABLE search_generation")
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_modified_at")
        batch_op.drop_index("ix_dataset_search")
