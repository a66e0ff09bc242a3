"""Column types: inferred from a sample, checked on every row, parsed in DuckDB.

A candidate is a gate (a regular expression the prepared text must match) and a parser (a
DuckDB expression giving the typed value). Inference counts, per column and candidate, how
many sample values pass; the chosen type is then checked on every row (a value that breaks
it is a reported type-error, or the type widens), so no value is converted silently. It all
runs as vectorised SQL in DuckDB, never as a Python call per cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb

SQL_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "text": "VARCHAR",
    "geopoint": "STRUCT(lat DOUBLE, lon DOUBLE)",
}
MISSING_MARKERS = (
    "", "n/d", "nd", "s/d", "sd", "na", "n/a", "n.d.", "-", "--", "---",
    "null", "none", "nan", "#n/a", "#n/d", "sin dato", "sin datos",
)  # fmt: skip
DATE_SENTINELS = ("9999-99-99", "99/99/9999", "0000-00-00", "00/00/0000", "00/00/00")
TOLERANCE = 0.02  # share of non-missing values that may break a type, each one reported
SAMPLE_ROWS = 10_000
MAX_SAFE_DIGITS = 15  # longer digit strings are identifiers: a float would round them

_MONTHS = [
    ("01", "enero|ene|january|jan"),
    ("02", "febrero|feb|february"),
    ("03", "marzo|mar|march"),
    ("04", "abril|abr|april|apr"),
    ("05", "mayo|may"),
    ("06", "junio|jun|june"),
    ("07", "julio|jul|july"),
    ("08", "agosto|ago|august|aug"),
    ("09", "septiembre|setiembre|sept|sep|set|september"),
    ("10", "octubre|oct|october"),
    ("11", "noviembre|nov|november"),
    ("12", "diciembre|dic|december|dec"),
]


def _marker_regex(markers: Sequence[str]) -> str:
    """RE2 pattern matching any marker, any case, with spaces around it.

    A regular expression, not ``lower(trim(v)) IN (…)``: DuckDB turns an IN list into a
    join that computes lower(trim(v)) for every cell, even inside a CASE branch.
    """
    spaces = r"[\s\x{a0}]*"
    return f"(?i){spaces}(" + "|".join(re.escape(m) for m in markers) + f"){spaces}"


def _months_sql() -> str:
    expr = "lower(ab_trim(v))"
    for number, names in _MONTHS:
        expr = f"regexp_replace({expr}, '\\b({names})\\.?\\b', '{number}')"
    return f"regexp_replace({expr}, '\\s+del?\\s+', ' ', 'g')"


# Trimmed from both ends of every cell: spaces, tabs, line breaks and the no-break space.
EDGE_SPACES = " \t\n\r\xa0"
_SPACE_CHARS = " || ".join(f"chr({ord(c)})" for c in EDGE_SPACES)
# The longest missing marker with spaces around it; longer cells skip the regular expression.
_MARKER_MAX_BYTES = 12
_EDGE_SPACE = "v LIKE ' %' OR v LIKE '% ' OR v LIKE chr(160) || '%' OR v LIKE '%' || chr(160)"


# Setup macros. They run on every cell of big files: the CASE guards keep the costly
# string functions off the common path (most cells have no edge spaces and are not markers).
def trim_sql(v: str) -> str:
    return f"trim({v}, {_SPACE_CHARS})"


MACROS = [
    f"CREATE OR REPLACE TEMP MACRO ab_trim(v) AS "
    f"CASE WHEN {_EDGE_SPACE} THEN {trim_sql('v')} ELSE v END",
    f"CREATE OR REPLACE TEMP MACRO ab_missing(v) AS CASE WHEN v IS NULL OR v = '' THEN true "
    f"WHEN strlen(v) > {_MARKER_MAX_BYTES} THEN false "
    f"ELSE regexp_full_match(v, '{_marker_regex(MISSING_MARKERS)}') END",
    f"CREATE OR REPLACE TEMP MACRO ab_missing_date(v) AS ab_missing(v) OR "
    f"(CASE WHEN strlen(v) <= {_MARKER_MAX_BYTES} "
    f"THEN regexp_full_match(v, '{_marker_regex(DATE_SENTINELS)}') ELSE false END)",
    f"CREATE OR REPLACE TEMP MACRO ab_months(v) AS {_months_sql()}",
    "CREATE OR REPLACE TEMP MACRO ab_nozone(v) AS regexp_replace(regexp_replace(ab_trim(v), "
    "'(\\d)T(\\d)', '\\1 \\2'), '\\s*(GMT|UTC|Z|gmt|utc|z)$', '')",
]


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for macro in MACROS:
        con.execute(macro)


PREPARED = {
    "raw": "{v}",
    "trim": "ab_trim({v})",
    "lower": "lower(ab_trim({v}))",
    "months": "ab_months({v})",
    "nozone": "ab_nozone({v})",
}


def prepared_refs(column: str) -> dict[str, str]:
    """Inline SQL for each prepared form of ``column``."""
    return {name: sql.replace("{v}", column) for name, sql in PREPARED.items()}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to read a column: type, the form it accepts, and how to parse that form."""

    type: str
    key: str  # stable id, e.g. "date:%d/%m/%Y"; kept in the schema as the column's format
    prepare: str  # which prepared form (see PREPARED) the gate and parser see
    gate: str  # RE2 pattern the prepared text must fully match ("" accepts anything)
    parse: str  # SQL on {p}: the typed value
    dates: bool = False  # date sentinels such as 9999-99-99 count as missing

    def missing_sql(self, refs: dict[str, str]) -> str:
        if "missing" in refs:  # computed once by the caller
            return refs["missing"]
        return f"ab_missing_date({refs['raw']})" if self.dates else f"ab_missing({refs['raw']})"

    def value_sql(self, refs: dict[str, str]) -> str:
        """Typed value (NULL for missing markers and for values that fail)."""
        p = refs[self.prepare]
        value = self.parse.replace("{p}", p)
        if not self.gate:
            return f"CASE WHEN {self.missing_sql(refs)} THEN NULL ELSE {value} END"
        return f"CASE WHEN {self.missing_sql(refs)} THEN NULL WHEN {self._fits(p)} THEN {value} END"

    def fast_sql(self, raw: str) -> str | None:
        """The typed value of a cell that fits the gate as it is, else NULL; None where
        the parser needs a prepared form other than the trimmed text.

        Most cells have no edge spaces and are no missing marker, so the trimming and the
        marker check can wait for the cells that do not pass here: a gate that admits the
        raw cell admits it trimmed too, and every parser drops the spaces a gate admits.
        """
        if self.prepare != "trim" or not self.gate:
            return None
        return f"CASE WHEN {self._fits(raw)} THEN {self.parse.replace('{p}', raw)} END"

    def _fits(self, p: str) -> str:
        """SQL: whether the text ``p`` matches the gate."""
        gate = self.gate.replace("'", "''")
        return f"regexp_full_match({p}, '{gate}')"

    def failed_sql(self, refs: dict[str, str]) -> str:
        """True where a present, non-missing value does not parse."""
        return f"(NOT {self.missing_sql(refs)} AND ({self.value_sql(refs)}) IS NULL)"


TEXT = Candidate("text", "text", "trim", "", "{p}")

_INT_DOT = r"[+-]?\$?\s?(\d{1,3}((,\d{3})+|( \d{3})+)|\d+)"
_INT_COMMA = r"[+-]?\$?\s?(\d{1,3}((\.\d{3})+|( \d{3})+)|\d+)"
_NUM_DOT = r"[+-]?\$?\s?((\d{1,3}((,\d{3})+|( \d{3})+)|\d+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s?%?"
_NUM_COMMA = r"[+-]?\$?\s?((\d{1,3}((\.\d{3})+|( \d{3})+)|\d+)(,\d*)?|,\d+)\s?%?"
_GEO = r"\(?\s*([+-]?\d{1,2}\.\d+)\s*[,;]\s*([+-]?\d{1,3}\.\d+)\s*\)?"


def _without(chars: str, sql: str = "{p}") -> str:
    """``sql`` with every one of ``chars`` removed: nested replace() costs less than a
    regexp_replace on each of the millions of numeric cells."""
    for char in chars:
        sql = f"replace({sql}, '{char}', '')"
    return sql


INTEGER = Candidate(
    "integer", "integer", "trim", _INT_DOT,
    f"TRY_CAST({_without('$, ')} AS BIGINT)",
)  # fmt: skip
# Where the comma is the decimal mark, "0,031" is a number and "1.234" a thousand and more.
INTEGER_COMMA = Candidate(
    "integer", "integer:decimal-comma", "trim", _INT_COMMA,
    f"TRY_CAST({_without('$. ')} AS BIGINT)",
)  # fmt: skip
NUMBER_DOT = Candidate(
    "number", "number", "trim", _NUM_DOT,
    f"TRY_CAST({_without('$,% ')} AS DOUBLE)",
)  # fmt: skip
NUMBER_COMMA = Candidate(
    "number", "number:decimal-comma", "trim", _NUM_COMMA,
    f"TRY_CAST(replace({_without('$.% ')}, ',', '.') AS DOUBLE)",
)  # fmt: skip
BOOLEAN = Candidate(
    "boolean", "boolean", "lower", "true|false|verdadero|falso|si|sí|no|yes",
    "regexp_full_match({p}, 'true|verdadero|si|sí|yes')",
)  # fmt: skip
GEOPOINT = Candidate(
    "geopoint", "geopoint", "trim", _GEO,
    f"(CASE WHEN abs(TRY_CAST(regexp_extract({{p}}, '{_GEO}', 1) AS DOUBLE)) <= 90 "
    f"AND abs(TRY_CAST(regexp_extract({{p}}, '{_GEO}', 2) AS DOUBLE)) <= 180 THEN "
    f"struct_pack(lat := TRY_CAST(regexp_extract({{p}}, '{_GEO}', 1) AS DOUBLE), "
    f"lon := TRY_CAST(regexp_extract({{p}}, '{_GEO}', 2) AS DOUBLE)) END)",
)  # fmt: skip


def _date(fmt: str, gate: str, *, months: bool = False) -> Candidate:
    prepare = "months" if months else "trim"
    key = f"date:{fmt}" + (":months" if months else "")
    parse = f"TRY_CAST(try_strptime({{p}}, '{fmt}') AS DATE)"
    return Candidate("date", key, prepare, gate, parse, dates=True)


def _datetime(fmt: str, gate: str) -> Candidate:
    parse = f"try_strptime({{p}}, '{fmt}')"
    return Candidate("datetime", f"datetime:{fmt}", "nozone", gate, parse)


_D, _M, _Y4, _Y2 = r"\d{1,2}", r"\d{1,2}", r"\d{4}", r"\d{2}"
DATES = [
    _date("%Y-%m-%d", rf"{_Y4}-{_M}-{_D}"),
    _date("%d/%m/%Y", rf"{_D}/{_M}/{_Y4}"),
    _date("%d/%m/%y", rf"{_D}/{_M}/{_Y2}"),
    _date("%d-%m-%Y", rf"{_D}-{_M}-{_Y4}"),
    _date("%d-%m-%y", rf"{_D}-{_M}-{_Y2}"),
    _date("%Y/%m/%d", rf"{_Y4}/{_M}/{_D}"),
    _date("%d.%m.%Y", rf"{_D}\.{_M}\.{_Y4}"),
    _date("%m/%d/%Y", rf"{_M}/{_D}/{_Y4}"),
    _date("%d-%m-%Y", rf"{_D}-{_M}-{_Y4}", months=True),
    _date("%d-%m-%y", rf"{_D}-{_M}-{_Y2}", months=True),
    _date("%d %m %Y", rf"{_D} {_M} {_Y4}", months=True),
    _date("%d/%m/%Y", rf"{_D}/{_M}/{_Y4}", months=True),
]
DATETIMES = [
    _datetime("%Y-%m-%d %H:%M:%S", rf"{_Y4}-{_M}-{_D} \d{{1,2}}:\d{{2}}:\d{{2}}"),
    _datetime("%Y-%m-%d %H:%M:%S.%f", rf"{_Y4}-{_M}-{_D} \d{{1,2}}:\d{{2}}:\d{{2}}\.\d{{1,6}}"),
    _datetime("%Y-%m-%d %H:%M", rf"{_Y4}-{_M}-{_D} \d{{1,2}}:\d{{2}}"),
    _datetime("%d/%m/%Y %H:%M:%S", rf"{_D}/{_M}/{_Y4} \d{{1,2}}:\d{{2}}:\d{{2}}"),
    _datetime("%d/%m/%Y %H:%M", rf"{_D}/{_M}/{_Y4} \d{{1,2}}:\d{{2}}"),
]


def candidates(decimal_comma_hint: bool) -> list[Candidate]:
    """Every candidate, most specific first; the order breaks ties."""
    if decimal_comma_hint:
        return [BOOLEAN, INTEGER_COMMA, NUMBER_COMMA, NUMBER_DOT, *DATES, *DATETIMES, GEOPOINT]
    return [BOOLEAN, INTEGER, NUMBER_DOT, NUMBER_COMMA, *DATES, *DATETIMES, GEOPOINT]


@dataclass(slots=True)
class ColumnType:
    """The decision for one column: its candidate plus the ones to widen to."""

    column: str
    candidate: Candidate
    fallbacks: list[Candidate]
    reason: str = ""

    @property
    def type(self) -> str:
        return self.candidate.type

    def widen(self, reason: str) -> None:
        self.candidate = self.fallbacks.pop(0) if self.fallbacks else TEXT
        self.reason = reason


def code_like_sql(v: str) -> str:
    """Leading zeros ("01001", "0870") or digit strings too long for a float mark an
    identifier, spaces around them or not. Cheap forms first: it runs on every numeric
    cell."""
    space = r"[\s\x{a0}]*"
    long_digits = f"{space}[+-]?[0-9]{{{MAX_SAFE_DIGITS + 1},}}{space}"
    return (
        f"(regexp_matches({v}, '^{space}[+-]?0[0-9]') OR (CASE WHEN strlen({v}) > "
        f"{MAX_SAFE_DIGITS} THEN regexp_full_match({v}, '{long_digits}') ELSE false END))"
    )


SCREEN_ROWS = 1_000


def infer_types(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    *,
    decimal_comma_hint: bool = False,
) -> list[ColumnType]:
    """Pick a type per column from a sample of ``table`` (staged text cells).

    Candidates are screened on the first rows, and only those still standing are counted
    on the larger sample: most text columns drop out at once.
    """
    options = candidates(decimal_comma_hint)
    every = {column: options for column in columns}
    screened = _count_passing(con, table, every, SCREEN_ROWS)
    viable = {
        column: [c for c in options if c in _passing(counts, options)]
        for column, counts in screened.items()
    }
    counted = _count_passing(con, table, viable, SAMPLE_ROWS)
    return [_decide(column, counted[column], viable[column]) for column in columns]


@dataclass(slots=True)
class _Counts:
    present: int
    present_dates: int
    code_like: int
    ok: dict[str, int]


def _count_passing(
    con: duckdb.DuckDBPyConnection, table: str, tried: dict[str, list[Candidate]], limit: int
) -> dict[str, _Counts]:
    """Per column: values present, present as dates, code-like, and passing each candidate.

    The sample is unpivoted to (column, value) pairs, so each candidate is one expression
    for all columns: the query stays small however wide the table is. A prepared form and
    a candidate are computed only on the values of the columns that try them (the month
    names' dozen regular expressions would otherwise run on every sampled value).
    """
    columns = [c for c in tried if tried[c]] or list(tried)
    if not columns:
        return {}
    prepared = ", ".join(
        f"{_prepared_sql(name, tried)} AS {name}" for name in PREPARED if name != "raw"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE ab_sample AS SELECT col, v AS raw, {prepared} FROM "
        f'(UNPIVOT (SELECT {", ".join(tried)} FROM "{table}" LIMIT {limit}) '
        f"ON {', '.join(tried)} INTO NAME col VALUE v)"
    )
    refs = {name: name for name in PREPARED}
    used = list(dict.fromkeys(c for options in tried.values() for c in options))
    parts = [
        f"count(*) FILTER (WHERE NOT {TEXT.missing_sql(refs)})",
        f"count(*) FILTER (WHERE NOT {DATES[0].missing_sql(refs)})",
        f"count(*) FILTER (WHERE {code_like_sql('trim')})",
    ]
    for c in used:
        among = _in_list(_trying(tried, lambda option, c=c: option is c))
        parts.append(
            f"count(*) FILTER (WHERE col IN ({among}) AND NOT {c.missing_sql(refs)} "
            f"AND NOT {c.failed_sql(refs)})"
        )
    rows = con.execute(f"SELECT col, {', '.join(parts)} FROM ab_sample GROUP BY col").fetchall()
    con.execute("DROP TABLE ab_sample")
    by_column = {row[0]: row[1:] for row in rows}
    result: dict[str, _Counts] = {}
    for column, options in tried.items():
        values = by_column.get(column) or (0,) * (3 + len(used))
        ok_all = dict(zip((c.key for c in used), values[3:], strict=True))
        ok = {c.key: ok_all[c.key] for c in options}
        result[column] = _Counts(values[0], values[1], values[2], ok)
    return result


def _trying(tried: dict[str, list[Candidate]], test: Callable[[Candidate], bool]) -> list[str]:
    """The columns with a candidate passing ``test``."""
    return [column for column, options in tried.items() if any(test(c) for c in options)]


def _in_list(columns: list[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns) or "NULL"


def _prepared_sql(name: str, tried: dict[str, list[Candidate]]) -> str:
    """A prepared form of the sampled value ``v``, NULL for the columns that do not use it
    ("trim" is kept for all: the code-like check reads it)."""
    sql = PREPARED[name].replace("{v}", "v")
    if name == "trim":
        return sql
    columns = _trying(tried, lambda c: c.prepare == name)
    return f"CASE WHEN col IN ({_in_list(columns)}) THEN {sql} END"


def _passing(counts: _Counts, options: list[Candidate]) -> list[Candidate]:
    passing = []
    for c in options:
        base = counts.present_dates if c.type == "date" else counts.present
        if base and counts.ok.get(c.key, 0) >= (1 - TOLERANCE) * base:
            if c.type in ("integer", "number") and counts.code_like:
                continue
            passing.append(c)
    return passing


def _decide(column: str, counts: _Counts, options: list[Candidate]) -> ColumnType:
    passing = _passing(counts, options)
    if not counts.present or not passing:
        reason = "no values" if not counts.present else "values of mixed forms"
        return ColumnType(column, TEXT, [], reason)
    first = passing[0]
    if first.type == "date":
        # Among dates, the format that reads the most values wins over list order.
        first = max((c for c in passing if c.type == "date"), key=lambda c: counts.ok[c.key])
    fallbacks = [c for c in passing if c is not first and _wider(first, c)]
    return ColumnType(column, first, fallbacks, "all sampled values fit")


IDENTIFIER_WORDS = ("clave", "cve", "codigo", "folio", "id", "cp", "rfc", "curp", "ubigeo", "ruc")


def keep_identifiers_as_text(decided: list[ColumnType], names: list[str]) -> None:
    """Integer columns whose name says they hold keys ("Clave INEGI", "Código postal",
    "folio") stay text: the next release may bring "09015", and a type that flips
    between releases would break every user of the column."""
    for d, name in zip(decided, names, strict=True):
        words = name.split("_")
        named_key = (
            words[0] in IDENTIFIER_WORDS
            or words[0].startswith(("clave", "codigo", "cve"))
            or words[-1] in ("id", "clave", "cve")
        )
        if d.type == "integer" and named_key:
            d.candidate, d.fallbacks = TEXT, []
            d.reason = "the title names an identifier"


def _wider(chosen: Candidate, other: Candidate) -> bool:
    """Whether ``other`` may replace ``chosen`` if a later row breaks it."""
    return chosen.type == "integer" and other.type == "number"
