"""Pages in file order, sliced from decoded row groups kept in memory.

An unfiltered page in file order — ``offset``, or a ``cursor`` without ``order`` — is a range
of row numbers (``rows.file_window``). Parquet is decoded a whole row group at a time, and a
client paging through a table by cursor asks for about 330 pages of 100 rows from each
32,768-row group; so each process keeps the row groups it decoded last, as Arrow tables, and
a page is a slice of them: no decoding, no SQL planning.

Release files are named by their SHA-256 and never change, so nothing needs invalidating; a
file is still identified by its path, size and modification time, so a rewritten path (a
test's) is never answered from another file's groups. The cache is bounded in bytes
(``settings.rows_cache_mb``; 0 keeps nothing), least recently used first. Footers are kept
too (a few hundred files), so a miss reads only the group's own column chunks.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from abierto.lru import Lru

FileKey = tuple[str, int, int]  # path, size, modification time (ns)
FOOTERS = 256  # files whose footer (row group layout) is kept


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a file's row groups start; ``starts[-1]`` is the file's row count."""

    metadata: pq.FileMetaData
    schema: pa.Schema
    starts: tuple[int, ...]

    def groups(self, first: int, last: int) -> range:
        """The row groups holding any of the rows ``first``..``last`` (inclusive)."""
        if last < first or first >= self.starts[-1]:
            return range(0)
        low = bisect.bisect_right(self.starts, max(first, 0)) - 1
        high = bisect.bisect_right(self.starts, min(last, self.starts[-1] - 1)) - 1
        return range(low, high + 1)


def _layout(path: str) -> Layout:
    metadata = pq.read_metadata(path)
    starts = [0]
    for index in range(metadata.num_row_groups):
        starts.append(starts[-1] + metadata.row_group(index).num_rows)
    return Layout(metadata, metadata.schema.to_arrow_schema(), tuple(starts))


class RowGroupCache:
    """Decoded row groups of Parquet files, bounded by ``max_bytes``; thread-safe.

    ``slot`` is entered around each decode (the engine's query slots), so a burst of misses
    queues like any other query while hits are served at once.
    """

    def __init__(
        self,
        max_bytes: int,
        slot: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
    ) -> None:
        self.max_bytes = max_bytes
        self._slot = slot
        self._lock = threading.Lock()
        self._groups: OrderedDict[tuple[FileKey, int], pa.Table] = OrderedDict()
        self._footers: Lru[Layout] = Lru(FOOTERS)
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def window(self, path: str, first: int, last: int, columns: list[str]) -> pa.Table:
        """Rows ``first``..``last`` (0-based, inclusive; clipped to the file) of ``columns``."""
        key = _file_key(path)
        layout = self._footer(key)
        parts = []
        for index in layout.groups(first, last):
            start = layout.starts[index]
            group = self._group(key, layout, index)
            low = max(first - start, 0)
            parts.append(group.slice(low, last - start + 1 - low).select(columns))
        if not parts:
            return layout.schema.empty_table().select(columns)
        return parts[0] if len(parts) == 1 else pa.concat_tables(parts)

    def _footer(self, key: FileKey) -> Layout:
        return self._footers.get_or_make(key, lambda: _layout(key[0]))

    def _group(self, key: FileKey, layout: Layout, index: int) -> pa.Table:
        with self._lock:
            group = self._groups.get((key, index))
            if group is not None:
                self._groups.move_to_end((key, index))
                self.hits += 1
                return group
            self.misses += 1
        with self._slot(), pq.ParquetFile(key[0], metadata=layout.metadata) as file:
            group = file.read_row_group(index)
        self._keep((key, index), group)
        return group

    def _keep(self, entry: tuple[FileKey, int], group: pa.Table) -> None:
        size = group.nbytes
        if size > self.max_bytes:
            return
        with self._lock:
            if entry in self._groups:  # another thread decoded it meanwhile
                return
            self._groups[entry] = group
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, evicted = self._groups.popitem(last=False)
                self.bytes -= evicted.nbytes


def _file_key(path: str) -> FileKey:
    stat = os.stat(path)
    return path, stat.st_size, stat.st_mtime_ns
