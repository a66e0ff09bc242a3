"""The job table: what was asked, its state and its history of attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from abierto.catalog.models import new_id, utcnow
from abierto.db import Base

STATES = ("queued", "running", "done", "failed")


class Job(Base):
    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Two requests with the same key are one job (e.g. "publish:<dataset>:<file sha256>").
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


def jobs_keyed(session: Session, prefix: str) -> list[tuple[str, str]]:
    """(id, state) of the jobs whose key starts with ``prefix``, oldest first: the runs of
    one thing (an upload's publishes, a source's harvests), keyed ``<prefix><number>``."""
    query = select(Job.id, Job.state).where(Job.key.like(f"{prefix}%")).order_by(Job.created_at)
    return [(job_id, state) for job_id, state in session.execute(query)]
