from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import relation


@rule("LK019", "lock-table", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def lock_table(ctx: AnalysisContext) -> Iterator[Issue]:
    """An explicit `LOCK TABLE` that blocks writes or reads.

    ## What it does
    Reports `LOCK TABLE` in SHARE mode or stronger (ACCESS EXCLUSIVE when no mode is given) on tables the
    change did not create.

    ## Why is this risky?
    The lock is held until the transaction ends, so everything the migration does afterwards runs with
    the table blocked; and while the LOCK waits for running queries, every new query on the table queues
    behind it.

    ## Example
    ```sql
    LOCK TABLE orders;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;
    ```
    Take the weakest mode that protects what the migration does, only when it is needed, with a
    `lock_timeout`, and keep the transaction short.
    """
    for stmt in ctx.of_kind("LockStmt"):
        if stmt.kind != "LockStmt":
            continue
        mode = LockMode(stmt.body.get("mode", LockMode.ACCESS_EXCLUSIVE))
        if not mode.blocks_writes:
            continue
        for rangevar in stmt.body.get("relations", ()):
            table = relation(rangevar)
            if ctx.is_new(table):
                continue
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, mode),
                message=f"`LOCK TABLE {table}` holds {mode.label} until the transaction ends.",
                fix="take the weakest mode that is enough, with a lock_timeout, in a short transaction",
            )
