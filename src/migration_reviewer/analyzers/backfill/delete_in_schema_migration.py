from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.backfill._common import BATCHED, changes_schema, is_outage, measured
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import always_true, relation


@rule(
    "BF005", "delete-in-schema-migration", Category.BACKFILL, Severity.WARNING, {"postgresql"}, lintable=True
)
def delete_in_schema_migration(ctx: AnalysisContext) -> Iterator[Issue]:
    """A `DELETE` of an existing table's rows inside a migration that changes the schema, or without a
    `WHERE`.

    ## What it does
    Reports `DELETE FROM` a table the change did not create when the same migration also changes the
    schema, or when the DELETE has no `WHERE` (or one that keeps every row: `WHERE true`, `1 = 1`,
    `id IS NOT NULL`). With the replay over seeded rows, it gives the rows
    deleted and the time, scaled to production's row count.

    ## Why is this risky?
    Deleting user data is a product decision hidden in a schema change: it runs on every environment the
    migration reaches, cannot be rolled back by a down migration, and a DELETE of many rows in one
    transaction holds their row locks, bloats the table and floods the WAL. Mixed with DDL, it also keeps
    the DDL's lock for as long as it runs.

    ## Example
    ```sql
    ALTER TABLE sessions ADD COLUMN device text;
    DELETE FROM sessions WHERE created_at < now() - interval '90 days';
    ```

    ## Use instead
    ```sql
    ALTER TABLE sessions ADD COLUMN device text;
    ```
    And the cleanup as its own, reviewed data migration (or a scheduled job), batch by batch:
    ```sql
    DELETE FROM sessions WHERE id >= 1 AND id < 10001 AND created_at < now() - interval '90 days';
    ```
    """
    for stmt in ctx.of_kind("DeleteStmt"):
        if stmt.kind != "DeleteStmt":
            continue
        table = relation(stmt.body["relation"])
        if ctx.is_new(table):
            continue
        ddl = next(
            (o for o in ctx.statements if o.migration.id == stmt.migration.id and changes_schema(o)), None
        )
        if ddl is not None:
            why = f"in a migration that also changes the schema (line {ddl.line})"
        elif not stmt.body.get("whereClause"):
            why = "without a WHERE: every row goes, in one transaction"
        elif always_true(stmt.body["whereClause"]):
            why = "with a WHERE that keeps every row: every row goes, in one transaction"
        else:
            continue
        evidence, estimate = measured(ctx, stmt, table)
        yield Issue(
            message=(
                f"`DELETE FROM {table}` deletes user data {why}; no down migration brings it back.{evidence}"
            ),
            path=stmt.path,
            line=stmt.line,
            table=table,
            fix=f"move the deletion to its own data migration or job, reviewed as such; {BATCHED}",
            confirmed_by_replay=stmt.seeded_run is not None and bool(stmt.seeded_run.rows),
            statement=stmt.statement.text,
            severity=Severity.ERROR if is_outage(estimate) else None,
        )
