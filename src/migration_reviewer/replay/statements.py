"""Split migration SQL into statements that remember where they came from (file and line).

PostgreSQL text is split with PostgreSQL's own scanner (pglast), so dollar-quoted bodies, quoted
semicolons and comments are handled exactly as the server would. Splitting never fails: text the scanner
cannot read (an unterminated quote, say) stays one statement and the server reports the error, with its
line, when it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pglast
from pglast import parser as pg_parser
from pglast.visitors import Visitor

from migration_reviewer.adapters.base import Dialect, SqlScript
from migration_reviewer.schema.model import ObjectName


@dataclass(frozen=True)
class Statement:
    text: str  # the statement without its trailing semicolon, comments before it excluded
    path: str
    line: int  # 1-based line in `path` where the statement's code starts
    end_line: int
    comments: str = ""  # the comments directly before the statement (where suppressions live)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def line_of_offset(self, offset: int) -> int:
        """The file line of a 0-based character offset inside `text` (for server error positions)."""
        return self.line + self.text.count("\n", 0, max(0, min(offset, len(self.text))))


def split_scripts(scripts: Iterable[SqlScript], dialect: Dialect = Dialect.POSTGRESQL) -> list[Statement]:
    return [
        stmt for script in scripts for stmt in split_sql(script.text, script.path, script.first_line, dialect)
    ]


def split_sql(
    text: str, path: str = "<sql>", first_line: int = 1, dialect: Dialect = Dialect.POSTGRESQL
) -> list[Statement]:
    if dialect is not Dialect.POSTGRESQL:
        spans = list(_generic_spans(text))
    else:
        spans = _postgres_spans_tolerant(text)
    statements = []
    for start, end in spans:
        statement = _make_statement(text, start, end, path, first_line)
        if statement is not None:
            statements.append(statement)
    return statements


def _make_statement(text: str, start: int, end: int, path: str, first_line: int) -> Statement | None:
    chunk = text[start:end]
    code_start = _skip_comments(chunk)
    body = chunk[code_start:].rstrip()
    if not body:
        return None
    absolute = start + code_start
    line = first_line + text.count("\n", 0, absolute)
    return Statement(
        text=body,
        path=path,
        line=line,
        end_line=line + body.count("\n"),
        comments=chunk[:code_start].strip(),
    )


_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)


def _skip_comments(chunk: str) -> int:
    match = _LEADING_NOISE.match(chunk)
    return match.end() if match else 0


def _postgres_spans_tolerant(text: str) -> list[tuple[int, int]]:
    """Spans of every statement; where the scanner stops (an unterminated quote or comment), the
    statements before that point are kept and the rest becomes one statement for the server to reject."""
    try:
        return list(_postgres_spans(text))
    except pg_parser.ParseError as exc:
        stop = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        # The error index is where the bad token starts: everything before the statement holding it
        # scans cleanly.
        spans = list(_postgres_spans(text[:stop])) if stop else []
        if spans and spans[-1][1] == stop:  # the unfinished statement the bad token belongs to
            rest = spans.pop()[0]
        else:
            rest = spans[-1][1] + 1 if spans else 0  # just past the last semicolon
        return [*spans, (rest, len(text))]


def _postgres_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) character spans of each statement, found on PostgreSQL's scanner tokens.

    The scanner alone would split a SQL-standard function body (`BEGIN ATOMIC … END`) at its inner
    semicolons, so those bodies are tracked by depth (CASE … END nests inside them).
    """
    start = 0
    atomic_depth = 0
    previous = ""
    for token in pg_parser.scan(text):
        name = token.name
        if (name == "ATOMIC" and previous == "BEGIN_P") or (atomic_depth and name == "CASE"):
            atomic_depth += 1
        elif atomic_depth and name == "END_P":
            atomic_depth -= 1
        elif name == "ASCII_59" and not atomic_depth:
            yield start, token.start
            start = token.end + 1
        if name not in ("SQL_COMMENT", "C_COMMENT"):
            previous = name
    if text[start:].strip():
        yield start, len(text)


_GENERIC_TOKEN = re.compile(
    r"""--[^\n]*|\#[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`[^`]*`|;""", re.S
)
_TRIGGER_START = re.compile(r"\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\b", re.I)
_BEGIN_WORD = re.compile(r"\bBEGIN\b", re.I)
_END_WORD = re.compile(r"\bEND\b", re.I)


def _generic_spans(text: str) -> Iterator[tuple[int, int]]:
    """MySQL and SQLite: split on semicolons outside quotes and comments, keeping trigger bodies
    (`CREATE TRIGGER … BEGIN …; END`) whole."""
    start = 0
    for match in _GENERIC_TOKEN.finditer(text):
        if match.group() != ";":
            continue
        candidate = _strip_quoted(text[start : match.start()])
        if _TRIGGER_START.search(candidate) and len(_BEGIN_WORD.findall(candidate)) > len(
            _END_WORD.findall(candidate)
        ):
            continue
        yield start, match.start()
        start = match.end()
    if text[start:].strip():
        yield start, len(text)


def _strip_quoted(chunk: str) -> str:
    return _GENERIC_TOKEN.sub(lambda m: " " if m.group() != ";" else ";", chunk)


# Statements PostgreSQL refuses inside a transaction block. A script containing one cannot be sent to
# the server in a single multi-statement query.
_NO_TRANSACTION = re.compile(
    r"\b(?:CONCURRENTLY|VACUUM|ALTER\s+SYSTEM|CREATE\s+DATABASE|DROP\s+DATABASE|CREATE\s+TABLESPACE|"
    r"DROP\s+TABLESPACE|ADD\s+VALUE)\b",
    re.I,
)


def may_need_own_transaction(sql: str) -> bool:
    """A cheap, conservative test: False means no statement in `sql` has to run outside a transaction."""
    return _NO_TRANSACTION.search(sql) is not None


def runs_outside_transaction(statement: Statement) -> bool:
    """Whether PostgreSQL refuses to run this statement inside a transaction block."""
    words = statement.text.split(None, 6)
    head = " ".join(w.upper() for w in words)
    if head.startswith(
        ("VACUUM", "ALTER SYSTEM", "CREATE DATABASE", "DROP DATABASE", "CREATE TABLESPACE", "DROP TABLESPACE")
    ):
        return True
    if head.startswith("REINDEX") and "CONCURRENTLY" in head.replace("(", " ").replace(")", " ").split():
        return True
    return bool(
        re.match(r"(?:CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX)\s+CONCURRENTLY\b", statement.text, re.I)
        or re.search(r"\bDETACH\s+PARTITION\b[^;]*\bCONCURRENTLY\b", statement.text, re.I)
    )


def is_transaction_control(statement: Statement) -> bool:
    """BEGIN, COMMIT, ROLLBACK and friends written into a migration file by its author."""
    first = statement.text.split(None, 1)[0].upper().rstrip(";")
    return first in {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"}


class _RangeVars(Visitor):
    def __init__(self) -> None:
        self.found: set[ObjectName] = set()

    def visit_RangeVar(self, _ancestors: object, node: Any) -> None:
        self.found.add(ObjectName(node.schemaname or "public", node.relname))


def referenced_tables(statements: Iterable[Statement]) -> set[ObjectName]:
    """Every relation the statements name (unqualified names taken as public). Statements that do not
    parse are passed over: the server reports them."""
    visitor = _RangeVars()
    for statement in statements:
        try:
            visitor(pglast.parse_sql(statement.text))
        except pg_parser.ParseError:
            continue
    return visitor.found
