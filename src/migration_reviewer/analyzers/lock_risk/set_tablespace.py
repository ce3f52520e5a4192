from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule


@rule("LK036", "set-tablespace", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def set_tablespace(ctx: AnalysisContext) -> Iterator[Issue]:
    """`ALTER TABLE … SET TABLESPACE` moves an existing table's data under an exclusive lock.

    ## What it does
    Reports `SET TABLESPACE` on tables the change did not create.

    ## Why is this risky?
    PostgreSQL copies every data file of the table to the new tablespace while it holds ACCESS EXCLUSIVE:
    no reads, no writes until the copy ends, and the copy takes as long as the table is big. The
    table's indexes stay where they were unless they are moved too, each under the same kind of lock.

    ## Example
    ```sql
    ALTER TABLE archive_rows SET TABLESPACE slow_disks;
    ```

    ## Use instead
    ```sql
    CREATE TABLE archive_rows_moved (LIKE archive_rows INCLUDING ALL) TABLESPACE slow_disks;
    ```
    Move the rows in batches into a table created in the new tablespace and swap the names in one short
    transaction, or use an online tool (pg_repack's `--tablespace`) that holds the exclusive lock only
    for the swap.
    """
    for stmt in ctx.alter_table_statements_with("AT_SetTableSpace"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_SetTableSpace"):
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.REWRITE, rewrite=True),
                message=f"`SET TABLESPACE {cmd.get('name', '')}` copies every data file of `{table}`.",
                fix="copy the rows in batches into a table created in the new tablespace and swap names, "
                "or use pg_repack --tablespace",
            )
