"""The catalog as arrays, for facet counts and orderings in memory.

A search filters, counts six facets and orders a page. Done in SQL, every facet re-reads its
join table for the matching ids, which costs hundreds of milliseconds when the words match
half of a 50,000-dataset catalog. Here one ``Snapshot`` per search generation (see
``search.cache``) holds each dataset's facet values as integer codes and its positions in the
"updated" and "name" orders; a search is then a few boolean masks and ``bincount``s.

What stays in SQL: who may read what (``permissions.readable_datasets``, the one rule, asked
once per actor and generation) and the text match (the backend's index, once per words and
generation). Both answers are kept in small LRU caches keyed by the generation, so a write
makes them unreachable rather than wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Organization, Tag, Theme, dataset_tag, dataset_theme
from abierto.lru import Lru
from abierto.search.facets import quality_band
from abierto.search.models import DatasetFormat

Generation = tuple[str, int]
# Facets with one value per dataset (a column) and with several (a join table).
SINGLE = {
    "organization": Dataset.organization_id,
    "license": Dataset.license_id,
    "frequency": Dataset.frequency,
}
MULTI = {
    "theme": (dataset_theme.c.dataset_id, dataset_theme.c.theme_id),
    "tag": (dataset_tag.c.dataset_id, dataset_tag.c.tag_id),
    "format": (DatasetFormat.dataset_id, DatasetFormat.format),
}


@dataclass(frozen=True, slots=True)
class Match:
    positions: np.ndarray  # int64, datasets whose text matches
    rank: np.ndarray  # float64, full length; -inf where the text does not match


class Snapshot:
    """Every dataset's facet codes and order positions at one search generation."""

    def __init__(self, session: Session, generation: Generation) -> None:
        self.generation = generation
        # Plain DB-API tuples: no Row objects, no type processing (SQLite keeps modified_at as
        # ISO text, which sorts like the datetimes it stands for).
        cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        columns = ", ".join(c.name for c in SINGLE.values())
        cursor.execute(f"SELECT id, slug, lower(title), modified_at, {columns} FROM dataset")
        rows = cursor.fetchall()
        self.ids = [r[0] for r in rows]
        self.position = {dataset_id: n for n, dataset_id in enumerate(self.ids)}
        self.size = len(self.ids)
        self.values: dict[str, list[str]] = {}
        self.codes: dict[str, dict[str, int]] = {}
        self.single: dict[str, np.ndarray] = {}
        for offset, name in enumerate(SINGLE, start=4):
            self.single[name] = self._encode(name, [r[offset] for r in rows])
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, (dataset_column, value_column) in MULTI.items():
            table = dataset_column.table.name  # type: ignore[attr-defined]
            cursor.execute(f"SELECT {dataset_column.name}, {value_column.name} FROM {table}")
            pairs = cursor.fetchall()
            owners_of, values_of = zip(*pairs, strict=True) if pairs else ((), ())
            where = self.position.get
            owners = np.fromiter((where(d, -1) for d in owners_of), np.int64, len(pairs))
            values = self._encode(name, list(values_of))
            known = owners >= 0  # a pair inserted after the dataset rows were read
            self.pairs[name] = (owners[known], values[known])
        cursor.execute("SELECT dataset_id, score FROM quality_current")
        self.score = np.full(self.size, -1.0)  # unscored datasets sort last
        for dataset_id, value in cursor.fetchall():
            if dataset_id in self.position:
                self.score[self.position[dataset_id]] = value
        bands = [quality_band(v) if v >= 0 else None for v in self.score.tolist()]
        self.single["quality"] = self._encode("quality", bands)
        cursor.close()
        by_modified = sorted(range(self.size), key=[r[1] for r in rows].__getitem__)
        by_modified.sort(key=[r[3] for r in rows].__getitem__, reverse=True)  # stable: slug ties
        self.by_modified = np.array(by_modified, dtype=np.int64)
        self.modified_rank = np.empty(self.size, dtype=np.int64)
        self.modified_rank[self.by_modified] = np.arange(self.size)
        by_oldest = sorted(range(self.size), key=[r[1] for r in rows].__getitem__)
        by_oldest.sort(key=[r[3] for r in rows].__getitem__)  # stable: slug ties
        self.by_oldest = np.array(by_oldest, dtype=np.int64)
        titles = [(r[2] or "", r[1]) for r in rows]
        self.by_name = np.array(sorted(range(self.size), key=titles.__getitem__), dtype=np.int64)
        self.public_keys = _public_keys(session)
        self._visible: Lru[np.ndarray] = Lru(64)
        self._matches: Lru[Match] = Lru(64)

    def _encode(self, facet: str, raw: list[str | None]) -> np.ndarray:
        codes = self.codes.setdefault(facet, {})
        values = self.values.setdefault(facet, [])
        out = np.empty(len(raw), dtype=np.int64)
        for n, value in enumerate(raw):
            if value is None:
                out[n] = -1
                continue
            code = codes.get(value)
            if code is None:
                code = codes[value] = len(values)
                values.append(value)
            out[n] = code
        return out

    def mask_of(self, positions: list[int] | np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[np.asarray(positions, dtype=np.int64)] = True
        return mask

    def visible(
        self, session: Session, condition: ColumnElement[bool], key: Hashable
    ) -> np.ndarray:
        """Who may read what (``condition``: the one permission rule), once per ``key``."""

        def make() -> np.ndarray:
            ids = session.scalars(select(Dataset.id).where(condition))
            return self.mask_of([self.position[i] for i in ids if i in self.position])

        return self._visible.get_or_make(key, make)

    def match(self, words: tuple[str, ...], run: Callable[[], list[tuple[str, float]]]) -> Match:
        """The datasets the words match, with their rank (``run`` asks the text index)."""

        def make() -> Match:
            found = [(self.position[i], r) for i, r in run() if i in self.position]
            positions = np.fromiter((p for p, _ in found), dtype=np.int64, count=len(found))
            rank = np.full(self.size, -np.inf)
            rank[positions] = np.fromiter((float(r) for _, r in found), dtype=float)
            return Match(positions, rank)

        return self._matches.get_or_make(words, make)

    def filter_mask(self, facet: str, public_values: list[str]) -> np.ndarray:
        """Datasets having any of the values (a facet's values are OR'ed)."""
        wanted = [self.public_keys[facet].get(v, v) for v in public_values]
        codes = self.codes.get(facet, {})
        selected = np.array([codes[v] for v in wanted if v in codes], dtype=np.int64)
        if facet in self.single:
            return np.isin(self.single[facet], selected)
        owners, values = self.pairs[facet]
        return self.mask_of(owners[np.isin(values, selected)])

    def counts(self, facet: str, mask: np.ndarray) -> list[tuple[str, int]]:
        """(raw value, count) of one facet over the datasets in ``mask``."""
        if facet in self.single:
            codes = self.single[facet][mask]
            codes = codes[codes >= 0]
        else:
            owners, values = self.pairs[facet]
            codes = values[mask[owners]]
        tally = np.bincount(codes, minlength=len(self.values.get(facet, [])))
        names = self.values.get(facet, [])
        return [(names[c], int(tally[c])) for c in np.flatnonzero(tally)]

    def ordered(self, mask: np.ndarray, sort: str, match: Match | None) -> np.ndarray:
        """Positions in ``mask`` in the order ``sort`` names (ties: updated, then slug)."""
        if sort == "relevance" and match is not None:
            chosen = np.flatnonzero(mask)
            order = np.lexsort((self.modified_rank[chosen], -match.rank[chosen]))
            return chosen[order]
        if sort == "quality":
            chosen = np.flatnonzero(mask)
            return chosen[np.lexsort((self.modified_rank[chosen], -self.score[chosen]))]
        orders = {"name": self.by_name, "oldest": self.by_oldest}
        order = orders.get(sort, self.by_modified)
        return order[mask[order]]


def _public_keys(session: Session) -> dict[str, dict[str, str]]:
    """Filter values as people write them (slugs, names) → the raw values the codes hold."""
    return {
        "organization": dict(session.execute(select(Organization.slug, Organization.id)).all()),
        "theme": dict(session.execute(select(Theme.slug, Theme.id)).all()),
        "tag": dict(session.execute(select(Tag.name, Tag.id)).all()),
        "format": {},
        "license": {},
        "frequency": {},
        "quality": {},
    }


_current: Snapshot | None = None
_build_lock = threading.Lock()


def snapshot(session: Session, generation: Generation) -> Snapshot:
    """This process's snapshot at ``generation``, built by one thread when it is behind."""
    global _current
    current = _current
    if current is not None and current.generation == generation:
        return current
    with _build_lock:
        if _current is None or _current.generation != generation:
            _current = Snapshot(session, generation)
        return _current


def clear() -> None:
    global _current
    with _build_lock:
        _current = None
