"""Text encoding detection for delimited files.

Strict UTF-8 first (BOM first), UTF-16 by BOM or by its pattern of zero bytes, then a choice
among the single-byte encodings Mexican offices actually produce — Windows-1252, Latin-1 and
Mac Roman — by how plausible the decoded text is as Spanish. A free-running detector picks
Windows-1250 for "AÑO" (the trap in charset-normalizer), so candidates are fixed here.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1 << 20
PROBES = 16  # extra slices read across big files, so a late "Ñ" is seen
PROBE_BYTES = 64 << 10

SPANISH_LETTERS = set("áéíóúüñÁÉÍÓÚÜÑàèìòùÀÈÌÒÙçÇ")
SPANISH_MARKS = set("¿¡°ºª“”‘’–—«»·€\xa0´")


@dataclass(frozen=True, slots=True)
class EncodingGuess:
    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16, windows-1252, …
    confidence: float
    reason: str

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "utf-8"


def read_probes(path: Path) -> bytes:
    """The file's head plus evenly spaced slices through the rest of it."""
    size = path.stat().st_size
    with path.open("rb") as f:
        data = f.read(SAMPLE_BYTES)
        if size > SAMPLE_BYTES + PROBES * PROBE_BYTES:
            step = (size - SAMPLE_BYTES) // PROBES
            for i in range(1, PROBES + 1):
                f.seek(min(size - PROBE_BYTES, SAMPLE_BYTES + i * step - PROBE_BYTES))
                data += b"\n" + f.read(PROBE_BYTES)
        elif size > SAMPLE_BYTES:
            data += f.read()
    return data


class NotUtf8Error(Exception):
    """A file the samples took for UTF-8 holds bytes that are not: DuckDB, which checks
    every byte it parses, found them. Reading it again with ``whole_file=True`` decides."""


def detect_encoding(
    path: Path, forced: str | None = None, *, whole_file: bool = True
) -> EncodingGuess:
    """The file's encoding. Without ``whole_file``, a UTF-8 verdict rests on the samples and
    the caller checks the rest (the CSV reader lets DuckDB do it while parsing)."""
    if forced:
        codecs.lookup(forced)  # raises LookupError for unknown names
        return EncodingGuess(forced, 1.0, "given by the publisher")
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8-sig", 1.0, "UTF-8 byte order mark")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16", 1.0, "UTF-16 byte order mark")
    sample = read_probes(path)
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if _is_utf8(sample, truncated=path.stat().st_size > len(sample)):
        bad = _first_invalid_utf8(path) if whole_file else None
        if bad is None:
            ascii_only = sample.isascii()
            reason = "only ASCII characters" if ascii_only else "decodes as strict UTF-8"
            return EncodingGuess("utf-8", 1.0, reason)
        sample += b"\n" + bad
    return _best_single_byte(sample)


def _first_invalid_utf8(path: Path, chunk: int = 8 << 20) -> bytes | None:
    """The bytes around the first invalid UTF-8 sequence in the whole file, if any.

    Samples can miss one "Ñ" deep in a large file; a full strict pass costs a fraction of
    a second per hundred megabytes and makes the UTF-8 claim hold for every row.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        while data := f.read(chunk):
            try:
                decoder.decode(data)
            except UnicodeDecodeError as exc:
                return data[max(0, exc.start - 2000) : exc.end + 2000]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return b""
    return None


def _utf16_without_bom(sample: bytes) -> EncodingGuess | None:
    even, odd = sample[0:4000:2], sample[1:4000:2]
    if not even or not odd:
        return None
    zeros_odd = odd.count(0) / len(odd)
    zeros_even = even.count(0) / len(even)
    if zeros_odd > 0.6 and zeros_even < 0.1:
        return EncodingGuess("utf-16-le", round(zeros_odd, 3), "zero bytes after each ASCII byte")
    if zeros_even > 0.6 and zeros_odd < 0.1:
        return EncodingGuess("utf-16-be", round(zeros_even, 3), "zero bytes before each ASCII byte")
    return None


def _is_utf8(sample: bytes, truncated: bool) -> bool:
    # Probes are cut at arbitrary bytes: a broken sequence at a slice edge is not evidence.
    for chunk in sample.split(b"\n"):
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            at_edge = exc.start >= len(chunk) - 3 or exc.end <= 3
            if not (truncated and at_edge):
                return False
    return True


def _plausibility(text: str) -> tuple[int, int]:
    """(score, non-ASCII count): letters between letters, marks elsewhere, score up."""
    score = total = 0
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        total += 1
        if "\x80" <= ch <= "\x9f":
            score -= 5
            continue
        prev_alpha = i > 0 and text[i - 1].isalpha()
        next_alpha = i + 1 < len(text) and text[i + 1].isalpha()
        inside_word = prev_alpha and next_alpha
        if ch in SPANISH_LETTERS:
            score += 2 if ch.islower() or inside_word or prev_alpha or next_alpha else 1
        elif ch in SPANISH_MARKS:
            score += -1 if inside_word else 1
        else:
            score -= 2
    return score, total


def _best_single_byte(sample: bytes) -> EncodingGuess:
    results: list[tuple[int, str, int]] = []
    for name in ("windows-1252", "mac-roman", "iso-8859-1"):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        score, total = _plausibility(text)
        results.append((score, name, total))
    # Stable preference on ties: Windows-1252 decodes every Latin-1 letter the same way.
    results.sort(key=lambda r: (-r[0], ("windows-1252", "iso-8859-1", "mac-roman").index(r[1])))
    score, name, total = results[0]
    if name == "windows-1252" and not any(0x80 <= b <= 0x9F for b in sample):
        name = "iso-8859-1"  # nothing in the sample tells them apart; Latin-1 is the plain claim
    second = results[1][0] if len(results) > 1 else score - total
    margin = (score - second) / max(total, 1)
    confidence = round(min(1.0, 0.5 + margin / 2 + (0.25 if score > 0 else 0)), 3)
    return EncodingGuess(name, confidence, "not UTF-8; the most plausible Spanish text")


def decoding_codec(encoding: str) -> str:
    """Codec used to decode: Latin-1 files are read as Windows-1252, its superset.

    A byte 0x80–0x9F in a "Latin-1" file is nearly always a Windows quote or dash
    that the sample did not show; as Latin-1 it would become an invisible control.
    """
    return "windows-1252" if encoding == "iso-8859-1" else encoding


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    # Bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) decode as Latin-1.
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("iso-8859-1"), exc.end


codecs.register_error("abierto-latin1", _latin1_fallback)


def transcode_to_utf8(source: Path, target: Path, encoding: str, chunk: int = 1 << 20) -> int:
    """Stream ``source`` into ``target`` as UTF-8 with LF or CRLF endings.

    Classic Mac files end lines with a bare CR; these become LF. Returns the number of
    characters that could not be decoded (replaced by U+FFFD).
    """
    codec = decoding_codec(encoding)
    errors = "abierto-latin1" if codec == "windows-1252" else "replace"
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    replaced = 0
    pending_cr = False
    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while True:
            data = src.read(chunk)
            text = decoder.decode(data, final=not data)
            replaced += text.count("\ufffd")
            if pending_cr:
                text = "\r" + text
            pending_cr = text.endswith("\r")
            if pending_cr:
                text = text[:-1]
            dst.write(_normalise_bare_cr(text))
            if not data:
                break
        if pending_cr:
            dst.write("\n")
    return replaced


def _normalise_bare_cr(text: str) -> str:
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_bare_cr(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    return b"\r" in head and b"\n" not in head
