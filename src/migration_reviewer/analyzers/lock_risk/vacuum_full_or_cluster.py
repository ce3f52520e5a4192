from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, has_option, relation


@rule("LK017", "vacuum-full-or-cluster", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def vacuum_full_or_cluster(ctx: AnalysisContext) -> Iterator[Issue]:
    """`VACUUM FULL` or `CLUSTER` in a migration.

    ## What it does
    Reports `VACUUM FULL` and `CLUSTER`, on named tables the change did not create or on the whole
    database.

    ## Why is this risky?
    Both rewrite the table (and rebuild its indexes) under ACCESS EXCLUSIVE: no reads, no writes until the
    copy is done. Without a table name they do it to every table in turn.

    ## Example
    ```sql
    VACUUM FULL orders;
    ```

    ## Use instead
    ```sql
    VACUUM (ANALYZE) orders;
    ```
    Plain VACUUM runs alongside traffic. To give space back to the operating system online, use
    pg_repack or pg_squeeze outside the migration.
    """
    for stmt in ctx.statements:
        if stmt.kind == "VacuumStmt" and has_option(stmt.body.get("options"), "full"):
            what = "VACUUM FULL"
            tables = [relation(fields(r, "VacuumRelation")["relation"]) for r in stmt.body.get("rels", ())]
        elif stmt.kind == "ClusterStmt":
            what = "CLUSTER"
            tables = [relation(stmt.body["relation"])] if stmt.body.get("relation") else []
        else:
            continue
        if not tables:
            yield Issue(
                message=f"`{what}` without a table rewrites every table of the database in turn, each under "
                "ACCESS EXCLUSIVE (blocks reads and writes).",
                path=stmt.path,
                line=stmt.line,
                fix="plain VACUUM (ANALYZE), or pg_repack outside the migration",
                statement=stmt.statement.text,
            )
        for table in tables:
            if ctx.is_new(table):
                continue
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.REWRITE, rewrite=True),
                message=f"`{what}` rewrites `{table}`.",
                fix=f"plain `VACUUM (ANALYZE) {table}`, or pg_repack / pg_squeeze outside the migration",
            )
