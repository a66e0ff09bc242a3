"""What a search backend does: keep one text document per dataset, and match a query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Select
from sqlalchemy.orm import Session

# (dataset id, title terms, body terms): terms already stemmed, see search.text
Document = tuple[str, str, str]


class SearchBackend(Protocol):
    def store_many(self, session: Session, documents: Sequence[Document]) -> None:
        """Replace the documents of these datasets."""
        ...

    def delete(self, session: Session, dataset_id: str) -> None: ...

    def count(self, session: Session) -> int:
        """How many documents the index holds."""
        ...

    def matches(self, words: list[str]) -> Select:
        """A SELECT of (dataset_id, rank) for datasets matching every word (the last as a
        prefix); a higher rank is a better match."""
        ...
