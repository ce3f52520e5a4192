from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.backfill._common import measured
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, fields, relation


@rule(
    "BF003", "backfill-then-set-not-null", Category.BACKFILL, Severity.WARNING, {"postgresql"}, lintable=True
)
def backfill_then_set_not_null(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column is backfilled and made `NOT NULL` in one transaction.

    ## What it does
    Reports `ALTER COLUMN … SET NOT NULL` that follows, in the same transaction, an `UPDATE` of that
    column on a table the change did not create. With the replay over seeded rows, it gives the time the
    update took and its estimate at production's row count.

    ## Why is this risky?
    The update locks every row it writes and `SET NOT NULL` then takes ACCESS EXCLUSIVE and scans the
    table: both are held until the transaction commits, so the table is closed to reads and writes for
    the scan and every write that touched one of the updated rows waited since the backfill began. If a
    row written by the application between the update's snapshot and the ALTER is NULL, the whole
    migration fails and the backfill is lost.

    ## Example
    ```sql
    BEGIN;
    UPDATE users SET plan = 'free' WHERE plan IS NULL;
    ALTER TABLE users ALTER COLUMN plan SET NOT NULL;
    COMMIT;
    ```

    ## Use instead
    ```sql
    UPDATE users SET plan = 'free' WHERE id >= 1 AND id < 10001 AND plan IS NULL;
    ```
    Repeat per key range, each batch committed on its own; then, in later migrations:
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_plan_not_null CHECK (plan IS NOT NULL) NOT VALID;
    ```
    ```sql
    ALTER TABLE users VALIDATE CONSTRAINT users_plan_not_null;
    ALTER TABLE users ALTER COLUMN plan SET NOT NULL;
    ALTER TABLE users DROP CONSTRAINT users_plan_not_null;
    ```
    """
    backfilled: dict[tuple[int, str, str], SqlStatement] = {}  # (transaction, table, column) → UPDATE
    for stmt in ctx.statements:
        if stmt.transaction is None:
            continue
        if stmt.kind == "UpdateStmt":
            table = relation(stmt.body["relation"])
            if ctx.is_new(table):
                continue
            for target in stmt.body.get("targetList", ()):
                column = fields(target, "ResTarget").get("name")
                if column:
                    backfilled.setdefault((stmt.transaction.id, table, column), stmt)
            continue
        altered = altered_table(stmt) or ""
        for cmd in commands(stmt, "AT_SetNotNull"):
            column = cmd.get("name", "")
            update = backfilled.get((stmt.transaction.id, altered, column))
            if update is None:
                continue
            evidence, _ = measured(ctx, update, altered)
            yield Issue(
                message=(
                    f"`{altered}.{column}` is backfilled on line {update.line} and made NOT NULL in the same "
                    "transaction: the update's row locks and the ACCESS EXCLUSIVE lock of the NOT NULL "
                    f"scan are held together until commit.{evidence}"
                ),
                path=stmt.path,
                line=stmt.line,
                table=altered,
                fix=(
                    "backfill in committed batches by key range, then `ADD CONSTRAINT … CHECK "
                    f"({column} IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` and `SET NOT NULL` in later "
                    "migrations"
                ),
                statement=stmt.statement.text,
            )
