"""Schema diff between two releases of a table.

Columns are matched by machine name. Of the columns left over on both sides, pairs whose
titles and values look alike are offered as renames; the publisher confirms a rename so the
column keeps its machine name in the next release (``abierto publish --rename new=old``).
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any

Column = dict[str, Any]
RENAME_THRESHOLD = 0.6
# Type changes that keep every earlier value readable.
SAFE_TYPE_CHANGES = {("integer", "number"), ("date", "datetime")}


def _normal(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").split())


def _values(column: Column) -> set[str]:
    profile = column.get("profile") or {}
    values = {str(v["value"]) for v in profile.get("top_values") or []}
    return values | {str(v) for v in profile.get("sample") or []}


def rename_score(old: Column, new: Column) -> float:
    """0–1: how likely ``new`` is ``old`` under another title (titles 60 %, values 40 %)."""
    titles = difflib.SequenceMatcher(None, _normal(old["title"]), _normal(new["title"])).ratio()
    old_values, new_values = _values(old), _values(new)
    if old_values and new_values:
        overlap = len(old_values & new_values) / len(old_values | new_values)
    else:
        overlap = 0.0
    same_type = 1.0 if old["type"] == new["type"] else 0.0
    return round(0.6 * titles + 0.25 * overlap + 0.15 * same_type, 3)


def _change(kind: str, column: str, breaking: bool, es: str, en: str, **extra: Any) -> dict:
    return {"kind": kind, "column": column, "breaking": breaking, "es": es, "en": en, **extra}


def schema_diff(old_columns: list[Column], new_columns: list[Column]) -> dict[str, Any]:
    old = {c["name"]: c for c in old_columns}
    new = {c["name"]: c for c in new_columns}
    changes: list[dict[str, Any]] = []
    for name in old.keys() & new.keys():
        before, after = old[name]["type"], new[name]["type"]
        if before != after:
            breaking = (before, after) not in SAFE_TYPE_CHANGES
            changes.append(
                _change("type-changed", name, breaking,
                        f"«{name}» cambió de {before} a {after}",
                        f"'{name}' changed from {before} to {after}", old=before, new=after)
            )  # fmt: skip
        if old[name]["title"] != new[name]["title"]:
            changes.append(
                _change("title-changed", name, False,
                        f"«{name}» ahora se titula «{new[name]['title']}»",
                        f"'{name}' is now titled '{new[name]['title']}'",
                        old=old[name]["title"], new=new[name]["title"])
            )  # fmt: skip
    removed = [n for n in old if n not in new]
    added = [n for n in new if n not in old]
    for old_name, new_name, score in _rename_pairs(old, new, removed, added):
        removed.remove(old_name)
        added.remove(new_name)
        changes.append(
            _change("renamed", new_name, True,
                    f"«{old_name}» parece llamarse ahora «{new_name}» (confírmalo para "
                    "conservar el nombre)",
                    f"'{old_name}' seems renamed to '{new_name}' (confirm it to keep the name)",
                    old=old_name, new=new_name, confidence=score)
        )  # fmt: skip
    changes += [
        _change("removed", n, True, f"se quitó «{n}»", f"'{n}' was removed") for n in removed
    ]
    changes += [_change("added", n, False, f"se agregó «{n}»", f"'{n}' was added") for n in added]
    common_old = [n for n in old if n in new]
    common_new = [n for n in new if n in old]
    if common_old != common_new:
        changes.append(
            _change("reordered", "", False, "cambió el orden de las columnas",
                    "the columns are in another order")
        )  # fmt: skip
    return {
        "breaking": any(c["breaking"] for c in changes),
        "changes": changes,
        "summary": _summary(changes),
    }


def _rename_pairs(
    old: dict[str, Column], new: dict[str, Column], removed: list[str], added: list[str]
) -> list[tuple[str, str, float]]:
    scored = sorted(
        ((rename_score(old[o], new[a]), o, a) for o in removed for a in added), reverse=True
    )
    pairs: list[tuple[str, str, float]] = []
    taken_old: set[str] = set()
    taken_new: set[str] = set()
    for score, o, a in scored:
        if score < RENAME_THRESHOLD:
            break
        if o not in taken_old and a not in taken_new:
            pairs.append((o, a, score))
            taken_old.add(o)
            taken_new.add(a)
    return pairs


def _summary(changes: list[dict[str, Any]]) -> dict[str, str]:
    if not changes:
        return {"es": "Mismo esquema que la versión anterior.", "en": "Same schema as before."}
    breaking = sum(c["breaking"] for c in changes)
    return {
        "es": f"{len(changes)} cambios de esquema, {breaking} incompatibles.",
        "en": f"{len(changes)} schema changes, {breaking} breaking.",
    }
