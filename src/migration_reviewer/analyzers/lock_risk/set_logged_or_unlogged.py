from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule


@rule("LK032", "set-logged-or-unlogged", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def set_logged_or_unlogged(ctx: AnalysisContext) -> Iterator[Issue]:
    """`ALTER TABLE … SET LOGGED` or `SET UNLOGGED` on an existing table.

    ## What it does
    Reports `SET LOGGED` and `SET UNLOGGED` on tables the change did not create.

    ## Why is this risky?
    Both rewrite the whole table under ACCESS EXCLUSIVE (no reads, no writes until the copy ends), and
    `SET LOGGED` also writes the whole table to the WAL, which replicas must replay. An unlogged table is
    not replicated and is emptied after a crash: `SET UNLOGGED` on a table with data that matters loses it
    on the next crash, and on every replica at once.

    ## Example
    ```sql
    ALTER TABLE page_views SET UNLOGGED;
    ```

    ## Use instead
    ```sql
    CREATE UNLOGGED TABLE page_views_buffer (LIKE page_views INCLUDING ALL);
    ```
    Create the table with the persistence it needs, move writes to it, and copy rows over in batches if
    they are needed.
    """
    for stmt in ctx.alter_table_statements_with("AT_SetLogged", "AT_SetUnLogged"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_SetLogged", "AT_SetUnLogged"):
            unlogged = cmd["subtype"] == "AT_SetUnLogged"
            consequence = (
                " An unlogged table is not replicated and is emptied after a crash."
                if unlogged
                else " Every row also goes through the WAL, which replicas replay."
            )
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.REWRITE, rewrite=True),
                message=f"`SET {'UNLOGGED' if unlogged else 'LOGGED'}` rewrites `{table}`.{consequence}",
                fix="create a new table with the persistence it needs, move writes to it and copy rows in "
                "batches, instead of converting a live table",
            )
