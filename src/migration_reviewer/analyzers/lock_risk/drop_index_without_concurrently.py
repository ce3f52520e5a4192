from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import outside_transaction
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, qualified, strings


@rule(
    "LK002",
    "drop-index-without-concurrently",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def drop_index_without_concurrently(ctx: AnalysisContext) -> Iterator[Issue]:
    """`DROP INDEX` without `CONCURRENTLY` on a table that already exists.

    ## What it does
    Reports index drops that do not use `CONCURRENTLY`, unless the index belongs to a table the change
    created.

    ## Why is this risky?
    A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick,
    but the lock request waits behind every running query on the table, and every query that arrives
    meanwhile (reads included) queues behind it: a long report query turns a one-millisecond drop into
    an outage. `DROP INDEX CONCURRENTLY` waits for those queries without blocking anyone.

    ## Example
    ```sql
    DROP INDEX orders_status_idx;
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY orders_status_idx;
    ```
    Outside a transaction, one index per statement.

    ## Fix in Alembic
    ```python
    with op.get_context().autocommit_block():
        op.drop_index("orders_status_idx", postgresql_concurrently=True)
    ```

    ## Fix in dbmate
    Start the migration with `-- migrate:up transaction:false`.
    """
    for stmt in ctx.of_kind("DropStmt"):
        if stmt.kind != "DropStmt" or stmt.body.get("removeType") != "OBJECT_INDEX":
            continue
        if stmt.body.get("concurrent"):
            continue
        for item in stmt.body.get("objects", ()):
            index = qualified(strings(fields(item, "List").get("items")))
            table = ctx.table_of(index)
            if ctx.is_new(table):
                continue
            known = table != index
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE),
                message=f"`DROP INDEX {index}` runs without CONCURRENTLY"
                + ("." if known else " (its table is not known without a replay; named after the index)."),
                fix=f"`DROP INDEX CONCURRENTLY {index}`, {outside_transaction(ctx.migration_set.framework)}",
            )
