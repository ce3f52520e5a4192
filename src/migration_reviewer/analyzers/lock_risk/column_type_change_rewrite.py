from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.lock_risk._types import (
    TypeSpec,
    base_type,
    free_sources,
    show,
    type_change_rewrites,
)
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, type_of


@rule("LK006", "column-type-change-rewrite", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def column_type_change_rewrite(ctx: AnalysisContext) -> Iterator[Issue]:
    """`ALTER COLUMN … TYPE` that makes PostgreSQL rewrite the table.

    ## What it does
    Reports column type changes on existing tables, except those PostgreSQL makes without touching the
    rows: `varchar(n)` to a longer `varchar` or to `text`, `text` to unconstrained `varchar`, `numeric(p,s)`
    to a larger precision with the same scale or to unconstrained `numeric`, a longer `varbit`, `cidr` to
    `inet`. The source type comes from the replay's schema (or an earlier `ADD COLUMN` in the change).
    `lint` knows neither: it reports every type change on a table the file did not create, and where some
    old type would make the change free (`text`, `varchar`, `numeric`) it says so, as a warning that the
    review's replay settles. When the replay ran the statement, what it saw decides.

    ## Why is this risky?
    The rewrite copies every row and rebuilds every index under ACCESS EXCLUSIVE: no reads, no writes until
    it ends. `integer` to `bigint` on a large table is the classic outage.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN id TYPE bigint;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN id_new bigint;
    ```
    Then expand and contract: keep `id_new` in step with a trigger, fill it in batches, switch reads and
    writes to it, and drop the old column in a later release. Widening a `varchar` or moving it to `text`
    needs none of this.
    """
    declared: dict[tuple[str, str], TypeSpec] = {}  # types the change itself gave columns so far
    for stmt in ctx.alter_table_statements_with("AT_AlterColumnType", "AT_AddColumn"):
        table = altered_table(stmt)
        if table is None:
            continue
        for cmd in commands(stmt, "AT_AlterColumnType"):
            column = cmd.get("name", "?")
            definition = fields(cmd.get("def", {}), "ColumnDef")
            target = type_of(definition.get("typeName", {}))
            source = declared.get((table, column)) or base_type(ctx, table, column)
            using = definition.get("raw_default")
            predicted = type_change_rewrites(source, target, using, column)
            # Lint alone: the old type is unknown, so a target some old type reaches for free still
            # rewrites from any other one.
            unless = None
            if not predicted and source is None and ctx.replay is None:
                unless = free_sources(target)
                predicted = unless is not None
            observed = stmt.applied and any(
                table in run.rewrites for run in (stmt.run, stmt.seeded_run) if run is not None
            )
            if (predicted or observed) and not ctx.is_new(table):
                change = f"from {show(source)} to {show(target)}" if source else f"to {show(target)}"
                rewrites = "rewrites the table."
                if unless:
                    rewrites = (
                        f"rewrites the table unless its old type is {unless}; the review's replay, which "
                        "knows the old type, settles it."
                    )
                yield lock_issue(
                    ctx,
                    stmt,
                    Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.REWRITE, rewrite=True),
                    message=f"Changing `{table}.{column}` {change} {rewrites}",
                    severity=Severity.WARNING if unless else None,
                    fix=(f"nothing, if the old type is {unless}; otherwise " if unless else "")
                    + "expand and contract: add a new column of the new type, keep it in step with a "
                    "trigger, fill it in batches, switch the app to it, then drop "
                    f"`{column}` in a later release",
                )
        for cmd in commands(stmt, "AT_AddColumn", "AT_AlterColumnType"):
            definition = fields(cmd.get("def", {}), "ColumnDef")
            name = cmd.get("name") or definition.get("colname", "")
            declared[(table, name)] = type_of(definition.get("typeName", {}))
