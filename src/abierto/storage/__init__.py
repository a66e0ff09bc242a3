"""Blob storage for release files: one interface, a local-folder backend by default."""

from __future__ import annotations

from urllib.parse import urlparse

from abierto.storage.interface import BlobStore
from abierto.storage.local import LocalBlobStore


def blob_store(url: str) -> BlobStore:
    """The store a ``storage_url`` names: ``file:///path`` (S3 arrives with production mode)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore.from_url(url)
    raise ValueError(f"unsupported storage URL {url!r}: use file:///path")


__all__ = ["BlobStore", "LocalBlobStore", "blob_store"]
