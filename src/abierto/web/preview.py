"""The preview table of a table resource: sort, filter and page through its latest release.

The page's small GET form (``sort``, ``col``/``op``/``val``, ``q``, ``page``) is translated
into the data API's row grammar and run by the same engine (``query.rows`` + ``query.engine``),
so the preview shows exactly what ``/api/v1/…/rows`` would return.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.query.engine import QueryBusy, QueryTimeout, run_rows
from abierto.query.rows import QueryError, parse_row_query

log = logging.getLogger(__name__)
PAGE_ROWS = 25
MAX_PAGE = 100_000
# Operators the form offers, in the order it lists them (keys of ``query.rows.OPERATORS``).
FORM_OPERATORS = ("eq", "ne", "contains", "startswith", "gt", "gte", "lt", "lte")
FORM_KEYS = ("sort", "col", "op", "val", "q", "page")


@dataclass
class PreviewState:
    """What the visitor asked for, as it came from the query string."""

    sort: str = ""
    col: str = ""
    op: str = "eq"
    val: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> PreviewState:
        page = params.get("page", "1")
        op = params.get("op", "eq")
        return cls(
            sort=params.get("sort", "").strip(),
            col=params.get("col", "").strip(),
            op=op if op in FORM_OPERATORS else "eq",
            val=params.get("val", ""),
            q=params.get("q", "").strip(),
            page=min(int(page), MAX_PAGE) if page.isdigit() and int(page) > 0 else 1,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-empty query parameters of this state with ``changes`` applied."""
        values = {k: getattr(self, k) for k in FORM_KEYS} | changes
        if not values.get("col") or values.get("val", "") == "":
            values.update(col="", op="", val="")
        if values.get("page") == 1:
            values["page"] = ""
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def sorted_by(self, name: str) -> str:
        """ "asc", "desc" or "" for the column header ``name``."""
        if self.sort == name:
            return "asc"
        return "desc" if self.sort == f"-{name}" else ""

    def toggle(self, name: str) -> str:
        """The ``sort`` value a click on the header of ``name`` asks for."""
        return f"-{name}" if self.sort == name else name


@dataclass
class PreviewResult:
    state: PreviewState
    fields: list[dict[str, Any]] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    total: int = 0
    error: str | None = None  # a message for the visitor (a bad filter value, …)
    failed: bool = False  # the release could not be read at all

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_ROWS))

    @property
    def first(self) -> int:
        return 0 if not self.rows else (self.state.page - 1) * PAGE_ROWS + 1

    @property
    def last(self) -> int:
        return (self.state.page - 1) * PAGE_ROWS + len(self.rows)


def row_params(state: PreviewState) -> list[tuple[str, str]]:
    """The data API parameters for ``state``."""
    params = [("limit", str(PAGE_ROWS)), ("include_total", "true")]
    params.append(("offset", str((state.page - 1) * PAGE_ROWS)))
    if state.sort:
        params.append(("order", state.sort))
    if state.q:
        params.append(("q", state.q))
    if state.col and state.val != "":
        key = state.col if state.op == "eq" else f"{state.col}__{state.op}"
        params.append((key, state.val))
    return params


def run_preview(context: AppContext, release: Release, state: PreviewState) -> PreviewResult:
    result = PreviewResult(state)
    columns = release.columns
    try:
        query = parse_row_query(row_params(state), columns)
    except QueryError as exc:
        result.error = str(exc)
        query = parse_row_query([("limit", str(PAGE_ROWS)), ("include_total", "true")], columns)
        state.page = 1
    try:
        path = str(context.store.local_path(release.blob_key))
        rows = run_rows(context.settings, path, columns, query)
    except (QueryTimeout, QueryBusy) as exc:
        result.error, result.failed = str(exc), True
        return result
    except (duckdb.Error, OSError, ValueError):
        log.exception("cannot read release %s (%s)", release.id, release.blob_key)
        result.failed = True
        return result
    result.fields, result.rows, result.total = rows.fields, rows.rows, rows.total or 0
    return result
