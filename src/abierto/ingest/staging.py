"""Staged uploads: a file waiting between the upload and the publish step of the web flow.

Each upload lives in its own folder, ``scratch_dir/uploads/<id>/``: the file as received
(under ``file/``, with its sanitised original name, which readers use as a tie-breaker and
releases record) and ``meta.json`` (who staged it, for which organization and dataset, its
size and SHA-256). Nothing in the catalog changes until the publish step; an abandoned
upload is only a folder, deleted once older than ``settings.staged_upload_hours``.

The finished file is also put in the blob store under ``uploads/<sha256>``, and its
``meta.json`` under ``uploads/meta/<id>.json`` (``share``): a worker on another machine
can publish it in the background, and the next step of the flow may reach any web process
on any machine. A process that has no folder for an upload rebuilds it from the store
(``load``), fetching the file itself only when it reads it in a request (``local_file``);
``abierto gc`` keeps those blobs while an upload or an unfinished job may need them
(``ops/gc.py``).

Files come from the browser (written chunk by chunk while the request streams in) or from
an http(s) URL (fetched with httpx, streamed, with size and time limits). URLs whose host
resolves to a private, loopback or link-local address are refused unless
``settings.fetch_allow_private`` is set: the portal must not become a way to reach the
machines behind it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import secrets
import shutil
import socket
import time
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urljoin, urlsplit

import anyio
import httpx
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from abierto.settings import Settings
from abierto.storage import BlobStore

UPLOADS = "uploads"
BLOB_PREFIX = "uploads/"
META_PREFIX = f"{BLOB_PREFIX}meta/"
META = "meta.json"
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_REDIRECTS = 5
CHUNK = 1 << 20
FILE_FIELD = "file"
MAX_FIELDS = 200
MAX_FIELD_BYTES = 64 * 1024
BODY_LIMIT_FACTOR = 4


class StagingError(ValueError):
    """A refused upload; ``code`` names its message (``publish.error.*``), ``values`` fill it."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(f"{code} {values}" if values else code)
        self.code = code
        self.values = values


@dataclass(frozen=True, slots=True)
class Target:
    """Where a staged file is meant to go: an organization and an existing or new dataset."""

    organization_id: str
    organization_slug: str
    dataset_slug: str
    new_title: str | None = None  # set when the dataset does not exist yet


@dataclass(slots=True)
class StagedUpload:
    id: str
    folder: Path
    owner_id: str
    target: Target
    filename: str
    size: int
    sha256: str
    created_at: float
    source_url: str | None = None

    @property
    def path(self) -> Path:
        return self.folder / "file" / self.filename

    def save(self) -> None:
        data = {k: v for k, v in asdict(self).items() if k not in ("folder", "target")}
        data["target"] = asdict(self.target)
        (self.folder / META).write_text(json.dumps(data), encoding="utf-8")

    def cache_path(self, name: str) -> Path:
        """A file for derived data (the inspect report) that dies with the upload."""
        return self.folder / f"{name}.json"

    def read_cache(self, name: str) -> Any | None:
        """Derived data kept by ``write_cache``; None if there is none (yet)."""
        try:
            return json.loads(self.cache_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_cache(self, name: str, data: Any) -> None:
        """Keep ``data`` as JSON next to the upload, whole or not at all."""
        cache = self.cache_path(name)
        temporary = cache.with_suffix(f".{secrets.token_hex(4)}.tmp")
        temporary.write_text(json.dumps(data, default=str), encoding="utf-8")
        temporary.replace(cache)

    @property
    def blob_key(self) -> str:
        return blob_key(self.sha256)


def blob_key(sha256: str) -> str:
    """Key of a staged file in the blob store: content-addressed, like release files."""
    return f"{BLOB_PREFIX}{sha256}"


def meta_key(upload_id: str) -> str:
    """Key of a staged upload's ``meta.json`` in the blob store (written once, never changed)."""
    return f"{META_PREFIX}{upload_id}.json"


def share(store: BlobStore, upload: StagedUpload) -> None:
    """Put the staged file and its description in the blob store, readable by any process
    on any machine.

    Identical bytes staged before keep their one blob, whose time is refreshed, so that
    ``abierto gc`` counts its age from now. If the store refuses, the upload is discarded:
    a staged upload no worker could read would fail later, and less clearly.
    """
    try:
        store.put_file(upload.path, upload.blob_key)
        store.put_file(upload.folder / META, meta_key(upload.id))
    except BaseException:
        discard(upload, store)
        raise


def keep_blob(store: BlobStore, upload: StagedUpload) -> None:
    """Before a job is queued: put the staged blob back if ``abierto gc`` collected it, or
    refresh its time (possible only on the machine that holds the file)."""
    if upload.path.is_file():
        store.put_file(upload.path, upload.blob_key)


def local_file(store: BlobStore, upload: StagedUpload) -> Path:
    """The staged file on this machine, copied from the blob store if another web process
    received it."""
    if not upload.path.is_file():
        upload.path.parent.mkdir(parents=True, exist_ok=True)
        incoming = upload.path.with_name(f".incoming-{secrets.token_hex(4)}")
        try:
            store.copy_to(upload.blob_key, incoming)
            incoming.replace(upload.path)
        finally:
            incoming.unlink(missing_ok=True)
    return upload.path


def uploads_dir(settings: Settings) -> Path:
    return settings.scratch_dir / UPLOADS


def limit_bytes(settings: Settings) -> int:
    return settings.max_upload_mb * 1024 * 1024


def safe_filename(name: str | None) -> str:
    """A plain file name from what a browser or URL claims: no folders, no odd characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:120]
    return base or "archivo"


class Receiver:
    """Writes one incoming file into a new upload folder: size limit and SHA-256 as it goes."""

    def __init__(self, settings: Settings, filename: str | None) -> None:
        self.limit = limit_bytes(settings)
        self.id = secrets.token_hex(16)
        self.folder = uploads_dir(settings) / self.id
        self.filename = safe_filename(filename)
        (self.folder / "file").mkdir(parents=True)
        self.size = 0
        self.digest = hashlib.sha256()
        self._file: BinaryIO | None = (self.folder / "file" / self.filename).open("wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.abort()
            raise StagingError("publish.error.too_big", mb=self.limit // (1024 * 1024))
        assert self._file is not None
        self._file.write(chunk)
        self.digest.update(chunk)

    def finish(self, owner_id: str, target: Target, source_url: str | None = None) -> StagedUpload:
        self._close()
        if self.size == 0:
            self.abort()
            raise StagingError("publish.error.empty")
        upload = StagedUpload(
            self.id,
            self.folder,
            owner_id,
            target,
            self.filename,
            self.size,
            self.digest.hexdigest(),
            time.time(),
            source_url,
        )
        upload.save()
        return upload

    def abort(self) -> None:
        self._close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def load(
    settings: Settings, upload_id: str, owner_id: str | None, store: BlobStore | None = None
) -> StagedUpload | None:
    """The staged upload ``upload_id`` if it exists and belongs to ``owner_id``.

    With ``store``, the store decides: an upload another machine received is found too
    (its folder is rebuilt here from ``meta.json``, without the file), and one discarded on
    any machine is gone here as well.
    """
    if not UPLOAD_ID.match(upload_id) or owner_id is None:
        return None
    folder = uploads_dir(settings) / upload_id
    if store is not None and not _restore_meta(store, folder):
        return None
    try:
        data: dict[str, Any] = json.loads((folder / META).read_text(encoding="utf-8"))
        if data.get("owner_id") != owner_id:
            return None
        target = Target(**data.pop("target"))
        upload = StagedUpload(folder=folder, target=target, **data)
    except (OSError, ValueError, TypeError, KeyError):  # half written, or an older format
        return None
    if time.time() - upload.created_at > settings.staged_upload_hours * 3600:
        return None  # expired here, or about to be
    if upload.path.is_file() or (store is not None and store.exists(upload.blob_key)):
        return upload
    return None


def _restore_meta(store: BlobStore, folder: Path) -> bool:
    """Whether the store still has the upload, its ``meta.json`` copied into ``folder``."""
    key = meta_key(folder.name)
    if not store.exists(key):
        shutil.rmtree(folder, ignore_errors=True)  # discarded elsewhere: forget it here too
        return False
    if (folder / META).is_file():
        return True
    (folder / "file").mkdir(parents=True, exist_ok=True)
    incoming = folder / f".{META}.{secrets.token_hex(4)}.tmp"
    try:
        store.copy_to(key, incoming)
        incoming.replace(folder / META)
    except FileNotFoundError:  # discarded meanwhile
        shutil.rmtree(folder, ignore_errors=True)
        return False
    finally:
        incoming.unlink(missing_ok=True)
    return True


def discard(upload: StagedUpload, store: BlobStore | None = None) -> None:
    """Forget the upload on this machine and, with ``store``, on every other one (the file's
    blob stays for ``abierto gc``: a job or another upload may share its bytes)."""
    shutil.rmtree(upload.folder, ignore_errors=True)
    if store is not None:
        store.delete(meta_key(upload.id))


def expire(settings: Settings, now: float | None = None) -> int:
    """Delete staged uploads (and half-received ones) older than the setting; returns how many."""
    root = uploads_dir(settings)
    if not root.is_dir():
        return 0
    cutoff = (now or time.time()) - settings.staged_upload_hours * 3600
    removed = 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:  # removed meanwhile by a concurrent request
            continue
    return removed


# -- fetching a URL ---------------------------------------------------------------------


def check_url(url: str, allow_private: bool) -> str:
    """``url`` if it is http(s) and its host is a public address; StagingError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StagingError("publish.error.url_scheme")
    if allow_private:
        return url.strip()
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise StagingError("publish.error.url_host", host=parts.hostname) from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            raise StagingError("publish.error.url_private", host=parts.hostname)
    return url.strip()


def fetch(settings: Settings, url: str, owner_id: str, target: Target) -> StagedUpload:
    """Download ``url`` into a new staged upload, never more than the size limit.

    Redirects are followed by hand so that every hop's host is checked. (A host whose DNS
    answer changes between the check and the connection could still slip through; run the
    portal behind an egress firewall if that matters.)
    """
    deadline = time.monotonic() + settings.fetch_timeout_s
    timeout = httpx.Timeout(min(30.0, settings.fetch_timeout_s))
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            current = url
            for _ in range(MAX_REDIRECTS + 1):
                current = check_url(current, settings.fetch_allow_private)
                with client.stream("GET", current, headers={"User-Agent": "abierto"}) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    return _receive(settings, response, owner_id, target, url, deadline)
    except httpx.HTTPError as exc:
        raise StagingError("publish.error.url_failed", detail=type(exc).__name__) from exc
    raise StagingError("publish.error.url_redirects")


def _receive(
    settings: Settings,
    response: httpx.Response,
    owner_id: str,
    target: Target,
    url: str,
    deadline: float,
) -> StagedUpload:
    if response.status_code != 200:
        raise StagingError("publish.error.url_status", status=response.status_code)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_bytes(settings):
        raise StagingError("publish.error.too_big", mb=settings.max_upload_mb)
    receiver = Receiver(settings, _remote_name(response))
    try:
        for chunk in response.iter_bytes(CHUNK):
            if time.monotonic() > deadline:
                raise StagingError("publish.error.url_timeout", s=int(settings.fetch_timeout_s))
            receiver.write(chunk)
        return receiver.finish(owner_id, target, source_url=url)
    except BaseException:
        receiver.abort()
        raise


def _remote_name(response: httpx.Response) -> str:
    disposition = response.headers.get("content-disposition", "")
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition, re.IGNORECASE)
    if match:
        return unquote(match.group(1))
    return unquote(response.url.path.rsplit("/", 1)[-1])


# -- receiving a multipart form ---------------------------------------------------------


@dataclass(slots=True)
class MultipartUpload:
    """A parsed ``multipart/form-data`` body: the text fields and the received file, if any."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    receiver: Receiver | None = None
    # A refused file (too big): the rest of the body is read and dropped, so that the form
    # fields after it still arrive and the page can say why.
    error: StagingError | None = None

    def get(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")


class _Parts:
    """python-multipart callbacks: file data is queued for ``Receiver``, fields kept whole."""

    def __init__(self, settings: Settings, result: MultipartUpload) -> None:
        self.settings = settings
        self.result = result
        self.pending: list[bytes] = []
        self._header = [b"", b""]
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._data = bytearray()
        self._is_file = False
        self.complete = False  # the closing boundary arrived

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": lambda d, a, b: self._grow(0, d[a:b]),
            "on_header_value": lambda d, a, b: self._grow(1, d[a:b]),
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_end(self) -> None:
        self.complete = True

    def _grow(self, index: int, data: bytes) -> None:
        self._header[index] += data

    def on_part_begin(self) -> None:
        self._headers, self._data, self._is_file, self._name = {}, bytearray(), False, ""

    def on_header_end(self) -> None:
        self._headers[self._header[0].strip().lower()] = self._header[1].strip()
        self._header = [b"", b""]

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        self._is_file = filename is not None
        # Browsers send an empty part with an empty name when no file was chosen.
        if self._is_file and filename and self._name == FILE_FIELD:
            if self.result.receiver is not None:
                raise StagingError("publish.error.one_file")
            name = filename.decode("utf-8", "replace")
            self.result.receiver = Receiver(self.settings, name)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            if self._name == FILE_FIELD and self.result.receiver is not None:
                self.pending.append(bytes(data[start:end]))
            return
        self._data += data[start:end]
        if len(self._data) > MAX_FIELD_BYTES:
            raise StagingError("publish.error.form")

    def on_part_end(self) -> None:
        if not self._is_file:
            if len(self.result.fields) >= MAX_FIELDS:
                raise StagingError("publish.error.form")
            self.result.fields.append((self._name, self._data.decode("utf-8", "replace")))

    def flush(self) -> None:
        chunks, self.pending = self.pending, []
        receiver = self.result.receiver
        if receiver is None or self.result.error is not None:
            return
        try:
            for chunk in chunks:
                receiver.write(chunk)
        except StagingError as exc:  # the receiver removed its folder already
            self.result.error = exc


async def receive_multipart(
    settings: Settings, content_type: str, body: AsyncIterator[bytes]
) -> MultipartUpload:
    """Parse a multipart body as it arrives, the file going straight to a new staged folder.

    The file is written chunk by chunk (never held in memory) with the size limit and the
    SHA-256 computed on the way; on any error the half-written folder is removed.
    """
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise StagingError("publish.error.form")
    result = MultipartUpload()
    parts = _Parts(settings, result)
    parser = MultipartParser(boundary, parts.callbacks())
    # Past this, a body is not read any further (a refused file is read and dropped).
    hard_limit = BODY_LIMIT_FACTOR * limit_bytes(settings) + MAX_FIELDS * MAX_FIELD_BYTES
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > hard_limit:
                raise StagingError("publish.error.too_big", mb=settings.max_upload_mb)
            parser.write(chunk)
            if parts.pending:
                await anyio.to_thread.run_sync(parts.flush)
        parser.finalize()
        if not parts.complete:
            raise StagingError("publish.error.form")
    except BaseException as exc:
        if result.receiver is not None:
            result.receiver.abort()
        if isinstance(exc, FormParserError):
            raise StagingError("publish.error.form") from exc
        raise
    return result
