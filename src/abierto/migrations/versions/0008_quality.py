"""quality

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00

Quality score history: one row per dataset and day.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "quality_score",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("breakdown", JSON, nullable=False),
        sa.Column("checks", JSON, nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_quality_score_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_score")),
        sa.UniqueConstraint("dataset_id", "day", name=op.f("uq_quality_score_dataset_id")),
    )
    with op.batch_alter_table("quality_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_score_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quality_score_day"), ["day"], unique=False)
    op.create_table(
        "quality_current",
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_quality_current_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_quality_current")),
    )
    with op.batch_alter_table("quality_current", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_current_score"), ["score"], unique=False)


def downgrade() -> None:
    op.drop_table("quality_current")
    with op.batch_alter_table("quality_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_score_day"))
        batch_op.drop_index(batch_op.f("ix_quality_score_dataset_id"))

    op.drop_table("quality_score")
