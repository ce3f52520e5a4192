from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, column_constraints, commands
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, type_of
from migration_reviewer.replay.result import Outcome

_SELF_FILLING = ("CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED")
_SERIAL = frozenset({"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"})


@rule("BF001", "add-required-column", Category.BACKFILL, Severity.ERROR, {"postgresql"}, lintable=True)
def add_required_column(ctx: AnalysisContext) -> Iterator[Issue]:
    """A NOT NULL column without a default added to an existing table.

    ## What it does
    Reports `ADD COLUMN … NOT NULL` without a `DEFAULT` (nor an identity, a generated expression or a
    serial type) on tables the change did not create. When the replay over seeded rows ran the statement,
    its failure is reported by RP004 instead, and a success over rows contradicts this finding.

    ## Why is this risky?
    Existing rows would have NULL in the new column, so PostgreSQL refuses the statement as soon as the
    table holds one row: the migration passes on empty development databases and fails in production.
    Code that is still running and inserts without the column fails too.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN plan text NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';
    ```
    A constant default costs nothing on PostgreSQL 11 and later. Without a sensible default: add the
    column nullable, backfill it, then make it NOT NULL (see LK007).
    """
    for stmt in ctx.alter_table_statements_with("AT_AddColumn"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_AddColumn"):
            column = fields(cmd.get("def", {}), "ColumnDef")
            if not any(column_constraints(column, "CONSTR_NOTNULL")):
                continue
            if any(column_constraints(column, *_SELF_FILLING)):
                continue
            if type_of(column.get("typeName", {}))[0] in _SERIAL:
                continue
            seeded = stmt.seeded_run
            if seeded is not None and seeded.outcome is Outcome.FAILED:
                continue  # RP004 reports the failure the seeded replay met
            name = column.get("colname", "?")
            message = (
                f"`ADD COLUMN {name}` is NOT NULL without a default: PostgreSQL refuses it once "
                f"`{table}` holds a row."
            )
            severity = None
            rows = ctx.seeded_rows(table)
            if seeded is not None and seeded.outcome is Outcome.APPLIED and rows:
                message += f" The replay contradicts this: it ran over {rows:,} rows; kept as a note."
                severity = Severity.INFO
            yield Issue(
                message=message,
                path=stmt.path,
                line=stmt.line,
                table=table,
                fix=f"give `{name}` a constant DEFAULT, or add it nullable, backfill, then SET NOT NULL",
                statement=stmt.statement.text,
                severity=severity,
            )
