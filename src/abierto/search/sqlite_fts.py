"""SQLite FTS5: a virtual table of stemmed terms, ranked with BM25 (title weighs 10×).

``search_fts_row`` gives each dataset a fixed rowid in the FTS table, so replacing or deleting
its document is a rowid lookup (FTS5 cannot index ``dataset_id`` for that).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, column, literal_column, select, table, text
from sqlalchemy.orm import Session

from abierto.search.interface import Document

FTS = table("search_fts", column("dataset_id"), column("title"), column("body"))
CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "dataset_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
)
CREATE_ROWS = (
    "CREATE TABLE IF NOT EXISTS search_fts_row ("
    "id INTEGER PRIMARY KEY, dataset_id VARCHAR(32) NOT NULL UNIQUE)"
)
ROW = "(SELECT id FROM search_fts_row WHERE dataset_id = :id)"


class SqliteSearch:
    def store_many(self, session: Session, documents: Sequence[Document]) -> None:
        if not documents:
            return
        ids = [{"id": doc[0]} for doc in documents]
        session.execute(text("INSERT OR IGNORE INTO search_fts_row (dataset_id) VALUES (:id)"), ids)
        session.execute(text(f"DELETE FROM search_fts WHERE rowid = {ROW}"), ids)
        session.execute(
            text(
                "INSERT INTO search_fts (rowid, dataset_id, title, body) "
                f"VALUES ({ROW}, :id, :title, :body)"
            ),
            [{"id": i, "title": title, "body": body} for i, title, body in documents],
        )

    def delete(self, session: Session, dataset_id: str) -> None:
        session.execute(text(f"DELETE FROM search_fts WHERE rowid = {ROW}"), {"id": dataset_id})
        session.execute(
            text("DELETE FROM search_fts_row WHERE dataset_id = :id"), {"id": dataset_id}
        )

    def count(self, session: Session) -> int:
        return session.scalar(text("SELECT count(*) FROM search_fts")) or 0

    def matches(self, words: list[str]) -> Select:
        quoted = [f'"{w}"' for w in words]
        quoted[-1] += "*"
        rank = (-literal_column("bm25(search_fts, 0.0, 10.0, 1.0)")).label("rank")
        return select(FTS.c.dataset_id, rank).where(
            literal_column("search_fts").op("MATCH")(" ".join(quoted))
        )
