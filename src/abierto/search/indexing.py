"""Keeping the search index current: one text document and a set of formats per dataset.

``index_dataset`` runs in the transaction that changed the dataset; ``reindex_all`` rebuilds
everything in batches (after a restore, or when the index is behind the catalog).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from abierto.catalog.models import Dataset, Resource
from abierto.search.interface import Document, SearchBackend
from abierto.search.models import DatasetFormat
from abierto.search.postgres import PostgresSearch
from abierto.search.sqlite_fts import SqliteSearch
from abierto.search.text import document

BATCH = 500


def backend_for(session: Session) -> SearchBackend:
    dialect = session.get_bind().dialect.name
    return PostgresSearch() if dialect == "postgresql" else SqliteSearch()


def dataset_formats(dataset: Dataset) -> set[str]:
    """CSV, XLSX, PDF…: a file or link's declared format, a table's latest source file type."""
    formats = set()
    for resource in dataset.resources:
        if resource.kind == "table" and resource.releases:
            suffix = PurePath(resource.releases[-1].source_name).suffix.lstrip(".").upper()
            formats.add(suffix or "CSV")
        elif resource.format:
            formats.add(resource.format.upper())
    return {f[:20] for f in formats}


def dataset_document(dataset: Dataset) -> Document:
    """The title (weighted highest) and everything else a dataset is findable by."""
    parts = [dataset.description, dataset.organization.name, dataset.spatial or ""]
    parts += [t.name for t in dataset.tags]
    parts += [f"{t.name_es} {t.name_en}" for t in dataset.themes]
    for resource in dataset.resources:
        parts += [resource.name, resource.title or "", resource.description]
        parts += [str(d) for d in (resource.column_descriptions or {}).values()]
        if resource.releases:
            for column in resource.releases[-1].columns:
                parts += [column.get("title", ""), column.get("description", "")]
    body = document(" ".join(p for p in parts if p))
    return dataset.id, document(dataset.title), body


def _store(session: Session, datasets: Sequence[Dataset]) -> None:
    backend_for(session).store_many(session, [dataset_document(d) for d in datasets])
    ids = [d.id for d in datasets]
    session.execute(delete(DatasetFormat).where(DatasetFormat.dataset_id.in_(ids)))
    formats = [{"dataset_id": d.id, "format": f} for d in datasets for f in dataset_formats(d)]
    if formats:
        session.execute(insert(DatasetFormat), formats)


def index_dataset(session: Session, dataset: Dataset) -> None:
    session.flush()
    _store(session, [dataset])


def remove_dataset(session: Session, dataset_id: str) -> None:
    backend_for(session).delete(session, dataset_id)
    session.execute(delete(DatasetFormat).where(DatasetFormat.dataset_id == dataset_id))


def reindex_all(session: Session) -> int:
    """Index every dataset, ``BATCH`` at a time (memory stays flat on a large catalog)."""
    session.flush()
    ids = list(session.scalars(select(Dataset.id).order_by(Dataset.id)))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        datasets = session.scalars(
            select(Dataset)
            .where(Dataset.id.in_(chunk))
            .options(
                joinedload(Dataset.organization),
                selectinload(Dataset.tags),
                selectinload(Dataset.themes),
                selectinload(Dataset.resources).selectinload(Resource.releases),
            )
        ).all()
        _store(session, datasets)
        session.flush()
    return len(ids)


def ensure_index(session: Session) -> int:
    """Index every dataset if the index is behind the catalog (after an upgrade or restore)."""
    datasets = session.scalar(select(func.count()).select_from(Dataset)) or 0
    if backend_for(session).count(session) >= datasets:
        return 0
    return reindex_all(session)
