"""SoQL, Socrata's query language: parsed into a small AST, compiled to parameterised SQL.

User text never reaches DuckDB as SQL: every literal becomes a bound parameter, every
column must be one of the table's columns (then quoted), every function is on an
allow-list. What cannot be parsed is a ``SoqlError`` that names the offending spot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

KEYWORDS = {
    "and", "or", "not", "is", "null", "in", "between", "like", "as", "asc", "desc",
    "true", "false", "select", "where", "order", "by", "group", "having", "limit", "offset",
    "search", "distinct",
}  # fmt: skip

TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<qident>`[^`]+`)
  | (?P<ident>[:@A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|<>|\|\||[=<>+\-*/%(),])
    )""",
    re.VERBOSE,
)


class SoqlError(ValueError):
    """A query that is not valid SoQL here; ``code`` follows Socrata's error codes."""

    def __init__(self, message: str, code: str = "query.soql.malformed") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number string ident keyword op end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None:
            raise SoqlError(f"unexpected character {text[position:].lstrip()[:1]!r} at {position}")
        kind = match.lastgroup or "op"
        value, start = match.group(kind), match.start(kind)
        if kind == "ident" and value.lower() in KEYWORDS:
            kind, value = "keyword", value.lower()
        elif kind == "qident":
            kind, value = "ident", value[1:-1]
        tokens.append(Token(kind, value, start))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# -- AST ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Column:
    name: str


@dataclass(frozen=True, slots=True)
class Star:
    pass


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Any, ...]
    distinct: bool = False


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Any


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True, slots=True)
class IsNull:
    operand: Any
    negated: bool


@dataclass(frozen=True, slots=True)
class InList:
    operand: Any
    items: tuple[Any, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class Between:
    operand: Any
    low: Any
    high: Any
    negated: bool


@dataclass(frozen=True, slots=True)
class Selection:
    expr: Any
    alias: str | None


@dataclass(frozen=True, slots=True)
class Ordering:
    expr: Any
    descending: bool


# -- parser (precedence climbing) ------------------------------------------------------------

COMPARISONS = {"=", "!=", "<>", "<", "<=", ">", ">="}


@dataclass
class Parser:
    tokens: list[Token]
    index: int = 0

    @classmethod
    def of(cls, text: str) -> Parser:
        return cls(tokenize(text))

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            return self.advance()
        return None

    def expect(self, kind: str, text: str | None = None) -> Token:
        token = self.accept(kind, text)
        if token is None:
            wanted = text or kind
            got = self.current.text or "the end"
            raise SoqlError(f"expected {wanted} at {self.current.position}, found {got!r}")
        return token

    def at_end(self) -> bool:
        return self.current.kind == "end"

    def done(self) -> None:
        if not self.at_end():
            raise SoqlError(f"unexpected {self.current.text!r} at {self.current.position}")

    # expressions
    def expression(self) -> Any:
        return self.disjunction()

    def disjunction(self) -> Any:
        node = self.conjunction()
        while self.accept("keyword", "or"):
            node = Binary("or", node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.negation()
        while self.accept("keyword", "and"):
            node = Binary("and", node, self.negation())
        return node

    def negation(self) -> Any:
        if self.accept("keyword", "not"):
            return Unary("not", self.negation())
        return self.comparison()

    def comparison(self) -> Any:
        node = self.additive()
        if self.current.kind == "op" and self.current.text in COMPARISONS:
            op = self.advance().text
            return Binary("!=" if op == "<>" else op, node, self.additive())
        if self.accept("keyword", "is"):
            negated = self.accept("keyword", "not") is not None
            self.expect("keyword", "null")
            return IsNull(node, negated)
        negated = self.accept("keyword", "not") is not None
        if self.accept("keyword", "in"):
            self.expect("op", "(")
            items = [self.additive()]
            while self.accept("op", ","):
                items.append(self.additive())
            self.expect("op", ")")
            return InList(node, tuple(items), negated)
        if self.accept("keyword", "between"):
            low = self.additive()
            self.expect("keyword", "and")
            return Between(node, low, self.additive(), negated)
        if self.accept("keyword", "like"):
            like = Binary("like", node, self.additive())
            return Unary("not", like) if negated else like
        if negated:
            raise SoqlError(f"expected IN, BETWEEN or LIKE after NOT at {self.current.position}")
        return node

    def additive(self) -> Any:
        node = self.multiplicative()
        while self.current.kind == "op" and self.current.text in ("+", "-", "||"):
            node = Binary(self.advance().text, node, self.multiplicative())
        return node

    def multiplicative(self) -> Any:
        node = self.unary()
        while self.current.kind == "op" and self.current.text in ("*", "/", "%"):
            node = Binary(self.advance().text, node, self.unary())
        return node

    def unary(self) -> Any:
        if self.accept("op", "-"):
            return Unary("-", self.unary())
        return self.primary()

    def primary(self) -> Any:
        token = self.advance()
        if token.kind == "number":
            number = float(token.text)
            return Literal(int(number) if number.is_integer() and "." not in token.text else number)
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Literal(token.text == "true")
        if token.kind == "keyword" and token.text == "null":
            return Literal(None)
        if token.kind == "op" and token.text == "(":
            node = self.expression()
            self.expect("op", ")")
            return node
        if token.kind == "op" and token.text == "*":
            return Star()
        if token.kind == "ident":
            if self.accept("op", "("):
                return self.call(token.text.lower())
            return Column(token.text)
        raise SoqlError(f"unexpected {token.text or 'end of query'!r} at {token.position}")

    def call(self, name: str) -> Call:
        distinct = self.accept("keyword", "distinct") is not None
        args: list[Any] = []
        if not self.accept("op", ")"):
            args.append(self.expression())
            while self.accept("op", ","):
                args.append(self.expression())
            self.expect("op", ")")
        return Call(name, tuple(args), distinct)

    # clause lists
    def selections(self) -> list[Selection]:
        items = [self.selection()]
        while self.accept("op", ","):
            items.append(self.selection())
        return items

    def selection(self) -> Selection:
        expr = self.expression()
        alias = None
        if self.accept("keyword", "as"):
            alias = self.expect("ident").text
        return Selection(expr, alias)

    def orderings(self) -> list[Ordering]:
        items = [self.ordering()]
        while self.accept("op", ","):
            items.append(self.ordering())
        return items

    def ordering(self) -> Ordering:
        expr = self.expression()
        if self.accept("keyword", "desc"):
            return Ordering(expr, True)
        self.accept("keyword", "asc")
        return Ordering(expr, False)

    def expressions(self) -> list[Any]:
        items = [self.expression()]
        while self.accept("op", ","):
            items.append(self.expression())
        return items


def parse_expression(text: str) -> Any:
    parser = Parser.of(text)
    node = parser.expression()
    parser.done()
    return node


def parse_selections(text: str) -> list[Selection]:
    parser = Parser.of(text)
    items = parser.selections()
    parser.done()
    return items


def parse_orderings(text: str) -> list[Ordering]:
    parser = Parser.of(text)
    items = parser.orderings()
    parser.done()
    return items


def parse_group(text: str) -> list[Any]:
    parser = Parser.of(text)
    items = parser.expressions()
    parser.done()
    return items


@dataclass
class SoqlQuery:
    """One SODA request's clauses, parsed."""

    select: list[Selection] = field(default_factory=list)
    where: Any = None
    order: list[Ordering] = field(default_factory=list)
    group: list[Any] = field(default_factory=list)
    having: Any = None
    limit: int | None = None
    offset: int = 0
    search: str | None = None


CLAUSES = ("select", "where", "order", "group", "having", "limit", "offset", "search")


def parse_full_query(text: str) -> SoqlQuery:
    """``$query``: ``SELECT … WHERE … GROUP BY … HAVING … ORDER BY … LIMIT … OFFSET …``."""
    tokens = tokenize(text)
    starts: list[tuple[str, int]] = []
    depth = 0
    for i, token in enumerate(tokens):
        depth += token.text == "(" if token.kind == "op" else 0
        depth -= token.text == ")" if token.kind == "op" else 0
        if depth == 0 and token.kind == "keyword" and token.text in CLAUSES:
            follows_by = token.text in ("order", "group")
            if follows_by and not (tokens[i + 1].kind == "keyword" and tokens[i + 1].text == "by"):
                continue
            starts.append((token.text, i + (2 if follows_by else 1)))
    if not starts or starts[0] != ("select", 1):
        raise SoqlError("a $query starts with SELECT")
    query = SoqlQuery()
    keyword_at = [begin - (2 if clause in ("order", "group") else 1) for clause, begin in starts]
    for n, (clause, begin) in enumerate(starts):
        end = keyword_at[n + 1] if n + 1 < len(starts) else len(tokens) - 1
        _apply_clause(query, clause, Parser([*tokens[begin:end], Token("end", "", 0)]))
    return query


def _apply_clause(query: SoqlQuery, clause: str, parser: Parser) -> None:
    if clause == "select":
        query.select = parser.selections()
    elif clause == "where":
        query.where = parser.expression()
    elif clause == "order":
        query.order = parser.orderings()
    elif clause == "group":
        query.group = parser.expressions()
    elif clause == "having":
        query.having = parser.expression()
    elif clause in ("limit", "offset"):
        value = int(parser.expect("number").text)
        setattr(query, clause, value)
    elif clause == "search":
        query.search = parser.primary().value
    parser.done()
