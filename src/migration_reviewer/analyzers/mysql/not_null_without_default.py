from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.mysql._common import (
    added_columns,
    column_before,
    ddl_statements,
    default_of,
    is_not_null,
    modified_columns,
)
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome

if TYPE_CHECKING:
    from sqlglot import exp

_IMPLICIT = "'' for text, 0 for numbers, '0000-00-00' for dates, the first member of an ENUM"


@rule("BF101", "mysql-not-null-without-default", Category.BACKFILL, Severity.WARNING, {"mysql"})
def not_null_without_default(ctx: AnalysisContext) -> Iterator[Issue]:
    """A NOT NULL column without a DEFAULT on an existing table: MySQL makes up the values.

    ## What it does
    Reports `ADD COLUMN … NOT NULL` without a `DEFAULT` on a table the change did not create, and
    `MODIFY` / `CHANGE` that makes a nullable column NOT NULL without one. The replay over seeded rows
    shows what happens: the added column is filled with the type's implicit default without an error or
    a warning; the modified column fails on the rows holding NULL (strict mode), or, with strict mode
    off, gets the implicit default written into them.

    ## Why is this risky?
    Nobody decided what the existing rows should hold: an empty string or a zero looks like real data to
    the application and to reports, and cannot be told apart from it later.

    ## Example
    ```sql
    ALTER TABLE customers ADD COLUMN country CHAR(2) NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE customers ADD COLUMN country CHAR(2) NOT NULL DEFAULT 'US';
    ```
    Or add the column as NULL, backfill it in batches, then make it NOT NULL.
    """
    for ddl in ddl_statements(ctx):
        seeded = ddl.stmt.seeded_run
        rows = ctx.seeded_rows(ddl.table) if seeded is not None else None
        for column in added_columns(ddl):
            if not is_not_null(column) or default_of(column) is not None or _filled_by_server(column):
                continue
            shown = (
                f" (the replay filled {rows:,} seeded rows so)"
                if rows and seeded and seeded.outcome is Outcome.APPLIED
                else ""
            )
            yield Issue(
                message=f"`{column.name}` is added NOT NULL without a DEFAULT to `{ddl.table}`: MySQL fills "
                f"the existing rows with the type's implicit default ({_IMPLICIT}), silently{shown}",
                path=ddl.stmt.path,
                line=ddl.stmt.line,
                table=ddl.table,
                statement=ddl.stmt.statement.text,
                fix=f"give `{column.name}` the DEFAULT the existing rows should have, or add it NULL, "
                "backfill it in batches, then make it NOT NULL",
                confirmed_by_replay=bool(shown),
            )
        for old_name, column in modified_columns(ddl):
            before = column_before(ctx, ddl.table, old_name)
            if (
                before is None
                or not before.nullable
                or not is_not_null(column)
                or default_of(column) is not None
            ):
                continue
            failed = seeded is not None and seeded.outcome is Outcome.FAILED and seeded.error is not None
            message = f"`{ddl.table}.{old_name}` becomes NOT NULL without a DEFAULT: "
            if failed and seeded is not None and seeded.error is not None:
                message += (
                    f"it fails on the rows holding NULL (the replay over seeded rows: {seeded.error.message})"
                )
            else:
                message += "it fails on rows holding NULL in strict mode"
            message += f", and without strict mode MySQL writes the implicit default ({_IMPLICIT}) into them"
            yield Issue(
                message=message,
                path=ddl.stmt.path,
                line=ddl.stmt.line,
                table=ddl.table,
                statement=ddl.stmt.statement.text,
                fix=f"backfill first (`UPDATE {ddl.table} SET {old_name} = … WHERE {old_name} IS NULL`, in "
                "batches), then make it NOT NULL",
                confirmed_by_replay=failed,
                severity=Severity.ERROR if failed else None,
            )


def _filled_by_server(column: exp.ColumnDef) -> bool:
    """AUTO_INCREMENT numbers the rows, a generated column computes them: nothing is made up."""
    from sqlglot import exp  # sqlglot loads only when MySQL is reviewed

    return any(
        isinstance(
            c.kind,
            exp.AutoIncrementColumnConstraint
            | exp.ComputedColumnConstraint
            | exp.GeneratedAsIdentityColumnConstraint,
        )
        for c in column.constraints
    )
