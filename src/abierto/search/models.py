"""Search-side tables shared by both backends (the text index itself is dialect-specific)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from abierto.db import Base


class DatasetFormat(Base):
    """The formats a dataset offers (CSV, XLSX, PDF…), for the format facet."""

    __tablename__ = "dataset_format"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
