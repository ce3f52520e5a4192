"""Split migration SQL into statements that remember where they came from (file and line).

PostgreSQL text is split with PostgreSQL's own scanner (pglast), so dollar-quoted bodies, quoted
semicolons and comments are handled exactly as the server would. Splitting never fails: text the scanner
cannot read (an unterminated quote, say) stays one statement and the server reports the error, with its
line, when it runs.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migration_reviewer.adapters.base import Dialect, SqlScript
from migration_reviewer.replay._pglast import parser as pg_parser
from migration_reviewer.schema.model import PUBLIC, ObjectName

if TYPE_CHECKING:
    from sqlglot import exp


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

    @property
    def too_large_to_analyse(self) -> bool:
        """Replayed, but too large for the rules to read (see ANALYSED_STATEMENT_CHARS)."""
        return len(self.text) > ANALYSED_STATEMENT_CHARS

    def line_of_offset(self, offset: int) -> int:
        """The file line of a 0-based character offset inside `text` (for server error positions)."""
        return self.line + self.text.count("\n", 0, max(0, min(offset, len(self.text))))


# The rules read statements up to this size. Larger ones are data loads (an INSERT of a million rows):
# the server replays them, but a parse tree of that size costs gigabytes and minutes and tells the rules
# nothing that the statement's first words do not.
ANALYSED_STATEMENT_CHARS = 1_000_000


def split_scripts(scripts: Iterable[SqlScript], dialect: Dialect = Dialect.POSTGRESQL) -> list[Statement]:
    return [
        stmt for script in scripts for stmt in split_sql(script.text, script.path, script.first_line, dialect)
    ]


def split_sql(
    text: str, path: str = "<sql>", first_line: int = 1, dialect: Dialect = Dialect.POSTGRESQL
) -> list[Statement]:
    return list(_split_sql(text, path, first_line, dialect))


# The replay splits the change's scripts, then each experiment and the rules split them again: the same
# text is split once (statements are frozen, and a str keeps its hash, so a hit is cheap at any size).
@functools.lru_cache(maxsize=256)
def _split_sql(text: str, path: str, first_line: int, dialect: Dialect) -> tuple[Statement, ...]:
    if dialect is not Dialect.POSTGRESQL:
        spans = list(_generic_spans(text, dialect))
    else:
        spans = _postgres_spans_tolerant(text)
    statements = []
    # Lines are counted as the spans advance, never from the top again: a 5,000-statement file stays
    # linear.
    line, counted_to = first_line, 0
    for start, end in spans:
        chunk = text[start:end]
        code_start = _skip_comments(chunk)
        line += text.count("\n", counted_to, start + code_start)
        counted_to = start + code_start
        statement = _make_statement(chunk, code_start, path, line)
        if statement is not None:
            statements.append(statement)
    return tuple(statements)


def _make_statement(chunk: str, code_start: int, path: str, line: int) -> Statement | None:
    body = chunk[code_start:].rstrip()
    if not body:
        return None
    return Statement(
        text=body,
        path=path,
        line=line,
        end_line=line + body.count("\n"),
        comments=chunk[:code_start].strip(),
    )


# `#` starts a comment in MySQL only, but no statement of another dialect starts with one.
_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|\#[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)


def _skip_comments(chunk: str) -> int:
    match = _LEADING_NOISE.match(chunk)
    return match.end() if match else 0


def _postgres_spans_tolerant(text: str) -> list[tuple[int, int]]:
    """Spans of every statement; where the scanner stops (an unterminated quote or comment), the
    statements before that point are kept and the rest becomes one statement for the server to reject."""
    try:
        return _postgres_spans(text)
    except pg_parser.ParseError as exc:
        stop = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        # The error index is where the bad token starts: everything before the statement holding it
        # scans cleanly.
        spans = _postgres_spans(text[:stop]) if stop else []
        between = text[spans[-1][1] : stop] if spans else ""
        if spans and ";" not in between:  # the unfinished statement the bad token belongs to
            rest = spans.pop()[0]
        else:
            rest = spans[-1][1] + between.index(";") + 1 if spans else 0  # just past the last semicolon
        return [*spans, (rest, len(text))]


def _postgres_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of each statement: from just past the previous statement's semicolon
    (so a statement's leading comments are its own) to the end of its last token.

    PostgreSQL's parser finds them in C, so a 50 MB INSERT takes seconds rather than the minutes a Python
    object per token would; it also knows SQL-standard function bodies (`BEGIN ATOMIC … END`). Text it
    cannot parse goes token by token on the scanner instead, which splits wherever a statement ends,
    valid or not.
    """
    try:
        pieces = pg_parser.split(text, with_parser=True, only_slices=True)
    except pg_parser.ParseError:
        return list(_spans_by_token(text))
    spans: list[tuple[int, int]] = []
    start = 0
    for piece in pieces:
        if spans:
            start = spans[-1][1] + _past_last_semicolon(text[spans[-1][1] : piece.start])
        spans.append((start, piece.stop))
    return spans


def _past_last_semicolon(gap: str) -> int:
    """The offset just past the last semicolon in `gap` (whitespace, comments and semicolons)."""
    if "--" not in gap and "/*" not in gap:  # no comment to hide a semicolon: the usual gap, "\n" or ";\n"
        return gap.rfind(";") + 1
    ends = [token.end + 1 for token in pg_parser.scan(gap) if token.name == "ASCII_59"]
    return ends[-1] if ends else 0


def _spans_by_token(text: str) -> Iterator[tuple[int, int]]:
    """`_postgres_spans` token by token, tracking `BEGIN ATOMIC` bodies by depth (CASE … END nests inside
    them)."""
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


# Comments and quoted text, in which a delimiter ends nothing. MySQL escapes with backslashes inside
# quotes and also comments with `#`; SQLite does neither, and quotes names with brackets too.
_QUOTED = {
    Dialect.MYSQL: r"""--[^\n]*|\#[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`[^`]*`""",
    Dialect.SQLITE: r"""--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]""",
}
# The mysql client's DELIMITER command (dumps use it around routines and triggers): not SQL, never sent.
_DELIMITER_COMMAND = r"(?im:^[ \t]*DELIMITER[ \t]+(?P<delimiter>\S+)[^\n]*$)"
_COMPOUND_START = re.compile(
    r"\s*CREATE\b(?:(?!\bBEGIN\b).)*?\b(?:TRIGGER|PROCEDURE|FUNCTION|EVENT)\b", re.I | re.S
)
# Words that open and close blocks inside a compound body: END IF, END LOOP… close what no counted word
# opened; END CASE closes a CASE statement, a bare END a BEGIN or a CASE expression.
_BLOCK_WORD = re.compile(r"\b(BEGIN|CASE|END(?:\s+(?:IF|LOOP|WHILE|REPEAT|CASE))?)\b", re.I)


def _generic_spans(text: str, dialect: Dialect) -> Iterator[tuple[int, int]]:
    """MySQL and SQLite: split on the delimiter outside quotes and comments, keeping compound bodies
    (`CREATE TRIGGER … BEGIN …; END`, MySQL routines and events) whole, and following MySQL's DELIMITER."""
    quoted = _QUOTED[dialect]
    delimiter = ";"

    def tokens(delimiter: str) -> re.Pattern[str]:
        command = f"|{_DELIMITER_COMMAND}" if dialect is Dialect.MYSQL else ""
        return re.compile(f"{quoted}{command}|{re.escape(delimiter)}", re.S)

    pattern = tokens(delimiter)
    start = position = 0
    while (match := pattern.search(text, position)) is not None:
        position = match.end()
        if match.lastgroup == "delimiter":
            if _LEADING_NOISE.fullmatch(text, start, match.start()):  # only where a statement may start
                delimiter, start = match.group("delimiter"), match.end()
                pattern = tokens(delimiter)
            continue
        if match.group() != delimiter:
            continue
        if delimiter == ";" and _inside_compound_body(re.sub(quoted, " ", text[start : match.start()])):
            continue
        yield start, match.start()
        start = match.end()
    if text[start:].strip():
        yield start, len(text)


def _inside_compound_body(code: str) -> bool:
    if not _COMPOUND_START.match(code):
        return False
    depth = 0
    for word in _BLOCK_WORD.findall(code):
        word = word.upper()
        if word in ("BEGIN", "CASE"):
            depth += 1
        elif word == "END" or word.split()[-1] == "CASE":
            depth -= 1
    return depth > 0


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


# The author's own transaction control, at the start of a line: `BEGIN;`, `START TRANSACTION`, `COMMIT;`,
# `ROLLBACK;`. A PL/pgSQL block's BEGIN is followed by its body, not by a semicolon, and its END is not
# matched: such a file stays in the fast path.
_OWN_TRANSACTION = re.compile(
    r"^[ \t]*(?:BEGIN[ \t]*(?:;|TRANSACTION\b|WORK\b|ISOLATION\b)"
    r"|(?:COMMIT|ROLLBACK|ABORT)[ \t]*(?:;|TRANSACTION\b|WORK\b|$)"
    r"|START[ \t]+TRANSACTION\b|END[ \t]+(?:TRANSACTION|WORK)\b)",
    re.I | re.M,
)


def controls_own_transactions(sql: str) -> bool:
    """Whether `sql` begins or ends transactions itself. Sent to the server with other migrations in one
    multi-statement query, its COMMIT would commit the migrations before it too, and a failure after it
    would leave them applied while the query as a whole counts as failed."""
    return _OWN_TRANSACTION.search(sql) is not None


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


def parse_tree(text: str) -> dict[str, Any] | None:
    """The tree of one PostgreSQL statement from pglast's JSON form (plain dicts, several times faster to
    build than its node objects), or None when the grammar rejects it or the text holds no single
    statement. A node is `{"IndexStmt": {…fields…}}`; fields at their type's zero value are left out."""
    try:
        stmts = json.loads(pg_parser.parse_sql_json(text))["stmts"]
    except pg_parser.ParseError:
        return None
    tree: dict[str, Any] | None = stmts[0].get("stmt") if len(stmts) == 1 else None
    return tree


def syntax_error(text: str) -> tuple[str, int] | None:
    """Why PostgreSQL's grammar rejects one statement: (message, 0-based character offset into `text` of
    the token it stopped at; the end of the text when it ran out of input), or None when it parses."""
    try:
        pg_parser.parse_sql_json(text)
    except pg_parser.ParseError as exc:
        message = str(exc.args[0]) if exc.args else "syntax error"
        index = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        if index is None:
            return message, len(text.rstrip())
        # The parser counts bytes of UTF-8; the report counts characters.
        return message, len(text.encode()[:index].decode(errors="ignore"))
    return None


def identifiers(text: str) -> Iterator[tuple[str, int]]:
    """(name, 0-based character offset) of every identifier token in PostgreSQL text, as the author wrote
    it: quotes removed, unquoted names lower-cased, and not yet cut to 63 bytes (the parser's trees hold
    names already cut)."""
    try:
        tokens = pg_parser.scan(text)
    except pg_parser.ParseError:
        return
    for token in tokens:
        if token.name != "IDENT":
            continue
        raw = text[token.start : token.end + 1]
        if raw.startswith('"'):
            yield raw[1:-1].replace('""', '"'), token.start
        else:
            yield raw.lower(), token.start


def rows_cannot_matter(statement: Statement, dialect: Dialect = Dialect.POSTGRESQL) -> bool:
    """Whether the statement runs the same on a table of a billion rows as on an empty one: it reads no
    row and can fail on none (a nullable column of a built-in type without default or constraint, a
    rename, a dropped column or constraint, a comment, a grant, a view, a trigger, a policy, a new table).
    Conservative: False for anything else, and for every dialect but PostgreSQL."""
    if dialect is not Dialect.POSTGRESQL or statement.too_large_to_analyse:
        return False
    tree = parse_tree(statement.text) or {}
    if len(tree) != 1:
        return False
    [(kind, body)] = tree.items()
    if kind in _ROW_FREE_STATEMENTS:
        return True
    if kind == "CreateStmt":  # a partition of an existing table may have rows to check in its default
        return "partbound" not in body and "inhRelations" not in body
    if kind == "AlterTableStmt" and body.get("objtype") == "OBJECT_TABLE":
        return all(_row_free_command(command.get("AlterTableCmd", {})) for command in body.get("cmds", ()))
    return False


_ROW_FREE_STATEMENTS = {
    "RenameStmt", "CommentStmt", "GrantStmt", "ViewStmt", "CreateTrigStmt", "CreatePolicyStmt",
    "AlterPolicyStmt", "CreateFunctionStmt", "CreateEnumStmt", "CreateSeqStmt", "CreateSchemaStmt",
}
# Unqualified type names that are PostgreSQL's own: pglast qualifies the SQL-standard ones (integer →
# pg_catalog.int4) itself. A domain could carry a NOT NULL or CHECK that existing rows fail.
_BUILT_IN_TYPES = {
    "text", "varchar", "bpchar", "uuid", "json", "jsonb", "bytea", "bool", "int2", "int4", "int8", "float4",
    "float8", "numeric", "money", "date", "time", "timetz", "timestamp", "timestamptz", "interval", "inet",
    "cidr", "macaddr", "tsvector", "xml",
}
_ROW_FREE_COMMANDS = {"AT_DropColumn", "AT_ColumnDefault", "AT_DropConstraint", "AT_SetStatistics"}


def _row_free_command(command: dict[str, object]) -> bool:
    subtype = command.get("subtype")
    if subtype in _ROW_FREE_COMMANDS:
        return True
    if subtype != "AT_AddColumn":
        return False
    column = command.get("def")
    definition = column.get("ColumnDef", {}) if isinstance(column, dict) else {}
    if "constraints" in definition or "collClause" in definition:
        return False  # a default, NOT NULL, CHECK, key, identity or generated expression: rows matter
    names = [n.get("String", {}).get("sval", "") for n in definition.get("typeName", {}).get("names", ())]
    return (len(names) == 2 and names[0] == "pg_catalog") or (len(names) == 1 and names[0] in _BUILT_IN_TYPES)


def referenced_tables(
    statements: Iterable[Statement], dialect: Dialect = Dialect.POSTGRESQL
) -> set[ObjectName]:
    """Every relation the statements name (unqualified names taken as public: for MySQL and SQLite, the
    database connected to). Statements that do not parse are passed over: the server reports them."""
    if dialect is not Dialect.POSTGRESQL:
        return {name for statement in statements for name in _tables_named(statement.text, dialect)}
    found: set[ObjectName] = set()
    for statement in statements:
        if statement.too_large_to_analyse:
            if match := _WRITTEN_TABLE.match(statement.text, 0, 10_000):
                *schema, name = (part.strip('"') for part in match.group(1).split("."))
                found.add(ObjectName(schema[0] if schema else PUBLIC, name))
            continue
        try:
            tree = pg_parser.parse_sql_json(statement.text)
        except pg_parser.ParseError:
            continue
        # Read off the JSON text rather than walking a tree: a multi-megabyte INSERT stays cheap.
        for match in _RANGE_VAR.finditer(tree):
            fields = {key: json.loads(f'"{value}"') for key, value in _NAME_FIELD.findall(match.group(1))}
            if "relname" in fields:
                found.add(ObjectName(fields.get("schemaname") or "public", fields["relname"]))
    return found


# The table a data load writes to, read off its first words.
_WRITTEN_TABLE = re.compile(
    r"\s*(?:INSERT\s+INTO|UPDATE(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?|COPY|TRUNCATE(?:\s+TABLE)?"
    r"|ALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?)\s+((?:\w+|\"[^\"]+\")(?:\.(?:\w+|\"[^\"]+\"))?)",
    re.I,
)
# A RangeVar, wherever it sits (typed fields such as "relation" drop the node name): the only node with a
# "relname".
_RANGE_VAR = re.compile(r'\{([^{}]*"relname":[^{}]*)')
_NAME_FIELD = re.compile(r'"(schemaname|relname)":"((?:[^"\\]|\\.)*)"')


# sqlglot leaves statements it does not know as an opaque Command (and logs it): name their table here.
_ALTERED_TABLE = re.compile(
    r"\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?([`\"\w.$]+)", re.I
)
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def parse_other(text: str, dialect: Dialect) -> exp.Expr | None:
    """A MySQL or SQLite statement's sqlglot tree; None where sqlglot cannot read it."""
    import sqlglot  # a tenth of a second to load: only reviews of MySQL and SQLite need it

    try:
        return sqlglot.parse_one(text, read=dialect.value)
    except sqlglot.errors.SqlglotError:
        return None


def _tables_named(text: str, dialect: Dialect) -> Iterator[ObjectName]:
    from sqlglot import exp

    tree = parse_other(text, dialect)
    if tree is not None and not isinstance(tree, exp.Command):
        for table in tree.find_all(exp.Table):
            if table.name:
                yield ObjectName(table.db or PUBLIC, table.name)
    elif match := _ALTERED_TABLE.match(text):
        *database, name = (part.strip('`"') for part in match.group(1).split("."))
        yield ObjectName(database[0] if database else PUBLIC, name)
