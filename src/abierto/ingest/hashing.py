"""SHA-256 of source files, computed on a thread of its own and started as early as possible.

A publish needs the hash before its costly pass (an unchanged file stops there). The
command line starts hashing before it even loads the publishing code, and ``publish``
then takes the hash already under way instead of reading the file again.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

CHUNK_BYTES = 32 << 20

# A few at once: a web process publishing several uploads must not queue their hashes.
_hasher = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sha256")
_started: dict[tuple[str, int, int], Future[str]] = {}
_lock = threading.Lock()


def sha256_file(path: Path) -> str:
    """The file's SHA-256, in large chunks: reading and hashing free the GIL, and a thread
    hashing beside busy Python code gets it back once per chunk (a 1 MB chunk made it
    wait 10 times longer than the hashing took)."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as f:
        while size := f.readinto(buffer):
            digest.update(view[:size])
    return digest.hexdigest()


def start_sha256(path: Path) -> None:
    """Begin hashing ``path`` in the background for a later :func:`sha256_future`."""
    key = _key(path)
    with _lock:
        if key not in _started:
            _started[key] = _hasher.submit(sha256_file, path)


def sha256_future(path: Path) -> Future[str]:
    """The hash of ``path``: the one started for it, if the file has not changed since,
    else one started now."""
    key = _key(path)
    with _lock:
        started = _started.pop(key, None)
    return started or _hasher.submit(sha256_file, path)


def _key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns
