"""Blob storage for release files: one interface, a local folder or an S3-compatible bucket."""

from __future__ import annotations

from urllib.parse import urlparse

from abierto.settings import Settings, load_settings
from abierto.storage.interface import BlobEntry, BlobStore
from abierto.storage.local import LocalBlobStore


def blob_store(url: str, settings: Settings | None = None) -> BlobStore:
    """The store a ``storage_url`` names: ``file:///path`` or ``s3://bucket/prefix``.

    S3 needs the endpoint, region and keys of ``settings`` (from the environment if not given).
    """
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore.from_url(url)
    if parsed.scheme == "s3":
        from abierto.storage.s3 import S3BlobStore

        return S3BlobStore.from_url(url, settings or load_settings())
    raise ValueError(f"unsupported storage URL {url!r}: use file:///path or s3://bucket/prefix")


__all__ = ["BlobEntry", "BlobStore", "LocalBlobStore", "blob_store"]
