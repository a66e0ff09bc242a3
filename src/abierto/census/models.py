"""Census tables: editions, their questions and dataset types, places, and the review workflow.

A census edition owns its question set and its dataset types (copied when a new edition starts
from an earlier one), so editing next year's questions never rewrites last year's scores.
Places are shared by every edition (their INEGI key is their identity).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from abierto.catalog.models import new_id, utcnow
from abierto.db import Base

STATUSES = ("pending", "accepted", "rejected", "changes_requested", "superseded")
DECISIONS = ("accept", "reject", "request_changes")


class Census(Base):
    __tablename__ = "census"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    series: Mapped[str] = mapped_column(String(100), index=True)  # editions share a series
    year: Mapped[int]
    scheme: Mapped[str] = mapped_column(String(40))  # the question set it started from
    open: Mapped[bool] = mapped_column(default=True)  # accepts submissions
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("census.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="census", order_by="Question.position", cascade="all, delete-orphan"
    )
    dataset_types: Mapped[list[DatasetType]] = relationship(
        back_populates="census", order_by="DatasetType.position", cascade="all, delete-orphan"
    )


class Place(Base):
    __tablename__ = "census_place"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(10), unique=True)  # INEGI: "14120", "09", "MX"
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # country | state | municipality
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("census_place.id"))


class CensusPlace(Base):
    """The places an edition assesses."""

    __tablename__ = "census_place_link"

    census_id: Mapped[str] = mapped_column(
        ForeignKey("census.id", ondelete="CASCADE"), primary_key=True
    )
    place_id: Mapped[str] = mapped_column(
        ForeignKey("census_place.id", ondelete="CASCADE"), primary_key=True
    )


class DatasetType(Base):
    __tablename__ = "census_dataset_type"
    __table_args__ = (UniqueConstraint("census_id", "slug"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    census_id: Mapped[str] = mapped_column(ForeignKey("census.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    name_es: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_es: Mapped[str] = mapped_column(Text, default="")  # exactly what counts
    description_en: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(60), default="")
    elements: Mapped[list[Any]] = mapped_column(default=list)  # required data elements
    position: Mapped[int] = mapped_column(default=0)

    census: Mapped[Census] = relationship(back_populates="dataset_types")


class Question(Base):
    __tablename__ = "census_question"
    __table_args__ = (UniqueConstraint("census_id", "key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    census_id: Mapped[str] = mapped_column(ForeignKey("census.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # yes_no|choice|url|date|license|format|text
    text_es: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str] = mapped_column(String(500))
    help_es: Mapped[str] = mapped_column(Text, default="")
    help_en: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(default=0)  # points when answered "yes"
    condition: Mapped[dict[str, Any] | None] = mapped_column(default=None)  # {"key", "equals"}
    choices: Mapped[list[Any]] = mapped_column(default=list)
    evidence_required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    census: Mapped[Census] = relationship(back_populates="questions")


class Submission(Base):
    """An answer set for one place × dataset type, waiting for (or past) review.

    ``pending_key`` is set only while pending and is unique: at most one pending submission
    per edition, place and dataset type, as a database rule on SQLite and PostgreSQL alike.
    """

    __tablename__ = "census_submission"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    census_id: Mapped[str] = mapped_column(ForeignKey("census.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[str] = mapped_column(ForeignKey("census_place.id"), index=True)
    dataset_type_id: Mapped[str] = mapped_column(
        ForeignKey("census_dataset_type.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[list[Any]] = mapped_column(default=list)  # URLs
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    pending_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]


class Review(Base):
    __tablename__ = "census_review"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("census_submission.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("user.id"))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Entry(Base):
    """The accepted, current answer set for one place × dataset type of an edition."""

    __tablename__ = "census_entry"
    __table_args__ = (UniqueConstraint("census_id", "place_id", "dataset_type_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    census_id: Mapped[str] = mapped_column(ForeignKey("census.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[str] = mapped_column(ForeignKey("census_place.id"), index=True)
    dataset_type_id: Mapped[str] = mapped_column(
        ForeignKey("census_dataset_type.id", ondelete="CASCADE")
    )
    submission_id: Mapped[str] = mapped_column(ForeignKey("census_submission.id"))
    score: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Reviewer(Base):
    """A user who reviews an edition's entries for a place, a dataset type, or all of them.

    Requested by the user (``approved`` False) and approved by a site admin.
    """

    __tablename__ = "census_reviewer"
    __table_args__ = (UniqueConstraint("census_id", "user_id", "place_id", "dataset_type_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    census_id: Mapped[str] = mapped_column(ForeignKey("census.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[str | None] = mapped_column(ForeignKey("census_place.id"))
    dataset_type_id: Mapped[str | None] = mapped_column(
        ForeignKey("census_dataset_type.id", ondelete="CASCADE")
    )
    approved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Government(Base):
    """A catalog organization verified (by a site admin) as the government of a place."""

    __tablename__ = "census_government"

    place_id: Mapped[str] = mapped_column(
        ForeignKey("census_place.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    verified_by: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Confirmation(Base):
    """The place's government confirms or disputes an entry, with a comment."""

    __tablename__ = "census_confirmation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("census_entry.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    state: Mapped[str] = mapped_column(String(20))  # confirmed | disputed
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Comment(Base):
    """Discussion on a place × dataset type of an edition (submitters and reviewers)."""

    __tablename__ = "census_comment"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    census_id: Mapped[str] = mapped_column(ForeignKey("census.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[str] = mapped_column(ForeignKey("census_place.id"))
    dataset_type_id: Mapped[str] = mapped_column(
        ForeignKey("census_dataset_type.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
