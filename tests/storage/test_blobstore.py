"""Every BlobStore behaviour, on the local folder and on a real S3-compatible server."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from abierto.settings import Settings
from abierto.storage import BlobStore, LocalBlobStore, blob_store
from abierto.storage.interface import release_key


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return blob_store((tmp_path / "blobs").as_uri())
    settings: Settings = request.getfixturevalue("s3_settings")
    return blob_store(settings.storage_url, settings)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_put_then_read_back(store: BlobStore, tmp_path: Path) -> None:
    source = _file(tmp_path, "a.bin", b"hola mundo" * 1000)
    key = release_key("ab" + "0" * 62)
    assert not store.exists(key)
    assert store.put_file(source, key) is True
    assert store.exists(key)
    assert store.local_path(key).read_bytes() == source.read_bytes()
    target = tmp_path / "copy.bin"
    store.copy_to(key, target)
    assert target.read_bytes() == source.read_bytes()


def test_existing_key_is_not_uploaded_again(store: BlobStore, tmp_path: Path) -> None:
    first = _file(tmp_path, "a.bin", b"first")
    second = _file(tmp_path, "b.bin", b"second")
    assert store.put_file(first, "x/one") is True
    assert store.put_file(second, "x/one") is False
    assert store.local_path("x/one").read_bytes() == b"first"


def test_delete_and_missing_blob(store: BlobStore, tmp_path: Path) -> None:
    store.put_file(_file(tmp_path, "a.bin", b"data"), "x/gone")
    store.delete("x/gone")
    assert not store.exists("x/gone")
    store.delete("x/gone")  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        store.copy_to("x/gone", tmp_path / "never")


def test_keys_and_entries_by_prefix(store: BlobStore, tmp_path: Path) -> None:
    source = _file(tmp_path, "a.bin", b"12345")
    for key in ("releases/aa/1", "releases/bb/2", "uploads/3"):
        store.put_file(source, key)
    assert sorted(store.keys()) == ["releases/aa/1", "releases/bb/2", "uploads/3"]
    assert sorted(store.keys("releases/")) == ["releases/aa/1", "releases/bb/2"]
    entries = {e.key: e for e in store.entries("uploads/")}
    assert entries["uploads/3"].size == 5
    assert abs(entries["uploads/3"].modified - time.time()) < 120


def test_keys_escaping_the_store_are_refused(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        store.put_file(_file(tmp_path, "a.bin", b"x"), "../outside")


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unsupported storage URL"):
        blob_store("ftp://example.org/x")


def test_local_store_is_the_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert isinstance(blob_store(settings.storage_url), LocalBlobStore)


def test_s3_listing_follows_continuation(s3_settings: Settings, tmp_path: Path) -> None:
    store = blob_store(s3_settings.storage_url, s3_settings)
    source = _file(tmp_path, "a.bin", b"x")
    keys = [f"many/{i:04d}" for i in range(1105)]  # more than one page of 1000
    for key in keys:
        store.put_file(source, key)
    assert list(store.keys("many/")) == keys


def test_s3_big_file_goes_up_in_parts(s3_settings: Settings, tmp_path: Path) -> None:
    from boto3.s3.transfer import TransferConfig

    store = blob_store(s3_settings.storage_url, s3_settings)
    mb = 1 << 20
    store.transfer = TransferConfig(multipart_threshold=5 * mb, multipart_chunksize=5 * mb)
    data = os.urandom(12 * mb)
    store.put_file(_file(tmp_path, "big.bin", data), "big/one")
    head = store.client.head_object(Bucket=store.bucket, Key=store.prefix + "big/one")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart ETag names its part count
    assert store.local_path("big/one").read_bytes() == data
