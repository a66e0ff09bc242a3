"""Table values as the portal shows them (the preview, the ``cell`` template filter)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def format_cell(value: Any) -> str | None:
    """A value as the preview shows it (the CSV export writes the same text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict) and value.keys() == {"lat", "lon"}:
        return f"{value['lat']},{value['lon']}"
    return str(value)
