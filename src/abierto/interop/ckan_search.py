"""CKAN's ``package_search`` query language, read into abierto's search terms.

CKAN passes ``q`` and ``fq`` to Solr. abierto answers from its own search service, so this
module reads the part of the Lucene syntax that CKAN clients send and maps it there:

- free words (``agua potable``; the text fields ``text:``, ``title:``, ``notes:`` search the
  same words: abierto's index does not keep fields apart);
- ``field:value`` on ``organization``, ``tags``, ``groups``, ``res_format`` and ``license_id``
  (values bare, ``"quoted"`` or grouped: ``tags:(a OR b)``, ``tags:(a AND b)``);
- ``+``, ``AND``, ``&&`` and plain juxtaposition combine clauses (all must hold), ``OR`` joins
  clauses on one field, ``-``, ``!`` or ``NOT`` leave out datasets having any of the values;
- ``*:*`` (everything) and ``dataset_type:dataset`` (every abierto dataset is one);
- date ranges on ``metadata_modified`` and ``metadata_created``: ``[from TO to]`` (bounds
  included), ``{from TO to}`` (excluded) or mixed, each bound an ISO date or time (UTC when
  it has no zone), ``*`` or ``NOW`` with Solr's ``-1DAY``-style arithmetic — what CKAN
  harvesters send to fetch what changed since their last run;
- one pair of parentheses around a whole query (harvesters wrap ``fq`` in them).

Anything else (wildcards, other fields, nested groups, OR across fields) raises
``CkanQueryError``: the action reports it as CKAN's "Search Query Error", never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from abierto.search.service import Clause, DateRange

# CKAN's Solr field → abierto's facet.
FACET_FIELDS = {
    "organization": "organization",
    "groups": "theme",
    "tags": "tag",
    "res_format": "format",
    "license_id": "license",
}
TEXT_FIELDS = {"text", "title", "notes"}
DATASET_TYPE = "dataset_type"
DATE_FIELDS = {"metadata_modified": "modified", "metadata_created": "created"}
NOW = re.compile(r"NOW(?P<shift>(?:[+-]\d+(?:YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S?)*)(?:/DAY)?")
SHIFT = re.compile(r"([+-]\d+)(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S?")
UNIT_SECONDS = {
    "SECOND": 1,
    "MINUTE": 60,
    "HOUR": 3600,
    "DAY": 86400,
    "MONTH": 30 * 86400,
    "YEAR": 365 * 86400,
}
# The leading sort key → abierto's order (ties: last modified first, then the name). ``id
# asc`` is what harvesters page by: any stable order serves, and abierto's ids are opaque.
SORTS = {
    ("score", "desc"): "relevance",
    ("metadata_modified", "desc"): "modified",
    ("metadata_modified", "asc"): "oldest",
    ("title_string", "asc"): "name",
    ("name", "asc"): "name",
    ("id", "asc"): "name",
}
DEFAULT_SORT = "score desc, metadata_modified desc"

TOKEN = re.compile(
    r'\s*(?:(?P<group>[()])|(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<op>&&|\|\|)|(?P<word>(?:[^\s()"\\]|\\.)+))'
)
FIELD = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.]*):(?P<rest>.*)", re.S)
SPECIAL = set("*?[]{}~^")


class CkanQueryError(ValueError):
    """A query this module cannot read (the message says what and where)."""


@dataclass(frozen=True, slots=True)
class Term:
    """One clause as written: a field (None: free text), its values, how they combine."""

    field: str | None
    values: tuple[str, ...]
    any_of: bool = False  # True: OR'ed values; False: every value must hold
    negate: bool = False
    span: tuple[bool, bool] | None = None  # a range [values[0] TO values[1]]: bounds included


@dataclass
class CkanQuery:
    words: list[str] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    ranges: list[DateRange] = field(default_factory=list)
    empty: bool = False  # a condition no abierto dataset meets (dataset_type:harvest)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def parse(q: str, *filters: str) -> CkanQuery:
    """``q`` and filter queries (``fq``) as abierto's search words and clauses (all hold)."""
    result = CkanQuery()
    for name, text in (("q", q), *(("fq", fq) for fq in filters)):
        try:
            terms = parse_terms(text)
        except CkanQueryError as exc:
            raise CkanQueryError(f"{name}: {exc}") from None
        for term in terms:
            _apply(result, term, name)
    return result


def _apply(result: CkanQuery, term: Term, name: str) -> None:
    if term.span is not None or term.field in DATE_FIELDS:
        result.ranges.append(_date_range(term, name))
    elif term.field is None or term.field in TEXT_FIELDS:
        if term.negate or (term.any_of and len(term.values) > 1):
            raise CkanQueryError(f"{name}: words can only be required, not negated or OR'ed")
        result.words.extend(term.values)
    elif term.field == DATASET_TYPE:
        matches = "dataset" in term.values if term.any_of else set(term.values) == {"dataset"}
        result.empty |= matches == term.negate
    elif term.field in FACET_FIELDS:
        result.clauses.extend(_clauses(FACET_FIELDS[term.field], term, name))
    else:
        known = ", ".join(sorted([*FACET_FIELDS, *TEXT_FIELDS, *DATE_FIELDS, DATASET_TYPE]))
        raise CkanQueryError(f"{name}: cannot search the field {term.field!r} (known: {known})")


def _clauses(facet: str, term: Term, name: str) -> list[Clause]:
    if term.any_of or len(term.values) == 1:
        return [Clause(facet, term.values, term.negate)]
    if term.negate:
        raise CkanQueryError(f"{name}: NOT (a AND b) is not supported; use -field:(a OR b)")
    return [Clause(facet, (value,)) for value in term.values]


def _date_range(term: Term, name: str) -> DateRange:
    if term.field not in DATE_FIELDS:
        fields = ", ".join(DATE_FIELDS)
        raise CkanQueryError(f"{name}: ranges are supported on {fields}, not {term.field!r}")
    if term.span is None:
        raise CkanQueryError(f"{name}: {term.field} takes a range such as [2024-01-01 TO *]")
    if term.negate:
        raise CkanQueryError(f"{name}: a negated date range is not supported")
    low, high = (_instant(v, name) for v in term.values)
    return DateRange(DATE_FIELDS[term.field], low, high, *term.span)


def _instant(text: str, name: str) -> dt.datetime | None:
    """A range bound as a naive UTC datetime (how abierto stores times); None for ``*``."""
    if text == "*":
        return None
    if found := NOW.fullmatch(text):
        return _now(found["shift"], rounded=text.endswith("/DAY"))
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        example = "2024-01-31T00:00:00Z"
        raise CkanQueryError(f"{name}: {text!r} is not a date (write {example})") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _now(shift: str, rounded: bool) -> dt.datetime:
    """Solr's ``NOW-7DAYS`` (years count 365 days and months 30 here), ``/DAY``: midnight."""
    moment = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for amount, unit in SHIFT.findall(shift):
        moment += dt.timedelta(seconds=int(amount) * UNIT_SECONDS[unit])
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) if rounded else moment


# -- the Lucene subset ------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:  # only a lone quote or backslash is left
            raise CkanQueryError(f"unbalanced quote or escape at {text[position:]!r}")
        tokens.append(match.group(match.lastgroup or "word"))
        position = match.end()
    return tokens


def parse_terms(text: str) -> list[Term]:
    """The clauses of one query string, OR'ed clauses on one field merged into one term."""
    tokens = _unwrapped(tokenize(text))
    if tokens in ([], ["*:*"], ['""']):
        return []
    terms: list[Term] = []
    join_next = False
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token in ("AND", "&&"):
            position += 1
            continue
        if token in ("OR", "||"):
            if not terms or join_next:
                raise CkanQueryError("OR needs a clause on each side")
            join_next, position = True, position + 1
            continue
        term, position = _clause(tokens, position)
        if join_next:
            terms[-1] = _either(terms[-1], term)
            join_next = False
        elif term is not None:
            terms.append(term)
    if join_next:
        raise CkanQueryError("OR needs a clause on each side")
    return terms


def _unwrapped(tokens: list[str]) -> list[str]:
    """The tokens without parentheses around the whole query: ``(a AND b)`` is ``a AND b``."""
    while len(tokens) >= 2 and tokens[0] == "(" and _closing(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _closing(tokens: list[str], opening: int) -> int:
    depth = 0
    for position in range(opening, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[position], 0)
        if depth == 0:
            return position
    return -1


def _either(left: Term, right: Term | None) -> Term:
    """``left OR right``: only for two clauses on one field, neither negated."""
    if right is None or left.field is None or right.field != left.field:
        raise CkanQueryError("OR is only supported between values of one field")
    if left.negate or right.negate or not _or_able(left) or not _or_able(right):
        raise CkanQueryError("OR of negated or AND'ed clauses is not supported")
    return Term(left.field, left.values + right.values, any_of=True)


def _or_able(term: Term) -> bool:
    return term.any_of or len(term.values) == 1


def _clause(tokens: list[str], position: int) -> tuple[Term | None, int]:
    """One clause at ``position``: [+ - ! NOT] then ``*:*``, ``field:value`` or a word."""
    token = tokens[position]
    negate = False
    if token in ("NOT", "+", "-", "!"):
        negate, position = token != "+", position + 1
    elif token[0] in "+-!":
        negate, token = token[0] != "+", token[1:]
        tokens = [*tokens[:position], token, *tokens[position + 1 :]]
    if position >= len(tokens):
        raise CkanQueryError(f"{token} needs a clause after it")
    token = tokens[position]
    if token == "*:*":
        if negate:
            raise CkanQueryError("-*:* matches nothing; leave it out")
        return None, position + 1
    if token in ("(", ")"):
        raise CkanQueryError("grouping clauses in parentheses is only supported after field:")
    found = FIELD.fullmatch(token)
    if found is None:  # free text: punctuation is dropped with the words, as dismax does
        return Term(None, (_value(token, strict=False),), negate=negate), position + 1
    name, rest = found["name"], found["rest"]
    if rest[:1] in ("[", "{"):
        return _range(name, tokens, position, negate)
    if rest:
        return Term(name, (_value(rest),), negate=negate), position + 1
    values, any_of, position = _values(tokens, position + 1)
    return Term(name, values, any_of, negate), position


def _range(name: str, tokens: list[str], position: int, negate: bool) -> tuple[Term, int]:
    """``field:[low TO high]`` spread over three tokens (``{`` ``}`` exclude a bound)."""
    parts = [tokens[position].split(":", 1)[1], *tokens[position + 1 : position + 3]]
    if len(parts) != 3 or parts[1] != "TO" or parts[2][-1:] not in ("]", "}"):
        raise CkanQueryError(f"write a range as {name}:[from TO to], not {' '.join(parts)!r}")
    low, high = parts[0][1:], parts[2][:-1]
    if not low or not high:
        raise CkanQueryError(f"a range needs both bounds ('*' for an open one): {name}")
    span = (parts[0][0] == "[", parts[2][-1] == "]")
    return Term(name, (low, high), negate=negate, span=span), position + 3


def _values(tokens: list[str], position: int) -> tuple[tuple[str, ...], bool, int]:
    """What follows ``field:``: a quoted value or ``(a OR b …)`` / ``(a AND b …)``."""
    if position >= len(tokens):
        raise CkanQueryError("a field needs a value")
    if tokens[position] != "(":
        return (_value(tokens[position]),), False, position + 1
    values: list[str] = []
    operators: set[str] = set()
    position += 1
    while position < len(tokens) and tokens[position] != ")":
        token = tokens[position]
        if token in ("OR", "||", "AND", "&&"):
            operators.add("OR" if token in ("OR", "||") else "AND")
        elif token == "(":
            raise CkanQueryError("nested parentheses are not supported")
        else:
            values.append(_value(token))
        position += 1
    if position >= len(tokens):
        raise CkanQueryError("a parenthesis is not closed")
    if not values or len(operators) > 1:
        raise CkanQueryError("a group needs values joined by OR or by AND, not both")
    return tuple(values), operators == {"OR"}, position + 1


def _value(token: str, *, strict: bool = True) -> str:
    """A bare or quoted value, unescaped; wildcards and ranges are refused (``strict``)."""
    if token.startswith('"'):
        if len(token) < 2 or not token.endswith('"'):
            raise CkanQueryError(f"unbalanced quote in {token!r}")
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    if token in ("AND", "OR", "NOT", "&&", "||", ")"):
        raise CkanQueryError(f"{token} is out of place")
    plain = re.sub(r"\\.", "", token)
    if strict and SPECIAL & set(plain):
        raise CkanQueryError(f"wildcards, ranges, fuzzy and boosts are not supported: {token!r}")
    return re.sub(r"\\(.)", r"\1", token)


# -- sort and facets --------------------------------------------------------------------------


def parse_sort(text: str) -> str:
    """abierto's order for a CKAN sort (``score desc, metadata_modified desc``, …)."""
    keys = [part.split() for part in text.split(",") if part.strip()]
    if not keys:
        return "relevance"
    for key in keys:
        if len(key) != 2 or key[1].lower() not in ("asc", "desc"):
            raise CkanQueryError(f"sort: write 'field asc' or 'field desc', not {' '.join(key)!r}")
    first = (keys[0][0], keys[0][1].lower())
    if first not in SORTS:
        choices = ", ".join(f"'{f} {d}'" for f, d in SORTS)
        raise CkanQueryError(f"sort: cannot sort by '{' '.join(first)}' (supported: {choices})")
    return SORTS[first]


def facet_fields(fields: object) -> dict[str, str]:
    """CKAN facet fields (a list) → abierto's facets, in the order asked."""
    if isinstance(fields, str):
        fields = [fields]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise CkanQueryError("facet.field must be a JSON list of field names")
    unknown = [f for f in fields if f not in FACET_FIELDS]
    if unknown:
        known = ", ".join(FACET_FIELDS)
        raise CkanQueryError(f"facet.field: cannot count {unknown[0]!r} (known: {known})")
    return {f: FACET_FIELDS[f] for f in fields}
