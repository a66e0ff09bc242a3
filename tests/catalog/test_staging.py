"""Staged uploads (``ingest/staging.py``): the multipart stream, ownership, expiry, URLs.

The web flow over HTTP is tested in ``tests/web/test_publish_flow.py``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator

import anyio
import pytest

from abierto.ingest import staging
from abierto.ingest.staging import StagingError
from abierto.settings import Settings


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
