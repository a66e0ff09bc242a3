"""census

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:00:00

Census editions with their questions and dataset types, places, submissions, reviews,
entries, reviewers, verified governments, confirmations and comments.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "census",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=40), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("previous_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["census.id"],
            name=op.f("fk_census_previous_id_census"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census")),
        sa.UniqueConstraint("slug", name=op.f("uq_census_slug")),
    )
    with op.batch_alter_table("census", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_census_series"), ["series"], unique=False)

    op.create_table(
        "census_place",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["census_place.id"], name=op.f("fk_census_place_parent_id_census_place")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_place")),
        sa.UniqueConstraint("key", name=op.f("uq_census_place_key")),
    )
    op.create_table(
        "census_dataset_type",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("census_id", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name_es", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description_es", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("elements", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["census.id"],
            name=op.f("fk_census_dataset_type_census_id_census"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_dataset_type")),
        sa.UniqueConstraint("census_id", "slug", name=op.f("uq_census_dataset_type_census_id")),
    )
    with op.batch_alter_table("census_dataset_type", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_census_dataset_type_census_id"), ["census_id"], unique=False
        )

    op.create_table(
        "census_government",
        sa.Column("place_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("verified_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_census_government_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["census_place.id"],
            name=op.f("fk_census_government_place_id_census_place"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"],
            ["user.id"],
            name=op.f("fk_census_government_verified_by_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("place_id", "organization_id", name=op.f("pk_census_government")),
    )
    op.create_table(
        "census_place_link",
        sa.Column("census_id", sa.String(length=32), nullable=False),
        sa.Column("place_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["census.id"],
            name=op.f("fk_census_place_link_census_id_census"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["census_place.id"],
            name=op.f("fk_census_place_link_place_id_census_place"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("census_id", "place_id", name=op.f("pk_census_place_link")),
    )
    op.create_table(
        "census_question",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("census_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text_es", sa.String(length=500), nullable=False),
        sa.Column("text_en", sa.String(length=500), nullable=False),
        sa.Column("help_es", sa.Text(), nullable=False),
        sa.Column("help_en", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("condition", JSON, nullable=True),
        sa.Column("choices", JSON, nullable=False),
        sa.Column("evidence_required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["census.id"],
            name=op.f("fk_census_question_census_id_census"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_question")),
        sa.UniqueConstraint("census_id", "key", name=op.f("uq_census_question_census_id")),
    )
    with op.batch_alter_table("census_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_census_question_census_id"), ["census_id"], unique=False
        )

    op.create_table(
        "census_comment",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("census_id", sa.String(length=32), nullable=False),
        sa.Column("place_id", sa.String(length=32), nullable=False),
        sa.Column("dataset_type_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["census.id"],
            name=op.f("fk_census_comment_census_id_census"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_type_id"],
            ["census_dataset_type.id"],
            name=op.f("fk_census_comment_dataset_type_id_census_dataset_type"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["census_place.id"], name=op.f("fk_census_comment_place_id_census_place")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_census_comment_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_comment")),
    )
    with op.batch_alter_table("census_comment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_census_comment_census_id"), ["census_id"], unique=False
        )

    op.create_table(
        "census_reviewer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("census_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("place_id", sa.String(length=32), nullable=True),
        sa.Column("dataset_type_id", sa.String(length=32), nullable=True),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["census.id"],
            name=op.f("fk_census_reviewer_census_id_census"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_type_id"],
            ["census_dataset_type.id"],
            name=op.f("fk_census_reviewer_dataset_type_id_census_dataset_type"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["census_place.id"], name=op.f("fk_census_reviewer_place_id_census_place")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_census_reviewer_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_reviewer")),
        sa.UniqueConstraint(
            "census_id",
            "user_id",
            "place_id",
            "dataset_type_id",
            name=op.f("uq_census_reviewer_census_id"),
        ),
    )
    with op.batch_alter_table("census_reviewer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_census_reviewer_census_id"), ["census_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_census_reviewer_user_id"), ["user_id"], unique=False)

    op.create_table(
        "census_submission",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("census_id", sa.String(length=32), nullable=False),
        sa.Column("place_id", sa.String(length=32), nullable=False),
        sa.Column("dataset_type_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pending_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["census.id"],
            name=op.f("fk_census_submission_census_id_census"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_type_id"],
            ["census_dataset_type.id"],
            name=op.f("fk_census_submission_dataset_type_id_census_dataset_type"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["census_place.id"],
            name=op.f("fk_census_submission_place_id_census_place"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_census_submission_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_submission")),
        sa.UniqueConstraint("pending_key", name=op.f("uq_census_submission_pending_key")),
    )
    with op.batch_alter_table("census_submission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_census_submission_census_id"), ["census_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_census_submission_dataset_type_id"), ["dataset_type_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_census_submission_place_id"), ["place_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_census_submission_user_id"), ["user_id"], unique=False)

    op.create_table(
        "census_entry",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("census_id", sa.String(length=32), nullable=False),
        sa.Column("place_id", sa.String(length=32), nullable=False),
        sa.Column("dataset_type_id", sa.String(length=32), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["census.id"],
            name=op.f("fk_census_entry_census_id_census"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_type_id"],
            ["census_dataset_type.id"],
            name=op.f("fk_census_entry_dataset_type_id_census_dataset_type"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["census_place.id"], name=op.f("fk_census_entry_place_id_census_place")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["census_submission.id"],
            name=op.f("fk_census_entry_submission_id_census_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_entry")),
        sa.UniqueConstraint(
            "census_id", "place_id", "dataset_type_id", name=op.f("uq_census_entry_census_id")
        ),
    )
    with op.batch_alter_table("census_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_census_entry_census_id"), ["census_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_census_entry_place_id"), ["place_id"], unique=False)

    op.create_table(
        "census_review",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer_id", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["user.id"], name=op.f("fk_census_review_reviewer_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["census_submission.id"],
            name=op.f("fk_census_review_submission_id_census_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_review")),
    )
    with op.batch_alter_table("census_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_census_review_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "census_confirmation",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["census_entry.id"],
            name=op.f("fk_census_confirmation_entry_id_census_entry"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_census_confirmation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_census_confirmation_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_confirmation")),
    )
    with op.batch_alter_table("census_confirmation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_census_confirmation_entry_id"), ["entry_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("census_confirmation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_confirmation_entry_id"))

    op.drop_table("census_confirmation")
    with op.batch_alter_table("census_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_review_submission_id"))

    op.drop_table("census_review")
    with op.batch_alter_table("census_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_entry_place_id"))
        batch_op.drop_index(batch_op.f("ix_census_entry_census_id"))

    op.drop_table("census_entry")
    with op.batch_alter_table("census_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_submission_user_id"))
        batch_op.drop_index(batch_op.f("ix_census_submission_place_id"))
        batch_op.drop_index(batch_op.f("ix_census_submission_dataset_type_id"))
        batch_op.drop_index(batch_op.f("ix_census_submission_census_id"))

    op.drop_table("census_submission")
    with op.batch_alter_table("census_reviewer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_reviewer_user_id"))
        batch_op.drop_index(batch_op.f("ix_census_reviewer_census_id"))

    op.drop_table("census_reviewer")
    with op.batch_alter_table("census_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_comment_census_id"))

    op.drop_table("census_comment")
    with op.batch_alter_table("census_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_question_census_id"))

    op.drop_table("census_question")
    op.drop_table("census_place_link")
    op.drop_table("census_government")
    with op.batch_alter_table("census_dataset_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_dataset_type_census_id"))

    op.drop_table("census_dataset_type")
    op.drop_table("census_place")
    with op.batch_alter_table("census", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_series"))

    op.drop_table("census")
