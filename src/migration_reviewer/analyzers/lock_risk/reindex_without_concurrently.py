from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import outside_transaction
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import has_option, relation


@rule(
    "LK003",
    "reindex-without-concurrently",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def reindex_without_concurrently(ctx: AnalysisContext) -> Iterator[Issue]:
    """`REINDEX` without `CONCURRENTLY`.

    ## What it does
    Reports `REINDEX INDEX` and `REINDEX TABLE` that do not use `CONCURRENTLY`, on objects the change did
    not create.

    ## Why is this risky?
    REINDEX rebuilds each index under a SHARE lock on its table (writes wait for the whole rebuild) and an
    ACCESS EXCLUSIVE lock on the index itself, so queries that would use it wait too. `REINDEX
    CONCURRENTLY` (PostgreSQL 12 and later) builds a new copy of the index and swaps it in without
    blocking reads or writes.

    ## Example
    ```sql
    REINDEX INDEX orders_status_idx;
    ```

    ## Use instead
    ```sql
    REINDEX INDEX CONCURRENTLY orders_status_idx;
    ```
    Outside a transaction. Before PostgreSQL 12: `CREATE INDEX CONCURRENTLY` a copy, `DROP INDEX
    CONCURRENTLY` the old one, and rename the copy.
    """
    for stmt in ctx.of_kind("ReindexStmt"):
        if stmt.kind != "ReindexStmt" or has_option(stmt.body.get("params"), "concurrently"):
            continue
        if stmt.body.get("kind") not in ("REINDEX_OBJECT_INDEX", "REINDEX_OBJECT_TABLE"):
            continue
        target = relation(stmt.body["relation"])
        table = ctx.table_of(target)
        if ctx.is_new(table):
            continue
        what = "INDEX" if stmt.body["kind"] == "REINDEX_OBJECT_INDEX" else "TABLE"
        if ctx.pg_version >= 12:
            fix = (
                f"`REINDEX {what} CONCURRENTLY {target}`, {outside_transaction(ctx.migration_set.framework)}"
            )
        else:
            fix = (
                f"PostgreSQL {ctx.pg_version} has no REINDEX CONCURRENTLY: build a copy with CREATE INDEX "
                "CONCURRENTLY, drop the old index CONCURRENTLY and rename the copy"
            )
        yield lock_issue(
            ctx,
            stmt,
            Risk(table, LockMode.SHARE, Work.INDEX),
            message=f"`REINDEX {what} {target}` rebuilds without CONCURRENTLY.",
            fix=fix,
        )
