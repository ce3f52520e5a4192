from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.replay.result import Outcome
from migration_reviewer.replay.statements import syntax_error


@rule("RP006", "statement-does-not-parse", Category.REPLAY, Severity.ERROR, {"postgresql"}, lintable=True)
def statement_does_not_parse(ctx: AnalysisContext) -> Iterator[Issue]:
    """A statement PostgreSQL's grammar rejects.

    ## What it does
    Parses every statement of the change with PostgreSQL's own parser and reports each one it rejects,
    with the parser's message, the line and the column. It needs no database, so `lint` reports it too,
    and a review reports every such statement, not only the first one the replay stops at. SQL that a
    framework's code sends (Alembic) is not the author's text and is judged by the replay alone.

    ## Why is this risky?
    The runner stops at the statement in production and the deploy fails half way. A statement the rules
    cannot read is also one they say nothing about: without this finding, a file with a typo would look
    clean.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text NOT NUL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT '';
    ```
    """
    for stmt in ctx.statements:
        if stmt.tree is not None or stmt.statement.too_large_to_analyse or _failed_in_replay(stmt):
            continue
        if stmt.migration.step is not None:  # SQL the runner's code sent (bound parameters and all)
            continue
        error = syntax_error(stmt.statement.text)
        if error is None:  # parsed, but as more or less than one statement (the splitter's business)
            continue
        message, offset = error
        line = stmt.statement.line_of_offset(offset)
        column = offset - (stmt.statement.text.rfind("\n", 0, offset) + 1) + 1
        if line == stmt.line:  # the statement's first line may start after other text on that line
            column += _column_of_start(stmt)
        yield Issue(
            message=f"PostgreSQL cannot parse this statement: {message} (line {line}, column {column})",
            path=stmt.path,
            line=line,
            statement=stmt.statement.text,
            fix="fix the syntax error; the runner stops at this statement",
        )


def _failed_in_replay(stmt: SqlStatement) -> bool:
    """The replay ran it and the server rejected it: RP001 already says so, with the server's words."""
    return stmt.run is not None and stmt.run.outcome is Outcome.FAILED


def _column_of_start(stmt: SqlStatement) -> int:
    """Characters before the statement on its first line (`SELECT 1; SELEC 2`), from the script's text."""
    for script in stmt.migration.up:
        if script.path != stmt.path:
            continue
        lines = script.text.split("\n")
        index = stmt.line - script.first_line
        if 0 <= index < len(lines):
            first = stmt.statement.text.split("\n", 1)[0]
            found = lines[index].rfind(first)
            return max(found, 0)
    return 0
