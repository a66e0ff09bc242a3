"""PostgreSQL full-text: a tsvector per dataset ('simple' config over stemmed terms), GIN-indexed,
ranked with ts_rank (title weight A, the rest B)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from abierto.search.interface import Document

DOCS = table("search_document", column("dataset_id"), column("document"))


class PostgresSearch:
    def store_many(self, session: Session, documents: Sequence[Document]) -> None:
        if not documents:
            return
        session.execute(
            text(
                "INSERT INTO search_document (dataset_id, document) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || "
                "setweight(to_tsvector('simple', :body), 'B')) "
                "ON CONFLICT (dataset_id) DO UPDATE SET document = excluded.document"
            ),
            [{"id": i, "title": title, "body": body} for i, title, body in documents],
        )

    def delete(self, session: Session, dataset_id: str) -> None:
        session.execute(
            text("DELETE FROM search_document WHERE dataset_id = :id"), {"id": dataset_id}
        )

    def count(self, session: Session) -> int:
        return session.scalar(text("SELECT count(*) FROM search_document")) or 0

    def matches(self, words: list[str]) -> Select:
        expression = " & ".join([*words[:-1], f"{words[-1]}:*"])
        tsquery = func.to_tsquery(literal_column("'simple'"), expression)
        rank = func.ts_rank(DOCS.c.document, tsquery).label("rank")
        return select(DOCS.c.dataset_id, rank).where(DOCS.c.document.op("@@")(tsquery))
