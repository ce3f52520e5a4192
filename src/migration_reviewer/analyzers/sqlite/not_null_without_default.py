from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome
from migration_reviewer.schema.model import PUBLIC

_ADD_NOT_NULL = re.compile(r"\s*ALTER\s+TABLE\s+(\S+)\s+ADD\s+(?:COLUMN\s+)?(\S+)\b(.*)$", re.I | re.S)
_NOT_NULL = re.compile(r"\bNOT\s+NULL\b", re.I)
_DEFAULT = re.compile(r"\bDEFAULT\s+(?!NULL\b)", re.I)


@rule("BF202", "sqlite-not-null-without-default", Category.BACKFILL, Severity.ERROR, {"sqlite"})
def not_null_without_default(ctx: AnalysisContext) -> Iterator[Issue]:
    """A NOT NULL column without a default, on a SQLite table that has rows.

    ## What it does
    Reports `ADD COLUMN … NOT NULL` without a non-NULL default on a table that exists before the change:
    SQLite accepts it on an empty table and refuses it as soon as the table has a row. Also reports the
    rebuild copies (`INSERT INTO __new_t … SELECT … FROM t`) in which a NOT NULL column of the new table
    gets no value. The replay over seeded rows shows both failing where the empty database did not.

    ## Why is this risky?
    Development and test databases are often empty, so the migration passes there and fails on the
    first production row. In a runner without a transaction (Prisma on SQLite) the statements before it
    stay applied: the new table exists, half filled, next to the old one.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN plan TEXT NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN plan TEXT NOT NULL DEFAULT 'free';
    ```
    In a rebuild, select a value for the new column: `INSERT INTO __new_users (id, plan) SELECT id,
    'free' FROM users`.
    """
    for stmt in ctx.statements:
        added = _ADD_NOT_NULL.match(stmt.statement.text)
        if added and _NOT_NULL.search(added.group(3)) and not _DEFAULT.search(added.group(3)):
            table, column = added.group(1).strip('"`[]'), added.group(2).strip('"`[]')
            if ctx.before is not None and ctx.before.table(PUBLIC, table) is None:
                continue  # created by the change: empty
            seeded = stmt.seeded_run
            failed = seeded is not None and seeded.outcome is Outcome.FAILED and seeded.error is not None
            said = (
                f" (the replay over seeded rows: {seeded.error.message})"
                if failed and seeded and seeded.error
                else ""
            )
            yield Issue(
                message=f"`{column}` is added NOT NULL without a default to `{table}`: SQLite refuses it as "
                f"soon as `{table}` has a row{said}",
                path=stmt.path,
                line=stmt.line,
                table=table,
                statement=stmt.statement.text,
                fix=f"give `{column}` a DEFAULT, or rebuild `{table}` and select a value for it",
                confirmed_by_replay=failed,
            )
            continue
        seeded, run = stmt.seeded_run, stmt.run
        error = seeded.error if seeded is not None else None
        if (
            error is None
            or error.sqlstate != "SQLITE_CONSTRAINT_NOTNULL"
            or run is None
            or run.outcome is Outcome.FAILED
            or stmt.statement.text.lstrip()[:6].upper() != "INSERT"
        ):
            continue
        yield Issue(
            message=f"copying the rows fails once the table holds data: {error.message} (the replay over "
            "seeded rows; on the empty database it worked)",
            path=stmt.path,
            line=stmt.line,
            table=error.table,
            statement=stmt.statement.text,
            fix=f"select a value for `{error.column}` in the INSERT … SELECT, or give the column a DEFAULT",
            confirmed_by_replay=True,
        )
