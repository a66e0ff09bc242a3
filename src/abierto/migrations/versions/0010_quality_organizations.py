"""quality organizations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:00:00

Organization quality score history: one row per organization and day.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_organization_score",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("datasets", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_quality_organization_score_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_organization_score")),
        sa.UniqueConstraint(
            "organization_id", "day", name=op.f("uq_quality_organization_score_organization_id")
        ),
    )
    with op.batch_alter_table("quality_organization_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_organization_score_organization_id"),
            ["organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_quality_organization_score_day"), ["day"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quality_organization_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_organization_score_day"))
        batch_op.drop_index(batch_op.f("ix_quality_organization_score_organization_id"))
    op.drop_table("quality_organization_score")
