"""Catalog search: one interface, SQLite FTS5 (default) and PostgreSQL full-text backends.

Callers use ``index_dataset`` / ``remove_dataset`` in the transaction that changes a dataset,
and ``search`` to answer a query for one actor (see ``search.service``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset


def index_dataset(session: Session, dataset: Dataset) -> None:
    """(Re)index ``dataset`` after it was created, published to or edited (same transaction)."""
    from abierto.search.service import index_dataset as index

    index(session, dataset)


def remove_dataset(session: Session, dataset_id: str) -> None:
    """Drop a deleted dataset from the index (same transaction)."""
    from abierto.search.service import remove_dataset as remove

    remove(session, dataset_id)
