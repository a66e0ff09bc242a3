"""Workbooks (.xlsx, .xls, .ods), read with python-calamine.

Each sheet is loaded whole (calamine has no streaming API), its cells rendered as strings
by the conventions of source.py, and cut into tables: title rows above, a header of one or
more rows (merged cells flattened into one title per column), the data, and notes below.
Fully blank rows followed by a new header start a new table on the same sheet. Staging
loads the sheet again rather than keeping it, so one sheet at a time is held in memory.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.layout import (
    NUMERIC,
    YEAR,
    count_trailing_notes,
    filled,
    find_header_row,
    flatten_header,
    header_depth,
)
from abierto.ingest.readers import ReadOptions, sniff_format
from abierto.ingest.source import Note, SourceTable, batches_from_rows

Merge = tuple[tuple[int, int], tuple[int, int]]
SCAN_ROWS = 50  # rows searched for a header
BLOCK_ROWS = 12  # rows after a blank gap examined for the header of a new table
SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


@dataclass(slots=True)
class _Sheet:
    """One sheet's cells as strings, from A1 (row i is Excel row i + 1), and its merges."""

    name: str
    grid: list[list[str]]
    merges: list[Merge]  # sorted by first row
    blank: list[bool] = field(init=False)
    starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.blank = [not any(c.strip() for c in row) for row in self.grid]
        self.starts = [m[0][0] for m in self.merges]

    def merges_in(self, start: int, stop: int) -> list[Merge]:
        """Merges whose first row is in [start, stop), relative to ``start``."""
        lo, hi = bisect_left(self.starts, start), bisect_left(self.starts, stop)
        return [((r0 - start, c0), (r1 - start, c1)) for (r0, c0), (r1, c1) in self.merges[lo:hi]]

    def window(self, start: int, stop: int) -> list[list[str]]:
        """Rows [start, stop) with each merged cell's text copied over the cells it covers."""
        rows = [list(r) for r in self.grid[start:stop]]
        for (r0, c0), (r1, c1) in self.merges_in(start, stop):
            text = rows[r0][c0] if c0 < len(rows[r0]) else ""
            for r in range(r0, min(r1 + 1, len(rows))):
                for c in range(c0, min(c1 + 1, len(rows[r]))):
                    rows[r][c] = rows[r][c] or text
        return rows


@dataclass(slots=True)
class _Layout:
    """Where one table sits on its sheet; rows are 0-based, ``stop`` exclusive."""

    header: int
    depth: int
    stop: int
    columns: list[int]
    titles: list[str]
    notes: list[Note]
    # Vertically merged cells in the data: (first row, last row, column, text).
    fills: list[tuple[int, int, int, str]]

    @property
    def first(self) -> int:
        return self.header + self.depth


def read_excel(path: Path, options: ReadOptions) -> list[SourceTable]:
    fmt = _format(path)
    workbook = _open(path)
    try:
        tables: list[SourceTable] = []
        for name, hidden in _sheet_names(path, workbook, options):
            sheet = _load(path, workbook, name)
            for index, layout in enumerate(_layouts(path, sheet, options), start=1):
                table = _source_table(path, fmt, sheet.name, layout, index)
                if hidden:
                    table.detected["hidden"] = True
                tables.append(table)
        return tables
    finally:
        workbook.close()


def _format(path: Path) -> str:
    fmt = sniff_format(path)
    return fmt if fmt in ("xlsx", "xls", "ods") else SUFFIXES.get(path.suffix.lower(), fmt)


def _open(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types, all meaning "cannot read"
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: Exception) -> UnreadableFileError:
    if isinstance(exc, PasswordError) or _is_encrypted(path):
        return UnreadableFileError(
            str(path),
            "the workbook is password-protected",
            hint="save a copy without a password and publish that one",
        )
    return UnreadableFileError(
        str(path),
        f"the spreadsheet is damaged or not a real workbook ({exc})",
        hint="open it in a spreadsheet program and save it again as .xlsx",
    )


def _is_encrypted(path: Path) -> bool:
    """True for an Office file encrypted with a password (an OLE box with EncryptedPackage)."""
    with path.open("rb") as f:
        if f.read(4) != b"\xd0\xcf\x11\xe0":
            return False
        tail = b""
        while chunk := f.read(1 << 20):
            if ENCRYPTED in tail + chunk:
                return True
            tail = chunk[-len(ENCRYPTED) :]
    return False


def _sheet_names(
    path: Path, workbook: CalamineWorkbook, options: ReadOptions
) -> list[tuple[str, bool]]:
    sheets = [
        (m.name, m.visible != SheetVisibleEnum.Visible)
        for m in workbook.sheets_metadata
        if m.typ == SheetTypeEnum.WorkSheet
    ]
    if options.sheet is None:
        return sheets
    wanted = options.sheet.strip().casefold()
    chosen = [s for s in sheets if s[0] == options.sheet] or [
        s for s in sheets if s[0].strip().casefold() == wanted
    ]
    if not chosen:
        raise UnreadableFileError(
            str(path),
            f"there is no sheet named {options.sheet!r}",
            hint="sheets: " + ", ".join(repr(s[0]) for s in sheets),
        )
    return chosen[:1]


def _raw_sheet(
    path: Path, workbook: CalamineWorkbook, name: str
) -> tuple[list[list[Any]], list[Merge]]:
    """The sheet's values from A1, so indexes match merged ranges (which are absolute)."""
    try:
        sheet = workbook.get_sheet_by_name(name)
        return sheet.to_python(skip_empty_area=False), sorted(sheet.merged_cell_ranges or [])
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def _load(path: Path, workbook: CalamineWorkbook, name: str) -> _Sheet:
    rows, merges = _raw_sheet(path, workbook, name)
    for i, row in enumerate(rows):  # in place: never two copies of the sheet
        rows[i] = [render(v) for v in row]
    return _Sheet(name, rows, merges)


def render(value: Any) -> str:
    """A cell value as text, by the conventions of source.py."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        hours, rest = divmod(abs(seconds), 3600)
        return f"{'-' if seconds < 0 else ''}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return str(value)


def _layouts(path: Path, sheet: _Sheet, options: ReadOptions) -> list[_Layout]:
    """The tables of a sheet; a table without data lends its text to its neighbours."""
    layouts: list[_Layout] = []
    pending: list[Note] = []
    regions = _regions(sheet, options)
    for k, (start, stop) in enumerate(regions):
        layout = _layout(path, sheet, start, stop, options)
        if layout is None:
            continue
        last = k == len(regions) - 1
        if layout.first >= layout.stop and (not last or layouts or len(layout.titles) < 2):
            pending += _notes(sheet, start, stop, "above")  # a title block, not a table
            continue
        layout.notes[:0] = pending
        pending = []
        layouts.append(layout)
    if pending and layouts:
        layouts[-1].notes += [Note(n.row, n.text, "below") for n in pending]
    return layouts


def _regions(sheet: _Sheet, options: ReadOptions) -> list[tuple[int, int]]:
    """Row ranges of the tables: a blank gap followed by a new header starts one."""
    total = len(sheet.grid)
    if options.header_row:
        return [(0, total)]
    starts, i = [0], 0
    while i < total:
        if not sheet.blank[i]:
            i += 1
            continue
        gap = i
        while i < total and sheet.blank[i]:
            i += 1
        if gap > 0 and i < total and _starts_table(sheet, i):
            starts.append(i)
    return list(zip(starts, [*starts[1:], total], strict=True))


def _starts_table(sheet: _Sheet, start: int) -> bool:
    """Whether the block at ``start`` (after blank rows) is a new table, not more data.

    It must open with optional title rows, then a header of distinct labels at least as
    wide as the row below it and sharing no value with it, and that row must hold numbers
    or follow a title: a text-only row after a gap may just be more data of the table above.
    """
    stop = start
    while stop < len(sheet.grid) and not sheet.blank[stop] and stop - start < BLOCK_ROWS:
        stop += 1
    raw = sheet.grid[start:stop]
    titles = 0
    while titles < len(raw) and len(filled(raw[titles])) < 2:
        titles += 1
    if titles == len(raw) or not _header_candidate(raw[titles]):
        return False
    after = titles + header_depth(raw, titles, sheet.merges_in(start, stop))
    if after >= len(raw):
        return False
    header = sheet.window(start + titles, start + titles + 1)[0]
    data = filled(raw[after])
    if len(data) > len(filled(header)) or any(
        a.strip() and a == b for a, b in zip(raw[titles], raw[after], strict=False)
    ):
        return False
    return titles > 0 or any(NUMERIC.match(c) for c in data)


def _header_candidate(row: list[str]) -> bool:
    cells = filled(row)
    numbers = [c for c in cells if NUMERIC.match(c) and not YEAR.match(c)]
    return len(cells) >= 2 and not numbers and len(set(cells)) >= 0.8 * len(cells)


def _layout(
    path: Path, sheet: _Sheet, start: int, stop: int, options: ReadOptions
) -> _Layout | None:
    if all(sheet.blank[start:stop]):
        return None
    if options.header_row:
        header = options.header_row - 1
        if header >= stop:
            raise UnreadableFileError(str(path), f"sheet {sheet.name!r} has no row {header + 1}")
    else:
        header = start + find_header_row(sheet.window(start, min(stop, start + SCAN_ROWS)))
    depth = min(header_depth([], 0, sheet.merges_in(header, header + 1)), stop - header)
    first = header + depth
    header_rows = sheet.window(header, first)
    end = _data_end(sheet, first, stop, len(filled(header_rows[0])))
    columns = _columns(sheet, header_rows, first, end)
    merged = flatten_header(sheet.grid[header:first], sheet.merges_in(header, first))
    notes = _notes(sheet, start, header, "above") + _notes(sheet, end, stop, "below")
    titles = [merged[c] if c < len(merged) else "" for c in columns]
    return _Layout(header, depth, end, columns, titles, notes, _fills(sheet, first, end))


def _data_end(sheet: _Sheet, first: int, stop: int, width: int) -> int:
    """End of the data rows: trailing notes, totals and blank rows are cut off."""
    end = stop - count_trailing_notes(sheet.grid[first:stop], width)
    while end > first and sheet.blank[end - 1]:
        end -= 1
    if end - first > 2 and _is_column_sum(sheet.grid, first, end - 1, width):
        end -= 1
        while end > first and sheet.blank[end - 1]:
            end -= 1
    return end


def _is_column_sum(grid: list[list[str]], first: int, row: int, width: int) -> bool:
    """Whether ``row`` is an unlabelled totals row: some blanks, numbers that sum columns."""
    cells = [(c, v) for c, v in enumerate(grid[row]) if v.strip()]
    if not cells or len(cells) >= width:
        return False
    for c, text in cells:
        value = _number(text)
        values = [_number(r[c]) for r in grid[first:row] if c < len(r) and r[c].strip()]
        if not value or len(values) < 2 or None in values:
            return False
        if abs(sum(v or 0.0 for v in values) - value) > 1e-6 * max(1.0, abs(value)):
            return False
    return True


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _columns(sheet: _Sheet, header_rows: list[list[str]], first: int, end: int) -> list[int]:
    """Columns with a title or a value; phantom used ranges give blank ones."""
    width = max((len(r) for r in sheet.grid[first:end]), default=0)
    width = max([width, *(len(r) for r in header_rows)])
    unseen = {c for c in range(width) if not any(c < len(r) and r[c].strip() for r in header_rows)}
    for row in sheet.grid[first:end]:
        if not unseen:
            break
        unseen -= {c for c in unseen if c < len(row) and row[c].strip()}
    return [c for c in range(width) if c not in unseen]


def _notes(sheet: _Sheet, start: int, stop: int, position: str) -> list[Note]:
    return [
        Note(i + 1, " ".join(filled(sheet.grid[i])), position)
        for i in range(start, stop)
        if not sheet.blank[i]
    ]


def _fills(sheet: _Sheet, first: int, end: int) -> list[tuple[int, int, int, str]]:
    """A label merged down several data rows belongs to each of them."""
    fills = []
    for (r0, c0), (r1, _c1) in sheet.merges_in(first, end):
        text = sheet.grid[first + r0][c0] if c0 < len(sheet.grid[first + r0]) else ""
        if r1 > r0 and text.strip():
            fills.append((first + r0, first + min(r1, end - first - 1), c0, text))
    return fills


def _source_table(path: Path, fmt: str, sheet: str, layout: _Layout, index: int) -> SourceTable:
    detected: dict[str, Any] = {
        "format": fmt,
        "sheet": sheet,
        "header_row": layout.header + 1,
        "header_rows": layout.depth,
        "table_index": index,
        "data_rows": [layout.first + 1, layout.stop],
        "columns": [_column_letter(c) for c in layout.columns],
    }
    if layout.fills:
        detected["merged_data_cells"] = sum(last - first for first, last, _, _ in layout.fills)
    return SourceTable(
        name=sheet if index == 1 else f"{sheet} ({index})",
        titles=layout.titles,
        detected=detected,
        notes=layout.notes,
        batches=functools.partial(_batches, path, sheet, layout),
    )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _batches(path: Path, sheet: str, layout: _Layout) -> Iterator[pa.RecordBatch]:
    """The table's rows, read again from the file (the layout pass kept no cells)."""
    workbook = _open(path)
    try:
        raw, _ = _raw_sheet(path, workbook, sheet)
    finally:
        workbook.close()
    fills = {(r, c): text for r0, r1, c, text in layout.fills for r in range(r0 + 1, r1 + 1)}

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        for i in range(layout.first, min(layout.stop, len(raw))):
            row = raw[i]
            cells = [render(row[c]) if c < len(row) else "" for c in layout.columns]
            for k, c in enumerate(layout.columns):
                cells[k] = cells[k] or fills.get((i, c), "")
            yield i + 1, cells

    yield from batches_from_rows(rows(), len(layout.columns))
