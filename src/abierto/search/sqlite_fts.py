"""SQLite FTS5: a virtual table of stemmed terms, ranked with BM25 (title weighs 10×)."""

from __future__ import annotations

from sqlalchemy import Select, column, literal_column, select, table, text
from sqlalchemy.orm import Session

FTS = table("search_fts", column("dataset_id"), column("title"), column("body"))
CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "dataset_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
)


class SqliteSearch:
    def store(self, session: Session, dataset_id: str, title: str, body: str) -> None:
        self.delete(session, dataset_id)
        session.execute(
            text("INSERT INTO search_fts (dataset_id, title, body) VALUES (:id, :title, :body)"),
            {"id": dataset_id, "title": title, "body": body},
        )

    def delete(self, session: Session, dataset_id: str) -> None:
        session.execute(text("DELETE FROM search_fts WHERE dataset_id = :id"), {"id": dataset_id})

    def matches(self, words: list[str]) -> Select:
        quoted = [f'"{w}"' for w in words]
        quoted[-1] += "*"
        rank = (-literal_column("bm25(search_fts, 0.0, 10.0, 1.0)")).label("rank")
        query = select(FTS.c.dataset_id, rank).where(
            literal_column("search_fts").op("MATCH")(" ".join(quoted))
        )
        return query
