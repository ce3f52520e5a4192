from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import Wrapping
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import outside_transaction
from migration_reviewer.analyzers.lock_risk._common import commands
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, fields, has_option
from migration_reviewer.replay.result import Outcome

# SQLSTATE active_sql_transaction: "… cannot run inside a transaction block".
_IN_TRANSACTION = "25001"


@rule("LK004", "concurrently-in-transaction", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def concurrently_in_transaction(ctx: AnalysisContext) -> Iterator[Issue]:
    """A `CONCURRENTLY` operation that the runner sends inside a transaction: it fails.

    ## What it does
    Works out, from the framework's way of running migrations and the file's own BEGIN/COMMIT, whether
    `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY` or `DETACH PARTITION
    … CONCURRENTLY` runs inside a transaction block, which PostgreSQL refuses.

    ## Why is this risky?
    The migration fails in production exactly where it passed a review that read the SQL alone. When the
    replay ran the migration and it failed there, the failure is reported once, by RP001; this rule
    covers what the replay did not reach, and `lint`.

    ## Example
    ```sql
    BEGIN;
    CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
    COMMIT;
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
    ```
    Alone, outside any transaction.

    ## Fix in Alembic
    ```python
    with op.get_context().autocommit_block():
        op.create_index("orders_status_idx", "orders", ["status"], postgresql_concurrently=True)
    ```

    ## Fix in Prisma
    One statement per migration: Prisma runs a one-statement `migration.sql` without a transaction.

    ## Fix in golang-migrate
    One statement per file: golang-migrate sends a multi-statement file as one query, which PostgreSQL
    runs as one transaction.

    ## Fix in Drizzle
    drizzle-kit runs every pending migration in one transaction: run the statement outside the migrator.

    ## Fix in dbmate
    `-- migrate:up transaction:false`.
    """
    framework = ctx.migration_set.framework
    for stmt in ctx.statements:
        what = _concurrent_operation(stmt)
        if what is None or stmt.transaction is None:
            continue
        run = stmt.run
        if run is not None and run.error is not None and run.error.sqlstate == _IN_TRANSACTION:
            continue  # RP001 reports the failure the replay met
        if stmt.transaction.by_file:
            where = "the file's own BEGIN … COMMIT"
        elif stmt.migration.wrapping is Wrapping.SCRIPT:
            where = f"{framework} sends the file as one multi-statement query, an implicit transaction"
        else:
            where = f"{framework} runs the migration in a transaction"
        message = f"`{what}` cannot run inside a transaction block ({where}): the migration fails."
        severity = None
        if run is not None and run.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK):
            message += " The replay contradicts this: it ran the statement without error; kept as a note."
            severity = Severity.INFO
        yield Issue(
            message=message,
            path=stmt.path,
            line=stmt.line,
            fix=outside_transaction(framework),
            statement=stmt.statement.text,
            severity=severity,
        )


def _concurrent_operation(stmt: SqlStatement) -> str | None:
    body = stmt.body
    if stmt.kind == "IndexStmt" and body.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if stmt.kind == "DropStmt" and body.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if stmt.kind == "ReindexStmt" and has_option(body.get("params"), "concurrently"):
        return "REINDEX CONCURRENTLY"
    for cmd in commands(stmt, "AT_DetachPartition"):
        if fields(cmd.get("def", {}), "PartitionCmd").get("concurrent"):
            return "DETACH PARTITION CONCURRENTLY"
    return None
