"""Harvest sources and the record of which local dataset each remote dataset became."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from abierto.catalog.models import new_id, utcnow
from abierto.db import Base

KINDS = ("ckan", "dcat")


class HarvestSource(Base):
    """A remote catalog whose public datasets go into one local organization."""

    __tablename__ = "harvest_source"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(10))  # ckan | dcat
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_run_at: Mapped[dt.datetime | None]
    # When the last run that finished started: incremental runs ask for what changed since.
    last_success_at: Mapped[dt.datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(20))  # running | done | failed
    last_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)


class HarvestRecord(Base):
    """One remote dataset of a source and the local dataset it became (harvest-owned)."""

    __tablename__ = "harvest_record"
    __table_args__ = (UniqueConstraint("source_id", "remote_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    source_id: Mapped[str] = mapped_column(
        ForeignKey("harvest_source.id", ondelete="CASCADE"), index=True
    )
    remote_id: Mapped[str] = mapped_column(String(300))
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), unique=True
    )
    remote_modified: Mapped[str | None] = mapped_column(String(64))
    # sha256 of what was harvested: equal means nothing to update.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    withdrawn: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
