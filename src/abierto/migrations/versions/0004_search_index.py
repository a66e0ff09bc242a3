"""search index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:40:00

The text index is dialect-specific (an FTS5 virtual table on SQLite, a GIN-indexed tsvector
table on PostgreSQL) and lives outside the ORM metadata; ``dataset_format`` is a plain table.
Existing datasets are indexed when the application starts (``search.service.ensure_index``):
a data migration here would run today's ORM models against tomorrow's schemas.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset_format",
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_dataset_format_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "format", name=op.f("pk_dataset_format")),
    )
    with op.batch_alter_table("dataset_format", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_format_format"), ["format"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE search_document (dataset_id VARCHAR(32) PRIMARY KEY "
            "REFERENCES dataset (id) ON DELETE CASCADE, document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_search_document ON search_document USING gin (document)")
    else:
        from abierto.search.sqlite_fts import CREATE

        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_document")
    else:
        op.execute("DROP TABLE search_fts")
    with op.batch_alter_table("dataset_format", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_format_format"))
    op.drop_table("dataset_format")
