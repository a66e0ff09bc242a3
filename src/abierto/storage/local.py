"""Blob store in a local folder (the embedded default)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from abierto.storage.interface import BlobEntry


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._real_root = root.resolve()  # once: every data-API request asks for a path

    @classmethod
    def from_url(cls, url: str) -> LocalBlobStore:
        return cls(Path(unquote(urlparse(url).path)))

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self._real_root not in path.parents:
            raise ValueError(f"blob key escapes the store: {key!r}")
        return path

    def put_file(self, source: Path, key: str) -> bool:
        target = self._path(key)
        if target.exists():
            # Refresh the time: `abierto gc` must not take an old orphan a publish reuses.
            os.utime(target)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        # Copy to a temporary name in the same folder, fsync, then rename: readers see
        # either no file or the whole file, even after a crash.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def copy_to(self, key: str, target: Path) -> None:
        source = self._path(key)
        if not source.is_file():
            raise FileNotFoundError(f"blob {key!r} is not in the store")
        shutil.copyfile(source, target)

    def keys(self, prefix: str = "") -> Iterator[str]:
        for entry in self.entries(prefix):
            yield entry.key

    def entries(self, prefix: str = "") -> Iterator[BlobEntry]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".incoming-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    stat = path.stat()
                    yield BlobEntry(key, stat.st_size, stat.st_mtime)
