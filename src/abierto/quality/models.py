"""Quality scores over time: one row per dataset and day (the latest is the current score),
and the link checker's latest result per link resource."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from abierto.catalog.models import new_id, utcnow
from abierto.db import Base


class QualityScore(Base):
    __tablename__ = "quality_score"
    __table_args__ = (UniqueConstraint("dataset_id", "day"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    score: Mapped[float]
    breakdown: Mapped[dict[str, Any]]  # family → 0–100
    checks: Mapped[list[Any]]  # [{"id", "family", "passed", "value", "evidence"}]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CurrentQuality(Base):
    """Each dataset's latest score, one row per dataset: what search facets and sorts read."""

    __tablename__ = "quality_current"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OrganizationQualityScore(Base):
    """An organization's official score on a day: the mean current score of its public
    datasets when the whole catalog was scored. The same for every reader, so the public
    scoreboard's trend never depends on (or reveals) private datasets."""

    __tablename__ = "quality_organization_score"
    __table_args__ = (UniqueConstraint("organization_id", "day"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    score: Mapped[float]
    datasets: Mapped[int]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LinkCheck(Base):
    """The latest check of one link resource."""

    __tablename__ = "link_check"

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    ok: Mapped[bool]
    status: Mapped[int | None]
    content_type: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int | None]
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    redirects: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str] = mapped_column(String(500), default="")
    checked_at: Mapped[dt.datetime] = mapped_column(index=True)
    first_broken_at: Mapped[dt.datetime | None]
