"""The backup manifest: what a backup holds, with the sha256 and size of every file.

A backup folder looks like::

    manifest.json
    metadata/<table>.jsonl     one JSON object per row, tables in dependency order
    blobs/<key>                every blob a release references

Values that JSON cannot carry natively are tagged (``{"$dt": "..."}`` for datetimes and so
on) so a restore gets back the very types it dumped, whatever the database on either side.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

FORMAT = "abierto-backup"
VERSION = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup that cannot be taken or restored, with the reason."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def describe(root: Path, relative: str) -> dict[str, Any]:
    path = root / relative
    return {"sha256": sha256_of(path), "size": path.stat().st_size}


def encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, dict):
        # JSON columns: keep user dicts apart from our tags by wrapping them.
        return {"$json": value}
    return value


DECODERS = {
    "$dt": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$dec": decimal.Decimal,
    "$b64": base64.b64decode,
    "$uuid": uuid.UUID,
    "$json": lambda v: v,
}


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in DECODERS:
            return DECODERS[tag](inner)
    return value


def row_line(row: dict[str, Any]) -> str:
    return json.dumps({k: encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n"


def parse_line(line: str) -> dict[str, Any]:
    return {k: decode(v) for k, v in json.loads(line).items()}


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
    (root / MANIFEST).write_text(text + "\n", encoding="utf-8")


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path}: no manifest.json, this is not an abierto backup")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path}: the manifest is not valid JSON ({exc})") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path}: not an abierto backup of version {VERSION}")
    return manifest


def verify(root: Path, manifest: dict[str, Any]) -> None:
    """Every listed file present with its size and sha256, and no file that is not listed."""
    files: dict[str, dict[str, Any]] = manifest.get("files", {})
    for relative, expected in sorted(files.items()):
        path = root / relative
        if ".." in Path(relative).parts or not path.is_file():
            raise BackupError(f"{path}: missing from the backup (the backup is incomplete)")
        if path.stat().st_size != expected["size"]:
            raise BackupError(f"{path}: size differs from the manifest (altered or truncated)")
        if sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{path}: sha256 differs from the manifest (the file was altered)")
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and relative != MANIFEST and relative not in files:
            raise BackupError(f"{path}: not listed in the manifest (foreign file in the backup)")
    for table in manifest.get("tables", []):
        if table["file"] not in files:
            raise BackupError(f"{root / table['file']}: table file not listed in the manifest")
