"""What a search backend does: keep one text document per dataset, and match a query."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Select
from sqlalchemy.orm import Session


class SearchBackend(Protocol):
    def store(self, session: Session, dataset_id: str, title: str, body: str) -> None:
        """Replace the dataset's document (terms already stemmed, see search.text)."""
        ...

    def delete(self, session: Session, dataset_id: str) -> None: ...

    def matches(self, words: list[str]) -> Select:
        """A SELECT of (dataset_id, rank) for datasets matching every word (the last as a
        prefix); a higher rank is a better match."""
        ...
