"""Format readers. ``read_tables`` sniffs a file's format from its bytes and dispatches."""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.source import SourceTable


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What the publisher may force instead of letting the readers detect it."""

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None  # 1-based row number of the header
    sheet: str | None = None
    # Limits against zip bombs and runaway files.
    max_unzipped_bytes: int = 2 * 1024**3
    max_zip_ratio: int = 200
    max_zip_members: int = 1000
    # Where readers may write scratch files (transcoded text, extracted members).
    workdir: str | None = None
    # Whether a CSV the samples show as UTF-8 is taken as such, DuckDB checking every other
    # byte as it parses (NotUtf8Error when one is not); else Python checks them first.
    utf8_checked_by_parser: bool = True


Reader = Callable[[Path, ReadOptions], list[SourceTable]]

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat", ""}


def sniff_format(path: Path) -> str:
    """Format name from the file's first bytes (the extension is only a tie-breaker)."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(path)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or (
        b"<html" in text[:1024] and b"<form" in head.lower()
    ):
        return "html"
    if text[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype"):
                return "ods"
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError(str(path), f"damaged ZIP container: {exc}") from exc
    return "zip"


# format → (module under abierto.ingest.readers, function); imported only when needed.
READERS: dict[str, tuple[str, str]] = {
    "csv": ("csv", "read_csv"),
    "xlsx": ("excel", "read_excel"),
    "xls": ("excel", "read_excel"),
    "ods": ("excel", "read_excel"),
    "json": ("json", "read_json"),
    "pdf": ("pdf", "read_pdf"),
    "zip": ("archive", "read_zip"),
}


def reader_for(fmt: str) -> Reader:
    module, function = READERS[fmt]
    return getattr(importlib.import_module(f"abierto.ingest.readers.{module}"), function)


def read_tables(path: Path, options: ReadOptions | None = None) -> list[SourceTable]:
    """Every table found in ``path``; raises :class:`UnreadableFileError` with the reason."""
    options = options or ReadOptions()
    if not path.is_file():
        raise UnreadableFileError(str(path), "no such file")
    if path.stat().st_size == 0:
        raise UnreadableFileError(str(path), "the file is empty")
    fmt = sniff_format(path)
    if fmt == "html":
        raise UnreadableFileError(
            str(path),
            "this is an HTML web page, not a data file",
            hint="download the data itself, not the page that links to it",
        )
    tables = reader_for(fmt)(path, options)
    for table in tables:
        table.detected.setdefault("format", fmt)
    if not tables:
        raise UnreadableFileError(str(path), f"no table found in this {fmt.upper()} file")
    return tables
