"""Ruled tables in text PDFs.

pdfplumber finds each page's tables; pages are parsed one at a time and closed at once, only
cell texts are kept. A table running over several pages is joined when only running headers
and footers separate its parts; a header repeated on a continuation page is dropped. Cells
keep the grid columns they cover, so columns that exist only because of merged cells are
folded away and a header broken over several lines or rows reads as one title. Scanned PDFs
are refused early: pypdfium2 counts every page's text characters cheaply.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfparser import PDFSyntaxError

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.layout import count_trailing_notes, filled, find_header_row
from abierto.ingest.readers import ReadOptions
from abierto.ingest.source import Note, SourceTable, batches_from_rows

TABLE_SETTINGS: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
SAME_HEIGHT = 4.0  # points: a running header/footer sits at the same height on every page
SAME_EDGE = 10.0  # points: continuation parts of a table start and end at the same x
TEXT_TOLERANCE = 3.0  # points: pdfplumber's default gap between words and lines
SNAP = 3.0  # points: grid lines this close are the same line
CAPTION_GAP = 30.0  # points between a table and the caption or source line next to it
LINE_GAP = 8.0  # points between lines of one caption block
MAX_CAPTION_LINES = 4


@dataclass(slots=True)
class _Cell:
    text: str
    start: int  # first grid column the cell covers
    end: int  # last grid column the cell covers
    x0: float
    x1: float
    bottom: float


class _Line(NamedTuple):
    top: float
    bottom: float
    text: str


@dataclass(slots=True)
class _Fragment:
    """One table as pdfplumber found it on one page."""

    page: int
    bbox: tuple[float, float, float, float]
    xs: list[float]  # left edge of every grid column
    rows: list[list[_Cell | None]]
    tops: list[float]
    above: list[_Line] = field(default_factory=list)  # page text above the table
    below: list[_Line] = field(default_factory=list)  # page text below the table


Owners = list[_Cell | None]  # per grid column, the cell covering it (None: no cell)


def read_pdf(path: Path, options: ReadOptions) -> list[SourceTable]:
    pages = _page_inventory(path)
    if not pages:
        raise UnreadableFileError(str(path), "the PDF has no pages")
    if not any(chars for chars, _ in pages):
        raise UnreadableFileError(
            str(path),
            "the PDF has no text layer (it is a scanned image)",
            hint="it needs OCR before its tables can be read",
        )
    candidates = [n for n, (chars, paths) in enumerate(pages, start=1) if chars and paths]
    groups = _join(_fragments(path, candidates))
    tables = [t for t in (_build_table(g) for g in groups) if t is not None]
    if not tables and not all(chars for chars, _ in pages):
        raise UnreadableFileError(
            str(path),
            "no table found; some pages have no text layer (scanned images)",
            hint="they need OCR before their tables can be read",
        )
    many = len(tables) > 1
    for index, table in enumerate(tables, start=1):
        table.name = f"{path.stem}_{index}" if many else path.stem
        table.detected["table_index"] = index
    return tables


def _page_inventory(path: Path) -> list[tuple[int, bool]]:
    """Per page: how many text characters it has, and whether it draws any vector path."""
    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError(str(path), f"cannot open the PDF: {exc}") from exc
    inventory = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            chars = textpage.count_chars()
            textpage.close()
            paths = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])
            inventory.append((chars, next(paths, None) is not None))
            page.close()
    finally:
        doc.close()
    return inventory


# --- finding the tables, one page at a time -------------------------------------------------


def _fragments(path: Path, numbers: Sequence[int]) -> Iterator[_Fragment]:
    try:
        pdf = pdfplumber.open(path)
    except (PDFSyntaxError, ValueError) as exc:
        raise UnreadableFileError(str(path), f"cannot parse the PDF: {exc}") from exc
    with pdf:
        for number in numbers:
            page = pdf.pages[number - 1]
            try:
                yield from _page_fragments(page, number)
            finally:
                page.close()  # drops the parsed objects: memory stays bounded


def _page_fragments(page: Any, number: int) -> list[_Fragment]:
    tables = page.find_tables(_table_settings(page))
    chars = sorted(page.chars, key=_v_mid)
    mids = [_v_mid(c) for c in chars]
    fragments: list[_Fragment] = []
    for table in tables:
        xs, rows, tops = _grid(table, chars, mids)
        has_text = any(c is not None and c.text for r in rows for c in r)
        inside = any(_contains(f.bbox, table.bbox) for f in fragments)
        if len(xs) < 2 or not has_text or inside:
            continue  # one-column fragments, empty frames, pieces of a bigger table
        fragments.append(_Fragment(number, table.bbox, xs, rows, tops))
    if fragments:
        lines = _outside_lines(page, [t.bbox for t in tables])
        for fragment in fragments:
            fragment.above = [ln for ln in lines if ln.bottom <= fragment.bbox[1] + 1]
            fragment.below = [ln for ln in lines if ln.top >= fragment.bbox[3] - 1]
    return fragments


def _table_settings(page: Any) -> dict[str, Any]:
    """Line strategy, plus a rule where a table is left open (column rules but no border).

    Tables continued from or on another page often lack that border: pdfplumber would lose
    the row next to it.
    """
    edges = page.edges
    verticals = [e for e in edges if e["orientation"] == "v" and e["height"] > 2]
    horizontals = [e for e in edges if e["orientation"] == "h" and e["width"] > 2]
    ends: dict[int, list[float]] = {}
    for edge in verticals:
        ends.setdefault(round(edge["top"]), []).append(edge["x0"])
        ends.setdefault(round(edge["bottom"]), []).append(edge["x0"])
    missing = []
    for y, xs in ends.items():
        if len(xs) < 3:
            continue
        closed = any(
            abs(h["top"] - y) <= 2 and h["x1"] > min(xs) and h["x0"] < max(xs) for h in horizontals
        )
        if not closed:
            missing.append(float(y))
    return {**TABLE_SETTINGS, "explicit_horizontal_lines": missing} if missing else TABLE_SETTINGS


def _v_mid(char: dict[str, Any]) -> float:
    return (char["top"] + char["bottom"]) / 2


def _grid(
    table: Any, chars: list[dict[str, Any]], mids: list[float]
) -> tuple[list[float], list[list[_Cell | None]], list[float]]:
    """The table's cells with their text, faster than ``Table.extract`` on big pages."""
    xs = sorted({cell[0] for cell in table.cells})
    rows: list[list[_Cell | None]] = []
    tops: list[float] = []
    for row in table.rows:
        cells: list[_Cell | None] = []
        for col, box in enumerate(row.cells):
            if box is None:
                cells.append(None)
                continue
            end = max(col, bisect_left(xs, box[2] - 1) - 1)
            text = _cell_text(box, chars, mids)
            cells.append(_Cell(text, col, end, box[0], box[2], box[3]))
        rows.append(cells)
        tops.append(row.bbox[1])
    return xs, rows, tops


def _cell_text(box: tuple[float, ...], chars: list[dict[str, Any]], mids: list[float]) -> str:
    """The cell's words; its lines joined with spaces, 'COVID-' + '19' gives 'COVID-19'."""
    x0, top, x1, bottom = box
    band = chars[bisect_left(mids, top) : bisect_left(mids, bottom)]
    inside = [c for c in band if x0 <= (c["x0"] + c["x1"]) / 2 < x1]
    text = ""
    for line in _text_lines(inside):
        if text.endswith("-") and len(text) > 1 and text[-2] != " ":
            text += line
        else:
            text = f"{text} {line}" if text else line
    return text


def _text_lines(chars: list[dict[str, Any]]) -> Iterator[str]:
    """Lines of text from chars (a cheap take on pdfplumber's word extraction)."""
    lines: list[list[dict[str, Any]]] = []
    for char in sorted(chars, key=lambda c: c["top"]):
        if lines and char["top"] - lines[-1][0]["top"] <= TEXT_TOLERANCE:
            lines[-1].append(char)
        else:
            lines.append([char])
    for line in lines:
        pieces, right = [], None
        for char in sorted(line, key=lambda c: c["x0"]):
            if right is not None and char["x0"] - right > TEXT_TOLERANCE:
                pieces.append(" ")
            pieces.append(char["text"])
            right = char["x1"]
        text = " ".join("".join(pieces).split())
        if text:
            yield text


def _contains(outer: Sequence[float], inner: Sequence[float]) -> bool:
    return all(outer[i] - 1 <= inner[i] and inner[i + 2] <= outer[i + 2] + 1 for i in (0, 1))


def _outside_lines(page: Any, boxes: list[tuple[float, ...]]) -> list[_Line]:
    """Text lines of the page that lie outside every table."""

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return False
        x, y = (obj["x0"] + obj["x1"]) / 2, _v_mid(obj)
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    lines = page.filter(outside).extract_text_lines(return_chars=False)
    return [_Line(ln["top"], ln["bottom"], ln["text"]) for ln in lines if ln["text"].strip()]


# --- joining the parts of a table that runs over several pages -----------------------------


def _raw_texts(row: list[_Cell | None]) -> list[str | None]:
    return [None if c is None else c.text for c in row]


def _signature(row: list[_Cell | None]) -> tuple[str, ...]:
    """A row's filled texts, normalised: equal for a header repeated on another grid."""
    return tuple(" ".join(text.split()).casefold() for text in filled(_raw_texts(row)))


class _Joined:
    """One table being assembled from fragments, in the grid of its first fragment."""

    def __init__(self, first: _Fragment) -> None:
        self.fragments = [first]
        self.xs = first.xs
        owners = _owners(first)
        header_at = find_header_row([_raw_texts(r) for r in first.rows])
        depth = _header_depth(first, header_at)
        self.above = [_raw_texts(r) for r in first.rows[:header_at]]
        self.header = owners[header_at : header_at + depth]
        self.signature = [_signature(r) for r in first.rows[: header_at + depth]]
        self.data = owners[header_at + depth :]
        self.edges = _edges(self.xs, self.data)

    @property
    def last(self) -> _Fragment:
        return self.fragments[-1]

    def accepts(self, fragment: _Fragment) -> bool:
        """Whether ``fragment``, first table of its page, goes on with this table.

        Only running headers and footers may separate the parts: every line below the last
        part needs a twin at the same height below ``fragment``, every line above
        ``fragment`` a twin above the last part. The columns must line up.
        """
        previous = self.last
        if not (
            fragment.page == previous.page + 1
            and abs(fragment.bbox[0] - previous.bbox[0]) <= SAME_EDGE
            and abs(fragment.bbox[2] - previous.bbox[2]) <= SAME_EDGE
            and _all_twinned(previous.below, fragment.below)
            and _all_twinned(fragment.above, previous.above)
        ):
            return False
        if _same_grid(fragment.xs, self.xs):
            return True
        edges = _edges(fragment.xs, _owners(fragment)[self._skip(fragment) :])
        return len(edges) == len(self.edges) and _same_grid(edges, self.edges)

    def add(self, fragment: _Fragment) -> None:
        self.fragments.append(fragment)
        skip = self._skip(fragment)
        if not _same_grid(fragment.xs, self.xs):
            fragment = _regrid(fragment, self.xs)
        self.data += _owners(fragment)[skip:]

    def _skip(self, fragment: _Fragment) -> int:
        """How many leading rows repeat the header (or the title rows above it)."""
        skip = 0
        while skip < len(fragment.rows) and _signature(fragment.rows[skip]) in self.signature:
            skip += 1
        return skip


def _join(fragments: Iterator[_Fragment]) -> list[_Joined]:
    tables: list[_Joined] = []
    for fragment in fragments:
        if tables and tables[-1].accepts(fragment):
            tables[-1].add(fragment)
        else:
            tables.append(_Joined(fragment))
    return tables


def _all_twinned(lines: list[_Line], others: list[_Line]) -> bool:
    return all(any(abs(a.top - b.top) <= SAME_HEIGHT for b in others) for a in lines)


def _same_grid(xs: list[float], other: list[float]) -> bool:
    return len(xs) == len(other) and all(abs(a - b) <= SNAP for a, b in zip(xs, other, strict=True))


def _edges(xs: list[float], data: list[Owners]) -> list[float]:
    """Left edges of the columns that hold data."""
    groups = _column_groups(data, len(xs))
    return [xs[g[0]] for g in groups if any(_value(r, g) for r in data)]


def _regrid(fragment: _Fragment, xs: list[float]) -> _Fragment:
    """The fragment's cells placed on another grid of the same table (by x position)."""
    rows: list[list[_Cell | None]] = []
    for row in fragment.rows:
        placed: list[_Cell | None] = [None] * len(xs)
        for cell in row:
            if cell is None:
                continue
            start = max(bisect_right(xs, cell.x0 + SNAP) - 1, 0)
            end = max(bisect_left(xs, cell.x1 - SNAP) - 1, start)
            there = placed[start]
            text = f"{there.text} {cell.text}".strip() if there else cell.text
            end = max(end, there.end) if there else end
            x0 = there.x0 if there else cell.x0
            placed[start] = _Cell(text, start, end, x0, cell.x1, cell.bottom)
        rows.append(placed)
    return _Fragment(fragment.page, fragment.bbox, xs, rows, fragment.tops)


# --- from the joined fragments to a SourceTable ---------------------------------------------


def _owners(fragment: _Fragment) -> list[Owners]:
    """For every row, the cell covering each grid column: its own, or a merged one from
    the left in the same row, or from above when that one reaches down into this row."""
    result: list[Owners] = []
    previous: Owners = [None] * len(fragment.xs)
    for row, top in zip(fragment.rows, fragment.tops, strict=True):
        owners: Owners = [None] * len(fragment.xs)
        for col, cell in enumerate(row):
            if cell is not None:
                for c in range(col, min(cell.end, len(fragment.xs) - 1) + 1):
                    owners[c] = cell
        for col in range(len(fragment.xs)):
            above = previous[col]
            if owners[col] is None and above is not None and above.bottom > top + 1:
                owners[col] = above
        result.append(owners)
        previous = owners
    return result


def _header_depth(fragment: _Fragment, header: int) -> int:
    """Rows taken by the header: a header cell merged downwards takes the rows it covers."""
    bottom = max((c.bottom for c in fragment.rows[header] if c is not None), default=0.0)
    depth = 1
    while header + depth < len(fragment.tops) and fragment.tops[header + depth] + 1 < bottom:
        depth += 1
    return depth


def _column_groups(data: list[Owners], width: int) -> list[tuple[int, int]]:
    """Runs of grid columns that hold one column of data: a data cell never straddles two."""
    linked = [False] * max(width - 1, 0)
    for owners in data:
        for cell in {id(c): c for c in owners if c is not None and c.text}.values():
            for c in range(cell.start, min(cell.end, width - 1)):
                linked[c] = True
    groups, start = [], 0
    for c in range(width):
        if c == width - 1 or not linked[c]:
            groups.append((start, c))
            start = c + 1
    return groups


def _value(owners: Owners, group: tuple[int, int]) -> str | None:
    cells = {id(c): c for c in owners[group[0] : group[1] + 1] if c is not None}
    if not cells:
        return None
    return " ".join(c.text for c in cells.values() if c.text)


def _title_parts(
    header: list[Owners], group: tuple[int, int], groups: list[tuple[int, int]]
) -> list[tuple[str, bool]]:
    """Header texts over ``group`` top-down, each flagged when it spans other groups too."""
    parts: list[tuple[str, bool]] = []
    seen: set[int] = set()
    for owners in header:
        for cell in owners[group[0] : group[1] + 1]:
            if cell is None or id(cell) in seen or not cell.text:
                continue
            seen.add(id(cell))
            wide = any(cell.start <= g[1] and cell.end >= g[0] for g in groups if g != group)
            parts.append((cell.text, wide))
    return parts


def _title(parts: list[tuple[str, bool]]) -> str:
    """Wrapped pieces joined with spaces; after a label spanning several columns, ' - '."""
    title = ""
    previous_wide = False
    for text, wide in parts:
        title = text if not title else title + (" - " if previous_wide else " ") + text
        previous_wide = wide
    return title


def _kept_groups(joined: _Joined) -> list[tuple[int, int]]:
    """Column groups minus those with no data and no title of their own (rules, merges)."""
    groups = _column_groups(joined.data, len(joined.xs))
    return [
        g
        for g in groups
        if any(_value(r, g) for r in joined.data)
        or any(not wide for _, wide in _title_parts(joined.header, g, groups))
    ]


def _build_table(joined: _Joined) -> SourceTable | None:
    groups = _kept_groups(joined)
    if len(groups) < 2:
        return None
    titles = [_title(_title_parts(joined.header, g, groups)) for g in groups]
    rows = [[_value(r, g) for g in groups] for r in joined.data]
    rows = [r for r in rows if filled(r)]
    trailing = count_trailing_notes(rows, len(groups))
    first, last = joined.fragments[0], joined.last
    notes = _caption(first.above, first.bbox[1], "above")
    notes += [Note(None, " ".join(filled(r)), "above") for r in joined.above if filled(r)]
    if trailing:
        notes += [Note(None, " ".join(filled(r)), "below") for r in rows[-trailing:] if filled(r)]
        rows = rows[:-trailing]
    if not rows:
        return None
    notes += _caption(last.below, last.bbox[3], "below")
    numbered = list(enumerate(rows, start=1))
    return SourceTable(
        name="",
        titles=titles,
        detected={"format": "pdf", "pages": [first.page, last.page]},
        notes=notes,
        batches=lambda: batches_from_rows(iter(numbered), len(titles)),
    )


def _caption(lines: list[_Line], edge: float, position: str) -> list[Note]:
    """The block of text lines right above or below the table: title, source, cut-off date."""
    sign = -1 if position == "above" else 1
    spans = sorted((min(sign * (ln.top - edge), sign * (ln.bottom - edge)), ln) for ln in lines)
    block: list[_Line] = []
    reach = 0.0  # how far from the table the block goes so far
    for near, line in spans:
        if near - reach > (LINE_GAP if block else CAPTION_GAP) or len(block) == MAX_CAPTION_LINES:
            break
        block.append(line)
        reach = near + (line.bottom - line.top)
    ordered = reversed(block) if position == "above" else block
    return [Note(None, line.text.strip(), position) for line in ordered]
