"""A local read-through cache of immutable blobs, bounded in size, shared by processes.

Blobs never change once written, so a cached file is valid forever: the only questions are
how it gets there (download to a temporary name, then rename, so a reader never sees half a
file) and when it leaves (least recently used first, by access time, once the folder grows
past its budget). Several processes may share the folder: renames are atomic and eviction
runs under an exclusive ``flock``; a file another process has open stays readable after
unlink (POSIX), and files used in the last minute are never evicted so a path just handed
to DuckDB is still there when it opens it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROTECT_SECONDS = 60.0
INCOMING = ".incoming-"


class BlobCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"blob key escapes the cache: {key!r}")
        return path

    def get(self, key: str, download: Callable[[Path], None]) -> Path:
        """The cached file of ``key``, calling ``download(tmp_path)`` on a miss."""
        target = self.path(key)
        if target.exists():
            _touch(target)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=INCOMING)
        os.close(fd)
        try:
            download(Path(tmp))
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)  # two processes racing both write the same bytes
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.evict(keep=target)
        return target

    def discard(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def size(self) -> int:
        return sum(p.stat().st_size for p in self._files())

    def evict(self, keep: Path | None = None) -> list[Path]:
        """Remove least recently used files until the cache fits its budget."""
        with (self.root / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            files = [(p, p.stat()) for p in self._files()]
            total = sum(st.st_size for _, st in files)
            removed: list[Path] = []
            now = time.time()
            for path, st in sorted(files, key=lambda item: item[1].st_atime):
                if total <= self.max_bytes:
                    break
                if path == keep or now - st.st_atime < PROTECT_SECONDS:
                    continue
                path.unlink(missing_ok=True)
                total -= st.st_size
                removed.append(path)
            return removed

    def _files(self) -> list[Path]:
        return [
            p
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.startswith((INCOMING, ".lock"))
        ]


def _touch(path: Path) -> None:
    # Many file systems mount with relatime/noatime: record the use explicitly.
    st = path.stat()
    with contextlib.suppress(PermissionError):  # another user's file: it just ages
        os.utime(path, (time.time(), st.st_mtime))
