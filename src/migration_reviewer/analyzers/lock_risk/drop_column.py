from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields


@rule("LK015", "drop-column", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def drop_column(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column of an existing table is dropped.

    ## What it does
    Reports `ALTER TABLE … DROP COLUMN` on tables the change did not create, for columns the change did
    not add itself.

    ## Why is this risky?
    The running application may still select or insert the column: its queries fail from the moment the
    drop commits (ORMs that list columns explicitly fail on every query of the table). The data is gone
    for good, and a rollback cannot bring it back. The drop takes a brief ACCESS EXCLUSIVE lock.

    ## Example
    ```sql
    ALTER TABLE users DROP COLUMN legacy_flag;
    ```

    ## Use instead
    ```sql
    -- migration-reviewer: ignore LK015 -- no release reads or writes users.legacy_flag since v42
    ALTER TABLE users DROP COLUMN legacy_flag;
    ```
    Drop a column only once no deployed release uses it: stop using it (and tell the ORM to ignore it) in
    one release, drop it in the next, and say so in an ignore directive.
    """
    added: set[tuple[str, str]] = set()
    for stmt in ctx.alter_table_statements_with("AT_AddColumn", "AT_DropColumn"):
        table = altered_table(stmt)
        if table is None:
            continue
        for cmd in commands(stmt, "AT_AddColumn"):
            added.add((table, fields(cmd.get("def", {}), "ColumnDef").get("colname", "")))
        if ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_DropColumn"):
            column = cmd.get("name", "?")
            if (table, column) in added:
                continue
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE),
                message=f"Dropping `{table}.{column}` breaks the running application's queries that still "
                "use it, and its data cannot be restored by a rollback.",
                fix="stop using the column in one release (ignore it in the ORM), drop it in the next",
            )
