from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import outside_transaction
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, relation


@rule(
    "LK024",
    "detach-partition-without-concurrently",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def detach_partition_without_concurrently(ctx: AnalysisContext) -> Iterator[Issue]:
    """`DETACH PARTITION` without `CONCURRENTLY` on PostgreSQL 14 or later.

    ## What it does
    Reports `ALTER TABLE … DETACH PARTITION` of an existing partitioned table without `CONCURRENTLY`
    when the target version has it (14 and later).

    ## Why is this risky?
    A plain detach takes ACCESS EXCLUSIVE on the partitioned table: every query on any partition waits,
    and while the detach waits for running queries, new ones queue behind it. `DETACH PARTITION …
    CONCURRENTLY` takes SHARE UPDATE EXCLUSIVE on the parent instead.

    ## Example
    ```sql
    ALTER TABLE events DETACH PARTITION events_2023;
    ```

    ## Use instead
    ```sql
    ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
    ```
    Outside a transaction.
    """
    if ctx.pg_version < 14:
        return
    for stmt in ctx.alter_table_statements_with("AT_DetachPartition"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_DetachPartition"):
            partition = fields(cmd.get("def", {}), "PartitionCmd")
            if partition.get("concurrent"):
                continue
            name = relation(partition["name"])
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE),
                message=f"`DETACH PARTITION {name}` runs without CONCURRENTLY.",
                fix=f"`ALTER TABLE {table} DETACH PARTITION {name} CONCURRENTLY`, "
                f"{outside_transaction(ctx.migration_set.framework)}",
            )
