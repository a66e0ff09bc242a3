"""Staged uploads (``ingest/staging.py``): the multipart stream, ownership, expiry, URLs.

The web flow over HTTP is tested in ``tests/web/test_publish_flow.py``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from abierto.ingest import staging
from abierto.ingest.staging import StagingError
from abierto.settings import Settings
from abierto.storage import LocalBlobStore


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _multipart(content: bytes) -> tuple[str, list[bytes]]:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="dataset"\r\n\r\nobras\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="../../x.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n--XyZ--\r\n"
    )
    return "multipart/form-data; boundary=XyZ", [body[i : i + 7] for i in range(0, len(body), 7)]


def test_staging_streams_hashes_and_owns_uploads(settings: Settings) -> None:
    content = "Municipio,Monto\nTonalá,10\n".encode() * 50
    content_type, chunks = _multipart(content)
    received = anyio.run(staging.receive_multipart, settings, content_type, _chunks(*chunks))
    assert received.fields == [("dataset", "obras")] and received.receiver is not None
    target = staging.Target("org", "zapopan", "obras")
    upload = received.receiver.finish("user-1", target)
    assert upload.filename == "x.csv" and upload.path.read_bytes() == content
    assert upload.sha256 == hashlib.sha256(content).hexdigest() and upload.size == len(content)
    assert staging.load(settings, upload.id, "user-2") is None
    assert staging.load(settings, "../" + upload.id, "user-1") is None
    loaded = staging.load(settings, upload.id, "user-1")
    assert loaded is not None and loaded.target == target
    assert staging.expire(settings) == 0
    assert staging.expire(settings, now=time.time() + 25 * 3600) == 1
    assert staging.load(settings, upload.id, "user-1") is None


def test_staging_removes_a_broken_body(settings: Settings) -> None:
    content_type, chunks = _multipart(b"a,b\n1,2\n")
    broken = [*chunks[:-3], b"\r\n--Otra"]  # cut before the closing boundary
    with pytest.raises(StagingError):
        anyio.run(staging.receive_multipart, settings, content_type, _chunks(*broken))
    with pytest.raises(StagingError) as caught:
        anyio.run(staging.receive_multipart, settings, "text/plain", _chunks(b"x"))
    assert caught.value.code == "publish.error.form"
    assert not list(staging.uploads_dir(settings).glob("*"))


def test_urls_must_be_public_http() -> None:
    for url in ("http://10.1.2.3/x.csv", "http://169.254.169.254/latest", "http://[::1]/x"):
        with pytest.raises(StagingError) as caught:
            staging.check_url(url, allow_private=False)
        assert caught.value.code == "publish.error.url_private"
    for url in ("ftp://example.org/x.csv", "file:///etc/passwd", "http:///x"):
        with pytest.raises(StagingError) as caught:
            staging.check_url(url, allow_private=True)
        assert caught.value.code == "publish.error.url_scheme"
    assert staging.check_url("http://127.0.0.1/x", allow_private=True) == "http://127.0.0.1/x"


def test_a_shared_upload_is_found_and_discarded_on_every_machine(tmp_path: Path) -> None:
    """Two web machines: their own scratch folders, one blob store."""
    shared = {"storage_url": (tmp_path / "blobs").as_uri()}
    here, there = (Settings(home=tmp_path / name, **shared) for name in ("here", "there"))
    store = LocalBlobStore.from_url(shared["storage_url"])
    content = b"Municipio,Monto\nZapopan,10\n" * 20
    receiver = staging.Receiver(here, "obras.csv")
    receiver.write(content)
    upload = receiver.finish("user-1", staging.Target("org", "zapopan", "obras"))
    staging.share(store, upload)

    assert staging.load(there, upload.id, "user-1") is None  # without the store: not here
    assert staging.load(there, upload.id, "user-2", store) is None  # not the owner
    found = staging.load(there, upload.id, "user-1", store)
    assert found is not None and found.folder != upload.folder
    assert (found.sha256, found.size, found.target) == (upload.sha256, upload.size, upload.target)
    assert not found.path.exists()  # the file comes only when a request reads it
    assert staging.local_file(store, found).read_bytes() == content

    staging.discard(found, store)  # published or cancelled over there …
    assert staging.load(here, upload.id, "user-1", store) is None  # … is gone here too
    assert not upload.folder.exists() and not found.folder.exists()
    assert store.exists(upload.blob_key)  # the bytes stay for gc (a job may share them)


def test_an_expired_upload_is_not_brought_back_from_the_store(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    store = LocalBlobStore.from_url(settings.storage_url)
    receiver = staging.Receiver(settings, "a.csv")
    receiver.write(b"a,b\n1,2\n")
    upload = receiver.finish("user-1", staging.Target("org", "zapopan", "obras"))
    staging.share(store, upload)
    assert staging.expire(settings, now=time.time() + 25 * 3600) == 1
    assert staging.load(settings, upload.id, "user-1", store) is not None  # young: restored
    staging.discard(upload, store)
    receiver = staging.Receiver(settings, "b.csv")
    receiver.write(b"a,b\n3,4\n")
    old = receiver.finish("user-1", staging.Target("org", "zapopan", "obras"))
    old.created_at -= settings.staged_upload_hours * 3600 + 60
    old.save()
    staging.share(store, old)
    assert staging.load(settings, old.id, "user-1", store) is None
