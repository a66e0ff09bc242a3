"""Where the table is inside a grid of cells: header row, multi-row headers, notes.

Readers of every format hand a sample of raw rows (lists of strings, ``None`` or ``""`` for
empty cells) to these functions, so CSV, Excel and PDF tables are read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Row = Sequence[str | None]

NOTE_PREFIX = re.compile(
    r"^\s*(fuente|fuentes|nota|notas|note|notes|source|elaborad[oa]"
    r"|fecha de (consulta|corte|actualizaci)|actualizad[oa]|\*|\(?\d{1,2}[/)]\s|\d{1,2}/\s"
    r"|cifras|informaci[oó]n actualizada|p/|r/|e/)",
    re.IGNORECASE,
)
TOTAL_PREFIX = re.compile(r"^\s*(gran\s+)?total(es)?\b", re.IGNORECASE)
NUMERIC = re.compile(r"^\s*[-+$(]?\s*[\d.,\s%]+\)?\s*$")
# Years are labels in a header ("2010", "2011", …) even though they are numbers.
YEAR = re.compile(r"^\s*(1[89]|2[01])\d\d\s*$")


def filled(row: Row) -> list[str]:
    """The non-empty cells of a row, stripped."""
    return [c.strip() for c in row if c is not None and c.strip()]


def is_blank(row: Row) -> bool:
    return not filled(row)


def looks_like_header(row: Row, width: int) -> bool:
    """At least half of ``width`` filled with mostly non-numeric, not all identical, labels.

    A title merged across the whole table (every cell holding the same text once merged
    cells are filled in) is not a header.
    """
    cells = filled(row)
    if len(cells) < max(2, (width + 1) // 2) or len(set(cells)) < 2:
        return False
    texty = sum(1 for c in cells if not NUMERIC.match(c) or YEAR.match(c))
    return texty >= 0.7 * len(cells)


def find_header_row(rows: Sequence[Row], max_scan: int = 50) -> int:
    """Index of the header row within ``rows`` (title rows above it are skipped).

    The header is the first row, among the first ``max_scan``, that fills at least half of
    the table's width with mostly non-numeric labels and is followed by a non-blank row.
    Falls back to the first non-blank row.
    """
    sample = list(rows[:max_scan])
    width = max((len(filled(r)) for r in sample), default=0)
    for i, row in enumerate(sample):
        if not looks_like_header(row, width):
            continue
        following = [r for r in sample[i + 1 : i + 4] if not is_blank(r)]
        if following or i == len(sample) - 1:
            return i
    for i, row in enumerate(sample):
        if not is_blank(row):
            return i
    return 0


def count_trailing_notes(rows: Sequence[Row], width: int) -> int:
    """How many rows at the end of ``rows`` are notes, totals or blank, not data.

    A note is a row with a single filled cell that reads like a note ("Fuente: …",
    "Nota: …", "1/ Las sumas…"), or any single-cell text row in a table at least three
    columns wide; a totals row starts with "Total". Blank rows between notes count too.
    """
    count = 0
    for row in reversed(rows):
        cells = filled(row)
        if not cells:
            count += 1
            continue
        first = cells[0]
        if TOTAL_PREFIX.match(first):
            count += 1
            continue
        single_text = len(cells) == 1 and not NUMERIC.match(first)
        if single_text and (NOTE_PREFIX.match(first) or width >= 3):
            count += 1
            continue
        break
    # Trailing blank rows after the last data row are not notes by themselves.
    while count and is_blank(rows[len(rows) - count]):
        count -= 1
    return count


def flatten_header(
    rows: Sequence[Row], merges: Sequence[tuple[tuple[int, int], tuple[int, int]]] = ()
) -> list[str]:
    """One title per column from one or more header rows.

    ``merges`` are ((first_row, first_col), (last_row, last_col)) ranges relative to
    ``rows``; a merged cell's text is copied into every cell it covers. Parts are joined
    top-down with " - " and repeated parts dropped: "Ingresos - Federales".
    """
    grid = [[(c or "").strip() for c in row] for row in rows]
    width = max((len(r) for r in grid), default=0)
    for r in grid:
        r.extend([""] * (width - len(r)))
    for (r0, c0), (r1, c1) in merges:
        if r0 >= len(grid) or c0 >= width:
            continue
        text = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if not grid[r][c]:
                    grid[r][c] = text
    titles = []
    for c in range(width):
        parts: list[str] = []
        for r in range(len(grid)):
            part = " ".join(grid[r][c].split())
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        titles.append(" - ".join(parts))
    return titles


def header_depth(
    rows: Sequence[Row],
    header_index: int,
    merges: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
) -> int:
    """How many rows the header starting at ``header_index`` spans.

    A header spans several rows when merged cells start on the header row and reach
    further down (Excel's multi-level headers).
    """
    depth = 1
    for (r0, _c0), (r1, _c1) in merges:
        if r0 == header_index and r1 > r0:
            depth = max(depth, r1 - r0 + 1)
    return depth
