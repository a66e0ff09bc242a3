"""The read-through cache: atomic fills, LRU eviction by access time, a bounded size."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from abierto.storage.cache import BlobCache


def _writer(data: bytes, calls: list[str] | None = None):
    def download(tmp: Path) -> None:
        if calls is not None:
            calls.append(str(tmp))
        tmp.write_bytes(data)

    return download


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_miss_downloads_once_then_hits(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c", max_bytes=1 << 20)
    calls: list[str] = []
    first = cache.get("releases/aa/x.parquet", _writer(b"abc", calls))
    second = cache.get("releases/aa/x.parquet", _writer(b"zzz", calls))
    assert first == second and first.read_bytes() == b"abc"
    assert len(calls) == 1
    assert not any(p.name.startswith(".incoming-") for p in first.parent.iterdir())


def test_failed_download_leaves_nothing(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c", max_bytes=1 << 20)

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise ConnectionError("network down")

    with pytest.raises(ConnectionError):
        cache.get("k/one", broken)
    assert cache.size() == 0
    assert not list((tmp_path / "c" / "k").iterdir())


def test_least_recently_used_is_evicted_first(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c", max_bytes=250)
    old = cache.get("k/old", _writer(b"o" * 100))
    used = cache.get("k/used", _writer(b"u" * 100))
    _age(old, 3600)
    _age(used, 7200)
    cache.get("k/used", _writer(b""))  # a hit makes it recent again
    new = cache.get("k/new", _writer(b"n" * 100))
    assert not old.exists()
    assert used.exists() and new.exists()
    assert cache.size() <= 250


def test_recently_used_files_are_not_evicted(tmp_path: Path) -> None:
    # A path just handed to a reader must still be there when the reader opens it.
    cache = BlobCache(tmp_path / "c", max_bytes=150)
    first = cache.get("k/a", _writer(b"a" * 100))
    second = cache.get("k/b", _writer(b"b" * 100))
    assert first.exists() and second.exists()


def test_concurrent_misses_give_one_whole_file(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c", max_bytes=1 << 30)
    data = os.urandom(1 << 20)
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: cache.get("k/same", _writer(data)), range(8)))
    assert {p.read_bytes() == data for p in paths} == {True}
    assert [p.name for p in (tmp_path / "c" / "k").iterdir()] == ["same"]


def test_keys_escaping_the_cache_are_refused(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c", max_bytes=100)
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd", _writer(b""))
