"""Whole-release exports, kept on disk: a release never changes, so neither does its CSV.

The first download of ``data.csv`` (or any whole-table format, plain or gzipped) writes the file
once into ``<scratch>/exports``; later downloads stream that file, with no query and no
compression. The folder is bounded (least recently used files go first); a file being
streamed when it is evicted stays readable to that client. Filtered exports are not kept.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from abierto.query.rows import RowQuery
from abierto.settings import Settings

CACHE_MB = 4096  # settings.export_cache_mb overrides
GZIP_LEVEL = 3  # written once, served many times: fast to make, about 4x smaller than CSV
CHUNK_BYTES = 1 << 20

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def is_whole(query: RowQuery) -> bool:
    """Whether ``query`` exports the release as it is (the only exports worth keeping)."""
    return (
        query.all_rows
        and not (query.filters or query.q or query.select or query.order or query.offset)
        and not query.grouped
    )


def folder(settings: Settings) -> Path:
    return settings.scratch_dir / "exports"


def cached(
    settings: Settings, checksum: str, fmt: str, gzipped: bool, make: Callable[[], Path]
) -> Path:
    """The kept export of release ``checksum`` as ``fmt`` (gzipped or not), made by ``make``
    (a function returning a temporary file it hands over) the first time."""
    name = f"{checksum}.{fmt}" + (".gz" if gzipped else "")
    target = folder(settings) / name
    with _lock(name):
        if target.is_file():
            with contextlib.suppress(OSError):
                os.utime(target)  # recently used
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        if gzipped:
            _compress(cached(settings, checksum, fmt, False, make), target)
        else:
            os.replace(make(), target)
    _evict(target.parent, _limit(settings), keep=target)
    return target


def _lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def _limit(settings: Settings) -> int:
    return int(getattr(settings, "export_cache_mb", CACHE_MB)) * 1024 * 1024


def _compress(source: Path, target: Path) -> None:
    fd, name = tempfile.mkstemp(prefix=".gz-", dir=target.parent)
    try:
        with (
            source.open("rb") as src,
            os.fdopen(fd, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as out,
        ):
            shutil.copyfileobj(src, out, CHUNK_BYTES)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _evict(where: Path, limit: int, keep: Path) -> None:
    """Remove the least recently used files until the folder fits in ``limit`` bytes."""
    files = []
    for path in where.iterdir():
        if path.is_file() and not path.name.startswith("."):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= limit:
            break
        if path != keep:
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size


def read_file(path: Path) -> tuple[Iterator[bytes], int]:
    """Chunks of a kept file and its size (the open handle survives an eviction)."""
    handle = path.open("rb")
    size = os.fstat(handle.fileno()).st_size

    def chunks() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk

    return chunks(), size
