"""What the rest of abierto needs from a blob store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BlobEntry:
    key: str
    size: int
    modified: float  # seconds since the epoch


class BlobStore(Protocol):
    """Immutable, content-addressed blobs under string keys."""

    def put_file(self, source: Path, key: str) -> bool:
        """Store ``source`` under ``key`` atomically; False if the key already existed."""
        ...

    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path:
        """A path DuckDB and readers can open for the blob."""
        ...

    def copy_to(self, key: str, target: Path) -> None:
        """Write the blob to ``target`` (a backup), without filling any cache."""
        ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def entries(self, prefix: str = "") -> Iterator[BlobEntry]:
        """Every blob under ``prefix`` with its size and modification time."""
        ...


def release_key(checksum: str) -> str:
    """Key of a release file: content-addressed, so identical tables share one blob."""
    return f"releases/{checksum[:2]}/{checksum}.parquet"
