"""Search-side tables and indexes shared by both backends (the text index itself is
dialect-specific, see migrations 0004 and 0005)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from abierto.catalog.models import Dataset
from abierto.db import Base

# Tables the migrations manage by hand, outside the ORM: the dialect-specific text index
# (FTS5 and its shadow tables, or the tsvector table) and the result-cache generation.
UNMAPPED_PREFIXES = ("search_fts", "search_document", "search_generation")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: leave the hand-managed tables out of autogenerate."""
    return not (type_ == "table" and name and name.startswith(UNMAPPED_PREFIXES))


class DatasetFormat(Base):
    """The formats a dataset offers (CSV, XLSX, PDF…), for the format facet."""

    __tablename__ = "dataset_format"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


# Visibility and the single-valued facets read from an index, not from the wide dataset rows.
Index(
    "ix_dataset_search",
    Dataset.id,
    Dataset.private,
    Dataset.state,
    Dataset.organization_id,
    Dataset.license_id,
    Dataset.frequency,
)
# "Recently updated" pages without sorting the catalog.
Index("ix_dataset_modified_at", Dataset.modified_at)
