"""Machine names: ASCII snake_case, unique within a table, stable for the same title."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 63  # PostgreSQL's identifier limit


def to_machine_name(title: str) -> str:
    """'Número de Expediente ' → 'numero_de_expediente'; '% avance' → 'pct_avance'."""
    text = (
        title.replace("%", " pct ").replace("Nº", "num").replace("N°", "num").replace("#", " num ")
    )
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text.lower()).strip("_")
    text = text[:MAX_LENGTH].rstrip("_")
    if not text:
        return "column"
    if text[0].isdigit():
        text = f"c_{text}"[:MAX_LENGTH]
    return text


def machine_names(titles: list[str]) -> list[str]:
    """A unique machine name per title; blank titles become ``column_N`` (1-based)."""
    names: list[str] = []
    seen: set[str] = set()
    for position, title in enumerate(titles, start=1):
        base = to_machine_name(title) if title.strip() else f"column_{position}"
        name, n = base, 2
        while name in seen:
            suffix = f"_{n}"
            name = base[: MAX_LENGTH - len(suffix)] + suffix
            n += 1
        seen.add(name)
        names.append(name)
    return names
