"""Delimited text (CSV, TSV, TXT): Python finds the layout, DuckDB parses the bulk.

Detection runs on a sample — encoding (see encoding.py), delimiter, the header row below
title rows, notes below the data. The whole file is then parsed by DuckDB's CSV reader as
text columns, in parallel and in bounded memory; rows DuckDB rejects (too many cells, bad
quoting, bad bytes) are parsed again here, reported, and kept.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np

from abierto.ingest.errors import UnreadableFileError, ValidationError
from abierto.ingest.layout import count_trailing_notes, filled, find_header_row, is_blank
from abierto.ingest.readers import ReadOptions
from abierto.ingest.readers.encoding import (
    EncodingGuess,
    NotUtf8Error,
    detect_encoding,
    has_bare_cr,
    transcode_to_utf8,
)
from abierto.ingest.source import ROW_COLUMN, Note, ScanResult, SourceTable, cell_column
from abierto.query.sql import literal

DELIMITERS = [",", ";", "\t", "|"]
SAMPLE_CHARS = 1 << 20
TAIL_BYTES = 64 << 10
BAD_BYTES = ("INVALID UNICODE", "INVALID ENCODING")  # DuckDB's names, older and newer
NULL_MARK = "\x01"  # never in real data: lets "" mean an empty cell and NULL a missing one
csv.field_size_limit(32 << 20)  # Python re-parses rejected lines; long cells are real


def read_csv(path: Path, options: ReadOptions) -> list[SourceTable]:
    guess = detect_encoding(path, options.encoding, whole_file=not options.utf8_checked_by_parser)
    bare_cr = has_bare_cr(path)
    text_path, scratch = _utf8_copy(path, guess, bare_cr, options)
    sample = _read_text(text_path, SAMPLE_CHARS)
    if not sample.strip():
        raise UnreadableFileError(str(path), "the file holds no text")
    delimiter = options.delimiter or sniff_delimiter(sample)
    rows, lines_after = _parse_sample(sample, delimiter)
    header_index = (options.header_row - 1) if options.header_row else find_header_row(rows)
    if header_index >= len(rows):
        raise UnreadableFileError(str(path), f"there is no row {header_index + 1}")
    titles = [c.strip() if c else "" for c in rows[header_index]]
    data_sample = rows[header_index + 1 :]
    width = _table_width(len(titles), data_sample[:1000])
    titles += [""] * (width - len(titles))
    tail = _tail_rows(text_path, delimiter)
    note_rows = count_trailing_notes(tail, width) if tail else 0
    notes_below = [r for r in tail[len(tail) - note_rows :] if not is_blank(r)] if note_rows else []

    detected = {
        "format": "csv",
        "encoding": guess.encoding,
        "encoding_confidence": guess.confidence,
        "encoding_reason": guess.reason,
        "delimiter": delimiter,
        "header_row": lines_after[header_index],
        "line_endings": "CR (classic Mac)" if bare_cr else None,
    }
    detected = {k: v for k, v in detected.items() if v is not None}
    notes = [
        Note(lines_after[i], " ".join(filled(r)), "above")
        for i, r in enumerate(rows[:header_index])
        if not is_blank(r)
    ]
    notes += [Note(None, " ".join(filled(r)), "below") for r in notes_below]
    stager = _Stager(
        text_path=text_path,
        scratch=scratch,
        delimiter=delimiter,
        width=width,
        skip_lines=lines_after[header_index],
        note_span=note_rows,
        note_rows=len(notes_below),
        utf8_unchecked=guess.is_utf8 and options.utf8_checked_by_parser and not options.encoding,
    )
    table = SourceTable(
        name=path.stem,
        titles=titles,
        detected=detected,
        notes=notes,
        stage_into=stager.stage,
        finish_scan=stager.finish_scan,
        run_scan=stager.run_scan,
        trailing_rows=len(notes_below),
        closer=stager.close,
    )
    stager.table = table
    return [table]


def _table_width(header_width: int, rows: list[list[str]]) -> int:
    """The header's width, unless most rows are wider (a header missing its last titles).

    Cells past the width are extra cells, reported row by row.
    """
    lengths = Counter(len(r) for r in rows if any(c.strip() for c in r))
    if not lengths:
        return header_width
    modal, count = lengths.most_common(1)[0]
    return max(header_width, modal) if count >= 0.5 * sum(lengths.values()) else header_width


def _utf8_copy(
    path: Path, guess: EncodingGuess, bare_cr: bool, options: ReadOptions
) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    """The file itself when DuckDB can read it as is, else a UTF-8 copy in scratch space
    (another encoding, or classic Mac line endings, which DuckDB does not split on)."""
    if guess.is_utf8 and not bare_cr:
        return path, None
    scratch = tempfile.TemporaryDirectory(prefix="abierto-csv-", dir=options.workdir)
    target = Path(scratch.name) / "utf8.csv"
    try:
        transcode_to_utf8(path, target, guess.encoding)
    except UnicodeDecodeError as exc:
        scratch.cleanup()
        raise UnreadableFileError(
            str(path), f"cannot decode as {guess.encoding} at byte {exc.start}"
        ) from exc
    return target, scratch


def _read_text(path: Path, limit: int) -> str:
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        text = f.read(limit)
    return text.lstrip("\ufeff")


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's lines into the most, most regular fields.

    When none splits the lines at all (a one-column file), a candidate absent from the
    sample is used, so that commas inside the values stay part of them.
    """
    lines = [line for line in sample.splitlines()[:200] if line.strip()]
    best, best_score = "", -1.0
    for delimiter in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        width, frequency = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = frequency * width
        if score > best_score:
            best, best_score = delimiter, score
    if best:
        return best
    return next((d for d in DELIMITERS if d not in sample), ",")


def _parse_sample(sample: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """Rows of the sample and, for each, the number of physical lines up to its end."""
    if len(sample) >= SAMPLE_CHARS:  # drop the last, probably cut, line
        sample = sample[: sample.rfind("\n") + 1] or sample
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error:
        pass  # an unterminated quote at the sample's end
    return rows, lines


def _tail_rows(path: Path, delimiter: str) -> list[list[str]]:
    with path.open("rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - TAIL_BYTES))
        data = f.read()
    if size > TAIL_BYTES:
        data = data[data.find(b"\n") + 1 :]
    text = data.decode("utf-8", errors="replace")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return []


class _Stager:
    """Loads the data rows into DuckDB; keeps the scratch copy alive until then."""

    def __init__(
        self,
        *,
        text_path: Path,
        scratch: tempfile.TemporaryDirectory | None,
        delimiter: str,
        width: int,
        skip_lines: int,
        note_span: int,
        note_rows: int,
        utf8_unchecked: bool = False,
    ) -> None:
        self.text_path = text_path
        self.utf8_unchecked = utf8_unchecked  # only the samples were checked
        self.scratch = scratch
        self.delimiter = delimiter
        self.width = width
        self.skip_lines = skip_lines
        self.note_span = note_span  # lines from the first note below the data to the end
        self.note_rows = note_rows  # non-blank lines among them
        self.table: SourceTable | None = None
        self.view = ""
        self.parallel = True
        self.lines: Future[tuple[int, list[int]]] | None = None

    def stage(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        """A view over DuckDB's parallel CSV scan: no copy, no row numbers yet.

        Each pass of the pipeline re-parses the columns it needs, which DuckDB does faster
        than it could store and re-read them.
        """
        self.view = name
        # Where the empty lines are is read by Python while DuckDB parses (it frees the GIL).
        scanner = ThreadPoolExecutor(max_workers=1)
        self.lines = scanner.submit(_scan_lines, self.text_path)
        scanner.shutdown(wait=False)
        self._create_view(con, parallel=True)
        try:
            con.execute(f'SELECT count(*) FROM (SELECT * FROM "{name}" LIMIT 1)').fetchall()
        except duckdb.Error as exc:
            self._fall_back_or_fail(con, exc)

    def _create_view(self, con: duckdb.DuckDBPyConnection, *, parallel: bool) -> None:
        self.parallel = parallel
        source = self._read_csv_sql(parallel=parallel)
        con.execute(f'CREATE OR REPLACE VIEW "{self.view}" AS SELECT * FROM {source}')

    def _fall_back_or_fail(self, con: duckdb.DuckDBPyConnection, exc: duckdb.Error) -> None:
        # Quoted line breaks with short rows need DuckDB's single-threaded reader.
        if not self.parallel or "parallel" not in str(exc).lower():
            raise UnreadableFileError(str(self.text_path), _duckdb_message(exc)) from exc
        self._create_view(con, parallel=False)

    def run_scan(self, con: duckdb.DuckDBPyConnection, run: Callable[[], object]) -> None:
        """Run the pipeline's full pass, switching to the serial reader if DuckDB asks."""
        try:
            run()
        except duckdb.Error as exc:
            self._fall_back_or_fail(con, exc)
            run()

    def finish_scan(self, con: duckdb.DuckDBPyConnection, scanned: int) -> ScanResult:
        assert self.table is not None
        assert self.lines is not None, "stage() comes before finish_scan()"
        total_lines, blank_lines = self.lines.result()
        first_data = self.skip_lines + 1
        notes_from = total_lines - self.note_span + 1 if self.note_span else total_lines + 1
        all_rejects = self._rejects(con)
        if self.utf8_unchecked and any(kind in BAD_BYTES for _, kind, _ in all_rejects):
            raise NotUtf8Error(str(self.text_path))
        rejects = [r for r in all_rejects if r[0] < notes_from]
        keep = scanned - max(0, self.note_rows - (len(all_rejects) - len(rejects)))
        blanks = _inner_blank_lines(blank_lines, first_data, min(notes_from, total_lines + 1))
        self.table.errors.extend(
            ValidationError("blank-row", "la fila está vacía / the row is empty", row=line)
            for line in blanks
        )
        gaps = sorted(blanks + [line for line, _, _ in rejects])
        extra = self._stage_rejects(con, self.view, rejects) if rejects else None
        return ScanResult(keep, _row_number_sql(first_data, gaps), extra)

    def _read_csv_sql(self, *, parallel: bool) -> str:
        columns = ", ".join(f"'{cell_column(i)}': 'VARCHAR'" for i in range(self.width))
        return (
            f"read_csv({literal(str(self.text_path))}, columns={{{columns}}}, "
            f"auto_detect=false, header=false, skip={self.skip_lines}, "
            f"delim={literal(self.delimiter)}, quote='\"', escape='\"', null_padding=true, "
            f"nullstr={literal(NULL_MARK)}, strict_mode=true, store_rejects=true, "
            f"parallel={'true' if parallel else 'false'})"
        )

    def close(self) -> None:
        if self.scratch is not None:
            self.scratch.cleanup()

    def _rejects(self, con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
        try:
            rows = con.execute(
                "SELECT line, any_value(error_type), any_value(csv_line) FROM reject_errors "
                "GROUP BY line ORDER BY line"
            ).fetchall()
        except duckdb.CatalogException:
            return []  # DuckDB creates the table only when something was rejected
        return [(int(line), str(kind), str(text)) for line, kind, text in rows]

    def _stage_rejects(
        self, con: duckdb.DuckDBPyConnection, name: str, rejects: list[tuple[int, str, str]]
    ) -> str:
        """Parse rejected lines leniently, report what was wrong, and stage them too."""
        assert self.table is not None
        fixed = f"{name}__fixed"
        columns = ", ".join(f"{cell_column(i)} VARCHAR" for i in range(self.width))
        con.execute(f'CREATE TABLE "{fixed}" ({ROW_COLUMN} BIGINT, {columns})')
        titles = self.table.titles
        placeholders = ", ".join("?" * (self.width + 1))
        for line, kind, raw in rejects:
            # After an empty line DuckDB's csv_line starts with that line's newline.
            text = raw.lstrip("\r\n")
            cells: list[str | None] = list(_parse_line(text, self.delimiter))
            self.table.errors.extend(_reject_errors(line, kind, text, cells, titles))
            cells = (cells + [None] * self.width)[: self.width]
            con.execute(f'INSERT INTO "{fixed}" VALUES ({placeholders})', [line, *cells])
        return fixed


def _scan_lines(path: Path, chunk_bytes: int = 8 << 20) -> tuple[int, list[int]]:
    """The file's number of lines and the numbers of its empty lines.

    DuckDB skips empty lines silently; knowing where they are keeps row numbers true. A
    line is empty when its newline follows the one before at once, or after a lone "\r".
    The file's start behaves like the end of a line.
    """
    blanks: list[np.ndarray] = []
    newlines = 0  # newlines before the current chunk
    previous = -1  # offset of the last newline seen, the virtual one at first
    last_byte = 10  # the chunk so far ends as if after a newline
    offset = 0
    with path.open("rb") as f:
        while chunk := f.read(chunk_bytes):
            data = np.frombuffer(chunk, dtype=np.uint8)
            found = np.flatnonzero(data == 10)
            if found.size:
                before = np.concatenate(([previous - offset], found[:-1]))
                gap = found - before
                byte_before = np.where(found > 0, data[found - 1], last_byte)
                empty = (gap == 1) | ((gap == 2) & (byte_before == 13))
                blanks.append(newlines + 1 + np.flatnonzero(empty))
                previous = offset + int(found[-1])
                newlines += int(found.size)
            last_byte = int(data[-1])
            offset += len(chunk)
    total = newlines + (0 if last_byte == 10 and offset else 1)
    return total, [int(n) for n in np.concatenate(blanks)] if blanks else []


def _inner_blank_lines(blanks: list[int], first_data: int, end: int) -> list[int]:
    """Empty lines between the first data line and ``end``, less a run of them at the end."""
    inner = [b for b in blanks if first_data < b < end]
    last = end - 1
    while inner and inner[-1] == last:
        inner.pop()
        last -= 1
    return inner


def _parse_line(text: str, delimiter: str) -> list[str]:
    """Cells of one rejected record, read leniently (a stray quote must not lose data)."""
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return text.split(delimiter)


def _reject_errors(
    line: int, kind: str, text: str, cells: list[str], titles: list[str]
) -> list[ValidationError]:
    snippet = text[:200]
    if kind == "TOO MANY COLUMNS":
        return [
            ValidationError(
                "extra-cell",
                f"celda de más fuera del encabezado / cell beyond the header: {value[:80]!r}",
                row=line,
                column=f"#{position}",
                value=value[:200],
            )
            for position, value in enumerate(cells[len(titles) :], start=len(titles) + 1)
        ]
    if kind in BAD_BYTES:
        return [ValidationError("encoding-error", "bytes that are not valid text", row=line)]
    return [ValidationError("malformed-row", f"{kind.lower()}: {snippet!r}", row=line)]


def _row_number_sql(first_line: int, gaps: list[int]) -> str:
    """SQL giving each staged row its line number, skipping lines not staged in order."""
    if not gaps:
        return f"rowid + {first_line}"
    # The i-th gap (0-based) shifts every row whose rowid is >= gap - first_line - i.
    thresholds = [gap - first_line - i for i, gap in enumerate(gaps)]
    cases = " ".join(
        f"WHEN rowid >= {t} THEN {n}"
        for n, t in sorted(((i + 1, t) for i, t in enumerate(thresholds)), reverse=True)
    )
    return f"rowid + {first_line} + CASE {cases} ELSE 0 END"


def _duckdb_message(exc: duckdb.Error) -> str:
    first = str(exc).strip().splitlines()
    return " ".join(first[:2]) if first else "DuckDB could not read the file"
