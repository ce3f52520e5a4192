from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.backfill._common import BATCHED, is_outage, measured, unbatched
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import relation


@rule("BF002", "unbatched-backfill", Category.BACKFILL, Severity.WARNING, {"postgresql"}, lintable=True)
def unbatched_backfill(ctx: AnalysisContext) -> Iterator[Issue]:
    """An `UPDATE` of an existing table that rewrites its rows in one go.

    ## What it does
    Reports an `UPDATE` of a table the change did not create when it has no `WHERE` (or one that keeps
    every row: `WHERE true`, `1 = 1`, `id IS NOT NULL`), or when it shares a
    transaction with a statement that locks an existing table against writes (ALTER TABLE, CREATE
    INDEX…). With the replay over seeded rows, the finding gives the rows the
    statement touched and its time, scaled to production's row count (`table-rows`); a backfill that
    would run for 10 seconds or more becomes an error.

    ## Why is this risky?
    PostgreSQL writes a new version of every updated row: one long transaction holds a row lock on each
    of them (concurrent updates of those rows wait), doubles the table's size until VACUUM, and floods
    the WAL, so replicas fall behind. In the same transaction as DDL, the DDL's lock (often ACCESS
    EXCLUSIVE: no reads, no writes) is held for the whole backfill.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN plan text;
    UPDATE users SET plan = 'free';
    COMMIT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN plan text;
    ```
    Then, from a job or a later migration that runs outside a transaction, one committed batch at a time:
    ```sql
    UPDATE users SET plan = 'free' WHERE id >= 1 AND id < 10001 AND plan IS NULL;
    ```
    To make the column required afterwards: `ADD CONSTRAINT … CHECK (plan IS NOT NULL) NOT VALID`,
    `VALIDATE CONSTRAINT`, then `SET NOT NULL` (see LK007 and BF003). A constant default is simpler
    still: `ADD COLUMN plan text NOT NULL DEFAULT 'free'` writes no rows on PostgreSQL 11 and later.
    """
    for stmt in ctx.of_kind("UpdateStmt"):
        if stmt.kind != "UpdateStmt":
            continue
        table = relation(stmt.body["relation"])
        why = unbatched(ctx, stmt, stmt.body.get("whereClause"))
        if ctx.is_new(table) or why is None:
            continue
        evidence, estimate = measured(ctx, stmt, table)
        yield Issue(
            message=f"`UPDATE {table}` {why}.{evidence}",
            path=stmt.path,
            line=stmt.line,
            table=table,
            fix=BATCHED,
            confirmed_by_replay=stmt.seeded_run is not None and bool(stmt.seeded_run.rows),
            statement=stmt.statement.text,
            severity=Severity.ERROR if is_outage(estimate) else None,
        )
