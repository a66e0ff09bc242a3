"""Blob store in an S3-compatible bucket (MinIO, Ceph, AWS), with a local read cache.

``storage_url = "s3://bucket/prefix"``; the endpoint, region and keys come from settings.
A PUT is atomic for readers (an object appears whole or not at all); big files go up in
parts (boto3's TransferConfig). Readers that need a local path (DuckDB) get one from the
read-through cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from abierto.settings import Settings
from abierto.storage.cache import BlobCache
from abierto.storage.interface import BlobEntry

MB = 1 << 20
DEFAULT_TRANSFER = TransferConfig(multipart_threshold=64 * MB, multipart_chunksize=64 * MB)


class S3BlobStore:
    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str,
        cache: BlobCache,
        transfer: TransferConfig = DEFAULT_TRANSFER,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.cache = cache
        self.transfer = transfer

    @classmethod
    def from_url(cls, url: str, settings: Settings) -> S3BlobStore:
        parsed = urlparse(url)
        if not parsed.netloc:
            raise ValueError(f"S3 storage URL needs a bucket: {url!r} (s3://bucket/prefix)")
        cache_dir = Path(settings.blob_cache_dir or settings.home / "blob-cache")
        return cls(
            make_client(settings),
            parsed.netloc,
            parsed.path,
            BlobCache(cache_dir.expanduser(), settings.blob_cache_mb * MB),
        )

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"invalid blob key: {key!r}")
        return self.prefix + key

    def put_file(self, source: Path, key: str) -> bool:
        if self.exists(key):
            # Content-addressed: same key, same bytes. A server-side copy onto itself
            # refreshes LastModified so `abierto gc` does not take a blob a publish reuses.
            source = {"Bucket": self.bucket, "Key": self._key(key)}
            self.client.copy(
                source,
                self.bucket,
                self._key(key),
                ExtraArgs={"MetadataDirective": "REPLACE"},
                Config=self.transfer,
            )
            return False
        self.client.upload_file(str(source), self.bucket, self._key(key), Config=self.transfer)
        return True

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def local_path(self, key: str) -> Path:
        return self.cache.get(key, lambda tmp: self.copy_to(key, tmp))

    def copy_to(self, key: str, target: Path) -> None:
        try:
            self.client.download_file(
                self.bucket, self._key(key), str(target), Config=self.transfer
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(f"blob {key!r} is not in the store") from exc
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        self.cache.discard(key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        for entry in self.entries(prefix):
            yield entry.key

    def entries(self, prefix: str = "") -> Iterator[BlobEntry]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:  # the paginator follows ContinuationToken
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                yield BlobEntry(key, item["Size"], item["LastModified"].timestamp())


def make_client(settings: Settings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region or None,
        aws_access_key_id=settings.s3_access_key or None,
        aws_secret_access_key=settings.s3_secret_key or None,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )
