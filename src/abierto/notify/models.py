"""A notification: one event for one user, shown in their feed and sent by email once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from abierto.catalog.models import new_id, utcnow
from abierto.db import Base


class Notification(Base):
    __tablename__ = "notification"
    # A dedup key ("quality.overdue:<dataset>:2026-11") makes "at most once per period" a
    # database rule rather than a check that two workers could both pass.
    __table_args__ = (UniqueConstraint("user_id", "dedup_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))  # "census.review_waiting", "quality.overdue"
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")  # path inside the portal
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]
    email_error: Mapped[str] = mapped_column(String(500), default="")
