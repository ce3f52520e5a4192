from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("LK027", "drop-database", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def drop_database(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration drops a database.

    ## What it does
    Reports every `DROP DATABASE`.

    ## Why is this risky?
    Every table in that database goes, with its data, and no down migration brings it back. It cannot
    run inside a transaction, so a runner that wraps migrations fails on it; with `FORCE` it also
    terminates every session connected to that database.

    ## Example
    ```sql
    DROP DATABASE analytics_old;
    ```

    ## Use instead
    ```sql
    -- migration-reviewer: ignore LK027 -- archived to s3://backups/analytics_old, unused since v12
    DROP DATABASE analytics_old;
    ```
    Drop databases by hand or from infrastructure code, after a backup, rather than from an application's
    migrations; where it must be a migration, say why in an ignore directive.
    """
    for stmt in ctx.of_kind("DropdbStmt"):
        if stmt.kind != "DropdbStmt":
            continue
        name = stmt.body.get("dbname", "")
        yield Issue(
            message=f"`DROP DATABASE {name}` deletes a whole database and its data; no rollback brings it "
            "back.",
            path=stmt.path,
            line=stmt.line,
            fix="drop databases by hand or from infrastructure code after a backup, not from migrations",
            statement=stmt.statement.text,
        )
