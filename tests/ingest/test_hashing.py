"""Source hashes started early are the ones a publish takes, unless the file changed."""

import hashlib
import os
from pathlib import Path

from abierto.ingest.hashing import CHUNK_BYTES, sha256_file, sha256_future, start_sha256


def test_a_large_file_hashes_as_hashlib_does(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    data = os.urandom(CHUNK_BYTES + 12_345)  # more than one chunk, the last one short
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_a_started_hash_is_taken_once(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n")
    start_sha256(path)
    start_sha256(path)  # the same file is hashed once
    first = sha256_future(path)
    assert first.result() == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert sha256_future(path) is not first  # taken: a later publish hashes again


def test_a_file_changed_after_the_start_is_hashed_again(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n")
    start_sha256(path)
    path.write_text("a,b\n1,2\n3,4\n")
    os.utime(path, ns=(0, 1))  # a different modification time, whatever the clock
    assert sha256_future(path).result() == hashlib.sha256(b"a,b\n1,2\n3,4\n").hexdigest()
