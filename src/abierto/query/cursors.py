"""Keyset cursors of the rows API: the order keys of a page's last row, opaque to clients.

A cursor also carries a fingerprint of the query's order, so a cursor from another query is
refused rather than silently misapplied; its values must have the types of the order's
columns, so a forged one is refused too. Nothing from it reaches SQL except as a parameter.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

Key = tuple[str, str, bool]  # SQL expression (from the schema), column type, descending
ROW = "file_row_number"


class CursorError(ValueError):
    """A cursor this API did not give out for this query."""


def _fingerprint(keys: list[Key]) -> str:
    text = "|".join(f"{expr}:{desc}" for expr, _, desc in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode_cursor(values: list[Any], keys: list[Key]) -> str:
    document = {"o": _fingerprint(keys), "v": [_jsonable(v) for v in values]}
    raw = json.dumps(document, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def decode_cursor(cursor: str, keys: list[Key]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded))
        values = document["v"]
        fingerprint = document["o"]
    except (ValueError, TypeError, KeyError):
        raise CursorError("cursor is not one this API gave out") from None
    if fingerprint != _fingerprint(keys) or not isinstance(values, list):
        raise CursorError("cursor belongs to a query with another order")
    if len(values) != len(keys):
        raise CursorError("cursor is not one this API gave out")
    return [_restore(v, kind) for v, (_, kind, _) in zip(values, keys, strict=True)]


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "text": lambda v: isinstance(v, str),
    "date": lambda v: isinstance(v, str),
    "datetime": lambda v: isinstance(v, str),
}


def _restore(value: Any, kind: str) -> Any:
    """A cursor value back as the key's type; anything else means a forged cursor."""
    if value is None:
        return None
    if not _CHECKS.get(kind, lambda v: False)(value):
        raise CursorError("cursor is not one this API gave out")
    try:
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "datetime":
            return dt.datetime.fromisoformat(value)
    except ValueError:
        raise CursorError("cursor is not one this API gave out") from None
    return value


def after_cursor(cursor: str, keys: list[Key], bind: Callable[[Any], str]) -> str:
    """SQL for the rows strictly after the cursor's row in the (nulls-last, row-number) order;
    ``bind`` adds a parameter and returns its placeholder."""
    branches = []
    equal: list[str] = []
    for (expr, _, desc), value in zip(keys, decode_cursor(cursor, keys), strict=True):
        if value is None:  # after a null only other nulls with a later key follow
            equal.append(f"{expr} IS NULL")
            continue
        slot = bind(value)
        step = f"{expr} {'<' if desc else '>'} {slot}"
        if expr != ROW:
            step = f"({step} OR {expr} IS NULL)"
        branches.append(" AND ".join([*equal, step]))
        equal.append(f"{expr} = {slot}")
    return " OR ".join(f"({b})" for b in branches) or "FALSE"
