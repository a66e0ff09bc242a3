"""What a file really is, from its first bytes — never from its name or declared format.

Portals label links "CSV" that return a web page, and "XLS" that are PDFs; the census asks
whether the data *is* machine-readable, so the pre-fill reads the first kilobytes of each
file and recognises: PDF, Parquet, the Office families (XLSX/DOCX and ODS are ZIPs, XLS/DOC
are OLE2 compound files), other ZIPs (by their first member), HTML, XML, JSON (GeoJSON,
NDJSON, and whether it is one page of a paged API), and delimited text (CSV/TSV, with its
delimiter, column count and encoding). ``None`` means the bytes say nothing we can name.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import struct
from collections import Counter
from dataclasses import dataclass

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = {",": "CSV", ";": "CSV", "\t": "TSV", "|": "CSV"}
ROWS_READ = 50
# A key of a JSON object that points at a next page: the file is one page, not the table.
PAGING_KEYS = {"next", "next_cursor", "nextPageToken", "next_page", "@odata.nextLink"}


@dataclass(frozen=True, slots=True)
class Sniffed:
    format: str
    detail: str = ""
    paged: bool = False  # one page of an API, not the whole table
    member: str = ""  # a ZIP's first file

    def describe(self) -> str:
        return f"{self.format} ({self.detail})" if self.detail else self.format


def sniff(body: bytes, *, complete: bool = True) -> Sniffed | None:
    """The real format of ``body`` (the whole file when ``complete``, else its start)."""
    head = body[:4096]
    if not head.strip():
        return None
    for recognise in (_binary, _markup):
        if (found := recognise(body, head)) is not None:
            return found
    text = _decode(body, complete)
    if text is None:
        return None
    plain = Sniffed("TXT", f"text ({text[1]}) without columns")
    return _json(text[0], complete) or _delimited(text, complete) or plain


def _binary(body: bytes, head: bytes) -> Sniffed | None:
    if (at := head[:1024].find(b"%PDF-")) >= 0:
        return Sniffed("PDF", f"PDF {head[at + 5 : at + 8].decode('ascii', 'replace')}")
    if head.startswith(b"PAR1"):
        return Sniffed("PARQUET")
    if head.startswith(OLE_MAGIC):
        if "WordDocument".encode("utf-16-le") in body:
            return Sniffed("DOC", "an Office 97–2003 document")
        return Sniffed("XLS", "an Office 97–2003 (OLE2) file")
    if head.startswith(ZIP_MAGIC):
        return _zip(body)
    return None


def zip_members(body: bytes) -> list[tuple[str, bytes]]:
    """(name, first bytes) of the members whose local headers lie within ``body``."""
    members: list[tuple[str, bytes]] = []
    at = 0
    while body[at : at + 4] == ZIP_MAGIC and at + 30 <= len(body):
        flags, _, _, _, _, size, _, name_len, extra_len = struct.unpack(
            "<HHHHIIIHH", body[at + 6 : at + 30]
        )
        start = at + 30 + name_len + extra_len
        name = body[at + 30 : at + 30 + name_len].decode("utf-8", "replace")
        members.append((name, body[start : start + min(size, 100)]))
        if flags & 0x08:
            break  # sizes come after the data: the next header cannot be found cheaply
        at = start + size
    return members


def _zip(body: bytes) -> Sniffed:
    members = zip_members(body)
    names = [name for name, _ in members]
    if members and members[0][0] == "mimetype":
        kind = members[0][1].decode("ascii", "replace")
        if kind.endswith("opendocument.spreadsheet"):
            return Sniffed("ODS", "an OpenDocument spreadsheet")
        return Sniffed("ZIP", f"an OpenDocument file ({kind})")
    if any(n.startswith("xl/") for n in names) or b"xl/workbook" in body or b"xl/_rels" in body:
        return Sniffed("XLSX", "an Office Open XML workbook")
    if any(n.startswith("word/") for n in names) or b"word/document" in body:
        return Sniffed("DOCX", "an Office Open XML document")
    files = [n for n in names if not n.endswith("/")]
    if files:
        return Sniffed("ZIP", f"a ZIP whose first file is {files[0]}", member=files[0])
    return Sniffed("ZIP", "a ZIP archive")


def _markup(body: bytes, head: bytes) -> Sniffed | None:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not start.startswith(b"<"):
        return None
    if re.search(rb"<!doctype html|<html|<head[\s>]|<body[\s>]", start[:2048]):
        title = re.search(rb"<title[^>]*>([^<]{1,80})", head, re.IGNORECASE)
        about = title.group(1).decode("utf-8", "replace").strip() if title else ""
        return Sniffed("HTML", f"a web page titled {about!r}" if about else "a web page")
    if start.startswith(b"<?xml") or re.match(rb"<[a-z_][\w.:-]*[\s>/]", start):
        root = re.search(rb"<([a-z_][\w.:-]*)[\s>/]", start.replace(b"<?xml", b"", 1))
        return Sniffed("XML", f"root element <{root.group(1).decode()}>" if root else "")
    return None


def _utf16(body: bytes) -> str | None:
    """UTF-16 with or without its BOM (INEGI exports have none): NULs in every other byte."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = body[:1024]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > len(sample) // 4 and even < odd // 8:
        return "utf-16-le"
    if even > len(sample) // 4 and odd < even // 8:
        return "utf-16-be"
    return None


def _decode(body: bytes, complete: bool) -> tuple[str, str] | None:
    """(text, what the encoding is); a character cut at the end of a prefix is dropped.
    Which single-byte code page (Windows-1252, Mac Roman, …) cannot be told from a sample,
    so the evidence does not claim one."""
    wide = _utf16(body)
    if wide is None and b"\x00" in body[:1024]:
        return None  # binary
    for encoding, name in ((wide, "UTF-16"), ("utf-8-sig", "UTF-8"), ("latin-1", "not UTF-8")):
        if encoding is None:
            continue
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(body, final=complete)
        except UnicodeDecodeError:
            continue
        return text, name
    return None


def _json(text: str, complete: bool) -> Sniffed | None:
    start = text.lstrip()
    if not start.startswith(("{", "[")):
        return None
    if not complete:
        geo = re.search(r'"type"\s*:\s*"Feature(Collection)?"', start[:4096])
        return Sniffed("GEOJSON" if geo else "JSON", "the start of a larger document")
    try:
        value = json.loads(start)
    except ValueError:
        return _ndjson(start)
    if isinstance(value, dict) and value.get("type") in ("FeatureCollection", "Feature"):
        return Sniffed("GEOJSON", f"{len(value.get('features') or [])} features")
    size = f"{len(value)} items" if isinstance(value, list) else f"an object of {len(value)} keys"
    paged = _next_page(value)
    return Sniffed("JSON", f"{size}, a page with a link to the next" if paged else size, paged)


def _next_page(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    if any(value.get(key) for key in PAGING_KEYS):
        return True
    links = value.get("links") or value.get("_links")
    if isinstance(links, dict) and links.get("next"):
        return True
    return _next_page(value.get("result"))  # CKAN datastore_search's envelope


def _ndjson(text: str) -> Sniffed | None:
    lines = [line for line in text.splitlines()[:ROWS_READ] if line.strip()]
    try:
        if len(lines) > 1 and all(isinstance(json.loads(line), dict) for line in lines):
            return Sniffed("NDJSON", "one JSON object per line")
    except ValueError:
        pass
    return Sniffed("TXT", "starts like JSON but does not parse")


def _delimited(decoded: tuple[str, str], complete: bool) -> Sniffed | None:
    text, encoding = decoded
    if not complete:
        text = text[: max(text.rfind("\n"), text.rfind("\r")) + 1] or text  # the last may be cut
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        rows = [r for r in _rows(text, delimiter) if any(cell.strip() for cell in r)]
        if len(rows) < 2:
            continue
        width, count = Counter(len(r) for r in rows).most_common(1)[0]
        share = count / len(rows)
        if width >= 2 and share >= 0.6 and (best is None or (share, width) > best[:2]):
            best = (share, width, delimiter)
    if best is None:
        return None
    _, width, delimiter = best
    shown = "tab" if delimiter == "\t" else repr(delimiter)
    return Sniffed(DELIMITERS[delimiter], f"{shown}-separated, {width} columns, {encoding}")


def _rows(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)  # CR, LF, CRLF
    try:
        return [row for _, row in zip(range(ROWS_READ), reader, strict=False)]
    except csv.Error:
        return []
