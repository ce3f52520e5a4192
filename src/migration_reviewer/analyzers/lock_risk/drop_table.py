from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, qualified, strings


@rule("LK016", "drop-table", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def drop_table(ctx: AnalysisContext) -> Iterator[Issue]:
    """An existing table is dropped.

    ## What it does
    Reports `DROP TABLE` of tables the change did not create.

    ## Why is this risky?
    Running code that still reads or writes the table fails, and the data cannot be brought back by a
    rollback. The drop takes ACCESS EXCLUSIVE, so it also waits for every running query on the table
    while new ones queue behind it. `CASCADE` silently drops views and foreign keys that depend on it.

    ## Example
    ```sql
    DROP TABLE legacy_sessions;
    ```

    ## Use instead
    ```sql
    -- migration-reviewer: ignore LK016 -- unused since v42; archived to s3://backups/legacy_sessions
    DROP TABLE legacy_sessions;
    ```
    Drop a table once no deployed release uses it, with its data archived if it may be needed, and say so
    in an ignore directive.
    """
    for stmt in ctx.of_kind("DropStmt"):
        if stmt.kind != "DropStmt" or stmt.body.get("removeType") != "OBJECT_TABLE":
            continue
        cascade = stmt.body.get("behavior") == "DROP_CASCADE"
        for item in stmt.body.get("objects", ()):
            table = qualified(strings(fields(item, "List").get("items")))
            if ctx.is_new(table):
                continue
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE),
                message=f"Dropping `{table}`{' with CASCADE' if cascade else ''} breaks code that still uses "
                "it, and its rows cannot be restored by a rollback.",
                fix="stop using the table in one release, archive what may be needed, drop it in the next",
            )
