from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import relation


@rule("LK018", "truncate-table", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def truncate_table(ctx: AnalysisContext) -> Iterator[Issue]:
    """`TRUNCATE` of an existing table (an error with `CASCADE`).

    ## What it does
    Reports `TRUNCATE` of tables the change did not create; with `CASCADE` as an error.

    ## Why is this risky?
    Every row is gone and a rollback of the deploy cannot bring them back. TRUNCATE takes ACCESS EXCLUSIVE
    (it waits for every query on the table while new ones queue behind it). `CASCADE` also empties every
    table that references it through a foreign key, and the tables referencing those, without naming them.

    ## Example
    ```sql
    TRUNCATE customers CASCADE;
    ```

    ## Use instead
    ```sql
    DELETE FROM customer_imports WHERE imported_at < now() - interval '90 days';
    ```
    Delete exactly the rows meant to go (in batches on a large table), and name every table you mean to
    empty.
    """
    for stmt in ctx.of_kind("TruncateStmt"):
        if stmt.kind != "TruncateStmt":
            continue
        cascade = stmt.body.get("behavior") == "DROP_CASCADE"
        for rangevar in stmt.body.get("relations", ()):
            table = relation(rangevar)
            if ctx.is_new(table):
                continue
            message = f"`TRUNCATE {table}` deletes every row, beyond the reach of a rollback."
            if cascade:
                message += " CASCADE also empties every table that references it, without naming them."
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE),
                message=message,
                fix="DELETE exactly the rows meant to go, in batches; name each table to empty instead of "
                "CASCADE",
                severity=Severity.ERROR if cascade else None,
            )
