"""A small JQL parser for the Jira sandbox: the subset Crosswalk's queries use.

Grammar (keywords case-insensitive)::

    query   := [expr] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    expr    := term {OR term}
    term    := factor {AND factor}
    factor  := NOT factor | "(" expr ")" | clause
    clause  := field ("=" | "!=") value | field [NOT] IN "(" value {, value} ")"
             | datefield ("=" | "!=" | ">=" | ">" | "<=" | "<") date

Date values are read the way Jira reads them: ``yyyy-MM-dd HH:mm``, ``yyyy/MM/dd HH:mm``,
``yyyy-MM-dd``, ``yyyy/MM/dd`` in the *searching user's* timezone, at minute precision, or
a relative period such as ``-5d`` or ``"-1w 2d"``. Anything else raises :class:`JqlError`
whose message reads like Jira's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from integrations.sandbox.world import JiraIssue

Predicate = Callable[[JiraIssue], bool]

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|>=|<=|[=<>(),~])"""
    r"""|(?P<word>[A-Za-z0-9_\-./:+*]+))"""
)
_VALUE_FIELDS = {
    "project": "project", "issuetype": "issuetype", "type": "issuetype",
    "key": "key", "issuekey": "key", "status": "status",
}
_DATE_FIELDS = {"updated": "updated", "updateddate": "updated", "created": "created",
                "createddate": "created"}
_ORDER_FIELDS = {"updated", "created", "key"}
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_PERIOD = re.compile(r"([+-]?)\s*((?:\d+\s*[wdhm]\s*)+)")
_UNIT = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
         "m": timedelta(minutes=1)}
_DATE_HELP = (
    "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', "
    "'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
)


class JqlError(ValueError):
    """A query the sandbox (like Jira) refuses; ``str()`` is Jira's errorMessage."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "str" | "op" | "word" | "end"
    text: str
    pos: int  # 1-based character, as Jira reports it

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def value(self) -> str:
        if self.kind == "str":
            return re.sub(r"\\(.)", r"\1", self.text[1:-1])
        return self.text


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: a filter (``None`` matches all) and the ordering."""

    where: Predicate | None
    order: tuple[tuple[str, bool], ...]  # (field, descending)

    def matches(self, issue: JiraIssue) -> bool:
        """Whether ``issue`` satisfies the WHERE part."""
        return self.where is None or self.where(issue)

    def sort(self, issues: list[JiraIssue]) -> list[JiraIssue]:
        """Issues in the query's order, ties broken by numeric id ascending."""
        result = sorted(issues, key=lambda i: int(i.id))
        for name, descending in reversed(self.order):
            result.sort(key=_order_key_for(name), reverse=descending)
        return result


def _order_key_for(name: str) -> Callable[[JiraIssue], tuple[str, int, datetime]]:
    def key(issue: JiraIssue) -> tuple[str, int, datetime]:
        if name == "key":
            project, _, number = issue.key.rpartition("-")
            return (project, int(number) if number.isdigit() else 0, issue.created)
        return ("", 0, issue.updated if name == "updated" else issue.created)

    return key


def tokenize(jql: str) -> list[Token]:
    """Split a query into tokens; an unknown character is an error."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(jql):
        if jql[pos:].strip() == "":
            break
        match = _TOKEN.match(jql, pos)
        if match is None or match.lastgroup is None:
            start = len(jql[pos:]) - len(jql[pos:].lstrip()) + pos
            char = jql[start]
            raise JqlError(
                f"Error in the JQL Query: The character '{char}' is a reserved JQL character. "
                f"You must enclose it in a string or use the escape '\\u{ord(char):04x}' "
                f"instead. (line 1, character {start + 1})"
            )
        start = match.start(match.lastgroup)
        tokens.append(Token(match.lastgroup, match.group(match.lastgroup), start + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(jql) + 1))
    return tokens


def parse(
    jql: str, *, tz: ZoneInfo, now: datetime, projects: Collection[str] | None = None
) -> Query:
    """Parse ``jql``; dates are read in ``tz``; relative periods count from ``now``."""
    return _Parser(tokenize(jql), tz, now, projects).query()


class _Parser:
    def __init__(
        self, tokens: list[Token], tz: ZoneInfo, now: datetime, projects: Collection[str] | None
    ) -> None:
        self.tokens, self.index, self.tz, self.now = tokens, 0, tz, now
        self.projects = {p.upper() for p in projects} if projects is not None else None

    # ---- token helpers ---------------------------------------------------------------

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, what: str, ok: Callable[[Token], bool]) -> Token:
        token = self.peek
        if not ok(token):
            raise self.error(what, token)
        return self.take()

    @staticmethod
    def error(what: str, token: Token) -> JqlError:
        got = "end of query" if token.kind == "end" else f"'{token.text}'"
        return JqlError(
            f"Error in the JQL Query: Expecting {what} but got {got}. "
            f"(line 1, character {token.pos})"
        )

    # ---- grammar ---------------------------------------------------------------------

    def query(self) -> Query:
        where = None if self.peek.kind == "end" or self.peek.upper == "ORDER" else self.expr()
        order: list[tuple[str, bool]] = []
        if self.peek.upper == "ORDER":
            self.take()
            self.expect("'by'", lambda t: t.upper == "BY")
            while True:
                token = self.expect("a field name", lambda t: t.kind in ("word", "str"))
                name = token.value.lower()
                if name not in _ORDER_FIELDS:
                    raise JqlError(f"Not able to sort using field '{token.value}'.")
                descending = False
                if self.peek.upper in ("ASC", "DESC"):
                    descending = self.take().upper == "DESC"
                order.append((name, descending))
                if not (self.peek.kind == "op" and self.peek.text == ","):
                    break
                self.take()
        if self.peek.kind != "end":
            raise self.error("either 'AND', 'OR' or 'ORDER BY'", self.peek)
        return Query(where, tuple(order))

    def expr(self) -> Predicate:
        parts = [self.term()]
        while self.peek.upper == "OR":
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda i: any(p(i) for p in parts))

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.peek.upper == "AND":
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else (lambda i: all(p(i) for p in parts))

    def factor(self) -> Predicate:
        if self.peek.upper == "NOT":
            self.take()
            inner = self.factor()
            return lambda i: not inner(i)
        if self.peek.kind == "op" and self.peek.text == "(":
            self.take()
            inner = self.expr()
            self.expect("')'", lambda t: t.kind == "op" and t.text == ")")
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        token = self.expect("a field name", lambda t: t.kind in ("word", "str"))
        name = token.value.lower()
        if name in _DATE_FIELDS:
            return self.date_clause(_DATE_FIELDS[name], token)
        if name not in _VALUE_FIELDS:
            raise JqlError(
                f"Field '{token.value}' does not exist or you do not have permission to view it."
            )
        field = _VALUE_FIELDS[name]
        negate = False
        if self.peek.upper == "NOT":
            self.take()
            negate = True
            self.expect("'in'", lambda t: t.upper == "IN")
            values = self.value_list(field)
        elif self.peek.upper == "IN":
            self.take()
            values = self.value_list(field)
        else:
            op = self.expect("operator", lambda t: t.kind == "op" and t.text in ("=", "!="))
            negate = op.text == "!="
            values = {self.value(field)}
        return lambda i: (_value_of(i, field) in values) != negate

    def value_list(self, field: str) -> set[str]:
        self.expect("'('", lambda t: t.kind == "op" and t.text == "(")
        values = {self.value(field)}
        while self.peek.kind == "op" and self.peek.text == ",":
            self.take()
            values.add(self.value(field))
        self.expect("')'", lambda t: t.kind == "op" and t.text == ")")
        return values

    def value(self, field: str) -> str:
        token = self.expect("either a value, 'EMPTY' or a function",
                            lambda t: t.kind in ("word", "str"))
        if token.kind == "word" and self.peek.kind == "op" and self.peek.text == "(":
            raise JqlError(f"Error in the JQL Query: Unable to find JQL function '{token.text}()'.")
        value = token.value
        if field in ("project", "key"):
            value = value.upper()
        if field == "project" and self.projects is not None and value not in self.projects:
            raise JqlError(f"The value '{token.value}' does not exist for the field 'project'.")
        return value.lower() if field in ("issuetype", "status") else value

    def date_clause(self, field: str, name: Token) -> Predicate:
        op = self.expect(
            "operator", lambda t: t.kind == "op" and t.text in ("=", "!=", ">=", ">", "<=", "<")
        ).text
        token = self.expect("either a value, 'EMPTY' or a function",
                            lambda t: t.kind in ("word", "str"))
        if token.kind == "word" and self.peek.kind == "op" and self.peek.text == "(":
            raise JqlError(f"Error in the JQL Query: Unable to find JQL function '{token.text}()'.")
        bound = self.date(token.value, name.value)
        compare: dict[str, Callable[[datetime], bool]] = {
            "=": lambda d: d == bound, "!=": lambda d: d != bound, ">=": lambda d: d >= bound,
            ">": lambda d: d > bound, "<=": lambda d: d <= bound, "<": lambda d: d < bound,
        }
        test = compare[op]
        return lambda i: test(i.updated if field == "updated" else i.created)

    def date(self, text: str, field: str) -> datetime:
        """An absolute instant for a JQL date value (minute precision, user's timezone)."""
        for fmt in _DATE_FORMATS:
            try:
                naive = datetime.strptime(text.strip(), fmt)
            except ValueError:
                continue
            return naive.replace(tzinfo=self.tz)
        period = _PERIOD.fullmatch(text.strip())
        if period:
            delta = sum(
                (int(n) * _UNIT[u] for n, u in re.findall(r"(\d+)\s*([wdhm])", period.group(2))),
                timedelta(),
            )
            moment = self.now + (-delta if period.group(1) == "-" else delta)
            return moment.astimezone(self.tz).replace(second=0, microsecond=0)
        raise JqlError(f"Date value '{text}' for field '{field}' is invalid. {_DATE_HELP}")


def _value_of(issue: JiraIssue, field: str) -> str:
    if field == "project":
        return issue.project.upper()
    if field == "key":
        return issue.key.upper()
    if field == "issuetype":
        return issue.issue_type.lower()
    return issue.status.lower()
