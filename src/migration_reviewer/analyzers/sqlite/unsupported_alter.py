from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome

# What SQLite's ALTER TABLE cannot do (https://sqlite.org/lang_altertable.html), as (pattern, what).
_ACTIONS = (
    (
        r"\bALTER\s+(?:COLUMN\s+)?[\w\"`\[\]]+\s+(?:SET|DROP|TYPE)\b",
        "change a column (type, default, NOT NULL)",
    ),
    (r"\b(?:MODIFY|CHANGE)\s+(?:COLUMN\s+)?", "change a column"),
    (r"\bADD\s+(?:CONSTRAINT\b|PRIMARY\s+KEY\b|FOREIGN\s+KEY\b|UNIQUE\b|CHECK\b)", "add a constraint"),
    (r"\bDROP\s+(?:CONSTRAINT|PRIMARY\s+KEY|FOREIGN\s+KEY|INDEX)\b", "drop a constraint"),
)
_ADD_COLUMN = re.compile(r"\bADD\s+(?:COLUMN\s+)?", re.I)
# ADD COLUMN forms SQLite refuses: a key, a default computed per row, a stored generated column.
_ADD_COLUMN_LIMITS = (
    (r"\bPRIMARY\s+KEY\b", "add a PRIMARY KEY column"),
    (r"\bUNIQUE\b", "add a UNIQUE column"),
    (
        r"\bDEFAULT\s+\(?\s*(?:CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME)\b|\bDEFAULT\s*\(",
        "add a column whose default is not a constant",
    ),
    (r"\bGENERATED\s+ALWAYS\s+AS\b.*\bSTORED\b|\bAS\s*\(.*\)\s*STORED\b", "add a STORED generated column"),
)
_ALTER_TABLE = re.compile(
    r"\s*ALTER\s+TABLE\s+(?:main\.)?(\"(?:[^\"]|\"\")+\"|`[^`]+`|\[[^\]]+\]|[\w$]+)\s+(.*)$", re.I | re.S
)
_REBUILD = (
    "rebuild the table instead: CREATE TABLE the new shape under another name, INSERT INTO it SELECT the "
    "rows, DROP TABLE the old one, ALTER TABLE … RENAME TO the old name, then recreate its indexes, "
    "triggers and views. When other tables reference it, run the rebuild with PRAGMA foreign_keys = OFF "
    "outside a transaction: PRAGMA defer_foreign_keys = ON only postpones the checks, and DROP TABLE still "
    "runs their ON DELETE CASCADE and SET NULL actions"
)


@rule("SD202", "sqlite-unsupported-alter", Category.SCHEMA, Severity.ERROR, {"sqlite"})
def unsupported_alter(ctx: AnalysisContext) -> Iterator[Issue]:
    """An ALTER TABLE that SQLite does not support.

    ## What it does
    Reports `ALTER TABLE` statements that SQLite (and so Cloudflare D1) refuses: changing a column
    (`ALTER COLUMN`, `MODIFY`), adding or dropping a constraint, several actions in one statement, and
    the `ADD COLUMN` forms it cannot do in place (a PRIMARY KEY or UNIQUE column, a default that is not a
    constant such as CURRENT_TIMESTAMP, a STORED generated column). Where the replay ran the statement,
    the finding carries SQLite's own error.

    ## Why is this risky?
    SQLite's ALTER TABLE only renames tables and columns, adds plain columns and drops columns. SQL
    written for PostgreSQL or MySQL, or by hand, fails at deploy time with a bare syntax error; the way
    to change a table is to rebuild it.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ```

    ## Use instead
    ```sql
    CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    INSERT INTO __new_users (id, email) SELECT id, email FROM users;
    DROP TABLE users;
    ALTER TABLE __new_users RENAME TO users;
    ```
    """
    for stmt in ctx.statements:
        match = _ALTER_TABLE.match(stmt.statement.text)
        if match is None:
            continue
        table, actions = match.group(1).strip('"`[]'), match.group(2)
        refused = _refused(actions)
        if refused is None:
            continue
        failed = stmt.run is not None and stmt.run.outcome is Outcome.FAILED and stmt.run.error is not None
        said = f" (the replay: {stmt.run.error.message})" if failed and stmt.run and stmt.run.error else ""
        yield Issue(
            message=f"SQLite's ALTER TABLE cannot {refused}: this statement fails{said}",
            path=stmt.path,
            line=stmt.line,
            table=table,
            statement=stmt.statement.text,
            fix=_REBUILD,
            confirmed_by_replay=failed,
        )


def _refused(actions: str) -> str | None:
    code = re.sub(r"'(?:[^']|'')*'", "''", actions)  # string literals say nothing about the form
    for pattern, what in _ACTIONS:
        if re.search(pattern, code, re.I):
            return what
    if re.search(r",\s*(?:ADD|DROP|RENAME|ALTER)\b", code, re.I):
        return "do several things in one statement"
    if _ADD_COLUMN.match(code):
        for pattern, what in _ADD_COLUMN_LIMITS:
            if re.search(pattern, code, re.I | re.S):
                return what
    return None
