"""Catalog search: one interface, SQLite FTS5 (default) and PostgreSQL full-text backends."""

from __future__ import annotations

from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset


def index_dataset(session: Session, dataset: Dataset) -> None:
    """(Re)index ``dataset`` after it was created, published to or edited (same transaction)."""


def remove_dataset(session: Session, dataset_id: str) -> None:
    """Drop a deleted dataset from the index (same transaction)."""
